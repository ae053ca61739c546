// RUN: bitnet-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bitnet-kv-cache-in-place))' --verify-diagnostics | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bitnet-kv-cache-in-place,tosa-to-linalg),one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map})' --verify-diagnostics | FileCheck %s --check-prefix=BUF

// The cache input takes the concatenation's (capacity) type, the new entries
// go in at the new `cache_position` input, and the present output is gone.
// CHECK-LABEL: func.func @decode(
// CHECK-SAME:    %[[IDS:.*]]: tensor<1x1xi64>, %[[PAST:.*]]: tensor<1x2x8x4xf32> {bitnet.state}, %[[POS:.*]]: tensor<1xi64>) -> tensor<1x2x1x4xf32>
// CHECK-SAME:    bitnet.input_names = ["input_ids", "past_key_values.0.key", "cache_position"]
// CHECK-SAME:    bitnet.output_names = ["logits"]
// CHECK:       %[[C0:.*]] = arith.constant 0 : index
// CHECK:       %[[P:.*]] = tensor.extract %[[POS]][%[[C0]]] : tensor<1xi64>
// CHECK:       %[[OFF:.*]] = arith.index_cast %[[P]] : i64 to index
// CHECK:       %[[UPD:.*]] = tensor.insert_slice %[[NEW:.*]] into %[[PAST]][0, 0, %[[OFF]], 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x8x4xf32>
// CHECK-NOT:   tosa.concat
// CHECK:       tosa.reduce_sum %[[UPD]]
// CHECK:       return %{{.*}} : tensor<1x2x1x4xf32>

// Bufferized, the write lands in the argument's buffer: no copy of the cache.
// BUF-LABEL: func.func @decode(
// BUF-SAME:    %[[PAST:[a-z0-9]+]]: memref<1x2x8x4xf32> {bitnet.state}
// BUF-NOT:     memref.alloc() {{.*}} : memref<1x2x8x4xf32>
// BUF-NOT:     memref.copy {{.*}} to memref<1x2x8x4xf32>
// BUF:         memref.subview %[[PAST]][0, 0, %{{.*}}, 0] [1, 2, 1, 4] [1, 1, 1, 1]
// BUF:         return
func.func @decode(%ids: tensor<1x1xi64>, %past: tensor<1x2x7x4xf32>)
    -> (tensor<1x2x1x4xf32>, tensor<1x2x8x4xf32>)
    attributes {bitnet.input_names = ["input_ids", "past_key_values.0.key"],
                bitnet.output_names = ["logits", "present.0.key"]} {
  %new = arith.constant dense<1.0> : tensor<1x2x1x4xf32>
  %present = tosa.concat %past, %new {axis = 2 : i32} : (tensor<1x2x7x4xf32>, tensor<1x2x1x4xf32>) -> tensor<1x2x8x4xf32>
  %logits = tosa.reduce_sum %present {axis = 2 : i32} : (tensor<1x2x8x4xf32>) -> tensor<1x2x1x4xf32>
  return %logits, %present : tensor<1x2x1x4xf32>, tensor<1x2x8x4xf32>
}

// -----

// Functions without cache inputs are left alone.
// CHECK-LABEL: func.func @plain(%{{.*}}: tensor<4xf32>) -> tensor<4xf32>
// CHECK-NOT:     cache_position
func.func @plain(%x: tensor<4xf32>) -> tensor<4xf32>
    attributes {bitnet.input_names = ["x"], bitnet.output_names = ["y"]} {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{bitnet-kv-cache-in-place: cache input 'past_key_values.0.key' is not only the first operand of a two-operand concatenation}}
func.func @read_elsewhere(%past: tensor<1x2x7x4xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x7x4xf32>)
    attributes {bitnet.input_names = ["past_key_values.0.key"],
                bitnet.output_names = ["present.0.key", "copy"]} {
  %new = arith.constant dense<1.0> : tensor<1x2x1x4xf32>
  %present = tosa.concat %past, %new {axis = 2 : i32} : (tensor<1x2x7x4xf32>, tensor<1x2x1x4xf32>) -> tensor<1x2x8x4xf32>
  return %present, %past : tensor<1x2x8x4xf32>, tensor<1x2x7x4xf32>
}

// -----

// expected-error @+1 {{bitnet-kv-cache-in-place: cache input 'past_key_values.0.key' is not concatenated into the output 'present.0.key'}}
func.func @wrong_output(%past: tensor<1x2x7x4xf32>) -> tensor<1x2x8x4xf32>
    attributes {bitnet.input_names = ["past_key_values.0.key"],
                bitnet.output_names = ["present.1.key"]} {
  %new = arith.constant dense<1.0> : tensor<1x2x1x4xf32>
  %present = tosa.concat %past, %new {axis = 2 : i32} : (tensor<1x2x7x4xf32>, tensor<1x2x1x4xf32>) -> tensor<1x2x8x4xf32>
  return %present : tensor<1x2x8x4xf32>
}

// -----

// expected-error @+1 {{bitnet-kv-cache-in-place: the function already has an input named 'cache_position'}}
func.func @taken(%past: tensor<1x2x7x4xf32>, %pos: tensor<1xi64>) -> tensor<1x2x8x4xf32>
    attributes {bitnet.input_names = ["past_key_values.0.key", "cache_position"],
                bitnet.output_names = ["present.0.key"]} {
  %new = arith.constant dense<1.0> : tensor<1x2x1x4xf32>
  %present = tosa.concat %past, %new {axis = 2 : i32} : (tensor<1x2x7x4xf32>, tensor<1x2x1x4xf32>) -> tensor<1x2x8x4xf32>
  return %present : tensor<1x2x8x4xf32>
}
