#!/bin/sh
# Run every suite under several Python interpreters and Trio versions, each
# entry in a venv of its own under build/matrix/:
#   - trioaio's runtime and example tests,
#   - trio-asyncio 0.16's own suite and CPython's asyncio suite against the
#     sync loop (tests/compat/compat.mk; MATRIX_COMPAT=0 skips both).
#
#   PYTHONS="3.11 3.11:oldest 3.12 /opt/py/bin/python3.14" sh scripts/test-matrix.sh
#
# An entry is an interpreter (a command or path; a bare version X.Y means
# pythonX.Y on PATH, else pyenv's newest X.Y), optionally followed by
# ":<trio version>" or ":oldest" (the floor of `trio>=` in pyproject.toml);
# without one, the entry gets the Trio that requirements-dev.txt picks (the
# newest).  A
# table of the results (passed/failed/skipped per suite) is printed at the
# end and written to build/matrix/results.md.
#
# Not part of `make test`: a fresh machine may have one interpreter.  System
# packages come from `make deps`.
set -eu
: "${PYTHONS:?set PYTHONS to the interpreters to test, e.g. PYTHONS=python3.12}"
root=$(cd "$(dirname "$0")/.." && pwd)
matrix="$root/build/matrix"
mkdir -p "$matrix"
results="$matrix/results.md"
pip_q="-q --disable-pip-version-check"

# The Trio floor that pyproject.toml declares, e.g. 0.22.1.
oldest_trio() {
    sed -n 's/^ *"trio>=\([0-9.]*\)".*/\1/p' "$root/pyproject.toml"
}

# "N passed, N failed, N skipped" from a pytest log's closing line (or from
# the compat plugin's line for one part of the run, given as $2).
counts() {
    if [ -n "${2:-}" ]; then
        line=$(grep -F "$2" "$1" | tail -n 1)
    else
        line=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error|skipped)' "$1" |
            tail -n 1)
    fi
    [ -n "$line" ] || { echo "did not run"; return; }
    p=$(echo "$line" | grep -oE '[0-9]+ passed' | cut -d' ' -f1)
    f=$(echo "$line" | grep -oE '[0-9]+ (failed|error)' |
        awk '{s += $1} END {print s + 0}')
    s=$(echo "$line" | grep -oE '[0-9]+ skipped' | cut -d' ' -f1)
    echo "${p:-0}/${f:-0}/${s:-0}"
}

# An interpreter for an entry's first part (see above), or nothing.
interpreter() {
    case $1 in
    [0-9]*.[0-9]*)
        set -- "python$1" $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}/versions/$1".*/bin/python \
            2>/dev/null | sort -t. -k3 -n -r) ;;
    esac
    for candidate in "$@"; do
        if "$candidate" -c '' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
}

status=0
printf '| Python | Trio | runtime tests | trio-asyncio suite | CPython suite |\n' >"$results"
printf '|---|---|---|---|---|\n' >>"$results"
for entry in $PYTHONS; do
    want=${entry%%:*}
    trio=""
    [ "$want" = "$entry" ] || trio=${entry#*:}
    [ "$trio" != oldest ] || trio=$(oldest_trio)
    py=$(interpreter "$want")
    [ -n "$py" ] || {
        echo "matrix: cannot run Python $want; give a path to an interpreter" >&2
        exit 2
    }
    version=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    name="py$version${trio:+-trio$trio}"
    venv="$matrix/$name"
    echo "== Python $version ($py)${trio:+, Trio $trio}"
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
    if [ -n "$trio" ]; then
        # requirements-dev.txt's Trio floor would conflict with the pin.
        grep -v '^trio[<>=]' "$root/requirements-dev.txt" >"$venv/requirements.txt"
        set -- "trio==$trio"
    else
        cp "$root/requirements-dev.txt" "$venv/requirements.txt"
        set --
    fi
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pip install $pip_q setuptools wheel \
        -r "$venv/requirements.txt" "$@"
    # Not editable: the source tree's trioaio/_core*.so is built for the
    # main interpreter.
    # shellcheck disable=SC2086
    (cd "$root" && "$venv/bin/python" -m pip install $pip_q \
        --no-build-isolation --no-deps .)
    trio_version=$("$venv/bin/python" -c 'import trio; print(trio.__version__)')
    echo "trio $trio_version on $("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])')"
    # From a directory outside the tree, so `import trioaio` finds the
    # installed package, not runtime/trioaio.
    (cd "$matrix" && "$venv/bin/python" -m pytest -q -p no:cacheprovider \
        --rootdir="$root" "$root/tests/runtime" "$root/examples") \
        >"$venv/runtime.log" 2>&1 || status=1
    tail -n 1 "$venv/runtime.log"
    compat="not run"
    cpython="not run"
    if [ "${MATRIX_COMPAT:-1}" = 1 ]; then
        make --no-print-directory -f "$root/tests/compat/compat.mk" \
            PYTHON="$venv/bin/python" >"$venv/compat.log" 2>&1 || status=1
        tail -n 1 "$venv/compat.log"
        compat=$(counts "$venv/compat.log" "compat: trio-asyncio's suite:")
        cpython=$(counts "$venv/compat.log" "compat: CPython's asyncio suite:")
    fi
    printf '| %s | %s | %s | %s | %s |\n' \
        "$("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])')" \
        "$trio_version" "$(counts "$venv/runtime.log")" "$compat" "$cpython" \
        >>"$results"
done
echo
echo "passed/failed/skipped (logs in build/matrix/<entry>/):"
cat "$results"
exit $status
