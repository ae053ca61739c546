//===- OutlineLoopNests.cpp - one function per top-level loop nest -------===//
//
// Keeps the functions LLVM optimizes small: LLVM's loop passes cost more
// than linearly in the size of the function they run on, and a decoder's
// entry point holds every layer's loops.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/Common/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_OUTLINELOOPNESTSPASS
#include "bitnet/Codegen/Common/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;

namespace {

/// Values cloned into the outlined function instead of passed: constants
/// (loop bounds must stay constant for LLVM) and weight globals.
bool isCloneable(Value v) {
  Operation *def = v.getDefiningOp();
  return def && def->getNumOperands() == 0 && def->getNumRegions() == 0 &&
         (def->hasTrait<OpTrait::ConstantLike>() || isa<memref::GetGlobalOp>(def));
}

/// Outlines `op` of `parent` into a function placed after `after`; returns
/// the new function.
func::FuncOp outline(func::FuncOp parent, Operation *op, StringRef name,
                     Operation *after, SymbolTable &symbols) {
  SetVector<Value> captured;
  for (Value operand : op->getOperands())
    captured.insert(operand);
  getUsedValuesDefinedAbove(op->getRegions(), captured);

  SmallVector<Value> arguments, cloned;
  for (Value v : captured)
    (isCloneable(v) ? cloned : arguments).push_back(v);

  OpBuilder b(parent->getContext());
  b.setInsertionPointAfter(after);
  auto type = b.getFunctionType(ValueRange(arguments).getTypes(), {});
  auto callee = func::FuncOp::create(b, op->getLoc(), name, type);
  callee.setPrivate();
  // Internal in LLVM too (func-to-llvm reads this), not exported.
  callee->setAttr("llvm.linkage",
                  LLVM::LinkageAttr::get(b.getContext(), LLVM::Linkage::Internal));
  // Inlining it back would undo the point.
  callee->setAttr("passthrough", b.getArrayAttr({b.getStringAttr("noinline")}));
  symbols.insert(callee);
  Block *body = callee.addEntryBlock();

  b.setInsertionPoint(op);
  func::CallOp::create(b, op->getLoc(), callee, arguments);

  b.setInsertionPointToStart(body);
  IRMapping mapping;
  for (Value v : cloned)
    mapping.map(v, b.clone(*v.getDefiningOp())->getResult(0));
  for (auto [v, arg] : llvm::zip(arguments, body->getArguments()))
    mapping.map(v, arg);
  auto ret = func::ReturnOp::create(b, op->getLoc());
  op->moveBefore(ret);
  // Rewrite the operands of `op` and its nested ops, not the uses of the
  // captured values: a constant CSE shares across the function (c0, c1, a
  // zero) has uses in every nest, and visiting all of them per outlined
  // nest made this pass quadratic in the number of nests.
  op->walk([&](Operation *nested) {
    for (OpOperand &use : nested->getOpOperands())
      if (Value to = mapping.lookupOrNull(use.get()))
        use.set(to);
  });
  return callee;
}

struct OutlineLoopNestsPass
    : mlir::bitnet::impl::OutlineLoopNestsPassBase<OutlineLoopNestsPass> {
  using OutlineLoopNestsPassBase::OutlineLoopNestsPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    // (A snapshot: the functions this pass creates are not outlined again.
    // Private functions are, e.g. a decoder's context buckets.)
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    for (func::FuncOp function : functions) {
      if (function.isExternal() || !function.getBody().hasOneBlock())
        continue;
      SmallVector<Operation *> nests;
      for (Operation &op : function.getBody().front())
        if (op.getNumRegions() > 0 && op.getNumResults() == 0)
          nests.push_back(&op);
      if (static_cast<int64_t>(nests.size()) < minOps)
        continue;
      Operation *after = function;
      for (auto [i, op] : llvm::enumerate(nests))
        after = outline(function, op,
                        (function.getSymName() + "_nest" + llvm::Twine(i)).str(),
                        after, symbols);
    }
  }
};

} // namespace
