"""The cache of per-file facts (.trioaio-gen-cache): a warm run gives the
same output as a cold one, on the golden cases and after edits whose
effect crosses files; only changed files are modelled again; a corrupt,
truncated or unwritable cache never changes the output or crashes; runs
at once share it; where it lives follows --cache-dir, the configuration
and the project root."""

import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import CASES, ROOT, gen_binary, run_gen

STATS = re.compile(r"cache (\S+): (\d+) files from the cache \((\d+) "
                   r"unread\), (\d+) parsed(, written)?")

HELPERS_AIO = """\
import asyncio


async def fetch():
    await asyncio.sleep(0)
"""

HELPERS_TRIO = """\
import trio


async def fetch():
    await trio.sleep(0)
"""

MAIN = """\
import trio

from helpers import fetch


async def main():
    await trio.sleep(0)
    await fetch()
"""


def stats(proc):
    m = STATS.search(proc.stderr)
    assert m, proc.stderr
    return {"pack": m.group(1), "hits": int(m.group(2)),
            "unread": int(m.group(3)), "parsed": int(m.group(4)),
            "written": m.group(5) is not None}


def check(*args, cwd=None):
    proc = run_gen("check", "--exit-zero", "-v", *args, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc


def age(tree):
    """Date every file back, so that the cache may trust their stat()
    (files changed within two seconds of a run never are)."""
    for dirpath, _, filenames in os.walk(tree):
        for fn in filenames:
            os.utime(os.path.join(dirpath, fn), (1e9, 1e9))


def drop_records(cache):
    """Remove the run records (test_cache_runs.py), so that the next warm
    run goes through the facts of each file."""
    for runs in list(pathlib.Path(cache).rglob("runs")):
        shutil.rmtree(runs)


def explain_all(tree, cache_args):
    out = []
    for path in sorted(tree.rglob("*.py")):
        if "async def" not in path.read_text(errors="replace"):
            continue
        proc = run_gen("explain", *cache_args, path)
        out.append((str(path), proc.returncode, proc.stdout))
    return out


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()
                                        if p.is_dir()))
def test_warm_run_matches_cold_on_golden_cases(case, tmp_path):
    tree = CASES / case
    cache = tmp_path / "cache"
    cold = run_gen("check", "--exit-zero", "--no-cache", tree)
    first = check("--cache-dir", cache, tree)
    second = check("--cache-dir", cache, tree)
    drop_records(cache)
    third = check("--cache-dir", cache, tree)
    assert first.stdout == cold.stdout
    assert second.stdout == cold.stdout
    assert third.stdout == cold.stdout
    assert stats(second)["parsed"] == 0 and stats(third)["parsed"] == 0
    assert "identical run" not in third.stderr
    assert explain_all(tree, ["--cache-dir", cache]) == \
        explain_all(tree, ["--no-cache"])


def test_edit_one_file_models_only_it_and_cross_file_effects_follow(
        tmp_path):
    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "helpers.py").write_text(HELPERS_AIO)
    (tree / "main.py").write_text(MAIN)
    for i in range(5):
        (tree / f"other{i}.py").write_text(f"import trio\n\n\nasync def f{i}"
                                           f"():\n    await trio.sleep(0)\n")
    age(tree)
    cache = tmp_path / "cache"
    first = check("--cache-dir", cache, tree)
    assert stats(first)["parsed"] == 7 and stats(first)["written"]
    assert "main.py:8:5: TA001" in first.stdout
    warm = check("--cache-dir", cache, tree)
    assert stats(warm) == dict(stats(first), hits=7, unread=7, parsed=0,
                               written=False)
    assert warm.stdout == first.stdout

    # helpers.py becomes Trio code: main.py is unchanged and comes from
    # the cache, yet its finding goes, because domains are decided anew.
    (tree / "helpers.py").write_text(HELPERS_TRIO)
    edited = check("--cache-dir", cache, tree)
    assert stats(edited)["parsed"] == 1 and stats(edited)["hits"] == 6
    cold = run_gen("check", "--exit-zero", "--no-cache", tree)
    assert edited.stdout == cold.stdout
    assert "TA001" not in edited.stdout

    # Undoing the edit finds the first text's facts by content.
    (tree / "helpers.py").write_text(HELPERS_AIO)
    undone = check("--cache-dir", cache, tree)
    assert stats(undone)["parsed"] == 0
    assert undone.stdout == first.stdout


def test_same_size_edit_is_seen(tmp_path):
    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "helpers.py").write_text(HELPERS_AIO)
    (tree / "main.py").write_text(MAIN)
    cache = tmp_path / "cache"
    check("--cache-dir", cache, tree)
    # Same length, same (old) times: only the content tells.
    text = HELPERS_AIO.replace("asyncio.sleep(0)", "asyncio.sleep(1)")
    (tree / "helpers.py").write_text(text)
    proc = check("--cache-dir", cache, tree)
    assert stats(proc)["parsed"] == 1


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped",
                                    "empty"])
def test_damaged_pack_is_ignored_and_rewritten(tmp_path, damage):
    tree = CASES / "crossfile"
    cache = tmp_path / "cache"
    cold = run_gen("check", "--exit-zero", "--no-cache", tree)
    pack = stats(check("--cache-dir", cache, tree))["pack"]
    data = open(pack, "rb").read()
    if damage == "garbage":
        data = os.urandom(len(data))
    elif damage == "truncated":
        data = data[:len(data) // 2]
    elif damage == "flipped":
        data = data[:40] + bytes([data[40] ^ 1]) + data[41:]
    else:
        data = b""
    with open(pack, "wb") as f:
        f.write(data)
    # Without the run records, which would print the findings without
    # reading the pack (test_cache_runs.py).
    shutil.rmtree(os.path.join(os.path.dirname(pack), "runs"))
    proc = check("--cache-dir", cache, tree)
    assert proc.stdout == cold.stdout
    # Nothing came from the damaged pack (a hit can only be a file with
    # the same text as one parsed earlier in this run).
    assert stats(proc)["unread"] == 0 and stats(proc)["written"]
    assert stats(proc)["parsed"] >= stats(proc)["hits"]
    assert check("--cache-dir", cache, tree).stdout == cold.stdout
    assert stats(check("--cache-dir", cache, tree))["parsed"] == 0


def test_runs_at_once_share_the_cache(tmp_path):
    tree = CASES / "shop"
    cache = tmp_path / "cache"
    cold = run_gen("check", "--exit-zero", "--no-cache", tree)
    procs = [subprocess.Popen([gen_binary(), "check", "--exit-zero",
                               "--cache-dir", str(cache), str(tree)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(6)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out == cold.stdout
        assert err == ""
    warm = check("--cache-dir", cache, tree)
    assert warm.stdout == cold.stdout and stats(warm)["parsed"] == 0
    leftovers = [p for p in cache.rglob("*") if p.name.startswith(".pack-")]
    assert leftovers == []


def test_unwritable_cache_warns_and_changes_nothing(tmp_path):
    tree = CASES / "crossfile"
    blocker = tmp_path / "file"
    blocker.write_text("not a directory\n")
    cold = run_gen("check", "--no-cache", tree)
    proc = run_gen("check", "--cache-dir", blocker / "cache", tree)
    assert proc.returncode == cold.returncode
    assert proc.stdout == cold.stdout
    assert "cannot create the cache directory" in proc.stderr
    assert "--no-cache" in proc.stderr


def test_no_cache_writes_nothing(tmp_path):
    (tmp_path / "m.py").write_text(HELPERS_AIO)
    run_gen("check", "--no-cache", tmp_path, cwd=tmp_path)
    assert not (tmp_path / ".trioaio-gen-cache").exists()


def test_default_dir_is_the_project_root_and_ignores_itself(tmp_path):
    proj = tmp_path / "proj"
    (proj / "src").mkdir(parents=True)
    (proj / "pyproject.toml").write_text("[tool.trioaio-gen]\n"
                                         "ignore = []\n")
    (proj / "src" / "m.py").write_text(HELPERS_AIO)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = check(proj / "src", cwd=elsewhere)
    cache = proj / ".trioaio-gen-cache"
    assert stats(proc)["pack"].startswith(str(cache))
    assert not (elsewhere / ".trioaio-gen-cache").exists()
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (cache / "CACHEDIR.TAG").read_text().startswith(
        "Signature: 8a477f597d28d172789f06886806bc55")
    # Without a configuration: the current directory, as ruff does.
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "m.py").write_text(HELPERS_AIO)
    check("m.py", cwd=bare)
    assert (bare / ".trioaio-gen-cache").is_dir()


def test_cache_dir_key_and_flag(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pyproject.toml").write_text("[tool.trioaio-gen]\n"
                                         "cache-dir = \"build/tg\"  # here\n")
    (proj / "m.py").write_text(HELPERS_AIO)
    proc = check(proj, cwd=tmp_path)
    assert stats(proc)["pack"].startswith(str(proj / "build" / "tg"))
    proc = check("--cache-dir", tmp_path / "flag", proj, cwd=tmp_path)
    assert stats(proc)["pack"].startswith(str(tmp_path / "flag"))
    (proj / "pyproject.toml").write_text("[tool.trioaio-gen]\n"
                                         "cache-dir = []\n")
    proc = run_gen("check", proj)
    assert proc.returncode == 2
    assert "`cache-dir` needs a directory as a string" in proc.stderr


def test_configuration_change_is_honoured_warm(tmp_path):
    """Facts do not depend on the configuration, so the cache is not
    keyed by it; what does depend on it is redone on every run."""
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "helpers.py").write_text(HELPERS_AIO)
    (proj / "main.py").write_text(MAIN)
    cfg = proj / "pyproject.toml"
    cfg.write_text("[tool.trioaio-gen]\nignore = []\n")
    assert "TA001" in check(proj).stdout
    cfg.write_text("[tool.trioaio-gen]\nignore = [\"TA001\"]\n")
    warm = check(proj)
    assert "TA001" not in warm.stdout and stats(warm)["parsed"] == 0


def _facts_fields():
    """Every field of the structs in facts.h, with the ones after a
    "Filled in by the index" comment marked as the index's."""
    text = (ROOT / "codegen" / "facts.h").read_text()
    fields = {}
    for m in re.finditer(r"struct (gen_\w+) \{(.*?)\n\};", text, re.S):
        index_part = False
        body = re.sub(r"/\*\s*Filled in by the index.*?\*/", "@INDEX@;",
                      m.group(2), flags=re.S)
        body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
        for line in body.splitlines():
            if "@INDEX@" in line:
                index_part = True
            line = line.strip()
            fm = re.match(r"(?:const )?(?:struct \w+|\w+)\s*\**\s*(.*);",
                          line)
            if not fm:
                continue
            for name in fm.group(1).split(","):
                name = name.strip().lstrip("*").strip()
                if name:
                    fields[(m.group(1), name)] = index_part
    return fields


# Where a file is and what the index or gen keep: not facts of its text.
NOT_FACTS = {"path", "modname", "root", "is_init", "explicit_", "io_error",
             "err", "src", "tree", "capimports", "capfuncs", "capnoqa",
             "capcalls", "capevents", "capparams", "capbinds", "capctors"}


def test_codec_encodes_every_fact():
    """A fact the model gains must be cached too, or a warm run would
    lose it: each field of facts.h that the model fills appears in the
    encoder (codegen/codec.c)."""
    codec = (ROOT / "codegen" / "codec.c").read_text()
    enc = codec[codec.index("---- Writing"):codec.index("---- Reading")]
    missing = []
    fields = _facts_fields()
    assert ("gen_func", "qualname") in fields
    for (struct, name), index_part in sorted(fields.items()):
        if index_part or name in NOT_FACTS or struct == "gen_evid":
            continue
        if not re.search(r"(->|\.)" + re.escape(name) + r"\b", enc):
            missing.append(f"{struct}.{name}")
    assert missing == [], (
        "codegen/codec.c does not encode " + ", ".join(missing) +
        ": encode and decode them and bump GEN_CODEC_VERSION")


@pytest.mark.skipif(not os.environ.get("TRIOAIO_GEN_STDLIB"),
                    reason="the whole standard library three times: "
                    "make gen-stdlib sets TRIOAIO_GEN_STDLIB=1")
def test_stdlib_warm_matches_cold(tmp_path):
    """The whole standard library: cold, filling and warm give the same
    findings."""
    import sysconfig

    stdlib = sysconfig.get_paths()["stdlib"]
    cache = tmp_path / "cache"
    cold = run_gen("check", "--exit-zero", "--no-cache", stdlib)
    fill = check("--cache-dir", cache, stdlib)
    warm = check("--cache-dir", cache, stdlib)
    drop_records(cache)
    facts = check("--cache-dir", cache, stdlib)
    assert fill.stdout == cold.stdout == warm.stdout == facts.stdout
    assert stats(warm)["parsed"] == 0 and stats(facts)["parsed"] == 0
    assert stats(warm)["hits"] > 1000 and stats(facts)["hits"] > 1000


def _corpus_projects():
    root = os.environ.get("TRIOAIO_CORPUS")
    if not root or not os.path.isdir(root):
        return []
    return sorted(p for p in os.listdir(root)
                  if os.path.isdir(os.path.join(root, p)))


@pytest.mark.skipif(not _corpus_projects(),
                    reason="no corpus: set TRIOAIO_CORPUS to a directory "
                    "made by bench/gen/corpus.py fetch")
@pytest.mark.parametrize("project", _corpus_projects() or ["none"])
def test_corpus_warm_matches_cold(project, tmp_path):
    import pathlib

    tree = pathlib.Path(os.environ["TRIOAIO_CORPUS"]) / project
    cache = tmp_path / "cache"
    cold = run_gen("check", "--exit-zero", "--no-cache", tree)
    fill = check("--cache-dir", cache, tree)
    warm = check("--cache-dir", cache, tree)
    drop_records(cache)
    facts = check("--cache-dir", cache, tree)
    assert fill.stdout == cold.stdout == warm.stdout == facts.stdout
    assert stats(warm)["parsed"] == 0 and stats(facts)["parsed"] == 0
    files = [p for p in sorted(tree.rglob("*.py"))
             if "async def" in p.read_text(errors="replace")][:25]
    for path in files:
        a = run_gen("explain", "--no-cache", path)
        b = run_gen("explain", "--cache-dir", cache, path)
        assert (a.returncode, a.stdout) == (b.returncode, b.stdout), path
