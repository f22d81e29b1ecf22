# The two commands (README.md): `make demo` and `make check`.
# Everything else is plain CMake in build/ (and build-asan/ for sanitizers).
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)

.PHONY: all bootstrap build asan check check-fast demo bench fuzz clean

all: build

bootstrap:
	@./deploy/bootstrap

build: bootstrap
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFEDSOAR_WERROR=ON >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory

asan: bootstrap
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFEDSOAR_SANITIZE=ON -DFEDSOAR_WERROR=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS) -- --no-print-directory

# Every test, in the release build and again under ASan+UBSan.
check: build asan
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

# The release build's tests only (quick local loop).
check-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

demo: build
	@./deploy/demo/run

bench: build
	@./bench/run

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
