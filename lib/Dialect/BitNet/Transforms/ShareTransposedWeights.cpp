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

/// `value` as a 2-D constant, possibly expanded with unit dimensions
/// (`tensor.expand_shape`); the constant, and for each dimension of `value`
/// the constant's dimension it is (-1 for the added unit dimensions).
std::optional<std::pair<arith::ConstantOp, SmallVector<int64_t>>>
matchConstant(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return std::nullopt;
  if (auto cst = value.getDefiningOp<arith::ConstantOp>()) {
    if (type.getRank() != 2)
      return std::nullopt;
    return std::make_pair(cst, SmallVector<int64_t>{0, 1});
  }
  auto expand = value.getDefiningOp<tensor::ExpandShapeOp>();
  if (!expand)
    return std::nullopt;
  auto cst = expand.getSrc().getDefiningOp<arith::ConstantOp>();
  if (!cst || expand.getSrcType().getRank() != 2)
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
    source[kept] = srcDim;
  }
  return std::make_pair(cst, source);
}

struct ShareTransposedWeightsPass
    : mlir::bitnet::impl::ShareTransposedWeightsPassBase<ShareTransposedWeightsPass> {
  void runOnOperation() override {
    // Candidate tables, by type.
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
        auto match = matchConstant(replaced);
        if (!match)
          continue;
        auto [cst, source] = *match;
        auto type = cast<RankedTensorType>(cst.getType());
        ArrayRef<char> data = rawData(cst);
        if (data.empty())
          continue;
        arith::ConstantOp table;
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
                            type.getElementTypeBitWidth() / 8)) {
            table = other;
            break;
          }
        }
        if (!table)
          continue;
        // The operand's map, reduced to the constant's two dimensions, then
        // swapped: it reads the table.
        AffineMap map = op.getMatchingIndexingMap(input);
        AffineExpr dims[2];
        for (auto [d, src] : llvm::enumerate(source))
          if (src >= 0)
            dims[src] = map.getResult(d);
        AffineMap tableMap = AffineMap::get(map.getNumDims(), 0,
                                            {dims[1], dims[0]}, &getContext());
        SmallVector<AffineMap> maps = op.getIndexingMapsArray();
        SmallVector<Value> inputs = op.getDpsInputs();
        maps[input->getOperandNumber()] = tableMap;
        inputs[input->getOperandNumber()] = table.getResult();
        Location loc = op.getLoc();
        rewriter.setInsertionPoint(op);
        FailureOr<linalg::GenericOp> generic =
            isa<linalg::GenericOp>(op.getOperation())
                ? FailureOr<linalg::GenericOp>(cast<linalg::GenericOp>(op.getOperation()))
                : linalg::generalizeNamedOp(rewriter, op);
        if (failed(generic))
          break;
        auto shared = linalg::GenericOp::create(
            rewriter, loc, generic->getResultTypes(), inputs,
            generic->getDpsInits(), maps, generic->getIteratorTypesArray());
        rewriter.inlineRegionBefore(generic->getRegion(), shared.getRegion(),
                                    shared.getRegion().begin());
        rewriter.replaceOp(*generic, shared->getResults());
        // The transposed copy, when nothing else reads it: erased here, as
        // bufferization would make a (never read) global of it.
        if (auto expand = replaced.getDefiningOp<tensor::ExpandShapeOp>();
            expand && expand->use_empty())
          rewriter.eraseOp(expand);
        if (cst->use_empty()) {
          llvm::erase(constants, cst);
          rewriter.eraseOp(cst);
        }
        break; // one operand per contraction
      }
    }
  }
};

} // namespace
