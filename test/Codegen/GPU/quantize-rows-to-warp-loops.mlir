// RUN: bitnet-opt %s --split-input-file --bitnet-gpu-quantize-rows | FileCheck %s

// RMSNorm + int8 quantization with the code sums: one warp per token, three
// lane loops (sum of squares in f64, max|y|, codes), lane partials combined
// by each loop's reduction; the scale and the sum stored after the last.
// CHECK-LABEL: func @rms_norm_quantize
// CHECK: %[[X:.*]] = bufferization.to_buffer %arg0 read_only : tensor<3x100xf32> to memref<3x100xf32>
// CHECK: %[[G:.*]] = bufferization.to_buffer %arg1 read_only : tensor<100xf32> to memref<100xf32>
// CHECK: %[[Q:.*]] = memref.alloc() {alignment = 64 : i64} : memref<3x100xi8>
// CHECK: %[[S:.*]] = memref.alloc() {alignment = 64 : i64} : memref<3xf32>
// CHECK: %[[SUMS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<3xi32>
// CHECK: scf.parallel (%[[ROW:.*]]) = (%c0) to (%c3) step (%c1) {
// CHECK:   %[[SS:.*]] = scf.parallel (%[[L0:.*]]) = (%c0) to (%c32) step (%c1) init (%{{.*}}) -> f64 {
// CHECK:     scf.for %[[J0:.*]] = %[[L0]] to %c100 step %c32 iter_args(%{{.*}}) -> (f64) {
// CHECK:       %[[V0:.*]] = memref.load %[[X]][%[[ROW]], %[[J0]]]
// CHECK:       %[[SQ:.*]] = arith.mulf %[[V0]], %[[V0]] : f32
// CHECK:       arith.extf %[[SQ]] : f32 to f64
// CHECK:     scf.reduce
// CHECK:       arith.addf %{{.*}}, %{{.*}} : f64
// CHECK:   } {bitnet.warp_lanes}
// CHECK:   %[[MEAN:.*]] = arith.divf %[[SS]], %{{.*}} : f64
// CHECK:   arith.truncf %[[MEAN]] : f64 to f32
// CHECK:   math.sqrt
// CHECK:   %[[R:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK:   %[[MAX:.*]] = scf.parallel (%{{.*}}) = (%c0) to (%c32) step (%c1) init (%{{.*}}) -> f32 {
// CHECK:       %[[N:.*]] = arith.mulf %{{.*}}, %[[R]] : f32
// CHECK:       memref.load %[[G]]
// CHECK:       math.absf
// CHECK:       arith.maxnumf
// CHECK:     scf.reduce
// CHECK:       arith.maxnumf
// CHECK:   } {bitnet.warp_lanes}
// CHECK:   arith.maxnumf %[[MAX]], %{{.*}} : f32
// CHECK:   %[[SCALE:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK:   %[[SUM:.*]] = scf.parallel (%{{.*}}) = (%c0) to (%c32) step (%c1) init (%{{.*}}) -> i32 {
// CHECK:       math.roundeven
// CHECK:       %[[CODE:.*]] = arith.fptosi %{{.*}} : f32 to i8
// CHECK:       memref.store %[[CODE]], %[[Q]][%[[ROW]], %{{.*}}] : memref<3x100xi8>
// CHECK:       arith.extsi %[[CODE]] : i8 to i32
// CHECK:     scf.reduce
// CHECK:       arith.addi
// CHECK:   } {bitnet.warp_lanes}
// CHECK:   memref.store %[[SCALE]], %[[S]][%[[ROW]]] : memref<3xf32>
// CHECK:   memref.store %[[SUM]], %[[SUMS]][%[[ROW]]] : memref<3xi32>
// CHECK: bufferization.to_tensor %[[Q]] restrict writable
// CHECK: bufferization.to_tensor %[[S]] restrict writable
// CHECK: bufferization.to_tensor %[[SUMS]] restrict writable
func.func @rms_norm_quantize(%x: tensor<3x100xf32>, %g: tensor<100xf32>)
    -> (tensor<3x100xi8>, tensor<3xf32>, tensor<3xi32>) {
  %q, %s, %sum = bitnet.rms_norm_quantize %x, %g epsilon 1.0e-05 bits 8
      : tensor<3x100xf32>, tensor<100xf32> -> tensor<3x100xi8>, tensor<3xf32>, tensor<3xi32>
  return %q, %s, %sum : tensor<3x100xi8>, tensor<3xf32>, tensor<3xi32>
}

// -----

// int4 absmean without a norm: the statistic is sum|x| in f64; the codes
// loop has no reduction (no sums); reciprocal_scale: (1 / d) * sqrt(7).
// CHECK-LABEL: func @quantize_int4
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c2) step (%c1) {
// CHECK-NOT: math.sqrt
// CHECK:   scf.parallel {{.*}} -> f64 {
// CHECK:   } {bitnet.warp_lanes}
// CHECK:   arith.divf %cst{{.*}}, %{{.*}} : f32
// CHECK:   %[[S:.*]] = arith.mulf %{{.*}}, %cst{{.*}} : f32
// CHECK:   scf.parallel (%{{.*}}) = (%c0) to (%c32) step (%c1) {
// CHECK:     arith.maximumf %{{.*}}, %cst{{.*}} : f32
// CHECK:     memref.store
// CHECK:   } {bitnet.warp_lanes}
// CHECK:   memref.store %[[S]]
func.func @quantize_int4(%x: tensor<2x64xf32>) -> (tensor<2x64xi8>, tensor<2xf32>) {
  %q, %s = bitnet.quantize %x bits 4 reciprocal_scale : tensor<2x64xf32> -> tensor<2x64xi8>, tensor<2xf32>
  return %q, %s : tensor<2x64xi8>, tensor<2xf32>
}

// -----

// Dynamic shapes keep the op.
// CHECK-LABEL: func @dynamic
// CHECK: bitnet.quantize
func.func @dynamic(%x: tensor<?x64xf32>) -> (tensor<?x64xi8>, tensor<?xf32>) {
  %q, %s = bitnet.quantize %x bits 8 : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
  return %q, %s : tensor<?x64xi8>, tensor<?xf32>
}

// -----

// A norm weight of dynamic size keeps the op.
// CHECK-LABEL: func @dynamic_gamma
// CHECK: bitnet.rms_norm_quantize
func.func @dynamic_gamma(%x: tensor<2x64xf32>, %g: tensor<?xf32>) -> (tensor<2x64xi8>, tensor<2xf32>) {
  %q, %s = bitnet.rms_norm_quantize %x, %g epsilon 1.0e-05 bits 8 : tensor<2x64xf32>, tensor<?xf32> -> tensor<2x64xi8>, tensor<2xf32>
  return %q, %s : tensor<2x64xi8>, tensor<2xf32>
}
