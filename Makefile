# Two entry points for people: `make demo` and `make test`. Both install missing Debian
# packages first, then configure and build.
BUILD   ?= build
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all bootstrap build demo test bench fuzz models peer clean

all: build

bootstrap:
	@bash scripts/bootstrap.sh

$(BUILD)/CMakeCache.txt: | bootstrap
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: bootstrap $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/omni models fetch $(DEMO_MODELS)
	@bash examples/demo.sh $(BUILD)/omni

# The models the tests run. ISNet (AGPL-3.0, optional for users, never a default) is fetched for
# the tests because they compare omni's ONNX importer with onnxruntime on it.
TEST_MODELS = selfie selfie-landscape pose-detector pose-lite pose-full isnet
DEMO_MODELS = selfie selfie-landscape pose-detector pose-full

models: build
	$(BUILD)/omni models fetch $(TEST_MODELS)

# The peer runtime the tests compare against: onnxruntime's CPU library ships inside the npm
# package (--ignore-scripts skips its optional CUDA download).
peer:
	@mkdir -p $(BUILD)/peer && cp tests/peer/package.json $(BUILD)/peer/
	@[ -d $(BUILD)/peer/node_modules/onnxruntime-node ] || (cd $(BUILD)/peer && npm install --ignore-scripts --no-audit --no-fund --silent)

# Unit tests, end-to-end CLI tests (real models included), then a short libFuzzer run.
test: build models peer fuzz
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

fuzz: bootstrap
	cmake -S . -B $(BUILD)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DOMNI_FUZZ=ON -DOMNI_FUZZ_ONLY=ON
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target fuzz_filtergraph fuzz_models
	bash tests/fuzz/run.sh $(BUILD)-fuzz

bench: build models peer
	@bash bench/pipeline.sh $(BUILD)/omni
	@bash bench/models.sh $(BUILD)/omni
	@bash bench/matte.sh $(BUILD)/omni
	@bash bench/restyle.sh $(BUILD)/omni
	@bash bench/remove.sh $(BUILD)/omni

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz
