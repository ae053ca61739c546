//===- SelectKernelConfigs.cpp - Each kernel's configuration as data --===//

#include "bitnet/Codegen/CPU/Passes.h"

#include "FloatContractions.h"

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
      emitError(root->getLoc()) << getArgument()
                        << ": decode-accumulators must be 1, 2 or 4 (0: the "
                           "default), not "
                        << static_cast<int64_t>(decodeAccumulators);
      return signalPassFailure();
    }
    // Overrides become #bitnet.ternary_kernel fields: the same bounds.
    if (rowsPerBlock < 0 || tokenTile < 0 || rowTile < 0 ||
        tokenTile > kMaxRegisterTile || rowTile > kMaxRegisterTile ||
        prefetchDistance < -1 || prefetchDistance > kMaxConfigBytes) {
      emitError(root->getLoc()) << getArgument()
                        << ": rows-per-block must be >= 0, token-tile and "
                           "row-tile from 0 to "
                        << kMaxRegisterTile << ", prefetch-distance from -1 to "
                        << kMaxConfigBytes << " (0 / -1: derived)";
      return signalPassFailure();
    }
    TuningSpec tuning;
    std::string error;
    if (!tuningFile.empty() && !loadTuningSpec(tuningFile, tuning, error)) {
      emitError(root->getLoc()) << getArgument() << ": " << error;
      return signalPassFailure();
    }
    TernaryKernelOverrides overrides;
    overrides.rowsPerBlock = rowsPerBlock;
    overrides.tokenTile = tokenTile;
    overrides.rowTile = rowTile;
    overrides.prefetchDistance = prefetchDistance;
    overrides.decodeAccumulators = decodeAccumulators;

    WalkResult walk = root->walk([&](Operation *op) {
      if (auto product = dyn_cast<TernaryMatmulOp>(op))
        return configure(product, *target, overrides, tuning);
      if (auto contraction = dyn_cast<linalg::LinalgOp>(op))
        return configure(contraction, *target, tuning);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }

private:
  /// A ternary product's kernel: derived, then its tuning entry.
  WalkResult configure(TernaryMatmulOp op, const CpuTargetInfo &target,
                       const TernaryKernelOverrides &overrides,
                       const TuningSpec &tuning) {
    if (op.getKernelConfigAttr())
      return WalkResult::advance();
    TernaryKernelConfigAttr config =
        selectTernaryKernelConfig(op, target, overrides);
    if (!config)
      return WalkResult::advance();
    int64_t n = op.getActivations().getType().getDimSize(0);
    int64_t k = op.getActivations().getType().getDimSize(1);
    int64_t m = op.getWeight().getType().getDimSize(0);
    if (const TernaryTuningEntry *entry = tuning.lookup(m, k, n)) {
      std::string error;
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
  }

  /// A float contraction's register-blocked kernel (C is [batch,] m x n,
  /// the reduction k), recorded as the discardable `bitnet.kernel_config`.
  WalkResult configure(linalg::LinalgOp op, const CpuTargetInfo &target,
                       const TuningSpec &tuning) {
    if (op->hasAttr(kKernelConfigAttrName))
      return WalkResult::advance();
    FloatKernelConfigAttr config = selectFloatKernelConfig(op, target);
    if (!config)
      return WalkResult::advance();
    FloatContraction form = *classifyFloatContraction(op);
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t m = form.m ? ranges[*form.m] : 1, n = ranges[form.n], k = ranges[form.k];
    if (const FloatTuningEntry *entry = tuning.lookupFloat(m, n, k)) {
      std::string error;
      config = applyTuningEntry(config, *entry, error);
      if (!config) {
        op.emitError() << getArgument() << ": tuning file " << tuningFile
                       << ", float_matmul entry for " << m << "x" << n << "x" << k
                       << ": " << error;
        return WalkResult::interrupt();
      }
    }
    op->setAttr(kKernelConfigAttrName, config);
    return WalkResult::advance();
  }
};

} // namespace
