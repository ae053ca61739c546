//===- SetTarget.cpp - Record the module's target ---------------------===//

#include "bitnet/Codegen/Common/Passes.h"

#include "bitnet/Target/TargetInfo.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_SETTARGETPASS
#include "bitnet/Codegen/Common/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

struct SetTargetPass : mlir::bitnet::impl::SetTargetPassBase<SetTargetPass> {
  using SetTargetPassBase::SetTargetPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    LLVM::TargetAttr attr = resolveTargetAttr(module, target, mcpu, error);
    // Checked against LLVM's CPU tables now, not in the first pass that
    // reads it.
    if (attr && !getTargetInfo(attr, error))
      attr = {};
    if (!attr) {
      emitError(module.getLoc()) << "bitnet-set-target: " << error;
      return signalPassFailure();
    }
    module->setAttr(LLVM::LLVMDialect::getTargetAttrName(), attr);
  }
};

} // namespace
