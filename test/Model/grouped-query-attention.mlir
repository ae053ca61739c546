// RUN: bitnet-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bitnet-grouped-query-attention,canonicalize))' | FileCheck %s

// q @ k^T with 2 kv heads repeated twice (4 query heads, 3 tokens, 5 keys of
// 8 dims): the queries are viewed as [2, 6, 8] and multiplied by the kv heads
// themselves; no tile is left.
// CHECK-LABEL: func.func @scores(
// CHECK-SAME:    %[[Q:.*]]: tensor<4x3x8xf32>, %[[K:.*]]: tensor<1x2x5x8xf32>)
// CHECK-NOT:     tosa.tile
// CHECK-DAG:     %[[KT:.*]] = tosa.transpose %[[K]] {perms = array<i32: 0, 1, 3, 2>} : (tensor<1x2x5x8xf32>) -> tensor<1x2x8x5xf32>
// CHECK-DAG:     %[[QG:.*]] = tosa.reshape %[[Q]], %{{.*}} : (tensor<4x3x8xf32>, !tosa.shape<3>) -> tensor<2x6x8xf32>
// CHECK-DAG:     %[[KG:.*]] = tosa.reshape %[[KT]], %{{.*}} : (tensor<1x2x8x5xf32>, !tosa.shape<3>) -> tensor<2x8x5xf32>
// CHECK:         %[[P:.*]] = tosa.matmul %[[QG]], %[[KG]], %{{.*}}, %{{.*}} : (tensor<2x6x8xf32>, tensor<2x8x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x6x5xf32>
// CHECK:         %[[R:.*]] = tosa.reshape %[[P]], %{{.*}} : (tensor<2x6x5xf32>, !tosa.shape<3>) -> tensor<4x3x5xf32>
// CHECK:         return %[[R]]
func.func @scores(%q: tensor<4x3x8xf32>, %k: tensor<1x2x5x8xf32>) -> tensor<4x3x5xf32> {
  %s5 = tosa.const_shape {values = dense<[1, 2, 1, 5, 8]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %m = tosa.const_shape {values = dense<[1, 1, 2, 1, 1]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %s4 = tosa.const_shape {values = dense<[1, 4, 5, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s3 = tosa.const_shape {values = dense<[4, 8, 5]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %e = tosa.reshape %k, %s5 : (tensor<1x2x5x8xf32>, !tosa.shape<5>) -> tensor<1x2x1x5x8xf32>
  %t = tosa.tile %e, %m : (tensor<1x2x1x5x8xf32>, !tosa.shape<5>) -> tensor<1x2x2x5x8xf32>
  %r = tosa.reshape %t, %s4 : (tensor<1x2x2x5x8xf32>, !tosa.shape<4>) -> tensor<1x4x5x8xf32>
  %kt = tosa.transpose %r {perms = array<i32: 0, 1, 3, 2>} : (tensor<1x4x5x8xf32>) -> tensor<1x4x8x5xf32>
  %b = tosa.reshape %kt, %s3 : (tensor<1x4x8x5xf32>, !tosa.shape<3>) -> tensor<4x8x5xf32>
  %p = tosa.matmul %q, %b, %zp, %zp : (tensor<4x3x8xf32>, tensor<4x8x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x3x5xf32>
  return %p : tensor<4x3x5xf32>
}

// -----

// probabilities @ v, the repetition reshaped straight to [H, keys, dims].
// CHECK-LABEL: func.func @values(
// CHECK-SAME:    %[[P:.*]]: tensor<4x3x5xf32>, %[[V:.*]]: tensor<1x2x5x8xf32>)
// CHECK-NOT:     tosa.tile
// CHECK-DAG:     %[[PG:.*]] = tosa.reshape %[[P]], %{{.*}} -> tensor<2x6x5xf32>
// CHECK-DAG:     %[[VG:.*]] = tosa.reshape %[[V]], %{{.*}} -> tensor<2x5x8xf32>
// CHECK:         tosa.matmul %[[PG]], %[[VG]], {{.*}} -> tensor<2x6x8xf32>
func.func @values(%p: tensor<4x3x5xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<4x3x8xf32> {
  %s5 = tosa.const_shape {values = dense<[1, 2, 1, 5, 8]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %m = tosa.const_shape {values = dense<[1, 1, 2, 1, 1]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %s3 = tosa.const_shape {values = dense<[4, 5, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %e = tosa.reshape %v, %s5 : (tensor<1x2x5x8xf32>, !tosa.shape<5>) -> tensor<1x2x1x5x8xf32>
  %t = tosa.tile %e, %m : (tensor<1x2x1x5x8xf32>, !tosa.shape<5>) -> tensor<1x2x2x5x8xf32>
  %b = tosa.reshape %t, %s3 : (tensor<1x2x2x5x8xf32>, !tosa.shape<3>) -> tensor<4x5x8xf32>
  %o = tosa.matmul %p, %b, %zp, %zp : (tensor<4x3x5xf32>, tensor<4x5x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x3x8xf32>
  return %o : tensor<4x3x8xf32>
}

// -----

// A tile along the keys (not a head repetition) is a different product.
// CHECK-LABEL: func.func @not_heads(
// CHECK:         tosa.tile
// CHECK:         tosa.matmul %arg0, %{{.*}} -> tensor<4x3x8xf32>
func.func @not_heads(%p: tensor<4x3x10xf32>, %v: tensor<1x4x5x8xf32>) -> tensor<4x3x8xf32> {
  %s5 = tosa.const_shape {values = dense<[1, 4, 1, 5, 8]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %m = tosa.const_shape {values = dense<[1, 1, 2, 1, 1]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %s3 = tosa.const_shape {values = dense<[4, 10, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %e = tosa.reshape %v, %s5 : (tensor<1x4x5x8xf32>, !tosa.shape<5>) -> tensor<1x4x1x5x8xf32>
  %t = tosa.tile %e, %m : (tensor<1x4x1x5x8xf32>, !tosa.shape<5>) -> tensor<1x4x2x5x8xf32>
  %b = tosa.reshape %t, %s3 : (tensor<1x4x2x5x8xf32>, !tosa.shape<3>) -> tensor<4x10x8xf32>
  %o = tosa.matmul %p, %b, %zp, %zp : (tensor<4x3x10xf32>, tensor<4x10x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x3x8xf32>
  return %o : tensor<4x3x8xf32>
}
