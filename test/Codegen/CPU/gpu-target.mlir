// A module whose target is a GPU: passes that generate CPU code refuse it in
// one line naming the GPU; target-neutral passes (packing) accept it.
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs 2>&1 | FileCheck %s --check-prefix=CONFIGS
// RUN: not bitnet-opt %s --split-input-file --convert-bitnet-dot4-to-llvm 2>&1 | FileCheck %s --check-prefix=DOT4
// RUN: bitnet-opt %s --split-input-file --bitnet-pack-ternary | FileCheck %s --check-prefix=PACK

// CONFIGS: error: bitnet-select-kernel-configs: generates CPU code, but the target is nvptx64 sm_90 (132 SMs, 227 KiB shared memory per block, PTX >= 7.8, dp4a, int8 mma.sync)
// DOT4: error: convert-bitnet-dot4-to-llvm: generates CPU code, but the target is nvptx64 sm_90
// PACK-LABEL: func @f
// PACK: bitnet.ternary_matmul %arg0, %{{.*}} format <i2s>
module attributes {llvm.target = #llvm.target<triple = "nvptx64-nvidia-cuda", chip = "sm_90">} {
  func.func @f(%q: tensor<2x4xi8>) -> tensor<2x1xi32> {
    %w = arith.constant dense<[[1, -1, 0, 1]]> : tensor<1x4xi8>
    %acc = bitnet.ternary_matmul %q, %w : tensor<2x4xi8>, tensor<1x4xi8> -> tensor<2x1xi32>
    return %acc : tensor<2x1xi32>
  }
}
