// RUN: bitnet-opt %s --split-input-file --bitnet-fuse-sibling-matmuls | FileCheck %s

// q, k, v of one activation: one product over the rows concatenated
// (2 + 1 + 1 rows of 32 packed bytes), each result a slice of its columns.
// CHECK-LABEL: func @qkv
// CHECK-SAME:  (%[[X:.*]]: tensor<3x4xi8>)
// CHECK:       %[[W:.*]] = arith.constant dense_resource<fused_ternary_weights> : tensor<4x32xi8>
// CHECK:       %[[P:.*]] = bitnet.ternary_matmul %[[X]], %[[W]] format <i2s> : tensor<3x4xi8>, tensor<4x32xi8> -> tensor<3x4xi32>
// CHECK-DAG:   %[[Q:.*]] = tensor.extract_slice %[[P]][0, 0] [3, 2] [1, 1] : tensor<3x4xi32> to tensor<3x2xi32>
// CHECK-DAG:   %[[K:.*]] = tensor.extract_slice %[[P]][0, 2] [3, 1] [1, 1] : tensor<3x4xi32> to tensor<3x1xi32>
// CHECK-DAG:   %[[V:.*]] = tensor.extract_slice %[[P]][0, 3] [3, 1] [1, 1] : tensor<3x4xi32> to tensor<3x1xi32>
// CHECK-NOT:   bitnet.ternary_matmul
// CHECK:       return %[[Q]], %[[K]], %[[V]]
// The fused weight: q's two rows, then k's, then v's (alignment 64).
// CHECK:       fused_ternary_weights: "0x40000000
// CHECK-SAME:  0101010101010101010101010101010101010101010101010101010101010101
// CHECK-SAME:  0202020202020202020202020202020202020202020202020202020202020202
// CHECK-SAME:  0303030303030303030303030303030303030303030303030303030303030303
// CHECK-SAME:  0404040404040404040404040404040404040404040404040404040404040404"
func.func @qkv(%x: tensor<3x4xi8>) -> (tensor<3x2xi32>, tensor<3x1xi32>, tensor<3x1xi32>) {
  %wq = arith.constant dense<[[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]]> : tensor<2x32xi8>
  %wk = arith.constant dense<3> : tensor<1x32xi8>
  %wv = arith.constant dense<[[4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]]> : tensor<1x32xi8>
  %q = bitnet.ternary_matmul %x, %wq format <i2s> : tensor<3x4xi8>, tensor<2x32xi8> -> tensor<3x2xi32>
  %k = bitnet.ternary_matmul %x, %wk format <i2s> : tensor<3x4xi8>, tensor<1x32xi8> -> tensor<3x1xi32>
  %v = bitnet.ternary_matmul %x, %wv format <i2s> : tensor<3x4xi8>, tensor<1x32xi8> -> tensor<3x1xi32>
  return %q, %k, %v : tensor<3x2xi32>, tensor<3x1xi32>, tensor<3x1xi32>
}

// -----

// Different activations, an unpacked product, different formats: nothing
// to fuse.
// CHECK-LABEL: func @not_siblings
// CHECK-COUNT-4: bitnet.ternary_matmul
// CHECK-NOT:   fused_ternary_weights
func.func @not_siblings(%x: tensor<3x4xi8>, %y: tensor<3x4xi8>, %u: tensor<1x4xi8>) -> (tensor<3x1xi32>, tensor<3x1xi32>, tensor<3x1xi32>, tensor<3x1xi32>) {
  %w = arith.constant dense<[[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]> : tensor<1x32xi8>
  %t = arith.constant dense<[[7]]> : tensor<1x1xi8>
  %a = bitnet.ternary_matmul %x, %w format <i2s> : tensor<3x4xi8>, tensor<1x32xi8> -> tensor<3x1xi32>
  %b = bitnet.ternary_matmul %y, %w format <i2s> : tensor<3x4xi8>, tensor<1x32xi8> -> tensor<3x1xi32>
  %c = bitnet.ternary_matmul %x, %u : tensor<3x4xi8>, tensor<1x4xi8> -> tensor<3x1xi32>
  %d = bitnet.ternary_matmul %y, %t format <tl1> : tensor<3x4xi8>, tensor<1x1xi8> -> tensor<3x1xi32>
  return %a, %b, %c, %d : tensor<3x1xi32>, tensor<3x1xi32>, tensor<3x1xi32>, tensor<3x1xi32>
}

// -----

// tl2r interleaves tiles of 16 rows: siblings whose rows are not whole
// tiles do not concatenate (3 + 16 rows), whole tiles do (16 + 16).
// CHECK-LABEL: func @tl2r_tiles
// CHECK-COUNT-2: bitnet.ternary_matmul %arg0, %{{.*}} format <tl2r> : tensor<2x24xi8>, tensor<{{3|16}}x5xi8>
// CHECK:       bitnet.ternary_matmul %arg1, %{{.*}} format <tl2r> : tensor<2x24xi8>, tensor<32x5xi8> -> tensor<2x32xi32>
// CHECK-NOT:   bitnet.ternary_matmul
func.func @tl2r_tiles(%x: tensor<2x24xi8>, %y: tensor<2x24xi8>) -> (tensor<2x3xi32>, tensor<2x16xi32>, tensor<2x16xi32>, tensor<2x16xi32>) {
  %w3 = arith.constant dense<1> : tensor<3x5xi8>
  %w16 = arith.constant dense<2> : tensor<16x5xi8>
  %a = bitnet.ternary_matmul %x, %w3 format <tl2r> : tensor<2x24xi8>, tensor<3x5xi8> -> tensor<2x3xi32>
  %b = bitnet.ternary_matmul %x, %w16 format <tl2r> : tensor<2x24xi8>, tensor<16x5xi8> -> tensor<2x16xi32>
  %c = bitnet.ternary_matmul %y, %w16 format <tl2r> : tensor<2x24xi8>, tensor<16x5xi8> -> tensor<2x16xi32>
  %d = bitnet.ternary_matmul %y, %w16 format <tl2r> : tensor<2x24xi8>, tensor<16x5xi8> -> tensor<2x16xi32>
  return %a, %b, %c, %d : tensor<2x3xi32>, tensor<2x16xi32>, tensor<2x16xi32>, tensor<2x16xi32>
}
