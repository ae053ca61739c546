// RUN: bitnet-opt %s --bitnet-quantize-activations --split-input-file --verify-diagnostics | FileCheck %s
// RUN: bitnet-opt %s --bitnet-quantize-activations=bits=4 --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=BITS4

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#scalar3 = affine_map<(d0, d1, d2) -> ()>

// The form bitnet-translate imports for PyTorch's
// x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight:
// pow, reduce_sum, a division by K and 1 / sqrt as linalg.generic ops. Both
// layers reading the norm share one fused op on the collapsed input; the
// float norm is gone.
// CHECK-LABEL: func @fused_imported_form
// CHECK-SAME: (%[[X:.*]]: tensor<1x7x16xf32>, %[[W:.*]]: tensor<5x16xi8>, %[[G:.*]]: tensor<f32>)
// CHECK-DAG: %[[GAMMA:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, {{.*}}]> : tensor<16xf32>
// CHECK-DAG: %[[XC:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<1x7x16xf32> into tensor<7x16xf32>
// CHECK: %[[Q:.*]], %[[S:.*]] = bitnet.rms_norm_quantize %[[XC]], %[[GAMMA]] epsilon 9.99999974E-6 bits 8 : tensor<7x16xf32>, tensor<16xf32> -> tensor<7x16xi8>, tensor<7xf32>
// CHECK: bitnet.ternary_matmul %[[Q]], %[[W]]
// CHECK: bitnet.dequantize %{{.*}}, %[[S]], %[[G]]
// CHECK: bitnet.ternary_matmul %[[Q]], %[[W]]
// CHECK: bitnet.dequantize %{{.*}}, %[[S]], %[[G]]
// CHECK-NOT: bitnet.rms_norm_quantize
// CHECK-NOT: tosa.pow
// CHECK-NOT: math.sqrt
// CHECK-NOT: bitnet.quantize
// BITS4-LABEL: func @fused_imported_form
// BITS4: bitnet.rms_norm_quantize %{{.*}} epsilon 9.99999974E-6 bits 4 : tensor<7x16xf32>, tensor<16xf32> -> tensor<7x16xi8>, tensor<7xf32>
// BITS4-NOT: bitnet.rms_norm_quantize
func.func @fused_imported_form(%x: tensor<1x7x16xf32>, %w: tensor<5x16xi8>, %g: tensor<f32>) -> (tensor<1x7x5xf32>, tensor<1x7x5xf32>) {
  %two = arith.constant dense<2.000000e+00> : tensor<1x1x1xf32>
  %k = arith.constant dense<1.600000e+01> : tensor<f32>
  %eps = arith.constant dense<9.99999974E-6> : tensor<1x1x1xf32>
  %one = arith.constant dense<1.000000e+00> : tensor<f32>
  %gamma = arith.constant dense<[[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0]]]> : tensor<1x1x16xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %sq = tosa.pow %x, %two : (tensor<1x7x16xf32>, tensor<1x1x1xf32>) -> tensor<1x7x16xf32>
  %sum = tosa.reduce_sum %sq {axis = 2 : i32} : (tensor<1x7x16xf32>) -> tensor<1x7x1xf32>
  %e0 = tensor.empty() : tensor<1x7x1xf32>
  %mean = linalg.generic {indexing_maps = [#id3, #scalar3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sum, %k : tensor<1x7x1xf32>, tensor<f32>) outs(%e0 : tensor<1x7x1xf32>) {
  ^bb0(%in: f32, %in_k: f32, %out: f32):
    %d = arith.divf %in, %in_k : f32
    linalg.yield %d : f32
  } -> tensor<1x7x1xf32>
  %shifted = tosa.add %mean, %eps : (tensor<1x7x1xf32>, tensor<1x1x1xf32>) -> tensor<1x7x1xf32>
  %e1 = tensor.empty() : tensor<1x7x1xf32>
  %root = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%shifted : tensor<1x7x1xf32>) outs(%e1 : tensor<1x7x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.sqrt %in : f32
    linalg.yield %s : f32
  } -> tensor<1x7x1xf32>
  %e2 = tensor.empty() : tensor<1x7x1xf32>
  %r = linalg.generic {indexing_maps = [#scalar3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%one, %root : tensor<f32>, tensor<1x7x1xf32>) outs(%e2 : tensor<1x7x1xf32>) {
  ^bb0(%in_one: f32, %in: f32, %out: f32):
    %d = arith.divf %in_one, %in : f32
    linalg.yield %d : f32
  } -> tensor<1x7x1xf32>
  %normed = tosa.mul %x, %r, %shift : (tensor<1x7x16xf32>, tensor<1x7x1xf32>, tensor<1xi8>) -> tensor<1x7x16xf32>
  %y = tosa.mul %normed, %gamma, %shift : (tensor<1x7x16xf32>, tensor<1x1x16xf32>, tensor<1xi8>) -> tensor<1x7x16xf32>
  %a = bitnet.bitlinear %y, %w, %g : tensor<1x7x16xf32>, tensor<5x16xi8>, tensor<f32> -> tensor<1x7x5xf32>
  %b = bitnet.bitlinear %y, %w, %g : tensor<1x7x16xf32>, tensor<5x16xi8>, tensor<f32> -> tensor<1x7x5xf32>
  return %a, %b : tensor<1x7x5xf32>, tensor<1x7x5xf32>
}

// -----

// tosa.rsqrt, the mean as a product with 1/K, gamma a function argument
// of shape [1, K]; an already-decomposed bitnet.quantize keeps its width.
// CHECK-LABEL: func @fused_rsqrt_gamma_argument
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[GAMMA:.*]]: tensor<1x8xf32>)
// CHECK: %[[G1:.*]] = tensor.collapse_shape %[[GAMMA]] {{\[}}[0, 1]] : tensor<1x8xf32> into tensor<8xf32>
// CHECK: %[[Q:.*]], %[[S:.*]] = bitnet.rms_norm_quantize %[[X]], %[[G1]] epsilon 9.99999997E-7 bits 4 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xi8>, tensor<4xf32>
// CHECK: return %[[Q]], %[[S]]
// BITS4-LABEL: func @fused_rsqrt_gamma_argument
// BITS4: bitnet.rms_norm_quantize {{.*}} bits 4
func.func @fused_rsqrt_gamma_argument(%x: tensor<4x8xf32>, %gamma: tensor<1x8xf32>) -> (tensor<4x8xi8>, tensor<4xf32>) {
  %inv_k = arith.constant dense<1.250000e-01> : tensor<1x1xf32>
  %eps = arith.constant dense<1.0e-6> : tensor<1x1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %sq = tosa.mul %x, %x, %shift : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<1xi8>) -> tensor<4x8xf32>
  %sum = tosa.reduce_sum %sq {axis = 1 : i32} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %mean = tosa.mul %inv_k, %sum, %shift : (tensor<1x1xf32>, tensor<4x1xf32>, tensor<1xi8>) -> tensor<4x1xf32>
  %shifted = tosa.add %eps, %mean : (tensor<1x1xf32>, tensor<4x1xf32>) -> tensor<4x1xf32>
  %r = tosa.rsqrt %shifted : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %normed = tosa.mul %r, %x, %shift : (tensor<4x1xf32>, tensor<4x8xf32>, tensor<1xi8>) -> tensor<4x8xf32>
  %y = tosa.mul %gamma, %normed, %shift : (tensor<1x8xf32>, tensor<4x8xf32>, tensor<1xi8>) -> tensor<4x8xf32>
  %q, %s = bitnet.quantize %y bits 4 : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4xf32>
  return %q, %s : tensor<4x8xi8>, tensor<4xf32>
}

// -----

// A norm without a weight: gamma is ones (multiplying by 1 is exact).
// CHECK-LABEL: func @fused_without_weight
// CHECK: %[[ONES:.*]] = arith.constant dense<1.000000e+00> : tensor<8xf32>
// CHECK: bitnet.rms_norm_quantize %{{.*}}, %[[ONES]] epsilon 9.99999974E-6 bits 8
func.func @fused_without_weight(%x: tensor<4x8xf32>, %w: tensor<3x8xi8>, %g: tensor<f32>) -> tensor<4x3xf32> {
  %eps = arith.constant dense<9.99999974E-6> : tensor<1x1xf32>
  %inv_k = arith.constant dense<1.250000e-01> : tensor<1x1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %sq = tosa.mul %x, %x, %shift : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<1xi8>) -> tensor<4x8xf32>
  %sum = tosa.reduce_sum %sq {axis = 1 : i32} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %mean = tosa.mul %sum, %inv_k, %shift : (tensor<4x1xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<4x1xf32>
  %shifted = tosa.add %mean, %eps : (tensor<4x1xf32>, tensor<1x1xf32>) -> tensor<4x1xf32>
  %r = tosa.rsqrt %shifted : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %y = tosa.mul %x, %r, %shift : (tensor<4x8xf32>, tensor<4x1xf32>, tensor<1xi8>) -> tensor<4x8xf32>
  %out = bitnet.bitlinear %y, %w, %g : tensor<4x8xf32>, tensor<3x8xi8>, tensor<f32> -> tensor<4x3xf32>
  return %out : tensor<4x3xf32>
}

// -----

// The mean over the token axis is not an RMSNorm: left alone, with a
// remark. The layer is not decomposed; bits=4 still sets its width.
// CHECK-LABEL: func @not_fused_wrong_axis
// CHECK: tosa.reduce_sum
// CHECK: bitnet.bitlinear %{{.*}} : tensor<4x8xf32>, tensor<3x8xi8>, tensor<f32> -> tensor<4x3xf32>
// CHECK-NOT: bitnet.rms_norm_quantize
// BITS4-LABEL: func @not_fused_wrong_axis
// BITS4: bitnet.bitlinear %{{.*}} act_bits 4 :
func.func @not_fused_wrong_axis(%x: tensor<4x8xf32>, %w: tensor<3x8xi8>, %g: tensor<f32>) -> tensor<4x3xf32> {
  %eps = arith.constant dense<9.99999974E-6> : tensor<1x1xf32>
  %inv_k = arith.constant dense<1.250000e-01> : tensor<1x1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %sq = tosa.mul %x, %x, %shift : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<1xi8>) -> tensor<4x8xf32>
  %sum = tosa.reduce_sum %sq {axis = 0 : i32} : (tensor<4x8xf32>) -> tensor<1x8xf32>
  %mean = tosa.mul %sum, %inv_k, %shift : (tensor<1x8xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<1x8xf32>
  %shifted = tosa.add %mean, %eps : (tensor<1x8xf32>, tensor<1x1xf32>) -> tensor<1x8xf32>
  %r = tosa.rsqrt %shifted : (tensor<1x8xf32>) -> tensor<1x8xf32>
  // expected-remark @+1 {{RMSNorm not fused with the activation quantization: the mean is over axis 0, not the last axis}}
  %y = tosa.mul %x, %r, %shift : (tensor<4x8xf32>, tensor<1x8xf32>, tensor<1xi8>) -> tensor<4x8xf32>
  %out = bitnet.bitlinear %y, %w, %g : tensor<4x8xf32>, tensor<3x8xi8>, tensor<f32> -> tensor<4x3xf32>
  return %out : tensor<4x3xf32>
}

// -----

// epsilon is a run-time value: left alone, with a remark.
// CHECK-LABEL: func @not_fused_runtime_epsilon
// CHECK: bitnet.bitlinear
// CHECK-NOT: bitnet.rms_norm_quantize
func.func @not_fused_runtime_epsilon(%x: tensor<4x8xf32>, %eps: tensor<1x1xf32>, %w: tensor<3x8xi8>, %g: tensor<f32>) -> tensor<4x3xf32> {
  %inv_k = arith.constant dense<1.250000e-01> : tensor<1x1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %sq = tosa.mul %x, %x, %shift : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<1xi8>) -> tensor<4x8xf32>
  %sum = tosa.reduce_sum %sq {axis = 1 : i32} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %mean = tosa.mul %sum, %inv_k, %shift : (tensor<4x1xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<4x1xf32>
  %shifted = tosa.add %mean, %eps : (tensor<4x1xf32>, tensor<1x1xf32>) -> tensor<4x1xf32>
  %r = tosa.rsqrt %shifted : (tensor<4x1xf32>) -> tensor<4x1xf32>
  // expected-remark @+1 {{RMSNorm not fused with the activation quantization: epsilon is not a constant}}
  %y = tosa.mul %x, %r, %shift : (tensor<4x8xf32>, tensor<4x1xf32>, tensor<1xi8>) -> tensor<4x8xf32>
  %out = bitnet.bitlinear %y, %w, %g : tensor<4x8xf32>, tensor<3x8xi8>, tensor<f32> -> tensor<4x3xf32>
  return %out : tensor<4x3xf32>
}

// -----

// TopK sparsification (a4.8) between the norm and the quantization: the
// quantized tensor is not the norm's output.
// CHECK-LABEL: func @not_fused_topk
// CHECK: bitnet.bitlinear %{{.*}} topk 5.000000e-01
// CHECK-NOT: bitnet.rms_norm_quantize
func.func @not_fused_topk(%x: tensor<4x8xf32>, %w: tensor<3x8xi8>, %g: tensor<f32>) -> tensor<4x3xf32> {
  %eps = arith.constant dense<9.99999974E-6> : tensor<1x1xf32>
  %inv_k = arith.constant dense<1.250000e-01> : tensor<1x1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %sq = tosa.mul %x, %x, %shift : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<1xi8>) -> tensor<4x8xf32>
  %sum = tosa.reduce_sum %sq {axis = 1 : i32} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %mean = tosa.mul %sum, %inv_k, %shift : (tensor<4x1xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<4x1xf32>
  %shifted = tosa.add %mean, %eps : (tensor<4x1xf32>, tensor<1x1xf32>) -> tensor<4x1xf32>
  %r = tosa.rsqrt %shifted : (tensor<4x1xf32>) -> tensor<4x1xf32>
  // expected-remark @+1 {{RMSNorm not fused with the activation quantization: TopK sparsification sits between the norm and the quantization}}
  %y = tosa.mul %x, %r, %shift : (tensor<4x8xf32>, tensor<4x1xf32>, tensor<1xi8>) -> tensor<4x8xf32>
  %out = bitnet.bitlinear %y, %w, %g topk 5.000000e-01 : tensor<4x8xf32>, tensor<3x8xi8>, tensor<f32> -> tensor<4x3xf32>
  return %out : tensor<4x3xf32>
}

// -----

// No norm: nothing to fuse and no remark; bits=4 sets the width of layers
// and of quantizations alike, bits=0 keeps them.
// CHECK-LABEL: func @plain
// CHECK: bitnet.bitlinear %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x8xf32>
// CHECK: bitnet.quantize %{{.*}} bits 8
// BITS4-LABEL: func @plain
// BITS4: bitnet.bitlinear %{{.*}}, %{{.*}}, %{{.*}} act_bits 4 : tensor<4x8xf32>
// BITS4: bitnet.quantize %{{.*}} bits 4
func.func @plain(%x: tensor<4x8xf32>, %w: tensor<3x8xi8>, %g: tensor<f32>) -> (tensor<4x3xf32>, tensor<4x8xi8>) {
  %out = bitnet.bitlinear %x, %w, %g : tensor<4x8xf32>, tensor<3x8xi8>, tensor<f32> -> tensor<4x3xf32>
  %q, %s = bitnet.quantize %x bits 8 : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4xf32>
  return %out, %q : tensor<4x3xf32>, tensor<4x8xi8>
}
