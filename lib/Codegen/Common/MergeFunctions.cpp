//===- MergeFunctions.cpp - one function per distinct loop nest ----------===//
//
// After bitnet-outline-loop-nests, a decoder's N layers give N copies of
// each layer's loop nests, identical but for the weights (globals) and the
// scales (float constants) they read. This pass keeps one copy and passes
// those as arguments, so LLVM optimizes and generates each nest once instead
// of once per layer.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/Common/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Hashing.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_MERGEFUNCTIONSPASS
#include "bitnet/Codegen/Common/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;

namespace {

/// An op whose value may differ between functions that are otherwise the
/// same, and becomes an argument of the merged function: a global (a
/// layer's weights) or a float constant (a layer's scale). Integer and
/// index constants stay: they are loop bounds and shapes LLVM needs. Ops
/// under another isolated-from-above op than the function cannot use its
/// arguments, so they stay too.
bool isHole(Operation *op) {
  if (!isa<func::FuncOp>(op->getParentWithTrait<OpTrait::IsIsolatedFromAbove>()))
    return false;
  if (isa<memref::GetGlobalOp>(op))
    return true;
  auto constant = dyn_cast<arith::ConstantOp>(op);
  return constant && isa<FloatType>(getElementTypeOrSelf(constant.getType()));
}

/// Whether holes `a` and `b` produce the same value.
bool sameHoleValue(Operation *a, Operation *b) {
  if (auto global = dyn_cast<memref::GetGlobalOp>(a))
    return global.getName() == cast<memref::GetGlobalOp>(b).getName();
  return cast<arith::ConstantOp>(a).getValue() == cast<arith::ConstantOp>(b).getValue();
}

/// The ops of `function`'s body in pre-order.
SmallVector<Operation *> bodyOps(func::FuncOp function) {
  SmallVector<Operation *> ops;
  function.getBody().walk<WalkOrder::PreOrder>([&](Operation *op) { ops.push_back(op); });
  return ops;
}

/// A hash equal for functions that `sameUpToHoles` may find equal.
llvm::hash_code shapeHash(func::FuncOp function, ArrayRef<Operation *> ops) {
  llvm::hash_code hash = hash_value(function.getFunctionType());
  for (Operation *op : ops) {
    hash = llvm::hash_combine(hash, op->getName(), op->getNumOperands(),
                              op->getNumRegions());
    for (Type type : op->getResultTypes())
      hash = llvm::hash_combine(hash, type);
    if (!isHole(op))
      hash = llvm::hash_combine(hash, op->getAttrDictionary());
  }
  return hash;
}

/// Whether functions with bodies `aOps` and `bOps` compute the same thing
/// up to holes: the same ops in the same blocks, with the same types,
/// attributes, operands and successors (up to renaming).
bool sameUpToHoles(func::FuncOp a, ArrayRef<Operation *> aOps, func::FuncOp b,
                   ArrayRef<Operation *> bOps) {
  if (a.getFunctionType() != b.getFunctionType() || aOps.size() != bOps.size() ||
      a.getArgAttrsAttr() != b.getArgAttrsAttr() ||
      a.getResAttrsAttr() != b.getResAttrsAttr() ||
      a->getDiscardableAttrDictionary() != b->getDiscardableAttrDictionary())
    return false;
  IRMapping map;
  auto mapRegions = [&](MutableArrayRef<Region> x, MutableArrayRef<Region> y) {
    for (auto [rx, ry] : llvm::zip_equal(x, y)) {
      if (rx.getBlocks().size() != ry.getBlocks().size())
        return false;
      for (auto [bx, by] : llvm::zip_equal(rx, ry)) {
        if (bx.getArgumentTypes() != by.getArgumentTypes())
          return false;
        map.map(&bx, &by);
        map.map(bx.getArguments(), by.getArguments());
      }
    }
    return true;
  };
  if (!mapRegions(a->getRegions(), b->getRegions()))
    return false;
  for (auto [x, y] : llvm::zip_equal(aOps, bOps)) {
    if (x->getName() != y->getName() || x->getResultTypes() != y->getResultTypes() ||
        x->getNumOperands() != y->getNumOperands() ||
        x->getNumSuccessors() != y->getNumSuccessors() ||
        x->getNumRegions() != y->getNumRegions() ||
        map.lookupOrNull(x->getBlock()) != y->getBlock())
      return false;
    if (!isHole(x) && x->getAttrDictionary() != y->getAttrDictionary())
      return false;
    for (auto [u, v] : llvm::zip_equal(x->getOperands(), y->getOperands()))
      if (map.lookupOrNull(u) != v)
        return false;
    for (auto [s, t] : llvm::zip_equal(x->getSuccessors(), y->getSuccessors()))
      if (map.lookupOrNull(s) != t)
        return false;
    if (!mapRegions(x->getRegions(), y->getRegions()))
      return false;
    map.map(x->getResults(), y->getResults());
  }
  return true;
}

/// A function that may be merged, with its body and call sites.
struct Candidate {
  func::FuncOp function;
  SmallVector<Operation *> ops;
  SmallVector<func::CallOp> calls;

  SmallVector<Operation *> holes() const {
    return llvm::filter_to_vector(ops, isHole);
  }
};

/// Merges `group` (equal up to holes) into its first function: the holes
/// whose value differs within the group become trailing arguments, each
/// call site passes its own function's values, the other functions go.
void merge(ArrayRef<Candidate *> group) {
  Candidate &kept = *group.front();
  SmallVector<Operation *> keptHoles = kept.holes();
  SmallVector<SmallVector<Operation *>> holes;
  for (Candidate *c : group)
    holes.push_back(c->holes());
  SmallVector<size_t> varying;
  for (size_t h = 0; h < keptHoles.size(); ++h)
    if (llvm::any_of(holes, [&](auto &other) {
          return !sameHoleValue(keptHoles[h], other[h]);
        }))
      varying.push_back(h);

  // Call sites first, while each function's holes still exist to clone.
  for (auto [candidate, candidateHoles] : llvm::zip_equal(group, holes)) {
    for (func::CallOp call : candidate->calls) {
      OpBuilder b(call);
      SmallVector<Value> operands(call.getOperands());
      for (size_t h : varying)
        operands.push_back(b.clone(*candidateHoles[h])->getResult(0));
      func::CallOp::create(b, call.getLoc(), kept.function, operands);
      call.erase();
    }
  }
  func::FuncOp function = kept.function;
  for (size_t h : varying) {
    Operation *hole = keptHoles[h];
    unsigned index = function.getNumArguments();
    (void)function.insertArgument(index, hole->getResult(0).getType(), {},
                                  hole->getLoc());
    hole->getResult(0).replaceAllUsesWith(function.getArgument(index));
    hole->erase();
  }
  for (Candidate *other : group.drop_front())
    other->function.erase();
}

struct MergeFunctionsPass
    : mlir::bitnet::impl::MergeFunctionsPassBase<MergeFunctionsPass> {
  using MergeFunctionsPassBase::MergeFunctionsPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Private functions with a body whose every use is a direct call, and
    // that call nothing (merging never changes a candidate's body then).
    SymbolTableCollection symbolTables;
    SymbolUserMap users(symbolTables, module);
    SmallVector<std::unique_ptr<Candidate>> candidates;
    for (func::FuncOp function : module.getOps<func::FuncOp>()) {
      if (!function.isPrivate() || function.isExternal() ||
          function.getBody()
              .walk([](func::CallOp) { return WalkResult::interrupt(); })
              .wasInterrupted())
        continue;
      auto candidate = std::make_unique<Candidate>();
      candidate->function = function;
      bool onlyCalls = true;
      for (Operation *user : users.getUsers(function)) {
        auto call = dyn_cast<func::CallOp>(user);
        onlyCalls &= call && call.getCallee() == function.getSymName();
        if (call)
          candidate->calls.push_back(call);
      }
      if (!onlyCalls)
        continue;
      candidate->ops = bodyOps(function);
      candidates.push_back(std::move(candidate));
    }

    // Groups of equal functions: hash, then compare with each group's first
    // function. Candidates come in module order, so the first of a group,
    // the one kept, is its first in the module (deterministic output).
    llvm::DenseMap<llvm::hash_code, SmallVector<SmallVector<Candidate *>>> byHash;
    for (auto &c : candidates) {
      auto &sameHash = byHash[shapeHash(c->function, c->ops)];
      auto group = llvm::find_if(sameHash, [&](SmallVector<Candidate *> &g) {
        return sameUpToHoles(g.front()->function, g.front()->ops, c->function, c->ops);
      });
      if (group != sameHash.end())
        group->push_back(c.get());
      else
        sameHash.push_back({c.get()});
    }
    int64_t merged = 0, kept = 0;
    // (Groups are disjoint and merged independently: the map's order does
    // not show in the output.)
    for (auto &[hash, sameHash] : byHash)
      for (SmallVector<Candidate *> &group : sameHash) {
        if (group.size() < 2)
          continue;
        merge(group);
        merged += group.size();
        ++kept;
      }
    if (printStats)
      emitRemark(module.getLoc())
          << "merged " << merged << " functions into " << kept;
  }
};

} // namespace
