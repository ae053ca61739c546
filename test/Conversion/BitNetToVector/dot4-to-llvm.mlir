// RUN: bitnet-opt %s --split-input-file --convert-bitnet-dot4-to-llvm="vnni=true" | FileCheck %s --check-prefix=VNNI
// RUN: bitnet-opt %s --split-input-file --convert-bitnet-dot4-to-llvm | FileCheck %s --check-prefix=GENERIC

// VNNI-LABEL: func @dot4_512
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%arg0, %arg1, %arg2) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// GENERIC-LABEL: func @dot4_512
// GENERIC: arith.extui %arg1 : vector<64xi8> to vector<64xi32>
// GENERIC: arith.extsi %arg2 : vector<64xi8> to vector<64xi32>
// GENERIC: arith.muli
// GENERIC: vector.shape_cast %{{.*}} : vector<64xi32> to vector<16x4xi32>
// GENERIC: vector.multi_reduction <add>, %{{.*}}, %arg0 [1] : vector<16x4xi32> to vector<16xi32>
func.func @dot4_512(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>) -> vector<16xi32> {
  %r = bitnet.dot4 %acc, %a, %b : vector<16xi32>, vector<64xi8>, vector<64xi8>
  return %r : vector<16xi32>
}

// -----

// VNNI-LABEL: func @dot4_256
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"
func.func @dot4_256(%acc: vector<8xi32>, %a: vector<32xi8>, %b: vector<32xi8>) -> vector<8xi32> {
  %r = bitnet.dot4 %acc, %a, %b : vector<8xi32>, vector<32xi8>, vector<32xi8>
  return %r : vector<8xi32>
}

// -----

// No vpdpbusd for 2 lanes: the portable form even with vnni.
// VNNI-LABEL: func @dot4_64bit
// VNNI-NOT: llvm.call_intrinsic
// VNNI: vector.multi_reduction
func.func @dot4_64bit(%acc: vector<2xi32>, %a: vector<8xi8>, %b: vector<8xi8>) -> vector<2xi32> {
  %r = bitnet.dot4 %acc, %a, %b : vector<2xi32>, vector<8xi8>, vector<8xi8>
  return %r : vector<2xi32>
}
