// A BitLinear layer with constant float weights (folded to ternary + scale at
// compile time) applied to 3 tokens of 4 features, as a C-callable function.
func.func @bitlinear(%x: tensor<3x4xf32>) -> tensor<3x2xf32>
    attributes {llvm.emit_c_interface} {
  %w = arith.constant dense<[[0.5, -1.5, 0.1, 2.0], [1.0, 0.0, -1.0, 0.25]]> : tensor<2x4xf32>
  %y = bitnet.bitlinear %x, %w : tensor<3x4xf32>, tensor<2x4xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
