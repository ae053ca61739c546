// One BitLinear layer of BitNet a4.8's int4 activations, 64 outputs of 240
// features, for one token: after the pack stage an i2s product 64x240 n=1
// whose activations come from a 4-bit quantizer.
func.func @main(%x: tensor<1x240xf32>) -> tensor<1x64xf32> {
  %w = arith.constant dense<0.5> : tensor<64x240xf32>
  %y = bitnet.bitlinear %x, %w act_bits 4 : tensor<1x240xf32>, tensor<64x240xf32> -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
