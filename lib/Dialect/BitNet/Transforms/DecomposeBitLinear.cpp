//===- DecomposeBitLinear.cpp - bitlinear -> quantize/matmul/rescale --===//
//
// Expands a whole BitLinear layer into the integer pipeline it denotes, so
// that later passes can pack weights, fuse quantization into producers and
// pick kernels for each step separately.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_DECOMPOSEBITLINEARPASS
#include "bitnet/Dialect/BitNet/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// Reassociation that groups all leading (token) dimensions of a rank-`rank`
/// tensor into one and keeps the last dimension.
SmallVector<ReassociationIndices> tokenReassociation(int64_t rank) {
  ReassociationIndices tokens;
  for (int64_t i = 0; i + 1 < rank; ++i)
    tokens.push_back(i);
  return {tokens, {rank - 1}};
}

/// Views `[..., K]` as `[tokens, K]`.
Value flattenTokens(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  if (rank == 2)
    return x;
  int64_t k = type.getShape().back();
  if (rank == 1) {
    auto flatType = RankedTensorType::get({1, k}, type.getElementType());
    SmallVector<OpFoldResult> outputShape = {b.getIndexAttr(1),
                                             tensor::getMixedSize(b, loc, x, 0)};
    return tensor::ExpandShapeOp::create(b, loc, flatType, x,
                                         {ReassociationIndices{0, 1}},
                                         outputShape);
  }
  return tensor::CollapseShapeOp::create(b, loc, x, tokenReassociation(rank));
}

/// Views `[tokens, M]` as `resultType` (`[..., M]`), taking the token
/// dimensions from `like` (`[..., K]`).
Value unflattenTokens(OpBuilder &b, Location loc, Value y,
                      RankedTensorType resultType, Value like) {
  int64_t rank = resultType.getRank();
  if (rank == 2)
    return y;
  if (rank == 1)
    return tensor::CollapseShapeOp::create(b, loc, resultType, y,
                                           {ReassociationIndices{0, 1}});
  SmallVector<OpFoldResult> outputShape =
      tensor::getMixedSizes(b, loc, like);
  outputShape.back() = tensor::getMixedSize(b, loc, y, 1);
  return tensor::ExpandShapeOp::create(b, loc, resultType, y,
                                       tokenReassociation(rank), outputShape);
}

struct DecomposeBitLinear : OpRewritePattern<BitLinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BitLinearOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type i8 = rewriter.getI8Type(), i32 = rewriter.getI32Type();
    Type f32 = rewriter.getF32Type();

    // Ternary weights and their per-tensor scale.
    Value ternary = op.getWeight(), gamma = op.getWeightScale();
    if (!op.hasTernaryWeight()) {
      auto weightType = op.getWeight().getType();
      auto ternarize = TernarizeOp::create(
          rewriter, loc, weightType.clone(i8), RankedTensorType::get({}, f32),
          op.getWeight());
      ternary = ternarize.getTernary();
      gamma = ternarize.getScale();
    }

    // Integer pipeline on [tokens, K].
    Value x = flattenTokens(rewriter, loc, op.getInput());
    auto xType = cast<RankedTensorType>(x.getType());
    if (auto topk = op.getTopkAttr())
      x = TopKSparsifyOp::create(rewriter, loc, x, topk);
    int64_t tokens = xType.getDimSize(0);
    int64_t m = cast<RankedTensorType>(ternary.getType()).getDimSize(0);
    auto quantize = QuantizeOp::create(
        rewriter, loc, xType.clone(i8), RankedTensorType::get({tokens}, f32), x,
        op.getActBitsAttr(), op.getReciprocalScaleAttr());
    auto accType = RankedTensorType::get({tokens, m}, i32);
    Value acc = TernaryMatmulOp::create(rewriter, loc, accType,
                                        quantize.getValues(), ternary,
                                        /*format=*/nullptr,
                                        /*kernel_config=*/nullptr);
    Value y = DequantizeOp::create(rewriter, loc, accType.clone(f32), acc,
                                   quantize.getScales(), gamma);

    rewriter.replaceOp(op, unflattenTokens(rewriter, loc, y,
                                           op.getResult().getType(),
                                           op.getInput()));
    return success();
  }
};

struct DecomposeBitLinearPass
    : mlir::bitnet::impl::DecomposeBitLinearPassBase<DecomposeBitLinearPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeBitLinearPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::bitnet::populateDecomposeBitLinearPatterns(
    RewritePatternSet &patterns) {
  patterns.add<DecomposeBitLinear>(patterns.getContext());
}
