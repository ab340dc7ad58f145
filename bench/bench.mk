# make -f bench/bench.mk PYTHON=python3 [REPS=5] [WORKLOADS="call_soon ..."]
#
# Runs ../shared/bench/run_all.sh (loopbench, every backend side by side,
# alternating inside each repetition), then bench/sync_loop.py (the same
# workloads on the synchronous loop against stock asyncio; SKIP_SYNC=1
# skips it), then bench/report.py, which writes docs/performance.md
# (medians, ratios, targets) and docs/performance.svg.
# Results stay in bench/results/<timestamp>/.

PYTHON ?= python3
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
# The shared benchmark lives next to the repository (CI and fresh clones).
SHARED_BENCH ?= $(abspath $(ROOT)/../shared/bench)
BACKENDS ?= asyncio uvloop trio_asyncio trioaio
CG_BACKENDS ?= $(BACKENDS)
REPS ?= 5
# Empty: run_all.sh's full list.
WORKLOADS ?=
STAMP := $(shell date +%Y%m%d-%H%M%S)
OUT ?= $(ROOT)/bench/results/$(STAMP)
# callgrind needs valgrind; without it, skip that part.
SKIP_CALLGRIND ?= $(if $(shell command -v valgrind),,1)
SKIP_PROFILE ?=
SKIP_SYNC ?=
# The interpreter itself, not a wrapper script (pyenv shims are shell
# scripts, and valgrind would measure the shell).
PY_EXE := $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
DOC_MD ?= $(ROOT)/docs/performance.md
DOC_SVG ?= $(ROOT)/docs/performance.svg

.PHONY: bench report
bench:
	@test -f $(SHARED_BENCH)/run_all.sh || \
		{ echo "missing $(SHARED_BENCH)/run_all.sh" >&2; exit 2; }
	mkdir -p $(OUT)
	PY="$(PY_EXE)" BACKENDS="$(BACKENDS)" CG_BACKENDS="$(CG_BACKENDS)" \
	REPS=$(REPS) OUT="$(OUT)" \
	$(if $(strip $(WORKLOADS)),WORKLOADS="$(WORKLOADS)") \
	$(if $(SKIP_CALLGRIND),SKIP_CALLGRIND=1) \
	$(if $(SKIP_PROFILE),SKIP_PROFILE=1) \
		bash $(SHARED_BENCH)/run_all.sh
	$(if $(SKIP_SYNC),,SHARED_BENCH=$(SHARED_BENCH) $(PY_EXE) \
		$(ROOT)/bench/sync_loop.py --reps $(REPS) --out $(OUT))
	$(MAKE) --no-print-directory -f $(lastword $(MAKEFILE_LIST)) report \
		OUT="$(OUT)" PYTHON=$(PYTHON) REPS=$(REPS) \
		DOC_MD="$(DOC_MD)" DOC_SVG="$(DOC_SVG)"

# Re-render the docs from an existing run: make -f bench/bench.mk report OUT=...
report:
	$(PYTHON) $(ROOT)/bench/report.py "$(OUT)" --reps $(REPS) \
		--md $(DOC_MD) --svg $(DOC_SVG)
	@echo "wrote $(DOC_MD) and $(DOC_SVG) from $(OUT)"
