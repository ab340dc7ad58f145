"""The seeded-mutation harness and the corpus materialiser (bench/gen/).

These run on small synthetic files and always run; the evaluation on the
real corpus is tests/gen/test_corpus_eval.py.
"""

import ast
import json
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, gen_binary

sys.path.insert(0, str(ROOT / "bench" / "gen"))

import corpus  # noqa: E402
import seeded  # noqa: E402
import shimsites  # noqa: E402

F = seeded.Finding

SAMPLE = textwrap.dedent('''\
    import asyncio
    import trio
    import trio_asyncio
    from trio_asyncio import aio_as_trio, trio_as_aio, run_aio_coroutine


    @aio_as_trio
    async def fetch():
        await asyncio.sleep(0)


    class Conn:
        @trio_asyncio.aio_as_trio  # the driver's methods
        async def query(self, q):
            return q


    async def main(loop, conn, fut):
        await aio_as_trio(asyncio.sleep)(1)
        await aio_as_trio(conn.execute("x"))
        await run_aio_coroutine(asyncio.sleep(0))
        await trio_asyncio.run_aio_future(fut)
        await loop.run_asyncio(asyncio.sleep, 1, result=2)
        await trio_as_aio(lambda: trio.sleep(0))()
        await aio_as_trio(
            conn.close
        )()
        await aio_as_trio(conn.f, loop=loop)()
        await conn.other(1)
    ''')


def sites_by_line(text=SAMPLE):
    return {s.start_line: s for s in shimsites.find_sites("m.py", text)}


def test_every_shim_form_is_found_with_its_mutation():
    sites = sites_by_line()
    got = {line: (s.kind, s.shim, s.before, s.replacement)
           for line, s in sites.items()}
    assert got == {
        7: ("decorator", "aio_as_trio", "@aio_as_trio", ""),
        13: ("decorator", "aio_as_trio", "@trio_asyncio.aio_as_trio", ""),
        19: ("call", "aio_as_trio", "aio_as_trio(asyncio.sleep)",
             "asyncio.sleep"),
        20: ("call", "aio_as_trio", 'aio_as_trio(conn.execute("x"))',
             'conn.execute("x")'),
        21: ("call", "run_aio_coroutine",
             "run_aio_coroutine(asyncio.sleep(0))", "asyncio.sleep(0)"),
        22: ("call", "run_aio_future", "trio_asyncio.run_aio_future(fut)",
             "fut"),
        23: ("runner", "run_asyncio",
             "loop.run_asyncio(asyncio.sleep, 1, result=2)",
             "asyncio.sleep(1, result=2)"),
        # a lambda is parenthesised so that calling it stays a call of it
        24: ("call", "trio_as_aio", "trio_as_aio(lambda: trio.sleep(0))",
             "(lambda: trio.sleep(0))"),
        25: ("call", "aio_as_trio", "aio_as_trio( conn.close )",
             "conn.close"),
    }
    # aio_as_trio(f, loop=loop) is not one obvious edit: left alone
    assert 28 not in sites


def test_mutations_keep_the_file_valid_and_the_lines_in_place():
    for site in shimsites.find_sites("m.py", SAMPLE):
        mutated = site.apply(SAMPLE)
        ast.parse(mutated)
        old, new = SAMPLE.split("\n"), mutated.split("\n")
        if site.start_line == site.end_line:
            assert len(new) == len(old)
            for i, (a, b) in enumerate(zip(old, new), 1):
                assert (a == b) == (i != site.start_line), (site.id, i)
    dec = sites_by_line()[13]
    lines = dec.apply(SAMPLE).split("\n")
    assert lines[12] == "      # the driver's methods"
    assert lines[13] == "    async def query(self, q):"


def test_a_multiline_shim_shifts_the_lines_after_it():
    site = sites_by_line()[25]
    assert (site.start_line, site.end_line, site.line_delta) == (25, 27, -2)
    mutated = site.apply(SAMPLE).split("\n")
    assert mutated[24] == "    await conn.close()"
    assert [site.shift(n) for n in (24, 25, 26, 27, 28, 29)] == \
        [24, 25, 25, 25, 26, 27]
    assert mutated[site.shift(29) - 1] == "    await conn.other(1)"


def test_sites_know_their_function_and_span():
    sites = sites_by_line()
    assert (sites[7].function, sites[7].span) == ("fetch", (7, 9))
    assert (sites[13].function, sites[13].span) == ("query", (13, 15))
    assert (sites[19].function, sites[19].span) == ("main", (19, 19))
    assert sites[19].col == 10


def test_columns_count_characters_and_form_feeds_do_not_end_lines():
    text = ('import trio_asyncio\n\x0c\n'
            'async def f(x):\n'
            '    s = "é"; await trio_asyncio.aio_as_trio(x)()\n')
    (site,) = shimsites.find_sites("m.py", text)
    assert site.start_line == 4
    assert text[site.start:site.end] == "trio_asyncio.aio_as_trio(x)"
    assert site.apply(text).endswith('s = "é"; await x()\n')


def test_bare_names_count_only_when_imported_from_the_runtime():
    text = textwrap.dedent('''\
        import trio_asyncio
        from trio_asyncio import aio_as_trio as a2t


        async def run_asyncio(coro):  # the project's own helper
            return await trio_asyncio.run_aio_coroutine(coro)


        async def main(db):
            await run_asyncio(db.get())
            await a2t(db.get)()
            await trio_as_aio(db.put)()  # not imported: some other name
        ''')
    got = [(s.start_line, s.shim, s.replacement)
           for s in shimsites.find_sites("m.py", text)]
    assert got == [(6, "run_aio_coroutine", "coro"),
                   (11, "aio_as_trio", "db.get")]


def test_stripping_a_file_removes_every_shim_even_nested_ones():
    text = SAMPLE + "    await aio_as_trio(run_aio_coroutine(conn.q()))\n"
    mutated, applied, functions = shimsites.strip_all("m.py", text)
    ast.parse(mutated)
    assert shimsites.find_sites("m.py", mutated) == []
    assert len(applied) == 11 and functions == ["fetch", "query"]
    lines = mutated.split("\n")
    assert lines[-2] == "    await conn.q()"
    # the multi-line shim moved what follows it up by two lines
    assert lines[shimsites.shift_through(applied, 29) - 1] == \
        "    await conn.other(1)"
    assert lines[shimsites.shift_through(applied, 22) - 1] == \
        "    await fut"
    # a stripped file is flagged by a new finding in it, or by one that
    # names a function whose decorator went
    before = [F("m.py", 29, 5, "TA001", "old")]
    moved = [F("m.py", 27, 5, "TA001", "old")]
    assert seeded.strip_flagged("m.py", applied, functions, before,
                                moved) == []
    caller = F("x.py", 3, 1, "TA001", "asyncio `m.query` awaited")
    assert seeded.strip_flagged("m.py", applied, functions, before,
                                moved + [caller]) == [caller]


def test_a_file_that_does_not_parse_has_no_sites():
    assert shimsites.find_sites("m.py", "await aio_as_trio(f)(\n") == []


def test_recall_needs_a_new_finding_at_the_site():
    site = sites_by_line()[19]
    base = [F("m.py", 30, 5, "TA001", "old"), F("x.py", 19, 1, "TA002", "o")]
    # the same findings again, nothing new: missed
    assert seeded.recalled(site, base, base) == (False, [])
    # new, but elsewhere and not naming `main`: missed
    other = F("m.py", 40, 5, "TA001", "asyncio `g` awaited in `h`")
    assert seeded.recalled(site, base, base + [other])[0] is False
    # new on the mutated line: recalled
    hit = F("m.py", 19, 11, "TA001", "asyncio `asyncio.sleep` awaited")
    assert seeded.recalled(site, base, base + [hit]) == (True, [hit])
    # a syntax diagnostic never counts
    ta900 = F("m.py", 19, 1, "TA900", "syntax error")
    assert seeded.recalled(site, base, base + [ta900])[0] is False
    # a finding anchored elsewhere that names the containing function
    mixed = F("m.py", 18, 1, "TA003", "`main` mixes asyncio and Trio")
    assert seeded.recalled(site, base, base + [mixed])[0] is True
    # ... as a whole identifier only
    mixed2 = F("m.py", 18, 1, "TA003", "`mainline` mixes asyncio and Trio")
    assert seeded.recalled(site, base, base + [mixed2])[0] is False


def test_baseline_findings_are_compared_after_the_line_shift():
    site = sites_by_line()[25]
    before = [F("m.py", 29, 5, "TA001", "a")]
    after = [F("m.py", 27, 5, "TA001", "a")]
    assert seeded.new_findings(site, before, after) == []
    # in another file nothing shifts
    assert seeded.new_findings(site, [F("n.py", 29, 5, "TA001", "a")],
                               [F("n.py", 27, 5, "TA001", "a")]) == \
        [F("n.py", 27, 5, "TA001", "a")]


def test_a_deleted_decorator_is_recalled_at_a_caller_naming_it():
    site = sites_by_line()[7]
    caller = F("app.py", 3, 5, "TA001",
               "asyncio `m.fetch` awaited in Trio-domain function `main`")
    assert seeded.recalled(site, [], [caller])[0] is True
    inside = F("m.py", 9, 5, "TA001", "asyncio `asyncio.sleep` awaited")
    assert seeded.recalled(site, [], [inside])[0] is True
    unrelated = F("app.py", 3, 5, "TA001", "asyncio `m.fetch_all` awaited")
    assert seeded.recalled(site, [], [unrelated])[0] is False


def test_annotations_judge_findings_and_name_bad_entries(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text(textwrap.dedent('''\
        [[finding]]
        project = "p"
        file = "m.py"
        line = 3
        code = "TA001"
        verdict = "right"
        reason = "a Trio test awaits asyncpg directly"

        [[finding]]
        project = "p"
        file = "m.py"
        line = 9
        code = "TA002"
        verdict = "wrong"
        reason = "the callee is asyncio"
        fix = "breaks"
        '''))
    ann = seeded.load_annotations(path)
    f1, f2, f3 = (F("m.py", 3, 1, "TA001", ""), F("m.py", 9, 1, "TA002", ""),
                  F("m.py", 9, 1, "TA001", ""))
    right, wrong, missing, breaking = seeded.judge("p", [f1, f2, f3], ann)
    assert (right, wrong, missing, breaking) == ([f1], [f2], [f3], [f2])
    path.write_text(path.read_text().replace('"breaks"', '"often"'))
    with pytest.raises(SystemExit, match="#2: fix must be one of"):
        seeded.load_annotations(path)
    path.write_text(path.read_text().replace('"wrong"', '"maybe"'))
    with pytest.raises(SystemExit, match="#2: verdict must be"):
        seeded.load_annotations(path)


def test_known_bugs_count_when_a_finding_is_on_their_line(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text(textwrap.dedent('''\
        [[bug]]
        project = "p"
        file = "m.py"
        line = 7
        reason = "a Trio task awaits aiortc directly"

        [[bug]]
        project = "p"
        file = "m.py"
        line = 9
        reason = "the same"

        [[bug]]
        project = "p"
        file = "m.py"
        line = 20
        also = [31]
        reason = "a helper awaiting aiortc, awaited from Trio at line 31"
        '''))
    bugs = seeded.load_bugs(path)
    assert [b[:2] for b in bugs["p"]] == [("m.py", 7), ("m.py", 9),
                                          ("m.py", 20)]
    found = [F("m.py", 7, 3, "TA003", ""), F("m.py", 9, 1, "TA900", ""),
             F("m.py", 31, 1, "TA001", "")]
    assert seeded.bugs_reported(bugs["p"], found) == [True, False, True]
    path.write_text("[[bug]]\nproject = \"p\"\n")
    with pytest.raises(SystemExit, match="#1 lacks `file`"):
        seeded.load_bugs(path)


DEMO = textwrap.dedent('''\
    import asyncio

    import trio
    from trio_asyncio import aio_as_trio


    @aio_as_trio
    async def fetch():
        await asyncio.sleep(0)


    async def main():
        await trio.sleep(0)
        await fetch()
        await aio_as_trio(asyncio.sleep)(0)
    ''')


def test_end_to_end_with_the_binary(tmp_path):
    """Both mutants of a small project are found by today's checker: the
    call at its line, the decorator at the caller that names it."""
    (tmp_path / "demo" / "pkg").mkdir(parents=True)
    (tmp_path / "demo" / "pkg" / "__init__.py").write_text("")
    (tmp_path / "demo" / "pkg" / "app.py").write_text(DEMO)
    project = {"name": "demo", "paths": ["pkg"], "config": [],
               "source": "git", "repository": "x/demo", "commit": "0"}
    res = seeded.evaluate_project(project, tmp_path, gen_binary(), 2, {},
                                  log=lambda *a: None)
    assert res["findings"] == []
    outcomes = {m["site"]: m["outcome"] for m in res["mutants"]}
    assert outcomes == {"pkg/app.py:7:1:aio_as_trio": "recalled",
                        "pkg/app.py:15:11:aio_as_trio": "recalled"}
    assert all(m["hits"] for m in res["mutants"])
    # the scratch copies were used: the corpus itself is unchanged
    assert (tmp_path / "demo" / "pkg" / "app.py").read_text() == DEMO
    table = seeded.table([res])
    assert "| demo | 2 | 2 | 2/2 (100%) | 0 | 0 | 0 | 0 | n/a | 0 |  |" \
        in table


def test_a_crash_on_a_mutant_is_reported_and_the_run_goes_on(tmp_path):
    """A stand-in binary that dies on any file without a shim: the
    unmutated project is fine, every mutant is an error, none is lost."""
    fake = tmp_path / "fake-gen"
    fake.write_text(textwrap.dedent(f'''\
        #!{sys.executable}
        import pathlib, sys
        if any("aio_as_trio(" not in p.read_text()
               for p in pathlib.Path("pkg").glob("*.py")
               if p.stat().st_size):
            sys.stderr.write("boom")
            sys.exit(2)
        print("[]")
        '''))
    fake.chmod(0o755)
    (tmp_path / "demo" / "pkg").mkdir(parents=True)
    (tmp_path / "demo" / "pkg" / "app.py").write_text(
        DEMO + "    await aio_as_trio(fetch)()\n")
    project = {"name": "demo", "paths": ["pkg"], "config": [],
               "source": "git", "repository": "x/demo", "commit": "0"}
    res = seeded.evaluate_project(project, tmp_path, str(fake), 1, {},
                                  log=lambda *a: None)
    # the decorator mutant still has a shim call left: checked, missed
    assert [m["outcome"] for m in res["mutants"]] == \
        ["missed", "missed", "missed"]
    (tmp_path / "demo" / "pkg" / "app.py").write_text(DEMO)
    res = seeded.evaluate_project(project, tmp_path, str(fake), 1, {},
                                  log=lambda *a: None)
    assert [m["outcome"] for m in res["mutants"]] == ["missed", "error"]
    assert res["errors"] == 1 and "boom" in res["mutants"][1]["error"]


def test_the_doc_section_is_replaced_in_place(tmp_path):
    doc = tmp_path / "perf.md"
    doc.write_text("# perf\n\nspeed table\n")
    rec = {"before": {"binary": "b", "date": "d", "results": []}}
    seeded.write_doc(rec, doc)
    seeded.write_doc(rec, doc)
    text = doc.read_text()
    assert text.startswith("# perf\n\nspeed table\n")
    assert text.count(seeded.BEGIN) == 1 and text.count("### before") == 1


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                        "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(cwd),
                        "PATH": "/usr/bin:/bin"})


def test_materialise_from_a_mirror_takes_only_the_listed_files(
        tmp_path, monkeypatch):
    src = tmp_path / "src"
    (src / "pkg" / "sub").mkdir(parents=True)
    (src / "pkg" / "a.py").write_text("x = 1\n")
    (src / "pkg" / "sub" / "b.pyi").write_text("y: int\n")
    (src / "pkg" / "data.json").write_text("{}")
    (src / "other.py").write_text("z = 1\n")
    (src / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    git(src, "init", "-q")
    git(src, "add", ".")
    git(src, "commit", "-q", "-m", "c")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=src,
                            capture_output=True, text=True).stdout.strip()
    mirror = tmp_path / "mirror" / "someone+proj"
    mirror.mkdir(parents=True)
    git(tmp_path, "clone", "-q", "--bare", str(src), str(mirror / "repo"))
    monkeypatch.setenv("TRIOAIO_CORPUS_MIRROR", str(tmp_path / "mirror"))
    project = {"name": "proj", "source": "git",
               "repository": "someone/proj", "commit": commit,
               "paths": ["pkg"], "config": ["pyproject.toml", "setup.cfg"]}
    dest = tmp_path / "corpus"
    assert corpus.materialise(project, dest) == 3
    got = sorted(p.relative_to(dest / "proj").as_posix()
                 for p in (dest / "proj").rglob("*") if p.is_file())
    assert got == [".corpus.json", "pkg/a.py", "pkg/sub/b.pyi",
                   "pyproject.toml"]
    assert corpus.present([project], dest) == [project]
    # A path inside a package brings the __init__ files of the packages
    # around it (so that its modules keep their dotted names), and nothing
    # else of theirs.
    deep = dict(project, name="deep", paths=["top/mid/leaf"])
    for d in ("top", "top/mid", "top/mid/leaf"):
        (src / d).mkdir(parents=True, exist_ok=True)
        (src / d / "__init__.py").write_text("")
    (src / "top" / "mid" / "other.py").write_text("w = 1\n")
    (src / "top" / "mid" / "leaf" / "c.py").write_text("v = 1\n")
    git(src, "add", ".")
    git(src, "commit", "-q", "-m", "d")
    deep["commit"] = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=src, capture_output=True,
        text=True).stdout.strip()
    shutil.rmtree(mirror / "repo")
    git(tmp_path, "clone", "-q", "--bare", str(src), str(mirror / "repo"))
    assert corpus.materialise(deep, dest) == 5  # and pyproject.toml
    got = sorted(p.relative_to(dest / "deep").as_posix()
                 for p in (dest / "deep").rglob("*.py"))
    assert got == ["top/__init__.py", "top/mid/__init__.py",
                   "top/mid/leaf/__init__.py", "top/mid/leaf/c.py"]
    assert corpus.present([dict(project, commit="0" * 40)], dest) == []
    with pytest.raises(corpus.CorpusError, match="git"):
        corpus.materialise(dict(project, commit="1" * 40), dest)


def test_the_manifest_is_well_formed_and_its_paths_are_relative():
    projects = corpus.load_manifest()
    assert len(projects) >= 9
    for p in projects:
        for path in p["paths"] + p["config"]:
            assert not path.startswith("/") and ".." not in path.split("/")
        if p["source"] == "git":
            assert len(p["commit"]) == 40
        else:
            assert len(p["sha256"]) == 64


def test_the_harness_says_why_when_the_corpus_is_absent(tmp_path, capsys):
    rc = seeded.main(["--corpus", str(tmp_path / "none"), "--binary",
                      gen_binary()])
    assert rc == 2
    err = capsys.readouterr().err
    assert "no corpus in" in err and "corpus.py fetch" in err


def test_results_json_round_trips(tmp_path):
    res = {"project": "p", "files": 1, "findings": [], "right": 0,
           "wrong": 0, "unannotated": [], "sites": 0, "mutants": [],
           "recalled": 0, "valid": 0}
    json.loads(json.dumps(res))
    assert "| **total** | 1 | 0 | 0/0 (n/a)" in seeded.table([res])


def test_benign_mutants_give_a_second_recall_figure(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text(textwrap.dedent('''\
        [[benign]]
        project = "p"
        site = "m.py:3:5:aio_as_trio"
        reason = "the callee awaits nothing"
        '''))
    assert seeded.load_benign(path) == {
        ("p", "m.py:3:5:aio_as_trio"): "the callee awaits nothing"}
    res = {"project": "p", "files": 1, "findings": [], "right": 0,
           "wrong": 0, "unannotated": [], "sites": 4, "mutants": [],
           "recalled": 2, "valid": 4, "benign": 1, "benign_recalled": 0}
    row = [ln for ln in seeded.table([res]).splitlines()
           if ln.startswith("| p ")][0]
    assert row.startswith("| p | 1 | 4 | 2/4 (50%)")
    assert row.endswith("| 2/3 (67%) |")
    old = dict(res)
    del old["benign"], old["benign_recalled"]
    # A record made before benign mutants were recorded has no second
    # figure rather than a copy of the first.
    assert seeded.table([old]).splitlines()[2].endswith("|  |")
    path.write_text(path.read_text() + path.read_text())
    with pytest.raises(SystemExit, match="repeats"):
        seeded.load_benign(path)
    path.write_text('[[benign]]\nproject = "p"\nsite = "x"\n')
    with pytest.raises(SystemExit, match="lacks `reason`"):
        seeded.load_benign(path)
