// RUN: bitnet-opt %s --split-input-file --bitnet-emit-entry-point --verify-diagnostics | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --bitnet-emit-entry-point="name=decode" --verify-diagnostics | FileCheck %s --check-prefix=NAMED

// With a name, the symbols carry it (one library, several entry points).
// NAMED: llvm.mlir.global external constant @bitnet_model_info_decode("bitnet-model 1\0Ainput ids
// NAMED-LABEL: func.func @bitnet_run_decode(%arg0: !llvm.ptr, %arg1: !llvm.ptr)

// The signature record names the tensors from the importer's attributes;
// bitnet_run views inputs[i] / outputs[j] as memrefs, calls the model and
// writes each result into the caller's buffer.
// CHECK: llvm.mlir.global external constant @bitnet_model_info("bitnet-model 1\0Ainput ids i64 1x7\0Ainput mask bool 7\0Aoutput logits f32 1x7x3\0A\00")
// CHECK-LABEL: func.func @bitnet_run(%arg0: !llvm.ptr, %arg1: !llvm.ptr)
// CHECK:   %[[SLOT0:.*]] = llvm.getelementptr %arg0[0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:   %[[DATA0:.*]] = llvm.load %[[SLOT0]] : !llvm.ptr -> !llvm.ptr
// CHECK:   %[[D0:.*]] = llvm.insertvalue %[[DATA0]], %{{.*}}[0]
// CHECK:   %[[M0:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<1x7xi64>
// CHECK:   %[[T0:.*]] = bufferization.to_tensor %[[M0]] restrict : memref<1x7xi64>
// CHECK:   llvm.getelementptr %arg0[1]
// CHECK:   %[[T1:.*]] = bufferization.to_tensor %{{.*}} restrict : memref<7xi1>
// CHECK:   %[[R:.*]] = call @main(%[[T0]], %[[T1]]) : (tensor<1x7xi64>, tensor<7xi1>) -> tensor<1x7x3xf32>
// CHECK:   llvm.getelementptr %arg1[0]
// CHECK:   %[[OUT:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<1x7x3xf32>
// CHECK:   bufferization.materialize_in_destination %[[R]] in restrict writable %[[OUT]]
// CHECK:   return
func.func @main(%ids: tensor<1x7xi64>, %mask: tensor<7xi1>) -> tensor<1x7x3xf32>
    attributes {bitnet.input_names = ["ids", "mask"], bitnet.output_names = ["logits"]} {
  %c = arith.constant dense<1.0> : tensor<1x7x3xf32>
  return %c : tensor<1x7x3xf32>
}

// -----

// Without names: input0, output0, ...; rank 0 is "scalar".
// CHECK: @bitnet_model_info("bitnet-model 1\0Ainput input0 f32 scalar\0Aoutput output0 f32 scalar\0A\00")
// CHECK-LABEL: func.func @bitnet_run
func.func @main(%x: tensor<f32>) -> tensor<f32> {
  return %x : tensor<f32>
}

// -----

// expected-error @+1 {{bitnet-emit-entry-point: input 0 of @main has type 'tensor<?x7xf32>'; the entry point needs statically shaped tensors of int, float or bool elements}}
func.func @main(%x: tensor<?x7xf32>) -> tensor<?x7xf32> {
  return %x : tensor<?x7xf32>
}

// -----

// expected-error @+1 {{bitnet-emit-entry-point: no function @main}}
module {
  func.func private @main(tensor<2xf32>) -> tensor<2xf32>
}

// -----

// A key-value cache (bitnet.state) is a `state` line in argument order, is
// viewed as a writable buffer (the model updates it in place), and loses its
// mark, which means nothing to LLVM.
// CHECK-LABEL: func.func @main(%arg0: tensor<1x1xi64>, %arg1: tensor<1x2x8x4xf32>, %arg2: tensor<1xi64>)
// CHECK: @bitnet_model_info("bitnet-model 1\0Ainput ids i64 1x1\0Astate past_key_values.0.key f32 1x2x8x4\0Ainput cache_position i64 1\0Aoutput logits f32 1x4\0A\00")
// CHECK-LABEL: func.func @bitnet_run
// CHECK:         bufferization.to_tensor %{{.*}} restrict : memref<1x1xi64>
// CHECK:         bufferization.to_tensor %{{.*}} restrict writable : memref<1x2x8x4xf32>
// CHECK:         bufferization.to_tensor %{{.*}} restrict : memref<1xi64>
func.func @main(%ids: tensor<1x1xi64>, %cache: tensor<1x2x8x4xf32> {bitnet.state},
                %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.input_names = ["ids", "past_key_values.0.key", "cache_position"],
                bitnet.output_names = ["logits"]} {
  %c = arith.constant dense<1.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}

// -----

// Context buckets: functions standing in for @main at smaller cache
// capacities (bitnet.bucket_of, bitnet.context_bucket; onnx::importDecoder's
// decode_ctx<B>). The entry point calls the smallest whose capacity holds
// the new token (cache_position + 1 <= B: one new token unless
// bitnet.bucket_new_tokens says otherwise), on the leading slots of the
// caller's buffers: the caches
// and the mask as extract_slices whose strided layouts the buckets'
// arguments declare (bufferization.buffer_layout), so bufferization passes
// the caller's buffers themselves and the updates land in place.
// CHECK-LABEL: func.func private @main_ctx4(%arg0: tensor<1x1xi64>, %arg1: tensor<1x2x4x4xf32> {bufferization.buffer_layout = strided<[64, 32, 4, 1]>}, %arg2: tensor<1x4xi64> {bufferization.buffer_layout = strided<[8, 1]>}, %arg3: tensor<1xi64>)
// CHECK-LABEL: func.func private @main_ctx2(%arg0: tensor<1x1xi64>, %arg1: tensor<1x2x2x4xf32> {bufferization.buffer_layout = strided<[64, 32, 4, 1]>}, %arg2: tensor<1x2xi64> {bufferization.buffer_layout = strided<[8, 1]>}, %arg3: tensor<1xi64>)
// CHECK-LABEL: func.func @bitnet_run
// CHECK-DAG:     %[[IDS:.*]] = bufferization.to_tensor %{{.*}} restrict : memref<1x1xi64>
// CHECK-DAG:     %[[CACHE:.*]] = bufferization.to_tensor %{{.*}} restrict writable : memref<1x2x8x4xf32>
// CHECK-DAG:     %[[MASK:.*]] = bufferization.to_tensor %{{.*}} restrict : memref<1x8xi64>
// CHECK-DAG:     %[[POS:.*]] = bufferization.to_tensor %{{.*}} restrict : memref<1xi64>
// CHECK:         %[[P:.*]] = tensor.extract %[[POS]][%{{.*}}] : tensor<1xi64>
// CHECK:         %[[FITS2:.*]] = arith.cmpi sle, %[[P]], %c1_i64 : i64
// CHECK:         %[[R:.*]] = scf.if %[[FITS2]] -> (tensor<1x4xf32>) {
// CHECK:           %[[C2:.*]] = tensor.extract_slice %[[CACHE]][0, 0, 0, 0] [1, 2, 2, 4] [1, 1, 1, 1] : tensor<1x2x8x4xf32> to tensor<1x2x2x4xf32>
// CHECK:           %[[M2:.*]] = tensor.extract_slice %[[MASK]][0, 0] [1, 2] [1, 1] : tensor<1x8xi64> to tensor<1x2xi64>
// CHECK:           %[[R2:.*]] = func.call @main_ctx2(%[[IDS]], %[[C2]], %[[M2]], %[[POS]])
// CHECK:           scf.yield %[[R2]]
// CHECK:         } else {
// CHECK:           %[[FITS4:.*]] = arith.cmpi sle, %[[P]], %c3_i64 : i64
// CHECK:           scf.if %[[FITS4]] -> (tensor<1x4xf32>) {
// CHECK:             func.call @main_ctx4(
// CHECK:           } else {
// CHECK:             func.call @main(%[[IDS]], %[[CACHE]], %[[MASK]], %[[POS]])
// CHECK:         bufferization.materialize_in_destination %[[R]]
// (The buckets lose their state marks too: the signatures above.)
func.func @main(%ids: tensor<1x1xi64>, %cache: tensor<1x2x8x4xf32> {bitnet.state},
                %mask: tensor<1x8xi64>, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.input_names = ["ids", "past_key_values.0.key", "attention_mask", "cache_position"],
                bitnet.output_names = ["logits"]} {
  %c = arith.constant dense<1.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}
func.func private @main_ctx4(%ids: tensor<1x1xi64>, %cache: tensor<1x2x4x4xf32> {bitnet.state},
                             %mask: tensor<1x4xi64>, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.bucket_of = "main", bitnet.context_bucket = 4 : i64,
                bitnet.input_names = ["ids", "past_key_values.0.key", "attention_mask", "cache_position"]} {
  %c = arith.constant dense<2.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}
func.func private @main_ctx2(%ids: tensor<1x1xi64>, %cache: tensor<1x2x2x4xf32> {bitnet.state},
                             %mask: tensor<1x2xi64>, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.bucket_of = "main", bitnet.context_bucket = 2 : i64,
                bitnet.input_names = ["ids", "past_key_values.0.key", "attention_mask", "cache_position"]} {
  %c = arith.constant dense<3.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}

// -----

// A bucket whose argument is not a leading block of the model's.
func.func @main(%cache: tensor<1x2x8x4xf32> {bitnet.state}, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.input_names = ["past_key_values.0.key", "cache_position"]} {
  %c = arith.constant dense<1.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}
// expected-error @+1 {{bitnet-emit-entry-point: @main_ctx4 cannot stand in for @main: argument 0 ('tensor<1x3x4x4xf32>') is not the model's argument ('tensor<1x2x8x4xf32>') or its leading block of 4 slots}}
func.func private @main_ctx4(%cache: tensor<1x3x4x4xf32> {bitnet.state}, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.bucket_of = "main", bitnet.context_bucket = 4 : i64,
                bitnet.input_names = ["past_key_values.0.key", "cache_position"]} {
  %c = arith.constant dense<2.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}

// -----

// A capacity that disagrees with the slots: the dispatch would send
// positions 4 and 5 to a 4-slot cache.
func.func @main(%cache: tensor<1x2x8x4xf32> {bitnet.state}, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.input_names = ["past_key_values.0.key", "cache_position"]} {
  %c = arith.constant dense<1.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}
// expected-error @+1 {{argument 0 ('tensor<1x2x4x4xf32>') is not the model's argument ('tensor<1x2x8x4xf32>') or its leading block of 6 slots}}
func.func private @main_ctx6(%cache: tensor<1x2x4x4xf32> {bitnet.state}, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.bucket_of = "main", bitnet.context_bucket = 6 : i64,
                bitnet.input_names = ["past_key_values.0.key", "cache_position"]} {
  %c = arith.constant dense<2.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}

// -----

// A bucket must say its capacity, and take the model's inputs by name.
func.func @main(%cache: tensor<1x2x8x4xf32> {bitnet.state}, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.input_names = ["past_key_values.0.key", "cache_position"]} {
  %c = arith.constant dense<1.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}
// expected-error @+1 {{@main_nocap cannot stand in for @main: it has no bitnet.context_bucket capacity}}
func.func private @main_nocap(%cache: tensor<1x2x4x4xf32> {bitnet.state}, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.bucket_of = "main",
                bitnet.input_names = ["past_key_values.0.key", "cache_position"]} {
  %c = arith.constant dense<2.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}

// -----

func.func @main(%cache: tensor<1x2x8x4xf32> {bitnet.state}, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.input_names = ["past_key_values.0.key", "cache_position"]} {
  %c = arith.constant dense<1.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}
// expected-error @+1 {{@main_ctx4 cannot stand in for @main: its inputs or results differ beyond the capacity}}
func.func private @main_ctx4(%cache: tensor<1x2x4x4xf32> {bitnet.state}, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.bucket_of = "main", bitnet.context_bucket = 4 : i64,
                bitnet.input_names = ["cache", "position"]} {
  %c = arith.constant dense<2.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}

// -----

// Buckets need the position input to choose among them.
// expected-error @+1 {{bitnet-emit-entry-point: @main has context buckets but no 'cache_position' input of type 'tensor<1xi64>'}}
func.func @main(%cache: tensor<1x2x8x4xf32> {bitnet.state}) -> tensor<1x4xf32> {
  %c = arith.constant dense<1.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}
func.func private @main_ctx4(%cache: tensor<1x2x4x4xf32>) -> tensor<1x4xf32>
    attributes {bitnet.bucket_of = "main", bitnet.context_bucket = 4 : i64} {
  %c = arith.constant dense<2.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}

// -----

// A prefill bucket appends S = 3 tokens: it holds them iff
// cache_position + 3 <= 8, i.e. cache_position <= 5.
// CHECK-LABEL: func.func @bitnet_run
// CHECK:         %[[P:.*]] = tensor.extract
// CHECK:         arith.cmpi sle, %[[P]], %c5_i64 : i64
// CHECK:         func.call @main_ctx8(
func.func @main(%ids: tensor<1x3xi64>, %cache: tensor<1x2x16x4xf32> {bitnet.state},
                %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.input_names = ["ids", "past_key_values.0.key", "cache_position"]} {
  %c = arith.constant dense<1.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}
func.func private @main_ctx8(%ids: tensor<1x3xi64>, %cache: tensor<1x2x8x4xf32> {bitnet.state},
                             %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.bucket_of = "main", bitnet.context_bucket = 8 : i64,
                bitnet.bucket_new_tokens = 3 : i64,
                bitnet.input_names = ["ids", "past_key_values.0.key", "cache_position"]} {
  %c = arith.constant dense<2.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}

// -----

func.func @main(%cache: tensor<1x2x16x4xf32> {bitnet.state}, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.input_names = ["past_key_values.0.key", "cache_position"]} {
  %c = arith.constant dense<1.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}
// expected-error @+1 {{@main_ctx8 cannot stand in for @main: its bitnet.bucket_new_tokens (9) must be in [1, 8]}}
func.func private @main_ctx8(%cache: tensor<1x2x8x4xf32> {bitnet.state}, %pos: tensor<1xi64>) -> tensor<1x4xf32>
    attributes {bitnet.bucket_of = "main", bitnet.context_bucket = 8 : i64,
                bitnet.bucket_new_tokens = 9 : i64,
                bitnet.input_names = ["past_key_values.0.key", "cache_position"]} {
  %c = arith.constant dense<2.0> : tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}

// -----

// An input that indexes a table (bitnet.index_bounds, set by the importer)
// carries its bounds in the record; the runtime checks them.
// CHECK: @bitnet_model_info("bitnet-model 1\0Ainput ids i64 1x7 bounds=-50:50\0Aoutput logits f32 1x7x3\0A\00")
// CHECK-LABEL: func.func @bitnet_run
func.func @main(%ids: tensor<1x7xi64>) -> tensor<1x7x3xf32>
    attributes {bitnet.input_names = ["ids"], bitnet.output_names = ["logits"],
                bitnet.index_bounds = {ids = array<i64: -50, 50>}} {
  %c = arith.constant dense<1.0> : tensor<1x7x3xf32>
  return %c : tensor<1x7x3xf32>
}

// -----

// A name the record cannot hold (the importer refuses such graph names; IR
// written by hand can still carry one).
// expected-error @+1 {{bitnet-emit-entry-point: output name 'two words' is empty or holds spaces or control characters}}
func.func @main(%x: tensor<f32>) -> tensor<f32>
    attributes {bitnet.input_names = ["x"], bitnet.output_names = ["two words"]} {
  return %x : tensor<f32>
}
