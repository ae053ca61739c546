//===- Pipelines.h - Named BitNet pass pipelines -----------------*- C++ -*-===//

#ifndef BITNET_PIPELINES_PIPELINES_H
#define BITNET_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
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
  // Per-CPU tuning of the decode kernels (convert-bitnet-ternary-matmul-
  // to-vector's options of the same names; defaults from CpuTargetInfo).
  Option<int64_t> prefetchDistance{
      *this, "prefetch-distance",
      llvm::cl::desc("Decode: bytes ahead of the weight loads to prefetch "
                     "(-1: the target's, 0: none)"),
      llvm::cl::init(-1)};
  Option<int64_t> decodeAccumulators{
      *this, "decode-accumulators",
      llvm::cl::desc("Decode: accumulators per row, 1, 2 or 4 (0: the "
                     "kernel's default)"),
      llvm::cl::init(0)};
  Option<int64_t> parallelMinIterations{
      *this, "parallel-min-iterations",
      llvm::cl::desc("Loop nests other than the kernels with at least this "
                     "many iterations are split over threads "
                     "(bitnet-parallelize-rows)"),
      llvm::cl::init(65536)};
};

/// The stages of the CPU pipeline, in order. `bitnet-cpu-pipeline` is
/// Quantize..LLVM; bitnet-compile runs Raise..LLVM (one pass manager per
/// stage, so each can be printed and timed), and `--stop-after=<name>` stops
/// after any of them. The passes of each stage:
///   raise     bitnet-raise-bitlinear (imported matmuls -> bitnet.bitlinear)
///   quantize  bitnet-quantize-activations (act width; RMSNorm + quantize
///             fused into bitnet.rms_norm_quantize)
///   pack      tosa-to-linalg{-named}, tosa-to-arith, tosa-to-tensor,
///             bitnet-decompose-bitlinear, bitnet-pack-ternary{target mcpu},
///             bitnet-fuse-sibling-matmuls
///   tile      convert-bitnet-ternary-matmul-to-vector{target mcpu}
///   llvm      convert-bitnet-to-linalg, bufferization, dot4 -> LLVM, OpenMP
///             (or sequential loops), the standard conversions to LLVM
enum class CpuStage { Raise, Quantize, Pack, Tile, LLVM };
inline constexpr CpuStage kAllCpuStages[] = {CpuStage::Raise, CpuStage::Quantize,
                                             CpuStage::Pack, CpuStage::Tile,
                                             CpuStage::LLVM};

/// "raise", "quantize", "pack", "tile", "llvm".
llvm::StringRef cpuStageName(CpuStage stage);
/// The stage named `name`, or nullopt.
std::optional<CpuStage> parseCpuStage(llvm::StringRef name);

/// Adds the passes of one stage.
void addCpuStage(OpPassManager &pm, const CpuPipelineOptions &options,
                 CpuStage stage);

/// Adds the stages first..last (inclusive), in order.
void buildCpuPipelineStages(OpPassManager &pm, const CpuPipelineOptions &options,
                            CpuStage first, CpuStage last);

/// `bitnet-cpu-pipeline{target=... mcpu=...}`: like `bitnet-to-llvm`, but
/// constant weights are packed in the target's format and
/// `bitnet.ternary_matmul` uses the SIMD kernel for the target's
/// dot-product instruction where one exists. Its row blocks become an
/// OpenMP worksharing loop unless `openmp=false`. It is the stages
/// Quantize..LLVM (the input is bitnet IR, already raised).
void buildBitNetCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options);

/// Registers every named pipeline with the global pass registry.
void registerBitNetPipelines();

} // namespace mlir::bitnet

#endif // BITNET_PIPELINES_PIPELINES_H
