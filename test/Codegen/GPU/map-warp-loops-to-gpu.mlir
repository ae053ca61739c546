// RUN: bitnet-opt %s --split-input-file --verify-diagnostics --bitnet-gpu-map-warp-loops | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --verify-diagnostics --bitnet-gpu-map-warp-loops="warps-per-block=8" | FileCheck %s --check-prefix=W8

// Row sums of a [10, 32] matrix, one warp per row: 10 warps in blocks of 4
// (3 blocks; warps 10 and 11 do nothing), lane = threadIdx.x, the lanes'
// partial sums combined by five xor shuffles, the store on lane 0.
// CHECK-LABEL: func @row_sums
// CHECK: gpu.launch_func @row_sums_kernel::@row_sums_kernel blocks in (%c3, %[[ONE:.*]], %[[ONE]]) threads in (%{{.*}}, %c4, %[[ONE]]) args(%arg0 : memref<10x32xi32>, %arg1 : memref<10xi32>)
// CHECK: gpu.module @row_sums_kernel
// CHECK: gpu.func @row_sums_kernel(%[[IN:.*]]: memref<10x32xi32>, %[[OUT:.*]]: memref<10xi32>) kernel
// CHECK-SAME: known_block_size = array<i32: 32, 4, 1>
// CHECK-DAG: %[[BX:.*]] = gpu.block_id x
// CHECK-DAG: %[[TX:.*]] = gpu.thread_id x
// CHECK-DAG: %[[TY:.*]] = gpu.thread_id y
// CHECK: %[[WB:.*]] = arith.muli %[[BX]], %c4
// CHECK: %[[WARP:.*]] = arith.addi %[[WB]], %[[TY]]
// CHECK: %[[ACTIVE:.*]] = arith.cmpi ult, %[[WARP]], %c10
// CHECK: scf.if %[[ACTIVE]] {
// CHECK:   %[[V:.*]] = memref.load %[[IN]][%[[WARP]], %[[TX]]]
// CHECK:   %[[S16:.*]], %{{.*}} = gpu.shuffle xor %[[V]], %c16_i32, %c32_i32{{.*}} : i32
// CHECK:   %[[A16:.*]] = arith.addi %[[V]], %[[S16]] : i32
// CHECK:   gpu.shuffle xor %[[A16]], %c8_i32, %c32_i32{{.*}} : i32
// CHECK:   gpu.shuffle xor %{{.*}}, %c4_i32, %c32_i32{{.*}} : i32
// CHECK:   gpu.shuffle xor %{{.*}}, %c2_i32, %c32_i32{{.*}} : i32
// CHECK:   gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32{{.*}} : i32
// CHECK:   %[[TOTAL:.*]] = arith.addi %{{.*}}, %{{.*}} : i32
// CHECK:   %[[WITHINIT:.*]] = arith.addi %c7_i32, %[[TOTAL]] : i32
// CHECK:   %[[LANE0:.*]] = arith.cmpi eq, %[[TX]], %c0
// CHECK:   scf.if %[[LANE0]] {
// CHECK:     memref.store %[[WITHINIT]], %[[OUT]][%[[WARP]]]
// W8-LABEL: func @row_sums
// W8: gpu.launch_func @row_sums_kernel::@row_sums_kernel blocks in (%c2, %{{.*}}, %{{.*}}) threads in (%{{.*}}, %c8, %{{.*}})
func.func @row_sums(%in: memref<10x32xi32>, %out: memref<10xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %c32 = arith.constant 32 : index
  %init = arith.constant 7 : i32
  scf.parallel (%row) = (%c0) to (%c10) step (%c1) {
    %sum = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%init) -> i32 {
      %v = memref.load %in[%row, %lane] : memref<10x32xi32>
      scf.reduce(%v : i32) {
      ^bb0(%a: i32, %b: i32):
        %s = arith.addi %a, %b : i32
        scf.reduce.return %s : i32
      }
    } {bitnet.warp_lanes}
    memref.store %sum, %out[%row] : memref<10xi32>
    scf.reduce
  }
  return
}

// -----

// Two outer dimensions: the first goes to blockIdx.y.
// CHECK-LABEL: func @two_dims
// CHECK: gpu.launch_func @two_dims_kernel::@two_dims_kernel blocks in (%c2, %c3, %{{.*}}) threads in (%{{.*}}, %c4, %{{.*}})
// CHECK: gpu.func @two_dims_kernel
// CHECK: %[[BY:.*]] = gpu.block_id y
// CHECK: gpu.shuffle xor
// CHECK: arith.maxsi
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[BY]], %{{.*}}] : memref<3x5xi32>
func.func @two_dims(%in: memref<3x5x32xi32>, %out: memref<3x5xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c32 = arith.constant 32 : index
  %init = arith.constant 0 : i32
  scf.parallel (%t, %row) = (%c0, %c0) to (%c3, %c5) step (%c1, %c1) {
    %m = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%init) -> i32 {
      %v = memref.load %in[%t, %row, %lane] : memref<3x5x32xi32>
      scf.reduce(%v : i32) {
      ^bb0(%a: i32, %b: i32):
        %s = arith.maxsi %a, %b : i32
        scf.reduce.return %s : i32
      }
    } {bitnet.warp_lanes}
    memref.store %m, %out[%t, %row] : memref<3x5xi32>
    scf.reduce
  }
  return
}

// -----

// Loops without a lane loop are left alone.
// CHECK-LABEL: func @plain
// CHECK-NOT: gpu.launch_func
// CHECK: scf.parallel
func.func @plain(%out: memref<8xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %z = arith.constant 0 : i32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %z, %out[%i] : memref<8xi32>
    scf.reduce
  }
  return
}

// -----

func.func @sixteen_lanes(%in: memref<4x16xi32>, %out: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %z = arith.constant 0 : i32
  scf.parallel (%row) = (%c0) to (%c4) step (%c1) {
    // expected-error @+1 {{bitnet-gpu-map-warp-loops: a lane loop must run 0 to 32 by 1}}
    %sum = scf.parallel (%lane) = (%c0) to (%c16) step (%c1) init (%z) -> i32 {
      %v = memref.load %in[%row, %lane] : memref<4x16xi32>
      scf.reduce(%v : i32) {
      ^bb0(%a: i32, %b: i32):
        %s = arith.addi %a, %b : i32
        scf.reduce.return %s : i32
      }
    } {bitnet.warp_lanes}
    memref.store %sum, %out[%row] : memref<4xi32>
    scf.reduce
  }
  return
}

// -----

func.func @store_before_lanes(%in: memref<4x32xi32>, %out: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %z = arith.constant 0 : i32
  scf.parallel (%row) = (%c0) to (%c4) step (%c1) {
    // expected-error @+1 {{bitnet-gpu-map-warp-loops: a warp writes memory before one of its lane loops}}
    memref.store %z, %out[%row] : memref<4xi32>
    %sum = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%z) -> i32 {
      %v = memref.load %in[%row, %lane] : memref<4x32xi32>
      scf.reduce(%v : i32) {
      ^bb0(%a: i32, %b: i32):
        %s = arith.addi %a, %b : i32
        scf.reduce.return %s : i32
      }
    } {bitnet.warp_lanes}
    memref.store %sum, %out[%row] : memref<4xi32>
    scf.reduce
  }
  return
}

// -----

func.func @reduce_across_warps(%in: memref<4x32xi32>) -> i32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %z = arith.constant 0 : i32
  // expected-error @+1 {{bitnet-gpu-map-warp-loops: a warp loop cannot reduce across warps}}
  %total = scf.parallel (%row) = (%c0) to (%c4) step (%c1) init (%z) -> i32 {
    %sum = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%z) -> i32 {
      %v = memref.load %in[%row, %lane] : memref<4x32xi32>
      scf.reduce(%v : i32) {
      ^bb0(%a: i32, %b: i32):
        %s = arith.addi %a, %b : i32
        scf.reduce.return %s : i32
      }
    } {bitnet.warp_lanes}
    scf.reduce(%sum : i32) {
    ^bb0(%a: i32, %b: i32):
      %s = arith.addi %a, %b : i32
      scf.reduce.return %s : i32
    }
  }
  return %total : i32
}

// -----

// Two lane loops: the second uses the first's warp total (every lane holds
// it after the butterfly); lanes write their own elements inside a lane
// loop; the store after the last lane loop is lane 0's.
// CHECK-LABEL: func @two_lane_loops
// CHECK: gpu.func @two_lane_loops_kernel
// CHECK-DAG: %[[TX:.*]] = gpu.thread_id x
// CHECK: %[[V:.*]] = memref.load %{{.*}}[%{{.*}}, %[[TX]]] : memref<4x32xf32>
// CHECK: gpu.shuffle xor %[[V]], %c16_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c1_i32
// CHECK: %[[TOTAL:.*]] = arith.addf %cst{{.*}}, %{{.*}} : f32
// CHECK-NOT: scf.if
// CHECK: %[[W:.*]] = arith.subf %{{.*}}, %[[TOTAL]] : f32
// CHECK: memref.store %[[W]], %{{.*}}[%{{.*}}, %[[TX]]] : memref<4x32xf32>
// CHECK: gpu.shuffle xor
// CHECK: %[[LANE0:.*]] = arith.cmpi eq, %[[TX]], %c0
// CHECK: scf.if %[[LANE0]] {
// CHECK:   memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<4xf32>
func.func @two_lane_loops(%in: memref<4x32xf32>, %centred: memref<4x32xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%row) = (%c0) to (%c4) step (%c1) {
    %sum = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%z) -> f32 {
      %v = memref.load %in[%row, %lane] : memref<4x32xf32>
      scf.reduce(%v : f32) {
      ^bb0(%a: f32, %b: f32):
        %s = arith.addf %a, %b : f32
        scf.reduce.return %s : f32
      }
    } {bitnet.warp_lanes}
    %sq = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%z) -> f32 {
      %v = memref.load %in[%row, %lane] : memref<4x32xf32>
      %d = arith.subf %v, %sum : f32
      memref.store %d, %centred[%row, %lane] : memref<4x32xf32>
      %d2 = arith.mulf %d, %d : f32
      scf.reduce(%d2 : f32) {
      ^bb0(%a: f32, %b: f32):
        %s = arith.addf %a, %b : f32
        scf.reduce.return %s : f32
      }
    } {bitnet.warp_lanes}
    memref.store %sq, %out[%row] : memref<4xf32>
    scf.reduce
  }
  return
}

// -----

func.func @store_between_lane_loops(%in: memref<4x32xi32>, %out: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %z = arith.constant 0 : i32
  scf.parallel (%row) = (%c0) to (%c4) step (%c1) {
    %sum = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%z) -> i32 {
      %v = memref.load %in[%row, %lane] : memref<4x32xi32>
      scf.reduce(%v : i32) {
      ^bb0(%a: i32, %b: i32):
        %s = arith.addi %a, %b : i32
        scf.reduce.return %s : i32
      }
    } {bitnet.warp_lanes}
    // expected-error @+1 {{bitnet-gpu-map-warp-loops: a warp writes memory before one of its lane loops}}
    memref.store %sum, %out[%row] : memref<4xi32>
    %max = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%z) -> i32 {
      %v = memref.load %in[%row, %lane] : memref<4x32xi32>
      scf.reduce(%v : i32) {
      ^bb0(%a: i32, %b: i32):
        %s = arith.maxsi %a, %b : i32
        scf.reduce.return %s : i32
      }
    } {bitnet.warp_lanes}
    memref.store %max, %out[%row] : memref<4xi32>
    scf.reduce
  }
  return
}

// -----

func.func @read_after_writing_lanes(%in: memref<4x32xi32>, %out: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%row) = (%c0) to (%c4) step (%c1) {
    scf.parallel (%lane) = (%c0) to (%c32) step (%c1) {
      %v = memref.load %in[%row, %lane] : memref<4x32xi32>
      %d = arith.addi %v, %v : i32
      memref.store %d, %in[%row, %lane] : memref<4x32xi32>
      scf.reduce
    } {bitnet.warp_lanes}
    // expected-error @+1 {{bitnet-gpu-map-warp-loops: a warp reads memory after a lane loop that writes it}}
    %first = memref.load %in[%row, %c0] : memref<4x32xi32>
    memref.store %first, %out[%row] : memref<4xi32>
    scf.reduce
  }
  return
}

// -----

func.func @reduce_i8(%in: memref<4x32xi8>, %out: memref<4xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %z = arith.constant 0 : i8
  scf.parallel (%row) = (%c0) to (%c4) step (%c1) {
    // expected-error @+1 {{bitnet-gpu-map-warp-loops: a lane reduction of 'i8' (shuffles move i32, i64, f32, f64)}}
    %sum = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%z) -> i8 {
      %v = memref.load %in[%row, %lane] : memref<4x32xi8>
      scf.reduce(%v : i8) {
      ^bb0(%a: i8, %b: i8):
        %s = arith.addi %a, %b : i8
        scf.reduce.return %s : i8
      }
    } {bitnet.warp_lanes}
    memref.store %sum, %out[%row] : memref<4xi8>
    scf.reduce
  }
  return
}

// -----

// A reduction whose partial is defined outside the warp (a constant).
// CHECK-LABEL: func @outside_partial
// CHECK: gpu.func @outside_partial_kernel
// CHECK: gpu.shuffle xor %c1_i32{{.*}}, %c16_i32
func.func @outside_partial(%out: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %z = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  scf.parallel (%row) = (%c0) to (%c4) step (%c1) {
    %count = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%z) -> i32 {
      scf.reduce(%one : i32) {
      ^bb0(%a: i32, %b: i32):
        %s = arith.addi %a, %b : i32
        scf.reduce.return %s : i32
      }
    } {bitnet.warp_lanes}
    memref.store %count, %out[%row] : memref<4xi32>
    scf.reduce
  }
  return
}

// -----

func.func @too_many_tokens(%in: memref<70000x32xi32>, %out: memref<70000x2xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c32 = arith.constant 32 : index
  %n = arith.constant 70000 : index
  %z = arith.constant 0 : i32
  // expected-error @+1 {{bitnet-gpu-map-warp-loops: 70000 iterations in a dimension mapped to blockIdx.y (at most 65535)}}
  scf.parallel (%t, %w) = (%c0, %c0) to (%n, %c2) step (%c1, %c1) {
    %sum = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%z) -> i32 {
      %v = memref.load %in[%t, %lane] : memref<70000x32xi32>
      scf.reduce(%v : i32) {
      ^bb0(%a: i32, %b: i32):
        %s = arith.addi %a, %b : i32
        scf.reduce.return %s : i32
      }
    } {bitnet.warp_lanes}
    memref.store %sum, %out[%t, %w] : memref<70000x2xi32>
    scf.reduce
  }
  return
}

// -----

func.func @writing_lanes_not_last(%in: memref<4x32xi32>, %out: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %z = arith.constant 0 : i32
  scf.parallel (%row) = (%c0) to (%c4) step (%c1) {
    // expected-error @+1 {{bitnet-gpu-map-warp-loops: a lane loop that writes memory must be the warp's last}}
    scf.parallel (%lane) = (%c0) to (%c32) step (%c1) {
      memref.store %z, %in[%row, %lane] : memref<4x32xi32>
      scf.reduce
    } {bitnet.warp_lanes}
    %sum = scf.parallel (%lane) = (%c0) to (%c32) step (%c1) init (%z) -> i32 {
      %v = memref.load %in[%row, %lane] : memref<4x32xi32>
      scf.reduce(%v : i32) {
      ^bb0(%a: i32, %b: i32):
        %s = arith.addi %a, %b : i32
        scf.reduce.return %s : i32
      }
    } {bitnet.warp_lanes}
    memref.store %sum, %out[%row] : memref<4xi32>
    scf.reduce
  }
  return
}

// -----

func.func @lane_loop_not_in_a_warp(%in: memref<32xi32>, %out: memref<32xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  // expected-error @+1 {{bitnet-gpu-map-warp-loops: a lane loop must be directly in a warp loop}}
  scf.parallel (%lane) = (%c0) to (%c32) step (%c1) {
    %v = memref.load %in[%lane] : memref<32xi32>
    memref.store %v, %out[%lane] : memref<32xi32>
    scf.reduce
  } {bitnet.warp_lanes}
  return
}
