// RUN: bitnet-opt --bitnet-merge-functions --split-input-file %s | FileCheck %s
// RUN: bitnet-opt --bitnet-merge-functions=print-stats --split-input-file %s \
// RUN:   2>&1 >/dev/null | FileCheck %s --check-prefix=STATS

// STATS: remark: merged 2 functions into 1
// STATS: remark: merged 2 functions into 1
// STATS: remark: merged 0 functions into 0

memref.global "private" constant @w0 : memref<4xf32> = dense<1.0>
memref.global "private" constant @w1 : memref<4xf32> = dense<2.0>
memref.global "private" constant @shared : memref<4xf32> = dense<3.0>

// Two layers' copies of one loop nest: other weights (@w0, @w1) and scales
// (0.5, 0.25), the same @shared global and the same integer bounds. One
// function stays; the weights and the scale become trailing arguments,
// @shared and the bounds stay inside, and each call passes its own values.
// CHECK-LABEL: func.func @model(
// CHECK-SAME:    %[[A:.*]]: memref<4xf32>)
// CHECK:         %[[W0:.*]] = memref.get_global @w0
// CHECK:         %[[S0:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:         call @layer0(%[[A]], %[[W0]], %[[S0]])
// CHECK:         %[[W1:.*]] = memref.get_global @w1
// CHECK:         %[[S1:.*]] = arith.constant 2.500000e-01 : f32
// CHECK:         call @layer0(%[[A]], %[[W1]], %[[S1]])
// CHECK-NOT:     call @layer1
// CHECK:       func.func private @layer0(%[[X:.*]]: memref<4xf32>, %[[W:.*]]: memref<4xf32>, %[[S:.*]]: f32)
// CHECK-DAG:     arith.constant 4 : index
// CHECK-DAG:     memref.get_global @shared
// CHECK-NOT:     memref.get_global @w
// CHECK:         memref.load %[[W]]
// CHECK:         arith.mulf %{{.*}}, %[[S]]
// CHECK-NOT:   func.func private @layer1
func.func @model(%a: memref<4xf32>) {
  call @layer0(%a) : (memref<4xf32>) -> ()
  call @layer1(%a) : (memref<4xf32>) -> ()
  return
}
func.func private @layer0(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %w = memref.get_global @w0 : memref<4xf32>
  %shared = memref.get_global @shared : memref<4xf32>
  %s = arith.constant 0.5 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %w[%i] : memref<4xf32>
    %u = memref.load %shared[%i] : memref<4xf32>
    %p = arith.mulf %v, %s : f32
    %q = arith.addf %p, %u : f32
    memref.store %q, %x[%i] : memref<4xf32>
  }
  return
}
func.func private @layer1(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %w = memref.get_global @w1 : memref<4xf32>
  %shared = memref.get_global @shared : memref<4xf32>
  %s = arith.constant 0.25 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %w[%i] : memref<4xf32>
    %u = memref.load %shared[%i] : memref<4xf32>
    %p = arith.mulf %v, %s : f32
    %q = arith.addf %p, %u : f32
    memref.store %q, %x[%i] : memref<4xf32>
  }
  return
}

// -----

// Exact duplicates merge with no new argument.
// CHECK-LABEL: func.func @model(
// CHECK:         call @copy0(%{{.*}}) : (memref<4xf32>) -> ()
// CHECK-NEXT:    call @copy0(%{{.*}}) : (memref<4xf32>) -> ()
// CHECK:       func.func private @copy0(%{{.*}}: memref<4xf32>)
// CHECK-NOT:   func.func private @copy1
func.func @model(%a: memref<4xf32>) {
  call @copy0(%a) : (memref<4xf32>) -> ()
  call @copy1(%a) : (memref<4xf32>) -> ()
  return
}
func.func private @copy0(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %v = memref.load %x[%c0] : memref<4xf32>
  %d = arith.addf %v, %v : f32
  memref.store %d, %x[%c0] : memref<4xf32>
  return
}
func.func private @copy1(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %v = memref.load %x[%c0] : memref<4xf32>
  %d = arith.addf %v, %v : f32
  memref.store %d, %x[%c0] : memref<4xf32>
  return
}

// -----

// Not merged: other integer constants (loop bounds), operands in another
// order, other function attributes, a public function, a function used
// other than by a call, and a function that calls another.
// CHECK-LABEL: func.func @model(
// CHECK:         call @bound4(
// CHECK:         call @bound8(
// CHECK:         call @sub_ab(
// CHECK:         call @sub_ba(
// CHECK:         call @inline0(
// CHECK:         call @inline1(
// CHECK:         call @public0(
// CHECK:         call @public1(
// CHECK:         call @referenced0(
// CHECK:         call @referenced1(
// CHECK:         call @caller0(
// CHECK:         call @caller1(
// CHECK-LABEL: func.func private @bound4(
// CHECK-LABEL: func.func private @bound8(
// CHECK-LABEL: func.func private @sub_ab(
// CHECK-LABEL: func.func private @sub_ba(
// CHECK-LABEL: func.func private @inline0(
// CHECK-LABEL: func.func private @inline1(
// CHECK-LABEL: func.func @public0(
// CHECK-LABEL: func.func @public1(
// CHECK-LABEL: func.func private @referenced0(
// CHECK-LABEL: func.func private @referenced1(
// CHECK-LABEL: func.func private @caller0(
// CHECK-LABEL: func.func private @caller1(
func.func @model(%a: memref<8xf32>, %x: f32, %y: f32) {
  call @bound4(%a) : (memref<8xf32>) -> ()
  call @bound8(%a) : (memref<8xf32>) -> ()
  %r0 = call @sub_ab(%x, %y) : (f32, f32) -> f32
  %r1 = call @sub_ba(%x, %y) : (f32, f32) -> f32
  %r2 = call @inline0(%x) : (f32) -> f32
  %r3 = call @inline1(%x) : (f32) -> f32
  call @public0(%a) : (memref<8xf32>) -> ()
  call @public1(%a) : (memref<8xf32>) -> ()
  call @referenced0(%a) : (memref<8xf32>) -> ()
  call @referenced1(%a) : (memref<8xf32>) -> ()
  %f = func.constant @referenced1 : (memref<8xf32>) -> ()
  call @caller0(%a) : (memref<8xf32>) -> ()
  call @caller1(%a) : (memref<8xf32>) -> ()
  return
}
func.func private @bound4(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 4 : index
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    memref.store %v, %a[%c0] : memref<8xf32>
  }
  return
}
func.func private @bound8(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 8 : index
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    memref.store %v, %a[%c0] : memref<8xf32>
  }
  return
}
func.func private @sub_ab(%x: f32, %y: f32) -> f32 {
  %d = arith.subf %x, %y : f32
  return %d : f32
}
func.func private @sub_ba(%x: f32, %y: f32) -> f32 {
  %d = arith.subf %y, %x : f32
  return %d : f32
}
func.func private @inline0(%x: f32) -> f32 attributes {passthrough = ["noinline"]} {
  %d = arith.negf %x : f32
  return %d : f32
}
func.func private @inline1(%x: f32) -> f32 {
  %d = arith.negf %x : f32
  return %d : f32
}
func.func @public0(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %v = memref.load %a[%c0] : memref<8xf32>
  memref.store %v, %a[%c0] : memref<8xf32>
  return
}
func.func @public1(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %v = memref.load %a[%c0] : memref<8xf32>
  memref.store %v, %a[%c0] : memref<8xf32>
  return
}
func.func private @referenced0(%a: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %v = memref.load %a[%c1] : memref<8xf32>
  memref.store %v, %a[%c1] : memref<8xf32>
  return
}
func.func private @referenced1(%a: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %v = memref.load %a[%c1] : memref<8xf32>
  memref.store %v, %a[%c1] : memref<8xf32>
  return
}
func.func private @caller0(%a: memref<8xf32>) {
  call @public0(%a) : (memref<8xf32>) -> ()
  return
}
func.func private @caller1(%a: memref<8xf32>) {
  call @public0(%a) : (memref<8xf32>) -> ()
  return
}
