//===- WeightBlobs.h - releasing weights nothing uses any more ---*- C++ -*-===//
//
// Shared by the passes that replace one form of a weight by another
// (bitnet-raise-bitlinear: the graph's packed bytes -> i2s bytes;
// bitnet-pack-ternary: a weight -> the kernels' packed layout). A
// `dense_resource` blob lives as long as the context, used or not; a 2B
// model's would hold gigabytes through the rest of the compile.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_LIB_DIALECT_BITNET_TRANSFORMS_WEIGHTBLOBS_H
#define BITNET_LIB_DIALECT_BITNET_TRANSFORMS_WEIGHTBLOBS_H

#include "DeadProducers.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::bitnet {

/// Releases each resource weight as soon as the last constant op holding it
/// is erased, for passes that replace weights one layer at a time (the peak
/// then holds one form of each weight, not both).
class WeightBlobReleaser {
public:
  explicit WeightBlobReleaser(Operation *root) {
    root->walk([&](Operation *op) {
      Attribute value;
      if (matchPattern(op, m_Constant(&value)) && isa<DenseResourceElementsAttr>(value))
        ++holders[value];
    });
  }

  /// Erases the ops that computed `value` and are now dead, back to their
  /// constants, releasing the blobs nothing holds any more.
  void eraseDeadProducers(RewriterBase &rewriter, Value value) {
    Operation *def = value.getDefiningOp();
    if (!def)
      return;
    bitnet::eraseDeadProducers(def, [&](Operation *op) {
      Attribute constant;
      bool isConstant = matchPattern(op, m_Constant(&constant));
      rewriter.eraseOp(op);
      if (!isConstant)
        return;
      auto it = holders.find(constant);
      if (it != holders.end() && --it->second == 0)
        cast<DenseResourceElementsAttr>(constant).getRawHandle().getResource()->setBlob(
            AsmResourceBlob());
    });
  }

private:
  llvm::DenseMap<Attribute, int64_t> holders;
};

/// `ops` reordered round-robin over their functions: the i-th op of each
/// function, then the (i+1)-th. A generative model's prefill and decode
/// functions import one graph twice, so each weight's users come together
/// and the weight can be released before the next layer's is made.
template <typename OpT>
SmallVector<OpT> interleaveByFunction(ArrayRef<OpT> ops) {
  llvm::MapVector<Operation *, SmallVector<OpT>> byFunction;
  for (OpT op : ops)
    byFunction[op->template getParentWithTrait<OpTrait::IsIsolatedFromAbove>()]
        .push_back(op);
  SmallVector<OpT> ordered;
  for (size_t i = 0; ordered.size() < ops.size(); ++i)
    for (auto &entry : byFunction)
      if (i < entry.second.size())
        ordered.push_back(entry.second[i]);
  return ordered;
}

} // namespace mlir::bitnet

#endif // BITNET_LIB_DIALECT_BITNET_TRANSFORMS_WEIGHTBLOBS_H
