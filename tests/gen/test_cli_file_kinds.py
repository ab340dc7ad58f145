"""trioaio-gen given what is not a regular source file: a FIFO, a socket,
a device, a directory where one file is wanted, an unreadable directory,
a file that is written to while it is read.

Named on the command line, each is refused with exit 2 and a message that
names the file and what it is; met in a walk, a FIFO, socket or device is
passed over unread, as every file that is not a regular one.  Every run
here has a short timeout: reading a FIFO waits for a writer forever, so a
regression fails instead of hanging the suite."""
import os
import shutil
import socket
import subprocess

import pytest

from conftest import gen_binary
from test_cli_io import needs_modes, run_bound

BAD = """\
import asyncio

import trio


async def fetch():
    await asyncio.sleep(0)


async def main():
    await trio.sleep(0)
    await fetch()
"""

TIMEOUT = 20


def run(*args, cwd, env=None):
    return subprocess.run([gen_binary(), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=TIMEOUT,
                          env=env)


def make_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    return s


@pytest.mark.parametrize("cmd", [["check"], ["check", "--no-cache"],
                                 ["gen", "-o", "out"]])
def test_a_fifo_named_on_the_command_line_is_refused(tmp_path, cmd):
    os.mkfifo(tmp_path / "in.py")
    (tmp_path / "ok.py").write_text(BAD)
    proc = run(*cmd, "in.py", "ok.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert ("trioaio-gen: in.py: a FIFO, not a source file; name Python "
            "files or directories to check") in proc.stderr
    if cmd[0] == "check":
        # The other path is still checked.
        assert "ok.py:12:5: TA001" in proc.stdout


def test_a_socket_or_device_named_on_the_command_line_is_refused(tmp_path):
    sock = make_socket(tmp_path / "s.py")
    try:
        proc = run("check", "s.py", "/dev/null", cwd=tmp_path)
    finally:
        sock.close()
    assert proc.returncode == 2
    assert "trioaio-gen: s.py: a socket, not a source file" in proc.stderr
    assert ("trioaio-gen: /dev/null: a character device, not a source "
            "file") in proc.stderr
    assert proc.stdout == ""


def test_an_excluded_fifo_is_not_refused(tmp_path):
    os.mkfifo(tmp_path / "in.py")
    proc = run("check", "--exclude=in.py", "in.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_what_is_not_a_regular_file_is_passed_over_in_a_walk(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "ok.py").write_text(BAD)
    os.mkfifo(pkg / "a_fifo.py")
    (pkg / "null.py").symlink_to("/dev/null")
    os.mkfifo(tmp_path / "target")
    (pkg / "to_fifo.py").symlink_to(tmp_path / "target")
    sock = make_socket(pkg / "sock.py")
    try:
        # Twice: the second run reads the cache the first one wrote.
        for _ in range(2):
            proc = run("check", "pkg", cwd=tmp_path)
            assert proc.returncode == 1, proc.stderr
            assert proc.stderr == ""
            assert proc.stdout.splitlines() == [
                ln for ln in proc.stdout.splitlines() if "pkg/ok.py:" in ln]
            assert "TA001" in proc.stdout
    finally:
        sock.close()


def test_a_fifo_where_a_configuration_file_is_looked_for(tmp_path):
    # Not read (nobody would write it), so passed over as a directory of
    # that name is.
    os.mkfifo(tmp_path / "pyproject.toml")
    os.mkfifo(tmp_path / "pytest.ini")
    (tmp_path / "ok.py").write_text(BAD)
    proc = run("check", "ok.py", cwd=tmp_path)
    assert proc.returncode == 1 and "TA001" in proc.stdout
    assert proc.stderr == ""


def test_a_fifo_where_the_cache_pack_is(tmp_path):
    (tmp_path / "ok.py").write_text(BAD)
    proc = run("check", "-v", "ok.py", cwd=tmp_path)
    pack = proc.stderr.split("cache ")[1].split(":")[0]
    os.unlink(tmp_path / pack)
    os.mkfifo(tmp_path / pack)
    # An unreadable cache is an empty one, replaced by the new pack.
    proc = run("check", "-v", "ok.py", cwd=tmp_path)
    assert proc.returncode == 1 and "TA001" in proc.stdout
    assert "1 parsed, written" in proc.stderr
    assert (tmp_path / pack).is_file()


@pytest.mark.parametrize("kind", ["directory", "fifo", "missing"])
def test_explain_wants_one_file(tmp_path, kind):
    target = tmp_path / "m.py"
    if kind == "directory":
        target.mkdir()
        (target / "inner.py").write_text(BAD)
        want = "m.py: a directory; explain takes one file: FILE or FILE:FUNCTION"
    elif kind == "fifo":
        os.mkfifo(target)
        want = "m.py: a FIFO, not a source file; explain takes one Python file"
    else:
        want = "m.py: no such file"
    proc = run("explain", "m.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == f"trioaio-gen: {want}\n"
    assert proc.stdout == ""


@needs_modes
def test_an_unreadable_directory_in_a_walk(tmp_path):
    (tmp_path / "ok.py").write_text(BAD)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.py").write_text(BAD)
    (tmp_path / "locked").chmod(0)
    try:
        proc = run_bound("check", ".", cwd=tmp_path)
        # As it says.
        excluded = run_bound("check", "--exclude=locked", ".", cwd=tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert proc.returncode == 2
    assert proc.stderr == ("trioaio-gen: locked: Permission denied; the "
                           "files in it are not checked (--exclude it to "
                           "pass it over)\n")
    assert "ok.py:12:5: TA001" in proc.stdout
    assert "hidden" not in proc.stdout
    assert excluded.returncode == 1 and excluded.stderr == ""


# A read() that appends a line to the file named by $CHANGE_PATH before
# each of its first $CHANGE_TIMES reads from its start: the file is
# written to while trioaio-gen reads it, at a point the test decides.
CHANGER = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int done;

ssize_t
read(int fd, void *buf, size_t n)
{
    static ssize_t (*real)(int, void *, size_t);
    const char *want = getenv("CHANGE_PATH");
    char link[64], path[4096];
    ssize_t k;

    if (real == NULL)
        real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    k = readlink(link, path, sizeof(path) - 1);
    if (want != NULL && k > 0 && lseek(fd, 0, SEEK_CUR) == 0 &&
        done < atoi(getenv("CHANGE_TIMES"))) {
        path[k] = '\0';
        if (strcmp(path, want) == 0) {
            int w = open(want, O_WRONLY | O_APPEND);

            if (w >= 0) {
                if (write(w, "# more\n", 7) != 7)
                    abort();
                close(w);
            }
            done++;
        }
    }
    return real(fd, buf, n);
}
"""


@pytest.fixture(scope="module")
def changer(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("no C compiler for the read() interposer")
    d = tmp_path_factory.mktemp("changer")
    (d / "changer.c").write_text(CHANGER)
    subprocess.run([cc, "-shared", "-fPIC", "-o", d / "changer.so",
                    d / "changer.c", "-ldl"], check=True)
    return d / "changer.so"


def changing_env(changer, path, times):
    env = dict(os.environ, LD_PRELOAD=str(changer), CHANGE_PATH=str(path),
               CHANGE_TIMES=str(times))
    # Under ASan (make gen-asan) the preload comes before its runtime.
    env["ASAN_OPTIONS"] = ":".join(
        filter(None, [os.environ.get("ASAN_OPTIONS"),
                      "verify_asan_link_order=0"]))
    return env


@pytest.mark.parametrize("cmd", [["check"], ["check", "--no-cache"],
                                 ["gen", "-o", "out"]])
def test_a_file_written_to_during_every_read_is_an_error(tmp_path, changer,
                                                        cmd):
    src = tmp_path / "mod.py"
    src.write_text(BAD)
    proc = run(*cmd, "mod.py", cwd=tmp_path,
               env=changing_env(changer, src, 100))
    assert proc.returncode == 2
    assert ("trioaio-gen: mod.py: changed while it was being read (each of "
            "3 times); check it again once it is written") in proc.stderr
    assert "TA001" not in proc.stdout


def test_a_file_written_to_during_one_read_is_read_again(tmp_path, changer):
    src = tmp_path / "mod.py"
    src.write_text(BAD)
    proc = run("check", "-v", "mod.py", cwd=tmp_path,
               env=changing_env(changer, src, 1))
    assert proc.returncode == 1, proc.stderr
    assert "mod.py:12:5: TA001" in proc.stdout
    assert src.read_text() == BAD + "# more\n"
    # The cache holds the text as it is now, under its stat().
    again = run("check", "-v", "mod.py", cwd=tmp_path)
    assert again.stdout == proc.stdout
    src.write_text(BAD.replace("await fetch()", "pass"))
    assert run("check", "mod.py", cwd=tmp_path).returncode == 0
