// RUN: bitnet-opt %s --split-input-file --bitnet-pack-ternary --verify-diagnostics | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --bitnet-pack-ternary="format=tl1" --verify-diagnostics | FileCheck %s --check-prefix=TL1
// RUN: bitnet-opt %s --split-input-file --bitnet-pack-ternary="target=aarch64 mcpu=neoverse-n1" --verify-diagnostics | FileCheck %s
// RUN: not bitnet-opt %s --split-input-file --bitnet-pack-ternary="format=q4" 2>&1 | FileCheck %s --check-prefix=BADFORMAT
// RUN: not bitnet-opt %s --split-input-file --bitnet-pack-ternary="mcpu=pentium-z9000" 2>&1 | FileCheck %s --check-prefix=BADCPU

// The target's format (i2s on every CPU for now): the constant weight
// [[1, -1, 0, 1]] is packed at compile time (bytes as in docs/formats.md;
// in tl1, pairs (1, -1) -> 6 and (0, 1) -> 5 make one byte 0x56 = 86; in i2s:
// 149 = -107, 21, 85, -107, then padding 85).
// CHECK-LABEL: func @constant_weight
// CHECK: %[[P:.*]] = arith.constant dense<{{\[\[}}-107, 21, 85, -107, 85, {{.*}}]]> : tensor<1x32xi8>
// CHECK: bitnet.ternary_matmul %arg0, %[[P]] format <i2s> : tensor<2x4xi8>, tensor<1x32xi8> -> tensor<2x1xi32>
// CHECK-NOT: bitnet.pack
// TL1-LABEL: func @constant_weight
// TL1: %[[P:.*]] = arith.constant dense<86> : tensor<1x1xi8>
// TL1: bitnet.ternary_matmul %arg0, %[[P]] format <tl1> : tensor<2x4xi8>, tensor<1x1xi8> -> tensor<2x1xi32>
// BADFORMAT: error: bitnet-pack-ternary: unknown format 'q4'; expected i2s, tl1, tl2, t5 or tl2r
// BADCPU: error: bitnet-pack-ternary: unknown CPU 'pentium-z9000' for x86_64
func.func @constant_weight(%q: tensor<2x4xi8>) -> tensor<2x1xi32> {
  %w = arith.constant dense<[[1, -1, 0, 1]]> : tensor<1x4xi8>
  %acc = bitnet.ternary_matmul %q, %w : tensor<2x4xi8>, tensor<1x4xi8> -> tensor<2x1xi32>
  return %acc : tensor<2x1xi32>
}

// -----

// Weights the raise kept packed (bitnet.unpack of i2s bytes): used as they
// are in i2s (the same resource, no copy: a repack would fold to new dense
// bytes), repacked one weight tensor at a time in another format. The bytes
// are @constant_weight's [[1, -1, 0, 1]] in i2s.
// CHECK-LABEL: func @kept_packed
// CHECK: %[[P:.*]] = arith.constant dense_resource<kept> : tensor<1x32xi8>
// CHECK: bitnet.ternary_matmul %arg0, %[[P]] format <i2s> : tensor<2x4xi8>, tensor<1x32xi8> -> tensor<2x1xi32>
// CHECK-NOT: bitnet.unpack
// TL1-LABEL: func @kept_packed
// TL1: %[[P:.*]] = arith.constant dense<86> : tensor<1x1xi8>
// TL1: bitnet.ternary_matmul %arg0, %[[P]] format <tl1> : tensor<2x4xi8>, tensor<1x1xi8> -> tensor<2x1xi32>
// TL1-NOT: bitnet.unpack
func.func @kept_packed(%q: tensor<2x4xi8>) -> tensor<2x1xi32> {
  %p = arith.constant dense_resource<kept> : tensor<1x32xi8>
  %w = bitnet.unpack %p format <i2s> : tensor<1x32xi8> -> tensor<1x4xi8>
  %acc = bitnet.ternary_matmul %q, %w : tensor<2x4xi8>, tensor<1x4xi8> -> tensor<2x1xi32>
  return %acc : tensor<2x1xi32>
}

{-#
  dialect_resources: {
    builtin: {
      kept: "0x400000009515559555555555555555555555555555555555555555555555555555555555"
    }
  }
#-}

// -----

// A run-time weight cannot be packed at compile time.
// CHECK-LABEL: func @runtime_weight
// CHECK: bitnet.ternary_matmul %arg0, %arg1 : tensor<2x4xi8>, tensor<3x4xi8> -> tensor<2x3xi32>
func.func @runtime_weight(%q: tensor<2x4xi8>, %w: tensor<3x4xi8>) -> tensor<2x3xi32> {
  // expected-remark @+1 {{weight is not a constant; left unpacked}}
  %acc = bitnet.ternary_matmul %q, %w : tensor<2x4xi8>, tensor<3x4xi8> -> tensor<2x3xi32>
  return %acc : tensor<2x3xi32>
}

// -----

// Already packed products are left alone.
// CHECK-LABEL: func @already_packed
// CHECK: bitnet.ternary_matmul %arg0, %arg1 format <tl2>
func.func @already_packed(%q: tensor<2x6xi8>, %p: tensor<1x5xi8>) -> tensor<2x1xi32> {
  %acc = bitnet.ternary_matmul %q, %p format <tl2> : tensor<2x6xi8>, tensor<1x5xi8> -> tensor<2x1xi32>
  return %acc : tensor<2x1xi32>
}

// -----

// A constant that is not ternary cannot be packed: an error, not a weight
// left unpacked without a word.
func.func @not_ternary(%q: tensor<2x4xi8>) -> tensor<2x3xi32> {
  %w = arith.constant dense<[[1, 0, -1, 2], [0, 0, 1, 1], [1, 1, 1, 1]]> : tensor<3x4xi8>
  // expected-error @+1 {{bitnet-pack-ternary: the constant weight holds values other than -1, 0 and 1}}
  %acc = bitnet.ternary_matmul %q, %w : tensor<2x4xi8>, tensor<3x4xi8> -> tensor<2x3xi32>
  return %acc : tensor<2x3xi32>
}

// -----

// A weight beyond the packing limit is refused before anything is
// materialized (a splat of 2^32 bytes would take 4 GiB).
func.func @huge_splat(%q: tensor<1x65536xi8>) -> tensor<1x65536xi32> {
  %w = arith.constant dense<1> : tensor<65536x65536xi8>
  // expected-error @+1 {{bitnet-pack-ternary: weight of 65536 x 65536 elements is larger than the 2^31 the compiler packs}}
  %acc = bitnet.ternary_matmul %q, %w : tensor<1x65536xi8>, tensor<65536x65536xi8> -> tensor<1x65536xi32>
  return %acc : tensor<1x65536xi32>
}
