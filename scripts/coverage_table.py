"""Write the summary of a `make coverage` run into docs/coverage.md.

    python scripts/coverage_table.py PYTHON_JSON C_JSON DOC [INDEX_HTML]

PYTHON_JSON is `coverage json` output, C_JSON gcovr's --json-summary.  The
table replaces the text between the two markers in DOC; the rest of the
page (the named gaps and their reasons) is written by hand and kept.
INDEX_HTML, when given, gets a small page linking both HTML reports.
"""
import json
import os
import sys

BEGIN = "<!-- coverage-table:begin (scripts/coverage_table.py) -->"
END = "<!-- coverage-table:end -->"


def pct(covered, total):
    return "%.1f%%" % (100.0 * covered / total) if total else "n/a"


def python_rows(report):
    rows = []
    for name, entry in sorted(report["files"].items()):
        s = entry["summary"]
        rows.append((os.path.relpath(name) if os.path.isabs(name) else name,
                     s["covered_lines"], s["num_statements"],
                     s.get("covered_branches", 0), s.get("num_branches", 0)))
    return rows


def c_rows(report):
    return [(f["filename"], f["line_covered"], f["line_total"],
             f["branch_covered"], f["branch_total"])
            for f in sorted(report["files"], key=lambda f: f["filename"])]


def table(title, rows):
    lines = ["### " + title, "",
             "| file | lines | line % | branches | branch % |",
             "|---|---:|---:|---:|---:|"]
    tot = [0, 0, 0, 0]
    for name, lc, lt, bc, bt in rows:
        lines.append("| `%s` | %d/%d | %s | %d/%d | %s |"
                     % (name, lc, lt, pct(lc, lt), bc, bt, pct(bc, bt)))
        for i, v in enumerate((lc, lt, bc, bt)):
            tot[i] += v
    lines.append("| **total** | %d/%d | **%s** | %d/%d | **%s** |"
                 % (tot[0], tot[1], pct(tot[0], tot[1]),
                    tot[2], tot[3], pct(tot[2], tot[3])))
    return lines, tot


def main(argv):
    if len(argv) not in (4, 5):
        sys.exit(__doc__)
    with open(argv[1]) as f:
        py = python_rows(json.load(f))
    with open(argv[2]) as f:
        c = c_rows(json.load(f))
    runs = "tests/runtime, examples, tests/gen, tests/c"
    if os.environ.get("COVERAGE_COMPAT") == "1":
        runs += " and `make test-compat`"
    body = ["Measured by `make coverage` over " + runs
            + " (Python %d.%d)." % sys.version_info[:2], ""]
    summary = []
    for title, rows in (
            ("Python: runtime/trioaio", py),
            ("C: runtime/src", [r for r in c if r[0].startswith("runtime/")]),
            ("C: codegen", [r for r in c if r[0].startswith("codegen/")])):
        lines, tot = table(title, rows)
        body += lines + [""]
        summary.append((title, pct(tot[0], tot[1]), pct(tot[2], tot[3])))
    generated = "\n".join([BEGIN, ""] + body + [END])

    doc = argv[3]
    text = open(doc).read() if os.path.exists(doc) else (
        "# Test coverage\n\n%s\n%s\n" % (BEGIN, END))
    if BEGIN not in text or END not in text:
        sys.exit("%s: the markers %r and %r are missing; put them back "
                 "around the generated table" % (doc, BEGIN, END))
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(doc, "w") as f:
        f.write(head + generated + tail)

    for title, lines, branches in summary:
        print("%-24s lines %7s  branches %7s" % (title, lines, branches))
    if len(argv) == 5:
        items = "".join("<li>%s: lines %s, branches %s</li>\n" % s
                        for s in summary)
        with open(argv[4], "w") as f:
            f.write("<!doctype html>\n<title>trioaio coverage</title>\n"
                    "<h1>trioaio coverage</h1>\n<ul>\n%s</ul>\n"
                    "<p><a href=\"python/index.html\">Python report</a> "
                    "&middot; <a href=\"c/index.html\">C report</a></p>\n"
                    % items)


if __name__ == "__main__":
    main(sys.argv)
