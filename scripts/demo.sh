#!/usr/bin/env bash
# The main job, for now: the vertical slice. A BitLinear layer goes through
# every stage of the compiler, is JIT-compiled, executed and checked against
# the reference numerics. (A later stage compiles and runs a bundled model.)
set -euo pipefail
BUILD_DIR="${1:-build}"
OPT="$BUILD_DIR/bin/bitnet-opt"
INPUT="docs/examples/bitlinear.mlir"

step() { printf '\n== %s\n' "$*"; }

step "Input: $INPUT"
cat "$INPUT"

step "bitnet-decompose-bitlinear + canonicalize (constant weights ternarized at compile time)"
"$OPT" "$INPUT" --bitnet-decompose-bitlinear --canonicalize

step "convert-bitnet-to-linalg (portable kernels), first 40 lines"
"$OPT" "$INPUT" --convert-bitnet-to-linalg --canonicalize | head -n 40

step "bitnet-to-llvm: LLVM dialect functions"
"$OPT" "$INPUT" --bitnet-to-llvm | grep -E '^\s*llvm\.func' | sed 's/{$//'

step "Expected results from an independent numpy implementation"
/usr/bin/python3 python/tests/make_numpy_cases.py \
  "$BUILD_DIR/test/unittests/ExecutionEngine/numpy-cases"

step "Execute: JIT-compiled bitnet ops vs the C++ reference and numpy (bit-exact i32, 1e-6 relative f32)"
"$BUILD_DIR/bin/BitNetJitTests" --gtest_brief=1
echo "demo: OK"
