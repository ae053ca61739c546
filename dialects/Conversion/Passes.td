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

def ConvertTernaryMatmulToVectorPass
    : Pass<"convert-bitnet-ternary-matmul-to-vector"> {
  let summary = "Generate SIMD kernels for bitnet.ternary_matmul on i2s weights";
  let description = [{
    Lowers `bitnet.ternary_matmul` with `i2s` weights to vector code for the
    target's dot-product instruction (`CpuTargetInfo::dotProduct`). Today:
    AVX-512 VNNI (`vpdpbusd`, 512-bit). Products the target has no kernel
    for are left to `convert-bitnet-to-linalg`. The multiply-adds are
    `bitnet.dot4` ops, lowered late by `convert-bitnet-dot4-to-llvm`.

    The kernel reads the weights as unsigned 2-bit codes `c = w + 1` and
    computes `sum(c * q) - sum(q)` per output. The activation codes are
    first permuted, per token, so that each 64-byte chunk of packed weights
    (two 128-weight i2s blocks) meets four contiguous 64-byte activation
    slices: one load, four shift-and-mask decodes and four `vpdpbusd` per
    256 weights and token. Tokens are processed in tiles sharing each
    decoded chunk, as many (up to 8) as keep their activations in L1d.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bitnet::BitNetDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"x86_64\"",
           "Target architecture: x86_64 or aarch64">,
    Option<"mcpu", "mcpu", "std::string", /*default=*/"\"native\"",
           "Target CPU: an LLVM CPU name, or native">,
  ];
}

def ConvertDot4ToLLVMPass : Pass<"convert-bitnet-dot4-to-llvm"> {
  let summary = "Lower bitnet.dot4 to vpdpbusd or to portable vector code";
  let description = [{
    With `vnni` (set when the target has AVX-512 VNNI), `bitnet.dot4` on 4,
    8 or 16 lanes becomes a call of `llvm.x86.avx512.vpdpbusd.{128,256,512}`. Otherwise it becomes widening
    multiplies and a reduction over groups of four (any target). Runs after
    bufferization: the LLVM intrinsic call is opaque to it.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::vector::VectorDialect"];
  let options = [
    Option<"vnni", "vnni", "bool", /*default=*/"false",
           "Use the AVX-512 VNNI vpdpbusd instruction">,
  ];
}

#endif // BITNET_CONVERSION_PASSES_TD
