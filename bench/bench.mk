# The loop benchmarks: bench/workloads.py run by bench/run.py, turned into
# docs/performance.md (and docs/performance.svg) by bench/report.py.
# Everything needed is in this repository.
#
#   make bench [REPS=5] [SCALE=1.0] [WORKLOADS="call_soon ..."]
#              [BACKENDS="asyncio uvloop trio_asyncio trioaio"]
#              [SKIP_CALLGRIND=1] [CG_WORKLOADS="call_soon tcp_echo ..."]
#              [SKIP_SYNC=1] [NOTE="..."]
#   make bench-quick      # REPS=1, a twentieth of the sizes; docs untouched
#   make bench-reference  # ../shared/bench's loopbench, if it is there
#
# A run stays in bench/results/<timestamp>/.  Only `make bench` with its
# defaults rewrites docs/; any other size or count is written to the run's
# own directory (performance.md there), so quick figures never pass for
# real ones.  NOTE adds a line to the report (say, "loaded machine").

PYTHON ?= python3
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
BACKENDS ?= asyncio uvloop trio_asyncio trioaio
CG_BACKENDS ?= $(filter-out trio_asyncio,$(BACKENDS))
# Instructions per operation (callgrind) for these; aiohttp_wrk runs for a
# time, not a count, so it has none.  With WORKLOADS, those of them.
CG_DEFAULT := call_soon cross_t2a tcp_echo aiohttp unix_echo udp_echo \
	pipe_echo tls_echo streams_echo asyncpg
CG_WORKLOADS ?= $(if $(strip $(WORKLOADS)),$(filter $(CG_DEFAULT),$(WORKLOADS)),$(CG_DEFAULT))
REPS ?= 5
SCALE ?= 1.0
WORKLOADS ?=
NOTE ?=
STAMP := $(shell date +%Y%m%d-%H%M%S)
OUT ?= $(ROOT)/bench/results/$(STAMP)
# callgrind needs valgrind; without it, that part is left out.
SKIP_CALLGRIND ?= $(if $(shell command -v valgrind),,1)
SKIP_SYNC ?=
# The interpreter itself, not a wrapper script (pyenv shims are shell
# scripts, and valgrind would measure the shell).
PY_EXE := $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
# Full runs write the docs; others write into their own directory.
FULL := $(and $(filter 5,$(REPS)),$(filter 1.0,$(SCALE)),$(if $(WORKLOADS),,1))
DOC_MD ?= $(if $(FULL),$(ROOT)/docs/performance.md,$(OUT)/performance.md)
DOC_SVG ?= $(if $(FULL),$(ROOT)/docs/performance.svg,$(OUT)/performance.svg)
SHARED_BENCH ?= $(abspath $(ROOT)/../shared/bench)

.PHONY: bench bench-quick bench-reference report
bench:
	$(PY_EXE) $(ROOT)/bench/run.py all --out "$(OUT)" --reps $(REPS) \
		--scale $(SCALE) --backends "$(BACKENDS)" \
		$(if $(strip $(WORKLOADS)),--workloads "$(WORKLOADS)") \
		$(if $(SKIP_SYNC),--no-sync)
	$(if $(SKIP_CALLGRIND),,for w in $(CG_WORKLOADS); do \
		$(PY_EXE) $(ROOT)/bench/run.py callgrind --out "$(OUT)" \
		--workload $$w --backends "$(CG_BACKENDS)" || exit 1; done)
	$(MAKE) --no-print-directory -f $(lastword $(MAKEFILE_LIST)) report \
		OUT="$(OUT)" PYTHON=$(PYTHON) REPS=$(REPS) SCALE=$(SCALE) \
		DOC_MD="$(DOC_MD)" DOC_SVG="$(DOC_SVG)" NOTE="$(NOTE)"

bench-quick:
	$(MAKE) --no-print-directory -f $(lastword $(MAKEFILE_LIST)) bench \
		PYTHON=$(PYTHON) REPS=1 SCALE=0.05 SKIP_CALLGRIND=1 \
		NOTE="quick run (REPS=1, sizes x0.05): for development, not for the record"

# Re-render a run's report: make -f bench/bench.mk report OUT=...
report:
	$(PYTHON) $(ROOT)/bench/report.py "$(OUT)" --reps $(REPS) \
		--scale $(SCALE) --md "$(DOC_MD)" --svg "$(DOC_SVG)" \
		$(if $(strip $(NOTE)),--note "$(NOTE)")
	@echo "wrote $(DOC_MD) and $(DOC_SVG) from $(OUT)"

# The outside reference (not part of the project): loopbench from
# ../shared/bench, with trioaio as one of its backends; results in OUT.
bench-reference:
	@test -f "$(SHARED_BENCH)/run_all.sh" || { echo "bench-reference: \
	no $(SHARED_BENCH)/run_all.sh; it is an optional outside reference, \
	set SHARED_BENCH=DIR to use one elsewhere" >&2; exit 2; }
	mkdir -p "$(OUT)"
	PY="$(PY_EXE)" BACKENDS="$(BACKENDS)" REPS=$(REPS) OUT="$(OUT)" \
		$(if $(SKIP_CALLGRIND),SKIP_CALLGRIND=1) SKIP_PROFILE=1 \
		bash "$(SHARED_BENCH)/run_all.sh"
