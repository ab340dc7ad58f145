"""The C core's files include each other one way, as docs/internals.md says.

The graph is read from the sources (``#include "x.h"`` lines) and compared
with the include graph in docs/internals.md, edge for edge, so that the
map cannot go stale; and the files' graph has no circle (include guards
would hide one from the compiler).
"""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
SRC = ROOT / "runtime" / "src"
DOC = ROOT / "docs" / "internals.md"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def includes_in_sources():
    return {path.name: set(INCLUDE.findall(path.read_text()))
            for path in sorted(SRC.glob("*.[ch]"))}


def includes_in_docs():
    """The docs' graph: `a, b -> x, y` lines, continued on indented lines;
    a line without an arrow names files that include none of ours."""
    text = DOC.read_text()
    start = text.index("Includes run one way")
    block = text[start:].split("```")[1]
    graph, current = {}, None
    for line in block.splitlines():
        if not line.strip():
            continue
        if line.startswith(" ") and current is not None:
            targets = line
        elif "->" in line:
            left, targets = line.split("->", 1)
            current = [name.strip() for name in left.split(",")]
            for name in current:
                graph.setdefault(name, set())
        else:
            names = re.split(r"\s{2,}", line.strip())[0]
            current = None
            for name in names.split(","):
                graph.setdefault(name.strip(), set())
            continue
        for name in current:
            for t in targets.split(","):
                t = t.strip()
                if t == "their own header":
                    t = name.rsplit(".", 1)[0] + ".h"
                if t:
                    graph[name].add(t)
    return graph


def cycles(graph):
    """Circles in an include graph, each as the path that closes it."""
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_the_docs_show_every_include_of_the_sources():
    sources, docs = includes_in_sources(), includes_in_docs()
    assert sorted(docs) == sorted(sources), (
        "docs/internals.md's include graph lists other files than "
        "runtime/src has")
    for name in sources:
        assert docs[name] == sources[name], (
            "%s: the sources include %s, docs/internals.md says %s"
            % (name, sorted(sources[name]), sorted(docs[name])))


def test_the_files_include_each_other_one_way():
    assert cycles(includes_in_sources()) == []


def test_the_cycle_finder_finds_a_circle():
    graph = {"a.c": {"a.h"}, "a.h": {"b.h"}, "b.h": {"a.h"}}
    assert cycles(graph) == [["a.h", "b.h", "a.h"]]
