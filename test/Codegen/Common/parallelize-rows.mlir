// RUN: bitnet-opt --bitnet-parallelize-rows=min-iterations=1024 --split-input-file %s | FileCheck %s
// RUN: bitnet-opt --bitnet-parallelize-rows=tiles=1 --split-input-file %s | FileCheck %s --check-prefix=ONE
// RUN: not bitnet-opt --bitnet-parallelize-rows=min-iterations=-5 --split-input-file %s 2>&1 | FileCheck %s --check-prefix=BADMIN
// BADMIN: error: bitnet-parallelize-rows: tiles must be from 1 to 1024 and min-iterations at least 1

// An elementwise op of 128 x 64 iterations: 8 pieces of 16 rows in an
// scf.forall, each the same op on its rows.
// CHECK-LABEL: func.func @elementwise(
// CHECK:         scf.forall (%[[I:.*]]) = (0) to (128) step (16) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK:           tensor.extract_slice %{{.*}}[%[[I]], 0] [16, 64] [1, 1]
// CHECK:           linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK-SAME:        ins(%{{.*}} : tensor<16x64xf32>) outs(%{{.*}} : tensor<16x64xf32>)
// CHECK:           tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[I]], 0] [16, 64] [1, 1]
// tiles=1: nothing changes.
// ONE-LABEL:   func.func @elementwise(
// ONE-NOT:       scf.forall
func.func @elementwise(%x: tensor<128x64xf32>) -> tensor<128x64xf32> {
  %e = tensor.empty() : tensor<128x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<128x64xf32>) outs(%e : tensor<128x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<128x64xf32>
  return %r : tensor<128x64xf32>
}

// -----

// A row reduction (RMSNorm's sum of squares): split over rows only, each
// row's sum still in one piece and in order.
// CHECK-LABEL: func.func @row_sums(
// ONE-LABEL:   func.func @row_sums(
// CHECK:         scf.forall (%[[I:.*]]) = (0) to (128) step (16)
// CHECK:           linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK-SAME:        ins(%{{.*}} : tensor<16x64xf32>) outs(%{{.*}} : tensor<16xf64>)
func.func @row_sums(%x: tensor<128x64xf32>, %init: tensor<128xf64>) -> tensor<128xf64> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<128x64xf32>) outs(%init : tensor<128xf64>) {
  ^bb0(%a: f32, %acc: f64):
    %sq = arith.mulf %a, %a : f32
    %w = arith.extf %sq : f32 to f64
    %s = arith.addf %acc, %w : f64
    linalg.yield %s : f64
  } -> tensor<128xf64>
  return %r : tensor<128xf64>
}

// -----

// The outermost parallel loop of size > 1 is split: here the second (the
// first has one iteration, as a decoder's batch).
// CHECK-LABEL: func.func @unit_batch(
// CHECK:         scf.forall (%[[H:.*]]) = (0) to (16) step (2)
// CHECK:           linalg.generic {{.*}}ins(%{{.*}} : tensor<1x2x64xf32>)
func.func @unit_batch(%x: tensor<1x16x64xf32>) -> tensor<1x16x64xf32> {
  %e = tensor.empty() : tensor<1x16x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(b, h, j) -> (b, h, j)>, affine_map<(b, h, j) -> (b, h, j)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x16x64xf32>) outs(%e : tensor<1x16x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<1x16x64xf32>
  return %r : tensor<1x16x64xf32>
}

// -----

// Left alone: fewer iterations than min-iterations (one token, as decode),
// contractions (bitnet-parallelize-contractions' work), dynamic sizes, ops
// already in an scf.forall, and ops on buffers.
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT:     scf.forall
// CHECK:         linalg.generic
// CHECK-NOT:     scf.forall
// CHECK:         linalg.matmul
// CHECK-NOT:     scf.forall
// CHECK:         linalg.generic
// CHECK:         scf.forall
// CHECK-NOT:     scf.forall
// CHECK:           linalg.generic
// CHECK:         scf.forall.in_parallel
// CHECK-NOT:     scf.forall
// CHECK:         linalg.generic
// CHECK-NOT:     scf.forall
func.func @left_alone(%small: tensor<1x512xf32>, %a: tensor<64x64xf32>, %b: tensor<64x64xf32>,
                      %dyn: tensor<?x64xf32>, %big: tensor<128x64xf32>,
                      %src: memref<128x64xf32>, %buf: memref<128x64xf32>) -> (tensor<1x512xf32>, tensor<64x64xf32>, tensor<?x64xf32>, tensor<128x64xf32>) {
  %e = tensor.empty() : tensor<1x512xf32>
  %r0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                        iterator_types = ["parallel", "parallel"]}
      ins(%small : tensor<1x512xf32>) outs(%e : tensor<1x512xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<1x512xf32>
  %z = tensor.empty() : tensor<64x64xf32>
  %r1 = linalg.matmul ins(%a, %b : tensor<64x64xf32>, tensor<64x64xf32>) outs(%z : tensor<64x64xf32>) -> tensor<64x64xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %dyn, %c0 : tensor<?x64xf32>
  %d = tensor.empty(%n) : tensor<?x64xf32>
  %r2 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                        iterator_types = ["parallel", "parallel"]}
      ins(%dyn : tensor<?x64xf32>) outs(%d : tensor<?x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<?x64xf32>
  %f = tensor.empty() : tensor<128x64xf32>
  %r3 = scf.forall (%i) in (1) shared_outs(%out = %f) -> tensor<128x64xf32> {
    %g = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%big : tensor<128x64xf32>) outs(%out : tensor<128x64xf32>) {
    ^bb0(%x: f32, %o: f32):
      linalg.yield %x : f32
    } -> tensor<128x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %g into %out[0, 0] [128, 64] [1, 1] : tensor<128x64xf32> into tensor<128x64xf32>
    }
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%src : memref<128x64xf32>) outs(%buf : memref<128x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  return %r0, %r1, %r2, %r3 : tensor<1x512xf32>, tensor<64x64xf32>, tensor<?x64xf32>, tensor<128x64xf32>
}
