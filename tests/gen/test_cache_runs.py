"""Run records (codegen/runs.h): a check of unchanged inputs prints the
output of the identical earlier run without loading a file, and any
change of what the run read is seen: a file edited to the same size with
its mtime put back, touched, renamed, deleted, created where the analysis
looked for it, a configuration file edited or created, another working
directory or argument, another build.  A run on files modified in the
last two seconds, a run that warned and a damaged record keep nothing
from a record.  Each check is compared with a --no-cache run of the same
tree."""
import json
import os
import struct

from conftest import run_gen
from test_cache import age, stats

HELPERS = """\
import asyncio


async def fetch():
    await asyncio.sleep(0)
"""

MAIN = """\
import trio

from helpers import fetch


async def main():
    await trio.sleep(0)
    await fetch()
"""

REPLAY = "the findings of an identical run"


def old(path):
    """Date one file back (as age() does a tree), touching no other: a
    change of a file the run did not depend on must not be what makes it
    run again."""
    os.utime(path, (1e9, 1e9))


def project(tmp_path):
    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "helpers.py").write_text(HELPERS)
    (tree / "main.py").write_text(MAIN)
    age(tree)
    return tree, tmp_path / "cache"


def check(cache, *paths, cwd=None, args=()):
    proc = run_gen("check", "-v", *args, "--cache-dir", cache, *paths,
                   cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return proc


def cold(*paths, cwd=None, args=()):
    return run_gen("check", *args, "--no-cache", *paths, cwd=cwd)


def same(proc, ref):
    assert (proc.returncode, proc.stdout) == (ref.returncode, ref.stdout)


def replayed(proc):
    return REPLAY in proc.stderr


def filled(tmp_path, *paths, cwd=None):
    """A project whose run record is written and replayed once."""
    tree, cache = project(tmp_path)
    paths = paths or (tree,)
    first = check(cache, *paths, cwd=cwd)
    assert not replayed(first)
    second = check(cache, *paths, cwd=cwd)
    assert replayed(second), second.stderr
    same(second, first)
    assert "main.py:8:5: TA001" in second.stdout
    assert second.stderr.count("\n") == 1
    return tree, cache, first


def records(cache):
    return sorted(p for p in cache.rglob("runs/*") if len(p.name) == 32)


def test_an_unchanged_tree_replays_the_output(tmp_path):
    tree, cache, first = filled(tmp_path)
    proc = check(cache, tree)
    assert replayed(proc)
    assert stats(proc) == dict(stats(first), hits=2, unread=2, parsed=0,
                               written=False)
    assert len(records(cache)) == 1


def test_same_size_edit_with_the_mtime_put_back_is_seen(tmp_path):
    tree, cache, _ = filled(tmp_path)
    main = tree / "main.py"
    st = main.stat()
    edited = MAIN.replace("await fetch()", "await fetcx()")
    assert len(edited) == len(MAIN)
    main.write_text(edited)
    os.utime(main, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert main.stat().st_size == st.st_size
    assert main.stat().st_mtime_ns == st.st_mtime_ns
    proc = check(cache, tree)
    assert not replayed(proc)
    same(proc, cold(tree))
    assert "TA001" not in proc.stdout


def test_an_edit_of_a_file_the_checked_one_imports_is_seen(tmp_path):
    # Only main.py is named; helpers.py is loaded for its definitions.
    tree, cache = project(tmp_path)
    check(cache, "main.py", cwd=tree)
    assert replayed(check(cache, "main.py", cwd=tree))
    (tree / "helpers.py").write_text(HELPERS.replace("asyncio", "trio"))
    old(tree / "helpers.py")
    proc = check(cache, "main.py", cwd=tree)
    assert not replayed(proc)
    same(proc, cold("main.py", cwd=tree))
    assert "TA001" not in proc.stdout


def test_touch_is_a_normal_run_with_the_same_output(tmp_path):
    tree, cache, first = filled(tmp_path)
    os.utime(tree / "helpers.py", (2e9, 2e9))
    proc = check(cache, tree)
    assert not replayed(proc)
    same(proc, first)
    # The text is the same: found in the cache by its hash, not parsed.
    assert stats(proc)["parsed"] == 0


def test_rename_and_delete_of_an_imported_module_are_seen(tmp_path):
    tree, cache = project(tmp_path)
    check(cache, "main.py", cwd=tree)
    assert replayed(check(cache, "main.py", cwd=tree))
    os.rename(tree / "helpers.py", tree / "helpers2.py")
    proc = check(cache, "main.py", cwd=tree)
    assert not replayed(proc)
    same(proc, cold("main.py", cwd=tree))
    assert "TA001" not in proc.stdout
    os.rename(tree / "helpers2.py", tree / "helpers.py")
    back = check(cache, "main.py", cwd=tree)
    assert "main.py:8:5: TA001" in back.stdout
    os.unlink(tree / "helpers.py")
    proc = check(cache, "main.py", cwd=tree)
    assert not replayed(proc)
    same(proc, cold("main.py", cwd=tree))
    assert "TA001" not in proc.stdout


def test_rename_and_delete_in_the_walked_tree_are_seen(tmp_path):
    tree, cache, _ = filled(tmp_path)
    os.rename(tree / "main.py", tree / "app.py")
    proc = check(cache, tree)
    assert not replayed(proc)
    same(proc, cold(tree))
    assert "app.py:8:5: TA001" in proc.stdout
    os.unlink(tree / "app.py")
    proc = check(cache, tree)
    assert not replayed(proc)
    assert proc.stdout == "" and proc.returncode == 0


def test_a_module_created_where_the_analysis_looked_is_seen(tmp_path):
    tree, cache = project(tmp_path)
    os.unlink(tree / "helpers.py")
    (tree / "sub").mkdir()
    (tree / "sub" / "main.py").write_text(MAIN)
    age(tree)
    # helpers is not found: no finding, and that is remembered.
    assert "TA001" not in check(cache, "sub/main.py", cwd=tree).stdout
    assert replayed(check(cache, "sub/main.py", cwd=tree))
    # The module appears beside the checked file, outside the named paths.
    (tree / "sub" / "helpers.py").write_text(HELPERS)
    old(tree / "sub" / "helpers.py")
    proc = check(cache, "sub/main.py", cwd=tree)
    assert not replayed(proc)
    same(proc, cold("sub/main.py", cwd=tree))
    assert "sub/main.py:8:5: TA001" in proc.stdout


def test_configuration_edited_or_created_is_seen(tmp_path):
    tree, cache, _ = filled(tmp_path)
    cfg = tree / "pyproject.toml"
    cfg.write_text('[tool.trioaio-gen]\nignore = ["TA001"]\n')
    old(cfg)
    proc = check(cache, tree)
    assert not replayed(proc)
    same(proc, cold(tree))
    assert "TA001" not in proc.stdout
    assert replayed(check(cache, tree))
    # The same size, the mtime put back.
    st = cfg.stat()
    cfg.write_text('[tool.trioaio-gen]\nignore = ["TA002"]\n')
    os.utime(cfg, ns=(st.st_atime_ns, st.st_mtime_ns))
    proc = check(cache, tree)
    assert not replayed(proc)
    assert "main.py:8:5: TA001" in proc.stdout


def test_pytest_configuration_created_is_seen(tmp_path):
    tree, cache = project(tmp_path)
    (tree / "test_it.py").write_text(
        "import asyncio\n\n\nasync def test_it():\n"
        "    await asyncio.sleep(0)\n")
    age(tree)
    first = check(cache, tree)
    assert "test_it.py" not in first.stdout
    assert replayed(check(cache, tree))
    (tree / "pytest.ini").write_text("[pytest]\ntrio_mode = true\n")
    old(tree / "pytest.ini")
    proc = check(cache, tree)
    assert not replayed(proc)
    same(proc, cold(tree))
    assert "test_it.py:5:5" in proc.stdout


def test_arguments_and_working_directory_are_part_of_the_key(tmp_path):
    tree, cache, first = filled(tmp_path)
    # Another output format.
    proc = check(cache, tree, args=["--output-format=json"])
    assert not replayed(proc)
    assert json.loads(proc.stdout)
    again = check(cache, tree, args=["--output-format=json"])
    assert replayed(again) and again.stdout == proc.stdout
    # The same arguments in another directory name other files.
    check(cache, "proj", cwd=tmp_path)
    assert replayed(check(cache, "proj", cwd=tmp_path))
    other = tmp_path / "other"
    (other / "proj").mkdir(parents=True)
    (other / "proj" / "main.py").write_text(MAIN)
    (other / "proj" / "helpers.py").write_text(
        HELPERS.replace("asyncio", "trio"))
    age(other)
    proc = check(cache, "proj", cwd=other)
    assert not replayed(proc)
    same(proc, cold("proj", cwd=other))
    assert "TA001" not in proc.stdout
    assert check(cache, tree).stdout == first.stdout


def test_another_build_never_reads_the_records(tmp_path):
    tree, cache, _ = filled(tmp_path)
    (facts,) = cache.glob("facts-*")
    other = facts.with_name("facts-0000000000000000-v1")
    os.rename(facts, other)
    proc = check(cache, tree)
    assert not replayed(proc)
    # Nor its pack: every file is parsed again.
    assert stats(proc)["parsed"] == 2


def test_recently_modified_files_keep_no_record(tmp_path):
    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "helpers.py").write_text(HELPERS)
    (tree / "main.py").write_text(MAIN)
    cache = tmp_path / "cache"
    for _ in range(2):
        proc = check(cache, tree)
        assert not replayed(proc)
    assert records(cache) == []
    age(tree)
    check(cache, tree)
    assert replayed(check(cache, tree))


def test_a_run_that_warned_keeps_no_record(tmp_path):
    tree, cache = project(tmp_path)
    (tree / "pytest.ini").mkdir()
    (tree / "pytest.ini" / "x").write_text("")
    os.mkfifo(tree / "fifo.py")
    for _ in range(2):
        proc = run_gen("check", "-v", "--cache-dir", cache, tree,
                       tree / "fifo.py")
        assert proc.returncode == 2
        assert "fifo.py: a FIFO" in proc.stderr
        assert not replayed(proc)
    assert records(cache) == []


def test_statistics_on_stderr_keep_no_record(tmp_path):
    tree, cache = project(tmp_path)
    args = ["--output-format=json", "--statistics"]
    for _ in range(2):
        proc = check(cache, tree, args=args)
        assert not replayed(proc) and "TA001" in proc.stderr
    assert records(cache) == []
    # In text, they are part of the output and replayed with it.
    check(cache, tree, args=["--statistics"])
    proc = check(cache, tree, args=["--statistics"])
    assert replayed(proc)
    same(proc, cold(tree, args=["--statistics"]))


def test_a_damaged_record_is_a_normal_run(tmp_path):
    tree, cache, first = filled(tmp_path)
    (rec,) = records(cache)
    data = rec.read_bytes()
    for damaged in (data[:len(data) // 2], b"",
                    data[:60] + bytes([data[60] ^ 1]) + data[61:],
                    b"TAGR" + os.urandom(len(data) - 4)):
        rec.write_bytes(damaged)
        proc = check(cache, tree)
        assert not replayed(proc)
        same(proc, first)
        # And rewritten whole.
        assert rec.read_bytes() == data


def test_a_record_whose_output_was_forged_is_not_trusted_blindly(tmp_path):
    """The checksum covers the output too: a record edited without
    recomputing it is refused."""
    tree, cache, first = filled(tmp_path)
    (rec,) = records(cache)
    data = bytearray(rec.read_bytes())
    at = data.find(b"TA001")
    data[at:at + 5] = b"TA999"
    rec.write_bytes(bytes(data))
    proc = check(cache, tree)
    assert not replayed(proc)
    same(proc, first)


def test_only_the_newest_records_are_kept(tmp_path):
    tree, cache, _ = filled(tmp_path)
    for i in range(34):
        check(cache, tree, args=[f"--exclude=nothing{i}"])
    assert len(records(cache)) == 32
    # The newest is among them.
    assert replayed(check(cache, tree, args=["--exclude=nothing33"]))


def test_record_layout(tmp_path):
    """The record as runs.c documents it: magic, version, key, status,
    files, probes, output, checksum."""
    tree, cache, first = filled(tmp_path)
    (rec,) = records(cache)
    data = rec.read_bytes()
    assert data[:4] == b"TAGR"
    version, = struct.unpack_from("<I", data, 4)
    status, nfiles, nprobes = struct.unpack_from("<IQI", data, 24)
    assert (version, status, nfiles) == (1, 1, 2)
    at, probes = 40, []
    for _ in range(nprobes):
        kind = chr(data[at])
        err, n = struct.unpack_from("<iI", data, at + 1)
        path = data[at + 9:at + 9 + n].decode()
        at += 9 + n
        if kind == "S":
            at += 56
        elif kind == "T":
            at += 8
        else:
            k, = struct.unpack_from("<I", data, at)
            at += 4 + (k - 1 if k else 0)
        probes.append((kind, err, path))
    outlen, = struct.unpack_from("<Q", data, at)
    assert data[at + 8:at + 8 + outlen].decode() == first.stdout
    assert at + 8 + outlen + 8 == len(data)
    stats_ = {p for k, e, p in probes if k == "S" and e == 0}
    assert {str(tree / "helpers.py"), str(tree / "main.py")} <= stats_
    # What was looked for and not there: the configuration above the
    # tree, at least.
    assert ("T", 2, str(tree / "pyproject.toml")) in probes
