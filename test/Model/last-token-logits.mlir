// RUN: bitnet-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bitnet-last-token-logits))' | FileCheck %s

// A prefill (cache state, 4 new tokens): the lm_head multiplies only the
// hidden row at `logits_index`, and the logits are [1, 1, V].
// CHECK-LABEL: func.func @prefill(
// CHECK-SAME:    %[[H:[a-z0-9]+]]: tensor<1x4x8xf32>, %{{.*}}: tensor<1x2x16x8xf32> {bitnet.state}, %[[IDX:[a-z0-9]+]]: tensor<1xi64>) -> tensor<1x1x5xf32>
// CHECK-SAME:    bitnet.input_names = ["hidden", "past_key_values.0.key", "logits_index"]
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK:         %[[I:.*]] = tensor.extract %[[IDX]][%[[C0]]] : tensor<1xi64>
// CHECK:         %[[ROW:.*]] = arith.index_cast %[[I]] : i64 to index
// CHECK:         %[[LAST:.*]] = tensor.extract_slice %[[H]][0, %[[ROW]], 0] [1, 1, 8] [1, 1, 1] : tensor<1x4x8xf32> to tensor<1x1x8xf32>
// CHECK:         %[[L:.*]] = tosa.matmul %[[LAST]], %{{.*}} : (tensor<1x1x8xf32>, tensor<1x8x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x5xf32>
// CHECK:         return %[[L]] : tensor<1x1x5xf32>
func.func @prefill(%h: tensor<1x4x8xf32>, %cache: tensor<1x2x16x8xf32> {bitnet.state})
    -> tensor<1x4x5xf32>
    attributes {bitnet.input_names = ["hidden", "past_key_values.0.key"],
                bitnet.output_names = ["logits"]} {
  %w = arith.constant dense<0.5> : tensor<1x8x5xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %logits = tosa.matmul %h, %w, %zp, %zp : (tensor<1x4x8xf32>, tensor<1x8x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x5xf32>
  return %logits : tensor<1x4x5xf32>
}

// -----

// A model without caches keeps every token's logits.
// CHECK-LABEL: func.func @plain(
// CHECK-SAME:    -> tensor<1x4x5xf32>
// CHECK-NOT:     logits_index
// CHECK:         tosa.matmul %arg0
func.func @plain(%h: tensor<1x4x8xf32>) -> tensor<1x4x5xf32>
    attributes {bitnet.input_names = ["hidden"], bitnet.output_names = ["logits"]} {
  %w = arith.constant dense<0.5> : tensor<1x8x5xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %logits = tosa.matmul %h, %w, %zp, %zp : (tensor<1x4x8xf32>, tensor<1x8x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x5xf32>
  return %logits : tensor<1x4x5xf32>
}

// -----

// Decode (one token) has nothing to slice.
// CHECK-LABEL: func.func @decode(
// CHECK-SAME:    -> tensor<1x1x5xf32>
// CHECK-NOT:     logits_index
func.func @decode(%h: tensor<1x1x8xf32>, %cache: tensor<1x2x16x8xf32> {bitnet.state})
    -> tensor<1x1x5xf32>
    attributes {bitnet.input_names = ["hidden", "past_key_values.0.key"],
                bitnet.output_names = ["logits"]} {
  %w = arith.constant dense<0.5> : tensor<1x8x5xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %logits = tosa.matmul %h, %w, %zp, %zp : (tensor<1x1x8xf32>, tensor<1x8x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x5xf32>
  return %logits : tensor<1x1x5xf32>
}

// -----

// Logits that are not a product of the hidden states are left alone.
// CHECK-LABEL: func.func @other(
// CHECK-SAME:    -> tensor<1x4x5xf32>
// CHECK-NOT:     logits_index
func.func @other(%x: tensor<1x4x5xf32>, %cache: tensor<1x2x16x8xf32> {bitnet.state})
    -> tensor<1x4x5xf32>
    attributes {bitnet.input_names = ["x", "past_key_values.0.key"],
                bitnet.output_names = ["logits"]} {
  return %x : tensor<1x4x5xf32>
}
