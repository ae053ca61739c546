//===- Passes.td - bitnet -> bitnet rewrites ---------------*- tablegen -*-===//
//
// The dialect's own rewrites: BitLinear layers recognised in imported graphs,
// their activation quantization, their decomposition into integer steps,
// weight packing and the fusion of sibling products. Target-independent
// (pack-ternary asks the module's target only for its preferred format).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_PASSES_TD
#define BITNET_PASSES_TD

include "mlir/Pass/PassBase.td"

def RaiseBitLinearPass : Pass<"bitnet-raise-bitlinear"> {
  let summary = "Recognise BitLinear layers in imported graphs as bitnet.bitlinear";
  let description = [{
    Finds matrix products (`tosa.matmul`, as imported from ONNX MatMul) whose
    activation operand is per-token absmax int8 fake quantization

    ```
    s  = 127 / clamp(reduce_max(|x|, last axis), min = 1e-5)
         (as a division, or reciprocal then multiply)
    xq = clamp(round(x * s), -128, 127) / s
         (optionally in straight-through form x + (xq - x))
    ```

    and whose weight operand is either per-tensor absmean ternarization of a
    constant `W` (`[out, in]`, possibly transposed):

    ```
    g  = 1 / clamp(mean(|W|), min = 1e-5)
    Wq = clamp(round(W * g), -1, 1) / g     (optionally straight-through)
    ```

    or a constant whose values are all in {-gamma, 0, +gamma}. It also
    recognises Hugging Face's BitLinear: int8 activation codes times
    `float(codes) - 1` of constant unpacked weight codes in {0, 1, 2}, the
    product divided by `s * weight_scale` (gamma = 1 / weight_scale).
    Each match becomes one `bitnet.bitlinear` on `x` (float weights, or i8
    ternary weights with their scale); the fake-quantization ops die with it.
    Products that look like a BitLinear (they quantize with round and clamp)
    but do not match exactly are left alone with a remark saying why.
    With `print-stats`, a remark reports how many layers were raised.
  }];
  let dependentDialects = ["::mlir::bitnet::BitNetDialect",
                           "::mlir::tosa::TosaDialect"];
  let options = [
    Option<"printStats", "print-stats", "bool", /*default=*/"false",
           "Report the number of raised layers and look-alikes as a remark">,
  ];
}

def QuantizeActivationsPass : Pass<"bitnet-quantize-activations"> {
  let summary = "Set the activation bit width and fuse RMSNorm into quantization";
  let description = [{
    Materialises the per-token activation quantization of BitLinear layers
    (int8 absmax or int4 absmean, see `bitnet.quantize`):

    * With `bits=8` or `bits=4`, every `bitnet.bitlinear` gets that
      `act_bits` and every `bitnet.quantize` that `bits`; `bits=0` keeps
      each op's own width.
    * A quantization whose input is an RMSNorm,

      ```
      x * rsqrt(mean(x * x, last axis) + eps) * gamma
      ```

      as imported from ONNX (`tosa.mul`/`tosa.pow` for the square,
      `tosa.reduce_sum` then a division or a multiplication by `1/K` for
      the mean, a constant `eps`, `tosa.rsqrt`, an optional `gamma` of
      shape `[K]` up to unit dimensions, constant or not), becomes one
      `bitnet.rms_norm_quantize`. A `bitnet.bitlinear` fed by an RMSNorm
      is decomposed (as `bitnet-decompose-bitlinear` does) so that its
      quantization can be fused; all layers reading the same norm share
      one fused op. The float norm is erased when nothing else reads it.

    The pass runs after `bitnet-raise-bitlinear` and before TOSA is
    lowered: the norm is recognised in its imported TOSA form, which the
    front end of the lowering pipelines turns into linalg. It also accepts
    already-decomposed IR (`bitnet.quantize`, possibly through the
    `tensor.collapse_shape` of the decomposition).

    Norms that almost match (an `rsqrt` of a mean of squares, but another
    axis, a non-constant `eps`, a TopK between norm and quantization, ...)
    are left alone with a remark naming the location and the reason. With
    `print-stats`, a remark reports how many quantizations were fused.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let options = [
    Option<"bits", "bits", "int64_t", /*default=*/"0",
           "Activation bit width: 8 (int8 absmax), 4 (int4 absmean), or 0 "
           "to keep each op's own">,
    Option<"fuseRmsNorm", "fuse-rms-norm", "bool", /*default=*/"true",
           "Fuse an RMSNorm producer into the quantization">,
    Option<"printStats", "print-stats", "bool", /*default=*/"false",
           "Report the number of fused quantizations as a remark">,
  ];
}

def DecomposeBitLinearPass : Pass<"bitnet-decompose-bitlinear"> {
  let summary = "Expand bitnet.bitlinear into its quantize / matmul / rescale steps";
  let description = [{
    Rewrites every `bitnet.bitlinear` into the integer pipeline it stands for:

    ```
    [bitnet.ternarize]          only for float weights
    [bitnet.topk_sparsify]      only when `topk` is set
    bitnet.quantize bits N      per-token activation codes and scales
    bitnet.ternary_matmul       i32 accumulators
    bitnet.dequantize           (acc * gamma) / s
    ```

    Inputs of rank > 2 are collapsed to `[tokens, K]` around the integer
    part and expanded back afterwards. A float weight that is a constant is
    ternarized by the folder, so no ternarization is left at run time.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def PackTernaryPass : Pass<"bitnet-pack-ternary"> {
  let summary = "Pack constant ternary weights of bitnet.ternary_matmul at compile time";
  let description = [{
    Gives every `bitnet.ternary_matmul` whose unpacked weight is a constant
    a packed weight in a format (`i2s`, `tl1`, `tl2`, `t5` or `tl2r`): `format` if given,
    else the one a `tuning-file` entry names for the weight's shape, else
    the preferred format of the module's target (`#llvm.target`;
    `TargetInfo::preferredFormat`). The packing is done by folding
    `bitnet.pack` with the reference packer; large results go straight into
    a `dense_resource` blob without an extra copy. Products whose weight is
    not a constant are left unpacked (and get a remark).
  }];
  // The module's target is an #llvm.target.
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"format", "format", "std::string", /*default=*/"\"\"",
           "Packed format for every product: i2s, tl1, tl2, t5 or tl2r (default: the "
           "tuning file's, else the target's)">,
    Option<"tuningFile", "tuning-file", "std::string", /*default=*/"\"\"",
           "JSON file of formats (and kernel configurations) by weight shape">,
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Architecture override (empty: the module's #llvm.target, else "
           "the host)">,
    Option<"mcpu", "mcpu", "std::string", /*default=*/"\"\"",
           "CPU override: an LLVM CPU name, or native">,
  ];
}

def FuseSiblingMatmulsPass : Pass<"bitnet-fuse-sibling-matmuls"> {
  let summary = "One packed ternary product for the sibling layers of a shared activation";
  let description = [{
    A decoder layer multiplies one quantized activation by several weights:
    q, k and v after the attention norm, gate and up after the FFN norm.
    Each `bitnet.ternary_matmul` is a parallel kernel call, and the short
    ones (k and v: 640 rows for 2B4T) cost more in fork/join and prefetch
    ramp-up than in streaming. Packed layouts are row by row (every format
    pads K per row), so the siblings' packed weights, rows concatenated, are
    one packed weight: this pass replaces packed products of one activation
    (same block, same format, constant weights) by one product over the
    concatenated weight, and each former result by a `tensor.extract_slice`
    of its columns:

    ```
    %q = bitnet.ternary_matmul %x, %wq format <i2s> : ... -> tensor<1x2560xi32>
    %k = bitnet.ternary_matmul %x, %wk format <i2s> : ... -> tensor<1x640xi32>
      ->
    %qk = bitnet.ternary_matmul %x, %wqk format <i2s> : ... -> tensor<1x3200xi32>
    %q = tensor.extract_slice %qk[0, 0] [1, 2560] [1, 1]
    %k = tensor.extract_slice %qk[0, 2560] [1, 640] [1, 1]
    ```

    Results are bit-identical (integer sums). Functions that share the
    weights (a generative model's prefill and decode) share the fused
    weight; the parts are released once no function holds them, so the
    weights take no more memory than before.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::tensor::TensorDialect"];
}

#endif // BITNET_PASSES_TD
