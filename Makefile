# BitNet-MLIR entry points. `make test` and `make demo` work on a fresh
# Debian 12 machine: they install what is missing (`make deps`: apt packages,
# then the venv's pip packages), configure, build and run. `make build` only
# configures and builds: it installs nothing.

BUILD_DIR    ?= build
BUILD_TYPE   ?= Release
LLVM_VERSION ?= 22
LLVM_PREFIX  := /usr/lib/llvm-$(LLVM_VERSION)
JOBS         ?= $(shell nproc)

CMAKE_FLAGS := -G Ninja \
  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
  -DCMAKE_C_COMPILER=clang-$(LLVM_VERSION) \
  -DCMAKE_CXX_COMPILER=clang++-$(LLVM_VERSION) \
  -DMLIR_DIR=$(LLVM_PREFIX)/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=$(LLVM_PREFIX)/bin/lit \
  $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

.PHONY: all deps configure build test demo docs clean

all: build

deps:
	@LLVM_VERSION=$(LLVM_VERSION) ./scripts/install-deps.sh
	@./scripts/make-venv.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

configure: $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# deps first, then the build in a second make: the configure step sees what
# deps installed (the venv, ccache), also under make -j.
# Every lit file and GoogleTest case is one ctest; the label summary at the
# end gives the per-suite counts.
test: deps
	@$(MAKE) --no-print-directory build
	@# A tuning file bitnet-tune left for this machine must not change what
	@# the tests compile (lit.cfg.py does the same for lit run by hand).
	cd $(BUILD_DIR) && BITNET_TUNING_DIR=$(abspath $(BUILD_DIR))/no-tuning-files ctest --output-on-failure -j $(JOBS)

demo: deps
	@$(MAKE) --no-print-directory build
	./scripts/demo.sh $(BUILD_DIR)

# Refresh docs/generated from the ODS sources.
docs: configure
	cmake --build $(BUILD_DIR) --target bitnet-docs

clean:
	rm -rf $(BUILD_DIR)
