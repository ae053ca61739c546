//===- ExternalizeWeights.cpp - weights into a memory-mapped side file --===//
//
// A model's weights compiled in as constants make the library as large as
// the model, and every byte passes through LLVM's optimizer and code
// generator. This pass moves the large constant globals of an LLVM-dialect
// module into a separate byte blob (written as the `.weights` file next to
// the library, docs/abi.md) and makes the code address them through a
// pointer the runtime sets after memory-mapping that file.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Model/Passes.h"

#include "bitnet/ABI/ModelABI.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

namespace mlir::bitnet {
#define GEN_PASS_DEF_EXTERNALIZEWEIGHTSPASS
#include "bitnet/Model/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
namespace abi = ::bitnet::abi;
using namespace mlir::bitnet;

namespace {

/// The initializer's bytes as they lie in memory (a view of the attribute's
/// storage; a splat is expanded into `scratch`), or nothing when the global
/// is not a plain array of byte-sized elements (strings, i1, regions).
std::optional<ArrayRef<char>> initializerBytes(LLVM::GlobalOp global,
                                               std::string &scratch) {
  Attribute value = global.getValueOrNull();
  auto elements = dyn_cast_or_null<ElementsAttr>(value);
  if (!elements || !global.getInitializerRegion().empty())
    return std::nullopt;
  Type element = elements.getElementType();
  // i1 is one byte in memory but one bit in a dense attribute.
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  size_t elementBytes = element.getIntOrFloatBitWidth() / 8;
  size_t total = elementBytes * elements.getNumElements();
  ArrayRef<char> raw;
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    raw = dense.getRawData();
    if (dense.isSplat()) {
      scratch.clear();
      scratch.reserve(total);
      for (int64_t i = 0, e = elements.getNumElements(); i < e; ++i)
        scratch.append(raw.data(), elementBytes);
      raw = ArrayRef<char>(scratch.data(), scratch.size());
    }
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    raw = blob->getData();
  } else {
    return std::nullopt;
  }
  if (raw.size() != total)
    return std::nullopt;
  return raw;
}

/// Per symbol, whether every use is an `llvm.mlir.addressof` inside a
/// function, the only uses the rewrite knows how to replace (symbols without
/// uses are absent). One walk of the module: a walk per global was
/// quadratic (30 s for a 24-layer model). Nothing when the uses are unknown.
std::optional<llvm::DenseMap<StringAttr, bool>>
addressedOnlyFromFunctions(ModuleOp module) {
  std::optional<SymbolTable::UseRange> uses =
      SymbolTable::getSymbolUses(&module.getBodyRegion());
  if (!uses)
    return std::nullopt;
  llvm::DenseMap<StringAttr, bool> result;
  for (const SymbolTable::SymbolUse &use : *uses) {
    bool ok = isa<LLVM::AddressOfOp>(use.getUser()) &&
              use.getUser()->getParentOfType<LLVM::LLVMFuncOp>();
    auto [it, inserted] =
        result.try_emplace(use.getSymbolRef().getRootReference(), ok);
    if (!inserted)
      it->second = it->second && ok;
  }
  return result;
}

LLVM::GlobalOp addI64Constant(OpBuilder &b, Location loc, StringRef name,
                              uint64_t value) {
  return LLVM::GlobalOp::create(b, loc, b.getI64Type(), /*isConstant=*/true,
                                LLVM::Linkage::External, name,
                                b.getI64IntegerAttr(static_cast<int64_t>(value)));
}

struct ExternalizeWeightsPass
    : mlir::bitnet::impl::ExternalizeWeightsPassBase<ExternalizeWeightsPass> {
  using ExternalizeWeightsPassBase::ExternalizeWeightsPassBase;

  void runOnOperation() override {
    std::string data;
    if (failed(externalizeWeights(getOperation(), threshold, data)))
      return signalPassFailure();
    if (file.empty())
      return;
    std::string message;
    if (!writeWeightsFile(file, data, message)) {
      emitError(getOperation().getLoc()) << "bitnet-externalize-weights: " << message;
      return signalPassFailure();
    }
  }
};

} // namespace

LogicalResult mlir::bitnet::externalizeWeights(ModuleOp module,
                                               int64_t threshold,
                                               std::string &data) {
  if (module.lookupSymbol(abi::kWeightsBaseSymbol)) {
    emitError(module.getLoc()) << "bitnet-externalize-weights: the module already has @"
                       << abi::kWeightsBaseSymbol;
    return failure();
  }
  MLIRContext *ctx = module.getContext();
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  OpBuilder b(ctx);

  // Move the bytes of each large constant into `data`, sized once: growing
  // it by appends would hold up to three times the weights while
  // reallocating (gigabytes for a 2B model).
  data.clear();
  std::string scratch;
  std::optional<llvm::DenseMap<StringAttr, bool>> addressed =
      addressedOnlyFromFunctions(module);
  auto onlyAddressedFromFunctions = [&](LLVM::GlobalOp global) {
    return addressed && addressed->lookup_or(global.getSymNameAttr(), true);
  };
  auto isMoved = [&](LLVM::GlobalOp global) -> std::optional<ArrayRef<char>> {
    // Only constants the module alone sees: others may be addressed from
    // outside it.
    bool local = global.getLinkage() == LLVM::Linkage::Private ||
                 global.getLinkage() == LLVM::Linkage::Internal;
    if (!global.getConstant() || !local)
      return std::nullopt;
    std::optional<ArrayRef<char>> bytes = initializerBytes(global, scratch);
    if (!bytes || static_cast<int64_t>(bytes->size()) <= threshold ||
        !onlyAddressedFromFunctions(global))
      return std::nullopt;
    return bytes;
  };
  auto alignmentOf = [](LLVM::GlobalOp global) {
    return std::max<uint64_t>(abi::kWeightsBlobAlignment, global.getAlignment().value_or(1));
  };
  uint64_t total = 0;
  SmallVector<LLVM::GlobalOp> moved;
  for (auto global : module.getOps<LLVM::GlobalOp>())
    if (std::optional<ArrayRef<char>> bytes = isMoved(global)) {
      total = llvm::alignTo(total, alignmentOf(global)) + bytes->size();
      moved.push_back(global);
    }
  data.reserve(total);
  llvm::DenseMap<StringAttr, uint64_t> offsets;
  // Globals whose resource blob nothing else uses: released once copied, so
  // the weights are not held twice (the blob and `data`) while the rest is
  // copied.
  llvm::DenseMap<Attribute, int> globalsOfValue;
  for (LLVM::GlobalOp global : module.getOps<LLVM::GlobalOp>())
    if (Attribute value = global.getValueOrNull())
      ++globalsOfValue[value];
  for (LLVM::GlobalOp global : moved) {
    ArrayRef<char> bytes = *initializerBytes(global, scratch);
    data.resize(llvm::alignTo(data.size(), alignmentOf(global)), '\0');
    offsets[global.getSymNameAttr()] = data.size();
    data.append(bytes.data(), bytes.size());
    auto resource = dyn_cast<DenseResourceElementsAttr>(global.getValueOrNull());
    bool lastUse = resource && --globalsOfValue[resource] == 0;
    global.erase();
    if (lastUse)
      resource.getRawHandle().getResource()->setBlob(AsmResourceBlob());
  }

  b.setInsertionPointToEnd(module.getBody());
  Location loc = module.getLoc();
  // The runtime stores the mapped data's address here before the first run.
  auto base = LLVM::GlobalOp::create(b, loc, ptr, /*isConstant=*/false,
                                     LLVM::Linkage::External, abi::kWeightsBaseSymbol,
                                     Attribute(), /*alignment=*/8);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&base.getInitializerRegion().emplaceBlock());
    LLVM::ReturnOp::create(b, loc, LLVM::ZeroOp::create(b, loc, ptr).getResult());
  }
  // What the runtime checks the file's header against.
  addI64Constant(b, loc, abi::kWeightsSizeSymbol, data.size());
  addI64Constant(b, loc, abi::kWeightsHashSymbol,
                 abi::weightsHash(data.data(), data.size()));

  // addressof @g -> base + offset(g), with the base loaded once per function
  // (the entry block dominates every use, OpenMP regions included).
  llvm::DenseMap<Operation *, Value> baseInFunction;
  module.walk([&](LLVM::AddressOfOp address) {
    auto it = offsets.find(address.getGlobalNameAttr().getAttr());
    if (it == offsets.end())
      return;
    auto func = address->getParentOfType<LLVM::LLVMFuncOp>();
    Value &loaded = baseInFunction[func];
    if (!loaded) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&func.getBody().front());
      Value slot = LLVM::AddressOfOp::create(b, loc, base);
      // Invariant: the pointer does not change while the model runs.
      loaded = LLVM::LoadOp::create(b, loc, ptr, slot, /*alignment=*/8,
                                    /*isVolatile=*/false, /*isNonTemporal=*/false,
                                    /*isInvariant=*/true);
    }
    b.setInsertionPoint(address);
    // The offset as an i64 value: a constant GEPArg is a pointer-embedded
    // int of 29 bits (release builds wrap larger offsets silently; a 0.7B
    // model's packed weights sit past 2^29 bytes).
    Value index = LLVM::ConstantOp::create(b, address.getLoc(), b.getI64Type(),
                                           b.getI64IntegerAttr(it->second));
    Value replacement = LLVM::GEPOp::create(b, address.getLoc(), ptr, b.getI8Type(),
                                            loaded, ArrayRef<LLVM::GEPArg>{index},
                                            LLVM::GEPNoWrapFlags::inbounds);
    address.replaceAllUsesWith(replacement);
    address.erase();
  });
  return success();
}

bool mlir::bitnet::writeWeightsFile(StringRef path, StringRef data,
                                    std::string &message) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    message = "cannot write " + path.str() + ": " + ec.message();
    return false;
  }
  // The header (docs/abi.md): little-endian fields, padded to 64 bytes so
  // that the data, and every blob in it, stays 64-byte aligned.
  char header[abi::kWeightsHeaderSize] = {};
  auto put = [&](size_t at, uint64_t value, unsigned bytes) {
    for (unsigned i = 0; i < bytes; ++i)
      header[at + i] = static_cast<char>(value >> (8 * i));
  };
  std::memcpy(header, abi::kWeightsMagic, sizeof abi::kWeightsMagic);
  put(abi::kWeightsVersionOffset, abi::kWeightsVersion, 4);
  put(abi::kWeightsHeaderSizeOffset, abi::kWeightsHeaderSize, 4);
  put(abi::kWeightsDataSizeOffset, data.size(), 8);
  put(abi::kWeightsHashOffset, abi::weightsHash(data.data(), data.size()), 8);
  os.write(header, sizeof header);
  os << data;
  os.close();
  if (os.has_error()) {
    message = "cannot write " + path.str() + ": " + os.error().message();
    os.clear_error();
    return false;
  }
  return true;
}
