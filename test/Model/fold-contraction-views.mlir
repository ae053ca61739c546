// RUN: bitnet-opt %s --split-input-file --bitnet-fold-contraction-views | FileCheck %s

// A float16 table read by the lm_head through an explicit widening and
// transpose (the ONNX Cast + Transpose of a tied float16 embedding): the
// product reads the f16 table through a transposed map and widens each
// element in its body; the widened, transposed copy is not computed.
// CHECK-DAG:   #[[$E:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func @narrow_table
// CHECK-SAME:  (%[[X:.*]]: tensor<1x2x3xf32>
// CHECK:       %[[E:.*]] = arith.constant dense<{{.*}}> : tensor<4x3xf16>
// CHECK-NOT:   linalg.transpose
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #[[$E]], {{.*}}]{{.*}} ins(%[[X]], %[[E]] : tensor<1x2x3xf32>, tensor<4x3xf16>)
// CHECK-NEXT:  ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f16, %[[C:.*]]: f32):
// CHECK-NEXT:    %[[W:.*]] = arith.extf %[[B]] : f16 to f32
// CHECK-NEXT:    %[[P:.*]] = arith.mulf %[[A]], %[[W]] : f32
// CHECK-NEXT:    arith.addf %[[C]], %[[P]] : f32
func.func @narrow_table(%x: tensor<1x2x3xf32>, %y: tensor<1x2x4xf32>) -> tensor<1x2x4xf32> {
  %e = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]> : tensor<4x3xf16>
  %init = tensor.empty() : tensor<4x3xf32>
  %wide = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%e : tensor<4x3xf16>) outs(%init : tensor<4x3xf32>) {
  ^bb0(%in: f16, %out: f32):
    %v = arith.extf %in : f16 to f32
    linalg.yield %v : f32
  } -> tensor<4x3xf32>
  %tinit = tensor.empty() : tensor<3x4xf32>
  %t = linalg.transpose ins(%wide : tensor<4x3xf32>) outs(%tinit : tensor<3x4xf32>) permutation = [1, 0]
  %w3 = tensor.expand_shape %t [[0, 1], [2]] output_shape [1, 3, 4] : tensor<3x4xf32> into tensor<1x3x4xf32>
  %r = linalg.batch_matmul ins(%x, %w3 : tensor<1x2x3xf32>, tensor<1x3x4xf32>) outs(%y : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
  return %r : tensor<1x2x4xf32>
}

// -----

// A widening that does more than widen (a scale) is not a view of the
// table: it stays (computed once per call), and only its transpose is
// folded into the product.
// CHECK-LABEL: func @scaled_table
// CHECK:       %[[SCALED:.*]] = linalg.generic
// CHECK:         arith.extf
// CHECK:         arith.mulf
// CHECK-NOT:   linalg.transpose
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %[[SCALED]] : tensor<1x2x3xf32>, tensor<4x3xf32>)
func.func @scaled_table(%x: tensor<1x2x3xf32>, %y: tensor<1x2x4xf32>) -> tensor<1x2x4xf32> {
  %e = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]> : tensor<4x3xf16>
  %init = tensor.empty() : tensor<4x3xf32>
  %wide = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%e : tensor<4x3xf16>) outs(%init : tensor<4x3xf32>) {
  ^bb0(%in: f16, %out: f32):
    %v = arith.extf %in : f16 to f32
    %s = arith.mulf %v, %v : f32
    linalg.yield %s : f32
  } -> tensor<4x3xf32>
  %tinit = tensor.empty() : tensor<3x4xf32>
  %t = linalg.transpose ins(%wide : tensor<4x3xf32>) outs(%tinit : tensor<3x4xf32>) permutation = [1, 0]
  %w3 = tensor.expand_shape %t [[0, 1], [2]] output_shape [1, 3, 4] : tensor<3x4xf32> into tensor<1x3x4xf32>
  %r = linalg.batch_matmul ins(%x, %w3 : tensor<1x2x3xf32>, tensor<1x3x4xf32>) outs(%y : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
  return %r : tensor<1x2x4xf32>
}

// -----

// Decode attention scores on the key cache: Q.K^T with K^T a transposed
// copy of the whole cache (then its unit batch dimension dropped). The
// product reads the cache itself, K's head_dim as the reduction: the dot
// form, contiguous along k; no transpose is left. Contractions index with
// dimensions only: the cache's unit batch dimension is dropped by a
// collapse_shape (a view).
// CHECK-DAG:   #[[$K:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-LABEL: func @key_cache
// CHECK-SAME:  (%[[Q:.*]]: tensor<2x1x20xf32>, %[[KC:.*]]: tensor<1x2x24x20xf32>
// CHECK-NOT:   linalg.transpose
// CHECK:       %[[K:.*]] = tensor.collapse_shape %[[KC]] {{\[\[}}0, 1], [2], [3]] : tensor<1x2x24x20xf32> into tensor<2x24x20xf32>
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #[[$K]], #{{.*}}]{{.*}} ins(%[[Q]], %[[K]] : tensor<2x1x20xf32>, tensor<2x24x20xf32>)
// CHECK-NEXT:  ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT:    arith.mulf
// CHECK-NEXT:    arith.addf
func.func @key_cache(%q: tensor<2x1x20xf32>, %cache: tensor<1x2x24x20xf32>, %s: tensor<2x1x24xf32>) -> tensor<2x1x24xf32> {
  %init = tensor.empty() : tensor<1x2x20x24xf32>
  %t = linalg.transpose ins(%cache : tensor<1x2x24x20xf32>) outs(%init : tensor<1x2x20x24xf32>) permutation = [0, 1, 3, 2]
  %kt = tensor.collapse_shape %t [[0, 1], [2], [3]] : tensor<1x2x20x24xf32> into tensor<2x20x24xf32>
  %r = linalg.batch_matmul ins(%q, %kt : tensor<2x1x20xf32>, tensor<2x20x24xf32>) outs(%s : tensor<2x1x24xf32>) -> tensor<2x1x24xf32>
  return %r : tensor<2x1x24xf32>
}

// -----

// Queries transposed to head-major order ([1, S, H, D] -> [H, S, D]): read
// in place, still contiguous along the reduction (D).
// CHECK-DAG:   #[[$Q:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0, d3)>
// CHECK-LABEL: func @queries
// CHECK-SAME:  (%[[X:.*]]: tensor<1x3x2x20xf32>
// CHECK-NOT:   linalg.transpose
// CHECK:       %[[Q3:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2], [3]] : tensor<1x3x2x20xf32> into tensor<3x2x20xf32>
// CHECK:       linalg.generic {indexing_maps = [#[[$Q]], {{.*}} ins(%[[Q3]], %{{.*}} : tensor<3x2x20xf32>, tensor<2x20x24xf32>)
func.func @queries(%x: tensor<1x3x2x20xf32>, %k: tensor<2x20x24xf32>, %s: tensor<2x3x24xf32>) -> tensor<2x3x24xf32> {
  %init = tensor.empty() : tensor<1x2x3x20xf32>
  %t = linalg.transpose ins(%x : tensor<1x3x2x20xf32>) outs(%init : tensor<1x2x3x20xf32>) permutation = [0, 2, 1, 3]
  %q = tensor.collapse_shape %t [[0, 1], [2], [3]] : tensor<1x2x3x20xf32> into tensor<2x3x20xf32>
  %r = linalg.batch_matmul ins(%q, %k : tensor<2x3x20xf32>, tensor<2x20x24xf32>) outs(%s : tensor<2x3x24xf32>) -> tensor<2x3x24xf32>
  return %r : tensor<2x3x24xf32>
}

// -----

// A transpose that would make A's contiguous dimension a row (m) instead of
// the reduction: folding it would turn the kernel's vector loads into
// strided ones, so the copy stays.
// CHECK-LABEL: func @strided_after_fold
// CHECK:       linalg.transpose
// CHECK:       linalg.matmul
func.func @strided_after_fold(%x: tensor<20x8xf32>, %b: tensor<20x16xf32>, %c: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %init = tensor.empty() : tensor<8x20xf32>
  %a = linalg.transpose ins(%x : tensor<20x8xf32>) outs(%init : tensor<8x20xf32>) permutation = [1, 0]
  %r = linalg.matmul ins(%a, %b : tensor<8x20xf32>, tensor<20x16xf32>) outs(%c : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}

// -----

// Reshapes alone copy nothing: unchanged.
// CHECK-LABEL: func @reshape_only
// CHECK:       tensor.collapse_shape
// CHECK:       linalg.batch_matmul
func.func @reshape_only(%q: tensor<2x1x20xf32>, %cache: tensor<1x2x20x24xf32>, %s: tensor<2x1x24xf32>) -> tensor<2x1x24xf32> {
  %k = tensor.collapse_shape %cache [[0, 1], [2], [3]] : tensor<1x2x20x24xf32> into tensor<2x20x24xf32>
  %r = linalg.batch_matmul ins(%q, %k : tensor<2x1x20xf32>, tensor<2x20x24xf32>) outs(%s : tensor<2x1x24xf32>) -> tensor<2x1x24xf32>
  return %r : tensor<2x1x24xf32>
}
