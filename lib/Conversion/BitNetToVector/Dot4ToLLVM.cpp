//===- Dot4ToLLVM.cpp - bitnet.dot4 to vpdpbusd or portable vectors ---===//

#include "bitnet/Conversion/Passes.h"
#include "bitnet/Dialect/BitNet/IR/BitNet.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_CONVERTDOT4TOLLVMPASS
#include "bitnet/Conversion/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// vpdpbusd on 128/256/512-bit vectors (LLVM's intrinsic takes the bytes as
/// <N x i8>).
struct Dot4ToVnni : OpRewritePattern<Dot4Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Dot4Op op, PatternRewriter &rewriter) const override {
    int64_t lanes = op.getAcc().getType().getNumElements();
    if (lanes != 4 && lanes != 8 && lanes != 16)
      return rewriter.notifyMatchFailure(op, "no vpdpbusd of this width");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto laneType = op.getAcc().getType();
    std::string name =
        "llvm.x86.avx512.vpdpbusd." + std::to_string(lanes * 32);
    Value result =
        LLVM::CallIntrinsicOp::create(
            b, laneType, b.getStringAttr(name),
            ValueRange{op.getAcc(), op.getA(), op.getB()})
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Any target: widen, multiply, sum groups of four, accumulate.
struct Dot4ToVectors : OpRewritePattern<Dot4Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Dot4Op op, PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    int64_t lanes = op.getAcc().getType().getNumElements();
    auto wide = VectorType::get({4 * lanes}, b.getI32Type());
    Value a = arith::ExtUIOp::create(b, wide, op.getA());
    Value bb = arith::ExtSIOp::create(b, wide, op.getB());
    Value products = arith::MulIOp::create(b, a, bb);
    Value grouped = vector::ShapeCastOp::create(
        b, VectorType::get({lanes, 4}, b.getI32Type()), products);
    Value sums = vector::MultiDimReductionOp::create(
        b, grouped, op.getAcc(), ArrayRef<bool>{false, true},
        vector::CombiningKind::ADD);
    rewriter.replaceOp(op, sums);
    return success();
  }
};

struct ConvertDot4ToLLVMPass
    : mlir::bitnet::impl::ConvertDot4ToLLVMPassBase<ConvertDot4ToLLVMPass> {
  using ConvertDot4ToLLVMPassBase::ConvertDot4ToLLVMPassBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    if (vnni)
      patterns.add<Dot4ToVnni>(&getContext(), /*benefit=*/2);
    patterns.add<Dot4ToVectors>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
