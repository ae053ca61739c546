//===- BitNetOps.td - BitNet dialect operations ------------*- tablegen -*-===//

#ifndef BITNET_OPS_TD
#define BITNET_OPS_TD

include "BitNetBase.td"
include "BitNetAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

class BitNet_Op<string mnemonic, list<Trait> traits = []>
    : Op<BitNet_Dialect, mnemonic, !listconcat([Pure], traits)>;

def BitNet_F32Tensor : RankedTensorOf<[F32]>;
def BitNet_F32Scalar : 0DTensorOf<[F32]>;
def BitNet_I8Tensor : RankedTensorOf<[I8]>;

//===----------------------------------------------------------------------===//
// ternarize
//===----------------------------------------------------------------------===//

def BitNet_TernarizeOp : BitNet_Op<"ternarize"> {
  let summary = "absmean ternarization of a weight tensor";
  let description = [{
    Quantizes a float weight tensor to ternary values with one per-tensor
    scale (BitNet b1.58):

    ```
    gamma = max(mean(|W|), 1e-5)
    Wt    = clamp(round_half_even(W / gamma), -1, 1)
    ```

    The dequantized weight is `gamma * Wt`. The mean is a float32 sum in
    row-major order. Folds when `W` is a constant.

    Example:

    ```mlir
    %wt, %gamma = bitnet.ternarize %w : tensor<77x200xf32> -> tensor<77x200xi8>, tensor<f32>
    ```
  }];
  let arguments = (ins BitNet_F32Tensor:$weight);
  let results = (outs BitNet_I8Tensor:$ternary, BitNet_F32Scalar:$scale);
  let assemblyFormat = [{
    $weight attr-dict `:` type($weight) `->` type($ternary) `,` type($scale)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

def BitNet_QuantizeOp : BitNet_Op<"quantize"> {
  let summary = "per-token activation quantization (int8 absmax, int4 absmean)";
  let description = [{
    Quantizes each row (token) along the last dimension and returns the
    integer codes and one scale per row. `bits` selects the scheme:

    * `bits 8` (BitNet b1.58): `m = max(max|x|, 1e-5)`, `s = 127 / m`,
      `q = clamp(round_half_even(x * s), -128, 127)`.
    * `bits 4` (BitNet a4.8): `beta = mean|x|`, `s = sqrt(7) / (beta + 1e-5)`,
      `q = clamp(round_half_even(x * s), -8, 7)`.

    `scales` holds the multiplier `s`; the dequantized value is `q / s`.
    Codes are stored in i8 for both widths. Folds on constant input.

    With `reciprocal_scale`, `s = (1 / m) * 127` (or `(1 / (beta + 1e-5))
    * sqrt(7)`): two roundings, as PyTorch evaluates `127 / t`
    (`Tensor.__rtruediv__` is `reciprocal() * 127`) and as exported graphs
    write it; it differs from `127 / m` in the last bit for about a quarter
    of the rows, which can move a code sitting on a rounding boundary.

    Example:

    ```mlir
    %q, %s = bitnet.quantize %x bits 8 : tensor<4x200xf32> -> tensor<4x200xi8>, tensor<4xf32>
    ```
  }];
  let arguments = (ins BitNet_F32Tensor:$input, I64Attr:$bits,
                       UnitAttr:$reciprocal_scale);
  let results = (outs BitNet_I8Tensor:$values, BitNet_F32Tensor:$scales);
  let assemblyFormat = [{
    $input `bits` $bits (`reciprocal_scale` $reciprocal_scale^)? attr-dict `:`
    type($input) `->` type($values) `,` type($scales)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def BitNet_RmsNormQuantizeOp : BitNet_Op<"rms_norm_quantize"> {
  let summary = "RMSNorm fused with per-token activation quantization";
  let description = [{
    Normalises each row (token) along the last dimension and quantizes the
    normalised row exactly as `bitnet.quantize` would, without materialising
    the float result:

    ```
    ss   = sum_j double(x[j] * x[j])           (x*x in f32, sum in f64)
    r    = 1 / sqrt(float(ss / K) + epsilon)   (f32: one division, one sqrt)
    y[j] = (x[j] * r) * gamma[j]
    values, scales = quantize(y) with `bits`   (see bitnet.quantize)
    sums = sum_j int32(values[j])              (optional result)
    ```

    `reciprocal_scale` selects the scale arithmetic as for `bitnet.quantize`.

    `gamma` is the norm's per-feature weight (`[K]`). `scales` holds the
    multiplier `s` of the codes; `sums` (i32 per row) is what kernels on
    unsigned weight codes subtract (`sum q*(w+1) - sum q`). The lowering
    reads each row once for the statistics of the norm, once for those of
    the quantization and once for the codes; `y` is never stored.

    Example:

    ```mlir
    %q, %s = bitnet.rms_norm_quantize %x, %g epsilon 9.99999974E-6 bits 8
        : tensor<7x80xf32>, tensor<80xf32> -> tensor<7x80xi8>, tensor<7xf32>
    %q4, %s4, %sum = bitnet.rms_norm_quantize %x, %g epsilon 9.99999974E-6 bits 4
        : tensor<7x80xf32>, tensor<80xf32> -> tensor<7x80xi8>, tensor<7xf32>, tensor<7xi32>
    ```
  }];
  let arguments = (ins BitNet_F32Tensor:$input, BitNet_F32Tensor:$gamma,
                       F32Attr:$epsilon, I64Attr:$bits,
                       UnitAttr:$reciprocal_scale);
  let results = (outs BitNet_I8Tensor:$values, BitNet_F32Tensor:$scales,
                      Optional<RankedTensorOf<[I32]>>:$sums);
  let assemblyFormat = [{
    $input `,` $gamma `epsilon` $epsilon `bits` $bits
    (`reciprocal_scale` $reciprocal_scale^)? attr-dict `:`
    type($input) `,` type($gamma) `->` type($values) `,` type($scales)
    (`,` type($sums)^)?
  }];
  let hasVerifier = 1;
}

def BitNet_DequantizeOp : BitNet_Op<"dequantize"> {
  let summary = "integer codes or accumulators back to float";
  let description = [{
    Converts integer values (activation codes or i32 accumulators of a
    ternary matmul) back to float32 with the per-row activation scales `s`
    from `bitnet.quantize` and, optionally, the per-tensor weight scale
    `gamma` from `bitnet.ternarize`:

    ```
    y[..., j] = float(v[..., j]) / s[...]                 (no weight scale)
    y[..., j] = (float(v[..., j]) * gamma) / s[...]       (with weight scale)
    ```

    The order of float operations is part of the semantics (it is what the
    reference implements, so results are bit-exact).

    Example:

    ```mlir
    %y = bitnet.dequantize %acc, %s, %gamma : tensor<4x77xi32>, tensor<4xf32>, tensor<f32> -> tensor<4x77xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I8, I32]>:$values,
                       BitNet_F32Tensor:$scales,
                       Optional<BitNet_F32Scalar>:$weight_scale);
  let results = (outs BitNet_F32Tensor:$result);
  let assemblyFormat = [{
    $values `,` $scales (`,` $weight_scale^)? attr-dict `:` type(operands) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// topk_sparsify
//===----------------------------------------------------------------------===//

def BitNet_TopKSparsifyOp : BitNet_Op<"topk_sparsify",
    [AllTypesMatch<["input", "result"]>]> {
  let summary = "per-token TopK magnitude sparsification (BitNet a4.8)";
  let description = [{
    Keeps, in each row along the last dimension, the `k = ceil(fraction * K)`
    entries of largest magnitude and sets the others to zero. Ties keep the
    lower index first: element `i` survives iff fewer than `k` elements `j`
    have `|x_j| > |x_i|` or (`|x_j| == |x_i|` and `j < i`).
    `fraction = 1.0` is the identity and folds away.

    Example:

    ```mlir
    %y = bitnet.topk_sparsify %x fraction 5.000000e-01 : tensor<4x200xf32>
    ```
  }];
  let arguments = (ins BitNet_F32Tensor:$input, F64Attr:$fraction);
  let results = (outs BitNet_F32Tensor:$result);
  let assemblyFormat = "$input `fraction` $fraction attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// Number of entries kept per row of length `rowLength`.
    int64_t getKeptCount(int64_t rowLength);
  }];
}

//===----------------------------------------------------------------------===//
// bitlinear
//===----------------------------------------------------------------------===//

def BitNet_BitLinearOp : BitNet_Op<"bitlinear"> {
  let summary = "a BitLinear layer: quantized activations x ternary weights";
  let description = [{
    `y = x . W^T` with BitNet numerics. `input` is `[..., K]` (leading
    dimensions are tokens), `weight` is `[M, K]` and the result `[..., M]`.

    The weight is either

    * float (`f32`): ternarized per tensor at compile time, exactly as
      `bitnet.ternarize`; no `weight_scale` operand; or
    * ternary (`i8` in {-1, 0, +1}) with its per-tensor scale `gamma` as a
      0-d `f32` tensor operand.

    Activations are quantized per token with `act_bits` (8: absmax int8,
    4: absmean int4; see `bitnet.quantize`), optionally after TopK
    sparsification keeping `topk` of each row (BitNet a4.8);
    `reciprocal_scale` selects the scale arithmetic of `bitnet.quantize`
    (what the layer's imported graph computed). The product is
    accumulated in i32 and rescaled with `(acc * gamma) / s`.

    Example:

    ```mlir
    %y = bitnet.bitlinear %x, %wt, %gamma : tensor<4x200xf32>, tensor<77x200xi8>, tensor<f32> -> tensor<4x77xf32>
    %z = bitnet.bitlinear %x, %w act_bits 4 topk 5.000000e-01 : tensor<1x8x200xf32>, tensor<77x200xf32> -> tensor<1x8x77xf32>
    ```
  }];
  let arguments = (ins BitNet_F32Tensor:$input,
                       RankedTensorOf<[F32, I8]>:$weight,
                       Optional<BitNet_F32Scalar>:$weight_scale,
                       DefaultValuedAttr<I64Attr, "8">:$act_bits,
                       OptionalAttr<F64Attr>:$topk,
                       UnitAttr:$reciprocal_scale);
  let results = (outs BitNet_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $weight_scale^)?
    (`act_bits` $act_bits^)? (`topk` $topk^)? (`reciprocal_scale` $reciprocal_scale^)?
    attr-dict `:` type(operands) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// True when the weight operand is already ternary (i8 + scale).
    bool hasTernaryWeight() { return getWeightScale() != nullptr; }
  }];
}

//===----------------------------------------------------------------------===//
// pack / ternary_matmul
//===----------------------------------------------------------------------===//

def BitNet_PackOp : BitNet_Op<"pack"> {
  let summary = "packs ternary weights into a kernel format";
  let description = [{
    Packs a ternary `[M, K]` weight (i8 in {-1, 0, +1}) into the byte layout
    of `format`, row by row: the result is `[M, B]` bytes (`i8`) where `B` is
    the format's bytes per row for `K` (K is padded internally with zero
    weights). Bit layouts: `docs/formats.md`. Folds when the weight is a
    constant (packing happens at compile time).

    Example (i2s: `B = ceil(K / 128) * 32`):

    ```mlir
    %p = bitnet.pack %wt format <i2s> : tensor<77x200xi8> -> tensor<77x64xi8>
    ```
  }];
  let arguments = (ins BitNet_I8Tensor:$weight, BitNet_PackedFormatAttr:$format);
  let results = (outs BitNet_I8Tensor:$packed);
  let assemblyFormat = [{
    $weight `format` $format attr-dict `:` type($weight) `->` type($packed)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def BitNet_UnpackOp : BitNet_Op<"unpack"> {
  let summary = "ternary weights read back from a kernel format";
  let description = [{
    The inverse of `bitnet.pack`: the ternary `[M, K]` weight (i8 in
    {-1, 0, +1}) held by `[M, B]` packed bytes in `format`. This is how a
    raised layer keeps a large weight between the raise and
    `bitnet-pack-ternary`: at two bits a weight instead of a byte, which
    keeps a compile's memory linear in the packed weight bytes. `bitnet.pack`
    of an unpack in the same format folds to the packed bytes (no copy);
    another format is repacked one weight at a time. Folds on constants of at
    most 1024 weights.

    Example:

    ```mlir
    %wt = bitnet.unpack %p format <i2s> : tensor<77x64xi8> -> tensor<77x200xi8>
    ```
  }];
  let arguments = (ins BitNet_I8Tensor:$packed, BitNet_PackedFormatAttr:$format);
  let results = (outs BitNet_I8Tensor:$weight);
  let assemblyFormat = [{
    $packed `format` $format attr-dict `:` type($packed) `->` type($weight)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def BitNet_TernaryMatmulOp : BitNet_Op<"ternary_matmul"> {
  let summary = "int8 activation codes x ternary weights, i32 accumulation";
  let description = [{
    `acc[n, m] = sum_k q[n, k] * W[m, k]` in i32, where `q` is `[N, K]` i8
    (int8 or int4 codes) and `W` is either an unpacked ternary `[M, K]` i8
    tensor (no `format`) or packed bytes `[M, B]` in `format` (the logical K
    is the activation's last dimension).

    `kernel_config` (`#bitnet.ternary_kernel`), set by
    `bitnet-select-kernel-configs` on `i2s` products, is how the CPU kernel
    generator tiles this product; it does not change the result.

    Example:

    ```mlir
    %acc = bitnet.ternary_matmul %q, %wt : tensor<4x200xi8>, tensor<77x200xi8> -> tensor<4x77xi32>
    %acc2 = bitnet.ternary_matmul %q, %p format <i2s> : tensor<4x200xi8>, tensor<77x64xi8> -> tensor<4x77xi32>
    ```
  }];
  let arguments = (ins BitNet_I8Tensor:$activations, BitNet_I8Tensor:$weight,
                       OptionalAttr<BitNet_PackedFormatAttr>:$format,
                       OptionalAttr<BitNet_TernaryKernelConfigAttr>:$kernel_config);
  let results = (outs RankedTensorOf<[I32]>:$result);
  let assemblyFormat = [{
    $activations `,` $weight (`format` $format^)? attr-dict `:`
    type($activations) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// dot4 (kernel level)
//===----------------------------------------------------------------------===//

def BitNet_Dot4Op : BitNet_Op<"dot4", [AllTypesMatch<["acc", "result"]>]> {
  let summary = "per-lane sums of four unsigned x signed byte products";
  let description = [{
    The multiply-add step of integer kernels, on vectors:

    ```
    result[i] = acc[i] + sum_{j < 4} zext(a[4i + j]) * sext(b[4i + j])
    ```

    in i32 without saturation. `a` holds unsigned codes (e.g. ternary
    weights as w + 1), `b` signed activation codes. It is what x86's
    `vpdpbusd` computes; `convert-bitnet-dot4-to-llvm` lowers it to that
    instruction or to portable vector code.

    `a_fits_i8` promises that every byte of `a` is below 128, so reading it
    as signed gives the same products. Kernels whose codes are small (ternary
    weights: 0, 1, 2) set it; it lets the lowering use AArch64 `sdot`
    (signed x signed) and x86 `vpmaddubsw` (exact only when no pair of
    products exceeds the i16 range).

    Example:

    ```mlir
    %r = bitnet.dot4 %acc, %a, %b : vector<16xi32>, vector<64xi8>, vector<64xi8>
    ```
  }];
  let arguments = (ins FixedVectorOfRankAndType<[1], [I32]>:$acc,
                       FixedVectorOfRankAndType<[1], [I8]>:$a,
                       FixedVectorOfRankAndType<[1], [I8]>:$b,
                       UnitAttr:$a_fits_i8);
  let results = (outs FixedVectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $a `,` $b attr-dict `:` type($acc) `,` type($a) `,` type($b)
  }];
  let hasVerifier = 1;
}

def BitNet_Dot2Op : BitNet_Op<"dot2", [AllTypesMatch<["acc", "result"]>]> {
  let summary = "per-lane sums of two unsigned x signed byte products, in i16";
  let description = [{
    The narrow multiply-add step of integer kernels, on vectors:

    ```
    result[i] = acc[i] + zext(a[2i]) * sext(b[2i]) + zext(a[2i+1]) * sext(b[2i+1])
    ```

    in i16, wrapping like `arith.addi`: a kernel bounds how many steps it
    adds into one accumulator (e.g. codes 0..3 against int8 codes: at most
    32767 / 768 steps) and then widens it with `bitnet.add_pairs`. It is
    x86's `vpmaddubsw` + `vpaddw`: half the multiply-port work of a
    `bitnet.dot4` lowered to `vpmaddubsw` + `vpmaddwd` + `vpaddd`, as in
    bitnet.cpp's AVX2 kernels. `a_fits_i8` (every byte of `a` below 128)
    lets the lowering use `vpmaddubsw`, whose pair sum then cannot saturate.

    Example:

    ```mlir
    %r = bitnet.dot2 %acc, %a, %b {a_fits_i8} : vector<16xi16>, vector<32xi8>, vector<32xi8>
    ```
  }];
  let arguments = (ins FixedVectorOfRankAndType<[1], [I16]>:$acc,
                       FixedVectorOfRankAndType<[1], [I8]>:$a,
                       FixedVectorOfRankAndType<[1], [I8]>:$b,
                       UnitAttr:$a_fits_i8);
  let results = (outs FixedVectorOfRankAndType<[1], [I16]>:$result);
  let assemblyFormat = [{
    $acc `,` $a `,` $b attr-dict `:` type($acc) `,` type($a) `,` type($b)
  }];
  let hasVerifier = 1;
}

def BitNet_AddPairsOp : BitNet_Op<"add_pairs", [AllTypesMatch<["acc", "result"]>]> {
  let summary = "widens adjacent i16 lane pairs into i32 sums";
  let description = [{
    ```
    result[i] = acc[i] + sext(x[2i]) + sext(x[2i+1])
    ```

    in i32: flushes a `bitnet.dot2` accumulator into a wide one (x86
    `vpmaddwd` by ones + `vpaddd`).

    Example:

    ```mlir
    %r = bitnet.add_pairs %acc, %x : vector<8xi32>, vector<16xi16>
    ```
  }];
  let arguments = (ins FixedVectorOfRankAndType<[1], [I32]>:$acc,
                       FixedVectorOfRankAndType<[1], [I16]>:$x);
  let results = (outs FixedVectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $x attr-dict `:` type($acc) `,` type($x)
  }];
  let hasVerifier = 1;
}

def BitNet_LookupOp : BitNet_Op<"lookup", [AllTypesMatch<["indices", "result"]>]> {
  let summary = "per-lane byte table lookup";
  let description = [{
    ```
    result[i] = table[zext(indices[i]) mod T]      (T = the table's length)
    ```

    The lookup step of kernels that decode packed weights through a table.
    `T` is a power of two from 16 to 256. `convert-bitnet-dot4-to-llvm`
    lowers it to AVX-512 VBMI `vpermb` / `vpermi2b` (64 lanes, tables of
    64, 128 or 256 bytes, the last as two `vpermi2b` and a blend on bit 7)
    or AArch64 `tbl` (16 lanes, tables of up to 64 bytes) where the target
    has them, else to portable code that reads one lane at a time.

    Example:

    ```mlir
    %r = bitnet.lookup %table[%bytes] : vector<256xi8>, vector<64xi8>
    ```
  }];
  let arguments = (ins FixedVectorOfRankAndType<[1], [I8]>:$table,
                       FixedVectorOfRankAndType<[1], [I8]>:$indices);
  let results = (outs FixedVectorOfRankAndType<[1], [I8]>:$result);
  let assemblyFormat = [{
    $table `[` $indices `]` attr-dict `:` type($table) `,` type($indices)
  }];
  let hasVerifier = 1;
}

#endif // BITNET_OPS_TD
