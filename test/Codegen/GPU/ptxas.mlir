// The PTX of the generated kernels is accepted by ptxas (CUDA toolkit) for
// sm_80 and sm_90, with no spills. No GPU needed.
// REQUIRES: ptxas
// RUN: bitnet-opt %s --pass-pipeline="builtin.module(bitnet-gpu-pipeline{mcpu=sm_80})" -o %t.sm80.mlir
// RUN: bitnet-translate --gpu-binary-to-ptx --gpu-binary=ffn_down_kernel %t.sm80.mlir -o %t.gemv.sm80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.gemv.sm80.ptx -o %t.gemv.sm80.cubin 2>&1 | FileCheck %s --check-prefix=GEMV80
// RUN: bitnet-translate --gpu-binary-to-ptx --gpu-binary=norm_kernel %t.sm80.mlir -o %t.norm.sm80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.norm.sm80.ptx -o %t.norm.sm80.cubin 2>&1 | FileCheck %s --check-prefix=NORM80
// RUN: bitnet-opt %s --pass-pipeline="builtin.module(bitnet-gpu-pipeline{mcpu=sm_90 rows-per-warp=2 warps-per-block=8})" -o %t.sm90.mlir
// RUN: bitnet-translate --gpu-binary-to-ptx --gpu-binary=ffn_down_kernel %t.sm90.mlir -o %t.gemv.sm90.ptx
// RUN: %ptxas -arch=sm_90 -v %t.gemv.sm90.ptx -o %t.gemv.sm90.cubin 2>&1 | FileCheck %s --check-prefix=GEMV90
// RUN: bitnet-translate --gpu-binary-to-ptx --gpu-binary=norm_kernel %t.sm90.mlir -o %t.norm.sm90.ptx
// RUN: %ptxas -arch=sm_90 -v %t.norm.sm90.ptx -o %t.norm.sm90.cubin 2>&1 | FileCheck %s --check-prefix=NORM90
// RUN: bitnet-translate --gpu-binary-to-ptx --gpu-binary=layer_kernel_0 %t.sm80.mlir -o %t.layer.sm80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.layer.sm80.ptx -o %t.layer.sm80.cubin 2>&1 | FileCheck %s --check-prefix=LAYER80
// RUN: bitnet-translate --gpu-binary-to-ptx --gpu-binary=batch_kernel %t.sm80.mlir -o %t.batch.sm80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.batch.sm80.ptx -o %t.batch.sm80.cubin 2>&1 | FileCheck %s --check-prefix=BATCH80

// GEMV80: Compiling entry function 'ffn_down_kernel' for 'sm_80'
// GEMV80: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// NORM80: Compiling entry function 'norm_kernel' for 'sm_80'
// NORM80: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// GEMV90: Compiling entry function 'ffn_down_kernel' for 'sm_90'
// GEMV90: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// NORM90: Compiling entry function 'norm_kernel' for 'sm_90'
// NORM90: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// LAYER80: Compiling entry function 'layer_kernel' for 'sm_80'
// LAYER80: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// BATCH80: Compiling entry function 'batch_kernel' for 'sm_80'
// BATCH80: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
func.func @ffn_down(%q: tensor<1x6912xi8>, %p: tensor<2560x1728xi8>) -> tensor<1x2560xi32> {
  %acc = bitnet.ternary_matmul %q, %p format <i2s> : tensor<1x6912xi8>, tensor<2560x1728xi8> -> tensor<1x2560xi32>
  return %acc : tensor<1x2560xi32>
}

// RMSNorm + int8 quantization of the 2B4T hidden state, with the code sums.
func.func @norm(%x: tensor<4x2560xf32>, %g: tensor<2560xf32>) -> (tensor<4x2560xi8>, tensor<4xf32>, tensor<4xi32>) {
  %q, %s, %sum = bitnet.rms_norm_quantize %x, %g epsilon 9.99999974E-6 bits 8
      : tensor<4x2560xf32>, tensor<2560xf32> -> tensor<4x2560xi8>, tensor<4xf32>, tensor<4xi32>
  return %q, %s, %sum : tensor<4x2560xi8>, tensor<4xf32>, tensor<4xi32>
}

// 8 tokens of 2B4T's gate/up: 4 tokens per warp share each weight load.
func.func @batch(%q: tensor<8x2560xi8>, %p: tensor<13824x640xi8>) -> tensor<8x13824xi32> {
  %acc = bitnet.ternary_matmul %q, %p format <i2s> : tensor<8x2560xi8>, tensor<13824x640xi8> -> tensor<8x13824xi32>
  return %acc : tensor<8x13824xi32>
}

// A BitLinear layer: quantization by warps, then the GEMV storing
// dequantized floats (layer_kernel_0).
func.func @layer(%x: tensor<1x2560xf32>, %p: tensor<640x640xi8>) -> tensor<1x640xf32> {
  %q, %s = bitnet.quantize %x bits 8 : tensor<1x2560xf32> -> tensor<1x2560xi8>, tensor<1xf32>
  %acc = bitnet.ternary_matmul %q, %p format <i2s> : tensor<1x2560xi8>, tensor<640x640xi8> -> tensor<1x640xi32>
  %ws = arith.constant dense<0.75> : tensor<f32>
  %y = bitnet.dequantize %acc, %s, %ws : tensor<1x640xi32>, tensor<1xf32>, tensor<f32> -> tensor<1x640xf32>
  return %y : tensor<1x640xf32>
}
