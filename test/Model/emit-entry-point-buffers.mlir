// RUN: bitnet-opt %s --split-input-file --bitnet-emit-entry-point --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s

// Context buckets after bufferization (the pipeline's own options): the
// bucket's cache argument takes the strided layout of the caller's buffer,
// and the entry point passes a subview of the caller's cache itself, so the
// bucket's update (the insert_slice) lands in the caller's buffer: no
// allocation or copy of a cache anywhere.
// CHECK-LABEL: func.func private @main_ctx4(
// CHECK-SAME:    %{{.*}}: memref<1x2x4x4xf32, strided<[64, 32, 4, 1]>>
// CHECK-NOT:     memref.alloc() {{.*}} : memref<1x2x
// CHECK:         %[[NEW:.*]] = memref.subview %arg1[0, 0, %{{.*}}, 0] [1, 2, 1, 4]
// CHECK:         memref.copy %{{.*}}, %[[NEW]]
// CHECK-LABEL: func.func @bitnet_run(
// CHECK-NOT:     memref.alloc() {{.*}} : memref<1x2x
// CHECK:         %[[CACHE:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<1x2x8x4xf32>
// CHECK-NOT:     memref.alloc() {{.*}} : memref<1x2x
// CHECK:         %[[VIEW:.*]] = memref.subview %[[CACHE]][0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1] : memref<1x2x8x4xf32> to memref<1x2x4x4xf32, strided<[64, 32, 4, 1]>>
// CHECK-NEXT:    func.call @main_ctx4(%{{.*}}, %[[VIEW]], %{{.*}})
// CHECK:         func.call @main(%{{.*}}, %[[CACHE]], %{{.*}})
// CHECK-NOT:     memref.copy {{.*}} : memref<1x2x
// CHECK:         return
func.func @main(%ids: tensor<1x1xi64>, %cache: tensor<1x2x8x4xf32> {bitnet.state},
                %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.input_names = ["ids", "past_key_values.0.key", "cache_position"],
                bitnet.output_names = ["logits"]} {
  %new = arith.constant dense<1.0> : tensor<1x2x1x4xf32>
  %c0 = arith.constant 0 : index
  %p = tensor.extract %pos[%c0] : tensor<1xi64>
  %i = arith.index_cast %p : i64 to index
  %u = tensor.insert_slice %new into %cache[0, 0, %i, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x8x4xf32>
  %r = tensor.extract_slice %u[0, 0, 0, 0] [1, 1, 1, 4] [1, 1, 1, 1] : tensor<1x2x8x4xf32> to tensor<1x4xf32>
  return %r : tensor<1x4xf32>
}
func.func private @main_ctx4(%ids: tensor<1x1xi64>, %cache: tensor<1x2x4x4xf32> {bitnet.state},
                             %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.bucket_of = "main", bitnet.context_bucket = 4 : i64,
                bitnet.input_names = ["ids", "past_key_values.0.key", "cache_position"],
                bitnet.output_names = ["logits"]} {
  %new = arith.constant dense<2.0> : tensor<1x2x1x4xf32>
  %c0 = arith.constant 0 : index
  %p = tensor.extract %pos[%c0] : tensor<1xi64>
  %i = arith.index_cast %p : i64 to index
  %u = tensor.insert_slice %new into %cache[0, 0, %i, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x4x4xf32>
  %r = tensor.extract_slice %u[0, 0, 0, 0] [1, 1, 1, 4] [1, 1, 1, 1] : tensor<1x2x4x4xf32> to tensor<1x4xf32>
  return %r : tensor<1x4xf32>
}
