//===- QuantizeRowsToWarpLoops.cpp - per-token quantization, by warps -===//
//
// bitnet.quantize and bitnet.rms_norm_quantize as warp-level loops: one warp
// per token (row), its lanes striding over the columns, one lane loop per
// pass over the row (norm statistic, quantization statistic, codes) with
// the warp combining the lanes' partials in between. The scalar formulas
// come from QuantizationMath.h, shared with the portable lowering.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/GPU/Passes.h"

#include "bitnet/Codegen/Common/QuantizationMath.h"
#include "bitnet/Dialect/BitNet/IR/BitNet.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_QUANTIZEROWSTOWARPLOOPSPASS
#include "bitnet/Codegen/GPU/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

constexpr int64_t kWarpSize = 32;

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// A lane loop over the columns of one row: each lane folds `step` over
/// its columns (lane, lane + 32, ...) starting from `init`, and the warp
/// combines the lanes' results with `combine` (nothing to combine when
/// `init` is null).
using ColumnStep = function_ref<Value(OpBuilder &, Location, Value column, Value acc)>;
using Combine = function_ref<Value(OpBuilder &, Location, Value, Value)>;

Value laneLoop(ImplicitLocOpBuilder &b, int64_t columns, Value init, ColumnStep step,
               Combine combine) {
  Value c0 = indexConst(b, b.getLoc(), 0), c1 = indexConst(b, b.getLoc(), 1);
  Value lanes = indexConst(b, b.getLoc(), kWarpSize);
  Value end = indexConst(b, b.getLoc(), columns);
  SmallVector<Value> inits;
  if (init)
    inits.push_back(init);
  auto loop = scf::ParallelOp::create(
      b, ValueRange{c0}, ValueRange{lanes}, ValueRange{c1}, inits,
      [&](OpBuilder &lb, Location loc, ValueRange lane, ValueRange) {
        auto columnsOfLane = scf::ForOp::create(
            lb, loc, lane[0], end, lanes, inits,
            [&](OpBuilder &fb, Location floc, Value column, ValueRange acc) {
              Value next = step(fb, floc, column, init ? acc[0] : Value());
              scf::YieldOp::create(fb, floc, init ? ValueRange{next} : ValueRange{});
            });
        if (!init) {
          scf::ReduceOp::create(lb, loc);
          return;
        }
        auto reduce = scf::ReduceOp::create(lb, loc, columnsOfLane.getResults());
        Block &combiner = reduce.getReductions().front().front();
        OpBuilder::InsertionGuard guard(lb);
        lb.setInsertionPointToEnd(&combiner);
        scf::ReduceReturnOp::create(
            lb, loc, combine(lb, loc, combiner.getArgument(0), combiner.getArgument(1)));
      });
  loop->setAttr(kWarpLanesAttrName, b.getUnitAttr());
  return init ? loop.getResult(0) : Value();
}

/// What the rewrite needs of either op.
struct RowQuantization {
  Operation *op;
  Value input, gamma;       // gamma: null without the norm
  float epsilon = 0;
  QuantizationScheme scheme;
  Value values, scales, sums; // results (sums may be null)
};

LogicalResult rewriteRows(const RowQuantization &q, PatternRewriter &rewriter) {
  auto inputType = cast<RankedTensorType>(q.input.getType());
  if (!inputType.hasStaticShape() || inputType.getRank() != 2)
    return rewriter.notifyMatchFailure(q.op, "not a static [tokens, features] input");
  if (q.gamma && !cast<RankedTensorType>(q.gamma.getType()).hasStaticShape())
    return rewriter.notifyMatchFailure(q.op, "a dynamic norm weight");
  int64_t rows = inputType.getDimSize(0), columns = inputType.getDimSize(1);
  ImplicitLocOpBuilder b(q.op->getLoc(), rewriter);
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  Value x = bufferization::ToBufferOp::create(
      b, MemRefType::get(inputType.getShape(), f32), q.input, /*read_only=*/true);
  Value gamma;
  if (q.gamma)
    gamma = bufferization::ToBufferOp::create(b, MemRefType::get({columns}, f32), q.gamma,
                                              /*read_only=*/true);
  auto alloc = [&](Value result) {
    auto type = cast<RankedTensorType>(result.getType());
    return memref::AllocOp::create(b, MemRefType::get(type.getShape(), type.getElementType()),
                                   b.getI64IntegerAttr(64))
        .getResult();
  };
  Value values = alloc(q.values), scales = alloc(q.scales);
  Value sums = q.sums ? alloc(q.sums) : Value();
  Value count = arith::ConstantOp::create(b, b.getF64FloatAttr(static_cast<double>(columns)));
  const QuantizationScheme &scheme = q.scheme;

  Value c0 = indexConst(b, b.getLoc(), 0), c1 = indexConst(b, b.getLoc(), 1);
  scf::ParallelOp::create(
      b, ValueRange{c0}, ValueRange{indexConst(b, b.getLoc(), rows)}, ValueRange{c1},
      [&](OpBuilder &nested, Location loc, ValueRange ivs) {
        ImplicitLocOpBuilder wb(loc, nested);
        Value row = ivs[0];
        auto load = [&](OpBuilder &lb, Location l, Value column) {
          return memref::LoadOp::create(lb, l, x, ValueRange{row, column}).getResult();
        };
        // r = 1 / sqrt(mean(x^2) + eps), when there is a norm.
        Value r;
        if (gamma) {
          Value zero = arith::ConstantOp::create(wb, wb.getF64FloatAttr(0.0));
          Value sumSquares = laneLoop(
              wb, columns, zero,
              [&](OpBuilder &lb, Location l, Value column, Value acc) {
                return accumulateSquare(lb, l, acc, load(lb, l, column));
              },
              [](OpBuilder &lb, Location l, Value lhs, Value rhs) -> Value {
                return arith::AddFOp::create(lb, l, lhs, rhs);
              });
          r = rmsReciprocal(wb, loc, sumSquares, count, q.epsilon);
        }
        auto element = [&](OpBuilder &lb, Location l, Value column) -> Value {
          Value v = load(lb, l, column);
          if (!gamma)
            return v;
          Value normalised = arith::MulFOp::create(lb, l, v, r);
          Value g = memref::LoadOp::create(lb, l, gamma, ValueRange{column});
          return arith::MulFOp::create(lb, l, normalised, g);
        };
        Value statistic = laneLoop(
            wb, columns, scheme.statisticInit(wb, loc),
            [&](OpBuilder &lb, Location l, Value column, Value acc) {
              return scheme.accumulate(lb, l, acc, element(lb, l, column));
            },
            [&](OpBuilder &lb, Location l, Value lhs, Value rhs) {
              return scheme.combine(lb, l, lhs, rhs);
            });
        Value s = scheme.scale(wb, loc, statistic, count);
        Value zeroSum = sums ? arith::ConstantOp::create(wb, wb.getI32IntegerAttr(0)).getResult()
                             : Value();
        Value sum = laneLoop(
            wb, columns, zeroSum,
            [&](OpBuilder &lb, Location l, Value column, Value acc) -> Value {
              Value code = scheme.code(lb, l, element(lb, l, column), s);
              memref::StoreOp::create(lb, l, code, values, ValueRange{row, column});
              if (!acc)
                return Value();
              return arith::AddIOp::create(lb, l, acc, arith::ExtSIOp::create(lb, l, i32, code));
            },
            [](OpBuilder &lb, Location l, Value lhs, Value rhs) -> Value {
              return arith::AddIOp::create(lb, l, lhs, rhs);
            });
        memref::StoreOp::create(wb, s, scales, ValueRange{row});
        if (sums)
          memref::StoreOp::create(wb, sum, sums, ValueRange{row});
      });
  SmallVector<Value> results;
  for (auto [result, buffer] : llvm::zip(SmallVector<Value>{q.values, q.scales, q.sums},
                                         SmallVector<Value>{values, scales, sums}))
    if (result)
      results.push_back(bufferization::ToTensorOp::create(b, result.getType(), buffer,
                                                          /*restrict=*/true, /*writable=*/true));
  rewriter.replaceOp(q.op, results);
  return success();
}

struct QuantizeRows : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op, PatternRewriter &rewriter) const override {
    RowQuantization q{op, op.getInput(), Value(), 0.0f,
                      QuantizationScheme(op.getBits(), op.getReciprocalScale()),
                      op.getValues(), op.getScales(), Value()};
    return rewriteRows(q, rewriter);
  }
};

struct RmsNormQuantizeRows : OpRewritePattern<RmsNormQuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RmsNormQuantizeOp op, PatternRewriter &rewriter) const override {
    RowQuantization q{op, op.getInput(), op.getGamma(), op.getEpsilon().convertToFloat(),
                      QuantizationScheme(op.getBits(), op.getReciprocalScale()),
                      op.getValues(), op.getScales(), op.getSums()};
    return rewriteRows(q, rewriter);
  }
};

struct QuantizeRowsToWarpLoopsPass
    : bitnet::impl::QuantizeRowsToWarpLoopsPassBase<QuantizeRowsToWarpLoopsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<QuantizeRows, RmsNormQuantizeRows>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
