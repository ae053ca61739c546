//===- Import.cpp - A model file as the compiler's first module -------===//

#include "bitnet/Compiler/Import.h"

#include "Error.h"

#include "bitnet/Model/Passes.h"
#include "bitnet/Target/ONNX/OnnxModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::bitnet;
using namespace mlir::bitnet::compiler;

namespace {

/// Reported as diagnostics already.
llvm::Error reported() { return compileError(""); }

llvm::Expected<OwningOpRef<ModuleOp>> importOnnx(const ImportRequest &request,
                                                 MLIRContext *context) {
  if (!llvm::sys::fs::exists(request.path))
    return compileError("cannot open '" + request.path + "': no such file");
  std::string loadError;
  std::unique_ptr<onnx::Model> model = onnx::loadModel(request.path, loadError);
  if (!model)
    return compileError(loadError);
  if (!onnx::isGenerativeModel(*model, request.decoder)) {
    if (request.explicitContextBuckets && !request.decoder.contextBuckets.empty())
      return compileError("--context-buckets applies to models with key-value caches "
                  "(inputs named " +
                  request.decoder.pastPrefix + "*); '" + request.path +
                  "' has none");
    OwningOpRef<ModuleOp> module =
        onnx::importModel(*model, context, request.import, request.path);
    if (!module || failed(verify(*module)))
      return reported();
    return module;
  }
  // A decoder with key-value caches: prefill and decode functions on
  // in-place caches, logits of the last token only.
  OwningOpRef<ModuleOp> module = onnx::importDecoder(
      *model, context, request.import, request.decoder, request.path);
  if (!module)
    return reported();
  PassManager pm(context);
  bitnet::KVCacheInPlacePassOptions inPlace;
  inPlace.pastPrefix = request.decoder.pastPrefix;
  pm.addNestedPass<func::FuncOp>(bitnet::createKVCacheInPlacePass(inPlace));
  pm.addNestedPass<func::FuncOp>(bitnet::createCausalMaskFromPositionPass());
  pm.addNestedPass<func::FuncOp>(bitnet::createLastTokenLogitsPass());
  if (failed(pm.run(*module)))
    return reported();
  return module;
}

llvm::Expected<OwningOpRef<ModuleOp>> importMlir(const ImportRequest &request,
                                                 MLIRContext *context) {
  llvm::SourceMgr sourceMgr;
  std::string fileError;
  auto file = openInputFile(request.path, &fileError);
  if (!file)
    return compileError(fileError);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(context));
  if (!module)
    return reported();
  // As the importer does: public functions get `_mlir_ciface_<name>`.
  if (request.import.emitCInterface)
    for (auto func : module->getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                      UnitAttr::get(context));
  return module;
}

} // namespace

bool compiler::isMlirFile(llvm::StringRef path) {
  return path.ends_with(".mlir") || path.ends_with(".mlirbc");
}

llvm::Expected<OwningOpRef<ModuleOp>>
compiler::importForCompile(const ImportRequest &request, MLIRContext *context) {
  return isMlirFile(request.path) ? importMlir(request, context)
                                  : importOnnx(request, context);
}
