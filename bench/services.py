"""What some workloads need from outside Python: a throwaway PostgreSQL
server (the asyncpg workload) and the wrk load generator (aiohttp_wrk).

``postgres()`` starts a server in a temporary directory, listening on a
Unix socket only (no TCP port, so runs cannot collide), with fsync off:
what is measured is the client's round trip, not the disk.  bench/run.py
starts one for a whole run and hands it to each run's process in the
environment variable PG_ENV; a process that finds none starts its own.
"""
import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile

#: "SOCKET_DIR PORT USER" of a running server, set by postgres().
PG_ENV = "TRIOAIO_BENCH_PG"
#: PostgreSQL refuses to run as root; as root, run it as this user
#: (Debian's postgresql package creates it).
PG_SYSTEM_USER = "postgres"
PG_PORT = "5432"  # only names the socket file in the private directory
PG_USER = "bench"


def pg_bindir():
    """The directory of initdb and pg_ctl: from PATH, else Debian's
    /usr/lib/postgresql/VERSION/bin (newest first); or None."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return os.path.dirname(found)

    def version(path):
        part = path.split(os.sep)[-2]
        return int(part) if part.isdigit() else 0
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=version, reverse=True):
        if os.access(os.path.join(bindir, "pg_ctl"), os.X_OK):
            return bindir
    return None


def asyncpg_missing():
    """Why the asyncpg workload cannot run here, or None."""
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        return "asyncpg is not installed (pip install asyncpg)"
    if os.environ.get(PG_ENV):
        return None
    if pg_bindir() is None:
        return ("PostgreSQL's initdb and pg_ctl were not found (Debian "
                "package postgresql)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(PG_SYSTEM_USER)
        except KeyError:
            return ("running as root, and there is no %r user to run "
                    "PostgreSQL as (it refuses root)" % PG_SYSTEM_USER)
    return None


def wrk_missing():
    """Why the aiohttp_wrk workload cannot run here, or None."""
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return "aiohttp is not installed (pip install aiohttp)"
    if shutil.which("wrk") is None:
        return "the wrk load generator was not found (Debian package wrk)"
    return None


def _run(argv, what):
    # The server is not ours to instrument: under `make asan` the sanitizer
    # runtimes preloaded for Python hang PostgreSQL's programs.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    done = subprocess.run(argv, stdout=subprocess.PIPE, env=env,
                          stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s\n%s" % (
            what, done.returncode, " ".join(argv), done.stdout[-2000:]))


@contextlib.contextmanager
def postgres():
    """A running PostgreSQL server for the length of the block: yields
    (socket_dir, port, user) and sets PG_ENV; stopped and removed after.
    Reuses the server PG_ENV names if there is one."""
    if os.environ.get(PG_ENV):
        yield tuple(os.environ[PG_ENV].split())
        return
    why = asyncpg_missing()
    if why:
        raise RuntimeError(why)
    bindir = pg_bindir()
    tmp = tempfile.mkdtemp(prefix="trioaio-bench-pg-")
    as_user = []
    if os.geteuid() == 0:
        entry = pwd.getpwnam(PG_SYSTEM_USER)
        os.chown(tmp, entry.pw_uid, entry.pw_gid)
        as_user = ["runuser", "-u", PG_SYSTEM_USER, "--"]
    data = os.path.join(tmp, "data")
    pg_ctl = os.path.join(bindir, "pg_ctl")
    started = False
    try:
        _run(as_user + [os.path.join(bindir, "initdb"), "-D", data, "-U",
                        PG_USER, "--auth=trust", "-E", "UTF8", "--no-sync"],
             "initdb")
        options = ("-c listen_addresses='' -k %s -p %s -c fsync=off "
                   "-c synchronous_commit=off" % (tmp, PG_PORT))
        _run(as_user + [pg_ctl, "-D", data, "-l",
                        os.path.join(tmp, "server.log"), "-o", options,
                        "-w", "-t", "60", "start"], "pg_ctl start")
        started = True
        os.environ[PG_ENV] = "%s %s %s" % (tmp, PG_PORT, PG_USER)
        yield tmp, PG_PORT, PG_USER
    finally:
        os.environ.pop(PG_ENV, None)
        if started:
            _run(as_user + [pg_ctl, "-D", data, "-m", "immediate", "-w",
                            "stop"], "pg_ctl stop")
        shutil.rmtree(tmp, ignore_errors=True)
