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


# Where the file system may be asked directly; everywhere else goes
# through util.h's logged primitives (gen_read_file*, gen_stat,
# gen_stat_type, gen_realpath) or scan.h's gen_is_file, so that a run
# record (codegen/runs.h) knows every answer a check's findings depend on.
RAW_FS_ALLOWED = {
    "util.c": "the primitives themselves, and the working directory (a "
              "part of the record's key)",
    "scan.c": "the walk, which every run does again before a record is "
              "looked up",
    "main.c": "the key's working directory; explain, which keeps no record",
    "cache.c": "the cache's own files",
    "runs.c": "the records' own files",
    "gen.c": "gen, which keeps no record",
    "write.c": "gen's output files",
}
RAW_FS = re.compile(r"(?<![\w.>])(stat|lstat|fstat|fstatat|open|openat|fopen|"
                    r"opendir|realpath|access|readlink|getcwd)\s*\(")


def test_analysis_reads_the_file_system_through_the_log():
    offenders = []
    for c in sorted(CODEGEN.glob("*.c")):
        if c.name in RAW_FS_ALLOWED or c.name == "fuzz.c":
            continue
        # Comments blanked, line breaks kept (for the line numbers).
        text = re.sub(r"/\*.*?\*/",
                      lambda m: re.sub(r"[^\n]", " ", m.group(0)),
                      c.read_text(), flags=re.S)
        for n, line in enumerate(text.splitlines(), 1):
            if RAW_FS.search(line):
                offenders.append(f"{c.name}:{n}: {line.strip()}")
    assert offenders == [], "\n".join(offenders)


def test_raw_file_system_pattern_finds_calls():
    assert RAW_FS.search("    if (stat(path, &st) != 0)")
    assert RAW_FS.search("x = realpath(p, NULL);")
    assert not RAW_FS.search("gen_stat(path, &st)")
    assert not RAW_FS.search("st.st_mode; f->open(x)")
