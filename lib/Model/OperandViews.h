//===- OperandViews.h - contraction operands read through views -*- C++ -*-===//
//
// Shared by bitnet-fold-contraction-views and
// bitnet-share-transposed-weights: a contraction operand is often a view of
// another tensor (a transpose, a widening of a narrow table, reshapes that
// add or drop unit dimensions). Reading the underlying tensor through the
// composed indexing map instead avoids materialising the view.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_LIB_MODEL_OPERANDVIEWS_H
#define BITNET_LIB_MODEL_OPERANDVIEWS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir::bitnet {

/// How a value reads an underlying tensor (the "source").
struct OperandView {
  Value source;
  /// For each dimension of the value, the source's dimension it is (-1 for
  /// a unit dimension that is not one of the source's).
  SmallVector<int64_t> sourceDim;
  bool transposed = false; // a linalg.transpose on the way
  bool widened = false;    // an arith.extf on the way (a narrow source)

  /// A copy would be made to compute the view (reshapes are free).
  bool copies() const { return transposed || widened; }
};

/// The linalg contractions under `root` with two inputs, one init and
/// tensor semantics: the products whose operands the view passes rewrite.
SmallVector<linalg::LinalgOp> collectContractions(Operation *root);

/// `value` as a view of the tensor underneath its transposes, one
/// widening and unit-dimension reshapes (itself when there is none).
std::optional<OperandView> matchOperandView(Value value);

/// The indexing map with which input `operand` of `op` reads `view.source`
/// (`swap`ping the source's two dimensions if asked: a 2-D source that
/// holds the transpose of the view), or null when there is none: a
/// non-unit source dimension the operand does not index.
AffineMap sourceMap(linalg::LinalgOp op, OpOperand &operand,
                    const OperandView &view, bool swap = false);

/// Replaces contraction `op` by a `linalg.generic` whose input `operand`
/// reads `view.source` through `map` (from sourceMap; the source's unit
/// dimensions that `map` reads at 0 dropped by a `tensor.collapse_shape`),
/// widening its elements in the body when the view did; erases the view's
/// ops that nothing else reads. The new op, or null (nothing changed).
linalg::GenericOp readThroughView(RewriterBase &rewriter, linalg::LinalgOp op,
                                  OpOperand &operand, const OperandView &view,
                                  AffineMap map);

} // namespace mlir::bitnet

#endif // BITNET_LIB_MODEL_OPERANDVIEWS_H
