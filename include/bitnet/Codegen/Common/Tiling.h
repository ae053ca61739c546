//===- Tiling.h - tiling a linalg op through TilingInterface -----*- C++ -*-===//
//
// Shared by bitnet-parallelize-contractions, bitnet-parallelize-rows and
// bitnet-tile-float-contractions.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_CODEGEN_COMMON_TILING_H
#define BITNET_CODEGEN_COMMON_TILING_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::bitnet {

/// Tiles `op` by `sizes` (0: not tiled) into loops of `loopType`, in
/// `interchange` order when given (loop dimensions, outermost first), and
/// replaces it; the tiled op, or null when tiling does not apply (the op
/// stays).
inline Operation *tileLinalgOp(RewriterBase &rewriter, linalg::LinalgOp op,
                               ArrayRef<OpFoldResult> sizes,
                               scf::SCFTilingOptions::LoopType loopType,
                               ArrayRef<int64_t> interchange = {}) {
  scf::SCFTilingOptions options;
  options.setLoopType(loopType);
  options.setTileSizes(sizes);
  if (!interchange.empty())
    options.setInterchange(interchange);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(result))
    return nullptr;
  rewriter.replaceOp(op, result->replacements);
  return result->tiledOps.back();
}

/// Splits `op` along its outermost parallel loop of static size > 1 into at
/// most `pieces` pieces of an scf.forall (threads). Returns the tiled op;
/// null when `op` has no such loop or tiling does not apply (the op stays,
/// whole and correct).
inline Operation *splitOverThreads(RewriterBase &rewriter, linalg::LinalgOp op,
                                   int64_t pieces) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned i = 0; i < ranges.size(); ++i) {
    if (iterators[i] != utils::IteratorType::parallel ||
        ShapedType::isDynamic(ranges[i]) || ranges[i] <= 1)
      continue;
    SmallVector<OpFoldResult> sizes(ranges.size(), rewriter.getIndexAttr(0));
    sizes[i] = rewriter.getIndexAttr((ranges[i] + pieces - 1) / pieces);
    return tileLinalgOp(rewriter, op, sizes, scf::SCFTilingOptions::LoopType::ForallOp);
  }
  return nullptr;
}

} // namespace mlir::bitnet

#endif // BITNET_CODEGEN_COMMON_TILING_H
