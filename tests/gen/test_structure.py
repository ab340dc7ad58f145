"""The generator's C modules depend on each other one way: the graph of
`#include "x.h"` between codegen/*.c modules has no cycle, and every x.c
includes its own x.h first (STYLE.md)."""

import re

from conftest import ROOT

CODEGEN = ROOT / "codegen"


def _graph():
    graph = {}
    for c in sorted(CODEGEN.glob("*.c")):
        mod = c.stem
        deps = set()
        for src in (c, c.with_suffix(".h")):
            if not src.exists():
                continue
            for m in re.finditer(r'^#include "([a-z_]+)\.h"',
                                 src.read_text(), re.M):
                if m.group(1) != mod and (CODEGEN / f"{m.group(1)}.c").exists():
                    deps.add(m.group(1))
        graph[mod] = deps
    return graph


def _cycle(graph):
    state = {}

    def visit(node, path):
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return path + [node, dep]
            if dep not in state:
                found = visit(dep, path + [node])
                if found:
                    return found
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def test_module_dependencies_have_no_cycle():
    graph = _graph()
    assert "resolve" in graph and "load" in graph and "index" in graph
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) is not None
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_every_module_includes_its_header_first():
    for c in sorted(CODEGEN.glob("*.c")):
        first = re.search(r'^#include "([^"]+)"', c.read_text(), re.M)
        assert first and first.group(1) == f"{c.stem}.h", c.name
