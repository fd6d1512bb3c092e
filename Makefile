# Makefile — entry points for developers and CI (.ci/run = make test).
#   make deps    install missing build tools/libraries (apt; no-op when all present)
#   make build   configure + build into build/          (bin: build/bin/dgc)
#   make test    build, ctest; then ASan+UBSan build in build-asan/ and ctest there
#   make demo    build, then dgc check --summary over stdlib/ and examples/
#   make fuzz    libFuzzer runs of the front end and of the runtime's readers,
#                FUZZ_SECONDS each (build-fuzz/; FUZZ_HARNESSES picks some)
#   make bench   Release build in build-bench/, run bench/ (table; build/bench/results.csv)
#   make clean   remove the build directories
# Variables: JOBS=2 BUILD_TYPE=RelWithDebInfo WERROR=ON FUZZ_SECONDS=600
#            FUZZ_HARNESSES="frontend forcing streamflow attributes params config checkpoint netcdf"
BUILD        ?= build
ASAN_BUILD   ?= build-asan
FUZZ_BUILD   ?= build-fuzz
BENCH_BUILD  ?= build-bench
JOBS         ?= 2
BUILD_TYPE   ?= RelWithDebInfo
WERROR       ?= ON
FUZZ_SECONDS ?= 600
FUZZ_HARNESSES ?= frontend forcing streamflow attributes params config checkpoint netcdf

# The sanitizer build prefers clang (better UBSan coverage); gcc works too.
ASAN_CC     := $(if $(shell command -v clang 2>/dev/null),clang,cc)
ASAN_LABELS := diag|golden|fuzz|unit|stdlib
CTEST       := ctest --output-on-failure --no-tests=error -j$(JOBS)

.PHONY: all deps build build-asan test demo fuzz bench clean

all: build

deps:
	scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DDG_WERROR=$(WERROR)
	cmake --build $(BUILD) -j$(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=$(ASAN_CC) -DCMAKE_BUILD_TYPE=Debug \
	      -DDG_SANITIZE=ON -DDG_WERROR=$(WERROR)
	cmake --build $(ASAN_BUILD) -j$(JOBS)

# Both test runs always happen; the target fails if either failed.
test: build
	@rc=0; \
	echo "==== ctest: $(BUILD)"; \
	$(CTEST) --test-dir $(BUILD) || rc=1; \
	$(MAKE) --no-print-directory build-asan || exit 1; \
	echo "==== ctest: $(ASAN_BUILD) (address,undefined)"; \
	$(CTEST) --test-dir $(ASAN_BUILD) -L '$(ASAN_LABELS)' || rc=1; \
	exit $$rc

demo: build
	DGC=$(BUILD)/bin/dgc scripts/demo.sh

fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	      -DDG_FUZZ=ON -DDG_WERROR=$(WERROR)
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target $(addprefix fuzz_,$(FUZZ_HARNESSES))
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# Release build of its own (no -Werror: warnings of a newer compiler must not
# stop a measurement); bench/README.md says what is measured.
bench: deps
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DDG_WERROR=OFF
	cmake --build $(BENCH_BUILD) -j$(JOBS) --target bench_hbv bench_compile dgc
	@mkdir -p $(BUILD)/bench
	$(BENCH_BUILD)/bin/bench_hbv --out $(BUILD)/bench/results.csv
	$(BENCH_BUILD)/bin/bench_compile --out $(BUILD)/bench/results.csv --work $(BENCH_BUILD)/compile_scale
	DGC=$(BENCH_BUILD)/bin/dgc DGC_CACHE=$(BENCH_BUILD)/python-cache PYTHONPATH=python \
	    /usr/bin/python3 bench/torch_hbv.py --out $(BUILD)/bench/results.csv

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
