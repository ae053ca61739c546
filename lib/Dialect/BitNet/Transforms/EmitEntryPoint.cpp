//===- EmitEntryPoint.cpp - plain C entry point for a compiled model ---===//
//
// MLIR's C interface passes memref descriptors, whose layout depends on each
// tensor's rank; a runtime that loads any model wants one signature. This
// pass adds `bitnet_run(inputs, outputs)` taking arrays of data pointers,
// and a text record of the tensors (names, element types, shapes) the
// runtime reads to size and bind them.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_EMITENTRYPOINTPASS
#include "bitnet/Dialect/BitNet/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
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
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    desc = LLVM::InsertValueOp::create(b, desc, i64(type.getDimSize(d)),
                                       ArrayRef<int64_t>{3, d});
    desc = LLVM::InsertValueOp::create(b, desc, i64(stride), ArrayRef<int64_t>{4, d});
    stride *= type.getDimSize(d);
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
      module.emitError() << "bitnet-emit-entry-point: no function @" << funcName;
      return signalPassFailure();
    }
    std::string suffix = entryName.empty() ? "" : "_" + entryName;
    std::string runSymbol = "bitnet_run" + suffix;
    std::string infoSymbol = "bitnet_model_info" + suffix;
    if (module.lookupSymbol(runSymbol) || module.lookupSymbol(infoSymbol))
      return; // already there

    // The signature record; every tensor must have a static shape.
    std::string info = "bitnet-model 1\n";
    auto describe = [&](StringRef kind, ArrayAttr names, int64_t index,
                        Type type) -> bool {
      auto tensor = dyn_cast<RankedTensorType>(type);
      std::string element = tensor ? elementTypeName(tensor.getElementType()) : "";
      if (!tensor || !tensor.hasStaticShape() || element.empty()) {
        model.emitError() << "bitnet-emit-entry-point: " << kind << " " << index
                          << " of @" << funcName << " has type " << type
                          << "; the entry point needs statically shaped tensors of "
                             "int, float or bool elements";
        return false;
      }
      std::string name = kind.str() + std::to_string(index);
      if (names && index < static_cast<int64_t>(names.size()))
        if (auto text = dyn_cast<StringAttr>(names[index]))
          name = text.str();
      info += kind.str() + " " + name + " " + element + " ";
      if (tensor.getRank() == 0)
        info += "scalar";
      for (int64_t d = 0; d < tensor.getRank(); ++d)
        info += (d ? "x" : "") + std::to_string(tensor.getDimSize(d));
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
    auto call = func::CallOp::create(b, model, args);
    for (auto [j, result] : llvm::enumerate(call.getResults())) {
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
};

} // namespace
