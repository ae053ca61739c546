//===- BitNetBenchMain.cpp - Benchmarks of the generated kernels ------===//
//
// For each weight shape M x K and token count N, compiles
//   func @mm(q: NxK i8, packed i2s weights) -> NxM i32
// with bitnet-cpu-pipeline (the target's SIMD kernel) and, for comparison,
// with bitnet-to-llvm (the portable loops), and times it with the JIT. In
// the same run it measures the machine's read bandwidth and its int8
// dot-product peak, so results are reported as ratios (shared machines are
// noisy; ratios from one run are comparable).
//
//===----------------------------------------------------------------------===//

#include "bitnet/Tools/BitNetBenchMain.h"

#include "bitnet/InitAll.h"
#include "bitnet/Pipelines/Pipelines.h"
#include "bitnet/Reference/Reference.h"
#include "bitnet/Target/CpuTargetInfo.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace mlir;
namespace cl = llvm::cl;
namespace ref = mlir::bitnet::ref;

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// Single-thread read bandwidth in GB/s over a buffer far larger than L2.
double measureReadBandwidth() {
  const size_t bytes = size_t(512) << 20;
  std::vector<uint64_t> buffer(bytes / 8, 1);
  volatile uint64_t sink = 0;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    auto start = Clock::now();
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t i = 0; i < buffer.size(); i += 4) {
      s0 += buffer[i];
      s1 += buffer[i + 1];
      s2 += buffer[i + 2];
      s3 += buffer[i + 3];
    }
    sink = sink + s0 + s1 + s2 + s3;
    best = std::max(best, bytes / seconds(start, Clock::now()) / 1e9);
  }
  return best;
}

#if defined(__x86_64__)
/// The int8 multiply-add peak of one core with vpdpbusd (a calibration
/// loop, not a kernel): 12 independent accumulators, 64 MACs per
/// instruction, 2 ops per MAC.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) double measureVnniPeak() {
  __m512i acc[12];
  for (__m512i &a : acc)
    a = _mm512_setzero_si512();
  __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-5);
  const long iterations = 20'000'000;
  auto start = Clock::now();
  for (long i = 0; i < iterations; ++i)
    for (__m512i &x : acc) {
      x = _mm512_dpbusd_epi32(x, a, b);
      __asm__ volatile("" : "+v"(x));
    }
  double t = seconds(start, Clock::now());
  volatile int sink = _mm512_reduce_add_epi32(acc[0]);
  (void)sink;
  return iterations * 12.0 * 64 * 2 / t / 1e9;
}
#endif

using Matmul = void (*)(StridedMemRefType<int32_t, 2> *,
                        StridedMemRefType<int8_t, 2> *,
                        StridedMemRefType<int8_t, 2> *);

struct Compiled {
  std::unique_ptr<MLIRContext> context;
  std::unique_ptr<ExecutionEngine> engine;
  Matmul fn = nullptr;
};

Compiled compile(int64_t n, int64_t m, int64_t k, bool kernels,
                 const std::string &mcpu, std::string &error) {
  Compiled c;
  DialectRegistry registry;
  bitnet::registerAllDialects(registry);
  c.context = std::make_unique<MLIRContext>(registry);
  int64_t bytes = ref::packedRowBytes(ref::PackedFormat::I2S, k);
  std::string source = llvm::formatv(R"mlir(
    func.func @mm(%q: tensor<{0}x{2}xi8>, %p: tensor<{1}x{3}xi8>) -> tensor<{0}x{1}xi32>
        attributes {{llvm.emit_c_interface} {
      %a = bitnet.ternary_matmul %q, %p format <i2s> : tensor<{0}x{2}xi8>, tensor<{1}x{3}xi8> -> tensor<{0}x{1}xi32>
      return %a : tensor<{0}x{1}xi32>
    })mlir", n, m, k, bytes).str();
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(source, ParserConfig(c.context.get()));
  PassManager pm(c.context.get());
  if (kernels) {
    bitnet::CpuPipelineOptions options;
    options.mcpu = mcpu;
    bitnet::buildBitNetCpuPipeline(pm, options);
  } else {
    bitnet::buildBitNetToLLVMPipeline(pm);
  }
  if (!module || failed(pm.run(*module))) {
    error = "compilation failed";
    return c;
  }
  auto transformer = makeOptimizingTransformer(3, 0, nullptr);
  ExecutionEngineOptions options;
  options.transformer = transformer;
  auto engine = ExecutionEngine::create(*module, options);
  if (!engine) {
    error = llvm::toString(engine.takeError());
    return c;
  }
  c.engine = std::move(*engine);
  auto symbol = c.engine->lookup("_mlir_ciface_mm");
  if (!symbol) {
    error = llvm::toString(symbol.takeError());
    return c;
  }
  c.fn = reinterpret_cast<Matmul>(*symbol);
  return c;
}

template <typename T>
StridedMemRefType<T, 2> view(std::vector<T> &data, int64_t rows, int64_t cols) {
  return {data.data(), data.data(), 0, {rows, cols}, {cols, 1}};
}

struct Shape {
  const char *name;
  int64_t m, k;
};

} // namespace

int mlir::bitnet::bitnetBenchMain(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  static cl::opt<bool> json("json", cl::desc("Print a JSON list of records"));
  static cl::opt<std::string> mcpu("mcpu", cl::desc("CPU to generate kernels for"),
                                   cl::init("native"));
  static cl::list<int64_t> tokens("n", cl::desc("Token counts (default 1,128)"),
                                  cl::CommaSeparated);
  static cl::opt<bool> quick("quick", cl::desc("Only the first shape"));
  cl::ParseCommandLineOptions(argc, argv, "BitNet-MLIR kernel benchmark\n");
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  CpuTargetInfo target;
  std::string error;
  if (!getCpuTargetInfo("x86_64", mcpu, target, error)) {
    llvm::errs() << "bitnet-bench: " << error << "\n";
    return 1;
  }
  double bandwidth = measureReadBandwidth();
  double peak = 0;
#if defined(__x86_64__)
  if (target.hasAvx512vnni)
    peak = measureVnniPeak();
#endif
  std::vector<int64_t> ns(tokens.begin(), tokens.end());
  if (ns.empty())
    ns = {1, 128};
  const Shape shapes[] = {{"2B4T q/o", 2560, 2560},  {"2B4T k/v", 640, 2560},
                          {"2B4T gate/up", 6912, 2560}, {"2B4T down", 2560, 6912},
                          {"3B ffn", 8640, 3200},    {"3B down", 3200, 8640}};

  if (!json) {
    llvm::outs() << "target: " << target.describe() << "\n"
                 << llvm::formatv("read bandwidth {0:f1} GB/s (1 thread), "
                                  "vpdpbusd peak {1:f0} GOPS (1 core)\n",
                                  bandwidth, peak);
    llvm::outs() << llvm::formatv("{0,-14} {1,5} {2,5} {3,4} {4,4} {5,10} {6,8} "
                                  "{7,9} {8,6} {9,6} {10,9}\n",
                                  "shape", "M", "K", "N", "thr", "us", "GOPS",
                                  "weightGB/s", "bw%", "peak%", "vs-naive");
  }
  llvm::raw_ostream &os = llvm::outs();
  bool first = true;
  if (json)
    os << "[";
  std::mt19937 rng(1);
  for (const Shape &shape : shapes) {
    for (int64_t n : ns) {
      int64_t bytes = ref::packedRowBytes(ref::PackedFormat::I2S, shape.k);
      std::vector<int8_t> q(n * shape.k), w(shape.m * shape.k), packed(shape.m * bytes);
      std::uniform_int_distribution<int> act(-127, 127), trit(-1, 1);
      for (int8_t &v : q)
        v = act(rng);
      for (int8_t &v : w)
        v = trit(rng);
      ref::pack(ref::PackedFormat::I2S, w.data(), shape.m, shape.k,
                reinterpret_cast<uint8_t *>(packed.data()));
      Compiled kernel = compile(n, shape.m, shape.k, true, mcpu, error);
      if (!kernel.fn) {
        llvm::errs() << "bitnet-bench: " << error << "\n";
        return 1;
      }
      auto qRef = view(q, n, shape.k);
      auto pRef = view(packed, shape.m, bytes);
      auto time = [&](Matmul fn, double budget) {
        StridedMemRefType<int32_t, 2> out{};
        fn(&out, &qRef, &pRef); // warm up
        std::free(out.basePtr);
        int reps = 0;
        auto start = Clock::now();
        double elapsed = 0;
        while (elapsed < budget || reps < 3) {
          fn(&out, &qRef, &pRef);
          std::free(out.basePtr);
          ++reps;
          elapsed = seconds(start, Clock::now());
        }
        return elapsed / reps;
      };
      double t = time(kernel.fn, 0.3);
      // The portable loops as the naive baseline (decode only: N = 1).
      double naive = 0;
      if (n == 1) {
        Compiled portable = compile(n, shape.m, shape.k, false, mcpu, error);
        if (portable.fn)
          naive = time(portable.fn, 0.1);
      }
      double ops = 2.0 * shape.m * shape.k * n;
      double gops = ops / t / 1e9;
      double weightGBps = double(shape.m) * bytes / t / 1e9;
      double bwRatio = weightGBps / bandwidth;
      double peakRatio = peak > 0 ? gops / peak : 0;
      if (json) {
        os << (first ? "" : ",") << "\n  "
           << llvm::formatv("{{\"shape\": \"{0}\", \"m\": {1}, \"k\": {2}, \"n\": {3}, "
                            "\"threads\": 1, \"cache\": \"hot\", \"format\": \"i2s\", "
                            "\"us\": {4:f2}, \"gops\": {5:f2}, \"weight_gbps\": {6:f3}, "
                            "\"bw_roof_ratio\": {7:f4}, \"peak_ratio\": {8:f4}, "
                            "\"naive_us\": {9:f2}, \"read_bandwidth_gbps\": {10:f2}, "
                            "\"peak_gops\": {11:f1}}",
                            shape.name, shape.m, shape.k, n, t * 1e6, gops,
                            weightGBps, bwRatio, peakRatio, naive * 1e6, bandwidth,
                            peak);
      } else {
        os << llvm::formatv("{0,-14} {1,5} {2,5} {3,4} {4,4} {5,10:f1} {6,8:f1} "
                            "{7,9:f2} {8,6:f1} {9,6:f1} {10,9}\n",
                            shape.name, shape.m, shape.k, n, 1, t * 1e6, gops,
                            weightGBps, 100 * bwRatio, 100 * peakRatio,
                            naive > 0 ? llvm::formatv("{0:f1}x", naive / t).str()
                                      : std::string("-"));
      }
      first = false;
    }
    if (quick)
      break;
  }
  if (json)
    os << "\n]\n";
  return 0;
}
