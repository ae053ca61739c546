//===- KVCacheInPlace.cpp - fixed-capacity key-value caches, updated in place ===//
//
// An exported decoder appends to its key-value caches with Concat(past,
// new), a copy of the whole cache per step. Given cache inputs already
// sized so the concatenation has the capacity's length, this pass writes
// the new entries into the past buffer at a run-time position instead; the
// rest of the graph keeps its shapes (see the pass description).
//
//===----------------------------------------------------------------------===//

#include "bitnet/Model/Passes.h"
#include "bitnet/ABI/ModelABI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_KVCACHEINPLACEPASS
#include "bitnet/Model/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
namespace abi = ::bitnet::abi;
using namespace mlir::bitnet;

namespace {

/// One cache: the argument, the concatenation that appends to it, and the
/// result index of that concatenation in the return.
struct CacheUpdate {
  unsigned argIndex;
  unsigned resultIndex;
  tosa::ConcatOp concat;
};

StringRef nameAt(ArrayAttr names, unsigned index) {
  if (!names || index >= names.size())
    return {};
  auto text = dyn_cast<StringAttr>(names[index]);
  return text ? text.getValue() : StringRef();
}

struct KVCacheInPlacePass
    : mlir::bitnet::impl::KVCacheInPlacePassBase<KVCacheInPlacePass> {
  using KVCacheInPlacePassBase::KVCacheInPlacePassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    auto inputNames = func->getAttrOfType<ArrayAttr>("bitnet.input_names");
    auto outputNames = func->getAttrOfType<ArrayAttr>("bitnet.output_names");
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());

    SmallVector<CacheUpdate> updates;
    for (BlockArgument arg : func.getArguments()) {
      StringRef name = nameAt(inputNames, arg.getArgNumber());
      if (!name.starts_with(pastPrefix))
        continue;
      std::string present = presentPrefix + name.drop_front(pastPrefix.size()).str();
      FailureOr<CacheUpdate> update = matchUpdate(func, arg, name, present,
                                                  outputNames, ret);
      if (failed(update))
        return signalPassFailure();
      updates.push_back(*update);
    }
    if (updates.empty())
      return;
    if (llvm::is_contained(inputNames.getAsValueRange<StringAttr>(),
                           abi::kCachePosition)) {
      func.emitError() << "bitnet-kv-cache-in-place: the function already has an "
                          "input named '" << abi::kCachePosition << "'";
      return signalPassFailure();
    }
    rewrite(func, updates, inputNames, outputNames, ret);
  }

private:
  /// Checks that `arg` (the input `name`) is only appended to by a
  /// concatenation that the function returns as `present`.
  FailureOr<CacheUpdate> matchUpdate(func::FuncOp func, BlockArgument arg,
                                     StringRef name, StringRef present,
                                     ArrayAttr outputNames, func::ReturnOp ret) {
    auto fail = [&](const Twine &why) {
      func.emitError() << "bitnet-kv-cache-in-place: cache input '" << name
                       << "' " << why;
      return failure();
    };
    auto concat = arg.hasOneUse() ? dyn_cast<tosa::ConcatOp>(*arg.user_begin())
                                  : tosa::ConcatOp();
    if (!concat || concat.getInput1().size() != 2 ||
        concat.getInput1()[0] != arg)
      return fail("is not only the first operand of a two-operand concatenation");
    std::optional<unsigned> resultIndex;
    for (OpOperand &operand : ret->getOpOperands())
      if (operand.get() == concat.getResult() &&
          nameAt(outputNames, operand.getOperandNumber()) == present)
        resultIndex = operand.getOperandNumber();
    if (!resultIndex)
      return fail("is not concatenated into the output '" + present + "'");
    auto type = cast<RankedTensorType>(concat.getType());
    if (!type.hasStaticShape())
      return fail("needs static shapes (give the inputs' sizes at import)");
    return CacheUpdate{arg.getArgNumber(), *resultIndex, concat};
  }

  void rewrite(func::FuncOp func, ArrayRef<CacheUpdate> updates,
               ArrayAttr inputNames, ArrayAttr outputNames, func::ReturnOp ret) {
    MLIRContext *ctx = &getContext();
    Block &body = func.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&body);
    Location loc = func.getLoc();

    // The insertion offset, from the new `cache_position` input.
    auto positionType = RankedTensorType::get({1}, b.getI64Type());
    if (failed(func.insertArgument(func.getNumArguments(), positionType, {}, loc)))
      return signalPassFailure();
    Value position = body.getArguments().back();
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value offset = arith::IndexCastOp::create(
        b, loc, b.getIndexType(),
        tensor::ExtractOp::create(b, loc, position, ValueRange{zero}));

    llvm::BitVector removedResults(ret.getNumOperands());
    for (const CacheUpdate &update : updates) {
      tosa::ConcatOp concat = update.concat;
      BlockArgument cache = body.getArgument(update.argIndex);
      auto capacityType = cast<RankedTensorType>(concat.getType());
      cache.setType(capacityType);
      Value entries = concat.getInput1()[1];
      auto entriesType = cast<RankedTensorType>(entries.getType());
      int64_t axis = concat.getAxis();
      SmallVector<OpFoldResult> offsets(capacityType.getRank(), b.getIndexAttr(0));
      offsets[axis] = offset;
      SmallVector<OpFoldResult> sizes, strides(capacityType.getRank(),
                                               b.getIndexAttr(1));
      for (int64_t size : entriesType.getShape())
        sizes.push_back(b.getIndexAttr(size));
      b.setInsertionPoint(concat);
      Value updated = tensor::InsertSliceOp::create(b, concat.getLoc(), entries,
                                                    cache, offsets, sizes, strides);
      concat.getResult().replaceAllUsesWith(updated);
      concat.erase();
      removedResults.set(update.resultIndex);
      func.setArgAttr(update.argIndex, kStateArgAttr, UnitAttr::get(ctx));
    }

    // Drop the present results: the caches carry them.
    SmallVector<Attribute> keptNames;
    for (unsigned i = 0; i < ret.getNumOperands(); ++i)
      if (!removedResults.test(i))
        keptNames.push_back(outputNames[i]);
    ret->eraseOperands(removedResults);
    func.setType(FunctionType::get(ctx, body.getArgumentTypes(),
                                   func.getResultTypes()));
    if (failed(func.eraseResults(removedResults)))
      return signalPassFailure();
    SmallVector<Attribute> names(inputNames.begin(), inputNames.end());
    names.push_back(StringAttr::get(ctx, abi::kCachePosition));
    func->setAttr("bitnet.input_names", ArrayAttr::get(ctx, names));
    func->setAttr("bitnet.output_names", ArrayAttr::get(ctx, keptNames));
  }
};

} // namespace
