//===- ParallelizeContractions.cpp - float matmuls over threads --------===//
//
// The ternary kernels bring their own scf.forall; the float contractions of
// a decoder (attention, lm_head) get one here, by tiling their outermost
// non-trivial parallel loop with MLIR's TilingInterface.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/Common/Passes.h"

#include "LoopOrder.h"
#include "bitnet/Codegen/Common/Tiling.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_PARALLELIZECONTRACTIONSPASS
#include "bitnet/Codegen/Common/Passes.h.inc"
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
    if (tiles < 1 || tiles > kMaxThreadTiles) {
      emitError(getOperation()->getLoc()) << getArgument() << ": tiles must be from 1 to " << kMaxThreadTiles;
      return signalPassFailure();
    }
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
      // Without a loop to split (or a split), the whole op is tiled for
      // the cache, on one thread.
      Operation *piece = splitOverThreads(rewriter, op, tiles);
      if (auto pieceOp = dyn_cast_or_null<linalg::LinalgOp>(piece))
        tileForCache(rewriter, pieceOp);
      else if (!piece)
        tileForCache(rewriter, op);
    }
  }
};

} // namespace
