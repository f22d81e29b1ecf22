# The two commands (README.md): `make demo` and `make check`.
# Everything else is plain CMake in build/ (build-asan/ for sanitizers,
# build-fuzz/ for libFuzzer).
BUILD        ?= build
ASAN_BUILD   ?= build-asan
FUZZ_BUILD   ?= build-fuzz
JOBS         ?= $(shell nproc)
# make fuzz-smoke: seconds per fuzz target, and which targets (default all).
FUZZ_SECONDS ?= 10
FUZZ_TARGETS ?=
# Labels whose tests run three times in the release pass of make check
# (flaky concurrency shows up there first).
REPEAT_LABELS = ^(crash|integration)$$
# $(call timed,WHAT,COMMAND): runs COMMAND and says how long WHAT took.
timed = t0=$$(date +%s); $(2); rc=$$?; echo "time: $(1): $$(($$(date +%s) - t0)) s"; exit $$rc

.PHONY: all bootstrap build asan lint check check-fast demo bench fuzz-smoke fuzz soak clean

all: build

bootstrap:
	@./deploy/bootstrap

build: bootstrap
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFEDSOAR_WERROR=ON >/dev/null
	@$(call timed,build,cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory)

asan: bootstrap
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFEDSOAR_SANITIZE=ON -DFEDSOAR_WERROR=ON >/dev/null
	@$(call timed,asan build,cmake --build $(ASAN_BUILD) -j$(JOBS) -- --no-print-directory)

# Formatting (clang-format --dry-run --Werror) and static analysis (cppcheck)
# over every tracked C file; .ci/lint says what and why.
lint: bootstrap
	@$(call timed,lint,./.ci/lint)

# Lint, then every test in the release build (crash and integration three
# times over), then every test again under ASan+UBSan.
check: lint build asan
	@$(call timed,release tests,cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE '$(REPEAT_LABELS)')
	@$(call timed,release crash+integration x3,cd $(BUILD) && \
	  ctest --output-on-failure -j$(JOBS) -L '$(REPEAT_LABELS)' --repeat until-fail:3)
	@$(call timed,asan tests,cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS))

# The release build's tests only (quick local loop).
check-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# Every libFuzzer target for FUZZ_SECONDS (clang, ASan+UBSan, build-fuzz/);
# crashes are kept in build-fuzz/fuzz-smoke/ (.ci/fuzz-smoke).
fuzz-smoke: bootstrap
	@$(call timed,fuzz-smoke,./.ci/fuzz-smoke $(FUZZ_BUILD) $(FUZZ_SECONDS) $(JOBS) $(FUZZ_TARGETS))

# make fuzz: every libFuzzer target for FUZZ_SECONDS (default here 300) and
# the inputs that add coverage merged into tests/fuzz/corpus/NAME/ (libFuzzer
# -merge=1; .ci/fuzz-merge). Review and commit what it adds.
fuzz: bootstrap
	@$(call timed,fuzz,./.ci/fuzz-merge $(FUZZ_BUILD) \
	  $(if $(filter command line environment,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),300) $(JOBS) $(FUZZ_TARGETS))

# make soak: the nemesis suite's long run (tests/nemesis/nemesis.sh: faults
# injected at random for NEMESIS_SECONDS, seeded; FEDSOAR_NEMESIS_SEED replays).
NEMESIS_SECONDS ?= 1800
soak: build
	@$(call timed,soak,FEDSOAR_BIN=$(CURDIR)/$(BUILD)/bin FEDSOAR_SOURCE_DIR=$(CURDIR) \
	  NEMESIS_SECONDS=$(NEMESIS_SECONDS) bash tests/nemesis/nemesis.sh)

# make demo KEEP=1: the broker and sites stay up after the story, with a
# sign-in link for the console (deploy/demo/run --keep; --stop ends them).
demo: build
	@./deploy/demo/run $(if $(filter 1,$(KEEP)),--keep)

bench: build
	@./bench/run

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
