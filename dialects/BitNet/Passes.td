//===- Passes.td - BitNet dialect transformation passes ----*- tablegen -*-===//

#ifndef BITNET_PASSES_TD
#define BITNET_PASSES_TD

include "mlir/Pass/PassBase.td"

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

def PackTernaryPass : Pass<"bitnet-pack-ternary"> {
  let summary = "Pack constant ternary weights of bitnet.ternary_matmul at compile time";
  let description = [{
    Gives every `bitnet.ternary_matmul` whose unpacked weight is a constant
    a packed weight in `format` (`i2s`, `tl1` or `tl2`; by default the
    target's preferred format, see `CpuTargetInfo`). The packing is done by
    folding `bitnet.pack` with the reference packer; large results go
    straight into a `dense_resource` blob without an extra copy. Products
    whose weight is not a constant are left unpacked (and get a remark).
  }];
  let options = [
    Option<"format", "format", "std::string", /*default=*/"\"\"",
           "Packed format: i2s, tl1 or tl2 (default: the target's)">,
    Option<"target", "target", "std::string", /*default=*/"\"x86_64\"",
           "Target architecture: x86_64 or aarch64">,
    Option<"mcpu", "mcpu", "std::string", /*default=*/"\"\"",
           "Target CPU: an LLVM CPU name, or native">,
  ];
}

#endif // BITNET_PASSES_TD
