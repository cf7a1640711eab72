# Two entry points for people: `make demo` and `make test`. Both install missing Debian
# packages first, then configure and build.
BUILD   ?= build
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
# A compiler cache when there is one (bootstrap installs ccache): a machine that built these sources
# before (a CI run after a session, a second clone) compiles only what changed. Paths are taken
# relative to the checkout and the build folder is left out of the hash, so another clone hits too.
LAUNCHER = $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all bootstrap build demo test test-long bench fuzz models peer sanitize sweep clean install

all: build

bootstrap:
	@bash scripts/bootstrap.sh

$(BUILD)/CMakeCache.txt: | bootstrap
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) $(LAUNCHER)

build: bootstrap $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/omni models fetch $(DEMO_MODELS)
	@bash examples/demo.sh $(BUILD)/omni

# The models the tests run. ISNet (AGPL-3.0, optional for users, never a default) is fetched for
# the tests because they compare omni's ONNX importer with onnxruntime on it.
TEST_MODELS = selfie selfie-landscape pose-detector pose-lite pose-full isnet nanodet movenet-multipose face-detector facemesh iris hand-detector hand-landmarks rvm
DEMO_MODELS = selfie selfie-landscape pose-detector pose-full nanodet movenet-multipose face-detector facemesh

models: build
	$(BUILD)/omni models fetch $(TEST_MODELS)

# The peer runtime the tests compare against: onnxruntime's CPU library ships inside the npm
# package (--ignore-scripts skips its optional CUDA download).
peer:
	@mkdir -p $(BUILD)/peer && cp tests/peer/package.json $(BUILD)/peer/
	@[ -d $(BUILD)/peer/node_modules/onnxruntime-node ] && [ -d $(BUILD)/peer/node_modules/@tensorflow/tfjs-backend-wasm ] || (cd $(BUILD)/peer && npm install --ignore-scripts --no-audit --no-fund --silent)

# omni built with AddressSanitizer and UBSan (its own tree), for the frame-size sweep.
SAN_FLAGS = -O1 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
sanitize: bootstrap
	cmake -S . -B $(BUILD)-san -DCMAKE_BUILD_TYPE=None -DOMNI_BUILD_TESTS=OFF $(LAUNCHER) "-DCMAKE_CXX_FLAGS=$(SAN_FLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined
	cmake --build $(BUILD)-san -j $(JOBS) --target omni

# Tests run two at a time, each omni with a thread per core: OpenMP threads that spin while they
# wait take the core the other test needs (30 test_edit chains, two streams at once: 77.5 s
# spinning, 71.8 s passive). Alone, spinning is 2-4 % faster, so omni itself keeps the default.
TEST_ENV = OMP_WAIT_POLICY=PASSIVE

# Every registered omni filter over awkward frame sizes and pixel formats, under the sanitizers.
sweep: sanitize models
	$(TEST_ENV) bash tests/sweep/run.sh $(BUILD)-san/omni fast

# Unit tests, end-to-end CLI tests (real models included), the size sweep, then a short libFuzzer run.
test: build models peer fuzz sweep
	cd $(BUILD) && $(TEST_ENV) ctest --output-on-failure -j $(JOBS)

# The big frame sizes (1080x1920, 4K) of the sweep: minutes more; CI runs it when time allows.
test-long: sanitize models
	$(TEST_ENV) bash tests/sweep/run.sh $(BUILD)-san/omni long

fuzz: bootstrap
	cmake -S . -B $(BUILD)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DOMNI_FUZZ=ON -DOMNI_FUZZ_ONLY=ON $(LAUNCHER)
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target fuzz_filtergraph fuzz_models
	bash tests/fuzz/run.sh $(BUILD)-fuzz

bench: build models peer
	@bash bench/pipeline.sh $(BUILD)/omni
	@bash bench/models.sh $(BUILD)/omni
	@bash bench/matte.sh $(BUILD)/omni
	@bash bench/restyle.sh $(BUILD)/omni
	@bash bench/remove.sh $(BUILD)/omni
	@bash bench/add.sh $(BUILD)/omni
	@bash bench/replace.sh $(BUILD)/omni
	@bash bench/next_shot.sh $(BUILD)/omni
	@bash bench/batch.sh $(BUILD)/omni
	@bash bench/chunk.sh $(BUILD)/omni
	@bash bench/motion_transfer.sh $(BUILD)/omni

# make install [PREFIX=/usr/local] [DESTDIR=staging]: omni, its libraries, the man page, bash and zsh completion.
PREFIX ?= /usr/local
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)" >/dev/null
	mkdir -p "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions"
	"$(DESTDIR)$(PREFIX)/bin/omni" completion bash >"$(DESTDIR)$(PREFIX)/share/bash-completion/completions/omni"
	"$(DESTDIR)$(PREFIX)/bin/omni" completion zsh >"$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_omni"
	@echo "installed omni in $(DESTDIR)$(PREFIX)/bin, its libraries in $(DESTDIR)$(PREFIX)/lib/omni"

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz $(BUILD)-san
