//===- PackTernary.cpp - compile-time packing of ternary weights ------===//
//
// Multiply-add and LUT kernels read packed weights. This pass decides the
// format (explicitly, or the target's) and packs constant weights at
// compile time by folding bitnet.pack.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"
#include "bitnet/Target/CpuTargetInfo.h"

#include "WeightBlobs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_PACKTERNARYPASS
#include "bitnet/Dialect/BitNet/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

struct PackTernaryPass
    : mlir::bitnet::impl::PackTernaryPassBase<PackTernaryPass> {
  using PackTernaryPassBase::PackTernaryPassBase;

  void runOnOperation() override {
    std::optional<PackedFormat> chosen = chooseFormat();
    if (!chosen)
      return signalPassFailure();

    SmallVector<TernaryMatmulOp> unpacked;
    getOperation()->walk([&](TernaryMatmulOp op) {
      if (!op.getFormat())
        unpacked.push_back(op);
    });
    // Layer by layer across functions, each unpacked weight released once
    // its users are packed.
    unpacked = interleaveByFunction<TernaryMatmulOp>(unpacked);
    WeightBlobReleaser releaser(getOperation());
    IRRewriter rewriter(&getContext());
    // Weights packed so far, by their ternary constant: functions that share
    // weights (a generative model's prefill and decode entry points) share
    // one packed copy, packed once.
    DenseMap<Attribute, Attribute> packedWeights;
    for (TernaryMatmulOp op : unpacked) {
      Attribute weight;
      if (!matchPattern(op.getWeight(), m_Constant(&weight))) {
        op.emitRemark("weight is not a constant; left unpacked");
        continue;
      }
      auto weightType = op.getWeight().getType();
      int64_t m = weightType.getDimSize(0), k = weightType.getDimSize(1);
      auto packedType = RankedTensorType::get(
          {m, getPackedRowBytes(*chosen, k)}, rewriter.getI8Type());
      rewriter.setInsertionPoint(op);
      Value packed;
      if (Attribute known = packedWeights.lookup(weight)) {
        packed = arith::ConstantOp::create(rewriter, op.getLoc(), packedType,
                                           cast<TypedAttr>(known));
      } else {
        packed = rewriter.createOrFold<PackOp>(op.getLoc(), packedType,
                                               op.getWeight(), *chosen);
        Attribute folded;
        if (matchPattern(packed, m_Constant(&folded)))
          packedWeights[weight] = folded;
      }
      Value unpackedWeight = op.getWeight();
      rewriter.replaceOpWithNewOp<TernaryMatmulOp>(
          op, op.getType(), op.getActivations(), packed,
          PackedFormatAttr::get(&getContext(), *chosen));
      releaser.eraseDeadProducers(rewriter, unpackedWeight);
    }
    // Fold the packs of constants (and drop the unpacked weights).
    if (failed(applyPatternsGreedily(getOperation(),
                                     RewritePatternSet(&getContext()))))
      return signalPassFailure();
  }

private:
  std::optional<PackedFormat> chooseFormat() {
    if (!format.empty()) {
      std::optional<PackedFormat> parsed = symbolizePackedFormat(format);
      if (!parsed)
        getOperation()->emitError()
            << "bitnet-pack-ternary: unknown format '" << format
            << "'; expected i2s, tl1 or tl2";
      return parsed;
    }
    CpuTargetInfo info;
    std::string error;
    if (!getCpuTargetInfo(target, mcpu, info, error)) {
      getOperation()->emitError() << "bitnet-pack-ternary: " << error;
      return std::nullopt;
    }
    return info.preferredFormat();
  }
};

} // namespace
