//===- ImportONNX.h - ONNX model -> MLIR -------------------------*- C++ -*-===//

#ifndef BITNET_TARGET_ONNX_IMPORTONNX_H
#define BITNET_TARGET_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mlir::bitnet::onnx {

struct Model;

struct ImportOptions {
  /// Sizes for graph inputs with dynamic dimensions: input name -> shape.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Constants larger than this many bytes are held as `dense_resource`
  /// blobs that reference the loaded bytes instead of copying them.
  int64_t resourceThresholdBytes = 1024;
  /// Name of the function holding the graph.
  std::string functionName = "main";
  /// Give the function a C-callable `_mlir_ciface_<name>` wrapper.
  bool emitCInterface = false;
};

/// Imports a loaded model. Errors are emitted as diagnostics located at the
/// ONNX node (its name, file and op type) and yield a null module.
OwningOpRef<ModuleOp> importModel(const Model &model, MLIRContext *context,
                                  const ImportOptions &options,
                                  llvm::StringRef fileName);

/// Loads and imports `path`.
OwningOpRef<ModuleOp> importModelFile(llvm::StringRef path,
                                      MLIRContext *context,
                                      const ImportOptions &options);

/// Parses `NAME=1x128` into `options.inputShapes`; false on bad syntax.
bool parseInputShape(llvm::StringRef spec, ImportOptions &options);

} // namespace mlir::bitnet::onnx

#endif // BITNET_TARGET_ONNX_IMPORTONNX_H
