"""The `trioaio-gen` console command that `pip install .` puts on PATH runs
the C binary (trioaio._gen_cli), or says how to get it."""
import subprocess
import sys

from trioaio import _gen_cli


def test_entry_point_runs_the_binary():
    assert _gen_cli.find_binary() is not None
    out = subprocess.run(
        [sys.executable, "-m", "trioaio._gen_cli", "--version"],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("trioaio-gen ")


def test_missing_binary_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setattr(_gen_cli, "_CANDIDATES", ("/nonexistent/trioaio-gen",))
    assert _gen_cli.main() == 2
    assert "pip install ." in capsys.readouterr().err
