// RUN: bitnet-opt %s --split-input-file --bitnet-gpu-ternary-gemv | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --bitnet-gpu-ternary-gemv="rows-per-warp=2" | FileCheck %s --check-prefix=R2
// RUN: not bitnet-opt %s --bitnet-gpu-ternary-gemv="rows-per-warp=8 tokens-per-warp=4" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: bitnet-gpu-ternary-gemv: rows-per-warp and tokens-per-warp must be 0 (derived) or more, with at most 16 rows x tokens

// K = 200 is padded to 256 with zero activations; 77 rows in warps of 4:
// 20 warps, the last one clamps its loads to row 76 and guards its stores.
// Each lane walks chunks lane, lane + 32, ... (4 chunks here), loads four
// 16-byte activation slices (planes 32 bytes apart) and 16 bytes per row,
// and the lanes' partial sums meet in the lane loop's scf.reduce.
// CHECK-LABEL: func @gemv_tails
// CHECK-DAG: %[[PLANE0:.*]] = arith.constant dense<-1061109568> : vector<4xi32>
// CHECK-DAG: %[[PLANE3:.*]] = arith.constant dense<50529027> : vector<4xi32>
// CHECK: %[[PADDED:.*]] = tensor.pad %arg0 low[0, 0] high[0, 56]
// CHECK: %[[Q:.*]] = bufferization.to_buffer %[[PADDED]] read_only : tensor<1x256xi8> to memref<1x256xi8>
// CHECK: %[[W:.*]] = bufferization.to_buffer %arg1 read_only : tensor<77x64xi8> to memref<77x64xi8>
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x77xi32>
// CHECK: scf.parallel (%[[TOKEN:.*]], %[[WARP:.*]]) = (%c0, %c0) to (%c1, %c20) step (%c1, %c1) {
// CHECK:   %[[FIRST:.*]] = arith.muli %[[WARP]], %c4 : index
// CHECK:   %[[ROW0:.*]] = arith.minui %[[FIRST]], %c76 : index
// CHECK:   %[[SUMS:.*]]:4 = scf.parallel (%[[LANE:.*]]) = (%c0) to (%c32) step (%c1) init ({{.*}}) -> (i32, i32, i32, i32) {
// CHECK:     %[[ACCS:.*]]:17 = scf.for %[[CHUNK:.*]] = %[[LANE]] to %c4 step %c32 iter_args({{.*}}) -> (vector<1xi32>,
// CHECK:       vector.load %[[Q]][%c0, %{{.*}}] {alignment = 16 : i64} : memref<1x256xi8>, vector<16xi8>
// CHECK:       bitnet.dot4 %{{.*}}, %{{.*}}, %{{.*}} {a_fits_i8} : vector<1xi32>, vector<4xi8>, vector<4xi8>
// CHECK:       %[[CODES:.*]] = vector.load %[[W]][%[[ROW0]], %{{.*}}] {alignment = 16 : i64} : memref<77x64xi8>, vector<16xi8>
// CHECK:       %[[WORDS:.*]] = vector.bitcast %[[CODES]] : vector<16xi8> to vector<4xi32>
// CHECK:       arith.andi %[[WORDS]], %[[PLANE0]] : vector<4xi32>
// CHECK:       bitnet.dot4 %{{.*}}, %{{.*}}, %{{.*}} : vector<1xi32>, vector<4xi8>, vector<4xi8>
// CHECK:       arith.andi %[[WORDS]], %[[PLANE3]] : vector<4xi32>
// CHECK:       scf.yield
// The row sum: (acc0 >> 6) + (acc1 >> 4) + (acc2 >> 2) + acc3 - sum(q).
// CHECK:     %[[SUMQ:.*]] = vector.extract %[[ACCS]]#16[0]
// CHECK:     %[[ACC3:.*]] = vector.extract %[[ACCS]]#3[0]
// CHECK:     arith.subi %[[ACC3]], %[[SUMQ]] : i32
// CHECK:     arith.shrsi %{{.*}}, %c6_i32 : i32
// CHECK:     scf.reduce(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : i32, i32, i32, i32) {
// CHECK:       arith.addi
// CHECK:   } {bitnet.warp_lanes}
// CHECK:   %[[IN:.*]] = arith.cmpi ult, %[[FIRST]], %c77 : index
// CHECK:   scf.if %[[IN]] {
// CHECK:     memref.store %[[SUMS]]#0, %[[OUT]][%[[TOKEN]], %[[FIRST]]] : memref<1x77xi32>
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable : memref<1x77xi32> to tensor<1x77xi32>
// R2-LABEL: func @gemv_tails
// R2: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c1, %c39)
// R2: scf.parallel {{.*}} -> (i32, i32)
func.func @gemv_tails(%q: tensor<1x200xi8>, %p: tensor<77x64xi8>) -> tensor<1x77xi32> {
  %acc = bitnet.ternary_matmul %q, %p format <i2s> : tensor<1x200xi8>, tensor<77x64xi8> -> tensor<1x77xi32>
  return %acc : tensor<1x77xi32>
}

// -----

// K a multiple of 128: no padding; 3 tokens: one warp computes one row for
// all 3 (each weight load serves the 3 tokens); M and N multiples of the
// warp's rows and tokens: stores need no guard.
// CHECK-LABEL: func @gemv_exact
// CHECK-NOT: tensor.pad
// CHECK: scf.parallel (%{{.*}}, %[[WARP:.*]]) = (%c0, %c0) to (%c1, %c64)
// CHECK:   scf.parallel {{.*}} -> (i32, i32, i32) {
// CHECK:     scf.for {{.*}} -> (vector<1xi32>, vector<1xi32>, vector<1xi32>, vector<1xi32>, vector<1xi32>, vector<1xi32>, vector<1xi32>, vector<1xi32>, vector<1xi32>, vector<1xi32>, vector<1xi32>, vector<1xi32>, vector<1xi32>, vector<1xi32>, vector<1xi32>) {
// CHECK-COUNT-12: vector.load {{.*}} : memref<3x256xi8>, vector<16xi8>
// CHECK:       vector.load {{.*}} : memref<64x64xi8>, vector<16xi8>
// CHECK-NOT:   vector.load
// CHECK:       scf.yield
// CHECK-NOT: scf.if
// CHECK: memref.store %{{.*}}#0, %{{.*}}[%{{.*}}, %[[WARP]]]
// CHECK: memref.store %{{.*}}#1, %{{.*}}[%{{.*}}, %[[WARP]]]
// CHECK: memref.store %{{.*}}#2, %{{.*}}[%{{.*}}, %[[WARP]]]
// CHECK: return
func.func @gemv_exact(%q: tensor<3x256xi8>, %p: tensor<64x64xi8>) -> tensor<3x64xi32> {
  %acc = bitnet.ternary_matmul %q, %p format <i2s> : tensor<3x256xi8>, tensor<64x64xi8> -> tensor<3x64xi32>
  return %acc : tensor<3x64xi32>
}

// -----

// 5 tokens: 4 per warp (one row each), so the second token group clamps
// its loads to token 4 and guards its stores by token.
// CHECK-LABEL: func @gemv_token_tail
// CHECK: scf.parallel (%[[GROUP:.*]], %{{.*}}) = (%c0, %c0) to (%c2, %c8)
// CHECK:   %[[FIRST:.*]] = arith.muli %[[GROUP]], %c4 : index
// CHECK:   %[[T1:.*]] = arith.addi %[[FIRST]], %c1 : index
// CHECK:   arith.minui %[[T1]], %c4 : index
// CHECK:   scf.parallel {{.*}} -> (i32, i32, i32, i32) {
// CHECK:   %[[OK1:.*]] = arith.cmpi ult, %[[T1]], %c5 : index
// CHECK:   scf.if %[[OK1]] {
func.func @gemv_token_tail(%q: tensor<5x128xi8>, %p: tensor<8x32xi8>) -> tensor<5x8xi32> {
  %acc = bitnet.ternary_matmul %q, %p format <i2s> : tensor<5x128xi8>, tensor<8x32xi8> -> tensor<5x8xi32>
  return %acc : tensor<5x8xi32>
}

// -----

// A product whose only user is its dequantization: the kernel stores
// (float(acc) * weight scale) / token scale, and the i32 results never
// reach memory.
// CHECK-LABEL: func @gemv_dequantized
// CHECK-DAG: %[[S:.*]] = bufferization.to_buffer %arg1 read_only : tensor<1xf32> to memref<1xf32>
// CHECK-DAG: %[[WS:.*]] = bufferization.to_buffer %arg3 read_only : tensor<f32> to memref<f32>
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x64xf32>
// CHECK: %[[SUMS:.*]]:4 = scf.parallel
// CHECK: %[[F:.*]] = arith.sitofp %[[SUMS]]#0 : i32 to f32
// CHECK: %[[W:.*]] = memref.load %[[WS]][] : memref<f32>
// CHECK: %[[SCALED:.*]] = arith.mulf %[[F]], %[[W]] : f32
// CHECK: %[[T:.*]] = memref.load %[[S]][%{{.*}}] : memref<1xf32>
// CHECK: %[[Y:.*]] = arith.divf %[[SCALED]], %[[T]] : f32
// CHECK: memref.store %[[Y]], %[[OUT]]
// CHECK-NOT: bitnet.dequantize
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable : memref<1x64xf32> to tensor<1x64xf32>
func.func @gemv_dequantized(%q: tensor<1x128xi8>, %s: tensor<1xf32>, %p: tensor<64x32xi8>,
                            %ws: tensor<f32>) -> tensor<1x64xf32> {
  %acc = bitnet.ternary_matmul %q, %p format <i2s> : tensor<1x128xi8>, tensor<64x32xi8> -> tensor<1x64xi32>
  %y = bitnet.dequantize %acc, %s, %ws : tensor<1x64xi32>, tensor<1xf32>, tensor<f32> -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// -----

// A product used twice keeps its own kernel (i32 results); the
// dequantization stays for the portable lowering.
// CHECK-LABEL: func @gemv_used_twice
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<1x64xi32>
// CHECK: bitnet.dequantize
func.func @gemv_used_twice(%q: tensor<1x128xi8>, %s: tensor<1xf32>, %p: tensor<64x32xi8>)
    -> (tensor<1x64xf32>, tensor<1x64xi32>) {
  %acc = bitnet.ternary_matmul %q, %p format <i2s> : tensor<1x128xi8>, tensor<64x32xi8> -> tensor<1x64xi32>
  %y = bitnet.dequantize %acc, %s : tensor<1x64xi32>, tensor<1xf32> -> tensor<1x64xf32>
  return %y, %acc : tensor<1x64xf32>, tensor<1x64xi32>
}

// -----

// Scales of dynamic size: the product gets its own kernel (i32 results),
// the dequantization stays.
// CHECK-LABEL: func @gemv_dynamic_scales
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<1x64xi32>
// CHECK: bitnet.dequantize %{{.*}}, %arg1 : tensor<1x64xi32>, tensor<?xf32> -> tensor<1x64xf32>
func.func @gemv_dynamic_scales(%q: tensor<1x128xi8>, %s: tensor<?xf32>, %p: tensor<64x32xi8>)
    -> tensor<1x64xf32> {
  %acc = bitnet.ternary_matmul %q, %p format <i2s> : tensor<1x128xi8>, tensor<64x32xi8> -> tensor<1x64xi32>
  %y = bitnet.dequantize %acc, %s : tensor<1x64xi32>, tensor<?xf32> -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// -----

// Other formats, unpacked weights and dynamic shapes keep the op.
// CHECK-LABEL: func @not_gemv
// CHECK-NOT: scf.parallel
// CHECK: bitnet.ternary_matmul %arg0, %arg1 format <tl1>
// CHECK: bitnet.ternary_matmul %arg0, %arg2 :
// CHECK: bitnet.ternary_matmul %arg3, %arg4 format <i2s>
func.func @not_gemv(%q: tensor<1x128xi8>, %tl1: tensor<4x32xi8>, %w: tensor<4x128xi8>,
                    %qd: tensor<?x128xi8>, %p: tensor<4x32xi8>)
    -> (tensor<1x4xi32>, tensor<1x4xi32>, tensor<?x4xi32>) {
  %a = bitnet.ternary_matmul %q, %tl1 format <tl1> : tensor<1x128xi8>, tensor<4x32xi8> -> tensor<1x4xi32>
  %b = bitnet.ternary_matmul %q, %w : tensor<1x128xi8>, tensor<4x128xi8> -> tensor<1x4xi32>
  %c = bitnet.ternary_matmul %qd, %p format <i2s> : tensor<?x128xi8>, tensor<4x32xi8> -> tensor<?x4xi32>
  return %a, %b, %c : tensor<1x4xi32>, tensor<1x4xi32>, tensor<?x4xi32>
}
