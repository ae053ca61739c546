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

