// RUN: bitnet-opt %s --split-input-file --bitnet-decompose-bitlinear | FileCheck %s

// Ternary weights: quantize, integer matmul, rescale with gamma.
// CHECK-LABEL: func @ternary_weight
// CHECK-SAME: (%[[X:.*]]: tensor<4x200xf32>, %[[W:.*]]: tensor<77x200xi8>, %[[G:.*]]: tensor<f32>)
// CHECK: %[[Q:.*]], %[[S:.*]] = bitnet.quantize %[[X]] bits 8 : tensor<4x200xf32> -> tensor<4x200xi8>, tensor<4xf32>
// CHECK: %[[ACC:.*]] = bitnet.ternary_matmul %[[Q]], %[[W]] : tensor<4x200xi8>, tensor<77x200xi8> -> tensor<4x77xi32>
// CHECK: %[[Y:.*]] = bitnet.dequantize %[[ACC]], %[[S]], %[[G]] : tensor<4x77xi32>, tensor<4xf32>, tensor<f32> -> tensor<4x77xf32>
// CHECK: return %[[Y]]
// CHECK-NOT: bitnet.bitlinear
func.func @ternary_weight(%x: tensor<4x200xf32>, %w: tensor<77x200xi8>, %g: tensor<f32>) -> tensor<4x77xf32> {
  %y = bitnet.bitlinear %x, %w, %g : tensor<4x200xf32>, tensor<77x200xi8>, tensor<f32> -> tensor<4x77xf32>
  return %y : tensor<4x77xf32>
}

// -----

// The activation scale's arithmetic goes to the quantization.
// CHECK-LABEL: func @reciprocal_scale
// CHECK: bitnet.quantize %{{.*}} bits 8 reciprocal_scale : tensor<4x200xf32> -> tensor<4x200xi8>, tensor<4xf32>
func.func @reciprocal_scale(%x: tensor<4x200xf32>, %w: tensor<77x200xi8>, %g: tensor<f32>) -> tensor<4x77xf32> {
  %y = bitnet.bitlinear %x, %w, %g reciprocal_scale : tensor<4x200xf32>, tensor<77x200xi8>, tensor<f32> -> tensor<4x77xf32>
  return %y : tensor<4x77xf32>
}

// -----

// Float weights are ternarized; rank-3 input is collapsed to [tokens, K]
// around the integer part; a4.8 options become topk + 4-bit quantization.
// CHECK-LABEL: func @float_weight_rank3_a4
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x200xf32>, %[[W:.*]]: tensor<77x200xf32>)
// CHECK: %[[T:.*]], %[[G:.*]] = bitnet.ternarize %[[W]] : tensor<77x200xf32> -> tensor<77x200xi8>, tensor<f32>
// CHECK: %[[X2:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<2x8x200xf32> into tensor<16x200xf32>
// CHECK: %[[SP:.*]] = bitnet.topk_sparsify %[[X2]] fraction 5.000000e-01 : tensor<16x200xf32>
// CHECK: %[[Q:.*]], %[[S:.*]] = bitnet.quantize %[[SP]] bits 4
// CHECK: %[[ACC:.*]] = bitnet.ternary_matmul %[[Q]], %[[T]]
// CHECK: %[[Y:.*]] = bitnet.dequantize %[[ACC]], %[[S]], %[[G]]
// CHECK: %[[Y3:.*]] = tensor.expand_shape %[[Y]] {{\[}}[0, 1], [2]] output_shape [2, 8, 77] : tensor<16x77xf32> into tensor<2x8x77xf32>
// CHECK: return %[[Y3]]
func.func @float_weight_rank3_a4(%x: tensor<2x8x200xf32>, %w: tensor<77x200xf32>) -> tensor<2x8x77xf32> {
  %y = bitnet.bitlinear %x, %w act_bits 4 topk 0.5 : tensor<2x8x200xf32>, tensor<77x200xf32> -> tensor<2x8x77xf32>
  return %y : tensor<2x8x77xf32>
}

// -----

// A single token of rank 1 is viewed as [1, K].
// CHECK-LABEL: func @rank1
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [1, 200] : tensor<200xf32> into tensor<1x200xf32>
// CHECK: bitnet.ternary_matmul {{.*}} -> tensor<1x77xi32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<1x77xf32> into tensor<77xf32>
func.func @rank1(%x: tensor<200xf32>, %w: tensor<77x200xi8>, %g: tensor<f32>) -> tensor<77xf32> {
  %y = bitnet.bitlinear %x, %w, %g : tensor<200xf32>, tensor<77x200xi8>, tensor<f32> -> tensor<77xf32>
  return %y : tensor<77xf32>
}

// -----

// Dynamic token count.
// CHECK-LABEL: func @dynamic_tokens
// CHECK: bitnet.quantize %{{.*}} bits 8 : tensor<?x200xf32> -> tensor<?x200xi8>, tensor<?xf32>
// CHECK: bitnet.ternary_matmul {{.*}} -> tensor<?x77xi32>
// CHECK: bitnet.dequantize {{.*}} -> tensor<?x77xf32>
func.func @dynamic_tokens(%x: tensor<?x200xf32>, %w: tensor<77x200xi8>, %g: tensor<f32>) -> tensor<?x77xf32> {
  %y = bitnet.bitlinear %x, %w, %g : tensor<?x200xf32>, tensor<77x200xi8>, tensor<f32> -> tensor<?x77xf32>
  return %y : tensor<?x77xf32>
}

// -----

// A constant float weight is ternarized at compile time by the folder.
// CHECK-LABEL: func @constant_weight
// CHECK-NOT: bitnet.ternarize
// CHECK-DAG: arith.constant dense<{{\[}}[0, -1], [0, 1]]> : tensor<2x2xi8>
// CHECK-DAG: arith.constant dense<1.025000e+00> : tensor<f32>
// CHECK: bitnet.ternary_matmul
func.func @constant_weight(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[0.5, -1.5], [0.1, 2.0]]> : tensor<2x2xf32>
  %y = bitnet.bitlinear %x, %w : tensor<3x2xf32>, tensor<2x2xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
