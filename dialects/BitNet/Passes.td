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

#endif // BITNET_PASSES_TD
