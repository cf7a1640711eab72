# Two entry points for people: `make demo` and `make test`. Both install missing Debian
# packages first, then configure and build.
BUILD   ?= build
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all bootstrap build demo test bench fuzz models clean

all: build

bootstrap:
	@bash scripts/bootstrap.sh

$(BUILD)/CMakeCache.txt: | bootstrap
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: bootstrap $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build models
	@bash examples/demo.sh $(BUILD)/omni

# The Apache-2.0 models the tests run (ISNet, AGPL and 84 MB, is fetched only on request).
TEST_MODELS = selfie selfie-landscape pose-detector pose-lite pose-full

models: build
	$(BUILD)/omni models fetch $(TEST_MODELS)

# Unit tests, end-to-end CLI tests (real models included), then a short libFuzzer run.
test: build models fuzz
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

fuzz: bootstrap
	cmake -S . -B $(BUILD)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DOMNI_FUZZ=ON -DOMNI_FUZZ_ONLY=ON
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target fuzz_filtergraph
	bash tests/fuzz/run.sh $(BUILD)-fuzz

bench: build
	@bash bench/pipeline.sh $(BUILD)/omni

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz
