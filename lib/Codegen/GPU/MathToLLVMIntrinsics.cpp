//===- MathToLLVMIntrinsics.cpp - GPU math without libdevice ----------===//
//
// convert-gpu-to-nvvm marks LLVM's own math ops (llvm.intr.sqrt, ...)
// illegal and maps math ops to libdevice calls. Calling the intrinsics by
// name (llvm.call_intrinsic) keeps them: the NVPTX back end has exact
// instructions for each (sqrt.rn, cvt.rni, abs, max, min), and no toolkit
// bitcode is linked.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_MATHTOLLVMINTRINSICSPASS
#include "bitnet/Codegen/GPU/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// `Op` on f32 or f64 -> llvm.call_intrinsic "llvm.<name>.f32|f64".
template <typename Op> struct ToIntrinsic : OpRewritePattern<Op> {
  ToIntrinsic(MLIRContext *context, StringRef name)
      : OpRewritePattern<Op>(context), name(name) {}
  LogicalResult matchAndRewrite(Op op, PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!type.isF32() && !type.isF64())
      return rewriter.notifyMatchFailure(op, "not a scalar f32 or f64");
    std::string intrinsic = "llvm." + name + (type.isF32() ? ".f32" : ".f64");
    rewriter.replaceOp(op, LLVM::CallIntrinsicOp::create(rewriter, op.getLoc(), type,
                                                         rewriter.getStringAttr(intrinsic),
                                                         op->getOperands())
                               .getResult(0));
    return success();
  }
  std::string name;
};

struct MathToLLVMIntrinsicsPass
    : bitnet::impl::MathToLLVMIntrinsicsPassBase<MathToLLVMIntrinsicsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ToIntrinsic<math::SqrtOp>>(&getContext(), "sqrt");
    patterns.add<ToIntrinsic<math::RoundEvenOp>>(&getContext(), "roundeven");
    patterns.add<ToIntrinsic<math::AbsFOp>>(&getContext(), "fabs");
    patterns.add<ToIntrinsic<arith::MaxNumFOp>>(&getContext(), "maxnum");
    patterns.add<ToIntrinsic<arith::MinNumFOp>>(&getContext(), "minnum");
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
