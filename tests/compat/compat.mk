# make -f tests/compat/compat.mk PYTHON=python3 [COMPAT_IMPL=trio_asyncio]
#
# Run trio-asyncio 0.16.0's own test suite (from its PyPI sdist) against
# trioaio, seen under the name trio_asyncio through the meta-path alias in
# tests/compat/trioaio_alias.py.  COMPAT_IMPL=trio_asyncio runs the same
# harness against the real package instead, to check the plumbing.
# The run includes CPython's own asyncio suite (the conftest maps it into
# tests/python; ~2,400 tests, ~3 minutes) against the synchronous loop.
# Exclusions (with reasons) are in tests/compat/exclusions.txt;
# COMPAT_INCLUDE=<category> runs a category anyway, COMPAT_TESTS picks what
# to run.

PYTHON ?= python3
COMPAT_IMPL ?= trioaio
PYTEST_ARGS ?= -q -rfEs --continue-on-collection-errors
COMPAT_TESTS ?= tests
COMPAT_INCLUDE ?=
# The upstream suite has no per-test timeout; bound the whole run.
COMPAT_TIMEOUT ?= 900

VERSION := 0.16.0
SHA256 := 9f4e80aa344555548bf440e0f43072743aac1b3a538ebe3994f52363b7752d6f
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
BUILD := $(ROOT)/build/compat
SDIST := $(BUILD)/dl/trio_asyncio-$(VERSION).tar.gz
SRC := $(BUILD)/trio_asyncio-$(VERSION)

.PHONY: test-compat check-alias download clean-compat
test-compat: check-alias $(SRC)/.unpacked
	cd $(SRC) && \
	PYTHONPATH=$(ROOT)/tests/compat$${PYTHONPATH:+:$$PYTHONPATH} \
	COMPAT_IMPL=$(COMPAT_IMPL) COMPAT_INCLUDE=$(COMPAT_INCLUDE) \
	timeout $(COMPAT_TIMEOUT) $(PYTHON) -m pytest -p trioaio_alias -p no:cacheprovider \
		$(PYTEST_ARGS) $(COMPAT_TESTS)

# The harness's own tests (the alias finder, the guard, exclusions.txt).
check-alias:
	cd $(ROOT) && $(PYTHON) -m pytest -q -p no:cacheprovider \
		tests/compat/test_trioaio_alias.py

download: $(SDIST)

# pip fetches the sdist from the package registry; the hash pins the bytes.
$(SDIST):
	mkdir -p $(BUILD)/dl
	$(PYTHON) -m pip download -q --disable-pip-version-check --no-deps \
		--no-binary :all: -d $(BUILD)/dl trio-asyncio==$(VERSION)
	echo "$(SHA256)  $@" | sha256sum -c -

# Unpack, then drop the package's own sources: the tests must import
# trio_asyncio through the alias (or, with COMPAT_IMPL=trio_asyncio, from
# site-packages), never from this directory.
$(SRC)/.unpacked: $(SDIST)
	echo "$(SHA256)  $<" | sha256sum -c -
	rm -rf $(SRC)
	tar -xzf $< -C $(BUILD)
	rm -rf $(SRC)/trio_asyncio
	touch $@

clean-compat:
	rm -rf $(BUILD)
