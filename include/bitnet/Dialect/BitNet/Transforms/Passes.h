//===- Passes.h - BitNet dialect passes --------------------------*- C++ -*-===//

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


/// The weights side file (docs/abi.md): a 64-byte header, then the data.
constexpr char kWeightsMagic[9] = "BITNETW1";
constexpr uint32_t kWeightsVersion = 1;
constexpr uint32_t kWeightsHeaderSize = 64;
/// Symbols `bitnet-externalize-weights` adds: the data's address (set by
/// the runtime), its size in bytes and its hash.
constexpr char kWeightsBaseSymbol[] = "bitnet_weights_base";
constexpr char kWeightsSizeSymbol[] = "bitnet_weights_size";
constexpr char kWeightsHashSymbol[] = "bitnet_weights_hash";

/// Moves every private constant global of more than `threshold` bytes into
/// `data` (64-byte aligned) and addresses it through @bitnet_weights_base:
/// the work of `bitnet-externalize-weights`, for callers that write the file
/// themselves (bitnet-compile writes it next to the library).
LogicalResult externalizeWeights(ModuleOp module, int64_t threshold,
                                 std::string &data);

/// FNV-1a 64 of the data, stored in the file's header and the library.
uint64_t weightsHash(StringRef data);

/// Writes the weights file (header + `data`); false with `message` set on
/// an I/O error.
bool writeWeightsFile(StringRef path, StringRef data, std::string &message);

#define GEN_PASS_REGISTRATION
#include "bitnet/Dialect/BitNet/Passes.h.inc"

} // namespace mlir::bitnet

#endif // BITNET_DIALECT_BITNET_TRANSFORMS_PASSES_H
