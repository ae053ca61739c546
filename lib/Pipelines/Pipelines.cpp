//===- Pipelines.cpp - The compile pipeline and named pipelines -------===//

#include "bitnet/Pipelines/Pipelines.h"

#include "bitnet/Codegen/CPU/Passes.h"
#include "bitnet/Codegen/Common/Passes.h"
#include "bitnet/Codegen/GPU/Passes.h"
#include "bitnet/Dialect/BitNet/Transforms/Passes.h"
#include "bitnet/Model/Passes.h"

#include "mlir/Conversion/TosaToArith/TosaToArith.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Conversion/TosaToTensor/TosaToTensor.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// TOSA to linalg, and bitlinear layers to their integer steps (ternarize,
/// quantize, ternary_matmul, dequantize).
void addDecomposition(OpPassManager &pm) {
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  funcPm.addPass(tosa::createTosaToLinalgNamed());
  funcPm.addPass(tosa::createTosaToLinalg());
  funcPm.addPass(createTosaToArithPass());
  funcPm.addPass(createTosaToTensorPass());
  pm.addPass(createDecomposeBitLinearPass());
}

CpuCodegenOptions cpuOptions(const StageOptions &options) {
  CpuCodegenOptions cpu;
  cpu.openmp = options.openmp;
  cpu.parallelMinIterations = options.parallelMinIterations;
  cpu.kernels.prefetchDistance = options.prefetchDistance;
  cpu.kernels.decodeAccumulators = options.decodeAccumulators;
  cpu.tuningFile = options.tuningFile;
  return cpu;
}

} // namespace

void mlir::bitnet::buildBitNetToLLVMPipeline(OpPassManager &pm) {
  // RMSNorm + activation quantization fusion needs the norm in its imported
  // TOSA form, so it runs before TOSA is lowered (and before decomposition).
  pm.addPass(createQuantizeActivationsPass());
  addDecomposition(pm);
  addBitNetToLinalgPasses(pm);
  pm.addPass(createInterchangeMatmulLoopsPass());
  pm.addPass(createFuseElementwisePass());
  addBufferizationPasses(pm);
  ConvertDot4ToLLVMPassOptions dot4;
  dot4.portable = true;
  pm.addPass(createConvertDot4ToLLVMPass(dot4));
  addThreadPasses(pm, /*openmp=*/true);
  addConversionToLLVMPasses(pm);
}

llvm::StringRef mlir::bitnet::stageName(Stage stage) {
  switch (stage) {
  case Stage::Raise:
    return "raise";
  case Stage::Quantize:
    return "quantize";
  case Stage::Pack:
    return "pack";
  case Stage::Tile:
    return "tile";
  case Stage::LLVM:
    return "llvm";
  }
  llvm_unreachable("unknown Stage");
}

std::optional<Stage> mlir::bitnet::parseStage(llvm::StringRef name) {
  for (Stage stage : kAllStages)
    if (stageName(stage) == name)
      return stage;
  return std::nullopt;
}

StageOptions mlir::bitnet::getStageOptions(const PipelineOptions &options) {
  StageOptions stages;
  stages.openmp = options.openmp;
  stages.prefetchDistance = options.prefetchDistance;
  stages.decodeAccumulators = options.decodeAccumulators;
  stages.parallelMinIterations = options.parallelMinIterations;
  stages.tuningFile = options.tuningFile;
  return stages;
}

void mlir::bitnet::addStage(OpPassManager &pm, const StageOptions &options,
                            Stage stage) {
  switch (stage) {
  case Stage::Raise:
    pm.addPass(createRaiseBitLinearPass());
    // Graph-level rewrites of the imported attention.
    pm.addNestedPass<func::FuncOp>(createGroupedQueryAttentionPass());
    return;
  case Stage::Quantize: {
    QuantizeActivationsPassOptions quantize;
    quantize.bits = options.actBits;
    pm.addPass(createQuantizeActivationsPass(quantize));
    return;
  }
  case Stage::Pack: {
    addDecomposition(pm);
    PackTernaryPassOptions pack;
    pack.tuningFile = options.tuningFile;
    pack.format = options.weightFormat;
    pm.addPass(createPackTernaryPass(pack));
    // q/k/v and gate/up: one product each (packed rows concatenate).
    pm.addPass(createFuseSiblingMatmulsPass());
    return;
  }
  // Code generation for the module's target: CPUs are the one kind today.
  case Stage::Tile:
    addCpuKernelPasses(pm, cpuOptions(options));
    return;
  case Stage::LLVM:
    addCpuLoweringPasses(pm, cpuOptions(options));
    return;
  }
}

void mlir::bitnet::buildBitNetCpuPipeline(OpPassManager &pm,
                                          const PipelineOptions &options) {
  SetTargetPassOptions target;
  target.target = options.target;
  target.mcpu = options.mcpu;
  pm.addPass(createSetTargetPass(target));
  // The pipeline takes bitnet IR: BitLinear recognition (`raise`) belongs to
  // the ONNX front end and is run by bitnet-compile, not here.
  StageOptions stages = getStageOptions(options);
  for (Stage stage : kAllStages)
    if (stage != Stage::Raise)
      addStage(pm, stages, stage);
}

void mlir::bitnet::buildBitNetGpuPipeline(OpPassManager &pm,
                                          const GpuPipelineOptions &options) {
  SetTargetPassOptions target;
  target.target = "nvptx";
  target.mcpu = options.mcpu;
  pm.addPass(createSetTargetPass(target));
  GpuCodegenOptions gpu;
  gpu.rowsPerWarp = options.rowsPerWarp;
  gpu.tokensPerWarp = options.tokensPerWarp;
  gpu.warpsPerBlock = options.warpsPerBlock;
  addGpuKernelPasses(pm, gpu);
  addGpuLoweringPasses(pm, gpu);
}

void mlir::bitnet::registerBitNetPipelines() {
  PassPipelineRegistration<>(
      "bitnet-to-llvm",
      "Lower bitnet ops to the LLVM dialect through portable linalg loops",
      buildBitNetToLLVMPipeline);
  PassPipelineRegistration<PipelineOptions>(
      "bitnet-cpu-pipeline",
      "Lower bitnet ops to the LLVM dialect with packed weights and SIMD "
      "kernels for a CPU",
      buildBitNetCpuPipeline);
  PassPipelineRegistration<GpuPipelineOptions>(
      "bitnet-gpu-pipeline",
      "Generate GPU kernels for packed ternary products and serialize them "
      "to PTX for an NVIDIA GPU",
      buildBitNetGpuPipeline);
}
