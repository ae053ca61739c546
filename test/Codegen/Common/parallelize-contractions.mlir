// RUN: bitnet-opt %s --split-input-file --bitnet-parallelize-contractions | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --bitnet-parallelize-contractions=tiles=1 | FileCheck %s --check-prefix=OFF
// RUN: bitnet-opt %s --split-input-file --bitnet-interchange-matmul-loops --bitnet-parallelize-contractions | FileCheck %s --check-prefix=CACHE

// Attention-like: split over the 8 heads (the outermost parallel loop),
// one head per piece.
// CHECK-LABEL: func @heads
// CHECK: scf.forall (%[[H:.*]]) in (8) shared_outs(%[[OUT:.*]] = %arg2)
// CHECK:   tensor.extract_slice %arg0[%[[H]], 0, 0] [1, 64, 32] [1, 1, 1]
// CHECK:   linalg.batch_matmul
// CHECK:   tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[H]], 0, 0] [1, 64, 64] [1, 1, 1]
// OFF-LABEL: func @heads
// OFF-NOT: scf.forall
func.func @heads(%q: tensor<8x64x32xf32>, %k: tensor<8x32x64xf32>, %s: tensor<8x64x64xf32>) -> tensor<8x64x64xf32> {
  %r = linalg.batch_matmul ins(%q, %k : tensor<8x64x32xf32>, tensor<8x32x64xf32>) outs(%s : tensor<8x64x64xf32>) -> tensor<8x64x64xf32>
  return %r : tensor<8x64x64xf32>
}

// -----

// lm_head with one batch: the batch loop has size 1, so the 64 tokens are
// split, 8 per piece.
// CHECK-LABEL: func @lm_head
// CHECK: scf.forall (%[[T:.*]]) = (0) to (64) step (8)
// CHECK:   tensor.extract_slice %arg0[0, %[[T]], 0] [1, 8, 512] [1, 1, 1]
// Inside each piece, 8 x 512 tiles of C (scf.for), and in the tile the
// reduction outside both tiled loops: (b, k, m, n).
// CACHE-LABEL: func @lm_head
// CACHE: scf.forall
// CACHE:   scf.for %{{.*}} = %c0 to %c8 step %c8
// CACHE:     scf.for %{{.*}} = %c0{{.*}} to %c1024 step %c512
// CACHE:       linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel", "parallel"]{{.*}} outs(%{{.*}} : tensor<1x8x512xf32>)
func.func @lm_head(%x: tensor<1x64x512xf32>, %w: tensor<1x512x1024xf32>, %y: tensor<1x64x1024xf32>) -> tensor<1x64x1024xf32> {
  %r = linalg.batch_matmul ins(%x, %w : tensor<1x64x512xf32>, tensor<1x512x1024xf32>) outs(%y : tensor<1x64x1024xf32>) -> tensor<1x64x1024xf32>
  return %r : tensor<1x64x1024xf32>
}

// -----

// Not a contraction: unchanged.
// CHECK-LABEL: func @add
// CHECK-NOT: scf.forall
func.func @add(%a: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<64xf32> {
  %e = tensor.empty() : tensor<64xf32>
  %r = linalg.add ins(%a, %b : tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64xf32>) -> tensor<64xf32>
  return %r : tensor<64xf32>
}
