//===- BitNetCompileMain.cpp - Entry point of bitnet-compile ----------===//
//
// ONNX model -> MLIR -> the CPU pipeline's stages -> LLVM IR -> assembly,
// object or shared library, all in process (linking a library runs the
// system C compiler as the linker driver). One function per stage; the MLIR
// stages are exactly `bitnet-cpu-pipeline`'s (lib/Pipelines/Pipelines.cpp),
// preceded by BitLinear recognition. docs/driver.md describes the tool.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Tools/BitNetCompileMain.h"
#include "bitnet/Tools/DecodeTuningOptions.h"

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"
#include "bitnet/InitAll.h"
#include "bitnet/Pipelines/Pipelines.h"
#include "bitnet/Target/CpuTargetInfo.h"
#include "bitnet/Target/ONNX/ImportONNX.h"
#include "bitnet/Target/ONNX/OnnxModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace mlir;
using namespace mlir::bitnet;
namespace cl = llvm::cl;

namespace {

enum class Emit { Mlir, Llvm, Asm, Obj, Lib, Exe };

/// Everything the command line decides.
struct CompileConfig {
  std::string input, output;
  Emit emit = Emit::Obj;
  /// The last MLIR stage; nullopt stops right after the import.
  std::optional<CpuStage> stopAfter = CpuStage::LLVM;
  CpuTargetInfo target;
  CpuPipelineOptions pipeline;
  onnx::ImportOptions import;
  /// Sizes for models with key-value caches (docs/driver.md).
  onnx::DecoderImportOptions decoder;
  /// Whether --context-buckets was given (else the default set, which
  /// models without caches silently do without).
  bool explicitContextBuckets = false;
  bool timings = false;
  /// Where the weights go (docs/abi.md); empty: compiled in as constants.
  std::string weightsFile;
  int64_t weightsThreshold = 4096;
};

/// `--timings`: wall time and peak RSS after each stage, on stderr.
class StageTimings {
public:
  explicit StageTimings(bool enabled) : enabled(enabled) {}

  /// Runs `body` as stage `name`, recording its time.
  template <typename Fn> bool time(llvm::StringRef name, Fn &&body) {
    auto start = std::chrono::steady_clock::now();
    bool ok = body();
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    records.push_back({name.str(), seconds, peakRssMiB()});
    return ok;
  }

  void print() const {
    if (!enabled)
      return;
    double total = 0;
    llvm::errs() << "bitnet-compile timings (wall time; peak RSS of the "
                    "process so far):\n";
    for (const Record &r : records) {
      total += r.seconds;
      llvm::errs() << llvm::format("  %-10s %9.3f s %9.1f MiB\n",
                                   r.name.c_str(), r.seconds, r.peakMiB);
    }
    llvm::errs() << llvm::format("  %-10s %9.3f s %9.1f MiB\n", "total",
                                 total, peakRssMiB());
    for (const std::string &note : notes)
      llvm::errs() << note << "\n";
  }

  /// A line printed after the table (output sizes).
  void note(const std::string &line) { notes.push_back(line); }

private:
  struct Record {
    std::string name;
    double seconds, peakMiB;
  };
  static double peakRssMiB() {
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0; // KiB on Linux
  }
  bool enabled;
  std::vector<Record> records;
  std::vector<std::string> notes;
};

void error(const llvm::Twine &message) {
  llvm::errs() << "bitnet-compile: error: " << message << "\n";
}

bool isMlirFile(llvm::StringRef path) {
  return path.ends_with(".mlir") || path.ends_with(".mlirbc");
}

//===----------------------------------------------------------------------===//
// Command line
//===----------------------------------------------------------------------===//

/// Parses and checks the options; false (after a one-line error) on a bad
/// combination.
bool parseCommandLine(int argc, char **argv, CompileConfig &config) {
  // libLLVM's code generator registers its own (hidden) `-stop-after=<pass>`;
  // ours names a stage. Take the name over before ours is registered.
  if (cl::Option *llvmStopAfter = cl::getRegisteredOptions().lookup("stop-after"))
    llvmStopAfter->removeArgument();
  static cl::OptionCategory category("bitnet-compile options");
  static cl::opt<std::string> inputFile(
      cl::Positional, cl::desc("<model.onnx | module.mlir>"), cl::Required,
      cl::cat(category));
  static cl::opt<std::string> outputFile(
      "o", cl::desc("Output file ('-': stdout; required for --emit=lib)"),
      cl::value_desc("filename"), cl::init("-"), cl::cat(category));
  static cl::opt<std::string> target(
      "target", cl::desc("Target architecture: x86_64 or aarch64"),
      cl::init("x86_64"), cl::cat(category));
  static cl::opt<std::string> mcpu(
      "mcpu",
      cl::desc("Target CPU: an LLVM CPU name (znver4, x86-64-v3, neoverse-n1, "
               "...) or native (default: native for the host's architecture, "
               "the baseline CPU otherwise)"),
      cl::init(""), cl::cat(category));
  static cl::opt<cl::boolOrDefault> openmp(
      "openmp",
      cl::desc("Run kernel row blocks on OpenMP threads (needs libomp; default "
               "true for x86_64, false for aarch64)"),
      cl::cat(category));
  static cl::list<std::string> inputShapes(
      "input-shape",
      cl::desc("Size of a graph input with dynamic dimensions, NAME=1x128"),
      cl::value_desc("NAME=DIMS"), cl::cat(category));
  static cl::opt<std::string> emit(
      "emit",
      cl::desc("What to write: mlir, llvm (LLVM IR), asm, obj, lib (shared "
               "library); exe comes with the runtime (default: obj, or mlir "
               "with --stop-after)"),
      cl::init(""), cl::cat(category));
  static cl::opt<std::string> stopAfter(
      "stop-after",
      cl::desc("Stop after a stage and print its MLIR: import, raise, "
               "quantize, pack, tile, llvm"),
      cl::init(""), cl::cat(category));
  static cl::opt<std::string> functionName(
      "function-name",
      cl::desc("Name of the model's function (default main; the library "
               "exports it and _mlir_ciface_<name>)"),
      cl::init("main"), cl::cat(category));
  static cl::opt<std::string> weightsFile(
      "weights-file",
      cl::desc("Write constants larger than --weights-threshold bytes to this "
               "file, memory-mapped by the runtime (default for --emit=lib: "
               "OUTPUT.weights)"),
      cl::value_desc("path"), cl::init(""), cl::cat(category));
  static cl::opt<bool> embedWeights(
      "embed-weights",
      cl::desc("Compile all weights into the output as constants (the default "
               "for --emit=llvm, asm and obj)"),
      cl::cat(category));
  static cl::opt<int64_t> weightsThreshold(
      "weights-threshold",
      cl::desc("Constants of at most this many bytes stay in the code "
               "(default 4096)"),
      cl::init(4096), cl::cat(category));
  static cl::opt<int64_t> maxContext(
      "max-context",
      cl::desc("For models with key-value caches: the cache capacity in "
               "tokens, prompt plus generated (default 512)"),
      cl::init(512), cl::cat(category));
  static cl::opt<int64_t> prefillTokens(
      "prefill-tokens",
      cl::desc("For models with key-value caches: tokens per call of the "
               "prefill entry point (default 64)"),
      cl::init(64), cl::cat(category));
  static cl::list<int64_t> contextBuckets(
      "context-buckets",
      cl::desc("For models with key-value caches: smaller capacities, "
               "ascending, to compile prefill and decode for as well; a call "
               "attends over the smallest that holds the context (default: "
               "256, 1024, 4096, ... up to half of --max-context when it is "
               "at least 1024; 0: none)"),
      cl::CommaSeparated, cl::cat(category));
  static DecodeTuningOptions decodeTuning(category);
  static cl::opt<int64_t> parallelMinIterations(
      "parallel-min-iterations",
      cl::desc("Split loop nests other than the kernels (norms, softmax, "
               "elementwise chains) over threads from this many iterations"),
      cl::init(65536), cl::cat(category));
  static cl::opt<bool> timings(
      "timings", cl::desc("Print each stage's wall time and peak RSS to stderr"),
      cl::cat(category));
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  // --help lists ours, not libLLVM's hundreds (they are still accepted).
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "bitnet-compile: ONNX BitNet model -> MLIR, LLVM IR, assembly, object or "
      "shared library for a CPU\n\n"
      "  bitnet-compile model.onnx --target=x86_64 --mcpu=znver4 --emit=lib -o "
      "libmodel.so\n\n"
      "Stages: import, raise, quantize, pack, tile, llvm (bitnet-cpu-pipeline),\n"
      "then LLVM IR, O3, machine code and (lib) the system linker.\n"
      "The library exports the model's function and its C interface\n"
      "_mlir_ciface_<name> (memref descriptors); with --emit=lib, weights go to\n"
      "OUTPUT.weights, memory-mapped by the runtime (docs/driver.md).\n");

  config.input = inputFile;
  config.output = outputFile;
  config.timings = timings;

  // Stage and emit mode.
  if (!stopAfter.empty()) {
    if (stopAfter == "import") {
      config.stopAfter = std::nullopt;
    } else if (auto stage = parseCpuStage(stopAfter)) {
      config.stopAfter = *stage;
    } else {
      error("unknown stage '" + stopAfter +
            "' for --stop-after; expected import, raise, quantize, pack, tile "
            "or llvm");
      return false;
    }
  }
  std::string emitName = emit.empty() ? (stopAfter.empty() ? "obj" : "mlir")
                                      : emit.getValue();
  std::optional<Emit> emitKind = llvm::StringSwitch<std::optional<Emit>>(emitName)
                                     .Case("mlir", Emit::Mlir)
                                     .Case("llvm", Emit::Llvm)
                                     .Case("asm", Emit::Asm)
                                     .Case("obj", Emit::Obj)
                                     .Case("lib", Emit::Lib)
                                     .Case("exe", Emit::Exe)
                                     .Default(std::nullopt);
  if (!emitKind) {
    error("unknown --emit=" + emitName +
          "; expected mlir, llvm, asm, obj, lib or exe");
    return false;
  }
  config.emit = *emitKind;
  if (config.emit != Emit::Mlir && !stopAfter.empty() &&
      config.stopAfter != CpuStage::LLVM) {
    error("--emit=" + emitName + " needs the whole pipeline, but --stop-after=" +
          stopAfter + " stops before the LLVM dialect; use --emit=mlir");
    return false;
  }
  bool linked = config.emit == Emit::Lib || config.emit == Emit::Exe;
  if (linked && config.output == "-") {
    error("--emit=" + emitName + " needs an output file (-o " +
          (config.emit == Emit::Lib ? "libmodel.so" : "model") + ")");
    return false;
  }

  // Weights: a side file for libraries, compiled in otherwise.
  if (embedWeights && !weightsFile.empty()) {
    error("--embed-weights and --weights-file exclude each other");
    return false;
  }
  config.weightsFile = weightsFile;
  if (linked && weightsFile.empty() && !embedWeights)
    config.weightsFile = config.output + ".weights";
  if (!config.weightsFile.empty() && config.stopAfter != CpuStage::LLVM) {
    error("--weights-file needs the whole pipeline (weights leave the module "
          "at the end of the llvm stage)");
    return false;
  }
  if (weightsThreshold < 0) {
    error("--weights-threshold must be >= 0");
    return false;
  }
  config.weightsThreshold = weightsThreshold;

  // Target.
  std::string cpu = mcpu;
  if (mcpu.getNumOccurrences() == 0) {
    llvm::Triple host(llvm::sys::getProcessTriple());
    bool hostArch = (target == "x86_64" && host.isX86()) ||
                    (target == "aarch64" && host.isAArch64());
    cpu = hostArch ? "native" : "";
  }
  std::string targetError;
  if (!getCpuTargetInfo(target, cpu, config.target, targetError)) {
    error(targetError);
    return false;
  }
  bool isAArch64 = config.target.arch == CpuArch::AArch64;
  config.pipeline.target = target;
  config.pipeline.mcpu = cpu;
  config.pipeline.openmp = openmp == cl::BOU_UNSET ? !isAArch64
                                                   : openmp == cl::BOU_TRUE;
  config.pipeline.prefetchDistance = decodeTuning.prefetchDistance;
  config.pipeline.decodeAccumulators = decodeTuning.accumulators;
  if (parallelMinIterations < 1) {
    error("--parallel-min-iterations must be at least 1");
    return false;
  }
  config.pipeline.parallelMinIterations = parallelMinIterations;
  if (config.emit == Emit::Exe && isAArch64) {
    error("--emit=exe links the host's runtime (x86_64); for aarch64 use "
          "--emit=lib and a bitnet-run built for AArch64 (docs/driver.md)");
    return false;
  }
  if (config.emit == Emit::Lib && isAArch64 && config.pipeline.openmp) {
    error("--emit=lib for aarch64 links without an OpenMP runtime (there is "
          "no AArch64 libomp here); use --openmp=false");
    return false;
  }

  // Import.
  for (const std::string &spec : inputShapes)
    if (!onnx::parseInputShape(spec, config.import)) {
      error("bad --input-shape '" + spec + "'; expected NAME=D0xD1x...");
      return false;
    }
  config.import.emitCInterface = true;
  config.import.functionName = functionName;
  // An executable has its own `main`.
  if (config.emit == Emit::Exe && functionName.getNumOccurrences() == 0)
    config.import.functionName = "model";
  config.decoder.maxContext = maxContext;
  config.decoder.prefillTokens = prefillTokens;
  // Buckets: the default set unless given; "0" alone: none.
  config.explicitContextBuckets = contextBuckets.getNumOccurrences() > 0;
  if (!config.explicitContextBuckets) {
    config.decoder.contextBuckets = onnx::defaultContextBuckets(maxContext);
  } else if (contextBuckets.size() == 1 && contextBuckets.front() == 0) {
    config.decoder.contextBuckets.clear();
  } else {
    config.decoder.contextBuckets.assign(contextBuckets.begin(), contextBuckets.end());
  }
  return true;
}

//===----------------------------------------------------------------------===//
// MLIR stages
//===----------------------------------------------------------------------===//

/// Stage `import`: the ONNX model (or an MLIR module) with a C-interface
/// function.
OwningOpRef<ModuleOp> importStage(const CompileConfig &config,
                                  MLIRContext *context) {
  if (!isMlirFile(config.input)) {
    if (!llvm::sys::fs::exists(config.input)) {
      error("cannot open '" + config.input + "': no such file");
      return nullptr;
    }
    std::string loadError;
    std::unique_ptr<onnx::Model> model = onnx::loadModel(config.input, loadError);
    if (!model) {
      error(loadError);
      return nullptr;
    }
    if (!onnx::isGenerativeModel(*model, config.decoder)) {
      if (config.explicitContextBuckets && !config.decoder.contextBuckets.empty()) {
        error("--context-buckets applies to models with key-value caches "
              "(inputs named " + config.decoder.pastPrefix + "*); '" + config.input +
              "' has none");
        return nullptr;
      }
      OwningOpRef<ModuleOp> module =
          onnx::importModel(*model, context, config.import, config.input);
      if (!module || failed(verify(*module)))
        return nullptr;
      return module;
    }
    // A decoder with key-value caches: prefill and decode functions on
    // in-place caches.
    OwningOpRef<ModuleOp> module = onnx::importDecoder(
        *model, context, config.import, config.decoder, config.input);
    if (!module)
      return nullptr;
    PassManager pm(context);
    pm.addNestedPass<func::FuncOp>(bitnet::createKVCacheInPlacePass());
    pm.addNestedPass<func::FuncOp>(bitnet::createLastTokenLogitsPass());
    if (failed(pm.run(*module)))
      return nullptr;
    return module;
  }
  llvm::SourceMgr sourceMgr;
  std::string fileError;
  auto file = openInputFile(config.input, &fileError);
  if (!file) {
    error(fileError);
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(context));
  if (!module)
    return nullptr;
  // As the importer does: public functions get `_mlir_ciface_<name>`.
  for (auto func : module->getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(context));
  return module;
}

/// One stage of the CPU pipeline (the same passes as bitnet-cpu-pipeline).
/// Before lowering, the model also gets its plain C entry point
/// (`bitnet_run`, `bitnet_model_info`: docs/abi.md).
bool runPipelineStage(const CompileConfig &config, CpuStage stage,
                      ModuleOp module) {
  PassManager pm(module->getContext());
  if (stage == CpuStage::LLVM) {
    // A generative model has `prefill` and `decode` (importDecoder), each
    // its own entry point; other models one, unsuffixed.
    auto addEntry = [&](StringRef funcName, StringRef entryName) {
      bitnet::EmitEntryPointPassOptions entry;
      entry.funcName = funcName.str();
      entry.entryName = entryName.str();
      pm.addPass(bitnet::createEmitEntryPointPass(entry));
    };
    if (module.lookupSymbol("prefill") && module.lookupSymbol("decode")) {
      addEntry("prefill", "prefill");
      addEntry("decode", "decode");
    } else {
      addEntry(config.import.functionName, "");
    }
  }
  addCpuStage(pm, config.pipeline, stage);
  // --mlir-timing, --mlir-print-ir-after=... (hidden: for compiler work).
  if (failed(applyPassManagerCLOptions(pm)))
    return false;
  applyDefaultTimingPassManagerCLOptions(pm);
  return succeeded(pm.run(module));
}

//===----------------------------------------------------------------------===//
// LLVM stages
//===----------------------------------------------------------------------===//

std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CpuTargetInfo &info) {
  static bool initialized = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    llvm::InitializeAllAsmParsers();
    return true;
  }();
  (void)initialized;
  llvm::Triple triple(info.triple);
  std::string lookupError;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!target) {
    error("LLVM has no target for " + info.triple + ": " + lookupError);
    return nullptr;
  }
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, info.cpu, info.features, options, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    error("cannot create a target machine for " + info.triple + " " + info.cpu);
  return machine;
}

/// Stage `translate`: LLVM dialect -> LLVM IR for the target machine.
std::unique_ptr<llvm::Module> translateStage(ModuleOp module,
                                             llvm::LLVMContext &llvmContext,
                                             llvm::TargetMachine &machine) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "bitnet_model");
  if (!llvmModule) {
    error("translation to LLVM IR failed");
    return nullptr;
  }
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());
  // Calls between the model's functions bind inside the library: the model
  // function is typically called `main`, and an executable linked against
  // the library exports its own `main`, which would otherwise interpose
  // (`_mlir_ciface_main` would call the program's main).
  for (llvm::Function &function : *llvmModule)
    if (!function.isDeclaration())
      function.setDSOLocal(true);
  return llvmModule;
}

/// Stage `opt`: LLVM's O3 pipeline (new pass manager) with the target's
/// cost models.
bool optimizeStage(llvm::Module &llvmModule, llvm::TargetMachine &machine) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm =
      builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(llvmModule, mam);
  if (llvm::verifyModule(llvmModule, &llvm::errs())) {
    error("LLVM IR is invalid after optimization");
    return false;
  }
  return true;
}

/// Stage `codegen`: assembly or an object file, in memory.
bool codegenStage(llvm::Module &llvmModule, llvm::TargetMachine &machine,
                  llvm::CodeGenFileType type, llvm::SmallVectorImpl<char> &out) {
  llvm::raw_svector_ostream os(out);
  llvm::legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, os, nullptr, type)) {
    error("the target cannot emit this file type");
    return false;
  }
  pm.run(llvmModule);
  return true;
}

/// The one MLIR runtime function compiled code calls: `memref.copy` of
/// non-contiguous memrefs (MLIR's CRunnerUtils `memrefCopy`, same
/// semantics). Compiled into each library, hidden, so a library needs no
/// libmlir_c_runner_utils (which has no AArch64 build here).
const char kSupportSource[] = R"c(
#include <stdint.h>
#include <string.h>
struct UnrankedMemRef { int64_t rank; void *descriptor; };
__attribute__((visibility("hidden"))) void
memrefCopy(int64_t elemSize, struct UnrankedMemRef *srcArg,
           struct UnrankedMemRef *dstArg) {
  int64_t rank = srcArg->rank;
  char **srcBase = (char **)srcArg->descriptor;
  char **dstBase = (char **)dstArg->descriptor;
  const int64_t *src = (const int64_t *)(srcBase + 2); /* offset, sizes, strides */
  const int64_t *dst = (const int64_t *)(dstBase + 2);
  for (int64_t r = 0; r < rank; ++r)
    if (src[1 + r] == 0)
      return;
  char *srcPtr = srcBase[1] + src[0] * elemSize;
  char *dstPtr = dstBase[1] + dst[0] * elemSize;
  if (rank == 0) {
    memcpy(dstPtr, srcPtr, elemSize);
    return;
  }
  int64_t indices[rank], srcStrides[rank], dstStrides[rank];
  for (int64_t r = 0; r < rank; ++r) {
    indices[r] = 0;
    srcStrides[r] = src[1 + rank + r] * elemSize;
    dstStrides[r] = dst[1 + rank + r] * elemSize;
  }
  int64_t readIndex = 0, writeIndex = 0;
  for (;;) {
    memcpy(dstPtr + writeIndex, srcPtr + readIndex, elemSize);
    for (int64_t axis = rank - 1; axis >= 0; --axis) {
      int64_t newIndex = ++indices[axis];
      readIndex += srcStrides[axis];
      writeIndex += dstStrides[axis];
      if (newIndex < src[1 + axis])
        break;
      if (axis == 0)
        return;
      indices[axis] = 0;
      readIndex -= src[1 + axis] * srcStrides[axis];
      writeIndex -= dst[1 + axis] * dstStrides[axis];
    }
  }
}
)c";

/// Writes `bytes` to a new temporary file `<prefix>-*.<suffix>`.
bool writeTemporaryFile(llvm::StringRef suffix, llvm::StringRef bytes,
                        llvm::SmallVectorImpl<char> &path) {
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("bitnet-compile", suffix, fd, path)) {
    error("cannot create a temporary file: " + ec.message());
    return false;
  }
  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  os << bytes;
  os.close();
  if (os.has_error()) {
    error("cannot write " + llvm::Twine(llvm::StringRef(path.data(), path.size())));
    return false;
  }
  return true;
}

/// The archive an executable links (lib/Tools/CMakeLists.txt: bitnet_exe),
/// next to this program's lib directory; empty with an error if missing.
std::string findExeArchive() {
  std::string self = llvm::sys::fs::getMainExecutable(
      nullptr, reinterpret_cast<void *>(&findExeArchive));
  llvm::SmallString<256> archive(llvm::sys::path::parent_path(
      llvm::sys::path::parent_path(self)));
  llvm::sys::path::append(archive, "lib", "libbitnet_exe.a");
  if (!llvm::sys::fs::exists(archive)) {
    error("cannot link an executable: " + archive +
          " (the runtime archive built with bitnet-compile) not found");
    return "";
  }
  return archive.str().str();
}

/// Stage `link`: the object (plus kSupportSource) as a shared library,
/// linked by clang-22 (x86_64, with libomp when OpenMP is on) or
/// aarch64-linux-gnu-gcc; or, for --emit=exe, as an executable with the
/// runtime archive (bitnet-run's driver and main).
bool linkStage(const CompileConfig &config, llvm::ArrayRef<char> object) {
  bool executable = config.emit == Emit::Exe;
  std::string archive = executable ? findExeArchive() : "";
  if (executable && archive.empty())
    return false;
  llvm::SmallString<128> objectPath, supportPath;
  bool written = writeTemporaryFile(
      "o", llvm::StringRef(object.data(), object.size()), objectPath);
  llvm::FileRemover removeObject(objectPath);
  if (!written)
    return false;
  written = writeTemporaryFile("c", kSupportSource, supportPath);
  llvm::FileRemover removeSupport(supportPath);
  if (!written)
    return false;

  bool isAArch64 = config.target.arch == CpuArch::AArch64;
  const char *linker = isAArch64 ? "aarch64-linux-gnu-gcc" : "clang-22";
  llvm::ErrorOr<std::string> program = llvm::sys::findProgramByName(linker);
  if (!program) {
    error(llvm::Twine("cannot link: ") + linker + " not found in PATH" +
          (isAArch64 ? " (install gcc-aarch64-linux-gnu)" : ""));
    return false;
  }
  // -z defs: a symbol nothing provides is a link error, not a load error.
  // -Bsymbolic: the library's references to its own functions bind locally
  // (see translateStage: a program's `main` must not replace the model's).
  std::vector<std::string> args = {*program, "-O2", "-o", config.output,
                                   objectPath.str().str(), supportPath.str().str()};
  if (executable) {
    // The runtime finds the model's symbols in the program itself.
    args.insert(args.end(), {archive, "-Wl,--export-dynamic", "-lstdc++", "-ldl"});
  } else {
    args.insert(args.end(), {"-shared", "-fPIC", "-Wl,-z,defs", "-Wl,-Bsymbolic"});
  }
  if (config.pipeline.openmp) {
    args.push_back("-L" BITNET_OMP_LIBRARY_DIR);
    args.push_back("-lomp");
    args.push_back("-Wl,-rpath," BITNET_OMP_LIBRARY_DIR);
  }
  args.push_back("-lm");
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*program, argRefs, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    error(llvm::Twine("linking failed: ") + linker + " exited with " +
          llvm::Twine(rc) + (message.empty() ? "" : ": " + message));
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Output
//===----------------------------------------------------------------------===//

bool writeOutput(const CompileConfig &config,
                 llvm::function_ref<void(llvm::raw_ostream &)> write) {
  std::string fileError;
  auto output = openOutputFile(config.output, &fileError);
  if (!output) {
    error(fileError);
    return false;
  }
  write(output->os());
  output->keep();
  return true;
}

/// Everything after the import; the module is in `module`.
int compile(const CompileConfig &config, MLIRContext &context,
            StageTimings &timings) {
  OwningOpRef<ModuleOp> module;
  if (!timings.time("import", [&] {
        module = importStage(config, &context);
        return bool(module);
      }))
    return 1;

  if (config.stopAfter) {
    for (CpuStage stage : kAllCpuStages) {
      if (stage > *config.stopAfter)
        break;
      if (!timings.time(cpuStageName(stage),
                        [&] { return runPipelineStage(config, stage, *module); }))
        return 1;
    }
  }
  if (config.emit == Emit::Exe && module->lookupSymbol("main")) {
    error("--emit=exe: the model's function is called 'main', which the "
          "executable's own main would clash with; name it otherwise "
          "(--function-name for ONNX models)");
    return 1;
  }
  // Weights leave the module before translation, so LLVM never sees them.
  std::string weights;
  if (!config.weightsFile.empty() &&
      !timings.time("weights", [&] {
        return succeeded(
            externalizeWeights(*module, config.weightsThreshold, weights));
      }))
    return 1;
  // The weights file is written after the output, which it belongs to.
  auto finish = [&](bool written) {
    if (!written)
      return 1;
    if (config.weightsFile.empty())
      return 0;
    std::string message;
    if (!writeWeightsFile(config.weightsFile, weights, message)) {
      error(message);
      return 1;
    }
    timings.note("weights file " + config.weightsFile + ": " +
                 std::to_string(kWeightsHeaderSize + weights.size()) + " bytes");
    return 0;
  };

  if (config.emit == Emit::Mlir) {
    return finish(writeOutput(config, [&](llvm::raw_ostream &os) {
      module->print(os, OpPrintingFlags());
    }));
  }

  std::unique_ptr<llvm::TargetMachine> machine =
      createTargetMachine(config.target);
  if (!machine)
    return 1;
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule;
  if (!timings.time("translate", [&] {
        llvmModule = translateStage(*module, llvmContext, *machine);
        return bool(llvmModule);
      }))
    return 1;
  module = nullptr; // The MLIR module (and its weights) is no longer needed.
  if (!timings.time("opt", [&] { return optimizeStage(*llvmModule, *machine); }))
    return 1;
  if (config.emit == Emit::Llvm)
    return finish(writeOutput(
        config, [&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); }));

  llvm::SmallVector<char, 0> code;
  auto fileType = config.emit == Emit::Asm ? llvm::CodeGenFileType::AssemblyFile
                                           : llvm::CodeGenFileType::ObjectFile;
  if (!timings.time("codegen", [&] {
        return codegenStage(*llvmModule, *machine, fileType, code);
      }))
    return 1;
  if (config.emit == Emit::Lib || config.emit == Emit::Exe)
    return finish(timings.time("link", [&] { return linkStage(config, code); }));
  return finish(writeOutput(config, [&](llvm::raw_ostream &os) {
    os.write(code.data(), code.size());
  }));
}

} // namespace

int mlir::bitnet::bitnetCompileMain(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  CompileConfig config;
  if (!parseCommandLine(argc, argv, config))
    return 1;

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  // "model.onnx: error: node 'n': ..." as bitnet-translate reports it.
  ScopedDiagnosticHandler diagnostics(&context, [&](Diagnostic &diag) {
    onnx::printNodeDiagnostic(llvm::errs(), config.input, diag);
    return success();
  });

  StageTimings timings(config.timings);
  int rc = compile(config, context, timings);
  timings.print();
  return rc;
}
