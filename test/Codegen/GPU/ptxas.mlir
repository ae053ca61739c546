// The PTX of the generated kernels is accepted by ptxas (CUDA toolkit) for
// sm_80 and sm_90, with no spills. No GPU needed.
// REQUIRES: ptxas
// RUN: bitnet-opt %s --pass-pipeline="builtin.module(bitnet-gpu-pipeline{mcpu=sm_80})" -o %t.sm80.mlir
// RUN: bitnet-translate --gpu-binary-to-ptx %t.sm80.mlir -o %t.sm80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.sm80.ptx -o %t.sm80.cubin 2>&1 | FileCheck %s
// RUN: bitnet-opt %s --pass-pipeline="builtin.module(bitnet-gpu-pipeline{mcpu=sm_90 rows-per-warp=2 warps-per-block=8})" -o %t.sm90.mlir
// RUN: bitnet-translate --gpu-binary-to-ptx %t.sm90.mlir -o %t.sm90.ptx
// RUN: %ptxas -arch=sm_90 -v %t.sm90.ptx -o %t.sm90.cubin 2>&1 | FileCheck %s

// CHECK: Compiling entry function 'ffn_down_kernel' for 'sm_{{80|90}}'
// CHECK: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
func.func @ffn_down(%q: tensor<1x6912xi8>, %p: tensor<2560x1728xi8>) -> tensor<1x2560xi32> {
  %acc = bitnet.ternary_matmul %q, %p format <i2s> : tensor<1x6912xi8>, tensor<2560x1728xi8> -> tensor<1x2560xi32>
  return %acc : tensor<1x2560xi32>
}
