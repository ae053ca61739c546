//===- Import.h - A model file as the compiler's first module ----*- C++ -*-===//
//
// The one import every tool and test uses: an ONNX model (a decoder with
// key-value caches becomes `prefill` and `decode` functions on in-place
// caches, the others one function) or an MLIR file.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_COMPILER_IMPORT_H
#define BITNET_COMPILER_IMPORT_H

#include "bitnet/Target/ONNX/ImportONNX.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

namespace mlir::bitnet::compiler {

struct ImportRequest {
  std::string path;
  onnx::ImportOptions import;
  onnx::DecoderImportOptions decoder;
  /// Refuse context buckets for a model without caches (they were asked
  /// for, not defaulted).
  bool explicitContextBuckets = false;
};

/// Whether `path` names an MLIR file (.mlir, .mlirbc) rather than ONNX.
bool isMlirFile(llvm::StringRef path);

/// Imports `request.path`:
///  * an ONNX decoder with key-value caches (inputs named
///    `decoder.pastPrefix`*): `prefill` and `decode` (and their context
///    buckets) importing the graph at fixed sizes, then
///    bitnet-kv-cache-in-place and bitnet-last-token-logits;
///  * another ONNX model: one function, `import.functionName`;
///  * an MLIR file: as parsed; its public functions get the C interface
///    when `import.emitCInterface` is set.
/// Problems with the file itself come back as the error; those inside the
/// model (a node the importer rejects) are emitted as diagnostics on
/// `context` and give an error with an empty message.
llvm::Expected<OwningOpRef<ModuleOp>> importForCompile(const ImportRequest &request,
                                                       MLIRContext *context);

} // namespace mlir::bitnet::compiler

#endif // BITNET_COMPILER_IMPORT_H
