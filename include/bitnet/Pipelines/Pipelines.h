//===- Pipelines.h - Named BitNet pass pipelines -----------------*- C++ -*-===//

#ifndef BITNET_PIPELINES_PIPELINES_H
#define BITNET_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir::bitnet {

/// `bitnet-to-llvm`: takes a module with bitnet ops (including
/// `bitnet.bitlinear`) and imported TOSA ops down to the LLVM dialect
/// through the portable linalg lowering: tosa-to-linalg, decompose,
/// convert-bitnet-to-linalg, one-shot bufferization, loops, and the standard
/// conversions to LLVM. Functions that carry
/// `llvm.emit_c_interface` get a C-callable `_mlir_ciface_<name>` wrapper.
void buildBitNetToLLVMPipeline(OpPassManager &pm);

struct CpuPipelineOptions : PassPipelineOptions<CpuPipelineOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("Target architecture: x86_64 or aarch64"),
                             llvm::cl::init("x86_64")};
  Option<std::string> mcpu{*this, "mcpu",
                           llvm::cl::desc("Target CPU: an LLVM CPU name, or native"),
                           llvm::cl::init("native")};
  Option<bool> openmp{
      *this, "openmp",
      llvm::cl::desc("Run the kernels' row blocks on OpenMP threads (the code "
                     "then needs an OpenMP runtime: libomp); false: one thread, "
                     "no runtime dependency"),
      llvm::cl::init(true)};
};

/// `bitnet-cpu-pipeline{target=... mcpu=...}`: like `bitnet-to-llvm`, but
/// constant weights are packed in the target's format and
/// `bitnet.ternary_matmul` uses the SIMD kernel for the target's
/// dot-product instruction where one exists. Its row blocks become an
/// OpenMP worksharing loop unless `openmp=false`.
void buildBitNetCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options);

/// Registers every named pipeline with the global pass registry.
void registerBitNetPipelines();

} // namespace mlir::bitnet

#endif // BITNET_PIPELINES_PIPELINES_H
