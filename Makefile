# One entry point.  `make demo` and `make test` work on a fresh machine:
# both install what they need first (see scripts/install-deps.sh).
PYTHON ?= python3
PYTEST = $(PYTHON) -m pytest
CC ?= cc
export PIP_DISABLE_PIP_VERSION_CHECK = 1

C_SOURCES = $(wildcard runtime/src/*.c runtime/src/*.h)

.PHONY: all deps build test test-c test-py test-format test-compat bench \
	bench-quick bench-reference \
	test-matrix coverage \
	demo asan clean format

all: build

deps: build/.deps-stamp
build/.deps-stamp: scripts/install-deps.sh requirements-dev.txt
	PYTHON=$(PYTHON) sh scripts/install-deps.sh
	$(MAKE) --no-print-directory gen-deps-if-present
	mkdir -p build && touch $@

# The extension is built in place (editable install), so tests run the tree.
build: deps build/.ext-stamp
build/.ext-stamp: $(C_SOURCES) setup.py pyproject.toml
	$(PYTHON) -m pip install -q --no-build-isolation -e .
	touch $@

test: build test-format test-c test-py gen-test-if-present

test-py: build
	$(PYTEST) -q tests/runtime examples

test-c: deps
	$(MAKE) --no-print-directory -C tests/c CC=$(CC)

test-format: deps
	clang-format --dry-run --Werror runtime/src/*.c runtime/src/*.h \
		tests/c/*.c

format:
	clang-format -i runtime/src/*.c runtime/src/*.h tests/c/*.c

test-compat: build
	$(MAKE) --no-print-directory -f tests/compat/compat.mk PYTHON=$(PYTHON)

# The runtime tests under other interpreters: make test-matrix PYTHONS="..."
test-matrix: deps
	PYTHONS="$(PYTHONS)" sh scripts/test-matrix.sh

# The whole pytest suite under ASan/UBSan, with the debug build that counts
# live handles.
asan: deps
	sh scripts/asan.sh

# Line and branch coverage of the Python package and the C code, from
# instrumented builds under build/coverage/ (the in-place build stays as
# it is).  COVERAGE_COMPAT=1 adds the slow compat run.  HTML:
# build/coverage/index.html; summary: docs/coverage.md.
coverage: build
	PYTHON=$(PYTHON) COVERAGE_COMPAT=$(COVERAGE_COMPAT) sh scripts/coverage.sh

bench: build
	$(MAKE) --no-print-directory -f bench/bench.mk bench PYTHON=$(PYTHON)

bench-quick: build
	$(MAKE) --no-print-directory -f bench/bench.mk bench-quick PYTHON=$(PYTHON)

# ../shared/bench's loopbench, an optional outside reference.
bench-reference: build
	$(MAKE) --no-print-directory -f bench/bench.mk bench-reference \
		PYTHON=$(PYTHON)

demo: build
	$(PYTHON) examples/demo.py
	$(MAKE) --no-print-directory gen-demo-if-present

clean: gen-clean-if-present
	rm -rf build runtime/trioaio/*.so runtime/*.egg-info
	$(MAKE) --no-print-directory -C tests/c clean

# The generator lives in codegen/ with its own make fragment.
-include codegen/gen.mk
ifneq ($(wildcard codegen/gen.mk),)
gen-deps-if-present: gen-deps
gen-test-if-present: gen-test
gen-demo-if-present: gen-demo
gen-clean-if-present: gen-clean
else
gen-deps-if-present gen-test-if-present gen-demo-if-present gen-clean-if-present:
	@:
endif
.PHONY: gen-deps-if-present gen-test-if-present gen-demo-if-present \
	gen-clean-if-present
