#!/bin/sh
# Line and branch coverage of the Python package (coverage.py) and of the C
# code in runtime/src and codegen (gcc --coverage, reported by gcovr).
#
#   sh scripts/coverage.sh            # runtime, example, generator, C tests
#   COVERAGE_COMPAT=1 sh scripts/coverage.sh   # and `make test-compat` (slow)
#
# The instrumented extension and generator are built under build/coverage/
# and the tests are pointed at them (scripts/coverage-site/sitecustomize.py,
# TRIOAIO_GEN), so the normal in-place build is never touched.  Reports:
# build/coverage/index.html (HTML), the table in docs/coverage.md.
set -eu
PYTHON=${PYTHON:-python3}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/coverage
cd "$root"

if ! "$PYTHON" -c 'import coverage' 2>/dev/null; then
    echo "coverage: coverage.py is missing for $PYTHON; run 'make deps'" \
        "(it is in requirements-dev.txt)" >&2
    exit 2
fi
if ! command -v gcovr >/dev/null 2>&1; then
    echo "coverage: gcovr is missing; install the Debian package gcovr" >&2
    exit 2
fi

# Fresh counters: old .gcda files would add up, or clash with new objects.
rm -rf "$out/data" "$out/python" "$out/c"
mkdir -p "$out/data"
find "$out" -name '*.gcda' -delete 2>/dev/null || :

echo "== building the instrumented C core into $out/ext"
TRIOAIO_COVERAGE=1 "$PYTHON" setup.py -q build_ext --force \
    --build-lib "$out/ext" --build-temp "$out/obj"
core=$(ls "$out"/ext/trioaio/_core*.so)

gen_dirs=""
if [ -f codegen/gen.mk ]; then
    # The normal binary too: the `trioaio-gen` entry point's test runs it.
    make --no-print-directory gen-build PYTHON="$PYTHON" >/dev/null
    echo "== building the instrumented generator into $out/gen"
    # From scratch: make would not notice a change of GEN_CFLAGS.
    rm -rf "$out/gen"
    make --no-print-directory gen-build PYTHON="$PYTHON" \
        GEN_BUILD="$out/gen" GEN_CFLAGS="-O0 -g --coverage -fprofile-update=atomic" >/dev/null
    gen_dirs="$out/gen"
fi

export COVERAGE_PROCESS_START="$root/.coveragerc"
export COVERAGE_FILE="$out/data/.coverage"
export PYTHONPATH="$root/scripts/coverage-site${PYTHONPATH:+:$PYTHONPATH}"
export TRIOAIO_COVERAGE_CORE="$core"
export TRIOAIO_GEN="$out/gen/trioaio-gen"

status=0
step() {
    echo "== $*"
    "$@" || { echo "coverage: FAILED: $*" >&2; status=1; }
}
step "$PYTHON" -m pytest -q -p no:cacheprovider tests/runtime examples
if [ -n "$gen_dirs" ]; then
    step "$PYTHON" -m pytest -q -p no:cacheprovider tests/gen
fi
# The pure-C unit tests, without the sanitizers (they do not mix with gcov).
step make --no-print-directory -C tests/c BUILD="$out/ctest" \
    CFLAGS="-std=c11 -g -O0 -Wall -Wextra -Wno-unused-parameter -I$root/runtime/src --coverage -fprofile-abs-path"
if [ "${COVERAGE_COMPAT:-0}" = 1 ]; then
    step make --no-print-directory -f tests/compat/compat.mk \
        PYTHON="$PYTHON"
fi
unset COVERAGE_PROCESS_START TRIOAIO_COVERAGE_CORE

echo "== Python report"
"$PYTHON" -m coverage combine -q --rcfile=.coveragerc "$out/data"
"$PYTHON" -m coverage report --rcfile=.coveragerc
"$PYTHON" -m coverage html -q --rcfile=.coveragerc -d "$out/python"
"$PYTHON" -m coverage json -q --rcfile=.coveragerc -o "$out/python.json"

echo "== C report"
mkdir -p "$out/c"
gcovr -r "$root" -j 2 --filter 'runtime/src/' --filter 'codegen/' \
    --exclude 'codegen/fuzz\.c' \
    --html-details "$out/c/index.html" --json-summary "$out/c.json" \
    --txt - "$out/obj" $gen_dirs "$out/ctest"

"$PYTHON" scripts/coverage_table.py "$out/python.json" "$out/c.json" \
    docs/coverage.md "$out/index.html"
echo "coverage: HTML in $out/index.html, summary in docs/coverage.md"
exit $status
