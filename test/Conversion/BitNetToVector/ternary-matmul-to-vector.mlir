// RUN: bitnet-opt %s --split-input-file --convert-bitnet-ternary-matmul-to-vector="mcpu=znver4" | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-ternary-matmul-to-vector="mcpu=x86-64-v3" | FileCheck %s --check-prefix=NOVNNI

// AVX-512 VNNI: per 64-byte chunk of i2s weights (256 weights), four code
// planes (shift 6, 4, 2, 0; mask 3) meet four 64-byte slices of the
// permuted activations in bitnet.dot4; the result is sum(c*q) - sum(q).
// CHECK-LABEL: func @i2s
// CHECK-DAG: %[[PAD:.*]] = arith.constant 85 : i8
// CHECK-DAG: %[[THREE:.*]] = arith.constant dense<3> : vector<64xi8>
// CHECK: %[[SUMS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: %[[PERM:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x512xi8>)
// CHECK: scf.for
// CHECK:   scf.for
// CHECK:     scf.for %{{.*}} = %{{.*}} to %c2
// CHECK:       %[[P:.*]] = vector.transfer_read %arg1[{{.*}}], %[[PAD]] : tensor<7x96xi8>, vector<64xi8>
// CHECK-COUNT-4: bitnet.dot4 %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi32>, vector<64xi8>, vector<64xi8>
// CHECK:     vector.reduction <add>
// CHECK:     arith.subi
// CHECK:     tensor.insert
// NOVNNI-LABEL: func @i2s
// NOVNNI: bitnet.ternary_matmul
func.func @i2s(%q: tensor<2x300xi8>, %p: tensor<7x96xi8>) -> tensor<2x7xi32> {
  %a = bitnet.ternary_matmul %q, %p format <i2s> : tensor<2x300xi8>, tensor<7x96xi8> -> tensor<2x7xi32>
  return %a : tensor<2x7xi32>
}

// -----

// Other formats have no SIMD kernel yet: left for the portable lowering.
// CHECK-LABEL: func @tl1
// CHECK: bitnet.ternary_matmul %{{.*}}, %{{.*}} format <tl1>
func.func @tl1(%q: tensor<2x8xi8>, %p: tensor<3x2xi8>) -> tensor<2x3xi32> {
  %a = bitnet.ternary_matmul %q, %p format <tl1> : tensor<2x8xi8>, tensor<3x2xi8> -> tensor<2x3xi32>
  return %a : tensor<2x3xi32>
}

// -----

// Prefill: tokens in tiles share each decoded chunk. znver4 has a 32 KiB
// L1d: 8 rows of 512 permuted activations fit, so 8 tokens per tile, 4
// planes x 8 tokens = 32 dot4 per chunk; the 9th token takes the 1-token loop.
// CHECK-LABEL: func @prefill
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c8
// CHECK:   scf.for
// CHECK:     scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK-COUNT-32: bitnet.dot4
// CHECK: scf.for %{{.*}} = %c8 to %c9 step %c1
// CHECK-COUNT-4: bitnet.dot4
func.func @prefill(%q: tensor<9x300xi8>, %p: tensor<7x96xi8>) -> tensor<9x7xi32> {
  %a = bitnet.ternary_matmul %q, %p format <i2s> : tensor<9x300xi8>, tensor<7x96xi8> -> tensor<9x7xi32>
  return %a : tensor<9x7xi32>
}
