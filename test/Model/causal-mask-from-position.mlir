// RUN: bitnet-opt %s --split-input-file --bitnet-causal-mask-from-position | FileCheck %s

// A prefill of 2 tokens on a cache of 4 slots: the import folded the causal
// mask for a past of 4 - 2 = 2 (key j visible to token i when j <= 2 + i);
// it becomes the same mask from cache_position.
// CHECK-LABEL: func.func @prefill
// CHECK:         %[[POS:.*]] = tensor.extract %arg2
// CHECK:         %[[P:.*]] = arith.index_cast %[[POS]]
// CHECK:         %[[MASK:.*]] = linalg.generic
// CHECK:           %[[I:.*]] = linalg.index 2
// CHECK:           %[[J:.*]] = linalg.index 3
// CHECK:           %[[LAST:.*]] = arith.addi %[[P]], %[[I]]
// CHECK:           %[[VISIBLE:.*]] = arith.cmpi ule, %[[J]], %[[LAST]]
// CHECK:           arith.select %[[VISIBLE]], %{{.*}}, %{{.*}}
// CHECK:         tosa.add %arg3, %[[MASK]]
// CHECK-NOT:     arith.constant dense<{{\[}}
func.func @prefill(%ids: tensor<1x2xi64>, %cache: tensor<1x1x4x2xf32> {bitnet.state},
                   %pos: tensor<1xi64>, %scores: tensor<1x1x2x4xf32>) -> tensor<1x1x2x1xf32>
    attributes {bitnet.input_names = ["input_ids", "past_key_values.0.key", "cache_position", "scores"]} {
  %mask = arith.constant dense<[[[[0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x2x4xf32>
  %0 = tosa.add %scores, %mask : (tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x1x2x4xf32>
  %1 = tosa.reduce_max %0 {axis = 3 : i32} : (tensor<1x1x2x4xf32>) -> tensor<1x1x2x1xf32>
  return %1 : tensor<1x1x2x1xf32>
}

// -----

// Decode (one token): nothing is masked for a past of C - 1, so the folded
// mask is all zeros; it becomes the run-time mask too.
// CHECK-LABEL: func.func @decode
// CHECK:         linalg.generic
// CHECK:           arith.cmpi ule
// CHECK-NOT:     arith.constant dense<0.000000e+00> : tensor<1x1x1x4xf32>
func.func @decode(%ids: tensor<1x1xi64>, %cache: tensor<1x1x4x2xf32> {bitnet.state},
                  %pos: tensor<1xi64>, %scores: tensor<1x1x1x4xf32>) -> tensor<1x1x1x1xf32>
    attributes {bitnet.input_names = ["input_ids", "past_key_values.0.key", "cache_position", "scores"]} {
  %mask = arith.constant dense<0.0> : tensor<1x1x1x4xf32>
  %0 = tosa.add %scores, %mask : (tensor<1x1x1x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32>
  %1 = tosa.reduce_max %0 {axis = 3 : i32} : (tensor<1x1x1x4xf32>) -> tensor<1x1x1x1xf32>
  return %1 : tensor<1x1x1x1xf32>
}

// -----

// A constant that is not the causal mask of the cache's length (here a
// window that hides slot 0) is the graph's own business: unchanged.
// CHECK-LABEL: func.func @other_mask
// CHECK-NOT:     linalg.generic
// CHECK:         arith.constant dense
func.func @other_mask(%ids: tensor<1x2xi64>, %cache: tensor<1x1x4x2xf32> {bitnet.state},
                      %pos: tensor<1xi64>, %scores: tensor<1x1x2x4xf32>) -> tensor<1x1x2x1xf32>
    attributes {bitnet.input_names = ["input_ids", "past_key_values.0.key", "cache_position", "scores"]} {
  %mask = arith.constant dense<[[[[-3.40282347E+38, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x2x4xf32>
  %0 = tosa.add %scores, %mask : (tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x1x2x4xf32>
  %1 = tosa.reduce_max %0 {axis = 3 : i32} : (tensor<1x1x2x4xf32>) -> tensor<1x1x2x1xf32>
  return %1 : tensor<1x1x2x1xf32>
}

// -----

// The causal constant used for something other than scores before a
// softmax: unchanged.
// CHECK-LABEL: func.func @not_before_softmax
// CHECK-NOT:     linalg.generic
func.func @not_before_softmax(%ids: tensor<1x2xi64>, %cache: tensor<1x1x4x2xf32> {bitnet.state},
                              %pos: tensor<1xi64>, %scores: tensor<1x1x2x4xf32>) -> tensor<1x1x2x4xf32>
    attributes {bitnet.input_names = ["input_ids", "past_key_values.0.key", "cache_position", "scores"]} {
  %mask = arith.constant dense<[[[[0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x2x4xf32>
  %0 = tosa.add %scores, %mask : (tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x1x2x4xf32>
  return %0 : tensor<1x1x2x4xf32>
}

// -----

// No cache_position (a plain graph): unchanged.
// CHECK-LABEL: func.func @plain
// CHECK-NOT:     linalg.generic
func.func @plain(%ids: tensor<1x2xi64>, %scores: tensor<1x1x2x4xf32>) -> tensor<1x1x2x1xf32>
    attributes {bitnet.input_names = ["input_ids", "scores"]} {
  %mask = arith.constant dense<[[[[0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x2x4xf32>
  %0 = tosa.add %scores, %mask : (tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x1x2x4xf32>
  %1 = tosa.reduce_max %0 {axis = 3 : i32} : (tensor<1x1x2x4xf32>) -> tensor<1x1x2x1xf32>
  return %1 : tensor<1x1x2x1xf32>
}
