//===- WarpLoopsToCpu.cpp - warp-level loops as CPU loops -------------===//
//
// The CPU form of a warp-level kernel: the lanes of a warp run one after
// another, each lane's partials folded into the loop's reductions in lane
// order. (Upstream's scf-parallel-for-to-nested-fors drops reductions, and
// scf-to-openmp knows only some combiners.)
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/GPU/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_WARPLOOPSTOCPUPASS
#include "bitnet/Codegen/GPU/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// `lanes` as an scf.for whose iteration arguments are its reductions.
void serialize(scf::ParallelOp lanes, RewriterBase &rewriter) {
  rewriter.setInsertionPoint(lanes);
  auto loop = scf::ForOp::create(
      rewriter, lanes.getLoc(), lanes.getLowerBound()[0], lanes.getUpperBound()[0],
      lanes.getStep()[0], lanes.getInitVals(),
      [&](OpBuilder &b, Location loc, Value lane, ValueRange totals) {
        IRMapping map;
        map.map(lanes.getInductionVars()[0], lane);
        for (Operation &op : lanes.getBody()->without_terminator())
          b.clone(op, map);
        auto reduce = cast<scf::ReduceOp>(lanes.getBody()->getTerminator());
        SmallVector<Value> next;
        for (auto [partial, combiner, total] :
             llvm::zip(reduce.getOperands(), reduce.getReductions(), totals)) {
          Block &body = combiner.front();
          IRMapping combine;
          combine.map(body.getArgument(0), total);
          combine.map(body.getArgument(1), map.lookupOrDefault(partial));
          for (Operation &op : body.without_terminator())
            b.clone(op, combine);
          next.push_back(
              combine.lookup(cast<scf::ReduceReturnOp>(body.getTerminator()).getResult()));
        }
        scf::YieldOp::create(b, loc, next);
      });
  rewriter.replaceOp(lanes, loop.getResults());
}

struct WarpLoopsToCpuPass : bitnet::impl::WarpLoopsToCpuPassBase<WarpLoopsToCpuPass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> lanes;
    getOperation()->walk([&](scf::ParallelOp loop) {
      if (loop->hasAttr(kWarpLanesAttrName))
        lanes.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : lanes) {
      if (loop.getNumLoops() != 1) {
        loop.emitError("bitnet-gpu-warp-loops-to-cpu: a lane loop has one dimension");
        return signalPassFailure();
      }
      serialize(loop, rewriter);
    }
  }
};

} // namespace
