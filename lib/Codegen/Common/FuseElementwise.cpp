//===- FuseElementwise.cpp - one loop nest per elementwise chain --------===//
//
// The imported graph computes a decoder's elementwise math one ONNX node at
// a time (RoPE's multiplies and adds, the attention mask's select, ReLU^2,
// residual adds, ...), each a loop nest writing a temporary. Chains of them
// become one nest here (MLIR's linalg elementwise fusion), restricted to
// what pays on a CPU: a producer read only by the consumer (nothing is
// recomputed), both all-parallel `linalg.generic`s (reductions and
// contractions keep their own kernels).
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/Common/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_FUSEELEMENTWISEPASS
#include "bitnet/Codegen/Common/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// Operands (inputs and inits) of a fused op at most: enough for RoPE,
/// masks and residual chains, bounded for long chains of elementwise ops.
constexpr unsigned kMaxFusedOperands = 16;

bool isElementwise(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  return generic && generic.hasPureTensorSemantics() &&
         generic.getNumParallelLoops() == generic.getNumLoops();
}

struct FuseElementwisePass
    : mlir::bitnet::impl::FuseElementwisePassBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Each fusion clones both ops into a new one, so an unbounded chain of
    // N ops costs O(N^2) here, and its one loop body keeps N loaded inputs
    // live at once (LLVM's loop vectorizer is quadratic in that). Fused ops
    // stop growing at kMaxFusedOperands operands.
    linalg::ControlFusionFn onlyChains = [](OpOperand *operand) {
      Operation *producer = operand->get().getDefiningOp();
      Operation *consumer = operand->getOwner();
      return isElementwise(producer) && isElementwise(consumer) &&
             producer->hasOneUse() &&
             producer->getNumOperands() + consumer->getNumOperands() <=
                 kMaxFusedOperands;
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, onlyChains);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
