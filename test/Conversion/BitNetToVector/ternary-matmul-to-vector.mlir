// RUN: bitnet-opt %s --split-input-file --convert-bitnet-ternary-matmul-to-vector="mcpu=znver4" | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-ternary-matmul-to-vector="mcpu=x86-64-v3" | FileCheck %s --check-prefix=AVX2
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-ternary-matmul-to-vector="target=aarch64 mcpu=neoverse-n1" | FileCheck %s --check-prefix=NEON
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-ternary-matmul-to-vector="mcpu=x86-64" | FileCheck %s --check-prefix=NOSIMD
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-ternary-matmul-to-vector="mcpu=znver4 rows-per-block=3 token-tile=2" | FileCheck %s --check-prefix=OVERRIDE

// AVX-512 VNNI: per 64-byte chunk of i2s weights (256 weights), four code
// planes (shift 6, 4, 2, 0; mask 3) meet four 64-byte slices of the
// permuted activations in bitnet.dot4; the result is sum(c*q) - sum(q).
// CHECK-LABEL: func @i2s
// CHECK-DAG: %[[PAD:.*]] = arith.constant 85 : i8
// CHECK-DAG: %[[THREE:.*]] = arith.constant dense<3> : vector<64xi8>
// CHECK: %[[SUMS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: %[[PERM:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x512xi8>)
// CHECK: scf.forall (%{{.*}}) in (1) shared_outs
// CHECK: tensor.extract_slice
// CHECK: scf.for
// CHECK:   scf.for
// CHECK:     scf.for %{{.*}} = %{{.*}} to %c2
// CHECK:       %[[P:.*]] = vector.transfer_read %arg1[{{.*}}], %[[PAD]] : tensor<7x96xi8>, vector<64xi8>
// CHECK-COUNT-4: bitnet.dot4 %{{.*}}, %{{.*}}, %{{.*}} {a_fits_i8} : vector<16xi32>, vector<64xi8>, vector<64xi8>
// CHECK:     vector.reduction <add>
// CHECK:     arith.subi
// CHECK:     tensor.insert
// CHECK: tensor.parallel_insert_slice
// With AVX2 (16 registers): 32-byte chunks (128 weights, 3 per row), tiles of
// up to 4 tokens (here both).
// AVX2-LABEL: func @i2s
// AVX2: outs(%{{.*}} : tensor<2x384xi8>)
// AVX2: scf.for %{{.*}} = %{{.*}} to %c3 {{.*}} -> (vector<8xi32>, vector<8xi32>)
// AVX2: vector.transfer_read %arg1{{.*}} : tensor<7x96xi8>, vector<32xi8>
// AVX2-COUNT-8: bitnet.dot4 %{{.*}}, %{{.*}}, %{{.*}} {a_fits_i8} : vector<8xi32>, vector<32xi8>, vector<32xi8>
// On AArch64 (NEON), 16-byte chunks (64 weights, 6 per row).
// NEON-LABEL: func @i2s
// NEON: outs(%{{.*}} : tensor<2x384xi8>)
// NEON: scf.for %{{.*}} = %{{.*}} to %c6 {{.*}} -> (vector<4xi32>, vector<4xi32>)
// NEON: vector.transfer_read %arg1{{.*}} : tensor<7x96xi8>, vector<16xi8>
// NEON-COUNT-8: bitnet.dot4 %{{.*}}, %{{.*}}, %{{.*}} {a_fits_i8} : vector<4xi32>, vector<16xi8>, vector<16xi8>
// Baseline x86-64 (SSE2, no byte multiply-add): the portable lowering's.
// NOSIMD-LABEL: func @i2s
// NOSIMD: bitnet.ternary_matmul
// Overrides: blocks of 3 rows (3 blocks for 7 rows, the last one short),
// 2 tokens per tile.
// OVERRIDE-LABEL: func @i2s
// OVERRIDE: scf.forall (%[[BLOCK:.*]]) in (3)
// OVERRIDE: %[[FIRST:.*]] = arith.muli %[[BLOCK]], %c3
// OVERRIDE: %[[LEFT:.*]] = arith.subi %c7, %[[FIRST]]
// OVERRIDE: %[[ROWS:.*]] = arith.minsi %[[LEFT]], %c3
// OVERRIDE: tensor.extract_slice %{{.*}}[0, %[[FIRST]]] [2, %[[ROWS]]] [1, 1]
// OVERRIDE: scf.for %{{.*}} = %c0 to %c2 step %c2
// OVERRIDE-COUNT-8: bitnet.dot4
func.func @i2s(%q: tensor<2x300xi8>, %p: tensor<7x96xi8>) -> tensor<2x7xi32> {
  %a = bitnet.ternary_matmul %q, %p format <i2s> : tensor<2x300xi8>, tensor<7x96xi8> -> tensor<2x7xi32>
  return %a : tensor<2x7xi32>
}

// -----

// Other formats have no SIMD kernel yet: left for the portable lowering.
// CHECK-LABEL: func @tl1
// AVX2-LABEL: func @tl1
// AVX2: bitnet.ternary_matmul
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
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c8
// CHECK:   scf.for
// CHECK:     scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK-COUNT-32: bitnet.dot4
// CHECK: scf.for %{{.*}} = %c8 to %c9 step %c1
// CHECK-COUNT-4: bitnet.dot4
// AVX2-LABEL: func @prefill
// AVX2: scf.for %{{.*}} = %c0 to %c8 step %c4
// AVX2: scf.for %{{.*}} = %c8 to %c9 step %c1
func.func @prefill(%q: tensor<9x300xi8>, %p: tensor<7x96xi8>) -> tensor<9x7xi32> {
  %a = bitnet.ternary_matmul %q, %p format <i2s> : tensor<9x300xi8>, tensor<7x96xi8> -> tensor<9x7xi32>
  return %a : tensor<9x7xi32>
}
