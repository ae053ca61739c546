//===- Pipelines.cpp - The GPU stages of the compile pipeline ---------===//

#include "bitnet/Codegen/GPU/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::bitnet;

void mlir::bitnet::addGpuKernelPasses(OpPassManager &pm, const GpuCodegenOptions &options) {
  TernaryGemvToWarpLoopsPassOptions gemv;
  gemv.rowsPerWarp = options.rowsPerWarp;
  gemv.tokensPerWarp = options.tokensPerWarp;
  pm.addPass(createTernaryGemvToWarpLoopsPass(gemv));
  pm.addPass(createQuantizeRowsToWarpLoopsPass());
}

void mlir::bitnet::addGpuLoweringPasses(OpPassManager &pm,
                                        const GpuCodegenOptions &options) {
  MapWarpLoopsToGpuPassOptions map;
  map.warpsPerBlock = options.warpsPerBlock;
  pm.addPass(createMapWarpLoopsToGpuPass(map));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createConvertDot4ToNVVMPass());
  // convert-gpu-to-nvvm lowers every dialect but scf (and says nothing).
  kernels.addPass(createSCFToControlFlowPass());
  // Math as LLVM intrinsics (sqrt.rn, cvt.rni, abs), not libdevice calls.
  kernels.addPass(createMathToLLVMIntrinsicsPass());
  pm.addPass(createAttachGpuTargetPass());
  OpPassManager &nvvm = pm.nest<gpu::GPUModuleOp>();
  ConvertGpuOpsToNVVMOpsOptions toNvvm;
  // Static shapes: kernels take plain pointers, not memref descriptors.
  toNvvm.useBarePtrCallConv = true;
  nvvm.addPass(createConvertGpuOpsToNVVMOps(toNvvm));
  nvvm.addPass(createCanonicalizerPass());
  nvvm.addPass(createCSEPass());
  nvvm.addPass(createReconcileUnrealizedCastsPass());
  // PTX text (no CUDA toolkit needed: LLVM's NVPTX back end).
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
  // The host side: launch sizes and captured values folded.
  pm.addPass(createCanonicalizerPass());
}
