"""`make` builds and installs nothing; `make deps` (and the test and demo
targets, which run it first) installs from the one manifest with the one
installer, scripts/install-deps.sh.

apt-get, sudo, id and dpkg-query are replaced by stubs on PATH that log
their calls, so these tests install nothing and need no network."""
import os
import pathlib
import stat
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "requirements-dev.txt"


def manifest_debian(kind):
    pkgs = []
    for line in MANIFEST.read_text().splitlines():
        if line.startswith(f"# debian-{kind}:"):
            pkgs += line.split(":", 1)[1].split()
    return pkgs


def stub_path(tmp_path, missing=(), uid=0):
    """A PATH whose apt-get, sudo, id and dpkg-query are logging stubs;
    dpkg-query reports the packages in `missing` as not installed."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    log = tmp_path / "calls.log"
    stubs = {
        "apt-get": 'echo "apt-get $*" >> {log}',
        "sudo": 'echo "sudo $*" >> {log}; "$@"',
        "id": 'if [ "$1" = -u ]; then echo {uid}; else exec /usr/bin/id "$@"; fi',
        "dpkg-query": (
            'for a; do last=$a; done; '
            'for p in {missing}; do [ "$p" = "$last" ] && exit 1; done; '
            'printf "install ok installed"'),
        # The interpreter whose packages install-deps.sh installs.
        "python-stub": 'echo "python $*" >> {log}',
    }
    for name, body in stubs.items():
        f = bin_ / name
        f.write_text("#!/bin/sh\n" + body.format(
            log=log, uid=uid, missing=" ".join(missing)) + "\n")
        f.chmod(f.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f"{bin_}:{os.environ['PATH']}")
    return env, log


def calls(log):
    return log.read_text().splitlines() if log.exists() else []


def test_manifest_lists_what_the_build_needs():
    build = manifest_debian("build")
    assert {"libuv1-dev", "libtree-sitter-dev", "build-essential"} <= set(build)
    assert {"libcmocka-dev", "clang-format"} <= set(manifest_debian("test"))
    text = MANIFEST.read_text()
    assert "setuptools>=77" in text and "pre-commit" in text
    # One installer: the generator's fragment has none of its own.
    assert "apt-get" not in (ROOT / "codegen" / "gen.mk").read_text()


def test_install_deps_installs_only_the_missing_packages(tmp_path):
    env, log = stub_path(tmp_path, missing=["libcmocka-dev"], uid=1000)
    env["PYTHON"] = "python-stub"
    out = subprocess.run(["sh", str(ROOT / "scripts/install-deps.sh")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    got = calls(log)
    # Not root: through sudo; only what dpkg-query says is missing.
    assert "sudo apt-get update -qq" in got
    assert "sudo apt-get install -y -qq libcmocka-dev" in got
    assert got[-1].startswith("python -m pip install")
    assert got[-1].endswith(f"-r {MANIFEST}")


def test_install_deps_on_a_warm_machine_runs_no_apt_get(tmp_path):
    env, log = stub_path(tmp_path)
    env["PYTHON"] = "python-stub"
    out = subprocess.run(["sh", str(ROOT / "scripts/install-deps.sh")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert [c for c in calls(log) if "apt-get" in c] == []


def test_bench_packages_are_installed_only_for_the_benchmarks(tmp_path):
    bench = manifest_debian("bench")
    assert {"postgresql", "wrk"} <= set(bench)
    # make deps (and so make test) leaves them alone ...
    env, log = stub_path(tmp_path, missing=bench)
    env["PYTHON"] = "python-stub"
    out = subprocess.run(["sh", str(ROOT / "scripts/install-deps.sh")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert [c for c in calls(log) if "apt-get" in c] == []
    # ... and --bench installs the missing ones, and no Python package.
    before = len(calls(log))
    out = subprocess.run(["sh", str(ROOT / "scripts/install-deps.sh"),
                          "--bench"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    got = calls(log)[before:]
    assert "apt-get install -y -qq " + " ".join(bench) in got
    assert not [c for c in got if c.startswith("python")]


def test_make_all_installs_nothing_and_says_what_is_missing(tmp_path):
    env, log = stub_path(tmp_path, missing=["libuv1-dev"])
    # -W setup.py: the extension is out of date, so `make` must build it.
    out = subprocess.run(
        ["make", "-C", str(ROOT), "-W", "setup.py", "all",
         f"PYTHON={sys.executable}"],
        env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "missing Debian packages: libuv1-dev" in out.stderr
    assert "run 'make deps'" in out.stderr
    assert calls(log) == []          # no apt-get, no sudo, no pip
    assert "pip install" not in out.stdout


def dry_run(goal):
    out = subprocess.run(
        ["make", "-C", str(ROOT), "-n", "-W", "requirements-dev.txt",
         "-W", "setup.py", goal, f"PYTHON={sys.executable}"],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_make_test_and_demo_install_first_make_all_does_not():
    for goal in ("test", "demo"):
        lines = dry_run(goal)
        install = [i for i, line in enumerate(lines)
                   if "install-deps.sh" in line and "--check" not in line]
        build = [i for i, line in enumerate(lines)
                 if "pip install -q --no-build-isolation -e ." in line]
        assert install and build, (goal, lines)
        assert install[0] < build[0], (goal, lines)
    lines = dry_run("all")
    assert not [line for line in lines
                if "install-deps.sh" in line and "--check" not in line]
    assert [line for line in lines if "--no-build-isolation -e ." in line]
