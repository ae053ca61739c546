// Round trip of every bitnet op through the custom and the generic printers.
// RUN: bitnet-opt %s --split-input-file | bitnet-opt --split-input-file | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --mlir-print-op-generic | bitnet-opt --split-input-file | FileCheck %s

// CHECK-LABEL: func @ternarize
func.func @ternarize(%w: tensor<77x200xf32>) -> (tensor<77x200xi8>, tensor<f32>) {
  // CHECK: %{{.*}}, %{{.*}} = bitnet.ternarize %{{.*}} : tensor<77x200xf32> -> tensor<77x200xi8>, tensor<f32>
  %t, %g = bitnet.ternarize %w : tensor<77x200xf32> -> tensor<77x200xi8>, tensor<f32>
  return %t, %g : tensor<77x200xi8>, tensor<f32>
}

// -----

// CHECK-LABEL: func @quantize
func.func @quantize(%x: tensor<2x8x200xf32>, %y: tensor<?x64xf32>) -> (tensor<2x8x200xi8>, tensor<2x8xf32>, tensor<?x64xi8>, tensor<?xf32>) {
  // CHECK: bitnet.quantize %{{.*}} bits 8 : tensor<2x8x200xf32> -> tensor<2x8x200xi8>, tensor<2x8xf32>
  %q, %s = bitnet.quantize %x bits 8 : tensor<2x8x200xf32> -> tensor<2x8x200xi8>, tensor<2x8xf32>
  // CHECK: bitnet.quantize %{{.*}} bits 4 : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
  %q4, %s4 = bitnet.quantize %y bits 4 : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
  return %q, %s, %q4, %s4 : tensor<2x8x200xi8>, tensor<2x8xf32>, tensor<?x64xi8>, tensor<?xf32>
}

// -----

// The scale as PyTorch computes 127 / t: (1 / m) * 127.
// CHECK-LABEL: func @quantize_reciprocal_scale
func.func @quantize_reciprocal_scale(%x: tensor<3x64xf32>, %g: tensor<64xf32>, %wt: tensor<5x64xi8>, %gamma: tensor<f32>) -> (tensor<3x64xi8>, tensor<3xf32>, tensor<3x64xi8>, tensor<3xf32>, tensor<3x5xf32>) {
  // CHECK: bitnet.quantize %{{.*}} bits 8 reciprocal_scale : tensor<3x64xf32> -> tensor<3x64xi8>, tensor<3xf32>
  %q, %s = bitnet.quantize %x bits 8 reciprocal_scale : tensor<3x64xf32> -> tensor<3x64xi8>, tensor<3xf32>
  // CHECK: bitnet.rms_norm_quantize %{{.*}}, %{{.*}} epsilon 9.99999974E-6 bits 8 reciprocal_scale : tensor<3x64xf32>, tensor<64xf32> -> tensor<3x64xi8>, tensor<3xf32>
  %r, %rs = bitnet.rms_norm_quantize %x, %g epsilon 9.99999974E-6 bits 8 reciprocal_scale : tensor<3x64xf32>, tensor<64xf32> -> tensor<3x64xi8>, tensor<3xf32>
  // CHECK: bitnet.bitlinear %{{.*}}, %{{.*}}, %{{.*}} reciprocal_scale : tensor<3x64xf32>, tensor<5x64xi8>, tensor<f32> -> tensor<3x5xf32>
  %y = bitnet.bitlinear %x, %wt, %gamma reciprocal_scale : tensor<3x64xf32>, tensor<5x64xi8>, tensor<f32> -> tensor<3x5xf32>
  return %q, %s, %r, %rs, %y : tensor<3x64xi8>, tensor<3xf32>, tensor<3x64xi8>, tensor<3xf32>, tensor<3x5xf32>
}

// -----

// CHECK-LABEL: func @rms_norm_quantize
func.func @rms_norm_quantize(%x: tensor<1x7x80xf32>, %g: tensor<80xf32>, %y: tensor<?x64xf32>, %h: tensor<?xf32>) -> (tensor<1x7x80xi8>, tensor<1x7xf32>, tensor<?x64xi8>, tensor<?xf32>, tensor<?xi32>) {
  // CHECK: bitnet.rms_norm_quantize %{{.*}}, %{{.*}} epsilon 9.99999974E-6 bits 8 : tensor<1x7x80xf32>, tensor<80xf32> -> tensor<1x7x80xi8>, tensor<1x7xf32>
  %q, %s = bitnet.rms_norm_quantize %x, %g epsilon 9.99999974E-6 bits 8 : tensor<1x7x80xf32>, tensor<80xf32> -> tensor<1x7x80xi8>, tensor<1x7xf32>
  // CHECK: bitnet.rms_norm_quantize %{{.*}}, %{{.*}} epsilon 9.99999997E-7 bits 4 : tensor<?x64xf32>, tensor<?xf32> -> tensor<?x64xi8>, tensor<?xf32>, tensor<?xi32>
  %q4, %s4, %sums = bitnet.rms_norm_quantize %y, %h epsilon 1.0e-6 bits 4 : tensor<?x64xf32>, tensor<?xf32> -> tensor<?x64xi8>, tensor<?xf32>, tensor<?xi32>
  return %q, %s, %q4, %s4, %sums : tensor<1x7x80xi8>, tensor<1x7xf32>, tensor<?x64xi8>, tensor<?xf32>, tensor<?xi32>
}

// -----

// CHECK-LABEL: func @dequantize
func.func @dequantize(%acc: tensor<4x77xi32>, %q: tensor<4x200xi8>, %s: tensor<4xf32>, %g: tensor<f32>) -> (tensor<4x77xf32>, tensor<4x200xf32>) {
  // CHECK: bitnet.dequantize %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x77xi32>, tensor<4xf32>, tensor<f32> -> tensor<4x77xf32>
  %y = bitnet.dequantize %acc, %s, %g : tensor<4x77xi32>, tensor<4xf32>, tensor<f32> -> tensor<4x77xf32>
  // CHECK: bitnet.dequantize %{{.*}}, %{{.*}} : tensor<4x200xi8>, tensor<4xf32> -> tensor<4x200xf32>
  %x = bitnet.dequantize %q, %s : tensor<4x200xi8>, tensor<4xf32> -> tensor<4x200xf32>
  return %y, %x : tensor<4x77xf32>, tensor<4x200xf32>
}

// -----

// CHECK-LABEL: func @topk_sparsify
func.func @topk_sparsify(%x: tensor<4x200xf32>) -> tensor<4x200xf32> {
  // CHECK: bitnet.topk_sparsify %{{.*}} fraction 5.000000e-01 : tensor<4x200xf32>
  %y = bitnet.topk_sparsify %x fraction 0.5 : tensor<4x200xf32>
  return %y : tensor<4x200xf32>
}

// -----

// CHECK-LABEL: func @bitlinear
func.func @bitlinear(%x: tensor<4x200xf32>, %wt: tensor<77x200xi8>, %g: tensor<f32>,
                     %x3: tensor<1x8x200xf32>, %w: tensor<77x200xf32>) -> (tensor<4x77xf32>, tensor<1x8x77xf32>) {
  // CHECK: bitnet.bitlinear %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x200xf32>, tensor<77x200xi8>, tensor<f32> -> tensor<4x77xf32>
  %y = bitnet.bitlinear %x, %wt, %g : tensor<4x200xf32>, tensor<77x200xi8>, tensor<f32> -> tensor<4x77xf32>
  // CHECK: bitnet.bitlinear %{{.*}}, %{{.*}} act_bits 4 topk 5.000000e-01 : tensor<1x8x200xf32>, tensor<77x200xf32> -> tensor<1x8x77xf32>
  %z = bitnet.bitlinear %x3, %w act_bits 4 topk 0.5 : tensor<1x8x200xf32>, tensor<77x200xf32> -> tensor<1x8x77xf32>
  return %y, %z : tensor<4x77xf32>, tensor<1x8x77xf32>
}

// -----

// CHECK-LABEL: func @pack
func.func @pack(%wt: tensor<77x200xi8>) -> (tensor<77x64xi8>, tensor<77x50xi8>, tensor<77x45xi8>) {
  // CHECK: bitnet.pack %{{.*}} format <i2s> : tensor<77x200xi8> -> tensor<77x64xi8>
  %a = bitnet.pack %wt format <i2s> : tensor<77x200xi8> -> tensor<77x64xi8>
  // CHECK: bitnet.pack %{{.*}} format <tl1> : tensor<77x200xi8> -> tensor<77x50xi8>
  %b = bitnet.pack %wt format <tl1> : tensor<77x200xi8> -> tensor<77x50xi8>
  // CHECK: bitnet.pack %{{.*}} format <tl2> : tensor<77x200xi8> -> tensor<77x45xi8>
  %c = bitnet.pack %wt format <tl2> : tensor<77x200xi8> -> tensor<77x45xi8>
  return %a, %b, %c : tensor<77x64xi8>, tensor<77x50xi8>, tensor<77x45xi8>
}

// -----

// CHECK-LABEL: func @unpack
func.func @unpack(%a: tensor<77x64xi8>, %b: tensor<77x50xi8>, %c: tensor<77x45xi8>) -> (tensor<77x200xi8>, tensor<77x200xi8>, tensor<77x200xi8>) {
  // CHECK: bitnet.unpack %{{.*}} format <i2s> : tensor<77x64xi8> -> tensor<77x200xi8>
  %x = bitnet.unpack %a format <i2s> : tensor<77x64xi8> -> tensor<77x200xi8>
  // CHECK: bitnet.unpack %{{.*}} format <tl1> : tensor<77x50xi8> -> tensor<77x200xi8>
  %y = bitnet.unpack %b format <tl1> : tensor<77x50xi8> -> tensor<77x200xi8>
  // CHECK: bitnet.unpack %{{.*}} format <tl2> : tensor<77x45xi8> -> tensor<77x200xi8>
  %z = bitnet.unpack %c format <tl2> : tensor<77x45xi8> -> tensor<77x200xi8>
  return %x, %y, %z : tensor<77x200xi8>, tensor<77x200xi8>, tensor<77x200xi8>
}

// -----

// CHECK-LABEL: func @ternary_matmul
func.func @ternary_matmul(%q: tensor<4x200xi8>, %wt: tensor<77x200xi8>, %p: tensor<77x64xi8>) -> (tensor<4x77xi32>, tensor<4x77xi32>) {
  // CHECK: bitnet.ternary_matmul %{{.*}}, %{{.*}} : tensor<4x200xi8>, tensor<77x200xi8> -> tensor<4x77xi32>
  %a = bitnet.ternary_matmul %q, %wt : tensor<4x200xi8>, tensor<77x200xi8> -> tensor<4x77xi32>
  // CHECK: bitnet.ternary_matmul %{{.*}}, %{{.*}} format <i2s> : tensor<4x200xi8>, tensor<77x64xi8> -> tensor<4x77xi32>
  %b = bitnet.ternary_matmul %q, %p format <i2s> : tensor<4x200xi8>, tensor<77x64xi8> -> tensor<4x77xi32>
  return %a, %b : tensor<4x77xi32>, tensor<4x77xi32>
}

// -----

// The kernel configuration (BitNetAttrs.td), in a module with a target.
// CHECK: module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4", features = <["-avx512vnni"]>>}
// CHECK-LABEL: func @ternary_matmul_config
// CHECK: bitnet.ternary_matmul %{{.*}}, %{{.*}} format <i2s> {kernel_config = #bitnet.ternary_kernel<vector_bytes = 32, rows_per_block = 16, token_tile = 2, row_tile = 2, single_token_row_tile = 1, prefetch_distance = 4096, cache_line_bytes = 64, decode_accumulators = 4, i16_accumulation = true>} : tensor<4x200xi8>, tensor<77x64xi8> -> tensor<4x77xi32>
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4", features = #llvm.target_features<["-avx512vnni"]>>} {
  func.func @ternary_matmul_config(%q: tensor<4x200xi8>, %p: tensor<77x64xi8>) -> tensor<4x77xi32> {
    %b = bitnet.ternary_matmul %q, %p format <i2s> {kernel_config = #bitnet.ternary_kernel<vector_bytes = 32, rows_per_block = 16, token_tile = 2, row_tile = 2, single_token_row_tile = 1, prefetch_distance = 4096, cache_line_bytes = 64, decode_accumulators = 4, i16_accumulation = true>} : tensor<4x200xi8>, tensor<77x64xi8> -> tensor<4x77xi32>
    return %b : tensor<4x77xi32>
  }
}

// -----

// The format attribute also round-trips on its own.
// CHECK-LABEL: func @format_attr
// CHECK-SAME: bitnet.layout = #bitnet.format<tl2>
func.func @format_attr() attributes {bitnet.layout = #bitnet.format<tl2>} {
  return
}

// -----

// CHECK-LABEL: func @dot4
func.func @dot4(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>) -> vector<16xi32> {
  // CHECK: bitnet.dot4 %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi32>, vector<64xi8>, vector<64xi8>
  %r = bitnet.dot4 %acc, %a, %b : vector<16xi32>, vector<64xi8>, vector<64xi8>
  return %r : vector<16xi32>
}

// -----

// CHECK-LABEL: func @dot4_codes_fit_i8
func.func @dot4_codes_fit_i8(%acc: vector<4xi32>, %a: vector<16xi8>, %b: vector<16xi8>) -> vector<4xi32> {
  // CHECK: bitnet.dot4 %{{.*}}, %{{.*}}, %{{.*}} {a_fits_i8} : vector<4xi32>, vector<16xi8>, vector<16xi8>
  %r = bitnet.dot4 %acc, %a, %b {a_fits_i8} : vector<4xi32>, vector<16xi8>, vector<16xi8>
  return %r : vector<4xi32>
}

// -----

// CHECK-LABEL: func @dot2_add_pairs
func.func @dot2_add_pairs(%acc: vector<16xi16>, %a: vector<32xi8>, %b: vector<32xi8>,
                          %wide: vector<8xi32>) -> vector<8xi32> {
  // CHECK: %[[N:.*]] = bitnet.dot2 %{{.*}}, %{{.*}}, %{{.*}} {a_fits_i8} : vector<16xi16>, vector<32xi8>, vector<32xi8>
  // CHECK: bitnet.add_pairs %{{.*}}, %[[N]] : vector<8xi32>, vector<16xi16>
  %n = bitnet.dot2 %acc, %a, %b {a_fits_i8} : vector<16xi16>, vector<32xi8>, vector<32xi8>
  %r = bitnet.add_pairs %wide, %n : vector<8xi32>, vector<16xi16>
  return %r : vector<8xi32>
}

// -----

// CHECK-LABEL: func @lookup
func.func @lookup(%table: vector<256xi8>, %small: vector<16xi8>, %i: vector<64xi8>) -> (vector<64xi8>, vector<64xi8>) {
  // CHECK: bitnet.lookup %{{.*}}[%{{.*}}] : vector<256xi8>, vector<64xi8>
  // CHECK: bitnet.lookup %{{.*}}[%{{.*}}] : vector<16xi8>, vector<64xi8>
  %r = bitnet.lookup %table[%i] : vector<256xi8>, vector<64xi8>
  %s = bitnet.lookup %small[%i] : vector<16xi8>, vector<64xi8>
  return %r, %s : vector<64xi8>, vector<64xi8>
}

// -----

// A float contraction's kernel configuration (a discardable attribute).
// CHECK-LABEL: func @float_kernel_config
// CHECK: linalg.matmul {bitnet.kernel_config = #bitnet.float_kernel<lanes = 8, rows = 2, cols = 4, l1_bytes = 32768, l2_bytes = 524288, fma = false>}
func.func @float_kernel_config(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = linalg.matmul {bitnet.kernel_config = #bitnet.float_kernel<lanes = 8, rows = 2, cols = 4, l1_bytes = 32768, l2_bytes = 524288, fma = false>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}
