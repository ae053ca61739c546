//===- InterchangeMatmulLoops.cpp - vectorizable float matmul loops ----===//
//
// Until float contractions get tiled vector kernels of their own, this makes
// their plain loops vectorizable by LLVM: reduction loops move outside the
// loop over the output's innermost (contiguous) dimension.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/Common/Passes.h"

#include "LoopOrder.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_INTERCHANGEMATMULLOOPSPASS
#include "bitnet/Codegen/Common/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// The loop order with reductions just before the output's innermost
/// dimension, or empty when the op does not have that shape (or has it
/// already).
SmallVector<unsigned> reductionsInside(linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned loops = iterators.size();
  AffineMap output = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (output.getNumResults() == 0)
    return {};
  auto innermost = dyn_cast<AffineDimExpr>(output.getResults().back());
  if (!innermost || iterators[innermost.getPosition()] != utils::IteratorType::parallel)
    return {};
  unsigned contiguous = innermost.getPosition();
  // Already innermost: nothing to do.
  if (contiguous == loops - 1)
    return {};
  // Only pays when an input is contiguous along it too (B[k, n] of a
  // matmul; not A[m, k] of a matrix-vector product, which it would stride).
  bool inputAlong = llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *input) {
    AffineMap map = op.getMatchingIndexingMap(input);
    return map.getNumResults() > 0 &&
           map.getResults().back() == output.getResults().back();
  });
  if (!inputAlong)
    return {};
  return reductionsOutside(iterators, {contiguous});
}

struct InterchangeMatmulLoopsPass
    : mlir::bitnet::impl::InterchangeMatmulLoopsPassBase<InterchangeMatmulLoopsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> contractions;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (linalg::isaContractionOpInterface(op) && op.getNumDpsInits() == 1 &&
          !reductionsInside(op).empty())
        contractions.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : contractions) {
      SmallVector<unsigned> order = reductionsInside(op);
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::GenericOp> generic =
          isa<linalg::GenericOp>(op.getOperation())
              ? FailureOr<linalg::GenericOp>(cast<linalg::GenericOp>(op.getOperation()))
              : linalg::generalizeNamedOp(rewriter, op);
      if (failed(generic) ||
          failed(linalg::interchangeGenericOp(rewriter, *generic, order)))
        continue; // left as it was: correct, just slower
    }
  }
};

} // namespace
