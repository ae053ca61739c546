//===- LoopOrder.h - loop orders for float contractions ----------*- C++ -*-===//
//
// Shared by bitnet-interchange-matmul-loops and
// bitnet-parallelize-contractions: both move a contraction's reduction
// loops outside the loops over a block of its output.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_LIB_CODEGEN_COMMON_LOOPORDER_H
#define BITNET_LIB_CODEGEN_COMMON_LOOPORDER_H

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::bitnet {

/// A loop order (old loop indices, outermost first): the parallel loops not
/// in `innermost`, then the reductions, then `innermost` in that order.
/// Each output element still sees its reduction steps in the same order.
inline SmallVector<unsigned>
reductionsOutside(ArrayRef<utils::IteratorType> iterators,
                  ArrayRef<unsigned> innermost) {
  SmallVector<unsigned> order;
  for (unsigned i = 0; i < iterators.size(); ++i)
    if (!llvm::is_contained(innermost, i) &&
        iterators[i] == utils::IteratorType::parallel)
      order.push_back(i);
  for (unsigned i = 0; i < iterators.size(); ++i)
    if (iterators[i] == utils::IteratorType::reduction)
      order.push_back(i);
  order.append(innermost.begin(), innermost.end());
  return order;
}

} // namespace mlir::bitnet

#endif // BITNET_LIB_CODEGEN_COMMON_LOOPORDER_H
