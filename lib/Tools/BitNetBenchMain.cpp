//===- BitNetBenchMain.cpp - Entry point of bitnet-bench --------------===//
//
// The command line of bitnet-bench; the benchmark is lib/Bench.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Tools/BitNetBenchMain.h"
#include "bitnet/Tools/DecodeTuningOptions.h"

#include "bitnet/Bench/GpuKernels.h"
#include "bitnet/Bench/KernelBench.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir::bitnet;
namespace cl = llvm::cl;

int mlir::bitnet::bitnetBenchMain(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  static cl::OptionCategory category("bitnet-bench options");
  static cl::opt<bool> json("json", cl::desc("Print a JSON list of records"),
                            cl::cat(category));
  static cl::opt<std::string> target(
      "target",
      cl::desc("cpu (the host, default) or nvptx (the first NVIDIA GPU: its "
               "GEMV kernels, timed with CUDA graphs)"),
      cl::init("cpu"), cl::cat(category));
  static cl::opt<std::string> mcpu("mcpu",
                                   cl::desc("CPU to generate kernels for"),
                                   cl::init("native"), cl::cat(category));
  static cl::list<int64_t> tokens("n", cl::desc("Token counts (default 1,128)"),
                                  cl::CommaSeparated, cl::cat(category));
  static cl::list<int> threadList("num-threads",
                                  cl::desc("Thread counts (default 1,2)"),
                                  cl::CommaSeparated, cl::cat(category));
  static cl::list<std::string> cacheList(
      "cache", cl::desc("hot and/or cold (default both)"), cl::CommaSeparated,
      cl::cat(category));
  static cl::list<std::string> shapeList(
      "shape", cl::desc("Weight shapes MxK instead of the DESIGN shapes"),
      cl::CommaSeparated, cl::cat(category));
  static cl::list<std::string> formatList(
      "format",
      cl::desc("Weight formats: i2s (default), t5, tl2r; each row of another "
               "format shows its speed-up over i2s (vs-i2s) when i2s is timed too"),
      cl::CommaSeparated, cl::cat(category));
  static cl::opt<int> actBits(
      "act-bits",
      cl::desc("Activation bits: 8 (int8 codes, default) or 4 (f32 activations quantized "
               "to int4 in each call, as BitNet a4.8)"),
      cl::init(8), cl::cat(category));
  static DecodeTuningOptions decodeTuning(category);
  static cl::opt<std::string> tuningFile(
      "tuning-file",
      cl::desc("Kernel configurations by weight shape (JSON; as bitnet-compile "
               "--tuning-file)"),
      cl::value_desc("path"), cl::init(""), cl::cat(category));
  static cl::opt<bool> quick("quick", cl::desc("Only the first shape"),
                             cl::cat(category));
  static cl::opt<std::string> saveKernel(
      "save-kernel",
      cl::desc("Write the first kernel as it reached the back end "
               "(PREFIX.mlir) and the object that was timed (PREFIX.o)"),
      cl::value_desc("PREFIX"), cl::init(""), cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "BitNet-MLIR kernel benchmark\n");

  bench::KernelBenchOptions options;
  options.json = json;
  options.mcpu = mcpu;
  if (!tokens.empty())
    options.tokens.assign(tokens.begin(), tokens.end());
  if (!threadList.empty())
    options.threads.assign(threadList.begin(), threadList.end());
  if (!cacheList.empty())
    options.caches.assign(cacheList.begin(), cacheList.end());
  if (actBits != 8 && actBits != 4) {
    llvm::errs() << "bitnet-bench: --act-bits takes 8 or 4, not " << actBits << "\n";
    return 1;
  }
  options.actBits = actBits;
  if (!formatList.empty()) {
    options.formats.clear();
    for (const std::string &name : formatList) {
      std::optional<ref::PackedFormat> format = ref::parseFormat(name);
      if (!format || *format == ref::PackedFormat::TL1 || *format == ref::PackedFormat::TL2) {
        llvm::errs() << "bitnet-bench: --format takes i2s, t5 and tl2r (the formats with "
                        "CPU kernels), not '" << name << "'\n";
        return 1;
      }
      options.formats.push_back(*format);
    }
    // i2s first: the other formats' rows compare with it.
    auto i2s = llvm::find(options.formats, ref::PackedFormat::I2S);
    if (i2s != options.formats.end())
      std::rotate(options.formats.begin(), i2s, std::next(i2s));
  }
  if (!shapeList.empty()) {
    options.shapes.clear();
    for (const std::string &text : shapeList) {
      std::optional<bench::Shape> shape = bench::parseShape(text);
      if (!shape) {
        llvm::errs() << "bitnet-bench: --shape takes MxK, not '" << text << "'\n";
        return 1;
      }
      options.shapes.push_back(*shape);
    }
  }
  options.prefetchDistance = decodeTuning.prefetchDistance;
  options.decodeAccumulators = decodeTuning.accumulators;
  options.tuningFile = tuningFile;
  options.quick = quick;
  options.saveKernel = saveKernel;
  if (target == "nvptx") {
    // The GEMV kernels (decode); the prefill GEMM is not generated yet.
    if (tokens.empty())
      options.tokens = {1};
    if (shapeList.empty())
      options.shapes = bench::gpuShapes();
    if (std::string error = bench::validate(options); !error.empty()) {
      llvm::errs() << "bitnet-bench: " << error << "\n";
      return 1;
    }
    return bench::runGpuKernelBench(options);
  }
  if (target != "cpu") {
    llvm::errs() << "bitnet-bench: --target takes cpu or nvptx, not '" << target << "'\n";
    return 1;
  }
  return bench::runKernelBench(options);
}
