//===- ImportONNX.h - ONNX model -> MLIR -------------------------*- C++ -*-===//

#ifndef BITNET_TARGET_ONNX_IMPORTONNX_H
#define BITNET_TARGET_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mlir::bitnet::onnx {

struct Model;

struct ImportOptions {
  /// Sizes for graph inputs with dynamic dimensions: input name -> shape,
  /// or the name of a symbolic dimension -> {size} (every input's dimension
  /// of that name).
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// The size of a symbolic dimension that `inputShapes` does not give
  /// (dimension 0, the batch, gets 1), stated in a remark; 0: an error.
  int64_t defaultDynamicSize = 128;
  /// Constants larger than this many bytes are held as `dense_resource`
  /// blobs that reference the loaded bytes instead of copying them.
  int64_t resourceThresholdBytes = 1024;
  /// Name of the function holding the graph.
  std::string functionName = "main";
  /// Give the function a C-callable `_mlir_ciface_<name>` wrapper.
  bool emitCInterface = false;
  /// Initializer constants by name, shared by several imports of one model
  /// into one context (a generative model's prefill and decode functions):
  /// later imports reuse the attributes of the first, so every function
  /// refers to the same weights and later passes see them as equal.
  std::map<std::string, ElementsAttr> *sharedInitializers = nullptr;
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

/// Generative decoders exported with key-value caches (the Hugging Face /
/// onnxruntime-genai signature: input_ids, attention_mask, position_ids,
/// `<pastPrefix>N.key|value` [batch, kv_heads, past, head_dim]).
struct DecoderImportOptions {
  /// Cache capacity in tokens: prompt plus generated tokens.
  int64_t maxContext = 512;
  /// New tokens per call of the `prefill` function (a prompt is processed
  /// in chunks of this size, the last one padded).
  int64_t prefillTokens = 64;
  /// Smaller cache capacities to compile decode for as well, ascending,
  /// each in (1, maxContext): `decode_ctx<B>` functions attending over the
  /// first B slots only (the entry point picks the smallest that holds
  /// the context; docs/driver.md).
  std::vector<int64_t> contextBuckets;
  std::string pastPrefix = "past_key_values.";
};

/// The context buckets bitnet-compile gives a decoder by default: 256,
/// 1024, 4096, ... up to half of `maxContext`, when that is at least 1024
/// (none below: a smaller cache leaves too little to save for the compile
/// time each bucket costs). Each bucket's calls attend over a quarter of
/// the next one's slots.
std::vector<int64_t> defaultContextBuckets(int64_t maxContext);

/// Whether the graph has key-value cache inputs (`options.pastPrefix`)
/// whose past length is symbolic: a fixed one is an ordinary input.
bool isGenerativeModel(const Model &model, const DecoderImportOptions &options);

/// Imports a generative decoder twice into one module, as `prefill`
/// (`prefillTokens` new tokens) and `decode` (one token), with the dynamic
/// sizes fixed so each cache concatenation has `maxContext` entries (the
/// past inputs get `maxContext - S`), and the weights shared between the two
/// functions. `bitnet-kv-cache-in-place` then makes the caches in-place
/// state. Errors name the input that cannot be sized.
OwningOpRef<ModuleOp> importDecoder(const Model &model, MLIRContext *context,
                                    const ImportOptions &options,
                                    const DecoderImportOptions &decoder,
                                    llvm::StringRef fileName);

/// Prints `diag` as the tools report import problems: "FILE: error: node
/// 'n': message", naming the ONNX node from the location when the message
/// does not (diagnostics from MLIR itself, e.g. the verifier, name the op).
void printNodeDiagnostic(llvm::raw_ostream &os, llvm::StringRef fileName,
                         Diagnostic &diag);

/// Parses `NAME=1x128` into `options.inputShapes`; false on bad syntax.
bool parseInputShape(llvm::StringRef spec, ImportOptions &options);

} // namespace mlir::bitnet::onnx

#endif // BITNET_TARGET_ONNX_IMPORTONNX_H
