// RUN: bitnet-opt %s --split-input-file --convert-bitnet-to-linalg --canonicalize | FileCheck %s

// int8 absmax: max|x| per row, s = 127 / max(m, 1e-5), codes clamped to [-128, 127].
// CHECK-LABEL: func @quantize_int8
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:   math.absf
// CHECK:   arith.maxnumf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK:   arith.maxnumf
// CHECK:   arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK:   arith.mulf
// CHECK:   math.roundeven
// CHECK:   arith.fptosi %{{.*}} : f32 to i8
// CHECK-NOT: bitnet.
func.func @quantize_int8(%x: tensor<4x200xf32>) -> (tensor<4x200xi8>, tensor<4xf32>) {
  %q, %s = bitnet.quantize %x bits 8 : tensor<4x200xf32> -> tensor<4x200xi8>, tensor<4xf32>
  return %q, %s : tensor<4x200xi8>, tensor<4xf32>
}

// -----

// int4 absmean: the mean is accumulated in f64 and rounded once.
// CHECK-LABEL: func @quantize_int4
// CHECK-DAG: %[[K:.*]] = arith.constant 2.000000e+02 : f64
// CHECK-DAG: %[[SQRT7:.*]] = arith.constant 2.64575124 : f32
// CHECK-DAG: %[[LO:.*]] = arith.constant -8.000000e+00 : f32
// CHECK-DAG: %[[HI:.*]] = arith.constant 7.000000e+00 : f32
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4xf64>)
// CHECK:   arith.extf %{{.*}} : f32 to f64
// CHECK:   arith.addf %{{.*}} : f64
// CHECK: linalg.generic
// CHECK:   %[[MEAN:.*]] = arith.divf %{{.*}}, %[[K]] : f64
// CHECK:   arith.truncf %[[MEAN]] : f64 to f32
// CHECK:   arith.divf %[[SQRT7]], %{{.*}} : f32
// CHECK: linalg.generic
// CHECK:   arith.maximumf %{{.*}}, %[[LO]]
// CHECK:   arith.minimumf %{{.*}}, %[[HI]]
func.func @quantize_int4(%x: tensor<4x200xf32>) -> (tensor<4x200xi8>, tensor<4xf32>) {
  %q, %s = bitnet.quantize %x bits 4 : tensor<4x200xf32> -> tensor<4x200xi8>, tensor<4xf32>
  return %q, %s : tensor<4x200xi8>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func @ternarize
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK-SAME: outs(%{{.*}} : tensor<f64>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<f32>)
// CHECK:   arith.truncf
// CHECK:   arith.maxnumf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK:   arith.divf
// CHECK:   math.roundeven
// CHECK:   arith.fptosi %{{.*}} : f32 to i8
func.func @ternarize(%w: tensor<8x16xf32>) -> (tensor<8x16xi8>, tensor<f32>) {
  %t, %g = bitnet.ternarize %w : tensor<8x16xf32> -> tensor<8x16xi8>, tensor<f32>
  return %t, %g : tensor<8x16xi8>, tensor<f32>
}

// -----

// (float(acc) * gamma) / s, in that order.
// CHECK-LABEL: func @dequantize
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<4x77xi32>, tensor<4xf32>, tensor<f32>)
// CHECK:   %[[F:.*]] = arith.sitofp %{{.*}} : i32 to f32
// CHECK:   %[[P:.*]] = arith.mulf %[[F]], %{{.*}} : f32
// CHECK:   arith.divf %[[P]], %{{.*}} : f32
func.func @dequantize(%acc: tensor<4x77xi32>, %s: tensor<4xf32>, %g: tensor<f32>) -> tensor<4x77xf32> {
  %y = bitnet.dequantize %acc, %s, %g : tensor<4x77xi32>, tensor<4xf32>, tensor<f32> -> tensor<4x77xf32>
  return %y : tensor<4x77xf32>
}

// -----

// Unpacked weights: a plain (n, m, k) contraction in i32.
// CHECK-LABEL: func @matmul_unpacked
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<4x200xi8>, tensor<77x200xi8>)
// CHECK:   arith.extsi %{{.*}} : i8 to i32
// CHECK:   arith.muli
// CHECK:   arith.addi
func.func @matmul_unpacked(%q: tensor<4x200xi8>, %w: tensor<77x200xi8>) -> tensor<4x77xi32> {
  %a = bitnet.ternary_matmul %q, %w : tensor<4x200xi8>, tensor<77x200xi8> -> tensor<4x77xi32>
  return %a : tensor<4x77xi32>
}

// -----

// Packed i2s weights are decoded in the loop body: byte (k/128)*32 + k%32,
// shift 6 - 2*((k%128)/32), 2-bit code minus 1.
// CHECK-LABEL: func @matmul_i2s
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i32
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}} : tensor<4x200xi8>)
// CHECK:   linalg.index 1
// CHECK:   linalg.index 2
// CHECK:   tensor.extract %{{.*}} : tensor<77x64xi8>
// CHECK:   arith.shrui
// CHECK:   arith.andi %{{.*}}, %[[C3]]
func.func @matmul_i2s(%q: tensor<4x200xi8>, %p: tensor<77x64xi8>) -> tensor<4x77xi32> {
  %a = bitnet.ternary_matmul %q, %p format <i2s> : tensor<4x200xi8>, tensor<77x64xi8> -> tensor<4x77xi32>
  return %a : tensor<4x77xi32>
}

// -----

// A weight unpacked at run time: the same decoding as the packed product,
// over [M, K], truncated to i8.
// CHECK-LABEL: func @unpack_i2s
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: outs(%{{.*}} : tensor<77x200xi8>)
// CHECK:   linalg.index 0
// CHECK:   linalg.index 1
// CHECK:   tensor.extract %{{.*}} : tensor<77x64xi8>
// CHECK:   arith.shrui
// CHECK:   arith.trunci %{{.*}} : i32 to i8
// CHECK-NOT: bitnet.unpack
func.func @unpack_i2s(%p: tensor<77x64xi8>) -> tensor<77x200xi8> {
  %w = bitnet.unpack %p format <i2s> : tensor<77x64xi8> -> tensor<77x200xi8>
  return %w : tensor<77x200xi8>
}

// -----

// M static on one side only: the result type's M (the verifier allows it).
// CHECK-LABEL: func @unpack_dynamic_rows
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<77x200xi8>)
// CHECK-LABEL: func @unpack_static_rows_of_dynamic
// CHECK: linalg.generic
// CHECK-NOT: bitnet.unpack
func.func @unpack_dynamic_rows(%p: tensor<?x64xi8>) -> tensor<77x200xi8> {
  %w = bitnet.unpack %p format <i2s> : tensor<?x64xi8> -> tensor<77x200xi8>
  return %w : tensor<77x200xi8>
}
func.func @unpack_static_rows_of_dynamic(%p: tensor<77x64xi8>) -> tensor<?x200xi8> {
  %w = bitnet.unpack %p format <i2s> : tensor<77x64xi8> -> tensor<?x200xi8>
  return %w : tensor<?x200xi8>
}

// -----

// TL1: nibble / 3 and nibble % 3 give the two weights of a pair.
// CHECK-LABEL: func @matmul_tl1
// CHECK: linalg.generic
// CHECK:   tensor.extract %{{.*}} : tensor<77x50xi8>
// CHECK:   arith.divui %{{.*}} : i32
// CHECK:   arith.remui %{{.*}} : i32
// CHECK:   arith.select
func.func @matmul_tl1(%q: tensor<4x200xi8>, %p: tensor<77x50xi8>) -> tensor<4x77xi32> {
  %a = bitnet.ternary_matmul %q, %p format <tl1> : tensor<4x200xi8>, tensor<77x50xi8> -> tensor<4x77xi32>
  return %a : tensor<4x77xi32>
}

// -----

// TL2: magnitude nibble and sign bit, then the base-3 digits of v + 13.
// CHECK-LABEL: func @matmul_tl2
// CHECK-DAG: arith.constant 13 : i32
// CHECK: linalg.generic
// CHECK-COUNT-2: tensor.extract %{{.*}} : tensor<77x45xi8>
func.func @matmul_tl2(%q: tensor<4x200xi8>, %p: tensor<77x45xi8>) -> tensor<4x77xi32> {
  %a = bitnet.ternary_matmul %q, %p format <tl2> : tensor<4x200xi8>, tensor<77x45xi8> -> tensor<4x77xi32>
  return %a : tensor<4x77xi32>
}

// -----

// TopK: count the elements that outrank each element, keep it if fewer than k.
// CHECK-LABEL: func @topk
// CHECK-DAG: %[[K:.*]] = arith.constant 4 : i32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:   arith.cmpf ogt
// CHECK:   arith.cmpf oeq
// CHECK:   arith.cmpi ult
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK:   arith.cmpi slt, %{{.*}}, %[[K]]
// CHECK:   arith.select
func.func @topk(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %y = bitnet.topk_sparsify %x fraction 0.5 : tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// bitlinear is decomposed on the way.
// CHECK-LABEL: func @bitlinear
// CHECK-NOT: bitnet.
// CHECK: return
func.func @bitlinear(%x: tensor<4x200xf32>, %w: tensor<77x200xi8>, %g: tensor<f32>) -> tensor<4x77xf32> {
  %y = bitnet.bitlinear %x, %w, %g : tensor<4x200xf32>, tensor<77x200xi8>, tensor<f32> -> tensor<4x77xf32>
  return %y : tensor<4x77xf32>
}

// -----

// Constant weights are packed at compile time; the packed result is a constant.
// CHECK-LABEL: func @pack_constant
// CHECK-NOT: bitnet.pack
// CHECK: arith.constant dense<{{\[}}[86, 64]]> : tensor<1x2xi8>
func.func @pack_constant() -> tensor<1x2xi8> {
  %w = arith.constant dense<[[1, -1, 0, 1, -1, -1]]> : tensor<1x6xi8>
  %p = bitnet.pack %w format <tl1> : tensor<1x6xi8> -> tensor<1x2xi8>
  return %p : tensor<1x2xi8>
}
