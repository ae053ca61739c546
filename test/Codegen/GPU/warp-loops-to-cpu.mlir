// RUN: bitnet-opt %s --split-input-file --bitnet-gpu-warp-loops-to-cpu | FileCheck %s

// The lanes one after another, the reduction carried by the loop (init
// first, then each lane's partial in lane order); the warps stay parallel.
// CHECK-LABEL: func @row_max
// CHECK: scf.parallel (%[[ROW:.*]]) = (%c0) to (%c4) step (%c1) {
// CHECK:   %[[MAX:.*]] = scf.for %[[LANE:.*]] = %c0 to %c32 step %c1 iter_args(%[[ACC:.*]] = %c-5_i32) -> (i32) {
// CHECK:     %[[V:.*]] = memref.load %arg0[%[[ROW]], %[[LANE]]]
// CHECK:     %[[NEXT:.*]] = arith.maxsi %[[ACC]], %[[V]] : i32
// CHECK:     scf.yield %[[NEXT]] : i32
// CHECK:   memref.store %[[MAX]], %arg1[%[[ROW]]]
// CHECK-NOT: bitnet.warp_lanes
func.func @row_max(%in: memref<4x32xi32>, %out: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %init = arith.constant -5 : i32
  scf.parallel (%row) = (%c0) to (%c4) step (%c1) {
    %m = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%init) -> i32 {
      %v = memref.load %in[%row, %lane] : memref<4x32xi32>
      scf.reduce(%v : i32) {
      ^bb0(%a: i32, %b: i32):
        %s = arith.maxsi %a, %b : i32
        scf.reduce.return %s : i32
      }
    } {bitnet.warp_lanes}
    memref.store %m, %out[%row] : memref<4xi32>
    scf.reduce
  }
  return
}

// -----

// A lane loop without reductions: a plain loop over the lanes.
// CHECK-LABEL: func @copy
// CHECK: scf.for %[[LANE:.*]] = %c0 to %c32 step %c1 {
// CHECK:   memref.store
// CHECK-NOT: scf.parallel
func.func @copy(%in: memref<32xi32>, %out: memref<32xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%lane) = (%c0) to (%c32) step (%c1) {
    %v = memref.load %in[%lane] : memref<32xi32>
    memref.store %v, %out[%lane] : memref<32xi32>
    scf.reduce
  } {bitnet.warp_lanes}
  return
}
