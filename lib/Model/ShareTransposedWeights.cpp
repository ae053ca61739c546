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

#include "bitnet/Model/Passes.h"

#include "OperandViews.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"

#include <cstring>
#include <map>
#include <string>
#include <tuple>

namespace mlir::bitnet {
#define GEN_PASS_DEF_SHARETRANSPOSEDWEIGHTSPASS
#include "bitnet/Model/Passes.h.inc"
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

/// Candidate twins by function, type and a hash of their first row. The
/// transpose of `cst` has `cst`'s first column as its first row, so a
/// lookup hashes that column and compares only the constants whose first
/// row hashes alike (a scan of every constant per contraction was
/// quadratic in the layer count: each 64x64 weight is shaped like the
/// transpose of every other).
class TwinIndex {
public:
  void add(arith::ConstantOp cst) {
    auto type = cast<RankedTensorType>(cst.getType());
    ArrayRef<char> data = rawData(cst);
    int64_t size = type.getElementTypeBitWidth() / 8;
    buckets[key(cst, type, data.take_front(type.getDimSize(1) * size))]
        .push_back(cst);
  }

  void remove(arith::ConstantOp cst) {
    auto type = cast<RankedTensorType>(cst.getType());
    ArrayRef<char> data = rawData(cst);
    int64_t size = type.getElementTypeBitWidth() / 8;
    llvm::erase(buckets[key(cst, type, data.take_front(type.getDimSize(1) * size))],
                cst);
  }

  /// A constant of `cst`'s function, other than `cst`, that is its
  /// transpose (bitwise), or null.
  arith::ConstantOp findTransposedTwin(arith::ConstantOp cst) {
    auto type = cast<RankedTensorType>(cst.getType());
    ArrayRef<char> data = rawData(cst);
    int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
    int64_t size = type.getElementTypeBitWidth() / 8;
    std::string column(rows * size, '\0');
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(column.data() + r * size, data.data() + r * cols * size, size);
    auto twinType = RankedTensorType::get({cols, rows}, type.getElementType());
    auto it = buckets.find(key(cst, twinType, ArrayRef<char>(column.data(), column.size())));
    if (it == buckets.end())
      return nullptr;
    for (arith::ConstantOp other : it->second)
      if (other != cst && isTransposeOf(data, rawData(other), cols, rows, size))
        return other;
    return nullptr;
  }

private:
  /// (function, type, hash of the first row). Only a table in the same
  /// function can be read (several functions, such as a generative model's
  /// prefill and decode, each have one).
  using Key = std::tuple<Operation *, const void *, size_t>;
  static Key key(arith::ConstantOp cst, Type type, ArrayRef<char> firstRow) {
    return {cst->getParentWithTrait<OpTrait::IsIsolatedFromAbove>(),
            type.getAsOpaquePointer(),
            static_cast<size_t>(
                llvm::hash_value(StringRef(firstRow.data(), firstRow.size())))};
  }
  std::map<Key, SmallVector<arith::ConstantOp>> buckets;
};

struct ShareTransposedWeightsPass
    : mlir::bitnet::impl::ShareTransposedWeightsPassBase<ShareTransposedWeightsPass> {
  void runOnOperation() override {
    // Candidate twins.
    TwinIndex constants;
    getOperation()->walk([&](arith::ConstantOp cst) {
      if (!rawData(cst).empty())
        constants.add(cst);
    });
    SmallVector<linalg::LinalgOp> contractions = collectContractions(getOperation());
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : contractions) {
      for (OpOperand *input : op.getDpsInputOperands()) {
        // A 2-D constant, possibly with unit dimensions added; explicit
        // transposes and widenings are bitnet-fold-contraction-views' part.
        std::optional<OperandView> view = matchOperandView(input->get());
        auto cst = view ? view->source.getDefiningOp<arith::ConstantOp>() : nullptr;
        if (!cst || view->copies() || rawData(cst).empty())
          continue;
        arith::ConstantOp twin = constants.findTransposedTwin(cst);
        if (!twin)
          continue;
        // The constant's map with its two dimensions swapped reads the twin.
        AffineMap map = sourceMap(op, *input, *view, /*swap=*/true);
        OperandView twinView = *view;
        twinView.source = twin;
        if (!map || !readThroughView(rewriter, op, *input, twinView, map))
          continue;
        // The transposed copy, when nothing else reads it: erased here, as
        // bufferization would make a (never read) global of it.
        if (cst->use_empty()) {
          constants.remove(cst);
          rewriter.eraseOp(cst);
        }
        break; // `op` is replaced
      }
    }
  }
};

} // namespace
