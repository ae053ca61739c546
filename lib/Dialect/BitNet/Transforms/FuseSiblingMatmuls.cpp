//===- FuseSiblingMatmuls.cpp - one product for a shared activation -----===//
//
// A decoder layer multiplies one quantized activation by several weights:
// q, k and v after the attention norm, gate and up after the FFN norm.
// Each product is a parallel kernel call; k and v are short (a 2B4T step
// spends ~10 us in each, fork/join and prefetch ramp-up included). Packed
// weights are laid out row by row, so the siblings' rows concatenated are
// one packed weight, and one product computes all of them; each former
// result is a slice of its columns.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Dialect/BitNet/IR/BitNet.h"
#include "bitnet/Dialect/BitNet/Transforms/Passes.h"

#include "WeightBlobs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/MapVector.h"

#include <cstring>
#include <map>
#include <vector>

namespace mlir::bitnet {
#define GEN_PASS_DEF_FUSESIBLINGMATMULSPASS
#include "bitnet/Dialect/BitNet/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// Copies the `size` bytes of packed weight constant `attr` to `out`;
/// false when they are not available.
bool copyPackedBytes(Attribute attr, char *out, size_t size) {
  ArrayRef<char> bytes;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat()) {
      if (out)
        std::memset(out, dense.getRawData()[0], size);
      return true;
    }
    bytes = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      bytes = blob->getData();
  }
  if (bytes.size() != size)
    return false;
  if (out)
    std::memcpy(out, bytes.data(), size);
  return true;
}

size_t weightBytes(TernaryMatmulOp op) {
  return op.getWeight().getType().getNumElements();
}

/// Whether the packed weights of `ops` (of one format) concatenated are
/// one packed weight: always for formats packed row by row; for tl2r's
/// 16-row tiles only when every part has whole tiles (so that the fused
/// product has no short tile inside either).
bool tilesConcatenate(ArrayRef<TernaryMatmulOp> ops) {
  TernaryMatmulOp first = ops.front();
  int64_t tileRows = getPackedTileRows(*first.getFormat());
  return llvm::all_of(ops, [&](TernaryMatmulOp op) {
    return op.getWeight().getType().getDimSize(0) % tileRows == 0;
  });
}

/// Fused weights by their parts (the parts' attributes, in order).
using FusedWeights = std::map<std::vector<const void *>, Attribute>;

struct FuseSiblingMatmulsPass
    : mlir::bitnet::impl::FuseSiblingMatmulsPassBase<FuseSiblingMatmulsPass> {
  void runOnOperation() override {
    // Siblings: packed products of one activation, in one block, with
    // constant weights of one format (so of one packed row length).
    llvm::MapVector<std::pair<Value, Block *>, SmallVector<TernaryMatmulOp>> groups;
    getOperation()->walk([&](TernaryMatmulOp op) {
      Attribute weight;
      if (op.getFormat() && matchPattern(op.getWeight(), m_Constant(&weight)) &&
          copyPackedBytes(weight, nullptr, weightBytes(op)))
        groups[{op.getActivations(), op->getBlock()}].push_back(op);
    });
    WeightBlobReleaser releaser(getOperation());
    IRRewriter rewriter(&getContext());
    // Fused weights by their parts: functions importing one graph (prefill
    // and decode) share them.
    FusedWeights fusedWeights;
    for (auto &[key, siblings] : groups) {
      // Split by format: only one format's rows concatenate.
      llvm::MapVector<Attribute, SmallVector<TernaryMatmulOp>> byFormat;
      for (TernaryMatmulOp op : siblings)
        byFormat[op.getFormatAttr()].push_back(op);
      for (auto &[format, ops] : byFormat)
        if (ops.size() > 1 && tilesConcatenate(ops))
          fuse(rewriter, releaser, ops, fusedWeights);
    }
  }

  void fuse(IRRewriter &rewriter, WeightBlobReleaser &releaser,
            ArrayRef<TernaryMatmulOp> ops, FusedWeights &fusedWeights) {
    TernaryMatmulOp first = ops.front();
    for (TernaryMatmulOp op : ops)
      if (op->isBeforeInBlock(first))
        first = op;
    SmallVector<Attribute> parts;
    std::vector<const void *> key;
    int64_t rows = 0;
    for (TernaryMatmulOp op : ops) {
      Attribute weight;
      (void)matchPattern(op.getWeight(), m_Constant(&weight));
      parts.push_back(weight);
      key.push_back(weight.getAsOpaquePointer());
      rows += op.getWeight().getType().getDimSize(0);
      // The weights must exist where the fused product goes.
      Operation *def = op.getWeight().getDefiningOp();
      if (def->getBlock() == first->getBlock() && !def->isBeforeInBlock(first))
        return;
    }
    auto rowType = first.getWeight().getType();
    int64_t rowBytes = rowType.getDimSize(1);
    auto weightType = RankedTensorType::get({rows, rowBytes}, rowType.getElementType());
    Attribute &fused = fusedWeights[key];
    if (!fused) {
      AsmResourceBlob blob = HeapAsmResourceBlob::allocate(rows * rowBytes, /*align=*/64);
      char *out = blob.getMutableData().data();
      for (auto [part, op] : llvm::zip(parts, ops)) {
        (void)copyPackedBytes(part, out, weightBytes(op));
        out += weightBytes(op);
      }
      fused = DenseResourceElementsAttr::get(weightType, "fused_ternary_weights",
                                             std::move(blob));
    }

    rewriter.setInsertionPoint(first);
    Location loc = rewriter.getFusedLoc(llvm::map_to_vector(
        ops, [](TernaryMatmulOp op) { return op.getLoc(); }));
    Value weight = arith::ConstantOp::create(rewriter, loc, weightType,
                                             cast<TypedAttr>(fused));
    auto resultType = first.getType();
    int64_t tokens = resultType.getDimSize(0);
    auto product = TernaryMatmulOp::create(
        rewriter, loc, RankedTensorType::get({tokens, rows}, resultType.getElementType()),
        first.getActivations(), weight, first.getFormatAttr(),
        /*kernel_config=*/nullptr);
    int64_t offset = 0;
    for (TernaryMatmulOp op : ops) {
      int64_t m = op.getWeight().getType().getDimSize(0);
      Value old = op.getWeight();
      Value slice = tensor::ExtractSliceOp::create(
          rewriter, op.getLoc(), op.getType(), product,
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0), rewriter.getIndexAttr(offset)},
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(tokens), rewriter.getIndexAttr(m)},
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1), rewriter.getIndexAttr(1)});
      rewriter.replaceOp(op, slice);
      releaser.eraseDeadProducers(rewriter, old);
      offset += m;
    }
  }
};

} // namespace
