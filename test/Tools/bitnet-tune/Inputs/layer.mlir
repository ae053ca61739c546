// One BitLinear layer, 64 outputs of 256 features, for one token: after the
// pack stage an i2s product 64x256 n=1.
func.func @main(%x: tensor<1x256xf32>) -> tensor<1x64xf32> {
  %w = arith.constant dense<0.5> : tensor<64x256xf32>
  %y = bitnet.bitlinear %x, %w : tensor<1x256xf32>, tensor<64x256xf32> -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
