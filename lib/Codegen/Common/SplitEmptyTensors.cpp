//===- SplitEmptyTensors.cpp - bound the uses of each tensor.empty -------===//
//
// CSE folds a decoder's identical `tensor.empty` ops into one value with
// uses in every layer. One-shot bufferization treats all the ops that write
// into it as aliases of one another and checks each write against every
// read of them: quadratic in the layer count (7 of the 12 s of a 24-layer
// model's llvm stage). The sharing is also what lets bufferization reuse
// one buffer for ops that write one after another (one op per use made
// 0.7B prefill 3x slower: fresh 16 MB attention buffers in every layer),
// so each run of `max-uses` consecutive uses keeps one op.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/Common/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_SPLITEMPTYTENSORSPASS
#include "bitnet/Codegen/Common/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;

namespace {

struct SplitEmptyTensorsPass
    : mlir::bitnet::impl::SplitEmptyTensorsPassBase<SplitEmptyTensorsPass> {
  using SplitEmptyTensorsPassBase::SplitEmptyTensorsPassBase;

  void runOnOperation() override {
    if (maxUses < 1) {
      emitError(getOperation()->getLoc()) << "max-uses must be at least 1, not "
                                          << static_cast<int64_t>(maxUses);
      return signalPassFailure();
    }
    // The uses in program order.
    SmallVector<OpOperand *> uses;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      for (OpOperand &use : op->getOpOperands())
        if (use.get().getDefiningOp<tensor::EmptyOp>())
          uses.push_back(&use);
    });
    // Per original op: the op its current run of uses reads, and how many
    // uses that run has. A new run gets a clone placed right after the
    // original (its dynamic sizes are defined before it).
    DenseMap<Operation *, std::pair<Value, int64_t>> runs;
    for (OpOperand *use : uses) {
      Operation *empty = use->get().getDefiningOp();
      auto &[value, count] = runs.try_emplace(empty, use->get(), 0).first->second;
      if (++count > maxUses) {
        OpBuilder b(empty->getContext());
        b.setInsertionPointAfter(empty);
        value = b.clone(*empty)->getResult(0);
        count = 1;
      }
      use->set(value);
    }
  }
};

} // namespace
