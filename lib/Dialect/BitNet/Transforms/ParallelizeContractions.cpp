//===- ParallelizeContractions.cpp - float matmuls over threads --------===//
//
// The ternary kernels bring their own scf.forall; the float contractions of
// a decoder (attention, lm_head) get one here, by tiling their outermost
// non-trivial parallel loop with MLIR's TilingInterface.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
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
      if (!loop)
        continue;
      int64_t pieceSize = (ranges[*loop] + tiles - 1) / tiles;
      SmallVector<OpFoldResult> sizes(ranges.size(), rewriter.getIndexAttr(0));
      sizes[*loop] = rewriter.getIndexAttr(pieceSize);
      scf::SCFTilingOptions options;
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      options.setTileSizes(sizes);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue; // stays one piece: correct, single-threaded
      rewriter.replaceOp(op, tiled->replacements);
    }
  }
};

} // namespace
