"""Find trio-asyncio shim occurrences in Python source and remove one.

Each `Site` is one place where code crosses between asyncio and Trio on
purpose, and one mutation that removes the crossing while keeping the file
valid Python:

=====================  ==================================  ================
kind                   before                              after
=====================  ==================================  ================
``call``               ``aio_as_trio(f)(x)``               ``f(x)``
                       ``aio_as_trio(obj.m(x))``           ``obj.m(x)``
                       ``trio_as_aio(f)(x)``               ``f(x)``
                       ``run_aio_coroutine(c)``            ``c``
                       ``run_aio_future(fut)``             ``fut``
                       ``loop.run_aio_coroutine(c)``       ``c``
``runner``             ``loop.run_asyncio(f, x, k=1)``     ``f(x, k=1)``
                       ``loop.run_trio(f, x)``             ``f(x)``
``decorator``          ``@aio_as_trio`` (or ``@trio2aio``,  the decorator
                       ``@trio_as_aio``, ``@aio2trio``,     line left blank
                       dotted forms)
=====================  ==================================  ================

The shim is recognised by its name: as an attribute however it is reached
(``trio_asyncio.aio_as_trio``, ``trai.aio_as_trio``, ``loop.run_asyncio``),
and as a bare name when the file imports it from ``trio_asyncio`` or
``trioaio`` (``from trio_asyncio import aio_as_trio as a2t`` makes ``a2t``
one; a project's own helper that happens to be called ``run_asyncio`` is
not), with trio-asyncio's older names too (``asyncio_as_trio``,
``trio_as_asyncio``).  A ``call`` shim
must have exactly one positional argument and no keywords (others, such as
``aio_as_trio(f, loop=loop)``, are left alone: removing them is not one
obvious edit).

Mutations never add or remove a line except where the removed text itself
spanned lines, and `Site.shift` maps a line number of the original file to
the mutated one, so findings before and after can be compared.
"""

import ast
import dataclasses
import io
import re
import tokenize
import warnings

# The wrappers: called with one argument, they return the crossing object.
WRAPPERS = frozenset({
    "aio_as_trio", "trio_as_aio", "asyncio_as_trio", "trio_as_asyncio",
    "aio2trio", "trio2aio", "run_aio_coroutine", "run_aio_future",
})
# Called with a function and its arguments.
RUNNERS = frozenset({"run_asyncio", "run_trio"})
DECORATORS = frozenset({
    "aio_as_trio", "trio_as_aio", "asyncio_as_trio", "trio_as_asyncio",
    "aio2trio", "trio2aio",
})


@dataclasses.dataclass(frozen=True)
class Site:
    """One shim occurrence and the mutation that removes it.

    Offsets are indexes into the file's text (str), lines are 1-based.
    `start_line`..`end_line` is the removed text in the original file;
    `span` is what a finding must point at, in the mutated file's lines:
    the rewritten expression, or for a decorator the decorated definition.
    `function` is the decorated function (decorators) or the innermost
    function containing the rewritten call (None at module level).
    """

    path: str
    kind: str
    shim: str
    start: int
    end: int
    replacement: str
    start_line: int
    end_line: int
    col: int
    span: tuple
    function: str
    before: str

    @property
    def line_delta(self):
        return (self.replacement.count("\n")
                - (self.end_line - self.start_line))

    def shift(self, line):
        """Where line `line` of the original file is after the mutation."""
        if line < self.start_line:
            return line
        if line > self.end_line:
            return line + self.line_delta
        return self.start_line

    def apply(self, text):
        return text[:self.start] + self.replacement + text[self.end:]

    @property
    def id(self):
        return f"{self.path}:{self.start_line}:{self.col + 1}:{self.shim}"

    def describe(self):
        after = self.replacement.strip() or "(decorator removed)"
        return f"{self.before} -> {after}"


SHIM_MODULES = ("trio_asyncio", "trioaio")


def _shim_imports(tree):
    """{local name: shim name} for names imported from the runtimes."""
    out = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.ImportFrom) and node.level == 0
                and node.module
                and node.module.split(".")[0] in SHIM_MODULES):
            for alias in node.names:
                out[alias.asname or alias.name] = alias.name
    return out


class _LineIndex:
    """Converts ast's (line, UTF-8 byte column) positions to str offsets."""

    def __init__(self, text):
        self.text = text
        # Python's own line ends only: str.splitlines would also split at
        # form feeds and other separators that do not end a line for ast.
        self.lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, lineno, col_byte):
        line = self.lines[lineno - 1]
        col = len(line.encode("utf-8")[:col_byte].decode("utf-8",
                                                          "replace"))
        return self.starts[lineno - 1] + col

    def node_span(self, node):
        return (self.offset(node.lineno, node.col_offset),
                self.offset(node.end_lineno, node.end_col_offset))

    def segment(self, node):
        start, end = self.node_span(node)
        return self.text[start:end]

    def line_of(self, offset):
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def col_of(self, offset):
        return offset - self.starts[self.line_of(offset) - 1]


def _needs_parens(node):
    return not isinstance(node, (ast.Name, ast.Attribute, ast.Call,
                                 ast.Subscript))


def _at_sign(text, offset):
    """The offset of the `@` before a decorator expression at offset."""
    i = offset - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i < 0 or text[i] != "@":
        return None
    return i


class _Finder(ast.NodeVisitor):
    def __init__(self, path, text, imports):
        self.path = path
        self.imports = imports
        self.idx = _LineIndex(text)
        self.text = text
        self.functions = []
        self.decorator_nodes = set()
        self.sites = []

    def _shim_name(self, node):
        if isinstance(node, ast.Name):
            return self.imports.get(node.id)
        if isinstance(node, ast.Attribute):
            return node.attr
        return None

    def _site(self, kind, shim, start, end, replacement, span_lines,
              function):
        start_line = self.idx.line_of(start)
        end_line = self.idx.line_of(max(start, end - 1)) if end > start \
            else start_line
        self.sites.append(Site(
            path=self.path, kind=kind, shim=shim, start=start, end=end,
            replacement=replacement, start_line=start_line,
            end_line=end_line, col=self.idx.col_of(start), span=span_lines,
            function=function, before=" ".join(
                self.text[start:end].split())))

    def _visit_def(self, node):
        for dec in node.decorator_list:
            self.decorator_nodes.add(id(dec))
            name = self._shim_name(dec)
            if name not in DECORATORS:
                continue
            expr_start, expr_end = self.idx.node_span(dec)
            at = _at_sign(self.text, expr_start)
            if at is None:
                continue
            # Blank the decorator but keep its newlines: the definition and
            # everything after it stay on their lines.
            removed = self.text[at:expr_end]
            replacement = "\n" * removed.count("\n")
            first = min([node.lineno] + [d.lineno for d in
                                         node.decorator_list])
            self._site("decorator", name, at, expr_end, replacement,
                       (first, node.end_lineno), node.name)
        if not isinstance(node, ast.ClassDef):
            self.functions.append(node.name)
        self.generic_visit(node)
        if not isinstance(node, ast.ClassDef):
            self.functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_def

    def visit_Call(self, node):
        name = self._shim_name(node.func)
        function = self.functions[-1] if self.functions else None
        if id(node) in self.decorator_nodes:
            pass
        elif (name in WRAPPERS and len(node.args) == 1 and not node.keywords
              and not isinstance(node.args[0], ast.Starred)):
            arg = node.args[0]
            text = self.idx.segment(arg)
            if _needs_parens(arg):
                text = f"({text})"
            start, end = self.idx.node_span(node)
            line = self.idx.line_of(start)
            self._site("call", name, start, end, text,
                       (line, line + text.count("\n")), function)
        elif (name in RUNNERS and node.args
              and not isinstance(node.args[0], ast.Starred)):
            fn = node.args[0]
            fn_text = self.idx.segment(fn)
            if _needs_parens(fn):
                fn_text = f"({fn_text})"
            rest = [self.idx.segment(a) for a in node.args[1:]]
            for kw in node.keywords:
                value = self.idx.segment(kw.value)
                rest.append(f"{kw.arg}={value}" if kw.arg
                            else f"**{value}")
            text = f"{fn_text}({', '.join(rest)})"
            start, end = self.idx.node_span(node)
            line = self.idx.line_of(start)
            self._site("runner", name, start, end, text,
                       (line, line + text.count("\n")), function)
        self.generic_visit(node)


def find_sites(path, text):
    """All shim sites in one file's text, in source order.  A file that does
    not parse has none."""
    try:
        tree = _parse(text, path)
    except (SyntaxError, ValueError):
        return []
    finder = _Finder(path, text, _shim_imports(tree))
    finder.visit(tree)
    return sorted(finder.sites, key=lambda s: s.start)


def _parse(text, path="<mutant>"):
    # Old code's invalid escapes warn; they are not ours to report.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=path)


def still_parses(text):
    try:
        _parse(text)
        return True
    except (SyntaxError, ValueError):
        return False


def read_source(path):
    """A file's text decoded the way Python would (PEP 263 cookie)."""
    with open(path, "rb") as f:
        data = f.read()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def strip_all(path, text):
    """Remove every shim of a file, one after another (re-finding them after
    each edit, so nested shims such as ``aio_as_trio(run_aio_coroutine(c))``
    go too).  Returns (mutated text, the sites applied in order, and the
    decorated functions whose boundary decorator was removed)."""
    applied, functions = [], []
    for _ in range(len(text)):
        sites = find_sites(path, text)
        if not sites:
            break
        site = sites[0]
        text = site.apply(text)
        applied.append(site)
        if site.kind == "decorator":
            functions.append(site.function)
    return text, applied, functions


def shift_through(sites, line):
    """Where line `line` of the original file is after all of `sites`
    were applied in order."""
    for site in sites:
        line = site.shift(line)
    return line
