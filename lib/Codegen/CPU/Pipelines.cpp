//===- Pipelines.cpp - The CPU half of the compile pipeline -----------===//

#include "bitnet/Codegen/CPU/Passes.h"

#include "bitnet/Codegen/Common/Passes.h"
#include "bitnet/Model/Passes.h"

#include "mlir/Pass/PassManager.h"

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// bitnet-select-kernel-configs with the pipeline's overrides and tuning.
std::unique_ptr<Pass> createSelectKernelConfigs(const CpuCodegenOptions &options) {
  SelectKernelConfigsPassOptions configs;
  configs.rowsPerBlock = options.kernels.rowsPerBlock;
  configs.tokenTile = options.kernels.tokenTile;
  configs.rowTile = options.kernels.rowTile;
  configs.prefetchDistance = options.kernels.prefetchDistance;
  configs.decodeAccumulators = options.kernels.decodeAccumulators;
  configs.tuningFile = options.tuningFile;
  return createSelectKernelConfigsPass(configs);
}

} // namespace

void mlir::bitnet::addCpuKernelPasses(OpPassManager &pm,
                                      const CpuCodegenOptions &options) {
  pm.addPass(createSelectKernelConfigs(options));
  pm.addPass(createConvertTernaryMatmulToVectorPass());
}

void mlir::bitnet::addCpuLoweringPasses(OpPassManager &pm,
                                        const CpuCodegenOptions &options) {
  addBitNetToLinalgPasses(pm);
  // Float matrix products (attention, lm_head): register-blocked kernels
  // for the target, reading their operands through transposes and
  // widenings (the key cache, a float16 table) and a tied lm_head from the
  // embedding table, not from copies; what they leave as vectorizable
  // loops, split over threads where the kernels are.
  pm.addPass(createFoldContractionViewsPass());
  pm.addPass(createShareTransposedWeightsPass());
  // The contractions as the views left them get their configurations.
  pm.addPass(createSelectKernelConfigs(options));
  TileFloatContractionsPassOptions floats;
  floats.tiles = options.openmp ? 8 : 1;
  pm.addPass(createTileFloatContractionsPass(floats));
  pm.addPass(createInterchangeMatmulLoopsPass());
  if (options.openmp)
    pm.addPass(createParallelizeContractionsPass());
  // One loop nest per chain of elementwise ops (after the contraction
  // passes, which match the ops they read as they were imported).
  pm.addPass(createFuseElementwisePass());
  // Prefill's large row-wise nests (norms, softmax, fused chains) on threads.
  if (options.openmp) {
    ParallelizeRowsPassOptions rows;
    rows.minIterations = options.parallelMinIterations;
    pm.addPass(createParallelizeRowsPass(rows));
  }
  addBufferizationPasses(pm);
  // After bufferization: the intrinsic calls are opaque to it.
  pm.addPass(createConvertDot4ToLLVMPass());
  addThreadPasses(pm, options.openmp);
  addConversionToLLVMPasses(pm);
}
