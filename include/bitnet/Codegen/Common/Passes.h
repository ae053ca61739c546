//===- Passes.h - Target-independent code generation -------------*- C++ -*-===//
//
// Loop-level passes every target's pipeline shares
// (dialects/Codegen/Common/Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_CODEGEN_COMMON_PASSES_H
#define BITNET_CODEGEN_COMMON_PASSES_H

#include "bitnet/Dialect/BitNet/IR/BitNet.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::bitnet {

#define GEN_PASS_DECL
#include "bitnet/Codegen/Common/Passes.h.inc"

/// Pass sequences every target's pipeline shares, in the order a pipeline
/// runs them (lib/Codegen/Common/Pipelines.cpp).

/// The bitnet ops left to linalg (the portable kernels), then canonicalize
/// and CSE.
void addBitNetToLinalgPasses(OpPassManager &pm);
/// Tensors to buffers (one-shot bufferization with identity-layout function
/// boundaries, deallocation), then each top-level loop nest outlined and
/// identical nests merged.
void addBufferizationPasses(OpPassManager &pm);
/// scf.forall to OpenMP worksharing loops, or to sequential loops.
void addThreadPasses(OpPassManager &pm, bool openmp);
/// Loops, vectors, memrefs, math, functions and OpenMP to the LLVM dialect.
void addConversionToLLVMPasses(OpPassManager &pm);

#define GEN_PASS_REGISTRATION
#include "bitnet/Codegen/Common/Passes.h.inc"

} // namespace mlir::bitnet

#endif // BITNET_CODEGEN_COMMON_PASSES_H
