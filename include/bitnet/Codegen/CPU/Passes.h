//===- Passes.h - CPU code generation ----------------------------*- C++ -*-===//
//
// Kernels for CPUs, shaped by CpuTargetInfo (dialects/Codegen/CPU/Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_CODEGEN_CPU_PASSES_H
#define BITNET_CODEGEN_CPU_PASSES_H

#include "bitnet/Codegen/CPU/KernelConfig.h"
#include "bitnet/Dialect/BitNet/IR/BitNet.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace mlir::bitnet {

#define GEN_PASS_DECL
#include "bitnet/Codegen/CPU/Passes.h.inc"

/// What the CPU half of the pipeline is asked for (bitnet-cpu-pipeline's
/// options).
struct CpuCodegenOptions {
  /// Parallel loops on OpenMP threads; false: one thread, no runtime.
  bool openmp = true;
  /// bitnet-parallelize-rows' threshold.
  int64_t parallelMinIterations = 65536;
  /// Overrides of the kernels' derived configuration, and a tuning file.
  TernaryKernelOverrides kernels;
  std::string tuningFile;
};

/// The tile stage for CPUs: each ternary product's kernel configuration,
/// then its kernel (lib/Codegen/CPU/Pipelines.cpp).
void addCpuKernelPasses(OpPassManager &pm, const CpuCodegenOptions &options);

/// The llvm stage for CPUs: the portable lowering of what is left, float
/// contractions as register-blocked kernels, threads, bufferization,
/// dot-product instructions and the conversion to the LLVM dialect.
void addCpuLoweringPasses(OpPassManager &pm, const CpuCodegenOptions &options);

#define GEN_PASS_REGISTRATION
#include "bitnet/Codegen/CPU/Passes.h.inc"

} // namespace mlir::bitnet

#endif // BITNET_CODEGEN_CPU_PASSES_H
