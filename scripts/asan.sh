#!/bin/sh
# The pytest suite against an ASan/UBSan build of the C core.  CPython itself
# is not instrumented, so the sanitizer runtimes are preloaded; leak checking
# is off because CPython does not free everything at exit (the live-object
# counters in tests/runtime/test_core_counters.py check our own objects).
set -eu
PYTHON=${PYTHON:-python3}
TRIOAIO_DEBUG=1 TRIOAIO_SANITIZE=address,undefined \
    "$PYTHON" setup.py -q build_ext --inplace --force
preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
status=0
LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$PYTHON" -m pytest -q -p no:cacheprovider tests/runtime || status=$?
# Put the optimised build back for everything else.
"$PYTHON" setup.py -q build_ext --inplace --force
exit $status
