"""Configuration: `[tool.trioaio-gen]` in the nearest pyproject.toml (found
by walking up from the checked path), each key, command-line flags over
the file, pytest's trio_mode/asyncio_mode, and clear exit-2 errors naming
the key."""

import re
import textwrap

import pytest

from conftest import run_gen

BAD = textwrap.dedent("""\
    import asyncio

    import trio


    async def fetch():
        await asyncio.sleep(0)


    async def main():
        await trio.sleep(0)
        await fetch()
    """)


def _tree(tmp_path, toml=None, files=None):
    if toml is not None:
        (tmp_path / "pyproject.toml").write_text(textwrap.dedent(toml))
    for name, text in (files or {"pkg/mod.py": BAD}).items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return tmp_path


def _codes(proc):
    return re.findall(r": (TA\d{3}) ", proc.stdout)


def test_no_config_reports(tmp_path):
    _tree(tmp_path)
    assert _codes(run_gen("check", "pkg", cwd=tmp_path)) == ["TA001"]


def test_ignore_and_select(tmp_path):
    _tree(tmp_path, '[tool.trioaio-gen]\nignore = ["TA001"]\n')
    proc = run_gen("check", "pkg", cwd=tmp_path)
    assert proc.returncode == 0 and _codes(proc) == []
    _tree(tmp_path, '[tool.trioaio-gen]\nselect = ["TA002", "TA003"]\n')
    assert _codes(run_gen("check", "pkg", cwd=tmp_path)) == []


def test_flags_override_the_file(tmp_path):
    _tree(tmp_path, '[tool.trioaio-gen]\nignore = ["TA001"]\n')
    proc = run_gen("check", "--ignore", "TA002", "pkg", cwd=tmp_path)
    assert _codes(proc) == ["TA001"]


def test_found_by_walking_up(tmp_path):
    _tree(tmp_path, '[tool.trioaio-gen]\nignore = ["TA0"]\n')
    # From a subdirectory, and for a file given by its path.
    assert _codes(run_gen("check", ".", cwd=tmp_path / "pkg")) == []
    assert _codes(run_gen("check", "pkg/mod.py", cwd=tmp_path)) == []
    # A pyproject.toml without the section does not stop the walk.
    (tmp_path / "pkg/pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert _codes(run_gen("check", ".", cwd=tmp_path / "pkg")) == []


def test_exclude(tmp_path):
    _tree(tmp_path, '[tool.trioaio-gen]\nexclude = ["mod.py"]\n')
    assert _codes(run_gen("check", "pkg", cwd=tmp_path)) == []
    proc = run_gen("check", "--exclude", "other.py", "pkg", cwd=tmp_path)
    assert _codes(proc) == ["TA001"]


LIBS = """\
    import pytest
    import ourdb
    import trio_compat


    @pytest.mark.trio
    async def test_a():
        await ourdb.query()


    @pytest.mark.asyncio
    async def test_b():
        await trio_compat.sleep()


    @pytest.mark.asyncio
    async def test_c():
        await ourdb.other()
    """


@pytest.mark.parametrize("toml,expected", [
    # trio_compat is Trio by the trio_* name rule; ourdb is unknown.
    ("", ["TA002"]),
    ('asyncio-modules = ["ourdb"]\n', ["TA001", "TA002"]),
    ('trio-modules = ["ourdb"]\n', ["TA002", "TA002"]),
    ('neutral-modules = ["trio_compat"]\n', []),
])
def test_module_lists(tmp_path, toml, expected):
    _tree(tmp_path, "[tool.trioaio-gen]\n" + toml,
          {"t/test_x.py": LIBS})
    assert _codes(run_gen("check", "t", cwd=tmp_path)) == expected


def test_default_domains_per_module(tmp_path):
    files = {
        "app/__init__.py": "",
        "app/aio/__init__.py": "",
        "app/aio/net.py": """\
            import asyncio


            async def fetch():
                await asyncio.sleep(0)
            """,
        "app/jobs.py": """\
            from app.aio import net


            async def work():
                await net.fetch()
            """,
    }
    _tree(tmp_path, None, files)
    assert _codes(run_gen("check", "app", cwd=tmp_path)) == []
    _tree(tmp_path, '[tool.trioaio-gen.domains]\n"app.jobs" = "trio"\n',
          files)
    proc = run_gen("check", "app", cwd=tmp_path)
    assert _codes(proc) == ["TA001"]
    assert "[tool.trioaio-gen.domains] `app.jobs`" in proc.stdout
    # A package prefix covers its modules.
    _tree(tmp_path, '[tool.trioaio-gen.domains]\napp = "trio"\n', files)
    out = run_gen("explain", "app/jobs.py", cwd=tmp_path).stdout
    assert "configured default" in out


@pytest.mark.parametrize("toml,key", [
    ('[tool.trioaio-gen]\nselct = ["TA001"]\n', "selct"),
    ('[tool.trioaio-gen]\nselect = "TA001"\n', "select"),
    ('[tool.trioaio-gen]\nignore = ["E501"]\n', "ignore"),
    ('[tool.trioaio-gen]\nexclude = ["a",\n', "exclude"),
    ('[tool.trioaio-gen.domains]\napp = "curio"\n', "app"),
    ('[tool.trioaio-gen.typo]\n', "tool.trioaio-gen.typo"),
])
def test_config_errors_exit_2_naming_the_key(tmp_path, toml, key):
    _tree(tmp_path, toml)
    proc = run_gen("check", "pkg", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert "pyproject.toml:" in proc.stderr and f"`{key}`" in proc.stderr \
        or f"[{key}]" in proc.stderr, proc.stderr


TEST_FILE = """\
    import asyncio


    async def helper():
        await asyncio.sleep(0)


    async def test_it():
        await helper()
    """


@pytest.mark.parametrize("name,text,section", [
    ("pytest.ini", "[pytest]\ntrio_mode = true\n", "pytest"),
    ("pyproject.toml", "[tool.pytest.ini_options]\ntrio_mode = true\n",
     "pyproject"),
    ("setup.cfg", "[tool:pytest]\ntrio_mode = true\n", "setup.cfg"),
    ("tox.ini", "[pytest]\ntrio_mode = true\n", "tox"),
])
def test_pytest_trio_mode(tmp_path, name, text, section):
    _tree(tmp_path, None, {"tests/test_it.py": TEST_FILE})
    assert _codes(run_gen("check", "tests", cwd=tmp_path)) == []
    (tmp_path / name).write_text(text)
    proc = run_gen("check", "tests", cwd=tmp_path)
    assert _codes(proc) == ["TA001"]
    assert "trio_mode = true" in proc.stdout


def test_pytest_asyncio_mode_auto(tmp_path):
    _tree(tmp_path, None, {"tests/test_it.py": """\
        import trio


        async def helper():
            await trio.sleep(0)


        async def test_it():
            await helper()
        """})
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
    assert _codes(run_gen("check", "tests", cwd=tmp_path)) == ["TA002"]


def test_file_comment(tmp_path):
    _tree(tmp_path, None, {"m.py": """\
        # trioaio-gen: domain=asyncio
        import trio


        async def tick():
            await trio.sleep(0)


        async def handler():
            await tick()
        """})
    assert _codes(run_gen("check", "m.py", cwd=tmp_path)) == ["TA002"]
