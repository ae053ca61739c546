//===- ShareTransposedWeights.cpp - one copy of a tied embedding -------===//
//
// A model with tied embeddings uses one [vocab x hidden] matrix twice: as
// the embedding table (a gather) and, transposed, as the lm_head. Exporters
// fold the transpose (torch.onnx writes a second, transposed initializer),
// so the compiled model would carry the largest weight twice. This pass
// finds float contractions whose operand is a constant equal to the
// transpose of another constant of the function and makes them read that
// constant through a transposed indexing map: each logit becomes a dot
// product of the activations with an embedding row.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

#include <cstring>

namespace mlir::bitnet {
#define GEN_PASS_DEF_SHARETRANSPOSEDWEIGHTSPASS
#include "bitnet/Dialect/BitNet/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// The bytes of a non-splat 2-D constant (inline or `dense_resource`), or
/// an empty range.
ArrayRef<char> rawData(arith::ConstantOp cst) {
  auto type = dyn_cast<RankedTensorType>(cst.getType());
  if (!type || type.getRank() != 2 || !type.hasStaticShape())
    return {};
  int64_t bytes = type.getNumElements() *
                  (type.getElementTypeBitWidth() / 8);
  if (type.getElementTypeBitWidth() % 8 != 0)
    return {};
  ArrayRef<char> data;
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
    if (dense.isSplat())
      return {};
    data = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(cst.getValue())) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return {};
    data = blob->getData();
  }
  return static_cast<int64_t>(data.size()) == bytes ? data : ArrayRef<char>();
}

/// Whether `b` (R x C) is the transpose of `a` (C x R), element by element
/// (bitwise), with elements of `size` bytes. Compares in blocks so both
/// sides stay in cache.
bool isTransposeOf(ArrayRef<char> a, ArrayRef<char> b, int64_t rows,
                   int64_t cols, int64_t size) {
  constexpr int64_t block = 64;
  for (int64_t r0 = 0; r0 < rows; r0 += block)
    for (int64_t c0 = 0; c0 < cols; c0 += block)
      for (int64_t r = r0; r < std::min(rows, r0 + block); ++r)
        for (int64_t c = c0; c < std::min(cols, c0 + block); ++c)
          if (std::memcmp(b.data() + (r * cols + c) * size,
                          a.data() + (c * rows + r) * size, size) != 0)
            return false;
  return true;
}

/// How a contraction operand reads a stored 2-D constant (the "table"):
/// through added unit dimensions (`tensor.expand_shape`), a
/// `linalg.transpose` and a widening (`arith.extf`, a narrow table).
struct TableView {
  arith::ConstantOp table;
  /// For each dimension of the operand, the table's dimension it is (-1
  /// for added unit dimensions).
  SmallVector<int64_t> source;
  Type storedType; // the table's element type (narrower when widened)
  bool transposed = false;
  bool widened = false;
};

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

/// `value` as a view of a 2-D constant, or nullopt.
std::optional<TableView> matchTableView(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  Operation *def = value.getDefiningOp();
  if (auto cst = dyn_cast_or_null<arith::ConstantOp>(def)) {
    if (type.getRank() != 2 || rawData(cst).empty())
      return std::nullopt;
    return TableView{cst, {0, 1}, type.getElementType()};
  }
  if (auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(def)) {
    auto inner = matchTableView(expand.getSrc());
    if (!inner)
      return std::nullopt;
    SmallVector<int64_t> source(type.getRank(), -1);
    for (auto [srcDim, group] : llvm::enumerate(expand.getReassociationIndices())) {
      // Each group: unit dimensions and the source dimension itself.
      int64_t kept = -1;
      for (int64_t d : group)
        if (type.getDimSize(d) != 1) {
          if (kept != -1)
            return std::nullopt;
          kept = d;
        }
      if (kept == -1)
        return std::nullopt; // a unit source dimension: not worth it
      source[kept] = inner->source[srcDim];
    }
    inner->source = source;
    return inner;
  }
  if (auto transpose = dyn_cast_or_null<linalg::TransposeOp>(def)) {
    auto inner = matchTableView(transpose.getInput());
    if (!inner)
      return std::nullopt;
    SmallVector<int64_t> source;
    for (int64_t d : transpose.getPermutation())
      source.push_back(inner->source[d]);
    inner->source = source;
    inner->transposed = true;
    return inner;
  }
  if (auto generic = dyn_cast_or_null<linalg::GenericOp>(def)) {
    if (!isWidening(generic))
      return std::nullopt;
    auto inner = matchTableView(generic.getDpsInputs()[0]);
    if (!inner || inner->widened)
      return std::nullopt;
    inner->widened = true;
    return inner;
  }
  return std::nullopt;
}

/// A constant of `op`'s function, other than `view.table`, that is its
/// transpose (bitwise), or null.
arith::ConstantOp findTransposedTwin(const TableView &view, Operation *op,
                                     ArrayRef<arith::ConstantOp> constants) {
  arith::ConstantOp cst = view.table;
  auto type = cast<RankedTensorType>(cst.getType());
  ArrayRef<char> data = rawData(cst);
  // Only a table in the same function can be read (several functions,
  // such as a generative model's prefill and decode, each have one).
  Operation *scope = op->getParentWithTrait<OpTrait::IsIsolatedFromAbove>();
  for (arith::ConstantOp other : constants) {
    auto otherType = cast<RankedTensorType>(other.getType());
    if (other == cst ||
        other->getParentWithTrait<OpTrait::IsIsolatedFromAbove>() != scope ||
        otherType.getElementType() != type.getElementType() ||
        otherType.getDimSize(0) != type.getDimSize(1) ||
        otherType.getDimSize(1) != type.getDimSize(0))
      continue;
    if (isTransposeOf(data, rawData(other), otherType.getDimSize(0),
                      otherType.getDimSize(1),
                      type.getElementTypeBitWidth() / 8))
      return other;
  }
  return nullptr;
}

/// Erases `value`'s producers back to the table (views that nothing else
/// reads): a transposed or widened copy would otherwise still be computed.
void eraseDeadView(IRRewriter &rewriter, Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (!def->use_empty() ||
        !isa<tensor::ExpandShapeOp, linalg::TransposeOp, linalg::GenericOp>(def))
      return;
    value = def->getOperand(0);
    rewriter.eraseOp(def);
  }
}

struct ShareTransposedWeightsPass
    : mlir::bitnet::impl::ShareTransposedWeightsPassBase<ShareTransposedWeightsPass> {
  void runOnOperation() override {
    // Candidate twins.
    SmallVector<arith::ConstantOp> constants;
    getOperation()->walk([&](arith::ConstantOp cst) {
      if (!rawData(cst).empty())
        constants.push_back(cst);
    });
    SmallVector<linalg::LinalgOp> contractions;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (linalg::isaContractionOpInterface(op) && op.hasPureTensorSemantics() &&
          op.getNumDpsInputs() == 2 && op.getNumDpsInits() == 1)
        contractions.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : contractions) {
      for (OpOperand *input : op.getDpsInputOperands()) {
        Value replaced = input->get();
        auto view = matchTableView(replaced);
        if (!view)
          continue;
        // The operand's map, reduced to the table's two dimensions.
        AffineMap map = op.getMatchingIndexingMap(input);
        AffineExpr dims[2];
        for (auto [d, src] : llvm::enumerate(view->source))
          if (src >= 0)
            dims[src] = map.getResult(d);
        arith::ConstantOp table = view->table;
        AffineMap tableMap;
        if (view->transposed || view->widened) {
          // The view is explicit: read the table through it.
          tableMap = AffineMap::get(map.getNumDims(), 0, {dims[0], dims[1]},
                                    &getContext());
        } else {
          // A folded transpose: read the twin, dimensions swapped.
          table = findTransposedTwin(*view, op, constants);
          if (!table)
            continue;
          tableMap = AffineMap::get(map.getNumDims(), 0, {dims[1], dims[0]},
                                    &getContext());
        }
        unsigned operand = input->getOperandNumber();
        SmallVector<AffineMap> maps = op.getIndexingMapsArray();
        SmallVector<Value> inputs = op.getDpsInputs();
        maps[operand] = tableMap;
        inputs[operand] = table.getResult();
        rewriter.setInsertionPoint(op);
        FailureOr<linalg::GenericOp> generic =
            isa<linalg::GenericOp>(op.getOperation())
                ? FailureOr<linalg::GenericOp>(cast<linalg::GenericOp>(op.getOperation()))
                : linalg::generalizeNamedOp(rewriter, op);
        if (failed(generic))
          break;
        // The body, with a narrow table's element widened where it is read.
        Block &oldBody = generic->getRegion().front();
        auto shared = linalg::GenericOp::create(
            rewriter, op.getLoc(), generic->getResultTypes(), inputs,
            generic->getDpsInits(), maps, generic->getIteratorTypesArray(),
            [&](OpBuilder &b, Location loc, ValueRange args) {
              IRMapping mapping;
              for (auto [oldArg, arg] : llvm::zip(oldBody.getArguments(), args))
                mapping.map(oldArg, arg);
              if (view->widened)
                mapping.map(oldBody.getArgument(operand),
                            arith::ExtFOp::create(b, loc,
                                                  oldBody.getArgument(operand).getType(),
                                                  args[operand]));
              for (Operation &bodyOp : oldBody)
                b.clone(bodyOp, mapping);
            });
        rewriter.replaceOp(*generic, shared->getResults());
        eraseDeadView(rewriter, replaced);
        if (view->table->use_empty()) { // a transposed twin was read
          llvm::erase(constants, view->table);
          rewriter.eraseOp(view->table);
        }
        break; // one operand per contraction
      }
    }
  }
};

} // namespace
