//===- CAPI.cpp - C API of the compiler -------------------------------===//

#include "bitnet-c/compiler.h"

#include "bitnet/Compiler/Compiler.h"
#include "bitnet/InitAll.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <string>

using namespace mlir;
using namespace mlir::bitnet;

struct bitnet_compiler_options {
  compiler::CompileOptions options;
};

namespace {

/// Copies `message` into the caller's buffer.
void setError(const std::string &message, char *error, size_t size) {
  if (!error || size == 0)
    return;
  size_t length = std::min(message.size(), size - 1);
  std::memcpy(error, message.data(), length);
  error[length] = '\0';
}

} // namespace

extern "C" {

bitnet_compiler_options *bitnet_compiler_options_create(const char *input,
                                                        const char *output) {
  auto *options = new bitnet_compiler_options;
  options->options.input = input ? input : "";
  options->options.output = output ? output : "-";
  return options;
}

void bitnet_compiler_options_free(bitnet_compiler_options *options) {
  delete options;
}

int bitnet_compiler_options_set(bitnet_compiler_options *options,
                                const char *name, const char *value,
                                char *error, size_t errorSize) {
  if (!options || !name || !value) {
    setError("bitnet_compiler_options_set: null argument", error, errorSize);
    return -1;
  }
  if (llvm::Error e = compiler::setCompileOption(options->options, name, value)) {
    setError(llvm::toString(std::move(e)), error, errorSize);
    return -1;
  }
  return 0;
}

int bitnet_compile(const bitnet_compiler_options *options,
                   bitnet_compile_progress progress, void *userData, char *error,
                   size_t errorSize) {
  if (!options) {
    setError("bitnet_compile: null options", error, errorSize);
    return -1;
  }
  llvm::Expected<compiler::CompileJob> job =
      compiler::prepareCompileJob(options->options);
  if (!job) {
    setError(llvm::toString(job.takeError()), error, errorSize);
    return -1;
  }
  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  // Everything goes into one text: the importer's and the passes'
  // diagnostics as bitnet-compile prints them, then the driver's own.
  std::string messages;
  llvm::raw_string_ostream os(messages);
  ScopedDiagnosticHandler diagnostics(&context, [&](Diagnostic &diag) {
    onnx::printNodeDiagnostic(os, job->input, diag);
    return success();
  });
  compiler::CompileCallbacks callbacks;
  callbacks.error = [&](const std::string &message) { os << message << "\n"; };
  if (progress) {
    callbacks.stageBegin = [&](llvm::StringRef stage) {
      progress(stage.str().c_str(), -1, userData);
    };
    callbacks.stageEnd = [&](llvm::StringRef stage, double seconds) {
      progress(stage.str().c_str(), seconds, userData);
    };
  }
  if (succeeded(compiler::compile(*job, context, callbacks)))
    return 0;
  if (messages.empty())
    messages = "compilation failed";
  while (!messages.empty() && messages.back() == '\n')
    messages.pop_back();
  setError(messages, error, errorSize);
  return -1;
}

} // extern "C"
