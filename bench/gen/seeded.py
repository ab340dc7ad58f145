#!/usr/bin/env python3
"""Seeded recall and precision of `trioaio-gen check` on the real-code corpus.

    python bench/gen/seeded.py [--corpus DIR] [--binary PATH] [-j N]
        [--only NAME,...] [--label LABEL --record] [--write-doc]
        [--details FILE]

For every project of bench/gen/corpus.toml that is present in the corpus
directory ($TRIOAIO_CORPUS, default build/corpus; `bench/gen/corpus.py
fetch` writes it):

1. Precision.  `check` runs on the unmutated project; every finding is
   looked up in bench/gen/annotations.toml (project, file, line, code ->
   right/wrong, with the reason).  Precision is right / annotated.  Findings
   with no annotation are listed so that the file can be kept current; they
   are not counted either way.
2. Seeded recall.  Every trio-asyncio shim occurrence (bench/gen/shimsites.py
   lists the forms) is removed, one at a time, in a scratch copy of the
   project, and `check` runs again.  The mutant is *recalled* when a finding
   appears that was not there before (compared after shifting line numbers
   past the edit; TA900 syntax diagnostics never count) and that points at
   the mutation:
     (a) it is in the mutated file, on a line of the rewritten expression,
         or, for a deleted decorator, on a line of the decorated definition
         (its `def` line through its last line); or
     (b) its message names, as a whole identifier, the function whose
         decorator was deleted (so a caller anywhere in the project counts),
         or the function that contains the rewritten call (a finding
         anchored on that function, such as TA003 on its `def`).
   Each file with two or more shims is also checked with all of them
   removed at once; it is *flagged* when a new finding appears in it (or
   elsewhere, naming a function whose boundary decorator went).
   Besides, [[bug]] entries of the annotations list real crossings found
   by reading the unmutated code; the table says how many have a finding
   on their line.
   [[benign]] entries of the annotations name mutants that reading the
   code showed to be correct code (no crossing, with the reason): recall
   is given both raw and leaving them out.
   A mutant whose file no longer parses is not counted (none should exist:
   every mutation keeps the file valid Python).  A mutant on which `check`
   fails (exit 2, a crash, a hang past 300 s) counts as missed and is
   listed; the exit status is then 2.

The binary is --binary, else $TRIOAIO_GEN, else build/gen/trioaio-gen.
`check` gets `-j 1` and at most -j N (default 2) mutants run at once.

--record stores the figures under --label in bench/gen/seeded-results.json
(so that "before" and "after" measurements stay side by side) and
--write-doc renders every recorded label into the section of
docs/generator-performance.md between its seeded-corpus markers (alone,
--write-doc only re-renders what is recorded).  Exit
status: 0, or 2 when the corpus is absent, the binary is missing, or
`check` failed (exit 2 or a crash) on any run.
"""

import argparse
import collections
import concurrent.futures
import datetime
import json
import os
import pathlib
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import shimsites  # noqa: E402

NOTES = pathlib.Path(__file__).resolve().parent / "seeded-notes.md"
ANNOTATIONS = HERE / "annotations.toml"
RESULTS = HERE / "seeded-results.json"
DOC = ROOT / "docs" / "generator-performance.md"
BEGIN = "<!-- seeded-corpus:begin (bench/gen/seeded.py --write-doc) -->"
END = "<!-- seeded-corpus:end -->"


class CheckFailed(Exception):
    pass


def default_binary():
    return os.environ.get("TRIOAIO_GEN") or str(ROOT / "build/gen/trioaio-gen")


# --- running the checker -------------------------------------------------

Finding = collections.namedtuple("Finding", "file line col code message")


def run_check(binary, cwd, paths, timeout=300):
    """Findings of `check` on paths (relative to cwd), sorted."""
    proc = subprocess.run(
        [binary, "check", "--output-format", "json", "--exit-zero",
         "-j", "1", *paths],
        cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise CheckFailed(f"`trioaio-gen check` exited {proc.returncode} in "
                          f"{cwd}: {proc.stderr.strip()[-500:]}")
    try:
        data = json.loads(proc.stdout or "[]")
    except ValueError as e:
        raise CheckFailed(f"`trioaio-gen check` printed no JSON in {cwd}: "
                          f"{e}") from None
    out = []
    for f in data:
        name = f["filename"]
        if os.path.isabs(name):
            name = os.path.relpath(name, cwd)
        loc = f.get("location") or {}
        out.append(Finding(pathlib.PurePath(name).as_posix(),
                           int(loc.get("row", 0)), int(loc.get("column", 0)),
                           f["code"], f.get("message", "")))
    return sorted(out)


# --- deciding recall ------------------------------------------------------

def names_identifier(message, name):
    return bool(name) and re.search(
        rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])",
        message) is not None


def new_findings(site, before, after):
    """Findings of `after` that `before` (shifted past the edit) lacks."""
    shifted = collections.Counter(
        (f.file, site.shift(f.line) if f.file == site.path else f.line,
         f.code) for f in before)
    fresh = []
    for f in after:
        key = (f.file, f.line, f.code)
        if shifted[key]:
            shifted[key] -= 1
        elif f.code != "TA900":
            fresh.append(f)
    return fresh


def points_at(site, finding):
    """Whether a new finding points at the mutated site (rule (a) or (b)
    of the module docstring)."""
    lo, hi = site.span
    if site.kind == "decorator":
        lo, hi = site.shift(lo), site.shift(hi)
    if finding.file == site.path and lo <= finding.line <= hi:
        return True
    return names_identifier(finding.message, site.function)


def strip_flagged(path, applied, functions, before, after):
    """Whether check flags a file with all its shims removed: a new finding
    (not TA900, baseline shifted through every edit) in that file, or one
    elsewhere naming a function whose boundary decorator was removed."""
    shifted = collections.Counter(
        (f.file, shimsites.shift_through(applied, f.line)
         if f.file == path else f.line, f.code) for f in before)
    hits = []
    for f in after:
        key = (f.file, f.line, f.code)
        if shifted[key]:
            shifted[key] -= 1
        elif f.code != "TA900" and (
                f.file == path or any(names_identifier(f.message, fn)
                                      for fn in functions)):
            hits.append(f)
    return hits


def recalled(site, before, after):
    hits = [f for f in new_findings(site, before, after)
            if points_at(site, f)]
    return bool(hits), hits


# --- annotations ----------------------------------------------------------

# What applying a finding's suggested fix would do: "works", "breaks"
# (working code would fail, or the fix cannot work at all), "none" (the
# message suggests no concrete edit).
FIX_VERDICTS = ("works", "breaks", "none")


def _annotation_tables(path, kind):
    """(where, table) for each [[kind]] table of the annotations file, where
    names the table in messages; nothing when the file is absent."""
    if not path.exists():
        return
    with open(path, "rb") as f:
        data = tomllib.load(f)
    for i, table in enumerate(data.get(kind, []), 1):
        yield f"{path}: [[{kind}]] #{i}", table


def load_annotations(path=ANNOTATIONS):
    """{(project, file, line, code): (verdict, reason, fix)}; bad entries
    stop with a message naming them."""
    out = {}
    for where, a in _annotation_tables(path, "finding"):
        for key in ("project", "file", "line", "code", "verdict", "reason"):
            if key not in a:
                raise SystemExit(f"{where} lacks `{key}`")
        if a["verdict"] not in ("right", "wrong"):
            raise SystemExit(f"{where}: verdict must be \"right\" or "
                             f"\"wrong\", got {a['verdict']!r}")
        fix = a.get("fix", "none")
        if fix not in FIX_VERDICTS:
            raise SystemExit(f"{where}: fix must be one of "
                             f"{', '.join(FIX_VERDICTS)}, got {fix!r}")
        key = (a["project"], a["file"], int(a["line"]), a["code"])
        if key in out:
            raise SystemExit(f"{where} repeats {key}")
        out[key] = (a["verdict"], a["reason"], fix)
    return out


def load_bugs(path=ANNOTATIONS):
    """The known real crossings in the unmutated corpus ([[bug]] tables):
    {project: [(file, line, reason, also)]}.  `also` lists other lines of
    the same file where a finding names the same crossing (for instance
    the call of a function whose body awaits the other library)."""
    out = collections.defaultdict(list)
    for where, b in _annotation_tables(path, "bug"):
        for key in ("project", "file", "line", "reason"):
            if key not in b:
                raise SystemExit(f"{where} lacks `{key}`")
        also = tuple(int(x) for x in b.get("also", []))
        out[b["project"]].append((b["file"], int(b["line"]), b["reason"],
                                  also))
    return dict(out)


def load_benign(path=ANNOTATIONS):
    """Mutants confirmed, by reading the code involved, not to create a
    crossing ([[benign]] tables): {(project, site id): reason}.  They stay
    in the raw recall and are left out of the second figure."""
    out = {}
    for where, b in _annotation_tables(path, "benign"):
        for key in ("project", "site", "reason"):
            if not b.get(key):
                raise SystemExit(f"{where} lacks `{key}`")
        key = (b["project"], b["site"])
        if key in out:
            raise SystemExit(f"{where} repeats {key}")
        out[key] = b["reason"]
    return out


def bugs_reported(bugs, findings):
    """Which known bugs have a finding (not TA900) on their line, or on
    one of their `also` lines."""
    at = {(f.file, f.line) for f in findings if f.code != "TA900"}
    return [any((file, ln) in at for ln in (line, *also))
            for file, line, _, also in bugs]


def judge(project, findings, annotations):
    """(right, wrong, unannotated, fixes that break code) among findings."""
    right, wrong, missing, breaking = [], [], [], []
    for f in findings:
        if f.code == "TA900":
            continue
        verdict = annotations.get((project, f.file, f.line, f.code))
        if verdict is None:
            missing.append(f)
            continue
        (right if verdict[0] == "right" else wrong).append(f)
        if verdict[2] == "breaks":
            breaking.append(f)
    return right, wrong, missing, breaking


# --- one project ----------------------------------------------------------

def project_sites(root, paths):
    """Every shim site under the project's checked paths."""
    sites = []
    for p in paths:
        base = root / p
        files = [base] if base.is_file() else sorted(
            f for f in base.rglob("*.py") if f.is_file())
        for f in files:
            rel = f.relative_to(root).as_posix()
            text, _ = shimsites.read_source(f)
            sites.extend(shimsites.find_sites(rel, text))
    return sites


def evaluate_project(project, corpus_dir, binary, jobs, annotations,
                     log=print, bugs=None, benign=None):
    name = project["name"]
    src = corpus_dir / name
    paths = project["paths"]
    result = {"project": name, "revision": corpus.revision(project)}
    with tempfile.TemporaryDirectory(prefix=f"seeded-{name}-") as tmp:
        workers = queue.Queue()
        for i in range(max(1, jobs)):
            dst = pathlib.Path(tmp) / f"w{i}"
            shutil.copytree(src, dst)
            workers.put(dst)
        w = workers.get()
        before = run_check(binary, w, paths)
        workers.put(w)
        sites = project_sites(src, paths)

        def one(site):
            w = workers.get()
            target = w / site.path
            original = target.read_bytes()
            try:
                text, encoding = shimsites.read_source(target)
                mutated = site.apply(text)
                if not shimsites.still_parses(mutated):
                    return site, "invalid", []
                target.write_bytes(mutated.encode(encoding))
                try:
                    after = run_check(binary, w, paths)
                except (CheckFailed, subprocess.TimeoutExpired) as e:
                    # A crash or hang on one mutant is a miss, reported,
                    # and the run goes on so that all of them are listed.
                    return site, "error", [str(e)]
                ok, hits = recalled(site, before, after)
                return site, "recalled" if ok else "missed", hits
            finally:
                target.write_bytes(original)
                workers.put(w)

        def strip(path):
            w = workers.get()
            target = w / path
            original = target.read_bytes()
            try:
                text, encoding = shimsites.read_source(target)
                mutated, applied, functions = shimsites.strip_all(path, text)
                if not shimsites.still_parses(mutated):
                    return path, len(applied), "invalid"
                target.write_bytes(mutated.encode(encoding))
                try:
                    after = run_check(binary, w, paths)
                except (CheckFailed, subprocess.TimeoutExpired):
                    return path, len(applied), "error"
                hits = strip_flagged(path, applied, functions, before, after)
                return path, len(applied), "flagged" if hits else "silent"
            finally:
                target.write_bytes(original)
                workers.put(w)

        # Files with two or more shims are also stripped of all of them at
        # once: propagation can erase a mistake that one removal shows.
        per_file = collections.Counter(s.path for s in sites)
        multi = sorted(p for p, n in per_file.items() if n >= 2)
        with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
            outcomes = list(pool.map(one, sites))
            strips = list(pool.map(strip, multi))

    right, wrong, missing, breaking = judge(name, before, annotations)
    known = (bugs or {}).get(name, [])
    seen = bugs_reported(known, before)
    result.update(
        stripped=[{"file": p, "shims": n, "outcome": o}
                  for p, n, o in strips],
        bugs=[{"file": f, "line": ln, "reason": why, "reported": ok}
              for (f, ln, why, _), ok in zip(known, seen)],
        breaking_fixes=len(breaking),
        files=sum(1 for p in paths for f in ((src / p).rglob("*.py")
                                              if (src / p).is_dir()
                                              else [src / p])),
        findings=[f._asdict() for f in before],
        right=len(right), wrong=len(wrong),
        unannotated=[f._asdict() for f in missing],
        sites=len(sites),
        mutants=[{"site": s.id, "kind": s.kind, "shim": s.shim,
                  "mutation": s.describe(), "outcome": o,
                  "benign": (name, s.id) in (benign or {}),
                  "hits": [h._asdict() for h in hits] if o != "error"
                  else [], "error": hits[0] if o == "error" else None}
                 for s, o, hits in outcomes])
    n_rec = sum(1 for _, o, _ in outcomes if o == "recalled")
    n_valid = sum(1 for _, o, _ in outcomes if o != "invalid")
    result["recalled"] = n_rec
    result["valid"] = n_valid
    result["errors"] = sum(1 for _, o, _ in outcomes if o == "error")
    # Confirmed-benign mutants (correct code): the second recall figure
    # leaves them out of both counts.
    result["benign"] = sum(1 for s, o, _ in outcomes
                           if o != "invalid" and (name, s.id) in
                           (benign or {}))
    result["benign_recalled"] = sum(1 for s, o, _ in outcomes
                                    if o == "recalled" and (name, s.id) in
                                    (benign or {}))
    log(f"{name}: {len(before)} findings ({len(right)} right, {len(wrong)} "
        f"wrong, {len(missing)} unannotated); seeded {n_rec}/{n_valid} "
        f"recalled" + (f", check FAILED on {result['errors']} mutants"
                       if result["errors"] else ""))
    return result


# --- reporting ------------------------------------------------------------

def pct(num, den):
    return f"{100.0 * num / den:.0f}%" if den else "n/a"


def totals(results):
    t = collections.Counter()
    for r in results:
        t["files"] += r["files"]
        t["findings"] += len(r["findings"])
        t["right"] += r["right"]
        t["wrong"] += r["wrong"]
        t["unannotated"] += len(r["unannotated"])
        t["breaking"] += r.get("breaking_fixes", 0)
        t["bugs"] += len(r.get("bugs", []))
        t["strips"] += len(r.get("stripped", []))
        t["strips_flagged"] += sum(x["outcome"] == "flagged"
                                   for x in r.get("stripped", []))
        t["bugs_reported"] += sum(b["reported"] for b in r.get("bugs", []))
        t["valid"] += r["valid"]
        t["recalled"] += r["recalled"]
        t["benign"] += r.get("benign", 0)
        t["benign_recalled"] += r.get("benign_recalled", 0)
        t["benign_known"] += "benign" in r
    return t


def excl_benign(rec, valid, r):
    """Recall leaving out confirmed-benign mutants, or "" for a record
    made before they were recorded."""
    if r is None:
        return ""
    num, den = rec - r.get("benign_recalled", 0), valid - r.get("benign", 0)
    return f"{num}/{den} ({pct(num, den)})"


def table(results):
    lines = [
        "| project | files | shim sites | seeded recall | findings "
        "| right | wrong | unannotated | precision | fixes that break code "
        "| known real bugs reported | files stripped of all shims: flagged "
        "| seeded recall without confirmed-benign mutants |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results + [None]:
        if r is None:
            t = totals(results)
            name, files, valid, rec = ("**total**", t["files"], t["valid"],
                                       t["recalled"])
            nf, right, wrong, un = (t["findings"], t["right"], t["wrong"],
                                    t["unannotated"])
            brk = t["breaking"]
            nb, nbr = t["bugs"], t["bugs_reported"]
            ns, nsf = t["strips"], t["strips_flagged"]
            known = t if t["benign_known"] else None
        else:
            name, files, valid, rec = (r["project"], r["files"], r["valid"],
                                       r["recalled"])
            nf, right, wrong, un = (len(r["findings"]), r["right"],
                                    r["wrong"], len(r["unannotated"]))
            brk = r.get("breaking_fixes", 0)
            nb = len(r.get("bugs", []))
            nbr = sum(b["reported"] for b in r.get("bugs", []))
            ns = len(r.get("stripped", []))
            nsf = sum(x["outcome"] == "flagged" for x in r.get("stripped", []))
            known = r if "benign" in r else None
        lines.append(
            f"| {name} | {files} | {valid} | {rec}/{valid} "
            f"({pct(rec, valid)}) | {nf} | {right} | {wrong} | {un} | "
            f"{pct(right, right + wrong)} | {brk} | "
            f"{f'{nbr}/{nb}' if nb else ''} | "
            f"{f'{nsf}/{ns}' if ns else ''} | "
            f"{excl_benign(rec, valid, known)} |")
    return "\n".join(lines)


def missed_by_shim(results):
    c = collections.Counter()
    tot = collections.Counter()
    for r in results:
        for m in r["mutants"]:
            if m["outcome"] == "invalid":
                continue
            key = f"{m['kind']} `{m['shim']}`"
            tot[key] += 1
            if m["outcome"] == "recalled":
                c[key] += 1
    return ", ".join(f"{k} {c[k]}/{tot[k]}" for k in sorted(tot))


def render_doc_section(recorded):
    out = [BEGIN, "", "## Real code: seeded recall and precision", "",
           "Produced by `bench/gen/seeded.py --record --write-doc` on the "
           "corpus of `bench/gen/corpus.toml` (public projects that use "
           "trio-asyncio, pinned by commit or sdist hash; "
           "`bench/gen/corpus.py fetch` materialises them, see "
           "`bench/gen/README.md`). *Seeded recall*: each trio-asyncio shim "
           "in that code is removed, one at a time, and the mutant counts "
           "as recalled when `check` reports a new finding that points at "
           "it (same file and line span, or naming the function; the exact "
           "rule is in `bench/gen/seeded.py`). *Precision*: every finding "
           "on the unmutated corpus is read by hand and judged in "
           "`bench/gen/annotations.toml`; precision is right / judged. "
           "*Known real bugs*: crossings without a working shim that "
           "reading the unmutated code found (`[[bug]]` in the same file), "
           "and how many of them get a finding on their line. *Files "
           "stripped*: each file with two or more shims loses all of them "
           "at once, and counts as flagged when a new finding appears in "
           "it. *Without confirmed-benign mutants*: the same recall "
           "leaving out the mutants that reading the code showed to be "
           "correct code (`[[benign]]` in the annotations, each with its "
           "reason; blank for records made before they were kept). "
           "Goals (issue 8): recall >= 90%, precision >= 90%.", ""]
    out += ["| project | source | checked | what |", "|---|---|---|---|"]
    for p in corpus.load_manifest():
        if p["source"] == "git":
            src = f"`{p['repository']}` @ `{p['commit'][:12]}`"
        else:
            src = (f"PyPI `{p['package']}` {p['version']} sdist "
                   f"(sha256 `{p['sha256'][:12]}`…)")
        checked = ", ".join(f"`{x}`" for x in p["paths"])
        out.append(f"| {p['name']} | {src} | {checked} | "
                   f"{p.get('about', '')} |")
    out.append("")
    for label in recorded:
        rec = recorded[label]
        out += [f"### {label}", "",
                f"* binary: {rec['binary']}; measured {rec['date']}", ""]
        out.append(table(rec["results"]))
        out += ["", f"* recall by shim form: "
                    f"{missed_by_shim(rec['results'])}", ""]
    # Hand-written analysis of what is still missed, kept with the figures.
    if NOTES.exists():
        out += [NOTES.read_text().rstrip("\n"), ""]
    out.append(END)
    return "\n".join(out) + "\n"


def write_doc(recorded, path=DOC):
    text = path.read_text() if path.exists() else ""
    section = render_doc_section(recorded)
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + section + tail.lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def binary_description(binary, built_from=None):
    """The version the binary reports and the commit it was built from
    (given, or the checkout the binary lies in)."""
    try:
        ver = subprocess.run([binary, "version"], capture_output=True,
                             text=True, timeout=30).stdout.strip()
    except OSError:
        ver = ""
    commit = built_from
    if not commit:
        try:
            commit = subprocess.run(
                ["git", "-C", os.path.dirname(binary), "rev-parse",
                 "--short", "HEAD"],
                capture_output=True, text=True, timeout=30).stdout.strip()
        except OSError:
            pass
    return f"{ver or '?'}, built from {commit or 'an unknown commit'}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="default: $TRIOAIO_CORPUS or "
                    "build/corpus")
    ap.add_argument("--binary", default=None,
                    help="default: $TRIOAIO_GEN or build/gen/trioaio-gen")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--only", help="comma-separated project names")
    ap.add_argument("--label", default="current")
    ap.add_argument("--record", action="store_true",
                    help=f"store the figures under --label in {RESULTS.name}")
    ap.add_argument("--write-doc", action="store_true",
                    help="render the recorded labels into "
                    "docs/generator-performance.md")
    ap.add_argument("--built-from", help="the commit the binary was built "
                    "from, for the record (default: the binary's checkout)")
    ap.add_argument("--details", help="write every finding and mutant "
                    "outcome as JSON to this file")
    ap.add_argument("--show-missed", action="store_true",
                    help="print each mutant that was not recalled")
    args = ap.parse_args(argv)
    if args.jobs > 2:
        ap.error("-j is at most 2: the machine is shared")
    if args.write_doc and not args.record:
        # Only re-render what is recorded: no corpus or binary needed.
        recorded = json.loads(RESULTS.read_text()) if RESULTS.exists() \
            else {}
        if not recorded:
            print("seeded: nothing recorded yet: use --record",
                  file=sys.stderr)
            return 2
        write_doc(recorded)
        return 0
    corpus_dir = pathlib.Path(args.corpus) if args.corpus \
        else corpus.default_dest()
    binary = os.path.abspath(args.binary or default_binary())
    if not os.access(binary, os.X_OK):
        print(f"seeded: {binary} is missing: run `make gen-build` or pass "
              f"--binary", file=sys.stderr)
        return 2
    projects = corpus.load_manifest()
    if args.only:
        names = set(args.only.split(","))
        projects = [p for p in projects if p["name"] in names]
    have = corpus.present(projects, corpus_dir)
    for p in projects:
        if p not in have:
            print(f"seeded: {p['name']} is not in {corpus_dir} (run "
                  f"`python bench/gen/corpus.py fetch`)", file=sys.stderr)
    if not have:
        print(f"seeded: no corpus in {corpus_dir}", file=sys.stderr)
        return 2
    annotations = load_annotations()
    bugs = load_bugs()
    benign = load_benign()
    results = []
    try:
        for p in have:
            results.append(evaluate_project(p, corpus_dir, binary,
                                            args.jobs, annotations,
                                            bugs=bugs, benign=benign))
    except (CheckFailed, subprocess.TimeoutExpired) as e:
        print(f"seeded: {e}", file=sys.stderr)
        return 2
    print(table(results))
    unannotated = [(r["project"], f) for r in results
                   for f in r["unannotated"]]
    if unannotated:
        print(f"\n{len(unannotated)} findings have no annotation in "
              f"{ANNOTATIONS.relative_to(ROOT)}:")
        for proj, f in unannotated:
            print(f"  {proj}: {f['file']}:{f['line']}:{f['col']}: "
                  f"{f['code']} {f['message']}")
    errors = [(r["project"], m) for r in results for m in r["mutants"]
              if m["outcome"] == "error"]
    for proj, m in errors:
        print(f"seeded: {proj}: {m['site']} ({m['mutation']}): "
              f"{m['error']}", file=sys.stderr)
    if args.show_missed:
        print("\nmissed mutants:")
        for r in results:
            for m in r["mutants"]:
                if m["outcome"] == "missed":
                    print(f"  {r['project']}: {m['site']}: {m['mutation']}"
                          + (" (confirmed benign)" if m.get("benign")
                             else ""))
    if args.details:
        with open(args.details, "w") as f:
            json.dump(results, f, indent=1)
    if args.record:
        recorded = json.loads(RESULTS.read_text()) if RESULTS.exists() \
            else {}
        recorded[args.label] = {
            "binary": binary_description(binary, args.built_from),
            "date": datetime.datetime.now(datetime.timezone.utc)
            .strftime("%Y-%m-%d %H:%M UTC"),
            "results": [{k: v for k, v in r.items() if k != "findings"}
                        | {"findings": r["findings"]} for r in results],
        }
        RESULTS.write_text(json.dumps(recorded, indent=1) + "\n")
    if args.write_doc:
        recorded = json.loads(RESULTS.read_text()) if RESULTS.exists() \
            else {}
        if not recorded:
            print("seeded: nothing recorded yet: use --record",
                  file=sys.stderr)
            return 2
        write_doc(recorded)
    return 2 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
