//===- GroupedQueryAttention.cpp - products with unrepeated kv heads -----===//
//
// Queries [H, S, a] times keys repeated from kv heads ([H, a, b] with
// B[h] = B0[h / g]) equals queries viewed as [kv, g * S, a] times B0
// [kv, a, b], viewed back as [H, S, b]: no copy of the keys per group.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Model/Passes.h"

#include "mlir/Dialect/Tosa/Utils/ConversionUtils.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_GROUPEDQUERYATTENTIONPASS
#include "bitnet/Model/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

RankedTensorType staticType(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() ? type : RankedTensorType();
}

/// The kv heads `[1, kv, c, d]` that `repeated` (`[1, kv * g, c, d]` or
/// `[kv * g, c, d]`) repeats `g` times each, as `reshape(tile(reshape(kv ->
/// [1, kv, 1, c, d]), [1, 1, g, 1, 1]))`; null otherwise.
Value repeatedHeads(Value repeated, int64_t &groups) {
  auto flatten = repeated.getDefiningOp<tosa::ReshapeOp>();
  if (!flatten)
    return {};
  auto tile = flatten.getInput1().getDefiningOp<tosa::TileOp>();
  if (!tile)
    return {};
  auto expand = tile.getInput1().getDefiningOp<tosa::ReshapeOp>();
  SmallVector<int64_t> multiples;
  if (!expand || !tosa::getConstShapeValues(tile.getMultiples().getDefiningOp(), multiples))
    return {};
  RankedTensorType heads = staticType(expand.getInput1());
  RankedTensorType expanded = staticType(expand.getResult());
  RankedTensorType flat = staticType(flatten.getResult());
  if (!heads || !expanded || !flat || heads.getRank() != 4 || heads.getDimSize(0) != 1)
    return {};
  int64_t kv = heads.getDimSize(1), c = heads.getDimSize(2), d = heads.getDimSize(3);
  groups = multiples.size() == 5 ? multiples[2] : 0;
  ArrayRef<int64_t> flatShape = flat.getShape();
  if (flat.getRank() == 4 && flatShape[0] == 1)
    flatShape = flatShape.drop_front();
  if (expanded.getShape() != ArrayRef<int64_t>{1, kv, 1, c, d} ||
      multiples != SmallVector<int64_t>{1, 1, groups, 1, 1} || groups < 2 ||
      flatShape != ArrayRef<int64_t>{kv * groups, c, d})
    return {};
  return expand.getInput1();
}

struct UnrepeatKVHeads : OpRewritePattern<tosa::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::MatMulOp matmul,
                                PatternRewriter &rewriter) const override {
    // B repeats kv heads: directly (reshaped to [H, a, b]), or as a 4-d
    // repetition reshaped to [H, a, b], possibly transposed in its last two
    // dimensions (q @ k^T).
    RankedTensorType aType = staticType(matmul.getA());
    RankedTensorType bType = staticType(matmul.getB());
    if (!aType || !bType)
      return rewriter.notifyMatchFailure(matmul, "dynamic shapes");
    int64_t groups = 0;
    tosa::TransposeOp transpose;
    Value kvHeads = repeatedHeads(matmul.getB(), groups);
    if (auto batch = matmul.getB().getDefiningOp<tosa::ReshapeOp>(); !kvHeads && batch) {
      Value heads = batch.getInput1();
      transpose = heads.getDefiningOp<tosa::TransposeOp>();
      if (transpose && transpose.getPerms() == ArrayRef<int32_t>{0, 1, 3, 2})
        heads = transpose.getInput1();
      else
        transpose = nullptr;
      RankedTensorType headsType = staticType(heads);
      if (headsType && headsType.getRank() == 4)
        kvHeads = repeatedHeads(heads, groups);
    }
    if (!kvHeads)
      return rewriter.notifyMatchFailure(matmul, "B does not repeat kv heads");
    int64_t h = bType.getDimSize(0), a = bType.getDimSize(1), b = bType.getDimSize(2);
    int64_t kv = h / groups, s = aType.getDimSize(1);
    if (aType.getDimSize(0) != h || kv * groups != h)
      return rewriter.notifyMatchFailure(matmul, "head counts differ");

    Location loc = matmul.getLoc();
    Type element = bType.getElementType();
    auto reshape = [&](Value value, ArrayRef<int64_t> shape) -> Value {
      auto type = RankedTensorType::get(shape, cast<RankedTensorType>(value.getType()).getElementType());
      return tosa::ReshapeOp::create(rewriter, loc, type, value,
                                     tosa::getTosaConstShape(rewriter, loc, shape));
    };
    Value keys = kvHeads;
    if (transpose) {
      auto kvType = cast<RankedTensorType>(kvHeads.getType());
      auto type = RankedTensorType::get({1, kv, kvType.getDimSize(3), kvType.getDimSize(2)},
                                        element);
      keys = tosa::TransposeOp::create(rewriter, loc, type, kvHeads,
                                       rewriter.getDenseI32ArrayAttr({0, 1, 3, 2}));
    }
    // Query head h = kv_i * g + g_i: [H, S, a] is [kv, g * S, a] in memory.
    Value queries = reshape(matmul.getA(), {kv, groups * s, a});
    auto productType = RankedTensorType::get({kv, groups * s, b},
                                             cast<RankedTensorType>(matmul.getType()).getElementType());
    Value product = tosa::MatMulOp::create(rewriter, loc, productType, queries,
                                           reshape(keys, {kv, a, b}), matmul.getAZp(),
                                           matmul.getBZp());
    rewriter.replaceOp(matmul, reshape(product, {h, s, b}));
    return success();
  }
};

struct GroupedQueryAttentionPass
    : mlir::bitnet::impl::GroupedQueryAttentionPassBase<GroupedQueryAttentionPass> {
  using GroupedQueryAttentionPassBase::GroupedQueryAttentionPassBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<UnrepeatKVHeads>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
