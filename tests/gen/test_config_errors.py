"""pyproject.toml's [tool.trioaio-gen] tables, read line by line: each
malformed line exits 2 naming the file, the line and what is wrong; the
layouts TOML allows (lists over several lines with comments, blank lines,
other tables after ours, no final newline) are read."""
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


def _run(tmp_path, toml):
    (tmp_path / "pyproject.toml").write_text(toml)
    (tmp_path / "pkg").mkdir(exist_ok=True)
    (tmp_path / "pkg" / "mod.py").write_text(BAD)
    return run_gen("check", "pkg", cwd=tmp_path)


@pytest.mark.parametrize("toml,line,message", [
    ('[tool.trioaio-gen\nignore = ["TA001"]\n', 1,
     "a table header without its closing `]`: [tool.trioaio-gen"),
    ('[tool.trioaio-gen]\nselect = [TA001]\n', 2,
     "`select` needs a list of strings"),
    ('[tool.trioaio-gen]\nselect = ["TA001]\n', 2,
     "`select` needs a list of strings"),
    ('[tool.trioaio-gen]\nignore = ["TAX"]\n', 2,
     '`ignore` lists rule codes such as "TA001" or "TA0"'),
    ('[tool.trioaio-gen]\n\nignore\n', 3, "expected `key = value`"),
    ('[tool.trioaio-gen.domains]\n"app = "trio"\n', 2,
     "bad module name in [tool.trioaio-gen.domains]"),
    ('[tool.trioaio-gen.domains]\napp = trio\n', 2,
     '[tool.trioaio-gen.domains] `app` must be "asyncio" or "trio"'),
    ('[tool.trioaio-gen]\nexclude = [\n  "a",\n', 3,
     "`exclude`: the list is not closed"),
])
def test_malformed_lines_exit_2(tmp_path, toml, line, message):
    proc = _run(tmp_path, toml)
    assert proc.returncode == 2, proc.stdout
    assert proc.stdout == ""
    assert proc.stderr == (f"trioaio-gen: {tmp_path}/pyproject.toml:{line}: "
                           f"{message}\n")


def _codes(proc):
    return re.findall(r": (TA\d{3}) ", proc.stdout)


def test_layouts_toml_allows(tmp_path):
    toml = textwrap.dedent("""\
        [project]
        matrix = [
            [
                "not ours",
            ],
        ]

        [tool.trioaio-gen]

        ignore = [  # a comment
            "TA002",  # "TA001" is not here
            "TA001",
        ]

        [tool.other]
        select = ["TA005"]""")  # no final newline; not our select
    proc = _run(tmp_path, toml)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _codes(proc) == []
    assert proc.stderr == ""


def test_other_tables_do_not_change_ours(tmp_path):
    proc = _run(tmp_path, '[tool.trioaio-gen]\nselect = ["TA001"]\n'
                '[tool.other]\nignore = ["TA001"]\n')
    assert _codes(proc) == ["TA001"]


def test_configuration_above_the_working_directory_is_named_in_full(
        tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.trioaio-gen.domains]\n"app.jobs" = "trio"\n')
    for name, text in {
            "app/__init__.py": "", "app/aio/__init__.py": "",
            "app/aio/net.py": "import asyncio\n\n\nasync def fetch():\n"
                              "    await asyncio.sleep(0)\n",
            "app/jobs.py": "from app.aio import net\n\n\nasync def work():\n"
                           "    await net.fetch()\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    # From the top, the file is named as the checked paths are; from
    # below, no relative name is shorter than the absolute one.
    top = run_gen("check", "app", cwd=tmp_path).stdout
    assert "`app.jobs` in pyproject.toml)" in top
    below = run_gen("check", ".", cwd=tmp_path / "app").stdout
    assert f"`app.jobs` in {tmp_path}/pyproject.toml)" in below
    assert below.startswith("jobs.py:5:5: TA001 ")
