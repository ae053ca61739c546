//===- BitNetCompileMain.cpp - Entry point of bitnet-compile ----------===//
//
// The command line of bitnet-compile: flags into a CompileOptions, then the
// compiler library (lib/Compiler) does the rest. docs/driver.md describes
// the tool.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Tools/BitNetCompileMain.h"
#include "bitnet/Tools/DecodeTuningOptions.h"

#include "bitnet/Compiler/Compiler.h"
#include "bitnet/InitAll.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace mlir;
using namespace mlir::bitnet;
namespace cl = llvm::cl;

namespace {

void error(const llvm::Twine &message) {
  llvm::errs() << "bitnet-compile: error: " << message << "\n";
}

struct CommandLine {
  compiler::CompileOptions options;
  bool timings = false;
};

/// Parses the flags into `options`.
CommandLine parseCommandLine(int argc, char **argv) {
  // libLLVM's code generator registers its own (hidden) `-stop-after=<pass>`
  // and `-start-after=<pass>`; ours name stages. Take the names over before
  // ours are registered.
  for (const char *name : {"stop-after", "start-after"})
    if (cl::Option *llvmOption = cl::getRegisteredOptions().lookup(name))
      llvmOption->removeArgument();
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
  static cl::opt<std::string> startAfter(
      "start-after",
      cl::desc("The MLIR input has been through this stage already (a module "
               "printed by --stop-after); run the stages after it"),
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
  static cl::opt<std::string> tuningFile(
      "tuning-file",
      cl::desc("Kernel configurations that replace the target's choices, by "
               "weight shape (JSON; docs/architecture.md)"),
      cl::value_desc("path"), cl::init(""), cl::cat(category));
  static cl::opt<std::string> weightFormat(
      "weight-format",
      cl::desc("Packed format of every ternary product: i2s, t5 (1.6 bits), tl2r (1.67 "
               "bits, lookup tables), tl1, tl2 (default: the tuning file's, else the "
               "target's; docs/formats.md)"),
      cl::value_desc("format"), cl::init(""), cl::cat(category));
  static cl::opt<int64_t> actBits(
      "act-bits",
      cl::desc("Activation bits of every BitLinear layer: 8 (int8 absmax), 4 (int4 "
               "absmean, BitNet a4.8's; for exploring speed, not a trained a4.8 model), "
               "0 (default): the model's own"),
      cl::init(0), cl::cat(category));
  static cl::opt<std::string> linker(
      "linker",
      cl::desc("C compiler that links --emit=lib and exe (default: the one "
               "this compiler was built with; aarch64-linux-gnu-gcc for "
               "aarch64)"),
      cl::value_desc("program"), cl::init(""), cl::cat(category));
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

  CommandLine line;
  compiler::CompileOptions &options = line.options;
  options.input = inputFile;
  options.output = outputFile;
  options.emit = emit;
  options.stopAfter = stopAfter;
  options.startAfter = startAfter;
  options.target = target;
  options.mcpu = mcpu;
  if (openmp != cl::BOU_UNSET)
    options.openmp = openmp == cl::BOU_TRUE;
  options.inputShapes.assign(inputShapes.begin(), inputShapes.end());
  if (functionName.getNumOccurrences())
    options.functionName = functionName;
  options.weightsFile = weightsFile;
  options.embedWeights = embedWeights;
  options.weightsThreshold = weightsThreshold;
  options.maxContext = maxContext;
  options.prefillTokens = prefillTokens;
  if (contextBuckets.getNumOccurrences())
    options.contextBuckets.emplace(contextBuckets.begin(), contextBuckets.end());
  options.decodePrefetchDistance = decodeTuning.prefetchDistance;
  options.decodeAccumulators = decodeTuning.accumulators;
  options.parallelMinIterations = parallelMinIterations;
  options.tuningFile = tuningFile;
  options.weightFormat = weightFormat;
  options.actBits = actBits;
  options.linker = linker;
  line.timings = timings;
  return line;
}

/// Passes release weights layer by layer as they replace them (packed bytes
/// -> packed layout -> the weights file). glibc serves blocks of a few MB
/// from its heap and keeps them once freed, so a compile would hold every
/// form of the weights it ever had (an 8B checkpoint: 4.9 GiB instead of
/// 3.8); blocks of 1 MB and more are mapped instead and go back to the
/// system when freed. Set here, not in the compiler library: processes that
/// embed it choose their own allocator settings (bitnet-run keeps freed
/// memory on purpose).
void returnFreedWeightsToSystem() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
}

} // namespace

int mlir::bitnet::bitnetCompileMain(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  returnFreedWeightsToSystem();
  CommandLine line = parseCommandLine(argc, argv);
  llvm::Expected<compiler::CompileJob> job = compiler::prepareCompileJob(line.options);
  if (!job) {
    error(llvm::toString(job.takeError()));
    return 1;
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  // "model.onnx: error: node 'n': ..." as bitnet-translate reports it.
  ScopedDiagnosticHandler diagnostics(&context, [&](Diagnostic &diag) {
    onnx::printNodeDiagnostic(llvm::errs(), job->input, diag);
    return success();
  });
  compiler::CompileCallbacks callbacks;
  callbacks.error = [](const std::string &message) { error(message); };
  // --mlir-timing, --mlir-print-ir-after=... (hidden: for compiler work).
  callbacks.configurePassManager = [](PassManager &pm) {
    if (failed(applyPassManagerCLOptions(pm)))
      return failure();
    applyDefaultTimingPassManagerCLOptions(pm);
    return success();
  };
  compiler::CompileTimings timings;
  if (line.timings)
    timings.attach(callbacks);
  LogicalResult result = compiler::compile(*job, context, callbacks);
  if (line.timings)
    timings.print(llvm::errs());
  return failed(result) ? 1 : 0;
}
