# Rampart — top-level entry points. Each target first installs missing
# Debian packages (scripts/deps.sh), then builds what is stale.
BUILD ?= build
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang
JOBS ?= 2

.PHONY: all deps build test up down bench bench-ingest bench-crypto bench-distribution bench-fim \
	fuzz format clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)
	@scripts/console-build.sh $(BUILD)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

up: build
	@scripts/up.sh $(BUILD)

down:
	@scripts/down.sh $(BUILD)

bench: build
	@bench/run.sh $(BUILD)
	@bench/ingest.sh $(BUILD)
	@bench/crypto.sh $(BUILD)
	@$(MAKE) --no-print-directory bench-distribution
	@bench/fim.sh $(BUILD)

bench-ingest: build
	@bench/ingest.sh $(BUILD)

bench-crypto: build
	@bench/crypto.sh $(BUILD)

# change → enforced by a local gateway under wrk: keep-alive, one connection
# per request, switch changes only (docs/BENCHMARKS.md)
bench-distribution: build
	@python3 bench/distribution.py $(BUILD)
	@DIST_CONNECTION_CLOSE=1 python3 bench/distribution.py $(BUILD)
	@DIST_ONLY=switch python3 bench/distribution.py $(BUILD)

bench-fim: build
	@bench/fim.sh $(BUILD)

fuzz: build
	@scripts/fuzz.sh $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
