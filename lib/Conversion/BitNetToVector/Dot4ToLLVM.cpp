//===- Dot4ToLLVM.cpp - bitnet.dot4 to the target's dot-product instruction ===//
//
// One pattern per instruction family, chosen from CpuTargetInfo; each
// declines widths its instruction does not have, and the portable pattern
// (lower benefit) takes whatever is left.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Conversion/Passes.h"
#include "bitnet/Dialect/BitNet/IR/BitNet.h"
#include "bitnet/Target/CpuTargetInfo.h"

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

Value callIntrinsic(ImplicitLocOpBuilder &b, Type result, StringRef name,
                    ValueRange operands) {
  return LLVM::CallIntrinsicOp::create(b, result, b.getStringAttr(name), operands)
      .getResult(0);
}

/// vpdpbusd on 128/256/512-bit vectors (LLVM's intrinsic takes the bytes as
/// <N x i8>).
struct Dot4ToVnni : OpRewritePattern<Dot4Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Dot4Op op, PatternRewriter &rewriter) const override {
    int64_t lanes = op.getAcc().getType().getNumElements();
    if (lanes != 4 && lanes != 8 && lanes != 16)
      return rewriter.notifyMatchFailure(op, "no vpdpbusd of this width");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    rewriter.replaceOp(
        op, callIntrinsic(b, op.getAcc().getType(),
                          "llvm.x86.avx512.vpdpbusd." + std::to_string(lanes * 32),
                          {op.getAcc(), op.getA(), op.getB()}));
    return success();
  }
};

/// vpmaddubsw (u8 x s8 pairs -> i16), vpmaddwd by ones (i16 pairs -> i32),
/// add. Exact for a < 128: a pair sums to at most 2 * 127 * 128 < 2^15.
struct Dot4ToMaddubs : OpRewritePattern<Dot4Op> {
  Dot4ToMaddubs(MLIRContext *ctx, int64_t maxBits)
      : OpRewritePattern(ctx, /*benefit=*/2), maxBits(maxBits) {}
  LogicalResult matchAndRewrite(Dot4Op op, PatternRewriter &rewriter) const override {
    if (!op.getAFitsI8())
      return rewriter.notifyMatchFailure(op, "codes may saturate vpmaddubsw");
    int64_t lanes = op.getAcc().getType().getNumElements();
    int64_t bits = lanes * 32;
    const char *maddubs, *maddwd;
    if (bits == 128) {
      maddubs = "llvm.x86.ssse3.pmadd.ub.sw.128";
      maddwd = "llvm.x86.sse2.pmadd.wd";
    } else if (bits == 256) {
      maddubs = "llvm.x86.avx2.pmadd.ub.sw";
      maddwd = "llvm.x86.avx2.pmadd.wd";
    } else if (bits == 512) {
      maddubs = "llvm.x86.avx512.pmaddubs.w.512";
      maddwd = "llvm.x86.avx512.pmaddw.d.512";
    } else {
      return rewriter.notifyMatchFailure(op, "no vpmaddubsw of this width");
    }
    if (bits > maxBits)
      return rewriter.notifyMatchFailure(op, "wider than the target's vectors");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto halves = VectorType::get({2 * lanes}, b.getI16Type());
    Value pairs = callIntrinsic(b, halves, maddubs, {op.getA(), op.getB()});
    Value ones = arith::ConstantOp::create(
        b, DenseElementsAttr::get(halves, b.getI16IntegerAttr(1)));
    Value quads = callIntrinsic(b, op.getAcc().getType(), maddwd, {pairs, ones});
    rewriter.replaceOp(op, arith::AddIOp::create(b, op.getAcc(), quads));
    return success();
  }
  int64_t maxBits;
};

/// AArch64 sdot (s8 x s8, four products per i32 lane).
struct Dot4ToSdot : OpRewritePattern<Dot4Op> {
  Dot4ToSdot(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(Dot4Op op, PatternRewriter &rewriter) const override {
    if (!op.getAFitsI8())
      return rewriter.notifyMatchFailure(op, "sdot reads a as signed");
    int64_t lanes = op.getAcc().getType().getNumElements();
    if (lanes != 2 && lanes != 4)
      return rewriter.notifyMatchFailure(op, "no sdot of this width");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    std::string name = "llvm.aarch64.neon.sdot.v" + std::to_string(lanes) +
                       "i32.v" + std::to_string(4 * lanes) + "i8";
    rewriter.replaceOp(op, callIntrinsic(b, op.getAcc().getType(), name,
                                         {op.getAcc(), op.getA(), op.getB()}));
    return success();
  }
};

/// Any target: widen, multiply, and add the four products of each lane,
/// picked out with shuffles (lane i takes products 4i .. 4i+3), to the
/// accumulator. Plain vector ops LLVM selects well for any ISA.
struct Dot4ToVectors : OpRewritePattern<Dot4Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Dot4Op op, PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    int64_t lanes = op.getAcc().getType().getNumElements();
    auto wide = VectorType::get({4 * lanes}, b.getI32Type());
    Value a = arith::ExtUIOp::create(b, wide, op.getA());
    Value bb = arith::ExtSIOp::create(b, wide, op.getB());
    Value products = arith::MulIOp::create(b, a, bb);
    Value sum = op.getAcc();
    for (int64_t j = 0; j < 4; ++j) {
      SmallVector<int64_t> picks;
      for (int64_t i = 0; i < lanes; ++i)
        picks.push_back(4 * i + j);
      Value part = vector::ShuffleOp::create(b, products, products, picks);
      sum = arith::AddIOp::create(b, sum, part);
    }
    rewriter.replaceOp(op, sum);
    return success();
  }
};

struct ConvertDot4ToLLVMPass
    : mlir::bitnet::impl::ConvertDot4ToLLVMPassBase<ConvertDot4ToLLVMPass> {
  using ConvertDot4ToLLVMPassBase::ConvertDot4ToLLVMPassBase;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    if (!target.empty()) {
      CpuTargetInfo info;
      std::string error;
      if (!getCpuTargetInfo(target, mcpu, info, error)) {
        getOperation()->emitError() << "convert-bitnet-dot4-to-llvm: " << error;
        return signalPassFailure();
      }
      switch (info.dotProduct()) {
      case DotProductKind::Vnni512:
        patterns.add<Dot4ToVnni>(ctx, /*benefit=*/2);
        break;
      case DotProductKind::Avx2Maddubs:
        patterns.add<Dot4ToMaddubs>(ctx, info.hasAvx512bw ? 512 : 256);
        break;
      case DotProductKind::NeonSdot:
        patterns.add<Dot4ToSdot>(ctx);
        break;
      case DotProductKind::NeonMull:
      case DotProductKind::Generic:
        break;
      }
    }
    patterns.add<Dot4ToVectors>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
