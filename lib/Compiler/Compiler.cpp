//===- Compiler.cpp - The compiler as a library -----------------------===//

#include "bitnet/Compiler/Compiler.h"

#include "bitnet/ABI/ModelABI.h"
#include "bitnet/Compiler/Backend.h"
#include "bitnet/Compiler/Import.h"
#include "bitnet/Compiler/Link.h"
#include "bitnet/Dialect/BitNet/IR/BitNet.h"
#include "bitnet/Model/Passes.h"
#include "bitnet/Target/TargetInfo.h"

#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/ToolOutputFile.h"

#include <chrono>
#include <sys/resource.h>

using namespace mlir;
namespace abi = ::bitnet::abi;
using namespace mlir::bitnet;
using namespace mlir::bitnet::compiler;

void compiler::addCompileStage(OpPassManager &pm, ModuleOp module,
                               const CompileJob &job, Stage stage) {
  if (stage == Stage::LLVM) {
    auto addEntry = [&](StringRef funcName, StringRef entryName) {
      EmitEntryPointPassOptions entry;
      entry.funcName = funcName.str();
      entry.entryName = entryName.str();
      pm.addPass(createEmitEntryPointPass(entry));
    };
    // A generative model has `prefill` and `decode` (importForCompile),
    // each its own entry point; other models one, unsuffixed.
    if (module.lookupSymbol(abi::kPrefillEntry) && module.lookupSymbol(abi::kDecodeEntry)) {
      addEntry(abi::kPrefillEntry, abi::kPrefillEntry);
      addEntry(abi::kDecodeEntry, abi::kDecodeEntry);
    } else {
      addEntry(job.import.functionName, "");
    }
  }
  addStage(pm, job.stages, stage);
}

namespace {

/// One compile's state: the hooks, and a helper per step.
class Compilation {
public:
  Compilation(const CompileJob &job, MLIRContext &context,
              const CompileCallbacks &callbacks)
      : job(job), context(context), callbacks(callbacks) {}

  LogicalResult run();

private:
  void error(const llvm::Twine &message) {
    if (callbacks.error)
      callbacks.error(message.str());
  }
  /// Whether `e` is success; else reports it, unless its message is empty
  /// (reported as diagnostics already).
  bool ok(llvm::Error e) {
    if (!e)
      return true;
    std::string message = llvm::toString(std::move(e));
    if (!message.empty())
      error(message);
    return false;
  }
  /// Runs `body` as stage `name` for the progress and timing hooks.
  template <typename Fn> bool stage(llvm::StringRef name, Fn &&body) {
    if (callbacks.stageBegin)
      callbacks.stageBegin(name);
    auto start = std::chrono::steady_clock::now();
    bool ok = body();
    if (callbacks.stageEnd)
      callbacks.stageEnd(name, std::chrono::duration<double>(
                                   std::chrono::steady_clock::now() - start)
                                   .count());
    return ok;
  }
  bool runPipelineStage(Stage s);
  bool writeOutput(llvm::function_ref<void(llvm::raw_ostream &)> write);
  /// The weights file, after the output it belongs to.
  bool finish(bool written);

  const CompileJob &job;
  MLIRContext &context;
  const CompileCallbacks &callbacks;
  OwningOpRef<ModuleOp> module;
  std::string weights;
};

namespace {

/// Notes, once the tile stage has chosen them, each kernel configuration
/// the ternary products got, with their packed format (how many products
/// share it), and where it came from: what `--timings` shows of the tuning.
class KernelConfigReport : public PassInstrumentation {
public:
  KernelConfigReport(const CompileJob &job, const CompileCallbacks &callbacks)
      : job(job), callbacks(callbacks) {}

  void runAfterPass(Pass *pass, Operation *op) override {
    if (reported || pass->getArgument() != "bitnet-select-kernel-configs")
      return;
    reported = true;
    std::map<std::string, int> counts;
    op->walk([&](TernaryMatmulOp matmul) {
      TernaryKernelConfigAttr config = matmul.getKernelConfigAttr();
      if (!config)
        return;
      auto q = matmul.getActivations().getType();
      std::string line;
      llvm::raw_string_ostream os(line);
      os << matmul.getWeight().getType().getDimSize(0) << "x" << q.getDimSize(1)
         << " n=" << q.getDimSize(0) << " " << stringifyPackedFormat(*matmul.getFormat())
         << ": " << config;
      ++counts[line];
    });
    callbacks.note("kernel configurations " +
                   (job.stages.tuningFile.empty()
                        ? std::string("derived from the target")
                        : "from the target and the tuning file " + job.stages.tuningFile));
    for (const auto &[line, count] : counts)
      callbacks.note("  " + std::to_string(count) + " x " + line);
  }

private:
  const CompileJob &job;
  const CompileCallbacks &callbacks;
  bool reported = false;
};

} // namespace

bool Compilation::runPipelineStage(Stage s) {
  PassManager pm(&context);
  addCompileStage(pm, *module, job, s);
  if (s == Stage::Tile && callbacks.note)
    pm.addInstrumentation(std::make_unique<KernelConfigReport>(job, callbacks));
  if (callbacks.configurePassManager &&
      mlir::failed(callbacks.configurePassManager(pm)))
    return false;
  return mlir::succeeded(pm.run(*module));
}

bool Compilation::writeOutput(llvm::function_ref<void(llvm::raw_ostream &)> write) {
  std::string fileError;
  auto output = openOutputFile(job.output, &fileError);
  if (!output) {
    error(fileError);
    return false;
  }
  write(output->os());
  // A full disk is a message, not LLVM's fatal error when the stream closes.
  output->os().flush();
  if (std::error_code e = output->os().error()) {
    output->os().clear_error();
    error("cannot write " + job.output + ": " + e.message());
    return false;
  }
  output->keep();
  return true;
}

bool Compilation::finish(bool written) {
  if (!written)
    return false;
  if (job.weightsFile.empty())
    return true;
  std::string message;
  if (!writeWeightsFile(job.weightsFile, weights, message)) {
    error(message);
    return false;
  }
  if (callbacks.note)
    callbacks.note("weights file " + job.weightsFile + ": " +
                   std::to_string(abi::kWeightsHeaderSize + weights.size()) +
                   " bytes");
  return true;
}

LogicalResult Compilation::run() {
  bool imported = stage("import", [&] {
    ImportRequest request{job.input, job.import, job.decoder,
                          job.explicitContextBuckets};
    auto result = importForCompile(request, &context);
    if (!result)
      return ok(result.takeError());
    module = std::move(*result);
    // The target, once, for every pass that follows.
    setTargetAttr(*module, job.target);
    return true;
  });
  if (!imported)
    return failure();
  if (job.stopAfter)
    for (Stage s : kAllStages) {
      if (s > *job.stopAfter)
        break;
      if (job.startAfter && s <= *job.startAfter)
        continue;
      if (!stage(stageName(s), [&] { return runPipelineStage(s); }))
        return failure();
    }
  if (job.emit == EmitKind::Exe && module->lookupSymbol("main")) {
    error("--emit=exe: the model's function is called 'main', which the "
          "executable's own main would clash with; name it otherwise "
          "(--function-name for ONNX models)");
    return failure();
  }
  // Weights leave the module before translation, so LLVM never sees them.
  if (!job.weightsFile.empty() && !stage("weights", [&] {
        return mlir::succeeded(
            externalizeWeights(*module, job.weightsThreshold, weights));
      }))
    return failure();

  if (job.emit == EmitKind::Mlir)
    return success(finish(writeOutput(
        [&](llvm::raw_ostream &os) { module->print(os, OpPrintingFlags()); })));

  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> machine =
      createTargetMachine(job.target);
  if (!machine) {
    ok(machine.takeError());
    return failure();
  }
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule;
  if (!stage("translate", [&] {
        auto translated = translateToLLVMIR(*module, llvmContext, **machine);
        if (!translated)
          return ok(translated.takeError());
        llvmModule = std::move(*translated);
        if (job.linksProgram())
          addCpuFeaturesRecord(*llvmModule, **machine);
        return true;
      }))
    return failure();
  module = nullptr; // The MLIR module (and its weights) is no longer needed.
  if (!stage("opt", [&] { return ok(optimizeLLVMIR(*llvmModule, **machine)); }))
    return failure();
  if (job.emit == EmitKind::Llvm)
    return success(finish(writeOutput(
        [&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); })));

  llvm::SmallVector<char, 0> code;
  auto fileType = job.emit == EmitKind::Asm ? llvm::CodeGenFileType::AssemblyFile
                                            : llvm::CodeGenFileType::ObjectFile;
  if (!stage("codegen", [&] {
        return ok(emitMachineCode(*llvmModule, **machine, fileType, code));
      }))
    return failure();
  if (job.linksProgram())
    return success(finish(stage("link", [&] {
      LinkOptions link;
      link.output = job.output;
      link.executable = job.emit == EmitKind::Exe;
      link.openmp = job.stages.openmp;
      link.linker = job.linker;
      return ok(linkModel(code, job.target, link));
    })));
  return success(finish(writeOutput(
      [&](llvm::raw_ostream &os) { os.write(code.data(), code.size()); })));
}

double peakRssMiB() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0; // KiB on Linux
}

} // namespace

LogicalResult compiler::compile(const CompileJob &job, MLIRContext &context,
                                const CompileCallbacks &callbacks) {
  return Compilation(job, context, callbacks).run();
}

void CompileTimings::attach(CompileCallbacks &callbacks) {
  auto stageEnd = callbacks.stageEnd;
  callbacks.stageEnd = [this, stageEnd](llvm::StringRef name, double seconds) {
    records.push_back({name.str(), seconds, peakRssMiB()});
    if (stageEnd)
      stageEnd(name, seconds);
  };
  auto note = callbacks.note;
  callbacks.note = [this, note](const std::string &line) {
    notes.push_back(line);
    if (note)
      note(line);
  };
}

void CompileTimings::print(llvm::raw_ostream &os) const {
  double total = 0;
  os << "bitnet-compile timings (wall time; peak RSS of the process so far):\n";
  for (const Record &r : records) {
    total += r.seconds;
    os << llvm::format("  %-10s %9.3f s %9.1f MiB\n", r.name.c_str(), r.seconds,
                       r.peakMiB);
  }
  os << llvm::format("  %-10s %9.3f s %9.1f MiB\n", "total", total, peakRssMiB());
  for (const std::string &line : notes)
    os << line << "\n";
}
