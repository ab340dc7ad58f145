#!/usr/bin/env python3
"""Check the machine's standard library with trioaio-gen (make gen-stdlib).

Fails if the tool crashes or exits 2, or if it reports a finding that is not
explained in tests/gen/stdlib-<major>.<minor>.txt (one "path code" per
line, relative to the stdlib, each explained in docs/generator.md).
"""

import json
import pathlib
import subprocess
import sys
import sysconfig
import time

HERE = pathlib.Path(__file__).resolve().parent


def main():
    binary = sys.argv[1]
    stdlib = pathlib.Path(sysconfig.get_paths()["stdlib"])
    t0 = time.perf_counter()
    proc = subprocess.run(
        [binary, "check", "--output-format", "json", str(stdlib)],
        capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        print(proc.stderr)
        sys.exit(f"gen-stdlib: trioaio-gen exited {proc.returncode}")
    found = sorted(
        f"{pathlib.Path(d['filename']).relative_to(stdlib)} {d['code']}"
        for d in json.loads(proc.stdout))
    nfiles = sum(1 for p in stdlib.rglob("*.py")
                 if "site-packages" not in p.parts
                 and "__pycache__" not in p.parts)
    ver = f"{sys.version_info.major}.{sys.version_info.minor}"
    expected_file = HERE / f"stdlib-{ver}.txt"
    print(f"gen-stdlib: {stdlib}: about {nfiles} files in {secs:.2f} s, "
          f"{len(found)} findings, exit {proc.returncode}")
    for line in found:
        print("  " + line)
    if not expected_file.exists():
        print(f"gen-stdlib: no {expected_file.name}; findings not compared")
        return
    expected = sorted(l.strip() for l in expected_file.read_text().split("\n")
                      if l.strip() and not l.startswith("#"))
    unexplained = sorted(set(found) - set(expected))
    if unexplained:
        sys.exit("gen-stdlib: unexplained findings:\n  " +
                 "\n  ".join(unexplained))
    print(f"gen-stdlib: every finding is explained in docs/generator.md "
          f"({expected_file.name})")


if __name__ == "__main__":
    main()
