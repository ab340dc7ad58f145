#!/bin/sh
# Run the runtime and example tests under other Python interpreters, each
# in a venv of its own under build/matrix/ with the Trio that
# requirements-dev.txt picks for it (Trio 0.22 does not import on 3.13+).
#
#   PYTHONS="/usr/bin/python3.12 /opt/py314/bin/python3.14" sh scripts/test-matrix.sh
#
# Not part of `make test`: a fresh machine has one interpreter.  System
# packages come from `make deps`.
set -eu
: "${PYTHONS:?set PYTHONS to the interpreters to test, e.g. PYTHONS=python3.12}"
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for py in $PYTHONS; do
    version=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])') || {
        echo "matrix: cannot run $py; give a path to a Python interpreter" >&2
        exit 2
    }
    venv="$root/build/matrix/py$version"
    echo "== Python $version ($py)"
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
        setuptools wheel -r "$root/requirements-dev.txt"
    # Not editable: the source tree's trioaio/_core*.so is built for the
    # main interpreter.
    (cd "$root" && "$venv/bin/python" -m pip install -q \
        --disable-pip-version-check --no-build-isolation --no-deps .)
    "$venv/bin/python" -c 'import sys, trio; print("trio", trio.__version__, "on", sys.version.split()[0])'
    # From a directory outside the tree, so `import trioaio` finds the
    # installed package, not runtime/trioaio.
    (cd "$root/build/matrix" && "$venv/bin/python" -m pytest -q \
        -p no:cacheprovider --rootdir="$root" "$root/tests/runtime" \
        "$root/examples") || status=1
done
exit $status
