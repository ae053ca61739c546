#!/bin/sh
# On a machine with an NVIDIA GPU and a build of this tree: the GPU execution
# tests (each generated kernel against the reference) and the GPU kernel
# benchmark, in one go. Extra arguments go to bitnet-bench.
#   scripts/gpu-check.sh [--cache=cold] [--json]
set -eu
BUILD=${BUILD:-build}
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
fi
"$BUILD/bin/BitNetJitTests" --gtest_filter='*GpuGemvOnGpu*'
"$BUILD/bin/bitnet-bench" --target=nvptx "$@"
