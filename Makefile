# One entry point.  `make` / `make all` builds and installs nothing: it
# never runs apt-get, sudo or pip install -r, and says what is missing and
# how to get it.  `make deps` installs the Debian and Python packages that
# requirements-dev.txt lists (scripts/install-deps.sh); `make test`,
# `make demo` and the other test targets do that first, so they work on a
# fresh machine.
PYTHON ?= python3
PYTEST = $(PYTHON) -m pytest
CC ?= cc
export PIP_DISABLE_PIP_VERSION_CHECK = 1

C_SOURCES = $(wildcard runtime/src/*.c runtime/src/*.h)

.PHONY: all deps check-deps build test test-c test-py test-format \
	test-install test-stress test-compat test-wheel bench bench-deps bench-quick bench-reference \
	test-matrix coverage demo asan clean format

# Goals that only build (or clean): everything else installs first.
BUILD_ONLY_GOALS := all build check-deps gen-build clean gen-clean format
ifeq ($(filter-out $(BUILD_ONLY_GOALS),$(or $(MAKECMDGOALS),all)),)
DEPS :=
else
DEPS := deps
endif

all: build

# One stamp per interpreter, so that `make test PYTHON=...` installs into
# the interpreter it runs.
DEPS_STAMP := build/.deps-$(shell $(PYTHON) -c \
	'import sys, hashlib; print(hashlib.sha1(sys.prefix.encode()).hexdigest()[:12])' \
	2>/dev/null)
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh requirements-dev.txt
	PYTHON=$(PYTHON) sh scripts/install-deps.sh
	mkdir -p build && touch $@

check-deps:
	@PYTHON=$(PYTHON) sh scripts/install-deps.sh --check

# The extension is built in place (editable install), so tests run the tree.
# Per interpreter too: a stamp left by another PYTHON would skip the
# editable install, and the tests would import whatever tree (or none)
# this interpreter had installed.
EXT_STAMP := $(subst .deps-,.ext-,$(DEPS_STAMP))
build: $(EXT_STAMP)
$(EXT_STAMP): $(C_SOURCES) setup.py pyproject.toml | $(DEPS)
	@PYTHON=$(PYTHON) sh scripts/install-deps.sh --check
	$(PYTHON) -m pip install -q --no-build-isolation -e .
	mkdir -p build && touch $@

test: build test-format test-c test-py test-install gen-test-if-present

test-py: build
	$(PYTEST) -q tests/runtime examples

# Only the transport stress tests (part of test-py too): 10,000
# connections, a 1 GiB transfer, on every loop.  Sizes:
# TRIOAIO_STRESS_CONNECTIONS, TRIOAIO_STRESS_BYTES.
test-stress: build
	$(PYTEST) -q -m stress tests/runtime

# The installer and the make targets' install behaviour (stubbed apt-get).
test-install: $(DEPS)
	$(PYTEST) -q tests/install

test-c: $(DEPS)
	$(MAKE) --no-print-directory -C tests/c CC=$(CC)

test-format: $(DEPS)
	clang-format --dry-run --Werror runtime/src/*.c runtime/src/*.h \
		tests/c/*.c

format:
	clang-format -i runtime/src/*.c runtime/src/*.h tests/c/*.c

test-compat: build
	$(MAKE) --no-print-directory -f tests/compat/compat.mk PYTHON=$(PYTHON)

# Every suite (runtime, trio-asyncio's, CPython's asyncio suite) under each
# supported Python with the newest Trio, and under the oldest Trio that
# pyproject.toml allows; see scripts/test-matrix.sh for the entry syntax.
PYTHONS ?= 3.11 3.11:oldest 3.12 3.13
test-matrix: $(DEPS)
	PYTHONS="$(PYTHONS)" sh scripts/test-matrix.sh

# The whole pytest suite under ASan/UBSan, with the debug build that counts
# live handles.
asan: build
	sh scripts/asan.sh

# Line and branch coverage of the Python package and the C code, from
# instrumented builds under build/coverage/ (the in-place build stays as
# it is).  COVERAGE_COMPAT=1 adds the slow compat run.  HTML:
# build/coverage/index.html; summary: docs/coverage.md.
coverage: build
	PYTHON=$(PYTHON) COVERAGE_COMPAT=$(COVERAGE_COMPAT) sh scripts/coverage.sh

# The benchmarks' Debian packages (# debian-bench: PostgreSQL, wrk,
# valgrind) are installed by the bench targets only.
bench-deps:
	PYTHON=$(PYTHON) sh scripts/install-deps.sh --bench

bench: build bench-deps
	$(MAKE) --no-print-directory -f bench/bench.mk bench PYTHON=$(PYTHON)

bench-quick: build bench-deps
	$(MAKE) --no-print-directory -f bench/bench.mk bench-quick PYTHON=$(PYTHON)

# ../shared/bench's loopbench, an optional outside reference.
bench-reference: build
	$(MAKE) --no-print-directory -f bench/bench.mk bench-reference \
		PYTHON=$(PYTHON)

demo: build
	$(PYTHON) examples/demo.py
	$(MAKE) --no-print-directory gen-demo-if-present

# The plain-install path: sdist and wheel from a clean clone of HEAD, the
# wheel in a new venv, the examples and trioaio-gen run against it from
# outside the tree.
test-wheel: $(DEPS)
	PYTHON=$(PYTHON) sh scripts/test-wheel.sh

clean: gen-clean-if-present
	rm -rf build runtime/trioaio/*.so runtime/*.egg-info
	$(MAKE) --no-print-directory -C tests/c clean

# The generator lives in codegen/ with its own make fragment.
-include codegen/gen.mk
ifneq ($(wildcard codegen/gen.mk),)
gen-test-if-present: gen-test
gen-demo-if-present: gen-demo
gen-clean-if-present: gen-clean
else
gen-test-if-present gen-demo-if-present gen-clean-if-present:
	@:
endif
.PHONY: gen-test-if-present gen-demo-if-present gen-clean-if-present
