"""trioaio-gen when the file system refuses: unreadable sources and
configuration, a write that fails half-way (a full disk), and files in
the way of an adapter.  Each exits 2 with a message that names the file
and the problem, and leaves no half-written file and no temporary file.

Unreadable files need a process that file modes bind: as root, the run
drops the capabilities that bypass them (CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH) from its bounding set before exec.  A full disk is a
file size limit (RLIMIT_FSIZE): write(2) then fails with EFBIG, as it
fails with ENOSPC on a full disk, after the temporary file was created."""
import ctypes
import os
import resource
import signal
import subprocess

import pytest

from conftest import gen_binary, run_gen

MARKED = """\
import asyncio

from trioaio import aio_as_trio


@aio_as_trio
async def fetch(url: str) -> str:
    \"\"\"Fetch url.\"\"\"
    await asyncio.sleep(0)
    return url
"""

BAD = """\
import asyncio

import trio


async def fetch():
    await asyncio.sleep(0)


async def main():
    await trio.sleep(0)
    await fetch()
"""

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def _drop_file_capabilities():
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            os._exit(99)


def _can_drop():
    proc = subprocess.run(["cat", "/proc/self/status"], capture_output=True,
                          text=True, preexec_fn=_drop_file_capabilities)
    if proc.returncode != 0:
        return False
    eff = [ln for ln in proc.stdout.splitlines() if ln.startswith("CapEff")]
    return bool(eff) and not int(eff[0].split()[1], 16) & 0b110


needs_modes = pytest.mark.skipif(
    not _can_drop(), reason="cannot drop the capabilities that bypass "
    "file modes here")


def run_bound(*args, cwd, preexec=_drop_file_capabilities):
    """run_gen, in a process that file modes (or limits) bind."""
    return subprocess.run([gen_binary(), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=preexec)


def _small_files():
    # Ignored in the child, SIGXFSZ would kill it; write(2) fails instead.
    # Big enough for gcov's counters of `make coverage` (some 10 KiB).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE, FSIZE))


FSIZE = 64 * 1024


def listing(d):
    return sorted(p.name for p in d.iterdir())


@needs_modes
def test_check_of_an_unreadable_source(tmp_path):
    (tmp_path / "ok.py").write_text(BAD)
    (tmp_path / "secret.py").write_text(BAD)
    (tmp_path / "secret.py").chmod(0)
    proc = run_bound("check", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert "trioaio-gen: secret.py: Permission denied" in proc.stderr
    # The readable file is still checked.
    assert "ok.py:" in proc.stdout and "TA001" in proc.stdout
    assert "secret.py" not in proc.stdout


@needs_modes
def test_gen_of_an_unreadable_source(tmp_path):
    (tmp_path / "mod.py").write_text(MARKED)
    (tmp_path / "mod.py").chmod(0)
    proc = run_bound("gen", "-o", "out", "mod.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "trioaio-gen: mod.py: Permission denied" in proc.stderr
    assert listing(tmp_path / "out") == []


@needs_modes
def test_unreadable_configuration_is_an_error(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(BAD)
    toml = tmp_path / "pyproject.toml"
    toml.write_text('[tool.trioaio-gen]\nignore = ["TA001"]\n')
    toml.chmod(0)
    proc = run_bound("check", "pkg", cwd=tmp_path)
    # Not the defaults in silence: the file may have meant otherwise.
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert (f"{toml}: Permission denied; cannot read the configuration"
            in proc.stderr)


@needs_modes
def test_unreadable_pytest_configuration_is_named_once(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / "tests" / sub).mkdir(parents=True)
        (tmp_path / "tests" / sub / "test_it.py").write_text(
            "import asyncio\n\n\nasync def test_it():\n"
            "    await asyncio.sleep(0)\n")
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\ntrio_mode = true\n")
    ini.chmod(0)
    proc = run_bound("check", "tests", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert proc.stderr == (f"trioaio-gen: {ini}: Permission denied; its "
                           "trio_mode/asyncio_mode is not known\n")


@needs_modes
def test_gen_into_a_read_only_directory(tmp_path):
    (tmp_path / "mod.py").write_text(MARKED)
    (tmp_path / "out").mkdir()
    (tmp_path / "out").chmod(0o555)
    proc = run_bound("gen", "-o", "out", "mod.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "trioaio-gen: out/mod.py: Permission denied" in proc.stderr
    assert listing(tmp_path / "out") == []


MANY = MARKED + "".join(f"""

@aio_as_trio
async def fetch_{i}(url: str, *, timeout: float = {i}.0) -> str:
    \"\"\"Fetch url, number {i}.\"\"\"
    await asyncio.sleep(0)
    return url
""" for i in range(300))


def test_gen_over_the_file_size_limit(tmp_path):
    (tmp_path / "mod.py").write_text(MARKED)
    run_gen("gen", "-q", "-o", "out", "mod.py", cwd=tmp_path, check=True)
    old = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    (tmp_path / "mod.py").write_text(MANY)
    proc = run_bound("gen", "-o", "out", "mod.py", cwd=tmp_path,
                     preexec=_small_files)
    assert proc.returncode == 2
    assert "trioaio-gen: out/mod.py: File too large" in proc.stderr
    # The old adapter and stub are whole (the stub fits and is written),
    # and the temporary file is gone.
    assert listing(tmp_path / "out") == ["mod.py", "mod.pyi"]
    assert (tmp_path / "out" / "mod.py").read_bytes() == old["mod.py"]
    assert b"fetch_299" in (tmp_path / "out" / "mod.pyi").read_bytes()


FULL_DISK = r"""
set -e
mount -t tmpfs -o size=64k tmpfs out
cp old/* out/
cat /dev/zero > out/filler 2>/dev/null || :
rc=0
"$GEN" gen -o out mod.py || rc=$?
mkdir after
cp -a out/. after/
echo "rc=$rc"
"""


def _can_mount():
    try:
        return subprocess.run(
            ["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
            capture_output=True).returncode == 0
    except OSError:
        return False


@pytest.mark.skipif(not _can_mount(), reason="no mount namespace for a "
                    "small tmpfs here")
def test_gen_when_the_disk_is_full(tmp_path):
    (tmp_path / "mod.py").write_text(MARKED)
    run_gen("gen", "-q", "-o", "old", "mod.py", cwd=tmp_path, check=True)
    old = {p.name: p.read_bytes() for p in (tmp_path / "old").iterdir()}
    (tmp_path / "mod.py").write_text(MARKED.replace("url: str", "url: bytes"))
    (tmp_path / "out").mkdir()
    # A tmpfs of 64 KiB, full, in a mount namespace of the test's own.
    proc = subprocess.run(["unshare", "-m", "sh", "-c", FULL_DISK],
                          cwd=tmp_path, capture_output=True, text=True,
                          env=dict(os.environ, GEN=gen_binary()))
    assert proc.stdout.endswith("rc=2\n"), proc.stdout + proc.stderr
    assert "trioaio-gen: out/mod.py: No space left on device" in proc.stderr
    after = tmp_path / "after"
    assert listing(after) == ["filler", "mod.py", "mod.pyi"]
    for name, data in old.items():
        assert (after / name).read_bytes() == data


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_gen_refuses_what_is_not_a_regular_file(tmp_path, kind):
    (tmp_path / "mod.py").write_text(MARKED)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "mod.py"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        target.symlink_to("/dev/null")
    else:
        target.mkdir()
    proc = run_gen("gen", "-o", "out", "mod.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert ("trioaio-gen: out/mod.py: not a regular file (a directory, "
            "device, FIFO or socket); refusing to replace it: move it, or "
            "choose another -o") in proc.stderr
    assert not target.is_file()
    # Its stub, not in the way, is written.
    assert (out / "mod.pyi").is_file()


def test_a_directory_named_pyproject_toml_is_passed_over(tmp_path):
    # black reads the nearest pyproject.toml *file* above the output; a
    # directory of that name (which cannot be read) does not stop the walk.
    long_sig = MARKED.replace(
        "url: str", "url: str, timeout_seconds: float, retries: int")
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 50\n")
    (tmp_path / "sub" / "pyproject.toml").mkdir(parents=True)
    (tmp_path / "sub" / "mod.py").write_text(long_sig)
    run_gen("gen", "-q", "-o", "out", "mod.py", cwd=tmp_path / "sub",
            check=True)
    text = (tmp_path / "sub" / "out" / "mod.py").read_text()
    # Wrapped at 50 columns, where 88 would keep each on one line.
    assert "async def fetch(\n    url: str,\n" in text
    assert "return await _rt.aio_as_trio(_raw_fetch)(\n" in text


@needs_modes
def test_stale_adapter_in_a_read_only_directory(tmp_path):
    (tmp_path / "mod.py").write_text(MARKED)
    run_gen("gen", "-q", "-o", "out", "mod.py", cwd=tmp_path, check=True)
    # No marked definition any more: the adapters are stale.
    (tmp_path / "mod.py").write_text("async def plain():\n    pass\n")
    (tmp_path / "out").chmod(0o555)
    proc = run_bound("gen", "-o", "out", "mod.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "trioaio-gen: out/mod.py: Permission denied" in proc.stderr
    assert "trioaio-gen: out/mod.pyi: Permission denied" in proc.stderr
    assert listing(tmp_path / "out") == ["mod.py", "mod.pyi"]


@needs_modes
def test_unreadable_adapter_is_not_replaced(tmp_path):
    (tmp_path / "mod.py").write_text(MARKED)
    run_gen("gen", "-q", "-o", "out", "mod.py", cwd=tmp_path, check=True)
    adapter = tmp_path / "out" / "mod.py"
    old = adapter.read_bytes()
    (tmp_path / "mod.py").write_text(MARKED.replace("url: str", "url: bytes"))
    adapter.chmod(0)
    # Unread, it may not be ours: it is left alone.
    proc = run_bound("gen", "-o", "out", "mod.py", cwd=tmp_path)
    adapter.chmod(0o644)
    assert proc.returncode == 2
    assert "trioaio-gen: out/mod.py: Permission denied" in proc.stderr
    assert adapter.read_bytes() == old
