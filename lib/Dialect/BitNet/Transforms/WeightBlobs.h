//===- WeightBlobs.h - releasing weights nothing uses any more ---*- C++ -*-===//
//
// Shared by the passes that replace one form of a weight by another
// (bitnet-raise-bitlinear: packed bytes -> one byte a weight;
// bitnet-pack-ternary: one byte a weight -> a packed layout). A
// `dense_resource` blob lives as long as the context, used or not; a 2B
// model's would hold gigabytes through the rest of the compile.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_LIB_DIALECT_BITNET_TRANSFORMS_WEIGHTBLOBS_H
#define BITNET_LIB_DIALECT_BITNET_TRANSFORMS_WEIGHTBLOBS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::bitnet {

/// Releases the memory of each `candidates` resource that no constant
/// under `root` holds any more.
template <typename Range>
void releaseUnusedWeightBlobs(Operation *root, const Range &candidates) {
  llvm::DenseSet<Attribute> stillUsed;
  root->walk([&](Operation *op) {
    Attribute value;
    if (matchPattern(op, m_Constant(&value)))
      stillUsed.insert(value);
  });
  for (Attribute candidate : candidates)
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(candidate);
        resource && !stillUsed.contains(resource))
      resource.getRawHandle().getResource()->setBlob(AsmResourceBlob());
}

} // namespace mlir::bitnet

#endif // BITNET_LIB_DIALECT_BITNET_TRANSFORMS_WEIGHTBLOBS_H
