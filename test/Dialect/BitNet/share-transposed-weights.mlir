// RUN: bitnet-opt %s --split-input-file --bitnet-share-transposed-weights | FileCheck %s

// A tied lm_head: %w is the transpose of the table %e (as torch.onnx folds
// it). The product reads %e through a transposed map; %w is erased.
// CHECK-DAG:   #[[$A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[$E:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func @tied
// CHECK-SAME:  (%[[X:.*]]: tensor<1x2x3xf32>
// CHECK-NOT:   tensor<3x4xf32>
// CHECK:       %[[E:.*]] = arith.constant dense<{{.*}}> : tensor<4x3xf32>
// CHECK:       tosa.gather
// CHECK:       linalg.generic {indexing_maps = [#[[$A]], #[[$E]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %[[E]] : tensor<1x2x3xf32>, tensor<4x3xf32>)
func.func @tied(%x: tensor<1x2x3xf32>, %ids: tensor<1x2xi32>, %y: tensor<1x2x4xf32>) -> (tensor<1x2x3xf32>, tensor<1x2x4xf32>) {
  %e = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]> : tensor<4x3xf32>
  %w = arith.constant dense<[[1.0, 4.0, 7.0, 10.0], [2.0, 5.0, 8.0, 11.0], [3.0, 6.0, 9.0, 12.0]]> : tensor<3x4xf32>
  %table = tensor.expand_shape %e [[0, 1], [2]] output_shape [1, 4, 3] : tensor<4x3xf32> into tensor<1x4x3xf32>
  %g = tosa.gather %table, %ids : (tensor<1x4x3xf32>, tensor<1x2xi32>) -> tensor<1x2x3xf32>
  %w3 = tensor.expand_shape %w [[0, 1], [2]] output_shape [1, 3, 4] : tensor<3x4xf32> into tensor<1x3x4xf32>
  %r = linalg.batch_matmul ins(%x, %w3 : tensor<1x2x3xf32>, tensor<1x3x4xf32>) outs(%y : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
  return %g, %r : tensor<1x2x3xf32>, tensor<1x2x4xf32>
}

// -----

// Not a transpose (one element differs): unchanged.
// CHECK-LABEL: func @untied
// CHECK:       linalg.matmul
func.func @untied(%x: tensor<2x3xf32>, %y: tensor<2x4xf32>) -> (tensor<4x3xf32>, tensor<2x4xf32>) {
  %e = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]> : tensor<4x3xf32>
  %w = arith.constant dense<[[1.0, 4.0, 7.0, 10.0], [2.0, 5.0, 8.0, 11.0], [3.0, 6.0, 9.0, 13.0]]> : tensor<3x4xf32>
  %r = linalg.matmul ins(%x, %w : tensor<2x3xf32>, tensor<3x4xf32>) outs(%y : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %e, %r : tensor<4x3xf32>, tensor<2x4xf32>
}

// -----

// The table is in another function (a generative model's prefill and decode
// are two): it cannot be read from here, so the product keeps its operand.
// CHECK-LABEL: func @table_here
// CHECK-LABEL: func @product_there
// CHECK:       %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<3x4xf32>
// CHECK:       linalg.matmul ins(%{{.*}}, %[[W]] : tensor<2x3xf32>, tensor<3x4xf32>)
func.func @table_here() -> tensor<4x3xf32> {
  %e = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]> : tensor<4x3xf32>
  return %e : tensor<4x3xf32>
}
func.func @product_there(%x: tensor<2x3xf32>, %y: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<[[1.0, 4.0, 7.0, 10.0], [2.0, 5.0, 8.0, 11.0], [3.0, 6.0, 9.0, 12.0]]> : tensor<3x4xf32>
  %r = linalg.matmul ins(%x, %w : tensor<2x3xf32>, tensor<3x4xf32>) outs(%y : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

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
// table: unchanged.
// CHECK-LABEL: func @scaled_table
// CHECK:       arith.mulf
// CHECK:       linalg.transpose
// CHECK:       linalg.batch_matmul
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
