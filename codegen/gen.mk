# trioaio-gen: build, test, fuzz and benchmark targets.
#
# Included from the top-level Makefile.  Every output goes under build/.
# Targets: gen-build gen-test gen-test-update gen-fuzz gen-stdlib bench-gen
#          gen-demo gen-clean gen-asan gen-format-check gen-corpus gen-seeded
# What they need is installed by the top-level `make deps` (one manifest,
# requirements-dev.txt); $(DEPS) is `deps` when the goal installs first.

include grammar/pin.mk

PYTHON ?= python3
GEN_CC ?= cc
GEN_BUILD := build/gen
GEN_GRAMMAR := build/grammar
GEN_BIN := $(GEN_BUILD)/trioaio-gen
GEN_SRCS := $(filter-out codegen/fuzz.c,$(wildcard codegen/*.c))
GEN_HDRS := $(wildcard codegen/*.h)
GEN_TS_A := $(firstword $(wildcard /usr/lib/*/libtree-sitter.a \
                                   /usr/lib/libtree-sitter.a \
                                   /usr/local/lib/libtree-sitter.a))
GEN_CFLAGS ?= -O2 -g
GEN_WARN := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
            -Wstrict-prototypes -Wno-unused-parameter
GEN_CPPFLAGS := -I$(GEN_BUILD) -Icodegen \
                -DGEN_GRAMMAR_VERSION='"$(TSPY_VERSION)"'
# The grammar's own code: tree-sitter's allocator hooks are only in newer
# cores than Debian's, so its headers' ts_malloc & co. become libc's.
GEN_GRAMMAR_CFLAGS := -O2 -g -std=c11 -I$(GEN_GRAMMAR)/src \
    -Dts_malloc=malloc -Dts_calloc=calloc -Dts_realloc=realloc \
    -Dts_free=free -w
GEN_STAMP := $(GEN_GRAMMAR)/.verified-$(TSPY_VERSION)-$(TSCORE_VERSION)
# The build id names the cache's directory (codegen/cache.c): a hash of
# everything that decides what the model stores, so that another build
# never reads this one's per-file facts.
GEN_BUILD_ID := $(shell cat $(sort $(GEN_SRCS) $(GEN_HDRS)) \
    codegen/builtins.inc grammar/facts.scm grammar/pin.mk 2>/dev/null | \
    sha256sum | cut -c1-16)
GEN_ID_FLAG := -DGEN_BUILD_ID='"$(GEN_BUILD_ID)"'

ifeq ($(GEN_TS_A),)
GEN_TS_LIB := $(shell pkg-config --libs tree-sitter 2>/dev/null || \
                      echo -ltree-sitter)
else
GEN_TS_LIB := $(GEN_TS_A)
endif

.PHONY: gen-build gen-test gen-test-update gen-fuzz gen-stdlib bench-gen \
        gen-demo gen-clean gen-asan gen-format-check gen-corpus gen-seeded

gen-build: $(GEN_BIN)

$(GEN_STAMP): grammar/pin.mk grammar/fetch.sh | $(DEPS)
	@PYTHON=$(PYTHON) sh grammar/fetch.sh $(GEN_GRAMMAR) $(TSPY_VERSION) \
	    $(TSPY_SHA256) $(TSCORE_VERSION) $(TSCORE_SHA256) \
	    $(TS_LANGUAGE_VERSION)
	@rm -f $(GEN_GRAMMAR)/.verified-*
	@touch $@

$(GEN_GRAMMAR)/parser.o: $(GEN_STAMP)
	$(GEN_CC) $(GEN_GRAMMAR_CFLAGS) -c $(GEN_GRAMMAR)/src/parser.c -o $@

$(GEN_GRAMMAR)/scanner.o: $(GEN_STAMP)
	$(GEN_CC) $(GEN_GRAMMAR_CFLAGS) -c $(GEN_GRAMMAR)/src/scanner.c -o $@

$(GEN_BUILD)/facts_scm.h: grammar/facts.scm
	@mkdir -p $(GEN_BUILD)
	@{ echo '/* Generated from grammar/facts.scm; do not edit. */'; \
	   echo 'static const char gen_facts_scm[] ='; \
	   sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' \
	       grammar/facts.scm; \
	   echo '    ;'; } > $@.tmp && mv $@.tmp $@

$(GEN_BUILD)/%.o: codegen/%.c $(GEN_HDRS) $(GEN_BUILD)/facts_scm.h
	@mkdir -p $(GEN_BUILD)
	$(GEN_CC) $(GEN_CFLAGS) $(GEN_WARN) $(GEN_CPPFLAGS) -c $< -o $@

$(GEN_BUILD)/cache.o: GEN_CPPFLAGS += $(GEN_ID_FLAG)
$(GEN_BUILD)/cache.o: $(GEN_SRCS) $(GEN_HDRS) grammar/facts.scm grammar/pin.mk

GEN_OBJS := $(patsubst codegen/%.c,$(GEN_BUILD)/%.o,$(GEN_SRCS))
$(GEN_BIN): $(GEN_OBJS) $(GEN_GRAMMAR)/parser.o $(GEN_GRAMMAR)/scanner.o
	$(GEN_CC) $(GEN_CFLAGS) -o $@ $^ $(GEN_TS_LIB) -lpthread

# Tests: the format check, golden files (check and gen), command-line
# behaviour, the rules' documented examples, fuzz regressions, and the
# generated adapters imported and called under the runtime.
gen-test: gen-build
	@if command -v clang-format >/dev/null 2>&1; then \
	    clang-format --dry-run --Werror codegen/*.c codegen/*.h && \
	    echo "gen-test: codegen/ is clang-formatted"; fi
	$(PYTHON) -m pytest -q tests/gen

gen-test-update: gen-build
	TRIOAIO_GEN_UPDATE=1 $(PYTHON) -m pytest -q tests/gen/test_golden.py

# Sanitizer builds compile the grammar apart, without our warnings.
GEN_SAN_GRAMMAR = clang $(GEN_GRAMMAR_CFLAGS) -O1 $(1) \
	    -c $(GEN_GRAMMAR)/src/parser.c -o $(2)/parser.o && \
	clang $(GEN_GRAMMAR_CFLAGS) -O1 $(1) \
	    -c $(GEN_GRAMMAR)/src/scanner.c -o $(2)/scanner.o

# ASan + UBSan build of the whole tool, then the golden and CLI tests.
GEN_ASAN_DIR := build/gen-asan
GEN_ASAN_FLAGS := -g -fsanitize=address,undefined -fno-omit-frame-pointer \
                  -fno-sanitize-recover=all
gen-asan: $(GEN_STAMP) $(GEN_BUILD)/facts_scm.h
	@mkdir -p $(GEN_ASAN_DIR)
	$(call GEN_SAN_GRAMMAR,$(GEN_ASAN_FLAGS),$(GEN_ASAN_DIR))
	clang -O1 $(GEN_ASAN_FLAGS) $(GEN_WARN) $(GEN_CPPFLAGS) $(GEN_ID_FLAG) \
	    $(GEN_SRCS) $(GEN_ASAN_DIR)/parser.o $(GEN_ASAN_DIR)/scanner.o \
	    -o $(GEN_ASAN_DIR)/trioaio-gen $(GEN_TS_LIB) -lpthread
	ASAN_OPTIONS=detect_leaks=1:exitcode=86 UBSAN_OPTIONS=exitcode=87 \
	    TRIOAIO_GEN=$(abspath $(GEN_ASAN_DIR))/trioaio-gen \
	    $(PYTHON) -m pytest -q tests/gen

# libFuzzer over the model builder, the checker and adapter rendering, for
# a bounded time, seeded with the golden cases and the rules' examples.
GEN_FUZZ_SECONDS ?= 120
GEN_FUZZ_DIR := build/gen-fuzz
GEN_SAN_GRAMMAR_FLAGS := -g -fsanitize=address,undefined
GEN_FUZZ_FLAGS := -g -fsanitize=fuzzer,address,undefined \
                  -fno-sanitize-recover=all \
                  -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
gen-fuzz: $(GEN_STAMP) $(GEN_BUILD)/facts_scm.h
	@mkdir -p $(GEN_FUZZ_DIR)/corpus
	@find tests/gen/cases tests/gen/fuzz-regressions examples/mixed_project \
	    -name '*.py' \
	    -exec sh -c 'cp "$$1" $(GEN_FUZZ_DIR)/corpus/$$(echo "$$1" | \
	    tr / _)' _ {} \;
	$(call GEN_SAN_GRAMMAR,$(GEN_SAN_GRAMMAR_FLAGS),$(GEN_FUZZ_DIR))
	clang -O1 $(GEN_FUZZ_FLAGS) $(GEN_WARN) $(GEN_CPPFLAGS) $(GEN_ID_FLAG) \
	    $(filter-out codegen/main.c,$(GEN_SRCS)) codegen/fuzz.c \
	    $(GEN_FUZZ_DIR)/parser.o $(GEN_FUZZ_DIR)/scanner.o \
	    -o $(GEN_FUZZ_DIR)/fuzz $(GEN_TS_LIB) -lpthread
	@echo "fuzzing for $(GEN_FUZZ_SECONDS) s (log: $(GEN_FUZZ_DIR)/log)"
	@$(GEN_FUZZ_DIR)/fuzz -max_total_time=$(GEN_FUZZ_SECONDS) \
	    -max_len=16384 -len_control=20 -timeout=10 -rss_limit_mb=1024 \
	    -print_final_stats=1 -artifact_prefix=$(GEN_FUZZ_DIR)/ \
	    $(GEN_FUZZ_DIR)/corpus \
	    > $(GEN_FUZZ_DIR)/log 2>&1; rc=$$?; \
	    grep -E '^(#[0-9]+.*DONE|stat::(number_of_executed|average_exec|peak_rss)|==[0-9]+==ERROR|SUMMARY)' \
	    $(GEN_FUZZ_DIR)/log; \
	    echo "gen-fuzz: libFuzzer exited $$rc"; exit $$rc

# The whole standard library of this machine's Python, without a crash.
GEN_STDLIB := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])' 2>/dev/null)
gen-stdlib: gen-build
	$(PYTHON) tests/gen/stdlib_check.py $(GEN_BIN)
	TRIOAIO_GEN_STDLIB=1 $(PYTHON) -m pytest -q tests/gen/test_cache.py \
	    -k stdlib

bench-gen: gen-build
	$(PYTHON) bench/gen/bench.py --binary $(GEN_BIN) --tree $(GEN_STDLIB) \
	    --out docs/generator-performance.md

# The real-code evaluation corpus (bench/gen/corpus.toml), outside the
# repository, and seeded recall / precision on it (bench/gen/README.md).
TRIOAIO_CORPUS ?= build/corpus
gen-corpus:
	$(PYTHON) bench/gen/corpus.py fetch --dest $(TRIOAIO_CORPUS)

gen-seeded: gen-build
	$(PYTHON) bench/gen/seeded.py --corpus $(TRIOAIO_CORPUS) \
	    --binary $(GEN_BIN) $(SEEDED_ARGS)

gen-demo: gen-build
	@echo '$$ trioaio-gen check examples/mixed_project'
	@$(GEN_BIN) check examples/mixed_project || \
	    echo "(exit $$?: the example keeps one deliberate mistake)"
	@echo '$$ trioaio-gen gen examples/mixed_project/mixed -o build/demo-adapters'
	$(GEN_BIN) gen examples/mixed_project/mixed -o build/demo-adapters
	@echo '$$ python examples/mixed_project/main.py'
	PYTHONPATH=build/demo-adapters:examples/mixed_project \
	    $(PYTHON) examples/mixed_project/main.py

gen-format-check:
	clang-format --dry-run --Werror codegen/*.c codegen/*.h

gen-clean:
	rm -rf $(GEN_BUILD) $(GEN_ASAN_DIR) $(GEN_FUZZ_DIR) build/demo-adapters
