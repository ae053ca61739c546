// RUN: bitnet-opt %s --split-input-file --convert-bitnet-ternary-matmul-to-vector="mcpu=znver4" | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-ternary-matmul-to-vector="mcpu=x86-64-v3" | FileCheck %s --check-prefix=AVX2
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-ternary-matmul-to-vector="target=aarch64 mcpu=neoverse-n1" | FileCheck %s --check-prefix=NEON
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-ternary-matmul-to-vector="mcpu=x86-64" | FileCheck %s --check-prefix=NOSIMD
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=znver4 rows-per-block=3 token-tile=2 row-tile=1" --convert-bitnet-ternary-matmul-to-vector | FileCheck %s --check-prefix=OVERRIDE

// AVX-512 VNNI: per 64-byte chunk of i2s weights (256 weights), four code
// planes (shift 6, 4, 2, 0; mask 3) meet four 64-byte slices of the
// permuted activations in bitnet.dot4; the result is sum(c*q) - sum(q).
// First the activations are permuted in runs of 32 codes and summed (dot4
// against ones), per token and chunk.
// CHECK-LABEL: func @i2s
// CHECK-DAG: %[[PAD:.*]] = arith.constant 85 : i8
// CHECK-DAG: %[[THREE:.*]] = arith.constant dense<3> : vector<64xi8>
// CHECK-DAG: %[[ONES:.*]] = arith.constant dense<1> : vector<32xi8>
// CHECK: scf.for {{.*}} -> (tensor<2x512xi8>, tensor<2xi32>)
// CHECK:   scf.for {{.*}} -> (tensor<2x512xi8>, vector<8xi32>)
// CHECK:     %[[CODES:.*]] = vector.transfer_read %arg0{{.*}} : tensor<2x300xi8>, vector<32xi8>
// CHECK:     vector.transfer_write %[[CODES]]
// CHECK:     bitnet.dot4 %{{.*}}, %[[ONES]], %[[CODES]] {a_fits_i8} : vector<8xi32>, vector<32xi8>, vector<32xi8>
// Then row blocks (one here: 7 rows), token tiles (both tokens), register
// tiles of 4 rows x 2 tokens and single rows.
// CHECK: scf.forall (%{{.*}}) in (1) shared_outs
// CHECK: tensor.extract_slice
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c2
// CHECK:   scf.for %{{.*}} = %c0 to %{{.*}} step %c4
// The one full chunk of a 96-byte row: plain loads...
// CHECK:     scf.for %{{.*}} = %c0 to %c1 {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK-COUNT-4: vector.transfer_read %arg1[{{.*}}], %[[PAD]] {in_bounds = [true]} : tensor<7x96xi8>, vector<64xi8>
// CHECK-COUNT-32: bitnet.dot4 %{{.*}}, %{{.*}}, %{{.*}} {a_fits_i8} : vector<16xi32>, vector<64xi8>, vector<64xi8>
// ...the last half chunk reads past the row (padding code 1 = weight 0).
// CHECK:     vector.transfer_read %arg1[{{.*}}], %[[PAD]] : tensor<7x96xi8>, vector<64xi8>
// CHECK:     vector.reduction <add>
// CHECK:     arith.subi
// CHECK:     tensor.insert
// CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
// CHECK: tensor.parallel_insert_slice
// With AVX2 (16 registers): 32-byte chunks (128 weights, 3 per row), 2 x 2
// register tiles accumulating vpmaddubsw pairs in i16 (bitnet.dot2), each
// widened once after the chunks (bitnet.add_pairs; 3 chunks x 4 planes fit
// in i16).
// AVX2-LABEL: func @i2s
// AVX2: scf.for {{.*}} -> (tensor<2x384xi8>, tensor<2xi32>)
// AVX2: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c2
// AVX2: scf.for %{{.*}} = %c0 to %c3 {{.*}} -> (vector<16xi16>, vector<16xi16>, vector<16xi16>, vector<16xi16>)
// AVX2: vector.transfer_read %arg1{{.*}} {in_bounds = [true]} : tensor<7x96xi8>, vector<32xi8>
// AVX2-COUNT-16: bitnet.dot2 %{{.*}}, %{{.*}}, %{{.*}} {a_fits_i8} : vector<16xi16>, vector<32xi8>, vector<32xi8>
// AVX2: scf.yield
// AVX2-COUNT-4: bitnet.add_pairs %{{.*}}, %{{.*}} : vector<8xi32>, vector<16xi16>
// AVX2: vector.reduction <add>
// On AArch64 (NEON), 16-byte chunks (64 weights, 6 per row), runs of 16.
// NEON-LABEL: func @i2s
// NEON: scf.for {{.*}} -> (tensor<2x384xi8>, vector<4xi32>)
// NEON: scf.for %{{.*}} = %c0 to %c6 {{.*}} -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>)
// NEON: vector.transfer_read %arg1{{.*}} : tensor<7x96xi8>, vector<16xi8>
// NEON-COUNT-32: bitnet.dot4 %{{.*}}, %{{.*}}, %{{.*}} {a_fits_i8} : vector<4xi32>, vector<16xi8>, vector<16xi8>
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
// OVERRIDE: scf.for %{{.*}} = %c0 to %{{.*}} step %c1
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

// Prefill: tokens in tiles share each decoded chunk, rows in register
// tiles share each activation slice. With 32 registers: 4 tokens x 4 rows,
// 4 planes x 16 = 64 dot4 per chunk; the 9th token takes the 1-token loop
// (one row at a time: decode streams the weights in memory order, with
// Zen 4's software prefetch and one accumulator per plane; see
// ternary-matmul-prefetch.mlir).
// CHECK-LABEL: func @prefill
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c4
// CHECK:   scf.for %{{.*}} step %c4
// CHECK:     scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK-COUNT-64: bitnet.dot4
// CHECK: scf.for %{{.*}} = %c8 to %c9 step %c1
// CHECK:   scf.for %{{.*}} step %c1
// CHECK:     scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK:       memref.prefetch
// CHECK-COUNT-4: bitnet.dot4
// AVX2-LABEL: func @prefill
// AVX2: scf.for %{{.*}} = %c0 to %c8 step %c2
// AVX2: scf.for %{{.*}} = %c8 to %c9 step %c1
func.func @prefill(%q: tensor<9x300xi8>, %p: tensor<7x96xi8>) -> tensor<9x7xi32> {
  %a = bitnet.ternary_matmul %q, %p format <i2s> : tensor<9x300xi8>, tensor<7x96xi8> -> tensor<9x7xi32>
  return %a : tensor<9x7xi32>
}

// -----

// AVX2's i16 accumulators hold at most 32767 / 768 dot2 steps (2-bit codes
// <= 3 against int8 codes >= -128): a prefill tile adds 4 per chunk, so
// rows of 12 chunks go in groups of 10, each widened into the i32 sums.
// AVX2-LABEL: func @i16_groups
// AVX2: %[[WIDE:.*]]:4 = scf.for %[[G:.*]] = %c0 to %c12 step %c10 iter_args({{.*}}) -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>)
// AVX2:   %[[END:.*]] = arith.addi %[[G]], %c10
// AVX2:   %[[TO:.*]] = arith.minsi %[[END]], %c12
// AVX2:   scf.for %{{.*}} = %[[G]] to %[[TO]] step %c1 {{.*}} -> (vector<16xi16>, vector<16xi16>, vector<16xi16>, vector<16xi16>)
// AVX2-COUNT-16: bitnet.dot2
// AVX2:   scf.yield
// AVX2-COUNT-4: bitnet.add_pairs
// AVX2:   scf.yield
// CHECK-LABEL: func @i16_groups
// CHECK-NOT: bitnet.dot2
// CHECK: return
func.func @i16_groups(%q: tensor<4x1536xi8>, %p: tensor<4x384xi8>) -> tensor<4x4xi32> {
  %a = bitnet.ternary_matmul %q, %p format <i2s> : tensor<4x1536xi8>, tensor<4x384xi8> -> tensor<4x4xi32>
  return %a : tensor<4x4xi32>
}

// -----

// t5: five code planes per byte (K = 320: two 32-byte blocks, one 64-byte
// chunk with AVX-512). znver4 has VBMI: the codes come from two 256-byte
// tables (codes 0..3 in i2s's arrangement, then i2s's shifts; code 4 alone),
// five dot4 per chunk. AVX2 decodes with byte compares (y > 85, y > 170)
// and triples the byte with adds between planes.
// CHECK-LABEL: func @t5_decode
// CHECK-NOT: arith.cmpi ugt
// CHECK: %[[W:.*]] = vector.transfer_read %arg1{{.*}} : tensor<3x64xi8>, vector<64xi8>
// CHECK: %[[A:.*]] = bitnet.lookup %[[FIRST4:.*]][%[[W]]] : vector<256xi8>, vector<64xi8>
// CHECK: arith.shrui %[[A]]
// CHECK: bitnet.dot4
// CHECK-COUNT-3: bitnet.lookup %[[FIRST4]][%[[W]]]
// CHECK: %[[B:.*]] = bitnet.lookup %{{.*}}[%[[W]]] : vector<256xi8>, vector<64xi8>
// CHECK-NOT: arith.shrui %[[B]]
// CHECK: bitnet.dot4 %{{.*}}, %[[B]], %{{.*}}
// CHECK-NEXT: scf.yield
// AVX2-LABEL: func @t5_decode
// AVX2-NOT: bitnet.lookup
// AVX2: arith.cmpi ugt, %{{.*}}, %{{.*}} : vector<32xi8>
// AVX2: arith.cmpi ugt
// AVX2: arith.addi
// AVX2: bitnet.dot2
// AVX2-NOT: bitnet.lookup
// AVX2: return
func.func @t5_decode(%q: tensor<1x320xi8>, %p: tensor<3x64xi8>) -> tensor<1x3xi32> {
  %a = bitnet.ternary_matmul %q, %p format <t5> : tensor<1x320xi8>, tensor<3x64xi8> -> tensor<1x3xi32>
  return %a : tensor<1x3xi32>
}

// -----

// tl2r: the lookup-table kernel (AVX-512 VBMI: znver4). Tables first (per
// token and group of 24 weights: 4 x 64 entries), then 16-row tiles: 37
// rows are two full tiles in an scf.forall and a short tile of 5 after it.
// Per group and tile: one 64-byte load of magnitudes (prefetched), two
// 64-lane sign masks, and per token four lookups, each negated where the
// sign says and added to its own accumulator by dot4 (by 1 or by 16).
// Without VBMI (x86-64-v3) the product is left to the portable loops.
// CHECK-LABEL: func @tl2r_tiles
// CHECK: scf.for {{.*}} -> (tensor<2x768xi8>)
// CHECK: %[[W:.*]] = tensor.collapse_shape %arg1 {{\[}}[0, 1]] : tensor<37x15xi8> into tensor<555xi8>
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK: memref.prefetch
// CHECK: vector.transfer_read %[[W]][%{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<555xi8>, vector<64xi8>
// CHECK: vector.bitcast %{{.*}} : vector<8xi8> to vector<64xi1>
// CHECK: vector.bitcast %{{.*}} : vector<8xi8> to vector<64xi1>
// CHECK: %[[L:.*]] = bitnet.lookup %{{.*}}[%{{.*}}] : vector<64xi8>, vector<64xi8>
// CHECK: %[[NEG:.*]] = arith.subi %{{.*}}, %[[L]] : vector<64xi8>
// CHECK: %[[S:.*]] = arith.select %{{.*}}, %[[NEG]], %[[L]] : vector<64xi1>, vector<64xi8>
// CHECK: bitnet.dot4 %{{.*}}, %{{.*}}, %[[S]] {a_fits_i8}
// CHECK-COUNT-7: bitnet.dot4
// CHECK: scf.forall.in_parallel
// The short tile: its sign bits from one 128-bit read (half 1 at bit 4h = 20).
// CHECK: vector.transfer_read %[[W]][%{{.*}}], %{{.*}} : tensor<555xi8>, vector<64xi8>
// CHECK: vector.bitcast %{{.*}} : vector<16xi8> to vector<1xi128>
// CHECK: arith.shrui %{{.*}}, %c20_i128 : i128
// CHECK: bitnet.dot4
// AVX2-LABEL: func @tl2r_tiles
// AVX2-NOT: bitnet.lookup
// AVX2: bitnet.ternary_matmul %arg0, %arg1 format <tl2r>
func.func @tl2r_tiles(%q: tensor<2x50xi8>, %p: tensor<37x15xi8>) -> tensor<2x37xi32> {
  %a = bitnet.ternary_matmul %q, %p format <tl2r> : tensor<2x50xi8>, tensor<37x15xi8> -> tensor<2x37xi32>
  return %a : tensor<2x37xi32>
}

// -----

// int4 activations (a 4-bit bitnet.quantize): one table per half, whose
// entries (|sum| <= 24) need no nibble split: per group two lookups and two
// dot4, by ones only.
// CHECK-LABEL: func @tl2r_int4
// CHECK: scf.for {{.*}} -> (tensor<1x256xi8>)
// CHECK-NOT: arith.shrsi
// CHECK: scf.forall
// CHECK: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>)
// CHECK-COUNT-2: bitnet.dot4 %{{.*}}, %[[ONES:.*]], %{{.*}} {a_fits_i8}
// CHECK-NOT: bitnet.dot4
// CHECK: scf.forall.in_parallel
func.func @tl2r_int4(%x: tensor<1x48xf32>, %p: tensor<16x10xi8>) -> tensor<1x16xi32> {
  %q, %s = bitnet.quantize %x bits 4 : tensor<1x48xf32> -> tensor<1x48xi8>, tensor<1xf32>
  %a = bitnet.ternary_matmul %q, %p format <tl2r> : tensor<1x48xi8>, tensor<16x10xi8> -> tensor<1x16xi32>
  return %a : tensor<1x16xi32>
}
