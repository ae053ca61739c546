// Folders: constants are ternarized, quantized and packed at compile time.
// Expected values are worked out by hand from docs/numerics.md and
// docs/formats.md.
// RUN: bitnet-opt %s --split-input-file --canonicalize | FileCheck %s

// mean|W| = (0.5 + 1.5 + 0.1 + 2.0) / 4 = 1.025; W / 1.025 rounds to
// 0, -1, 0, 2 -> clamped to 1.
// CHECK-LABEL: func @fold_ternarize
// CHECK-DAG: %[[T:.*]] = arith.constant dense<{{\[}}[0, -1], [0, 1]]> : tensor<2x2xi8>
// CHECK-DAG: %[[G:.*]] = arith.constant dense<1.025000e+00> : tensor<f32>
// CHECK: return %[[T]], %[[G]]
func.func @fold_ternarize() -> (tensor<2x2xi8>, tensor<f32>) {
  %w = arith.constant dense<[[0.5, -1.5], [0.1, 2.0]]> : tensor<2x2xf32>
  %t, %g = bitnet.ternarize %w : tensor<2x2xf32> -> tensor<2x2xi8>, tensor<f32>
  return %t, %g : tensor<2x2xi8>, tensor<f32>
}

// -----

// All-zero weights: the scale floor 1e-5 applies and every weight is 0.
// CHECK-LABEL: func @fold_ternarize_zero
// CHECK-DAG: arith.constant dense<0> : tensor<3x5xi8>
// CHECK-DAG: arith.constant dense<9.99999974E-6> : tensor<f32>
func.func @fold_ternarize_zero() -> (tensor<3x5xi8>, tensor<f32>) {
  %w = arith.constant dense<0.0> : tensor<3x5xf32>
  %t, %g = bitnet.ternarize %w : tensor<3x5xf32> -> tensor<3x5xi8>, tensor<f32>
  return %t, %g : tensor<3x5xi8>, tensor<f32>
}

// -----

// Row max 2 -> s = 63.5; x * s = 63.5 (ties to even: 64), -127, 31.75 (32), 0.
// Row 2 max 4 -> s = 31.75; 127, -15.875 (-16), 0.5 (ties to even: 0), -127.
// CHECK-LABEL: func @fold_quantize_int8
// CHECK-DAG: arith.constant dense<{{\[}}[64, -127, 32, 0], [127, -16, 0, -127]]> : tensor<2x4xi8>
// CHECK-DAG: arith.constant dense<[6.350000e+01, 3.175000e+01]> : tensor<2xf32>
func.func @fold_quantize_int8() -> (tensor<2x4xi8>, tensor<2xf32>) {
  %x = arith.constant dense<[[1.0, -2.0, 0.5, 0.0], [4.0, -0.5, 0.015748031, -4.0]]> : tensor<2x4xf32>
  %q, %s = bitnet.quantize %x bits 8 : tensor<2x4xf32> -> tensor<2x4xi8>, tensor<2xf32>
  return %q, %s : tensor<2x4xi8>, tensor<2xf32>
}

// -----

// An all-zero row: s = 127 / 1e-5 and every code is 0.
// CHECK-LABEL: func @fold_quantize_zero_row
// CHECK-DAG: arith.constant dense<0> : tensor<1x3xi8>
// CHECK-DAG: arith.constant dense<1.270000e+07> : tensor<1xf32>
func.func @fold_quantize_zero_row() -> (tensor<1x3xi8>, tensor<1xf32>) {
  %x = arith.constant dense<0.0> : tensor<1x3xf32>
  %q, %s = bitnet.quantize %x bits 8 : tensor<1x3xf32> -> tensor<1x3xi8>, tensor<1xf32>
  return %q, %s : tensor<1x3xi8>, tensor<1xf32>
}

// -----

// I2S: K = 4 is padded to one 128-weight block (32 bytes). Byte j holds
// weights j, j+32, j+64, j+96 at shifts 6, 4, 2, 0 with code w + 1; padding
// weights are 0 (code 1). Byte 0: (2<<6)|(1<<4)|(1<<2)|1 = 149 = -107 as i8;
// byte 1: (0<<6)|21 = 21; byte 2: (1<<6)|21 = 85; byte 3: 149; others 85.
// CHECK-LABEL: func @fold_pack_i2s
// CHECK: arith.constant dense<{{\[}}[-107, 21, 85, -107, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85]]> : tensor<1x32xi8>
func.func @fold_pack_i2s() -> tensor<1x32xi8> {
  %w = arith.constant dense<[[1, -1, 0, 1]]> : tensor<1x4xi8>
  %p = bitnet.pack %w format <i2s> : tensor<1x4xi8> -> tensor<1x32xi8>
  return %p : tensor<1x32xi8>
}

// -----

// TL1: pair (w0, w1) -> 3*w0 + w1 + 4; low nibble first.
// (1, -1) -> 6, (0, 1) -> 5: byte 0x56 = 86. (-1, -1) -> 0, padding (0, 0) -> 4:
// byte 0x40 = 64.
// CHECK-LABEL: func @fold_pack_tl1
// CHECK: arith.constant dense<{{\[}}[86, 64]]> : tensor<1x2xi8>
func.func @fold_pack_tl1() -> tensor<1x2xi8> {
  %w = arith.constant dense<[[1, -1, 0, 1, -1, -1]]> : tensor<1x6xi8>
  %p = bitnet.pack %w format <tl1> : tensor<1x6xi8> -> tensor<1x2xi8>
  return %p : tensor<1x2xi8>
}

// -----

// TL2: triple -> v = 9*w0 + 3*w1 + w2, |v| in a nibble, sign bit in byte 4.
// (1, -1, 0) -> 6; (-1, 0, 1) -> -8. Byte 0 = 6 | (8 << 4) = 134 = -122 as i8;
// padding triples are 0; byte 4 = sign of triple 1 = 0b10 = 2.
// CHECK-LABEL: func @fold_pack_tl2
// CHECK: arith.constant dense<{{\[}}[-122, 0, 0, 0, 2]]> : tensor<1x5xi8>
func.func @fold_pack_tl2() -> tensor<1x5xi8> {
  %w = arith.constant dense<[[1, -1, 0, -1, 0, 1]]> : tensor<1x6xi8>
  %p = bitnet.pack %w format <tl2> : tensor<1x6xi8> -> tensor<1x5xi8>
  return %p : tensor<1x5xi8>
}

// -----

// T5: byte j holds weights j, j+32, ..., j+128 as v = 81c0 + 27c1 + 9c2 +
// 3c3 + c4 (c = w + 1), stored as ceil(v * 256 / 243). Weight +1 with
// padding: v = 202 -> 213 = -43 as i8; -1: v = 40 -> 43; 0: v = 121 -> 128
// = -128 (also every padding byte).
// CHECK-LABEL: func @fold_pack_t5
// CHECK: arith.constant dense<{{\[}}[-43, 43, -128, -43, 43, -128, -128, -128, {{.*}}, -128]]> : tensor<1x32xi8>
func.func @fold_pack_t5() -> tensor<1x32xi8> {
  %w = arith.constant dense<[[1, -1, 0, 1, -1, 0]]> : tensor<1x6xi8>
  %p = bitnet.pack %w format <t5> : tensor<1x6xi8> -> tensor<1x32xi8>
  return %p : tensor<1x32xi8>
}

// -----

// TL2R: a tile of 2 rows, per group 8 magnitude bytes (byte 4r + p: triple
// p low, 4 + p high) then 2 sign bytes (bit 4r + p; bit 8 + 4r + p). Row
// 0: t0 = 6, t1 = -5, t4 = 13; row 1: t0 = -1, t5 = -13. Bytes 0xD6 0x05 0
// 0 0x01 0xD0 0 0 0x12 0x20, two rows of five in the [2, 5] tensor.
// CHECK-LABEL: func @fold_pack_tl2r
// CHECK: arith.constant dense<{{\[}}[-42, 5, 0, 0, 1], [-48, 0, 0, 18, 32]]> : tensor<2x5xi8>
func.func @fold_pack_tl2r() -> tensor<2x5xi8> {
  %w = arith.constant dense<[[1, -1, 0, -1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, 0, 0, 0, 0, 0, 0]]> : tensor<2x24xi8>
  %p = bitnet.pack %w format <tl2r> : tensor<2x24xi8> -> tensor<2x5xi8>
  return %p : tensor<2x5xi8>
}

// -----

// Unpacking is the inverse of packing: the I2S bytes of @fold_pack_i2s.
// CHECK-LABEL: func @fold_unpack_i2s
// CHECK: arith.constant dense<{{\[}}[1, -1, 0, 1]]> : tensor<1x4xi8>
func.func @fold_unpack_i2s() -> tensor<1x4xi8> {
  %p = arith.constant dense<[[-107, 21, 85, -107, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85]]> : tensor<1x32xi8>
  %w = bitnet.unpack %p format <i2s> : tensor<1x32xi8> -> tensor<1x4xi8>
  return %w : tensor<1x4xi8>
}

// -----

// I2S code 3 is no weight: not folded.
// CHECK-LABEL: func @no_fold_unpack_invalid_code
// CHECK: bitnet.unpack
func.func @no_fold_unpack_invalid_code() -> tensor<1x4xi8> {
  %p = arith.constant dense<-1> : tensor<1x32xi8>
  %w = bitnet.unpack %p format <i2s> : tensor<1x32xi8> -> tensor<1x4xi8>
  return %w : tensor<1x4xi8>
}

// -----

// Packing what was unpacked from the same format is the packed bytes, run
// time values included; another format repacks (here after the unpack
// folded): (1, -1) -> 6, (0, 1) -> 5 in TL1 is 0x56 = 86.
// CHECK-LABEL: func @fold_pack_of_unpack
// CHECK-DAG: %[[TL1:.*]] = arith.constant dense<86> : tensor<1x1xi8>
// CHECK-NOT: bitnet.pack
// CHECK: return %arg0, %[[TL1]]
func.func @fold_pack_of_unpack(%p: tensor<3x32xi8>) -> (tensor<3x32xi8>, tensor<1x1xi8>) {
  %w = bitnet.unpack %p format <i2s> : tensor<3x32xi8> -> tensor<3x4xi8>
  %same = bitnet.pack %w format <i2s> : tensor<3x4xi8> -> tensor<3x32xi8>
  %c = arith.constant dense<[[-107, 21, 85, -107, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85]]> : tensor<1x32xi8>
  %v = bitnet.unpack %c format <i2s> : tensor<1x32xi8> -> tensor<1x4xi8>
  %other = bitnet.pack %v format <tl1> : tensor<1x4xi8> -> tensor<1x1xi8>
  return %same, %other : tensor<3x32xi8>, tensor<1x1xi8>
}

// -----

// Non-ternary constants are not packed.
// CHECK-LABEL: func @no_fold_pack_non_ternary
// CHECK: bitnet.pack
func.func @no_fold_pack_non_ternary() -> tensor<1x32xi8> {
  %w = arith.constant dense<[[1, 2, 0, 1]]> : tensor<1x4xi8>
  %p = bitnet.pack %w format <i2s> : tensor<1x4xi8> -> tensor<1x32xi8>
  return %p : tensor<1x32xi8>
}

// -----

// Keeping every entry is the identity.
// CHECK-LABEL: func @fold_topk_all
// CHECK-NOT: bitnet.topk_sparsify
// CHECK: return %arg0
func.func @fold_topk_all(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = bitnet.topk_sparsify %x fraction 1.0 : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func @no_fold_topk_half
// CHECK: bitnet.topk_sparsify
func.func @no_fold_topk_half(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = bitnet.topk_sparsify %x fraction 0.5 : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
