// RUN: bitnet-opt %s --split-input-file --bitnet-gpu-math-to-intrinsics | FileCheck %s

// CHECK-LABEL: func @scalars
// CHECK: llvm.call_intrinsic "llvm.sqrt.f32"(%arg0) : (f32) -> f32
// CHECK: llvm.call_intrinsic "llvm.roundeven.f32"(%arg0) : (f32) -> f32
// CHECK: llvm.call_intrinsic "llvm.fabs.f64"(%arg1) : (f64) -> f64
// CHECK: llvm.call_intrinsic "llvm.maxnum.f32"(%arg0, %arg2) : (f32, f32) -> f32
// CHECK: llvm.call_intrinsic "llvm.minnum.f64"(%arg1, %arg3) : (f64, f64) -> f64
func.func @scalars(%x: f32, %y: f64, %x2: f32, %y2: f64) -> (f32, f32, f64, f32, f64) {
  %a = math.sqrt %x : f32
  %b = math.roundeven %x : f32
  %c = math.absf %y : f64
  %d = arith.maxnumf %x, %x2 : f32
  %e = arith.minnumf %y, %y2 : f64
  return %a, %b, %c, %d, %e : f32, f32, f64, f32, f64
}

// -----

// Vectors and other types keep the op.
// CHECK-LABEL: func @kept
// CHECK: math.sqrt %arg0 : vector<4xf32>
// CHECK: math.sqrt %arg1 : f16
func.func @kept(%v: vector<4xf32>, %h: f16) -> (vector<4xf32>, f16) {
  %a = math.sqrt %v : vector<4xf32>
  %b = math.sqrt %h : f16
  return %a, %b : vector<4xf32>, f16
}
