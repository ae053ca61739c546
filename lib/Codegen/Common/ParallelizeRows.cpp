//===- ParallelizeRows.cpp - large loop nests over threads ---------------===//
//
// After the kernels and the float contractions, a prefill step's remaining
// serial work is its large row-wise loop nests: RMSNorm's sums of squares
// (f64, one dependent chain per row), dequantization, the attention scale,
// mask and softmax, fused elementwise chains. One thread ran them while the
// other waited. This pass splits each over threads along its outermost
// parallel loop; small ones (decode's) stay whole, since a fork and join
// costs about a microsecond.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/Common/Passes.h"

#include "bitnet/Codegen/Common/Tiling.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_PARALLELIZEROWSPASS
#include "bitnet/Codegen/Common/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

struct ParallelizeRowsPass
    : mlir::bitnet::impl::ParallelizeRowsPassBase<ParallelizeRowsPass> {
  using ParallelizeRowsPassBase::ParallelizeRowsPassBase;

  void runOnOperation() override {
    if (tiles < 1 || tiles > kMaxThreadTiles || minIterations < 1) {
      emitError(getOperation()->getLoc()) << getArgument() << ": tiles must be from 1 to " << kMaxThreadTiles
                                          << " and min-iterations at least 1";
      return signalPassFailure();
    }
    if (tiles < 2)
      return;
    SmallVector<linalg::LinalgOp> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      // Contractions are bitnet-parallelize-contractions'; ops inside a
      // forall already run on threads.
      if (!linalg::isaContractionOpInterface(op) && op.hasPureTensorSemantics() &&
          !op->getParentOfType<scf::ForallOp>() && isa<TilingInterface>(*op))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::any_of(ranges, ShapedType::isDynamic))
        continue;
      int64_t iterations = 1;
      for (int64_t range : ranges)
        iterations *= range;
      if (iterations >= minIterations)
        (void)splitOverThreads(rewriter, op, tiles);
    }
  }
};

} // namespace
