//===- TargetInfo.cpp - The target of a module ------------------------===//

#include "bitnet/Target/TargetInfo.h"

#include "bitnet/Target/CpuTargetInfo.h"
#include "bitnet/Target/GpuTargetInfo.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::bitnet;

namespace {

LLVM::TargetAttr makeTargetAttr(MLIRContext *context, llvm::StringRef triple,
                                llvm::StringRef cpu, llvm::StringRef features) {
  // Passes declare the LLVM dialect as a dependency; a driver setting the
  // target right after an import may not have loaded it yet.
  context->getOrLoadDialect<LLVM::LLVMDialect>();
  return LLVM::TargetAttr::get(
      context, StringAttr::get(context, triple), StringAttr::get(context, cpu),
      features.empty() ? LLVM::TargetFeaturesAttr()
                       : LLVM::TargetFeaturesAttr::get(context, features));
}

/// The triple CpuTargetInfo uses for an architecture.
std::string tripleOf(llvm::StringRef arch) { return arch.str() + "-unknown-linux-gnu"; }

} // namespace

LLVM::TargetAttr TargetInfo::toAttr(MLIRContext *context) const {
  return makeTargetAttr(context, triple, cpu, features);
}

std::unique_ptr<TargetInfo> mlir::bitnet::getTargetInfo(LLVM::TargetAttr attr,
                                                        std::string &error) {
  llvm::Triple triple(attr.getTriple().getValue());
  std::string features =
      attr.getFeatures() ? attr.getFeatures().getFeaturesString() : "";
  if (isGpuArch(triple.getArchName())) {
    auto gpu = std::make_unique<GpuTargetInfo>();
    if (!getGpuTargetInfo(attr.getChip().getValue(), features, *gpu, error))
      return nullptr;
    return gpu;
  }
  auto info = std::make_unique<CpuTargetInfo>();
  if (!getCpuTargetInfo(triple.getArchName(), attr.getChip().getValue(), features,
                        *info, error))
    return nullptr;
  return info;
}

LLVM::TargetAttr mlir::bitnet::getTargetAttr(Operation *op) {
  auto module = dyn_cast<ModuleOp>(op);
  if (!module)
    module = op->getParentOfType<ModuleOp>();
  return module ? module->getAttrOfType<LLVM::TargetAttr>(
                      LLVM::LLVMDialect::getTargetAttrName())
                : LLVM::TargetAttr();
}

void mlir::bitnet::setTargetAttr(Operation *module, const TargetInfo &target) {
  module->setAttr(LLVM::LLVMDialect::getTargetAttrName(),
                  target.toAttr(module->getContext()));
}

LLVM::TargetAttr mlir::bitnet::getHostTargetAttr(MLIRContext *context) {
  HostCpu host = getHostCpu();
  return makeTargetAttr(context, tripleOf(host.arch), host.cpu, host.features);
}

LLVM::TargetAttr mlir::bitnet::resolveTargetAttr(Operation *op, llvm::StringRef arch,
                                                 llvm::StringRef cpu,
                                                 std::string &error) {
  MLIRContext *context = op->getContext();
  LLVM::TargetAttr module = getTargetAttr(op);
  if (arch.empty() && cpu.empty())
    return module ? module : getHostTargetAttr(context);
  HostCpu host = getHostCpu();
  std::string moduleArch =
      module ? normalizeCpuArch(llvm::Triple(module.getTriple().getValue()).getArchName())
             : host.arch;
  std::string resolvedArch = normalizeCpuArch(arch.empty() ? moduleArch : arch);
  if (isGpuArch(resolvedArch)) {
    if (cpu == "native") {
      error = "-mcpu=native names the host CPU; name the GPU (sm_80, sm_90, sm_90a)";
      return {};
    }
    bool moduleIsGpu = module && isGpuArch(moduleArch);
    if (cpu.empty() && moduleIsGpu)
      return module;
    return makeTargetAttr(context, kNvptxTriple, cpu.empty() ? "sm_80" : cpu, "");
  }
  if (resolvedArch != "x86_64" && resolvedArch != "aarch64") {
    error = "unknown target '" + arch.str() + "'; expected x86_64, aarch64 or nvptx";
    return {};
  }
  if (cpu == "native") {
    if (resolvedArch != host.arch) {
      error = "-mcpu=native needs a " + resolvedArch + " host; name a CPU instead";
      return {};
    }
    return getHostTargetAttr(context);
  }
  // Only the architecture given: the module's CPU if it is of that
  // architecture, else the architecture's baseline.
  if (cpu.empty() && module && moduleArch == resolvedArch)
    return module;
  std::string chip = cpu.empty() ? baselineCpu(resolvedArch) : cpu.str();
  return makeTargetAttr(context, tripleOf(resolvedArch), chip, "");
}
