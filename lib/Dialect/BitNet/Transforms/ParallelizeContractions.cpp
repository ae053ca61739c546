//===- ParallelizeContractions.cpp - float matmuls over threads --------===//
//
// The ternary kernels bring their own scf.forall; the float contractions of
// a decoder (attention, lm_head) get one here, by tiling their outermost
// non-trivial parallel loop with MLIR's TilingInterface.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"

#include "LoopOrder.h"
#include "Tiling.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_PARALLELIZECONTRACTIONSPASS
#include "bitnet/Dialect/BitNet/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// Tiles the output's two innermost dimensions (8 rows x 512 columns of C,
/// 16 KiB of f32) with scf.for, so the block of C a reduction step updates
/// stays in L1 while the other operand streams past it. Parallel dims
/// only: each element still adds its products in the same order.
void tileForCache(IRRewriter &rewriter, linalg::LinalgOp op) {
  AffineMap output = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<OpFoldResult> sizes(iterators.size(), rewriter.getIndexAttr(0));
  int64_t tileSizes[] = {512, 8}; // innermost, next
  unsigned tiled = 0;
  for (unsigned r = output.getNumResults(); r-- > 0 && tiled < 2;) {
    auto dim = dyn_cast<AffineDimExpr>(output.getResult(r));
    if (!dim || iterators[dim.getPosition()] != utils::IteratorType::parallel)
      break;
    sizes[dim.getPosition()] = rewriter.getIndexAttr(tileSizes[tiled++]);
  }
  if (tiled == 0)
    return;
  Operation *tiledOp =
      tileLinalgOp(rewriter, op, sizes, scf::SCFTilingOptions::LoopType::ForOp);
  // Inside the tile, the reduction goes outside both tiled dimensions: each
  // row of the other operand's tile is then read once for all 8 rows of C.
  auto generic = dyn_cast_or_null<linalg::GenericOp>(tiledOp);
  if (!generic || tiled < 2)
    return;
  AffineMap tiledOutput = generic.getMatchingIndexingMap(generic.getDpsInitOperand(0));
  unsigned rows = cast<AffineDimExpr>(tiledOutput.getResult(tiledOutput.getNumResults() - 2))
                      .getPosition();
  unsigned columns = cast<AffineDimExpr>(tiledOutput.getResults().back()).getPosition();
  SmallVector<unsigned> order =
      reductionsOutside(generic.getIteratorTypesArray(), {rows, columns});
  rewriter.setInsertionPoint(generic);
  (void)linalg::interchangeGenericOp(rewriter, generic, order);
}

struct ParallelizeContractionsPass
    : mlir::bitnet::impl::ParallelizeContractionsPassBase<ParallelizeContractionsPass> {
  using ParallelizeContractionsPassBase::ParallelizeContractionsPassBase;

  void runOnOperation() override {
    if (tiles < 2)
      return;
    SmallVector<linalg::LinalgOp> contractions;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (linalg::isaContractionOpInterface(op) && op.hasPureTensorSemantics() &&
          !op->getParentOfType<scf::ForallOp>())
        contractions.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : contractions) {
      // The outermost parallel loop with a static size above 1.
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      std::optional<unsigned> loop;
      for (unsigned i = 0; i < ranges.size() && !loop; ++i)
        if (iterators[i] == utils::IteratorType::parallel &&
            !ShapedType::isDynamic(ranges[i]) && ranges[i] > 1)
          loop = i;
      if (!loop) {
        tileForCache(rewriter, op);
        continue;
      }
      int64_t pieceSize = (ranges[*loop] + tiles - 1) / tiles;
      SmallVector<OpFoldResult> sizes(ranges.size(), rewriter.getIndexAttr(0));
      sizes[*loop] = rewriter.getIndexAttr(pieceSize);
      // Not tiled: one piece, correct and single-threaded.
      Operation *piece =
          tileLinalgOp(rewriter, op, sizes, scf::SCFTilingOptions::LoopType::ForallOp);
      if (auto pieceOp = dyn_cast_or_null<linalg::LinalgOp>(piece))
        tileForCache(rewriter, pieceOp);
    }
  }
};

} // namespace
