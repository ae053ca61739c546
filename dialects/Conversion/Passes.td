//===- Passes.td - Conversions out of the bitnet dialect ---*- tablegen -*-===//

#ifndef BITNET_CONVERSION_PASSES_TD
#define BITNET_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertBitNetToLinalgPass : Pass<"convert-bitnet-to-linalg"> {
  let summary = "Lower bitnet ops to linalg.generic on tensors (portable reference kernels)";
  let description = [{
    Lowers `bitnet.ternarize`, `bitnet.quantize`, `bitnet.dequantize`,
    `bitnet.topk_sparsify`, `bitnet.pack` and `bitnet.ternary_matmul`
    (unpacked and every packed format, decoding the weight bits in the loop
    body) into `linalg.generic` ops over tensors. The result is plain
    loops after bufferization: a correct, target-independent path that
    fast target kernels are tested against. `bitnet.bitlinear` must be
    decomposed first (`bitnet-decompose-bitlinear`).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // BITNET_CONVERSION_PASSES_TD
