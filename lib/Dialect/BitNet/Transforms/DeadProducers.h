//===- DeadProducers.h - erasing what a rewrite left dead ---------*- C++ -*-===//
//
// Shared by the passes that replace a value and must erase the chain that
// computed it (bitnet-quantize-activations; the weight rewrites through
// WeightBlobReleaser, which also releases the weights' blobs).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_LIB_DIALECT_BITNET_TRANSFORMS_DEADPRODUCERS_H
#define BITNET_LIB_DIALECT_BITNET_TRANSFORMS_DEADPRODUCERS_H

#include "mlir/IR/Operation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::bitnet {

/// Calls `erase` on `op` if it is dead, then on each of its producers that
/// left dead, and so on up the chain.
inline void eraseDeadProducers(Operation *op, function_ref<void(Operation *)> erase) {
  // A set: x * x names its producer twice, which must be erased once.
  llvm::SetVector<Operation *> worklist;
  worklist.insert(op);
  while (!worklist.empty()) {
    Operation *next = worklist.pop_back_val();
    if (!isOpTriviallyDead(next))
      continue;
    for (Value operand : next->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        worklist.insert(producer);
    erase(next);
  }
}

} // namespace mlir::bitnet

#endif // BITNET_LIB_DIALECT_BITNET_TRANSFORMS_DEADPRODUCERS_H
