//===- MapWarpLoopsToGpu.cpp - warp-level loops to GPU kernels -------===//
//
// A kernel written as warp-level loops,
//
//   scf.parallel (%i, %warp) ... {                 // one iteration: one warp
//     <index arithmetic>
//     %r = scf.parallel (%lane) = (0) to (32) ... init(%z) {  // bitnet.warp_lanes
//       ...; scf.reduce(%partial) { addi }
//     }
//     <stores of %r>
//   }
//
// becomes a gpu.launch (then a gpu.module kernel, by upstream outlining):
// warps are (blockIdx.x * warpsPerBlock + threadIdx.y), lanes threadIdx.x,
// each reduction a butterfly of shuffles after which every lane holds the
// total, and what follows the lane loop runs on lane 0. Upstream's
// convert-parallel-loops-to-gpu maps loops to threads but has no notion of
// a warp reduction, which is why this mapping is ours.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_MAPWARPLOOPSTOGPUPASS
#include "bitnet/Codegen/GPU/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

constexpr int64_t kWarpSize = 32;

/// The iteration count of dimension `d` of `loop`, computed before it.
Value tripCount(ImplicitLocOpBuilder &b, scf::ParallelOp loop, unsigned d) {
  Value span =
      b.createOrFold<arith::SubIOp>(loop.getUpperBound()[d], loop.getLowerBound()[d]);
  return b.createOrFold<arith::CeilDivUIOp>(span, loop.getStep()[d]);
}

/// Whether `op` or an op nested in it may have one of `Effects`.
template <typename... Effects> bool mayHaveEffect(Operation *op) {
  WalkResult found = op->walk([](Operation *nested) {
    if (!nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>() &&
        mightHaveEffect<Effects...>(nested))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return found.wasInterrupted();
}

bool mayWriteMemory(Operation *op) {
  return mayHaveEffect<MemoryEffects::Write, MemoryEffects::Free>(op);
}

/// The lane loops directly inside `warpLoop`, in order, checked to be
/// mappable: 32 iterations each, and no memory written outside them before
/// the last one (that would need a warp barrier; after it, lane 0 writes).
FailureOr<SmallVector<scf::ParallelOp>> findLaneLoops(scf::ParallelOp warpLoop) {
  SmallVector<scf::ParallelOp> lanes;
  Operation *firstWrite = nullptr;
  scf::ParallelOp writingLanes;
  for (Operation &op : warpLoop.getBody()->without_terminator()) {
    auto loop = dyn_cast<scf::ParallelOp>(op);
    if (!loop || !loop->hasAttr(kWarpLanesAttrName)) {
      if (!firstWrite && mayWriteMemory(&op))
        firstWrite = &op;
      // Lanes' writes are not visible to other lanes without a warp barrier.
      if (writingLanes && mayHaveEffect<MemoryEffects::Read>(&op))
        return op.emitError("bitnet-gpu-map-warp-loops: a warp reads memory after a lane "
                            "loop that writes it");
      continue;
    }
    if (firstWrite)
      return firstWrite->emitError(
          "bitnet-gpu-map-warp-loops: a warp writes memory before one of its lane loops");
    if (writingLanes)
      return writingLanes.emitError(
          "bitnet-gpu-map-warp-loops: a lane loop that writes memory must be the warp's last");
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[0]);
    std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[0]);
    std::optional<int64_t> step = getConstantIntValue(loop.getStep()[0]);
    if (loop.getNumLoops() != 1 || lb != 0 || ub != kWarpSize || step != 1)
      return loop.emitError("bitnet-gpu-map-warp-loops: a lane loop must run 0 to 32 by 1");
    for (Value init : loop.getInitVals())
      if (!init.getType().isInteger(32) && !init.getType().isInteger(64) &&
          !init.getType().isF32() && !init.getType().isF64())
        return loop.emitError() << "bitnet-gpu-map-warp-loops: a lane reduction of "
                                << init.getType() << " (shuffles move i32, i64, f32, f64)";
    if (mayWriteMemory(loop))
      writingLanes = loop;
    lanes.push_back(loop);
  }
  if (lanes.empty())
    return warpLoop.emitError("bitnet-gpu-map-warp-loops: no bitnet.warp_lanes loop in the warp");
  return lanes;
}

/// Every lane's `value` combined across the warp by `combiner` (an
/// scf.reduce region): five xor-shuffle steps, after which all lanes agree.
Value warpReduce(ImplicitLocOpBuilder &b, Value value, Region &combiner) {
  Block &body = combiner.front();
  auto combine = [&](Value lhs, Value rhs) {
    IRMapping map;
    map.map(body.getArgument(0), lhs);
    map.map(body.getArgument(1), rhs);
    for (Operation &op : body.without_terminator())
      b.clone(op, map);
    return map.lookup(cast<scf::ReduceReturnOp>(body.getTerminator()).getResult());
  };
  for (int32_t offset = kWarpSize / 2; offset > 0; offset /= 2) {
    auto shuffle = gpu::ShuffleOp::create(b, value, offset, kWarpSize, gpu::ShuffleMode::XOR);
    value = combine(value, shuffle.getShuffleResult());
  }
  return value;
}

/// Replaces `warpLoop` (and its lane loop) with a gpu.launch.
LogicalResult mapToLaunch(scf::ParallelOp warpLoop, int64_t warpsPerBlock) {
  FailureOr<SmallVector<scf::ParallelOp>> laneLoops = findLaneLoops(warpLoop);
  if (failed(laneLoops))
    return failure();
  if (warpLoop.getNumReductions() != 0)
    return warpLoop.emitError("bitnet-gpu-map-warp-loops: a warp loop cannot reduce across warps");
  unsigned dims = warpLoop.getNumLoops();
  if (dims > 3)
    return warpLoop.emitError("bitnet-gpu-map-warp-loops: more than 3 loop dimensions");

  ImplicitLocOpBuilder b(warpLoop.getLoc(), warpLoop);
  Value one = arith::ConstantIndexOp::create(b, 1);
  Value warpsPerBlockValue = arith::ConstantIndexOp::create(b, warpsPerBlock);
  // Grid: x covers the warps (last dimension), y and z the others.
  Value warps = tripCount(b, warpLoop, dims - 1);
  SmallVector<Value, 3> grid = {b.createOrFold<arith::CeilDivUIOp>(warps, warpsPerBlockValue),
                                one, one};
  for (unsigned d = 0; d + 1 < dims; ++d)
    grid[1 + d] = tripCount(b, warpLoop, d);
  // blockIdx.y and z count to 65535 at most.
  for (unsigned d = 1; d < 3; ++d)
    if (std::optional<int64_t> size = getConstantIntValue(grid[d]); size && *size > 65535)
      return warpLoop.emitError() << "bitnet-gpu-map-warp-loops: " << *size
                                  << " iterations in a dimension mapped to blockIdx."
                                  << (d == 1 ? "y" : "z") << " (at most 65535)";
  auto launch = gpu::LaunchOp::create(b, grid[0], grid[1], grid[2],
                                      arith::ConstantIndexOp::create(b, kWarpSize),
                                      warpsPerBlockValue, one);

  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::KernelDim3 blockIds = launch.getBlockIds(), threadIds = launch.getThreadIds();
  Value warp = arith::AddIOp::create(
      b, arith::MulIOp::create(b, blockIds.x, warpsPerBlockValue), threadIds.y);
  SmallVector<Value, 3> counters = {blockIds.y, blockIds.z};
  IRMapping map;
  for (unsigned d = 0; d < dims; ++d) {
    Value counter = d + 1 == dims ? warp : counters[d];
    Value offset = b.createOrFold<arith::MulIOp>(counter, warpLoop.getStep()[d]);
    map.map(warpLoop.getInductionVars()[d],
            b.createOrFold<arith::AddIOp>(warpLoop.getLowerBound()[d], offset));
  }
  Value active = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, warp, warps);
  auto activeWarp = scf::IfOp::create(b, active, /*withElseRegion=*/false);
  gpu::TerminatorOp::create(b);

  b.setInsertionPoint(activeWarp.thenBlock()->getTerminator());
  Value lane = threadIds.x;
  Operation *lastLaneLoop = laneLoops->back();
  for (Operation &op : warpLoop.getBody()->without_terminator()) {
    auto laneLoop = dyn_cast<scf::ParallelOp>(op);
    if (!laneLoop || !laneLoop->hasAttr(kWarpLanesAttrName)) {
      b.clone(op, map);
      continue;
    }
    map.map(laneLoop.getInductionVars()[0], lane);
    for (Operation &laneOp : laneLoop.getBody()->without_terminator())
      b.clone(laneOp, map);
    auto reduce = cast<scf::ReduceOp>(laneLoop.getBody()->getTerminator());
    for (auto [partial, combiner, init, result] :
         llvm::zip(reduce.getOperands(), reduce.getReductions(), laneLoop.getInitVals(),
                   laneLoop.getResults())) {
      Value total = warpReduce(b, map.lookupOrDefault(partial), combiner);
      // scf.parallel folds its init value in too.
      Block &combine = combiner.front();
      IRMapping initMap;
      initMap.map(combine.getArgument(0), map.lookupOrDefault(init));
      initMap.map(combine.getArgument(1), total);
      for (Operation &combineOp : combine.without_terminator())
        b.clone(combineOp, initMap);
      map.map(result,
              initMap.lookup(cast<scf::ReduceReturnOp>(combine.getTerminator()).getResult()));
    }
    if (laneLoop != lastLaneLoop)
      continue;
    // The warp's stores: once, from lane 0.
    Value isLaneZero = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane,
                                             arith::ConstantIndexOp::create(b, 0));
    auto laneZero = scf::IfOp::create(b, isLaneZero, /*withElseRegion=*/false);
    b.setInsertionPoint(laneZero.thenBlock()->getTerminator());
  }
  warpLoop.erase();
  return success();
}

struct MapWarpLoopsToGpuPass
    : bitnet::impl::MapWarpLoopsToGpuPassBase<MapWarpLoopsToGpuPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (warpsPerBlock < 1 || warpsPerBlock * kWarpSize > 1024) {
      module.emitError() << getArgument() << ": warps-per-block must be 1 to 32";
      return signalPassFailure();
    }
    // Each warp loop once, however many lane loops it holds.
    llvm::SetVector<scf::ParallelOp> warpLoops;
    WalkResult walk = module.walk([&](scf::ParallelOp loop) {
      if (!loop->hasAttr(kWarpLanesAttrName))
        return WalkResult::advance();
      auto parent = dyn_cast<scf::ParallelOp>(loop->getParentOp());
      if (!parent) {
        loop.emitError("bitnet-gpu-map-warp-loops: a lane loop must be directly in a warp loop");
        return WalkResult::interrupt();
      }
      warpLoops.insert(parent);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (warpLoops.empty())
      return;
    for (scf::ParallelOp loop : warpLoops)
      if (failed(mapToLaunch(loop, warpsPerBlock)))
        return signalPassFailure();
    // Launch bodies -> gpu.module kernels taking the captured values; the
    // constants they use are recomputed inside rather than passed.
    OpPassManager outline(ModuleOp::getOperationName());
    outline.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
    outline.addPass(createGpuKernelOutliningPass());
    if (failed(runPipeline(outline, module)))
      signalPassFailure();
  }
};

} // namespace
