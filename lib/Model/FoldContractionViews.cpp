//===- FoldContractionViews.cpp - contractions read through views -------===//
//
// A float contraction whose operand is a transposed or widened copy of
// another tensor (the key cache transposed for Q.K^T at every decode step,
// a float16 lm_head table widened to f32 and transposed) reads that tensor
// directly through the composed indexing map instead; the copy is not made.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Model/Passes.h"

#include "OperandViews.h"


namespace mlir::bitnet {
#define GEN_PASS_DEF_FOLDCONTRACTIONVIEWSPASS
#include "bitnet/Model/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// Whether `map` still reads its innermost, contiguous dimension along the
/// loop `before` read it along or along a reduction loop (the dot form of
/// the kernels): a view folded otherwise would turn vector loads into
/// strided ones.
bool keepsContiguousReads(linalg::LinalgOp op, AffineMap before, AffineMap map) {
  if (map.getNumResults() == 0 || before.getNumResults() == 0)
    return true;
  AffineExpr inner = map.getResults().back();
  if (inner == before.getResults().back())
    return true;
  auto dim = dyn_cast<AffineDimExpr>(inner);
  return dim && op.getIteratorTypesArray()[dim.getPosition()] ==
                    utils::IteratorType::reduction;
}

struct FoldContractionViewsPass
    : mlir::bitnet::impl::FoldContractionViewsPassBase<FoldContractionViewsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> contractions = collectContractions(getOperation());
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : contractions) {
      for (unsigned i = 0; i < 2; ++i) {
        OpOperand &operand = *op.getDpsInputOperand(i);
        std::optional<OperandView> view = matchOperandView(operand.get());
        if (!view || !view->copies())
          continue;
        AffineMap map = sourceMap(op, operand, *view);
        if (!map ||
            !keepsContiguousReads(op, op.getMatchingIndexingMap(&operand), map))
          continue;
        if (linalg::GenericOp rewritten =
                readThroughView(rewriter, op, operand, *view, map))
          op = rewritten;
      }
    }
  }
};

} // namespace
