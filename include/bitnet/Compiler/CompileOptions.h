//===- CompileOptions.h - What a compile is asked to do ----------*- C++ -*-===//
//
// CompileOptions is a request as a user states it (bitnet-compile's flags,
// the C API's options, Python's keywords); prepareCompileJob checks it once
// and derives everything else (the resolved target, the pipeline's options,
// the import's sizes) into a CompileJob, which the compiler runs.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_COMPILER_COMPILEOPTIONS_H
#define BITNET_COMPILER_COMPILEOPTIONS_H

#include "bitnet/Pipelines/Pipelines.h"
#include "bitnet/Target/CpuTargetInfo.h"
#include "bitnet/Target/ONNX/ImportONNX.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::bitnet::compiler {

/// What a compile writes.
enum class EmitKind { Mlir, Llvm, Asm, Obj, Lib, Exe };

/// "mlir", "llvm", "asm", "obj", "lib", "exe".
llvm::StringRef emitKindName(EmitKind kind);
std::optional<EmitKind> parseEmitKind(llvm::StringRef name);

/// A compile as requested. Empty / unset fields take the documented
/// defaults (docs/driver.md); every field has a bitnet-compile flag of the
/// same name.
struct CompileOptions {
  std::string input;        // model.onnx, or module.mlir / .mlirbc
  std::string output = "-"; // "-": stdout
  std::string emit;         // empty: obj, or mlir with stopAfter
  std::string stopAfter;    // empty: the whole pipeline; "import" or a stage
  std::string startAfter;   // empty: from the import; a stage an MLIR input
                            // has been through already
  std::string target = "x86_64";
  std::string mcpu; // empty: native for the host's architecture, else baseline
  std::optional<bool> openmp; // unset: true for x86_64, false for aarch64
  std::vector<std::string> inputShapes;    // NAME=D0xD1x...
  std::optional<std::string> functionName; // unset: main (model for exe)
  std::string weightsFile; // empty: OUTPUT.weights for lib and exe
  bool embedWeights = false;
  int64_t weightsThreshold = 4096;
  int64_t maxContext = 512;
  int64_t prefillTokens = 64;
  /// Unset: the default buckets; {0}: none.
  std::optional<std::vector<int64_t>> contextBuckets;
  int64_t decodePrefetchDistance = -1;
  int64_t decodeAccumulators = 0;
  int64_t parallelMinIterations = 65536;
  std::string tuningFile; // kernel configurations (docs/architecture.md)
  /// Packed format of every ternary product (i2s, tl1, tl2, t5, tl2r);
  /// empty: the tuning file's, else the target's.
  std::string weightFormat;
  /// Activation bits of every BitLinear: 8 (int8 absmax), 4 (int4 absmean,
  /// as BitNet a4.8's), 0: each layer's own (the model's).
  int64_t actBits = 0;
  std::string linker;     // empty: the target's default
};

/// Sets the option `name` (a bitnet-compile flag name without dashes, e.g.
/// "mcpu", "max-context", "input-shape") from its text, as the C API and
/// Python pass them. Repeatable options (input-shape) append. Returns an
/// error naming the option when the name or the value is bad.
llvm::Error setCompileOption(CompileOptions &options, llvm::StringRef name,
                             llvm::StringRef value);

/// A checked request with everything derived.
struct CompileJob {
  std::string input, output;
  EmitKind emit = EmitKind::Obj;
  /// The last stage to run; nullopt stops right after the import.
  std::optional<Stage> stopAfter = Stage::LLVM;
  /// The stage an MLIR input has been through; nullopt: none.
  std::optional<Stage> startAfter;
  CpuTargetInfo target;
  StageOptions stages;
  onnx::ImportOptions import;
  onnx::DecoderImportOptions decoder;
  /// Whether buckets were asked for (an error for models without caches),
  /// rather than the default set (which such models silently go without).
  bool explicitContextBuckets = false;
  /// Where the weights go (docs/abi.md); empty: compiled in as constants.
  std::string weightsFile;
  int64_t weightsThreshold = 4096;
  std::string linker;

  bool linksProgram() const { return emit == EmitKind::Lib || emit == EmitKind::Exe; }
};

/// Checks `options` (one message per problem, naming the flag) and derives
/// the job.
llvm::Expected<CompileJob> prepareCompileJob(const CompileOptions &options);

} // namespace mlir::bitnet::compiler

#endif // BITNET_COMPILER_COMPILEOPTIONS_H
