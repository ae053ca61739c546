//===- Passes.h - BitNet dialect passes --------------------------*- C++ -*-===//
//
// The dialect's bitnet -> bitnet rewrites (dialects/BitNet/Passes.td).
// Model-level rewrites are in bitnet/Model, code generation in
// bitnet/Codegen.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_DIALECT_BITNET_TRANSFORMS_PASSES_H
#define BITNET_DIALECT_BITNET_TRANSFORMS_PASSES_H

#include "bitnet/Dialect/BitNet/IR/BitNet.h"
#include "bitnet/Dialect/BitNet/IR/FunctionAttrs.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::bitnet {

#define GEN_PASS_DECL
#include "bitnet/Dialect/BitNet/Passes.h.inc"

/// Patterns that expand `bitnet.bitlinear` into ternarize / topk_sparsify /
/// quantize / ternary_matmul / dequantize.
void populateDecomposeBitLinearPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "bitnet/Dialect/BitNet/Passes.h.inc"

} // namespace mlir::bitnet

#endif // BITNET_DIALECT_BITNET_TRANSFORMS_PASSES_H
