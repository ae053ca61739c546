// RUN: bitnet-opt %s --split-input-file --convert-bitnet-dot4-to-nvvm | FileCheck %s

// One word: one dp4a, a unsigned (weight codes), b signed (activations).
// CHECK-LABEL: func @one_word
// CHECK: %[[ACC:.*]] = vector.extract %arg0[0] : i32 from vector<1xi32>
// CHECK: %[[DOT:.*]] = nvvm.dot.accumulate.4way %arg1 <unsigned>, %arg2 <signed>, %[[ACC]] : vector<4xi8>, vector<4xi8>
// CHECK: %[[R:.*]] = vector.from_elements %[[DOT]] : vector<1xi32>
// CHECK: return %[[R]]
func.func @one_word(%acc: vector<1xi32>, %a: vector<4xi8>, %b: vector<4xi8>) -> vector<1xi32> {
  %r = bitnet.dot4 %acc, %a, %b : vector<1xi32>, vector<4xi8>, vector<4xi8>
  return %r : vector<1xi32>
}

// -----

// Wider vectors: one dp4a per accumulator lane, on bytes 4i..4i+3.
// CHECK-LABEL: func @two_words
// CHECK: %[[A0:.*]] = vector.shuffle %arg1, %arg1 [0, 1, 2, 3] : vector<8xi8>, vector<8xi8>
// CHECK: %[[B0:.*]] = vector.shuffle %arg2, %arg2 [0, 1, 2, 3] : vector<8xi8>, vector<8xi8>
// CHECK: nvvm.dot.accumulate.4way %[[A0]] <unsigned>, %[[B0]] <signed>
// CHECK: %[[A1:.*]] = vector.shuffle %arg1, %arg1 [4, 5, 6, 7] : vector<8xi8>, vector<8xi8>
// CHECK: %[[B1:.*]] = vector.shuffle %arg2, %arg2 [4, 5, 6, 7] : vector<8xi8>, vector<8xi8>
// CHECK: nvvm.dot.accumulate.4way %[[A1]] <unsigned>, %[[B1]] <signed>
// CHECK: vector.from_elements %{{.*}}, %{{.*}} : vector<2xi32>
func.func @two_words(%acc: vector<2xi32>, %a: vector<8xi8>, %b: vector<8xi8>) -> vector<2xi32> {
  %r = bitnet.dot4 %acc, %a, %b {a_fits_i8} : vector<2xi32>, vector<8xi8>, vector<8xi8>
  return %r : vector<2xi32>
}
