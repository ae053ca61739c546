//===- Dot4ToNVVM.cpp - bitnet.dot4 to dp4a --------------------------===//
//
// One nvvm.dot.accumulate.4way (PTX dp4a.u32.s32) per accumulator lane:
// bitnet.dot4's operand kinds (unsigned a, signed b) are exactly dp4a's.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/GPU/Passes.h"

#include "bitnet/Dialect/BitNet/IR/BitNet.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_CONVERTDOT4TONVVMPASS
#include "bitnet/Codegen/GPU/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

struct Dot4ToDp4a : OpRewritePattern<Dot4Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Dot4Op op, PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    int64_t lanes = op.getAcc().getType().getNumElements();
    auto bytes = [&](Value v, int64_t lane) -> Value {
      if (lanes == 1)
        return v;
      return vector::ShuffleOp::create(
          b, v, v, ArrayRef<int64_t>{4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3});
    };
    SmallVector<Value> sums;
    for (int64_t lane = 0; lane < lanes; ++lane) {
      Value acc = vector::ExtractOp::create(b, op.getAcc(), ArrayRef<int64_t>{lane});
      sums.push_back(NVVM::DotAccumulate4WayOp::create(
          b, b.getI32Type(), bytes(op.getA(), lane), NVVM::DotAccumulateType::UNSIGNED,
          bytes(op.getB(), lane), NVVM::DotAccumulateType::SIGNED, acc));
    }
    rewriter.replaceOp(op, vector::FromElementsOp::create(b, op.getAcc().getType(), sums));
    return success();
  }
};

struct ConvertDot4ToNVVMPass
    : bitnet::impl::ConvertDot4ToNVVMPassBase<ConvertDot4ToNVVMPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<Dot4ToDp4a>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
