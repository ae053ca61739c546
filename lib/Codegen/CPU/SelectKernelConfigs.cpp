//===- SelectKernelConfigs.cpp - Each kernel's configuration as data --===//

#include "bitnet/Codegen/CPU/Passes.h"

#include "bitnet/Codegen/CPU/KernelConfig.h"
#include "bitnet/Target/TuningSpec.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_SELECTKERNELCONFIGSPASS
#include "bitnet/Codegen/CPU/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

struct SelectKernelConfigsPass
    : mlir::bitnet::impl::SelectKernelConfigsPassBase<SelectKernelConfigsPass> {
  using SelectKernelConfigsPassBase::SelectKernelConfigsPassBase;

  void runOnOperation() override {
    Operation *root = getOperation();
    FailureOr<CpuTargetInfo> target =
        lookupCpuTarget(root, this->target, mcpu, getArgument());
    if (failed(target))
      return signalPassFailure();
    if (!isValidDecodeAccumulators(decodeAccumulators)) {
      root->emitError() << getArgument()
                        << ": decode-accumulators must be 1, 2 or 4 (0: the "
                           "default), not "
                        << static_cast<int64_t>(decodeAccumulators);
      return signalPassFailure();
    }
    TuningSpec tuning;
    std::string error;
    if (!tuningFile.empty() && !loadTuningSpec(tuningFile, tuning, error)) {
      root->emitError() << getArgument() << ": " << error;
      return signalPassFailure();
    }
    TernaryKernelOverrides overrides;
    overrides.rowsPerBlock = rowsPerBlock;
    overrides.tokenTile = tokenTile;
    overrides.rowTile = rowTile;
    overrides.prefetchDistance = prefetchDistance;
    overrides.decodeAccumulators = decodeAccumulators;

    WalkResult walk = root->walk([&](TernaryMatmulOp op) {
      if (op.getKernelConfigAttr())
        return WalkResult::advance();
      TernaryKernelConfigAttr config =
          selectTernaryKernelConfig(op, *target, overrides);
      if (!config)
        return WalkResult::advance();
      int64_t n = op.getActivations().getType().getDimSize(0);
      int64_t k = op.getActivations().getType().getDimSize(1);
      int64_t m = op.getWeight().getType().getDimSize(0);
      if (const TernaryTuningEntry *entry = tuning.lookup(m, k, n)) {
        config = applyTuningEntry(config, *entry, error);
        if (!config) {
          op.emitError() << getArgument() << ": tuning file " << tuningFile
                         << ", entry for " << m << "x" << k << " (n = " << n
                         << "): " << error;
          return WalkResult::interrupt();
        }
      }
      op.setKernelConfigAttr(config);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
