"""Output formats with file names that need escaping: JSON strings, SARIF
URIs (RFC 3986 percent-encoding) and GitHub workflow commands each have
their own rules; a finding's place and text must come through whole.
Findings on one line are in column order."""
import json
import urllib.parse

import pytest

from conftest import run_gen

TWO_ON_A_LINE = """\
import asyncio
import trio


async def aio_a():
    await asyncio.sleep(0)


async def main():
    await trio.sleep(0)
    x = (await aio_a(), await aio_a())
"""

ODD = 'we\tird "q" \\ 100%, a:b #1\x01.py'


@pytest.fixture
def odd(tmp_path):
    (tmp_path / ODD).write_text(TWO_ON_A_LINE)
    return tmp_path


def test_json_escapes_the_file_name(odd):
    proc = run_gen("check", "--output-format=json", ".", cwd=odd)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert [(d["filename"], d["location"]) for d in data] == [
        (ODD, {"row": 11, "column": 10}), (ODD, {"row": 11, "column": 25})]
    assert all(ODD[:-3] + ".aio_a" in d["message"] for d in data)


def test_sarif_uri_is_percent_encoded(odd):
    proc = run_gen("check", "--output-format=sarif", ".", cwd=odd)
    results = json.loads(proc.stdout)["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in results]
    assert uris == ["we%09ird%20%22q%22%20%5C%20100%25%2C%20a%3Ab%20%231%01.py"
                    ] * 2
    assert urllib.parse.unquote(uris[0]) == ODD
    # UTF-8 bytes one by one.
    (odd / ODD).unlink()
    (odd / "ünï.py").write_text(TWO_ON_A_LINE)
    proc = run_gen("check", "--output-format=sarif", ".", cwd=odd)
    uri = json.loads(proc.stdout)["runs"][0]["results"][0]["locations"][0][
        "physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "%C3%BCn%C3%AF.py"


def test_github_escapes_properties_and_message(tmp_path):
    name = "cr\rlf\n100%, a:b.py"
    (tmp_path / name).write_text(TWO_ON_A_LINE)
    out = run_gen("check", "--output-format=github", ".",
                  cwd=tmp_path).stdout
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        "::error title=trioaio-gen (TA001),file=cr%0Dlf%0A100%25%2C a%3Ab.py,"
        "line=11,col=10::TA001 asyncio `cr%0Dlf%0A100%25, a:b.aio_a` ")
    assert ",line=11,col=25::" in lines[1]
    data = json.loads(run_gen("check", "--output-format=json", ".",
                              cwd=tmp_path).stdout)
    assert [d["filename"] for d in data] == [name, name]


def test_concise_is_text(odd):
    text = run_gen("check", ".", cwd=odd).stdout
    concise = run_gen("check", "--output-format", "concise", ".",
                      cwd=odd).stdout
    assert concise == text
    assert [ln.split(": TA")[0] for ln in text.splitlines()] == [
        ODD + ":11:10", ODD + ":11:25"]
