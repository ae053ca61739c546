//===- ImportFuzzer.cpp - libFuzzer target for the ONNX loader + importer -===//
//
// Arbitrary bytes are parsed as an ONNX model and, if that succeeds,
// imported and verified. Anything but a clean error is a bug: a crash, an
// assertion, a sanitizer report or IR that fails verification.
//
//===----------------------------------------------------------------------===//

#include "bitnet/InitAll.h"
#include "bitnet/Target/ONNX/ImportONNX.h"
#include "bitnet/Target/ONNX/OnnxModel.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdlib>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static MLIRContext *context = [] {
    DialectRegistry registry;
    bitnet::registerAllDialects(registry);
    auto *ctx = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    return ctx;
  }();
  std::string error;
  auto model = bitnet::onnx::loadModelFromMemory(
      data, size, "/nonexistent-model-dir/", error);
  if (!model)
    return 0;
  ScopedDiagnosticHandler quiet(context, [](Diagnostic &) { return success(); });
  bitnet::onnx::ImportOptions options;
  OwningOpRef<ModuleOp> module =
      bitnet::onnx::importModel(*model, context, options, "fuzz.onnx");
  if (module && failed(verify(*module)))
    std::abort(); // the importer produced invalid IR without an error
  return 0;
}
