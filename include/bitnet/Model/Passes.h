//===- Passes.h - Model-level rewrites and the model ABI ---------*- C++ -*-===//
//
// Passes over the model as a whole (dialects/Model/Passes.td): graph
// rewrites of imported decoders, and the compiled model's interface with
// the runtime (include/bitnet/ABI/ModelABI.h).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_MODEL_PASSES_H
#define BITNET_MODEL_PASSES_H

#include "bitnet/Dialect/BitNet/IR/BitNet.h"
#include "bitnet/Dialect/BitNet/IR/FunctionAttrs.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <string>

namespace mlir::bitnet {

#define GEN_PASS_DECL
#include "bitnet/Model/Passes.h.inc"

/// Moves every private constant global of more than `threshold` bytes into
/// `data` (64-byte aligned) and addresses it through @bitnet_weights_base:
/// the work of `bitnet-externalize-weights`, for callers that write the file
/// themselves (bitnet-compile writes it next to the library).
LogicalResult externalizeWeights(ModuleOp module, int64_t threshold,
                                 std::string &data);

/// Writes the weights file (header + `data`; docs/abi.md); false with
/// `message` set on an I/O error.
bool writeWeightsFile(StringRef path, StringRef data, std::string &message);

#define GEN_PASS_REGISTRATION
#include "bitnet/Model/Passes.h.inc"

} // namespace mlir::bitnet

#endif // BITNET_MODEL_PASSES_H
