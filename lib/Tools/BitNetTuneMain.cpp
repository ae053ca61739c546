//===- BitNetTuneMain.cpp - Entry point of bitnet-tune ----------------===//
//
// The command line of bitnet-tune; the tuner is lib/Bench/Tuner.cpp.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Tools/BitNetTuneMain.h"

#include "bitnet/Bench/Tuner.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::bitnet;
namespace cl = llvm::cl;

int mlir::bitnet::bitnetTuneMain(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  static cl::OptionCategory category("bitnet-tune options");
  static cl::opt<std::string> model(cl::Positional, cl::desc("[model.onnx | checkpoint dir | model.mlir]"),
                                    cl::init(""), cl::cat(category));
  static cl::list<std::string> shapeList(
      "shape", cl::desc("Weight shapes MxK to tune instead of a model's"), cl::CommaSeparated,
      cl::cat(category));
  static cl::list<int64_t> tokens("n", cl::desc("With --shape: token counts (default 1)"),
                                  cl::CommaSeparated, cl::cat(category));
  static cl::opt<std::string> mcpu("mcpu", cl::desc("CPU of the host's architecture (default native)"),
                                   cl::init("native"), cl::cat(category));
  static cl::opt<int> threads("num-threads", cl::desc("OpenMP threads the kernels run on (default 2)"),
                              cl::init(2), cl::cat(category));
  static cl::opt<double> seconds("seconds-per-candidate",
                                 cl::desc("Seconds of timed calls per candidate (default 0.3)"),
                                 cl::init(0.3), cl::cat(category));
  static cl::opt<int64_t> maxContext("max-context",
                                     cl::desc("For decoders: as bitnet-compile (default 512)"),
                                     cl::init(512), cl::cat(category));
  static cl::opt<int64_t> prefillTokens(
      "prefill-tokens", cl::desc("For decoders: as bitnet-compile (default 64)"), cl::init(64),
      cl::cat(category));
  static cl::opt<std::string> output(
      "o", cl::desc("Tuning file to write (default: where bitnet-compile looks for this CPU's; "
                    "- for stdout)"),
      cl::value_desc("file"), cl::init(""), cl::cat(category));
  static cl::opt<bool> tuneFormat(
      "tune-format",
      cl::desc("Also time the sub-2-bit formats against i2s (t5; tl2r with AVX-512 VBMI "
               "or AArch64 dotprod), "
               "keeping one where it wins (default true)"),
      cl::init(true), cl::cat(category));
  static cl::opt<bool> quiet("quiet", cl::desc("No progress on stderr"), cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "BitNet-MLIR tuner: kernel configurations measured on this CPU\n");

  bench::TuneOptions options;
  options.model = model;
  options.mcpu = mcpu;
  options.threads = threads;
  options.secondsPerCandidate = seconds;
  options.maxContext = maxContext;
  options.prefillTokens = prefillTokens;
  options.output = output;
  options.quiet = quiet;
  options.tuneFormat = tuneFormat;
  if (!tokens.empty()) {
    options.tokens.assign(tokens.begin(), tokens.end());
    options.tokensGiven = true;
  }
  if (!model.empty() && !shapeList.empty()) {
    llvm::errs() << "bitnet-tune: give a model or --shape, not both\n";
    return 1;
  }
  for (const std::string &text : shapeList) {
    std::optional<bench::Shape> shape = bench::parseShape(text);
    if (!shape) {
      llvm::errs() << "bitnet-tune: --shape takes MxK, not '" << text << "'\n";
      return 1;
    }
    options.shapes.push_back(*shape);
  }
  for (int64_t n : options.tokens)
    if (n < 1 || n > 8192) {
      llvm::errs() << "bitnet-tune: -n takes token counts from 1 to 8192\n";
      return 1;
    }
  return bench::runTuner(options);
}
