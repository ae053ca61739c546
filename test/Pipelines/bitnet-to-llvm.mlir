// The whole portable pipeline: bitnet ops to the LLVM dialect, with a C
// interface wrapper for functions that ask for one.
// RUN: bitnet-opt %s --split-input-file --bitnet-to-llvm | FileCheck %s

// CHECK-LABEL: llvm.func @bitlinear
// CHECK-NOT: bitnet.
// CHECK-NOT: linalg.
// CHECK-NOT: memref.
// CHECK: llvm.call @malloc
// CHECK: llvm.intr.roundeven
// CHECK-LABEL: llvm.func @_mlir_ciface_bitlinear
func.func @bitlinear(%x: tensor<5x200xf32>, %w: tensor<77x200xi8>, %g: tensor<f32>) -> tensor<5x77xf32>
    attributes {llvm.emit_c_interface} {
  %y = bitnet.bitlinear %x, %w, %g : tensor<5x200xf32>, tensor<77x200xi8>, tensor<f32> -> tensor<5x77xf32>
  return %y : tensor<5x77xf32>
}

// -----

// Constant float weights are ternarized and packed away at compile time: no
// ternarization loop (no f64 reduction) remains, only the activation code.
// CHECK-LABEL: llvm.func @constant_weights
// CHECK-NOT: f64
// CHECK: llvm.intr.roundeven
func.func @constant_weights(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[0.5, -1.5, 0.1, 2.0], [1.0, 0.0, -1.0, 0.25]]> : tensor<2x4xf32>
  %y = bitnet.bitlinear %x, %w : tensor<3x4xf32>, tensor<2x4xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A returned constant is copied out (the deallocation pipeline's
// bufferization.clone becomes an allocation and a copy); erf, which has no
// LLVM intrinsic, calls libm.
// CHECK-LABEL: llvm.func @constant_result_and_erf
// CHECK-NOT: bufferization.clone
// CHECK: llvm.call @malloc
// CHECK: llvm.call @erff
func.func @constant_result_and_erf(%x: tensor<4xf32>) -> (tensor<3xi64>, tensor<4xf32>) {
  %c = arith.constant dense<[3, 4, 5]> : tensor<3xi64>
  %e = tosa.erf %x : (tensor<4xf32>) -> tensor<4xf32>
  return %c, %e : tensor<3xi64>, tensor<4xf32>
}
