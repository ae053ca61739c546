// RUN: bitnet-opt --bitnet-outline-loop-nests --split-input-file %s | FileCheck %s
// RUN: bitnet-opt --bitnet-outline-loop-nests=min-ops=3 --split-input-file %s | FileCheck %s --check-prefix=FEW

memref.global "private" constant @w : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

// Each top-level loop nest becomes a private noinline function (internal
// in LLVM), placed after its caller; the constant bound and the global are
// cloned in, the buffers are passed.
// CHECK-LABEL: func.func @model(
// CHECK-SAME:    %[[A:.*]]: memref<4xf32>, %[[B:.*]]: memref<4xf32>)
// CHECK-NOT:     scf.for
// CHECK:         call @model_nest0(%[[A]], %[[B]]) : (memref<4xf32>, memref<4xf32>) -> ()
// CHECK-NEXT:    call @model_nest1(%[[B]]) : (memref<4xf32>) -> ()
// CHECK-NEXT:    return
// CHECK:       func.func private @model_nest0(%[[X:.*]]: memref<4xf32>, %[[Y:.*]]: memref<4xf32>)
// CHECK-SAME:    attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK-DAG:     arith.constant 4 : index
// CHECK-DAG:     memref.get_global @w
// CHECK:         scf.for
// CHECK:         memref.load %[[X]]
// CHECK:         return
// CHECK:       func.func private @model_nest1(%{{.*}}: memref<4xf32>)
// CHECK:         scf.for

// With fewer loop nests than min-ops, nothing moves.
// FEW-LABEL:   func.func @model(
// FEW:           scf.for
// FEW-NOT:     func.func private @model_nest
func.func @model(%a: memref<4xf32>, %b: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %w = memref.get_global @w : memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %a[%i] : memref<4xf32>
    %y = memref.load %w[%i] : memref<4xf32>
    %z = arith.addf %x, %y : f32
    memref.store %z, %b[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %b[%i] : memref<4xf32>
    %z = arith.mulf %x, %x : f32
    memref.store %z, %b[%i] : memref<4xf32>
  }
  return
}

// -----

// Private functions are outlined too (a decoder's context buckets,
// decode_ctx<B>, are private).
// CHECK-LABEL: func.func private @bucket(
// CHECK:         call @bucket_nest0(
// CHECK-NEXT:    call @bucket_nest1(
// CHECK:       func.func private @bucket_nest0(
// CHECK:         scf.for
// CHECK:       func.func private @bucket_nest1(
func.func private @bucket(%a: memref<4xf32>, %b: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %a[%i] : memref<4xf32>
    memref.store %x, %b[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %b[%i] : memref<4xf32>
    %z = arith.mulf %x, %x : f32
    memref.store %z, %b[%i] : memref<4xf32>
  }
  return
}
