//===- Passes.h - GPU code generation ----------------------------*- C++ -*-===//
//
// Kernels for GPUs, shaped by GpuTargetInfo (dialects/Codegen/GPU/Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_CODEGEN_GPU_PASSES_H
#define BITNET_CODEGEN_GPU_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace mlir::bitnet {

/// Marks an `scf.parallel` whose iterations are the 32 lanes of one warp and
/// whose reductions are warp reductions (bitnet-gpu-map-warp-loops).
inline constexpr llvm::StringLiteral kWarpLanesAttrName = "bitnet.warp_lanes";

#define GEN_PASS_DECL
#include "bitnet/Codegen/GPU/Passes.h.inc"

/// What the GPU half of the pipeline is asked for (bitnet-gpu-pipeline's
/// options).
struct GpuCodegenOptions {
  int64_t rowsPerWarp = 0;   // 0: derived from the token count
  int64_t tokensPerWarp = 0; // 0: derived from the token count
  int64_t warpsPerBlock = 4;
};

/// Kernels as warp-level loops (target-neutral IR, runs on CPUs too).
void addGpuKernelPasses(OpPassManager &pm, const GpuCodegenOptions &options);

/// Warp-level loops -> gpu.module kernels -> NVVM -> PTX in a gpu.binary,
/// for the module's GPU (lib/Codegen/GPU/Pipelines.cpp).
void addGpuLoweringPasses(OpPassManager &pm, const GpuCodegenOptions &options);

#define GEN_PASS_REGISTRATION
#include "bitnet/Codegen/GPU/Passes.h.inc"

} // namespace mlir::bitnet

#endif // BITNET_CODEGEN_GPU_PASSES_H
