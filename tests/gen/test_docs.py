"""Every rule is documented in docs/generator-rules.md with a Wrong and a
Right example; the Wrong one must be reported with exactly that code and the
Right one must be clean."""

import re

import pytest

from conftest import ROOT, run_gen

DOC = (ROOT / "docs/generator-rules.md").read_text(encoding="utf-8")
SECTIONS = {
    m.group(1): m.group(2)
    for m in re.finditer(r"^## (TA\d{3}) [^\n]*\n(.*?)(?=^## |\Z)", DOC,
                         re.S | re.M)
}


def _codes(tmp_path, src, toml=None):
    if toml is not None:
        (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    (tmp_path / "example.py").write_text(src, encoding="utf-8")
    proc = run_gen("check", "example.py", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return re.findall(r"^example\.py:\d+:\d+: (TA\d{3}) ", proc.stdout, re.M)


def test_every_rule_is_documented():
    rules = run_gen("rules", check=True).stdout.split("\n")
    codes = [line.split()[0] for line in rules if line.strip()]
    assert codes and sorted(codes) == sorted(SECTIONS)


@pytest.mark.parametrize("code", sorted(SECTIONS))
def test_wrong_example_is_reported(code, tmp_path):
    m = re.search(r"Wrong:\n\n```python\n(.*?)```", SECTIONS[code], re.S)
    assert m, f"{code} has no Wrong example"
    assert _codes(tmp_path, m.group(1)) == [code]


@pytest.mark.parametrize("code", sorted(SECTIONS))
def test_right_example_is_clean(code, tmp_path):
    m = re.search(r"Right:\n\n```python\n(.*?)```", SECTIONS[code], re.S)
    assert m, f"{code} has no Right example"
    assert _codes(tmp_path, m.group(1)) == []


# Evidence, library, type and dispatch examples: `### Title (TAnnn)`
# subsections with a Wrong and a Right example each.
EXAMPLES = {
    m.group(1): (m.group(2), m.group(3))
    for m in re.finditer(r"^### ([^\n]*?) \((TA\d{3})\)\n(.*?)(?=^##|\Z)",
                         DOC, re.S | re.M)
}


def test_examples_cover_each_kind():
    titles = " ".join(EXAMPLES).lower()
    for word in ("pytest mark", "trio runner", "asyncio runner", "nursery",
                 "cancel scope", "boundary function", "file comment",
                 "asyncio library", "typed parameter", "dispatch",
                 "match", "configured default", "protocol partner",
                 "trio-facing class", "partial through a shim",
                 "quart-trio hook", "constructor argument", "property",
                 "expected error"):
        assert word in titles, word


@pytest.mark.parametrize("title", sorted(EXAMPLES))
def test_evidence_wrong_example_is_reported(title, tmp_path):
    code, text = EXAMPLES[title]
    m = re.search(r"Wrong:\n\n```python\n(.*?)```", text, re.S)
    assert m, f"{title} has no Wrong example"
    codes = _codes(tmp_path, m.group(1), _toml(text))
    assert codes and set(codes) == {code}


@pytest.mark.parametrize("title", sorted(EXAMPLES))
def test_evidence_right_example_is_clean(title, tmp_path):
    text = EXAMPLES[title][1]
    m = re.search(r"Right:\n\n```python\n(.*?)```", text, re.S)
    assert m, f"{title} has no Right example"
    assert _codes(tmp_path, m.group(1), _toml(text)) == []


def _toml(text):
    """The pyproject.toml an example comes with, if any."""
    m = re.search(r"```toml\n(.*?)```", text, re.S)
    return m.group(1) if m else None
