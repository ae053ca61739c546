//===- Compiler.h - The compiler as a library --------------------*- C++ -*-===//
//
// One compile from a model file to what CompileJob::emit asks for, as
// bitnet-compile, the C API (bitnet-c/compiler.h) and Python run it:
//
//   import ─▶ raise ─▶ quantize ─▶ pack ─▶ tile ─▶ llvm      (MLIR stages)
//          ─▶ weights ─▶ translate ─▶ opt ─▶ codegen ─▶ link (back end)
//
// Each stage can be stopped after and printed, and reports its wall time.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_COMPILER_COMPILER_H
#define BITNET_COMPILER_COMPILER_H

#include "bitnet/Compiler/CompileOptions.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <string>
#include <vector>

namespace mlir::bitnet::compiler {

/// What a host hears from a compile; every hook is optional.
struct CompileCallbacks {
  /// A problem with the compile itself (a file, the target, the linker).
  /// Problems inside the model (the importer's, a pass's) are diagnostics
  /// on the context, for its handler.
  std::function<void(const std::string &message)> error;
  /// Progress: a stage starts, and ends after `seconds` of wall time.
  std::function<void(llvm::StringRef stage)> stageBegin;
  std::function<void(llvm::StringRef stage, double seconds)> stageEnd;
  /// A fact about the output worth a line (the weights file's size).
  std::function<void(const std::string &line)> note;
  /// Adjusts each stage's pass manager before it runs (bitnet-compile
  /// applies --mlir-timing, --mlir-print-ir-after, ...).
  std::function<LogicalResult(PassManager &pm)> configurePassManager;
};

/// Sets the module's #llvm.target to `job.target` and adds the passes of
/// `stage`: the pipeline's (Pipelines.h), preceded before the llvm stage by
/// the model's C entry points (`bitnet_run`; `bitnet_run_prefill` and
/// `bitnet_run_decode` for a generative model).
void addCompileStage(OpPassManager &pm, ModuleOp module, const CompileJob &job,
                     Stage stage);

/// Runs `job`: the import, the stages up to `job.stopAfter`, then what
/// `job.emit` needs of the back end and the linker; writes `job.output`
/// and the weights file.
LogicalResult compile(const CompileJob &job, MLIRContext &context,
                      const CompileCallbacks &callbacks = {});

/// `--timings`: records the stages of a compile (through the callbacks it
/// installs) and prints their wall times and the process's peak RSS.
class CompileTimings {
public:
  /// Chains onto `callbacks`' own stageEnd and note hooks.
  void attach(CompileCallbacks &callbacks);
  void print(llvm::raw_ostream &os) const;

private:
  struct Record {
    std::string name;
    double seconds, peakMiB;
  };
  std::vector<Record> records;
  std::vector<std::string> notes;
};

} // namespace mlir::bitnet::compiler

#endif // BITNET_COMPILER_COMPILER_H
