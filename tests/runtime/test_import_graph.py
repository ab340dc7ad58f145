"""The package's modules depend on each other one way: no import circle.

The graph is built from the sources with ``ast``, imports inside functions
included (a lazy import is a dependency too; it only hides the circle from
the interpreter).  The package's ``__init__`` is left out as a target: it
is the front door that imports everything, and a submodule that imported it
would close a circle the test then reports.
"""
import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "runtime" / "trioaio"
NAME = "trioaio"


def _module_name(path):
    return "__init__" if path.stem == "__init__" else path.stem


def imports_of(path, modules):
    """The package modules that the module at *path* imports."""
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 or node.module == NAME or (
                    node.module or "").startswith(NAME + "."):
                base = node.module or ""
                if node.level == 0:
                    base = base[len(NAME):].lstrip(".")
                if base:
                    found.add(base.split(".")[0])
                else:  # from . import x, y: submodules, or the package
                    for alias in node.names:
                        found.add(alias.name if alias.name in modules
                                  else "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == NAME:
                    found.add("__init__")
                elif alias.name.startswith(NAME + "."):
                    found.add(alias.name.split(".")[1])
    found.discard(_module_name(path))
    return {m for m in found if m in modules or m == "__init__"}


def import_graph(package=PACKAGE):
    paths = sorted(package.glob("*.py"))
    modules = {_module_name(p) for p in paths} | {
        p.name.split(".")[0] for p in package.glob("*.so")} | {"_core"}
    return {_module_name(p): imports_of(p, modules) for p in paths}


def circles(graph):
    """Every strongly connected group of more than one module (Tarjan), and
    modules that import themselves."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in graph.get(v, ()):
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle_in_the_package():
    graph = import_graph()
    found = circles(graph)
    assert not found, "import circles in runtime/trioaio: %s\n%s" % (
        found, "\n".join("%s -> %s" % (m, ", ".join(sorted(d)))
                         for m, d in sorted(graph.items()) if d))


def test_the_graph_sees_lazy_imports_and_circles(tmp_path):
    (tmp_path / "__init__.py").write_text("from . import _a\n")
    (tmp_path / "_a.py").write_text("from ._b import x\n")
    (tmp_path / "_b.py").write_text(
        "import trio\n\ndef f():\n    from . import _a\n")
    (tmp_path / "_c.py").write_text("from trioaio._a import y\n")
    graph = import_graph(tmp_path)
    assert graph == {"__init__": {"_a"}, "_a": {"_b"}, "_b": {"_a"},
                     "_c": {"_a"}}
    assert circles(graph) == [["_a", "_b"]]


def test_the_shared_state_and_the_internals_are_leaves():
    graph = import_graph()
    for leaf in ("_internals", "_state"):
        if leaf in graph:
            assert graph[leaf] <= {"_internals"}, (leaf, graph[leaf])
