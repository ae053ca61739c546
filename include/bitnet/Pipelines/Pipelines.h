//===- Pipelines.h - The compile pipeline and named pipelines ----*- C++ -*-===//
//
// The compile pipeline as stages: raise, quantize and pack are
// target-independent (the model and its layers); tile and llvm generate
// code for the module's target (#llvm.target; the CPU half lives in
// lib/Codegen/CPU). bitnet-compile runs the stages one by one, and
// `bitnet-cpu-pipeline` / `bitnet-to-llvm` are their named forms for
// bitnet-opt.
//
//===----------------------------------------------------------------------===//

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
/// conversions to LLVM, with no target-specific code. Functions that carry
/// `llvm.emit_c_interface` get a C-callable `_mlir_ciface_<name>` wrapper.
void buildBitNetToLLVMPipeline(OpPassManager &pm);

/// The options of the compile pipeline (`bitnet-cpu-pipeline{...}`).
struct PipelineOptions : PassPipelineOptions<PipelineOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("Target architecture, x86_64 or aarch64 (empty: the "
                     "module's #llvm.target, else the host's)"),
      llvm::cl::init("")};
  Option<std::string> mcpu{
      *this, "mcpu",
      llvm::cl::desc("Target CPU: an LLVM CPU name, or native (empty: the "
                     "module's, else the host)"),
      llvm::cl::init("")};
  Option<bool> openmp{
      *this, "openmp",
      llvm::cl::desc("Run the kernels' row blocks on OpenMP threads (the code "
                     "then needs an OpenMP runtime: libomp); false: one thread, "
                     "no runtime dependency"),
      llvm::cl::init(true)};
  // Per-CPU tuning of the decode kernels (bitnet-select-kernel-configs'
  // options of the same names; defaults from CpuTargetInfo).
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
  Option<std::string> tuningFile{
      *this, "tuning-file",
      llvm::cl::desc("Kernel configurations (and packed formats) by weight "
                     "shape, replacing the target's choices (JSON)"),
      llvm::cl::init("")};
};

/// What the stages are built from: the values of PipelineOptions (which,
/// as pass options, cannot be copied), as bitnet-compile sets them.
struct StageOptions {
  bool openmp = true;
  int64_t prefetchDistance = -1;
  int64_t decodeAccumulators = 0;
  int64_t parallelMinIterations = 65536;
  std::string tuningFile;
  std::string weightFormat; // every product's packed format; empty: chosen
  int64_t actBits = 0;      // every BitLinear's activation bits; 0: its own
};
StageOptions getStageOptions(const PipelineOptions &options);

/// The stages of the compile pipeline, in order. `bitnet-cpu-pipeline` is
/// bitnet-set-target then Quantize..LLVM; bitnet-compile runs Raise..LLVM
/// (one pass manager per stage, so each can be printed and timed), and
/// `--stop-after=<name>` stops after any of them. The passes of each stage:
///   raise     bitnet-raise-bitlinear (imported matmuls -> bitnet.bitlinear),
///             bitnet-grouped-query-attention
///   quantize  bitnet-quantize-activations (act width; RMSNorm + quantize
///             fused into bitnet.rms_norm_quantize)
///   pack      tosa-to-linalg{-named}, tosa-to-arith, tosa-to-tensor,
///             bitnet-decompose-bitlinear, bitnet-pack-ternary,
///             bitnet-fuse-sibling-matmuls
///   tile      (CPU) bitnet-select-kernel-configs,
///             convert-bitnet-ternary-matmul-to-vector
///   llvm      (CPU) convert-bitnet-to-linalg, float contraction kernels,
///             threads, bufferization, dot products, the conversions to LLVM
enum class Stage { Raise, Quantize, Pack, Tile, LLVM };
inline constexpr Stage kAllStages[] = {Stage::Raise, Stage::Quantize, Stage::Pack,
                                       Stage::Tile, Stage::LLVM};

/// "raise", "quantize", "pack", "tile", "llvm".
llvm::StringRef stageName(Stage stage);
/// The stage named `name`, or nullopt.
std::optional<Stage> parseStage(llvm::StringRef name);

/// Adds the passes of one stage.
void addStage(OpPassManager &pm, const StageOptions &options, Stage stage);

/// `bitnet-cpu-pipeline{target=... mcpu=...}`: bitnet-set-target, then the
/// stages Quantize..LLVM (the input is bitnet IR, already raised): packed
/// weights in the target's format, the SIMD kernels of its dot-product
/// instruction, row blocks on OpenMP threads unless `openmp=false`.
void buildBitNetCpuPipeline(OpPassManager &pm, const PipelineOptions &options);

/// The options of the GPU kernel pipeline (`bitnet-gpu-pipeline{...}`).
struct GpuPipelineOptions : PassPipelineOptions<GpuPipelineOptions> {
  Option<std::string> mcpu{
      *this, "mcpu",
      llvm::cl::desc("Target GPU: sm_80, sm_90 or sm_90a (empty: the module's "
                     "nvptx target, else sm_80)"),
      llvm::cl::init("")};
  Option<int64_t> rowsPerWarp{
      *this, "rows-per-warp",
      llvm::cl::desc("GEMV: weight rows each warp computes (0: derived)"), llvm::cl::init(0)};
  Option<int64_t> tokensPerWarp{
      *this, "tokens-per-warp",
      llvm::cl::desc("GEMV: tokens each warp computes (0: derived)"), llvm::cl::init(0)};
  Option<int64_t> warpsPerBlock{
      *this, "warps-per-block",
      llvm::cl::desc("Warps in each thread block"), llvm::cl::init(4)};
};

/// `bitnet-gpu-pipeline{mcpu=sm_90}`: bitnet-set-target (nvptx), the GPU
/// kernels of the packed ternary products as warp-level loops, their
/// mapping to gpu.module kernels, and NVVM down to PTX (a gpu.binary). The
/// input is packed bitnet IR (what the pack stage gives); the host side
/// stays as launches (gpu.launch_func) for the GPU runtime.
void buildBitNetGpuPipeline(OpPassManager &pm, const GpuPipelineOptions &options);

/// Registers every named pipeline with the global pass registry.
void registerBitNetPipelines();

} // namespace mlir::bitnet

#endif // BITNET_PIPELINES_PIPELINES_H
