//===- OperandViews.cpp - contraction operands read through views ------===//

#include "OperandViews.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// A `linalg.generic` that only widens its one input (`arith.extf`).
bool isWidening(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return false;
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 2)
    return false;
  auto extend = dyn_cast<arith::ExtFOp>(body.front());
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  return extend && yield && extend.getIn() == body.getArgument(0) &&
         yield.getValues().size() == 1 && yield.getValues()[0] == extend;
}

/// The one non-unit dimension among `dims` of `type` (nullopt when all are
/// unit, -2 when there are several).
std::optional<int64_t> nonUnitDim(RankedTensorType type, ArrayRef<int64_t> dims) {
  std::optional<int64_t> kept;
  for (int64_t d : dims)
    if (type.getDimSize(d) != 1) {
      if (kept)
        return -2;
      kept = d;
    }
  return kept;
}

/// Erases `value`'s producers that nothing reads any more, back to the
/// view's source.
void eraseDeadView(RewriterBase &rewriter, Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (!def->use_empty() ||
        !isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, linalg::TransposeOp,
             linalg::GenericOp>(def))
      return;
    value = def->getOperand(0);
    rewriter.eraseOp(def);
  }
}

} // namespace

SmallVector<linalg::LinalgOp> mlir::bitnet::collectContractions(Operation *root) {
  SmallVector<linalg::LinalgOp> contractions;
  root->walk([&](linalg::LinalgOp op) {
    if (linalg::isaContractionOpInterface(op) && op.hasPureTensorSemantics() &&
        op.getNumDpsInputs() == 2 && op.getNumDpsInits() == 1)
      contractions.push_back(op);
  });
  return contractions;
}

std::optional<OperandView> mlir::bitnet::matchOperandView(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  Operation *def = value.getDefiningOp();
  auto itself = [&] {
    OperandView view{value, {}};
    for (int64_t d = 0; d < type.getRank(); ++d)
      view.sourceDim.push_back(d);
    return view;
  };
  if (auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(def)) {
    auto inner = matchOperandView(expand.getSrc());
    if (!inner)
      return itself();
    SmallVector<int64_t> dims(type.getRank(), -1);
    for (auto [srcDim, group] : llvm::enumerate(expand.getReassociationIndices())) {
      std::optional<int64_t> kept = nonUnitDim(type, group);
      if (kept == -2)
        return itself(); // a real split of a dimension
      if (kept)
        dims[*kept] = inner->sourceDim[srcDim];
    }
    inner->sourceDim = dims;
    return inner;
  }
  if (auto collapse = dyn_cast_or_null<tensor::CollapseShapeOp>(def)) {
    auto inner = matchOperandView(collapse.getSrc());
    if (!inner)
      return itself();
    SmallVector<int64_t> dims;
    for (ReassociationIndices group : collapse.getReassociationIndices()) {
      std::optional<int64_t> kept = nonUnitDim(collapse.getSrcType(), group);
      if (kept == -2)
        return itself(); // a real merge of dimensions
      dims.push_back(kept ? inner->sourceDim[*kept] : -1);
    }
    inner->sourceDim = dims;
    return inner;
  }
  if (auto transpose = dyn_cast_or_null<linalg::TransposeOp>(def)) {
    auto inner = matchOperandView(transpose.getInput());
    if (!inner)
      return itself();
    SmallVector<int64_t> dims;
    for (int64_t d : transpose.getPermutation())
      dims.push_back(inner->sourceDim[d]);
    inner->sourceDim = dims;
    inner->transposed = true;
    return inner;
  }
  if (auto generic = dyn_cast_or_null<linalg::GenericOp>(def);
      generic && isWidening(generic)) {
    auto inner = matchOperandView(generic.getDpsInputs()[0]);
    if (!inner || inner->widened)
      return itself();
    inner->widened = true;
    return inner;
  }
  return itself();
}

AffineMap mlir::bitnet::sourceMap(linalg::LinalgOp op, OpOperand &operand,
                                  const OperandView &view, bool swap) {
  auto sourceType = cast<RankedTensorType>(view.source.getType());
  MLIRContext *context = op->getContext();
  AffineMap map = op.getMatchingIndexingMap(&operand);
  SmallVector<AffineExpr> results(sourceType.getRank());
  for (auto [d, src] : llvm::enumerate(view.sourceDim))
    if (src >= 0)
      results[src] = map.getResult(d);
  for (auto [s, expr] : llvm::enumerate(results)) {
    if (expr)
      continue;
    if (sourceType.getDimSize(s) != 1)
      return AffineMap();
    expr = getAffineConstantExpr(0, context);
  }
  if (swap) {
    if (results.size() != 2)
      return AffineMap();
    std::swap(results[0], results[1]);
  }
  return AffineMap::get(map.getNumDims(), 0, results, context);
}

linalg::GenericOp mlir::bitnet::readThroughView(RewriterBase &rewriter,
                                                linalg::LinalgOp op,
                                                OpOperand &operand,
                                                const OperandView &view,
                                                AffineMap map) {
  unsigned number = operand.getOperandNumber();
  Value replaced = operand.get();
  rewriter.setInsertionPoint(op);
  // Unit dimensions the operand does not index (zeros in `map`): dropped
  // by a collapse_shape of the source (a free reshape), as contractions
  // index with dimensions only.
  Value source = view.source;
  auto sourceType = cast<RankedTensorType>(source.getType());
  SmallVector<AffineExpr> kept;
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending; // dropped dimensions before the next kept one
  for (auto [d, expr] : llvm::enumerate(map.getResults())) {
    pending.push_back(d);
    if (isa<AffineConstantExpr>(expr))
      continue;
    kept.push_back(expr);
    groups.push_back(pending);
    pending.clear();
  }
  if (kept.empty())
    return nullptr;
  if (kept.size() < map.getNumResults()) {
    groups.back().append(pending.begin(), pending.end());
    SmallVector<int64_t> shape;
    for (const ReassociationIndices &group : groups) {
      int64_t size = 1;
      for (int64_t d : group)
        size *= sourceType.getDimSize(d);
      shape.push_back(size);
    }
    source = tensor::CollapseShapeOp::create(
        rewriter, op.getLoc(), sourceType.clone(shape), source, groups);
    map = AffineMap::get(map.getNumDims(), 0, kept, op->getContext());
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  maps[number] = map;
  SmallVector<Value> inputs = op.getDpsInputs();
  inputs[number] = source;

  FailureOr<linalg::GenericOp> generic =
      isa<linalg::GenericOp>(op.getOperation())
          ? FailureOr<linalg::GenericOp>(cast<linalg::GenericOp>(op.getOperation()))
          : linalg::generalizeNamedOp(rewriter, op);
  if (failed(generic))
    return nullptr;
  // The body, with a narrow source's element widened where it is read.
  Block &oldBody = generic->getRegion().front();
  auto rewritten = linalg::GenericOp::create(
      rewriter, op.getLoc(), generic->getResultTypes(), inputs,
      generic->getDpsInits(), maps, generic->getIteratorTypesArray(),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        IRMapping mapping;
        for (auto [oldArg, arg] : llvm::zip(oldBody.getArguments(), args))
          mapping.map(oldArg, arg);
        BlockArgument oldArg = oldBody.getArgument(number);
        if (view.widened)
          mapping.map(oldArg, arith::ExtFOp::create(b, loc, oldArg.getType(),
                                                    args[number]));
        for (Operation &bodyOp : oldBody)
          b.clone(bodyOp, mapping);
      });
  rewriter.replaceOp(*generic, rewritten->getResults());
  eraseDeadView(rewriter, replaced);
  return rewritten;
}
