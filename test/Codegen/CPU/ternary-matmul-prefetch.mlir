// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=znver4 prefetch-distance=256" --convert-bitnet-ternary-matmul-to-vector | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=znver4 prefetch-distance=0" --convert-bitnet-ternary-matmul-to-vector | FileCheck %s --check-prefix=NOPF
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=x86-64-v3 prefetch-distance=0" --convert-bitnet-ternary-matmul-to-vector | FileCheck %s --check-prefix=NOPF-AVX2
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=znver4 prefetch-distance=0 decode-accumulators=2" --convert-bitnet-ternary-matmul-to-vector | FileCheck %s --check-prefix=ACC2
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=znver4" --convert-bitnet-ternary-matmul-to-vector | FileCheck %s --check-prefix=ZEN4
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=x86-64-v3" --convert-bitnet-ternary-matmul-to-vector > %t.avx2
// RUN: FileCheck %s --check-prefix=AVX2 < %t.avx2
// RUN: FileCheck %s --check-prefix=AVX2D < %t.avx2
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="target=aarch64 mcpu=neoverse-n1" --convert-bitnet-ternary-matmul-to-vector > %t.neon
// RUN: FileCheck %s --check-prefix=NEON < %t.neon
// RUN: FileCheck %s --check-prefix=NEOND < %t.neon
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="target=aarch64 mcpu=apple-m1" --convert-bitnet-ternary-matmul-to-vector > %t.apple
// RUN: FileCheck %s --check-prefix=APPLE < %t.apple
// RUN: FileCheck %s --check-prefix=APPLED < %t.apple
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=znver4 decode-accumulators=3" --convert-bitnet-ternary-matmul-to-vector 2>&1 | FileCheck %s --check-prefix=BADACC
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=znver4 decode-accumulators=-1" --convert-bitnet-ternary-matmul-to-vector 2>&1 | FileCheck %s --check-prefix=NEGACC

// Decode (one token): the weights are streamed once, from DRAM. With a
// prefetch distance, each full chunk of a row prefetches the byte
// `distance` ahead in the weights' memory order (the buffer seen as one
// stream, clamped to its last byte), and the row keeps one accumulator per
// code plane (no dot4 latency chain); the last, partial chunk (a masked
// read) is not a prefetch point. The planes' sums are added at the end.
// CHECK-LABEL: func @decode
// CHECK: %[[BUF:.*]] = bufferization.to_buffer %arg1 read_only : tensor<8x160xi8> to memref<8x160xi8>
// CHECK: %[[STREAM:.*]] = memref.collapse_shape %[[BUF]] {{\[\[}}0, 1]] : memref<8x160xi8> into memref<1280xi8>
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c2 {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK:   %[[AHEAD:.*]] = arith.addi %{{.*}}, %c256
// CHECK:   %[[AT:.*]] = arith.minui %[[AHEAD]], %c1279
// CHECK:   memref.prefetch %[[STREAM]][%[[AT]]], read, locality<3>, data : memref<1280xi8>
// CHECK:   vector.transfer_read %arg1{{.*}} {in_bounds = [true]} : tensor<8x160xi8>, vector<64xi8>
// CHECK-COUNT-4: bitnet.dot4
// CHECK: scf.yield
// CHECK-NOT: memref.prefetch
// CHECK: vector.transfer_read %arg1{{.*}} : tensor<8x160xi8>, vector<64xi8>
// CHECK-COUNT-3: arith.addi %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: vector.reduction <add>
// Distance 0: no prefetch, no buffer, one accumulator (the dependent chain
// keeps demand loads from outrunning the hardware prefetchers).
// NOPF-LABEL: func @decode
// NOPF-NOT: bufferization.to_buffer
// NOPF-NOT: memref.prefetch
// NOPF: scf.for %{{.*}} = %c0 to %c2 {{.*}} -> (vector<16xi32>) {
// NOPF-NOT: memref.prefetch
// NOPF: vector.reduction <add>
// AVX2 splits the accumulators without the prefetch too (its chain is
// slower than DRAM): one i16 accumulator per plane, one step per chunk.
// NOPF-AVX2-LABEL: func @decode
// NOPF-AVX2-NOT: memref.prefetch
// NOPF-AVX2: scf.for %{{.*}} = %c0 to %c5 step %c1 {{.*}} -> (vector<16xi16>, vector<16xi16>, vector<16xi16>, vector<16xi16>)
// NOPF-AVX2-NOT: memref.prefetch
// NOPF-AVX2: vector.reduction <add>
// Two accumulators per row: planes 0, 2 and 1, 3.
// ACC2-LABEL: func @decode
// ACC2: scf.for %{{.*}} = %c0 to %c2 {{.*}} iter_args(%[[A0:.*]] = %{{.*}}, %[[A1:.*]] = %{{.*}}) -> (vector<16xi32>, vector<16xi32>) {
// ACC2: %[[P0:.*]] = bitnet.dot4 %[[A0]],
// ACC2: %[[P1:.*]] = bitnet.dot4 %[[A1]],
// ACC2: bitnet.dot4 %[[P0]],
// ACC2: bitnet.dot4 %[[P1]],
// The target's distance (CpuTargetInfo, 4 KiB on every CPU) and one
// prefetch per 64-byte cache line: AVX2's 32-byte chunks go two per loop
// step (160 bytes: 4 stepped chunks, the 5th alone, no partial chunk),
// NEON's 16-byte chunks four per step (10 chunks: 8 stepped, 2 alone),
// Apple's 128-byte lines eight per step (8 stepped, 2 alone).
// ZEN4-LABEL: func @decode
// ZEN4: memref.prefetch
// One prefetch per step (X), and the multiply-adds per step and after it
// (XD): AVX2 accumulates in i16 (bitnet.dot2) and widens after the
// stepped chunks and again after the leftover one.
// AVX2-LABEL: func @decode
// AVX2: scf.for %{{.*}} = %c0 to %c4 step %c2 {{.*}} -> (vector<16xi16>, vector<16xi16>, vector<16xi16>, vector<16xi16>)
// AVX2: memref.prefetch
// AVX2-NOT: memref.prefetch
// AVX2: scf.yield
// AVX2-NOT: memref.prefetch
// AVX2: vector.reduction
// AVX2D-LABEL: func @decode
// AVX2D: scf.for %{{.*}} = %c0 to %c4 step %c2
// AVX2D-COUNT-8: bitnet.dot2
// AVX2D-NOT: bitnet.dot2
// AVX2D: scf.yield
// AVX2D-COUNT-4: bitnet.add_pairs
// AVX2D-COUNT-4: bitnet.dot2
// AVX2D-NOT: bitnet.dot2
// AVX2D-COUNT-4: bitnet.add_pairs
// AVX2D: vector.reduction
// NEON-LABEL: func @decode
// NEON: scf.for %{{.*}} = %c0 to %c8 step %c4 {{.*}} -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>)
// NEON: memref.prefetch
// NEON-NOT: memref.prefetch
// NEON: scf.yield
// NEON-NOT: memref.prefetch
// NEON: vector.reduction
// NEOND-LABEL: func @decode
// NEOND: scf.for %{{.*}} = %c0 to %c8 step %c4
// NEOND-COUNT-16: bitnet.dot4
// NEOND-NOT: bitnet.dot4
// NEOND: scf.yield
// NEOND-COUNT-8: bitnet.dot4
// NEOND-NOT: bitnet.dot4
// NEOND: vector.reduction
// APPLE-LABEL: func @decode
// APPLE: scf.for %{{.*}} = %c0 to %c8 step %c8 {{.*}} -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>)
// APPLE: memref.prefetch
// APPLE-NOT: memref.prefetch
// APPLE: scf.yield
// APPLE-NOT: memref.prefetch
// APPLE: vector.reduction
// APPLED-LABEL: func @decode
// APPLED: scf.for %{{.*}} = %c0 to %c8 step %c8
// APPLED-COUNT-32: bitnet.dot4
// APPLED-NOT: bitnet.dot4
// APPLED: scf.yield
// APPLED-COUNT-8: bitnet.dot4
// APPLED-NOT: bitnet.dot4
// APPLED: vector.reduction
// BADACC: decode-accumulators must be 1, 2 or 4 (0: the default), not 3
// NEGACC: decode-accumulators must be 1, 2 or 4 (0: the default), not -1
func.func @decode(%q: tensor<1x640xi8>, %p: tensor<8x160xi8>) -> tensor<1x8xi32> {
  %a = bitnet.ternary_matmul %q, %p format <i2s> : tensor<1x640xi8>, tensor<8x160xi8> -> tensor<1x8xi32>
  return %a : tensor<1x8xi32>
}

// -----

// Prefill tiles re-read their block's weights from L2: no prefetch, one
// accumulator per (row, token).
// CHECK-LABEL: func @prefill
// CHECK-NOT: memref.prefetch
// CHECK: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK-NOT: memref.prefetch
// CHECK: return
func.func @prefill(%q: tensor<8x640xi8>, %p: tensor<8x160xi8>) -> tensor<8x8xi32> {
  %a = bitnet.ternary_matmul %q, %p format <i2s> : tensor<8x640xi8>, tensor<8x160xi8> -> tensor<8x8xi32>
  return %a : tensor<8x8xi32>
}
