"""The `trioaio-gen` command a wheel puts on PATH is the C binary itself
(no Python start-up in front of it, as with ruff's wheel); trioaio._gen_cli
finds that binary for code that needs its path, or says how to get it.

The wheel install itself is tested by test_precommit.py (pre-commit
pip-installs a clone of this repository) and scripts/test-wheel.sh."""
import os
import subprocess
import sys

from trioaio import _gen_cli


def test_setup_ships_the_binary_as_the_script():
    # No console-script wrapper: that would start Python and import trioaio.
    import tomllib

    from conftest import ROOT

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "scripts" not in project and "gui-scripts" not in project
    assert "scripts=[GEN_BIN]" in (ROOT / "setup.py").read_text()


def test_find_binary_finds_an_executable_binary():
    path = _gen_cli.find_binary()
    assert path is not None
    with open(path, "rb") as f:
        assert f.read(4) == b"\x7fELF"


def test_module_runs_the_binary():
    out = subprocess.run(
        [sys.executable, "-m", "trioaio._gen_cli", "--version"],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("trioaio-gen ")


def test_find_binary_looks_in_the_scripts_directory(monkeypatch, tmp_path):
    # An installed wheel: the binary is in the environment's scripts dir.
    scripts = tmp_path / "bin"
    scripts.mkdir()
    binary = scripts / "trioaio-gen"
    binary.write_bytes(b"\x7fELF")
    binary.chmod(0o755)
    monkeypatch.setattr(_gen_cli.sysconfig, "get_path",
                        lambda name, scheme=None: str(scripts))
    monkeypatch.setattr(_gen_cli, "_CANDIDATES",
                        tuple(list(_gen_cli._candidates())[1:]))
    assert _gen_cli.find_binary() == os.path.normpath(binary)


def test_missing_binary_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setattr(_gen_cli, "_CANDIDATES", ("/nonexistent/trioaio-gen",))
    assert _gen_cli.main() == 2
    assert "pip install ." in capsys.readouterr().err
