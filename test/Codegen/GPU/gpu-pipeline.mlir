// The GPU pipeline: the GEMV as warp loops, mapped to a kernel, lowered to
// NVVM and serialized to PTX in a gpu.binary; the host keeps the launch.
// RUN: bitnet-opt %s --pass-pipeline="builtin.module(bitnet-gpu-pipeline{mcpu=sm_80})" -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// RUN: bitnet-translate --gpu-binary-to-ptx --gpu-binary=decode_kernel %t.mlir -o %t.ptx
// RUN: FileCheck %s --input-file=%t.ptx --check-prefix=PTX
// RUN: not bitnet-translate --gpu-binary-to-ptx %t.mlir 2>&1 | FileCheck %s --check-prefix=SEVERAL
// RUN: not bitnet-translate --gpu-binary-to-ptx %s 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not bitnet-translate --gpu-binary-to-ptx --import-onnx %s 2>&1 | FileCheck %s --check-prefix=BOTH

// CHECK: module attributes {gpu.container_module, llvm.target = #llvm.target<triple = "nvptx64-nvidia-cuda", chip = "sm_80">}
// CHECK-LABEL: func.func @decode
// CHECK: %[[Q:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<1x2560xi8> to memref<1x2560xi8>
// CHECK: %[[W:.*]] = bufferization.to_buffer %arg1 read_only : tensor<2560x640xi8> to memref<2560x640xi8>
// 2560 rows, 4 per warp, 4 warps per block: 160 blocks of 32 x 4 threads.
// CHECK: gpu.launch_func @decode_kernel::@decode_kernel blocks in (%c160, %c1, %c1) threads in (%c32, %c4, %c1) args(%[[Q]] : memref<1x2560xi8>, %[[W]] : memref<2560x640xi8>, %{{.*}} : memref<1x2560xi32>)
// 13 rows: 4 warps, one block.
// CHECK: gpu.launch_func @decode_kernel_0::@decode_kernel blocks in (%c1, %c1, %c1)
// CHECK: gpu.binary @decode_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx70">
// CHECK: gpu.binary @decode_kernel_0

// PTX: .version 7.0
// PTX: .target sm_80
// PTX: .entry decode_kernel(
// PTX: .maxntid 32, 4, 1
// PTX: ld.global.v4.b32
// PTX: dp4a.u32.s32
// PTX: shfl.sync.bfly.b32

// SEVERAL: error: several gpu.binary ops; choose one with --gpu-binary
// NONE: error: no gpu.binary
// BOTH: bitnet-translate: choose one translation (--import-onnx or --gpu-binary-to-ptx)
func.func @decode(%q: tensor<1x2560xi8>, %p: tensor<2560x640xi8>, %q2: tensor<1x100xi8>, %p2: tensor<13x32xi8>)
    -> (tensor<1x2560xi32>, tensor<1x13xi32>) {
  %acc = bitnet.ternary_matmul %q, %p format <i2s> : tensor<1x2560xi8>, tensor<2560x640xi8> -> tensor<1x2560xi32>
  %acc2 = bitnet.ternary_matmul %q2, %p2 format <i2s> : tensor<1x100xi8>, tensor<13x32xi8> -> tensor<1x13xi32>
  return %acc, %acc2 : tensor<1x2560xi32>, tensor<1x13xi32>
}
