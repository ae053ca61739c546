//===- EmitEntryPoint.cpp - plain C entry point for a compiled model ---===//
//
// MLIR's C interface passes memref descriptors, whose layout depends on each
// tensor's rank; a runtime that loads any model wants one signature. This
// pass adds `bitnet_run(inputs, outputs)` taking arrays of data pointers,
// and a text record of the tensors (names, element types, shapes) the
// runtime reads to size and bind them.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Model/Passes.h"
#include "bitnet/ABI/ModelABI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_EMITENTRYPOINTPASS
#include "bitnet/Model/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
namespace abi = ::bitnet::abi;
using namespace mlir::bitnet;

namespace {

/// The element type as the signature record spells it (numpy-like names).
std::string elementTypeName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isF64())
    return "f64";
  if (type.isInteger(1))
    return "bool";
  if (auto integer = dyn_cast<IntegerType>(type))
    return "i" + std::to_string(integer.getWidth());
  return "";
}

/// LLVM's view of an identity-layout memref of rank `rank` (what
/// finalize-memref-to-llvm produces with 64-bit indices).
LLVM::LLVMStructType descriptorType(MLIRContext *ctx, int64_t rank) {
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Type i64 = IntegerType::get(ctx, 64);
  SmallVector<Type> fields = {ptr, ptr, i64};
  if (rank > 0) {
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
  }
  return LLVM::LLVMStructType::getLiteral(ctx, fields);
}

/// The contiguous buffer `pointers[index]` as a memref of `type`.
Value bufferAsMemRef(ImplicitLocOpBuilder &b, Value pointers, int64_t index,
                     RankedTensorType type) {
  MLIRContext *ctx = b.getContext();
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Value slot = LLVM::GEPOp::create(b, ptr, ptr, pointers,
                                   ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(index)});
  Value data = LLVM::LoadOp::create(b, ptr, slot);
  int64_t rank = type.getRank();
  auto structType = descriptorType(ctx, rank);
  auto i64 = [&](int64_t v) {
    return LLVM::ConstantOp::create(b, b.getI64Type(), b.getI64IntegerAttr(v));
  };
  Value desc = LLVM::UndefOp::create(b, structType);
  desc = LLVM::InsertValueOp::create(b, desc, data, ArrayRef<int64_t>{0});
  desc = LLVM::InsertValueOp::create(b, desc, data, ArrayRef<int64_t>{1});
  desc = LLVM::InsertValueOp::create(b, desc, i64(0), ArrayRef<int64_t>{2});
  SmallVector<int64_t> strides = computeSuffixProduct(type.getShape());
  for (int64_t d = rank - 1; d >= 0; --d) {
    desc = LLVM::InsertValueOp::create(b, desc, i64(type.getDimSize(d)),
                                       ArrayRef<int64_t>{3, d});
    desc = LLVM::InsertValueOp::create(b, desc, i64(strides[d]), ArrayRef<int64_t>{4, d});
  }
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return UnrealizedConversionCastOp::create(b, memrefType, desc).getResult(0);
}

struct EmitEntryPointPass
    : mlir::bitnet::impl::EmitEntryPointPassBase<EmitEntryPointPass> {
  using EmitEntryPointPassBase::EmitEntryPointPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto model = module.lookupSymbol<func::FuncOp>(funcName);
    if (!model || model.isExternal()) {
      emitError(module.getLoc()) << "bitnet-emit-entry-point: no function @" << funcName;
      return signalPassFailure();
    }
    std::string runSymbol = abi::entrySymbol(abi::kRunSymbol, entryName);
    std::string infoSymbol = abi::entrySymbol(abi::kModelInfoSymbol, entryName);
    if (module.lookupSymbol(runSymbol) || module.lookupSymbol(infoSymbol))
      return; // already there

    // The signature record; every tensor must have a static shape.
    std::string info = std::string(abi::kModelRecordHeader) + "\n";
    auto indexBounds = model->getAttrOfType<DictionaryAttr>(kIndexBoundsAttr);
    auto describe = [&](StringRef kind, ArrayAttr names, int64_t index,
                        Type type) -> bool {
      auto tensor = dyn_cast<RankedTensorType>(type);
      std::string element = tensor ? elementTypeName(tensor.getElementType()) : "";
      if (!tensor || !tensor.hasStaticShape() || element.empty()) {
        emitError(model.getLoc()) << "bitnet-emit-entry-point: " << kind << " " << index
                          << " of @" << funcName << " has type " << type
                          << "; the entry point needs statically shaped tensors of "
                             "int, float or bool elements";
        return false;
      }
      std::string name = kind.str() + std::to_string(index);
      if (names && index < static_cast<int64_t>(names.size()))
        if (auto text = dyn_cast<StringAttr>(names[index]))
          name = text.str();
      if (!abi::isRecordableName(name)) {
        emitError(model.getLoc()) << "bitnet-emit-entry-point: " << kind << " name '"
                          << name << "' is empty or holds spaces or control "
                             "characters";
        return false;
      }
      info += kind.str() + " " + name + " " + element + " ";
      if (tensor.getRank() == 0)
        info += "scalar";
      for (int64_t d = 0; d < tensor.getRank(); ++d)
        info += (d ? "x" : "") + std::to_string(tensor.getDimSize(d));
      if (auto bounds = indexBounds ? dyn_cast_or_null<DenseI64ArrayAttr>(
                                          indexBounds.get(name))
                                    : nullptr;
          bounds && bounds.size() == 2 && kind != "output")
        info += " " + std::string(abi::kBoundsField) + std::to_string(bounds[0]) +
                ":" + std::to_string(bounds[1]);
      info += "\n";
      return true;
    };
    FunctionType type = model.getFunctionType();
    auto inputNames = model->getAttrOfType<ArrayAttr>("bitnet.input_names");
    auto outputNames = model->getAttrOfType<ArrayAttr>("bitnet.output_names");
    auto isState = [&](unsigned i) {
      return bool(model.getArgAttr(i, kStateArgAttr));
    };
    for (auto [i, t] : llvm::enumerate(type.getInputs()))
      if (!describe(isState(i) ? "state" : "input", inputNames, i, t))
        return signalPassFailure();
    for (auto [i, t] : llvm::enumerate(type.getResults()))
      if (!describe("output", outputNames, i, t))
        return signalPassFailure();

    MLIRContext *ctx = &getContext();
    ImplicitLocOpBuilder b(model.getLoc(), ctx);
    b.setInsertionPointToEnd(module.getBody());
    auto textType = LLVM::LLVMArrayType::get(b.getI8Type(), info.size() + 1);
    LLVM::GlobalOp::create(b, textType, /*isConstant=*/true, LLVM::Linkage::External,
                           infoSymbol,
                           b.getStringAttr(StringRef(info.c_str(), info.size() + 1)));

    Type ptr = LLVM::LLVMPointerType::get(ctx);
    auto entry = func::FuncOp::create(b, runSymbol, b.getFunctionType({ptr, ptr}, {}));
    b.setInsertionPointToStart(entry.addEntryBlock());
    Value inputs = entry.getArgument(0), outputs = entry.getArgument(1);
    SmallVector<Value> args;
    for (auto [i, t] : llvm::enumerate(type.getInputs())) {
      auto tensorType = cast<RankedTensorType>(t);
      Value memref = bufferAsMemRef(b, inputs, i, tensorType);
      // State (a key-value cache) is updated in the caller's buffer.
      args.push_back(bufferization::ToTensorOp::create(
          b, tensorType, memref, /*restrict=*/true, /*writable=*/isState(i)));
    }
    FailureOr<SmallVector<Value>> results = callModel(b, model, args);
    if (failed(results))
      return signalPassFailure();
    for (auto [j, result] : llvm::enumerate(*results)) {
      Value dest = bufferAsMemRef(b, outputs, j, cast<RankedTensorType>(result.getType()));
      auto store = bufferization::MaterializeInDestinationOp::create(
          b, TypeRange{}, result, dest);
      store.setRestrict(true);
      store.setWritable(true);
    }
    func::ReturnOp::create(b);
    // The record and the writable buffers carry the state marks now; LLVM
    // has no meaning for them.
    for (unsigned i = 0; i < model.getNumArguments(); ++i)
      model.removeArgAttr(i, kStateArgAttr);
  }

private:
  /// Calls `model`, or, where functions stand in for it at smaller cache
  /// capacities (kBucketOfAttr), the smallest whose capacity exceeds the
  /// `cache_position` input, on the first slots of the buffers.
  FailureOr<SmallVector<Value>> callModel(ImplicitLocOpBuilder &b, func::FuncOp model,
                                          ArrayRef<Value> args) {
    SmallVector<func::FuncOp> buckets;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (auto of = func->getAttrOfType<StringAttr>(kBucketOfAttr);
          of && of.getValue() == model.getSymName())
        buckets.push_back(func);
    if (buckets.empty())
      return SmallVector<Value>(func::CallOp::create(b, model, args).getResults());
    auto names = model->getAttrOfType<ArrayAttr>("bitnet.input_names");
    std::optional<unsigned> positionIndex;
    for (unsigned i = 0; names && i < names.size() && !positionIndex; ++i)
      if (auto name = dyn_cast<StringAttr>(names[i]); name && name == abi::kCachePosition)
        positionIndex = i;
    auto i64Position = RankedTensorType::get({1}, IntegerType::get(&getContext(), 64));
    if (!positionIndex || model.getArgumentTypes()[*positionIndex] != i64Position) {
      emitError(model.getLoc()) << "bitnet-emit-entry-point: @" << model.getSymName()
                        << " has context buckets but no '" << abi::kCachePosition
                        << "' input of type " << i64Position;
      return failure();
    }
    for (func::FuncOp bucket : buckets)
      if (failed(checkBucket(model, bucket)))
        return failure();
    llvm::sort(buckets, [](func::FuncOp x, func::FuncOp y) {
      return capacity(x) < capacity(y);
    });

    // The bucket holds the new tokens' slots iff position + S <= capacity.
    Value zero = arith::ConstantIndexOp::create(b, 0);
    Value position = tensor::ExtractOp::create(b, args[*positionIndex], zero);
    std::function<SmallVector<Value>(OpBuilder &, Location, size_t)> dispatch =
        [&](OpBuilder &ob, Location loc, size_t i) -> SmallVector<Value> {
      ImplicitLocOpBuilder db(loc, ob);
      if (i == buckets.size())
        return SmallVector<Value>(func::CallOp::create(db, model, args).getResults());
      Value fits = arith::CmpIOp::create(
          db, arith::CmpIPredicate::sle, position,
          arith::ConstantIntOp::create(db, capacity(buckets[i]) - newTokens(buckets[i]), 64));
      auto branch = scf::IfOp::create(
          db, fits,
          [&](OpBuilder &tb, Location tl) {
            ImplicitLocOpBuilder cb(tl, tb);
            auto call = func::CallOp::create(cb, buckets[i], bucketArgs(cb, buckets[i], args));
            scf::YieldOp::create(cb, call.getResults());
          },
          [&](OpBuilder &eb, Location el) {
            scf::YieldOp::create(eb, el, dispatch(eb, el, i + 1));
          });
      return SmallVector<Value>(branch.getResults());
    };
    SmallVector<Value> results = dispatch(b, b.getLoc(), 0);
    for (func::FuncOp bucket : buckets)
      for (unsigned i = 0; i < bucket.getNumArguments(); ++i)
        bucket.removeArgAttr(i, kStateArgAttr);
    return results;
  }

  static int64_t capacity(func::FuncOp bucket) {
    return bucket->getAttrOfType<IntegerAttr>(kContextBucketAttr).getInt();
  }
  static int64_t newTokens(func::FuncOp bucket) {
    auto tokens = bucket->getAttrOfType<IntegerAttr>(kBucketNewTokensAttr);
    return tokens ? tokens.getInt() : 1;
  }

  /// A bucket of capacity B takes the model's inputs (same names, same
  /// state arguments), each the same tensor or its leading block of B slots:
  /// every dimension in which the two differ is the model's capacity C in
  /// the model and B in the bucket (a cache's slots, a mask's entries), so
  /// the dispatch on the position and the slicing agree. It has the model's
  /// results.
  static LogicalResult checkBucket(func::FuncOp model, func::FuncOp bucket) {
    auto fail = [&]() {
      return bucket.emitError() << "bitnet-emit-entry-point: @" << bucket.getSymName()
                                << " cannot stand in for @" << model.getSymName()
                                << ": ";
    };
    auto capacityAttr = bucket->getAttrOfType<IntegerAttr>(kContextBucketAttr);
    if (!capacityAttr)
      return fail() << "it has no " << kContextBucketAttr << " capacity";
    if (newTokens(bucket) < 1 || newTokens(bucket) > capacityAttr.getInt())
      return fail() << "its " << kBucketNewTokensAttr << " (" << newTokens(bucket)
                    << ") must be in [1, " << capacityAttr.getInt() << "]";
    if (bucket.getResultTypes() != model.getResultTypes() ||
        bucket.getNumArguments() != model.getNumArguments() ||
        bucket->getAttr("bitnet.input_names") != model->getAttr("bitnet.input_names"))
      return fail() << "its inputs or results differ beyond the capacity";
    int64_t bucketCapacity = capacityAttr.getInt();
    std::optional<int64_t> modelCapacity;
    for (auto [i, full, part] : llvm::enumerate(model.getArgumentTypes(),
                                                bucket.getArgumentTypes())) {
      auto fullType = dyn_cast<RankedTensorType>(full);
      auto partType = dyn_cast<RankedTensorType>(part);
      bool blockOf = fullType && partType &&
                     fullType.getElementType() == partType.getElementType() &&
                     fullType.getRank() == partType.getRank() &&
                     bool(model.getArgAttr(i, kStateArgAttr)) ==
                         bool(bucket.getArgAttr(i, kStateArgAttr));
      for (int64_t d = 0; blockOf && d < fullType.getRank(); ++d) {
        int64_t size = fullType.getDimSize(d), slots = partType.getDimSize(d);
        if (size == slots)
          continue;
        if (!modelCapacity)
          modelCapacity = size;
        blockOf = slots == bucketCapacity && size == *modelCapacity &&
                  bucketCapacity < size;
      }
      if (!blockOf)
        return fail() << "argument " << i << " (" << part
                      << ") is not the model's argument (" << full
                      << ") or its leading block of " << bucketCapacity << " slots";
    }
    return success();
  }

  /// The bucket's arguments: the leading blocks of `args`. Those that are
  /// strided views of a larger buffer tell bufferization their layout, so
  /// the bucket reads and updates the caller's buffers in place.
  static SmallVector<Value> bucketArgs(ImplicitLocOpBuilder &b, func::FuncOp bucket,
                                       ArrayRef<Value> args) {
    SmallVector<Value> sliced;
    for (auto [i, arg] : llvm::enumerate(args)) {
      auto fullType = cast<RankedTensorType>(arg.getType());
      auto partType = cast<RankedTensorType>(bucket.getArgumentTypes()[i]);
      if (fullType == partType) {
        sliced.push_back(arg);
        continue;
      }
      int64_t rank = fullType.getRank();
      SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
      SmallVector<int64_t> layout = computeSuffixProduct(fullType.getShape());
      sliced.push_back(tensor::ExtractSliceOp::create(b, partType, arg, ValueRange{},
                                                      ValueRange{}, ValueRange{},
                                                      offsets, partType.getShape(),
                                                      strides));
      bucket.setArgAttr(i, bufferization::BufferizationDialect::kBufferLayoutAttrName,
                        StridedLayoutAttr::get(b.getContext(), 0, layout));
    }
    return sliced;
  }
};

} // namespace
