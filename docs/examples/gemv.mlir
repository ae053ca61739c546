// A decode-step product of BitNet b1.58 2B4T's attention (q/o: 2560 x 2560)
// and one with odd sizes: int8 activation codes x i2s-packed ternary
// weights (docs/formats.md), int32 results. docs/gpu.md compiles it for a GPU.
func.func @decode(%q: tensor<1x2560xi8>, %w: tensor<2560x640xi8>,
                  %q2: tensor<1x200xi8>, %w2: tensor<77x64xi8>)
    -> (tensor<1x2560xi32>, tensor<1x77xi32>) {
  %a = bitnet.ternary_matmul %q, %w format <i2s>
      : tensor<1x2560xi8>, tensor<2560x640xi8> -> tensor<1x2560xi32>
  %b = bitnet.ternary_matmul %q2, %w2 format <i2s>
      : tensor<1x200xi8>, tensor<77x64xi8> -> tensor<1x77xi32>
  return %a, %b : tensor<1x2560xi32>, tensor<1x77xi32>
}
