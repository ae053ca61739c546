//===- PackTernary.cpp - compile-time packing of ternary weights ------===//
//
// Multiply-add and LUT kernels read packed weights. This pass decides the
// format (explicitly, from a tuning file by weight shape, or the target's
// preferred one) and packs constant weights at compile time by folding
// bitnet.pack. Weights that the raise kept packed (bitnet.unpack of
// constant bytes) are used as they are when the format agrees.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"
#include "bitnet/Target/TargetInfo.h"
#include "bitnet/Target/TuningSpec.h"

#include "WeightBlobs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <numeric>

namespace mlir::bitnet {
#define GEN_PASS_DEF_PACKTERNARYPASS
#include "bitnet/Dialect/BitNet/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// The largest weight (in elements) packed at compile time.
constexpr int64_t kMaxPackedWeightElements = int64_t(1) << 31;

struct PackTernaryPass
    : mlir::bitnet::impl::PackTernaryPassBase<PackTernaryPass> {
  using PackTernaryPassBase::PackTernaryPassBase;

  void runOnOperation() override {
    if (failed(loadChoices()))
      return signalPassFailure();

    SmallVector<TernaryMatmulOp> unpacked;
    getOperation()->walk([&](TernaryMatmulOp op) {
      if (!op.getFormat()) {
        unpacked.push_back(op);
        int64_t rows = op.getWeight().getType().getDimSize(0);
        siblingRows[siblingKey(op)] += rows;
        int64_t &gcd = siblingRowsGcd[siblingKey(op)];
        gcd = std::gcd(gcd, rows);
      }
    });
    // Layer by layer across functions, each unpacked weight released once
    // its users are packed.
    unpacked = interleaveByFunction<TernaryMatmulOp>(unpacked);
    WeightBlobReleaser releaser(getOperation());
    IRRewriter rewriter(&getContext());
    // Weights packed so far, by their ternary constant and format:
    // functions that share weights (a generative model's prefill and decode
    // entry points) share one packed copy, packed once.
    // Keyed by the weight's type too: the same i2s bytes unpack to any K of
    // the same bytes per row.
    DenseMap<std::tuple<Attribute, Type, unsigned>, Attribute> packedWeights;
    for (TernaryMatmulOp op : unpacked) {
      // A constant, or constant bytes already packed (by the raise) that
      // bitnet.pack reuses or repacks.
      Attribute weight;
      Value constantWeight = op.getWeight();
      if (auto unpack = constantWeight.getDefiningOp<UnpackOp>())
        constantWeight = unpack.getPacked();
      if (!matchPattern(constantWeight, m_Constant(&weight))) {
        op.emitRemark("weight is not a constant; left unpacked");
        continue;
      }
      auto weightType = op.getWeight().getType();
      int64_t m = weightType.getDimSize(0), k = weightType.getDimSize(1);
      // Packing reads the weight as bytes: a splat of 2^32 elements would
      // take 4 GiB before its 1 GiB of packed bytes.
      if (weightType.getNumElements() > kMaxPackedWeightElements) {
        op.emitError() << "bitnet-pack-ternary: weight of " << m << " x " << k
                       << " elements is larger than the 2^31 the compiler packs";
        return signalPassFailure();
      }
      std::optional<PackedFormat> chosen = formatFor(op, m, k);
      if (!chosen)
        return signalPassFailure();
      std::tuple<Attribute, Type, unsigned> key(weight, weightType,
                                                static_cast<unsigned>(*chosen));
      auto packedType = RankedTensorType::get(
          {m, getPackedRowBytes(*chosen, k)}, rewriter.getI8Type());
      rewriter.setInsertionPoint(op);
      Value packed;
      if (Attribute known = packedWeights.lookup(key)) {
        packed = arith::ConstantOp::create(rewriter, op.getLoc(), packedType,
                                           cast<TypedAttr>(known));
      } else {
        packed = rewriter.createOrFold<PackOp>(op.getLoc(), packedType,
                                               op.getWeight(), *chosen);
        Attribute folded;
        if (!matchPattern(packed, m_Constant(&folded))) {
          // A constant folds unless some value is not -1, 0 or 1.
          op.emitError() << "bitnet-pack-ternary: the constant weight holds "
                            "values other than -1, 0 and 1";
          return signalPassFailure();
        }
        packedWeights[key] = folded;
      }
      Value unpackedWeight = op.getWeight();
      rewriter.replaceOpWithNewOp<TernaryMatmulOp>(
          op, op.getType(), op.getActivations(), packed,
          PackedFormatAttr::get(&getContext(), *chosen), /*kernel_config=*/nullptr);
      releaser.eraseDeadProducers(rewriter, unpackedWeight);
    }
    // Fold the packs of constants (and drop the unpacked weights).
    if (failed(applyPatternsGreedily(getOperation(),
                                     RewritePatternSet(&getContext()))))
      return signalPassFailure();
  }

private:
  /// The explicit format, the tuning file and the target's preferred
  /// format; fails (after an error) on a bad option, file or target.
  LogicalResult loadChoices() {
    if (!format.empty()) {
      explicitFormat = symbolizePackedFormat(format);
      if (!explicitFormat) {
        emitError(getOperation()->getLoc())
            << "bitnet-pack-ternary: unknown format '" << format
            << "'; expected i2s, tl1, tl2, t5 or tl2r";
        return failure();
      }
    }
    std::string error;
    if (!tuningFile.empty() && !loadTuningSpec(tuningFile, tuning, error)) {
      emitError(getOperation()->getLoc()) << "bitnet-pack-ternary: " << error;
      return failure();
    }
    LLVM::TargetAttr attr = resolveTargetAttr(getOperation(), target, mcpu, error);
    std::unique_ptr<TargetInfo> info = attr ? getTargetInfo(attr, error) : nullptr;
    if (!info) {
      emitError(getOperation()->getLoc()) << "bitnet-pack-ternary: " << error;
      return failure();
    }
    preferred = info->preferredFormat();
    return success();
  }

  /// Products of one activation in one block: what bitnet-fuse-sibling-
  /// matmuls makes one product of (when they share a format).
  static std::pair<Value, Block *> siblingKey(TernaryMatmulOp op) {
    return {op.getActivations(), op->getBlock()};
  }

  /// The format of `op`'s M x K weight: the option, else its tuning entry's
  /// (by its own shape, else by the shape of its siblings fused, which is
  /// what bitnet-tune times), else the target's.
  std::optional<PackedFormat> formatFor(TernaryMatmulOp op, int64_t m, int64_t k) {
    if (explicitFormat)
      return explicitFormat;
    int64_t n = op.getActivations().getType().getDimSize(0);
    const TernaryTuningEntry *entry = tuning.lookup(m, k, n);
    if (!entry || !entry->format) {
      int64_t fusedRows = siblingRows.lookup(siblingKey(op));
      if (fusedRows > m)
        entry = tuning.lookup(fusedRows, k, n);
      // Siblings that the format's tiles keep apart (tl2r's 16 rows) are
      // not fused: the fused product's timing does not apply to them.
      std::optional<PackedFormat> fusedFormat =
          entry && entry->format ? symbolizePackedFormat(*entry->format) : std::nullopt;
      if (fusedFormat &&
          siblingRowsGcd.lookup(siblingKey(op)) % getPackedTileRows(*fusedFormat) != 0)
        entry = nullptr;
    }
    if (!entry || !entry->format)
      return preferred;
    std::optional<PackedFormat> tuned = symbolizePackedFormat(*entry->format);
    if (!tuned)
      op.emitError() << "bitnet-pack-ternary: tuning file " << tuningFile
                     << " asks for format '" << *entry->format << "' for " << m
                     << "x" << k << "; expected i2s, tl1, tl2, t5 or tl2r";
    return tuned;
  }

  std::optional<PackedFormat> explicitFormat;
  PackedFormat preferred = PackedFormat::i2s;
  TuningSpec tuning;
  /// Rows of the unpacked products of each sibling group: their sum, and
  /// their greatest common divisor (whether they are whole tiles).
  DenseMap<std::pair<Value, Block *>, int64_t> siblingRows, siblingRowsGcd;
};

} // namespace
