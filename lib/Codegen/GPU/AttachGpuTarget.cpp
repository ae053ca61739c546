//===- AttachGpuTarget.cpp - gpu.modules get the module's GPU ---------===//
//
// Upstream's nvvm-attach-target takes the chip as a pass option; this one
// reads it from the module's target (GpuTargetInfo), like every other pass
// that depends on the machine.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/GPU/Passes.h"

#include "bitnet/Target/GpuTargetInfo.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_ATTACHGPUTARGETPASS
#include "bitnet/Codegen/GPU/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

constexpr int kKernelOptLevel = 3;

struct AttachGpuTargetPass : bitnet::impl::AttachGpuTargetPassBase<AttachGpuTargetPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto gpuModules = module.getOps<gpu::GPUModuleOp>();
    if (gpuModules.empty())
      return;
    FailureOr<GpuTargetInfo> target = lookupGpuTarget(module, chip, getArgument());
    if (failed(target))
      return signalPassFailure();
    std::string features = "+ptx" + std::to_string(target->minPtxVersion);
    auto nvvmTarget = NVVM::NVVMTargetAttr::get(&getContext(), kKernelOptLevel,
                                                target->triple, target->cpu, features);
    for (gpu::GPUModuleOp gpuModule : gpuModules)
      gpuModule.setTargetsAttr(ArrayAttr::get(&getContext(), {nvvmTarget}));
  }
};

} // namespace
