// RUN: bitnet-opt %s --split-input-file --convert-bitnet-dot4-to-llvm="target=x86_64 mcpu=znver4" | FileCheck %s --check-prefix=VNNI
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-dot4-to-llvm="target=x86_64 mcpu=x86-64-v3" | FileCheck %s --check-prefix=AVX2
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-dot4-to-llvm="target=x86_64 mcpu=skylake-avx512" | FileCheck %s --check-prefix=AVX512BW
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-dot4-to-llvm="target=aarch64 mcpu=neoverse-n1" | FileCheck %s --check-prefix=SDOT
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-dot4-to-llvm="portable=true" | FileCheck %s --check-prefix=GENERIC
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-dot4-to-llvm="target=x86_64 mcpu=x86-64" | FileCheck %s --check-prefix=GENERIC
// RUN: not bitnet-opt %s --split-input-file --convert-bitnet-dot4-to-llvm="target=riscv64" 2>&1 | FileCheck %s --check-prefix=BADTARGET

// BADTARGET: error: convert-bitnet-dot4-to-llvm: unknown target 'riscv64'

// VNNI-LABEL: func @dot4_512
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%arg0, %arg1, %arg2) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// AVX512BW-LABEL: func @dot4_512
// AVX512BW: %[[PAIRS:.*]] = llvm.call_intrinsic "llvm.x86.avx512.pmaddubs.w.512"(%arg1, %arg2) : (vector<64xi8>, vector<64xi8>) -> vector<32xi16>
// AVX512BW: %[[QUADS:.*]] = llvm.call_intrinsic "llvm.x86.avx512.pmaddw.d.512"(%[[PAIRS]], %{{.*}}) : (vector<32xi16>, vector<32xi16>) -> vector<16xi32>
// AVX512BW: arith.addi %arg0, %[[QUADS]] : vector<16xi32>
// AVX2 has no 512-bit vpmaddubsw: the portable form.
// AVX2-LABEL: func @dot4_512
// AVX2-NOT: llvm.call_intrinsic
// AVX2: vector.shuffle
// GENERIC-LABEL: func @dot4_512
// GENERIC: arith.extui %arg1 : vector<64xi8> to vector<64xi32>
// GENERIC: arith.extsi %arg2 : vector<64xi8> to vector<64xi32>
// GENERIC: %[[PROD:.*]] = arith.muli
// GENERIC: %[[P0:.*]] = vector.shuffle %[[PROD]], %[[PROD]] [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60] : vector<64xi32>, vector<64xi32>
// GENERIC: %[[S0:.*]] = arith.addi %arg0, %[[P0]] : vector<16xi32>
// GENERIC: %[[P1:.*]] = vector.shuffle %[[PROD]], %[[PROD]] [1, 5, 9,
// GENERIC: %[[S1:.*]] = arith.addi %[[S0]], %[[P1]]
// GENERIC: vector.shuffle %[[PROD]], %[[PROD]] [2, 6,
// GENERIC: vector.shuffle %[[PROD]], %[[PROD]] [3, 7,
// GENERIC: %[[S3:.*]] = arith.addi
// GENERIC: return %[[S3]]
func.func @dot4_512(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>) -> vector<16xi32> {
  %r = bitnet.dot4 %acc, %a, %b {a_fits_i8} : vector<16xi32>, vector<64xi8>, vector<64xi8>
  return %r : vector<16xi32>
}

// -----

// VNNI-LABEL: func @dot4_256
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"
// AVX2-LABEL: func @dot4_256
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%arg1, %arg2) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
func.func @dot4_256(%acc: vector<8xi32>, %a: vector<32xi8>, %b: vector<32xi8>) -> vector<8xi32> {
  %r = bitnet.dot4 %acc, %a, %b {a_fits_i8} : vector<8xi32>, vector<32xi8>, vector<32xi8>
  return %r : vector<8xi32>
}

// -----

// VNNI-LABEL: func @dot4_128
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.128"
// AVX2-LABEL: func @dot4_128
// AVX2: llvm.call_intrinsic "llvm.x86.ssse3.pmadd.ub.sw.128"
// AVX2: llvm.call_intrinsic "llvm.x86.sse2.pmadd.wd"
// SDOT-LABEL: func @dot4_128
// SDOT: llvm.call_intrinsic "llvm.aarch64.neon.sdot.v4i32.v16i8"(%arg0, %arg1, %arg2) : (vector<4xi32>, vector<16xi8>, vector<16xi8>) -> vector<4xi32>
func.func @dot4_128(%acc: vector<4xi32>, %a: vector<16xi8>, %b: vector<16xi8>) -> vector<4xi32> {
  %r = bitnet.dot4 %acc, %a, %b {a_fits_i8} : vector<4xi32>, vector<16xi8>, vector<16xi8>
  return %r : vector<4xi32>
}

// -----

// Without a_fits_i8 a byte of a may be >= 128: vpdpbusd is still exact
// (unsigned x signed), vpmaddubsw could saturate and sdot would read it
// as negative, so those targets take the portable form.
// VNNI-LABEL: func @dot4_unsigned
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"
// AVX2-LABEL: func @dot4_unsigned
// AVX2-NOT: llvm.call_intrinsic
// AVX2: vector.shuffle
// SDOT-LABEL: func @dot4_unsigned
// SDOT-NOT: llvm.call_intrinsic
// SDOT: vector.shuffle
func.func @dot4_unsigned(%acc: vector<8xi32>, %a: vector<32xi8>, %b: vector<32xi8>) -> vector<8xi32> {
  %r = bitnet.dot4 %acc, %a, %b : vector<8xi32>, vector<32xi8>, vector<32xi8>
  return %r : vector<8xi32>
}

// -----

// No instruction for 2 lanes on x86: the portable form even with VNNI;
// AArch64 has a 64-bit sdot.
// VNNI-LABEL: func @dot4_64bit
// VNNI-NOT: llvm.call_intrinsic
// VNNI: vector.shuffle
// SDOT-LABEL: func @dot4_64bit
// SDOT: llvm.call_intrinsic "llvm.aarch64.neon.sdot.v2i32.v8i8"
func.func @dot4_64bit(%acc: vector<2xi32>, %a: vector<8xi8>, %b: vector<8xi8>) -> vector<2xi32> {
  %r = bitnet.dot4 %acc, %a, %b {a_fits_i8} : vector<2xi32>, vector<8xi8>, vector<8xi8>
  return %r : vector<2xi32>
}

// -----

// The i16 accumulation: dot2 is vpmaddubsw + vpaddw, add_pairs vpmaddwd by
// ones + vpaddd, where the target has them; otherwise shuffled adds of
// widened products (sext/zext to i16) and of sign-extended pairs.
// AVX2-LABEL: func @dot2_add_pairs_256
// AVX2: %[[ONES:.*]] = arith.constant dense<1> : vector<16xi16>
// AVX2: %[[P:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%arg1, %arg2) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// AVX2: %[[N:.*]] = arith.addi %arg0, %[[P]] : vector<16xi16>
// AVX2: %[[S:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[N]], %[[ONES]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2: arith.addi %arg3, %[[S]] : vector<8xi32>
// GENERIC-LABEL: func @dot2_add_pairs_256
// GENERIC: arith.extui %arg1 : vector<32xi8> to vector<32xi16>
// GENERIC: arith.extsi %arg2 : vector<32xi8> to vector<32xi16>
// GENERIC: arith.muli
// GENERIC: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30] : vector<32xi16>, vector<32xi16>
// GENERIC: vector.shuffle {{.*}} [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31] : vector<32xi16>, vector<32xi16>
// GENERIC: arith.extsi %{{.*}} : vector<16xi16> to vector<16xi32>
// GENERIC: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi32>, vector<16xi32>
// GENERIC: vector.shuffle {{.*}} [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi32>, vector<16xi32>
// GENERIC-NOT: llvm.call_intrinsic
func.func @dot2_add_pairs_256(%acc: vector<16xi16>, %a: vector<32xi8>, %b: vector<32xi8>,
                              %wide: vector<8xi32>) -> vector<8xi32> {
  %n = bitnet.dot2 %acc, %a, %b {a_fits_i8} : vector<16xi16>, vector<32xi8>, vector<32xi8>
  %r = bitnet.add_pairs %wide, %n : vector<8xi32>, vector<16xi16>
  return %r : vector<8xi32>
}

// -----

// Without a_fits_i8 vpmaddubsw could saturate: the portable form.
// AVX2-LABEL: func @dot2_wide_codes
// AVX2-NOT: pmadd.ub.sw
// AVX2: arith.extui
func.func @dot2_wide_codes(%acc: vector<16xi16>, %a: vector<32xi8>, %b: vector<32xi8>) -> vector<16xi16> {
  %n = bitnet.dot2 %acc, %a, %b : vector<16xi16>, vector<32xi8>, vector<32xi8>
  return %n : vector<16xi16>
}

// -----

// 512-bit pairs: AVX-512BW's vpmaddubsw / vpmaddwd; AVX2 has no 512-bit
// form and takes the portable code.
// AVX512BW-LABEL: func @dot2_add_pairs_512
// AVX512BW: llvm.call_intrinsic "llvm.x86.avx512.pmaddubs.w.512"(%arg1, %arg2) : (vector<64xi8>, vector<64xi8>) -> vector<32xi16>
// AVX512BW: llvm.call_intrinsic "llvm.x86.avx512.pmaddw.d.512"(%{{.*}}, %{{.*}}) : (vector<32xi16>, vector<32xi16>) -> vector<16xi32>
// AVX2-LABEL: func @dot2_add_pairs_512
// AVX2-NOT: llvm.call_intrinsic
// AVX2: arith.extui %arg1 : vector<64xi8> to vector<64xi16>
// AVX2: arith.extsi %{{.*}} : vector<32xi16> to vector<32xi32>
func.func @dot2_add_pairs_512(%acc: vector<32xi16>, %a: vector<64xi8>, %b: vector<64xi8>,
                              %wide: vector<16xi32>) -> vector<16xi32> {
  %n = bitnet.dot2 %acc, %a, %b {a_fits_i8} : vector<32xi16>, vector<64xi8>, vector<64xi8>
  %r = bitnet.add_pairs %wide, %n : vector<16xi32>, vector<32xi16>
  return %r : vector<16xi32>
}

// -----

// A 256-byte table on 64 lanes: with VBMI (znver4), vpermi2b on each half
// of the table and a blend on bit 7 of the index; elsewhere one lane at a
// time.
// VNNI-LABEL: func @lookup_256
// VNNI: %[[LO:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.qi.512"(%{{.*}}, %arg1, %{{.*}}) : (vector<64xi8>, vector<64xi8>, vector<64xi8>) -> vector<64xi8>
// VNNI: %[[HI:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.qi.512"(%{{.*}}, %arg1, %{{.*}})
// VNNI: %[[TOP:.*]] = arith.cmpi slt, %arg1, %{{.*}} : vector<64xi8>
// VNNI: arith.select %[[TOP]], %[[HI]], %[[LO]] : vector<64xi1>, vector<64xi8>
// AVX512BW-LABEL: func @lookup_256
// AVX512BW-NOT: llvm.call_intrinsic
// AVX512BW: %[[I:.*]] = vector.extract %arg1[0] : i8 from vector<64xi8>
// AVX512BW: %[[W:.*]] = arith.extui %[[I]] : i8 to i32
// AVX512BW: %[[M:.*]] = arith.andi %[[W]], %c255_i32 : i32
// AVX512BW: %[[X:.*]] = arith.index_castui %[[M]] : i32 to index
// AVX512BW: %[[E:.*]] = vector.extract %arg0[%[[X]]] : i8 from vector<256xi8>
// AVX512BW: vector.insert %[[E]], %{{.*}} [0] : i8 into vector<64xi8>
// AVX512BW-COUNT-63: vector.insert
func.func @lookup_256(%table: vector<256xi8>, %i: vector<64xi8>) -> vector<64xi8> {
  %r = bitnet.lookup %table[%i] : vector<256xi8>, vector<64xi8>
  return %r : vector<64xi8>
}

// -----

// Tables of 128 bytes: one vpermi2b; of 16: repeated to 64 for vpermb
// (the index modulo 16 picks the same entry).
// VNNI-LABEL: func @lookup_small
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.qi.512"
// VNNI: %[[REP:.*]] = vector.shuffle %arg1, %arg1 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1,
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.permvar.qi.512"(%[[REP]], %arg2)
// VNNI-NOT: arith.select
// GENERIC-LABEL: func @lookup_small
// GENERIC: arith.andi %{{.*}}, %c127_i32
// GENERIC: arith.andi %{{.*}}, %c15_i32
func.func @lookup_small(%t128: vector<128xi8>, %t16: vector<16xi8>, %i: vector<64xi8>) -> (vector<64xi8>, vector<64xi8>) {
  %r = bitnet.lookup %t128[%i] : vector<128xi8>, vector<64xi8>
  %s = bitnet.lookup %t16[%i] : vector<16xi8>, vector<64xi8>
  return %r, %s : vector<64xi8>, vector<64xi8>
}

// -----

// NEON: a 64-byte table on 16 lanes is one tbl with four table registers,
// the index reduced modulo 64 first (tbl gives 0 past the table).
// SDOT-LABEL: func @lookup_tbl
// SDOT: %[[T0:.*]] = vector.shuffle %arg0, %arg0 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<64xi8>, vector<64xi8>
// SDOT: %[[I:.*]] = arith.andi %arg1, %{{.*}} : vector<16xi8>
// SDOT: llvm.call_intrinsic "llvm.aarch64.neon.tbl4.v16i8"(%[[T0]], %{{.*}}, %{{.*}}, %{{.*}}, %[[I]]) : (vector<16xi8>, vector<16xi8>, vector<16xi8>, vector<16xi8>, vector<16xi8>) -> vector<16xi8>
// SDOT: llvm.call_intrinsic "llvm.aarch64.neon.tbl1.v16i8"
// GENERIC-LABEL: func @lookup_tbl
// GENERIC-NOT: llvm.call_intrinsic
func.func @lookup_tbl(%t64: vector<64xi8>, %i: vector<16xi8>, %t16: vector<16xi8>) -> (vector<16xi8>, vector<16xi8>) {
  %r = bitnet.lookup %t64[%i] : vector<64xi8>, vector<16xi8>
  %s = bitnet.lookup %t16[%i] : vector<16xi8>, vector<16xi8>
  return %r, %s : vector<16xi8>, vector<16xi8>
}
