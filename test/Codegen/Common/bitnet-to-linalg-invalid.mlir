// RUN: bitnet-opt %s --split-input-file --convert-bitnet-to-linalg --verify-diagnostics

func.func @pack_runtime_weight(%w: tensor<4x8xi8>) -> tensor<4x32xi8> {
  // expected-error @+1 {{packs a run-time weight; weights are packed at compile time, so the weight must be a constant}}
  %p = bitnet.pack %w format <i2s> : tensor<4x8xi8> -> tensor<4x32xi8>
  return %p : tensor<4x32xi8>
}

// -----

func.func @topk_dynamic_row(%x: tensor<2x?xf32>) -> tensor<2x?xf32> {
  // expected-error @+1 {{failed to legalize operation 'bitnet.topk_sparsify'}}
  %y = bitnet.topk_sparsify %x fraction 0.5 : tensor<2x?xf32>
  return %y : tensor<2x?xf32>
}
