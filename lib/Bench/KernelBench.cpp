//===- KernelBench.cpp - Benchmarks of the generated kernels ----------===//
//
// For each weight shape M x K and token count N, compiles
//   func @mm(q: NxK i8, packed i2s weights) -> NxM i32
// with bitnet-cpu-pipeline (the target's SIMD kernel) and, for comparison,
// with bitnet-to-llvm (the portable loops), through bitnet-compile's back
// end (compiler::JitModule: the same object), and times it. In
// the same run it measures the machine's read bandwidth and its int8
// dot-product peak for each thread count, so results are reported as ratios
// (shared machines are noisy; ratios from one run are comparable). "cold"
// rotates through enough copies of the weights that each call reads them
// from memory; "hot" calls repeatedly on one copy.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Bench/KernelBench.h"

#include "bitnet/Compiler/Backend.h"
#include "bitnet/Dialect/BitNet/IR/KernelConfigLimits.h"
#include "bitnet/InitAll.h"
#include "bitnet/Pipelines/Pipelines.h"
#include "bitnet/Reference/Reference.h"
#include "bitnet/Target/CpuTargetInfo.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <map>
#include <random>
#include <thread>
#include <vector>

// The kernels' parallel loops run on LLVM's OpenMP runtime (linked in).
extern "C" void omp_set_num_threads(int);

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace mlir;
using namespace mlir::bitnet;
namespace ref = mlir::bitnet::ref;

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// Runs `body(thread)` on `threads` threads at once.
template <typename Fn> void onThreads(int threads, Fn body) {
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t)
    pool.emplace_back(body, t);
  body(0);
  for (std::thread &t : pool)
    t.join();
}

/// Bytes ahead of the loads that sumWords(prefetch = true) prefetches:
/// the decode kernels' default distance (CpuTargetInfo).
constexpr size_t kPrefetchWords = 4096 / 8;

#if defined(__x86_64__)
/// Sums 64-bit words of [begin, end) with AVX2 loads and four independent
/// accumulators, so the loop issues loads as fast as memory delivers them
/// (the scalar loop measured 25% under what the kernels stream); with
/// `prefetch`, also a software prefetch 4 KiB ahead per cache line, as the
/// decode kernels do (without it, the kernels streamed up to 1.4x what
/// the plain loop measured).
__attribute__((target("avx2"))) uint64_t sumWords(const uint64_t *begin,
                                                 const uint64_t *end,
                                                 bool prefetch) {
  __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(),
                    _mm256_setzero_si256(), _mm256_setzero_si256()};
  for (const uint64_t *p = begin; p + 16 <= end; p += 16) {
    if (prefetch) {
      __builtin_prefetch(p + kPrefetchWords);
      __builtin_prefetch(p + kPrefetchWords + 8);
    }
    for (int i = 0; i < 4; ++i)
      acc[i] = _mm256_add_epi64(
          acc[i], _mm256_loadu_si256(reinterpret_cast<const __m256i *>(p + 4 * i)));
  }
  __m256i all = _mm256_add_epi64(_mm256_add_epi64(acc[0], acc[1]),
                                 _mm256_add_epi64(acc[2], acc[3]));
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i *>(lanes), all);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#else
uint64_t sumWords(const uint64_t *begin, const uint64_t *end, bool prefetch) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (const uint64_t *p = begin; p + 4 <= end; p += 4) {
    if (prefetch)
      __builtin_prefetch(p + kPrefetchWords);
    s0 += p[0];
    s1 += p[1];
    s2 += p[2];
    s3 += p[3];
  }
  return s0 + s1 + s2 + s3;
}
#endif

/// Read bandwidth in GB/s of `threads` threads, each summing its share of
/// a buffer far larger than the caches: the best of `reps` runs each of
/// the plain and the prefetching loop (a roof is what the best streaming
/// code gets, so the kernels are measured against no less).
class ReadBandwidthProbe {
public:
  ReadBandwidthProbe() : buffer((size_t(512) << 20) / 8, 1) {}

  double measure(int threads, int reps) {
    double best = 0;
    for (int rep = 0; rep < 2 * reps; ++rep) {
      bool prefetch = rep % 2;
      auto start = Clock::now();
      onThreads(threads, [&](int t) {
        size_t share = buffer.size() / threads;
        volatile uint64_t sink = sumWords(buffer.data() + t * share,
                                          buffer.data() + (t + 1) * share, prefetch);
        (void)sink;
      });
      best = std::max(best, buffer.size() * 8 / seconds(start, Clock::now()) / 1e9);
    }
    return best;
  }

private:
  std::vector<uint64_t> buffer;
};

#if defined(__x86_64__)
/// Calibration loops for the int8 multiply-add peak of one core: 12
/// independent accumulators, each step one instruction of the kernels' own
/// kind. Returns GOPS (2 ops per byte product).
__attribute__((target("avx512f,avx512bw,avx512vnni"))) double vpdpbusdPeakOneCore() {
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

/// vpmaddubsw + vpaddw (the AVX2 kernels' i16 accumulation). Each step
/// multiplies the accumulator's own bytes, so nothing is loop-invariant,
/// and all 12 chains feed the result, so none is dropped. Inlined into the
/// target-specific wrappers below, which give it AVX2 or AVX-512BW.
template <typename Vec, int bytes, Vec (*maddubs)(Vec, Vec), Vec (*add16)(Vec, Vec),
          Vec (*splat)(char)>
__attribute__((always_inline)) inline double maddubsPeakLoop() {
  Vec acc[12];
  for (int i = 0; i < 12; ++i)
    acc[i] = splat(static_cast<char>(i + 1));
  Vec b = splat(-5);
  const long iterations = 20'000'000;
  auto start = Clock::now();
  for (long i = 0; i < iterations; ++i)
    for (Vec &x : acc)
      x = add16(x, maddubs(x, b));
  double t = seconds(start, Clock::now());
  for (int i = 1; i < 12; ++i)
    acc[0] = add16(acc[0], acc[i]);
  volatile char sink = reinterpret_cast<char *>(&acc[0])[0];
  (void)sink;
  return iterations * 12.0 * bytes * 2 / t / 1e9;
}
__attribute__((target("avx2"))) __m256i maddubs256(__m256i a, __m256i b) {
  return _mm256_maddubs_epi16(a, b);
}
__attribute__((target("avx2"))) __m256i add16x256(__m256i a, __m256i b) {
  return _mm256_add_epi16(a, b);
}
__attribute__((target("avx2"))) __m256i splat256(char v) { return _mm256_set1_epi8(v); }
__attribute__((target("avx512f,avx512bw"))) __m512i maddubs512(__m512i a, __m512i b) {
  return _mm512_maddubs_epi16(a, b);
}
__attribute__((target("avx512f,avx512bw"))) __m512i add16x512(__m512i a, __m512i b) {
  return _mm512_add_epi16(a, b);
}
__attribute__((target("avx512f,avx512bw"))) __m512i splat512(char v) {
  return _mm512_set1_epi8(v);
}
__attribute__((target("avx2"))) double maddubsPeakOneCore256() {
  return maddubsPeakLoop<__m256i, 32, maddubs256, add16x256, splat256>();
}
__attribute__((target("avx512f,avx512bw"))) double maddubsPeakOneCore512() {
  return maddubsPeakLoop<__m512i, 64, maddubs512, add16x512, splat512>();
}
#endif

/// The int8 peak of `threads` cores running the calibration loop of the
/// target's dot-product instruction at once (0 where there is none here).
double measureInt8Peak(const bitnet::CpuTargetInfo &target, int threads) {
  double (*oneCore)() = nullptr;
#if defined(__x86_64__)
  // The calibration runs here: only where this CPU has the target's
  // instruction (the kernels could not run here otherwise either).
  switch (target.dotProduct()) {
  case bitnet::DotProductKind::Vnni512:
    if (__builtin_cpu_supports("avx512vnni"))
      oneCore = vpdpbusdPeakOneCore;
    break;
  case bitnet::DotProductKind::Avx2Maddubs:
    if (target.hasAvx512bw && __builtin_cpu_supports("avx512bw"))
      oneCore = maddubsPeakOneCore512;
    else if (!target.hasAvx512bw && __builtin_cpu_supports("avx2"))
      oneCore = maddubsPeakOneCore256;
    break;
  default:
    break;
  }
#endif
  if (!oneCore)
    return 0;
  std::vector<double> perThread(threads);
  onThreads(threads, [&](int t) { perThread[t] = oneCore(); });
  double total = 0;
  for (double p : perThread)
    total += p;
  return total;
}

/// The compiled @mm: result, activations (int8 codes, or with 4-bit
/// activations the f32 values it quantizes: a rank-2 memref descriptor
/// either way), packed weights.
using Matmul = void (*)(StridedMemRefType<int32_t, 2> *, void *,
                        StridedMemRefType<int8_t, 2> *);

struct Compiled {
  std::unique_ptr<MLIRContext> context;
  std::unique_ptr<bitnet::compiler::JitModule> jit;
  Matmul fn = nullptr;
};

/// What the kernels are generated for: the CPU and the decode tuning
/// knobs of bitnet-select-kernel-configs (-1 / 0: the target's).
struct KernelTuning {
  const bitnet::CpuTargetInfo *target; // the host's architecture: it runs here
  int64_t prefetchDistance = -1;
  int64_t decodeAccumulators = 0;
  std::string tuningFile;
};

/// Writes `text` to `path`; false (after a message) on failure.
bool writeFile(const std::string &path, llvm::StringRef text) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (!ec)
    os << text;
  if (ec || os.has_error()) {
    llvm::errs() << "bitnet-bench: cannot write " << path << "\n";
    os.clear_error();
    return false;
  }
  return true;
}

/// Compiles the kernel of one shape; with `savePrefix`, also writes the
/// module as it reached the back end (<prefix>.mlir) and the object that
/// was loaded (<prefix>.o), so that bitnet-compile's output for the same
/// module can be compared with what was timed.
Compiled compile(int64_t n, int64_t m, int64_t k, ref::PackedFormat format,
                 bool kernels, const KernelTuning &tuning, std::string &error,
                 const std::string &savePrefix = "", int actBits = 8) {
  Compiled c;
  DialectRegistry registry;
  bitnet::registerAllDialects(registry);
  c.context = std::make_unique<MLIRContext>(registry);
  int64_t bytes = ref::packedRowBytes(format, k);
  // 4-bit activations are quantized in the call (BitNet a4.8's absmean):
  // the kernels see a 4-bit quantizer's codes, as in a compiled model.
  std::string activations =
      actBits == 4 ? llvm::formatv("%x: tensor<{0}x{1}xf32>", n, k).str()
                   : llvm::formatv("%q: tensor<{0}x{1}xi8>", n, k).str();
  std::string quantize =
      actBits == 4 ? llvm::formatv("%q, %s = bitnet.quantize %x bits 4 : tensor<{0}x{1}xf32> -> "
                                   "tensor<{0}x{1}xi8>, tensor<{0}xf32>",
                                   n, k)
                         .str()
                   : "";
  std::string source = llvm::formatv(R"mlir(
    func.func @mm({5}, %p: tensor<{1}x{3}xi8>) -> tensor<{0}x{1}xi32>
        attributes {{llvm.emit_c_interface} {
      {6}
      %a = bitnet.ternary_matmul %q, %p format <{4}> : tensor<{0}x{2}xi8>, tensor<{1}x{3}xi8> -> tensor<{0}x{1}xi32>
      return %a : tensor<{0}x{1}xi32>
    })mlir", n, m, k, bytes, ref::formatName(format), activations, quantize).str();
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(source, ParserConfig(c.context.get()));
  if (!module) {
    error = "cannot parse the kernel module";
    return c;
  }
  bitnet::setTargetAttr(*module, *tuning.target);
  PassManager pm(c.context.get());
  if (kernels) {
    bitnet::PipelineOptions options;
    options.prefetchDistance = tuning.prefetchDistance;
    options.decodeAccumulators = tuning.decodeAccumulators;
    options.tuningFile = tuning.tuningFile;
    bitnet::buildBitNetCpuPipeline(pm, options);
  } else {
    bitnet::buildBitNetToLLVMPipeline(pm);
  }
  if (failed(pm.run(*module))) {
    error = "compilation failed";
    return c;
  }
  if (!savePrefix.empty()) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    if (!writeFile(savePrefix + ".mlir", text)) {
      error = "cannot save the kernel";
      return c;
    }
  }
  auto jit = bitnet::compiler::JitModule::create(*module);
  if (!jit) {
    error = llvm::toString(jit.takeError());
    return c;
  }
  c.jit = std::move(*jit);
  if (!savePrefix.empty()) {
    llvm::ArrayRef<char> object = c.jit->getObject();
    if (!writeFile(savePrefix + ".o", llvm::StringRef(object.data(), object.size()))) {
      error = "cannot save the kernel";
      return c;
    }
  }
  auto symbol = c.jit->lookup("_mlir_ciface_mm");
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

/// The smallest call's shape: one token, one row block of 64 rows x 256
/// weights. On several threads its time is mostly the OpenMP fork and join.
constexpr int64_t kSmallestM = 64, kSmallestK = 256;

/// Mean microseconds of a call of `kernel` (compiled for the smallest
/// shape) on the current OpenMP thread count: the fixed cost every kernel
/// call pays, which bounds short shapes (k/v).
double smallestCallMicros(Matmul kernel) {
  int64_t bytes = ref::packedRowBytes(ref::PackedFormat::I2S, kSmallestK);
  std::vector<int8_t> q(kSmallestK, 1), packed(kSmallestM * bytes, 0x55);
  auto qRef = view(q, 1, kSmallestK);
  auto pRef = view(packed, kSmallestM, bytes);
  auto call = [&] {
    StridedMemRefType<int32_t, 2> out{};
    kernel(&out, &qRef, &pRef);
    std::free(out.basePtr);
  };
  call();
  int64_t calls = 0;
  auto start = Clock::now();
  while (seconds(start, Clock::now()) < 0.1) {
    for (int i = 0; i < 100; ++i)
      call();
    calls += 100;
  }
  return seconds(start, Clock::now()) / calls * 1e6;
}


/// Random activations and packed weights of one shape; for cold runs,
/// copies of the weights totalling 256 MiB (far more than any L3), used in
/// turn.
struct Workload {
  Workload(int64_t n, int64_t m, int64_t k, ref::PackedFormat format, bool cold,
           std::mt19937 &rng)
      : n(n), m(m), k(k), format(format), rowBytes(ref::packedRowBytes(format, k)),
        weightBytes(m * rowBytes) {
    q.resize(n * k);
    x.resize(n * k);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float &v : x) // (what --act-bits=4 quantizes in the call)
      v = normal(rng);
    packed.resize(weightBytes);
    std::vector<int8_t> w(m * k);
    std::uniform_int_distribution<int> act(-127, 127), trit(-1, 1);
    for (int8_t &v : q)
      v = act(rng);
    for (int8_t &v : w)
      v = trit(rng);
    ref::pack(format, w.data(), m, k, reinterpret_cast<uint8_t *>(packed.data()));
    copies = std::max<int64_t>(2, (int64_t(256) << 20) / weightBytes);
    if (cold) {
      coldWeights.resize(copies * weightBytes);
      for (int64_t c = 0; c < copies; ++c)
        std::memcpy(coldWeights.data() + c * weightBytes, packed.data(), weightBytes);
    }
  }
  int64_t n, m, k;
  ref::PackedFormat format;
  int64_t rowBytes, weightBytes, copies;
  std::vector<int8_t> q, packed, coldWeights;
  std::vector<float> x; // for 4-bit activations, quantized in the call
};

/// Seconds per call of `fn` on `work` (after a warm-up call), calling for at
/// least `budget` seconds and 3 times; cold calls rotate through the copies.
double timeCalls(Matmul fn, Workload &work, bool cold, double budget, int actBits = 8) {
  auto qRef = view(work.q, work.n, work.k);
  auto xRef = view(work.x, work.n, work.k);
  void *activations = actBits == 4 ? static_cast<void *>(&xRef) : static_cast<void *>(&qRef);
  StridedMemRefType<int32_t, 2> out{};
  int64_t copy = 0;
  auto call = [&] {
    int8_t *weights = cold ? work.coldWeights.data() + (copy++ % work.copies) * work.weightBytes
                           : work.packed.data();
    StridedMemRefType<int8_t, 2> pRef{weights, weights, 0, {work.m, work.rowBytes},
                                      {work.rowBytes, 1}};
    fn(&out, activations, &pRef);
    std::free(out.basePtr);
  };
  call(); // warm up (code, thread pool)
  int reps = 0;
  auto start = Clock::now();
  double elapsed = 0;
  while (elapsed < budget || reps < 3) {
    call();
    ++reps;
    elapsed = seconds(start, Clock::now());
  }
  return elapsed / reps;
}

} // namespace

std::vector<bench::Shape> bench::designShapes() {
  return {{"2B4T q/o", 2560, 2560},  {"2B4T k/v", 640, 2560},
          {"2B4T gate/up", 6912, 2560}, {"2B4T down", 2560, 6912},
          {"3B ffn", 8640, 3200},    {"3B down", 3200, 8640}};
}

std::optional<bench::Shape> bench::parseShape(const std::string &text) {
  Shape shape{"custom", 0, 0};
  auto [m, k] = llvm::StringRef(text).split('x');
  if (m.getAsInteger(10, shape.m) || k.getAsInteger(10, shape.k) || shape.m <= 0 ||
      shape.k <= 0)
    return std::nullopt;
  return shape;
}

std::string bench::validate(const KernelBenchOptions &options) {
  // Bounds before anything is allocated: the activations are n x K bytes,
  // the weights M x K, the results n x M words.
  constexpr int64_t kMaxTokens = 8192, kMaxDim = int64_t(1) << 20,
                    kMaxWeights = int64_t(1) << 31;
  if (llvm::any_of(options.tokens, [](int64_t n) { return n < 1 || n > kMaxTokens; }))
    return "-n takes token counts from 1 to " + std::to_string(kMaxTokens);
  if (llvm::any_of(options.threads, [](int t) { return t < 1 || t > kMaxThreadTiles; }))
    return "--num-threads takes counts from 1 to " + std::to_string(kMaxThreadTiles);
  if (options.prefetchDistance < -1 ||
      !isValidDecodeAccumulators(options.decodeAccumulators))
    return "--decode-prefetch-distance takes -1 or more, --decode-accumulators "
           "1, 2 or 4 (0: the default)";
  for (const std::string &cache : options.caches)
    if (cache != "hot" && cache != "cold")
      return "--cache takes hot and/or cold, not '" + cache + "'";
  for (const Shape &shape : options.shapes)
    if (shape.m <= 0 || shape.k <= 0 || shape.m > kMaxDim || shape.k > kMaxDim ||
        shape.m * shape.k > kMaxWeights)
      return "shapes need M and K from 1 to " + std::to_string(kMaxDim) +
             " and M x K at most 2^31";
  return "";
}

int bench::runKernelBench(const KernelBenchOptions &options) {
  // The kernels run here: the host's architecture.
  std::string arch = getHostCpu().arch;
  // The compiled functions allocate their results and temporaries per call;
  // keep freed memory in the heap (no mmap/munmap and page faults per call),
  // as a runtime reusing its buffers would.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);

  CpuTargetInfo target;
  std::string error;
  if (!getCpuTargetInfo(arch, options.mcpu, target, error) ||
      !hostCanRun(target, error) || !(error = validate(options)).empty()) {
    llvm::errs() << "bitnet-bench: " << error << "\n";
    return 1;
  }
  KernelTuning tuning{&target, options.prefetchDistance, options.decodeAccumulators,
                      options.tuningFile};
  const std::vector<int64_t> &ns = options.tokens;
  const std::vector<int> &threadCounts = options.threads;
  const std::vector<std::string> &caches = options.caches;
  const std::vector<Shape> &shapes = options.shapes;
  const bool json = options.json;

  // The roofs, per thread count, measured before the kernels. This VM's
  // bandwidth drifts with its host (47 and 75 GB/s two seconds apart), so
  // each cold row is also compared with a roof measured right before and
  // right after it (the better of the two).
  ReadBandwidthProbe probe;
  std::map<int, double> bandwidth, peak, smallestCall;
  Compiled smallest =
      compile(1, kSmallestM, kSmallestK, ref::PackedFormat::I2S, true, tuning, error);
  if (!smallest.fn) {
    llvm::errs() << "bitnet-bench: " << error << "\n";
    return 1;
  }
  for (int threads : threadCounts) {
    bandwidth[threads] = probe.measure(threads, 3);
    peak[threads] = measureInt8Peak(target, threads);
    omp_set_num_threads(threads);
    smallestCall[threads] = smallestCallMicros(smallest.fn);
  }
  const char *peakInstruction =
      target.dotProduct() == DotProductKind::Vnni512       ? "vpdpbusd"
      : target.dotProduct() == DotProductKind::Avx2Maddubs ? "vpmaddubsw+vpaddw"
                                                           : "no int8";
  if (!json) {
    llvm::outs() << "target: " << target.describe() << "\n";
    for (int threads : threadCounts)
      llvm::outs() << llvm::formatv("{0} thread(s): read bandwidth {1:f1} GB/s, "
                                    "{2} peak {3:f0} GOPS, smallest call "
                                    "({4}x{5}) {6:f2} us\n",
                                    threads, bandwidth[threads], peakInstruction,
                                    peak[threads], kSmallestM, kSmallestK,
                                    smallestCall[threads]);
    llvm::outs() << llvm::formatv("{0,-14} {1,5} {2,5} {3,4} {4,-4} {5,4} {6,5} {7,10} "
                                  "{8,8} {9,9} {10,7} {11,6} {12,6} {13,9} {14,7}\n",
                                  "shape", "M", "K", "N", "fmt", "thr", "cache", "us",
                                  "GOPS", "weightGB/s", "roofGB/s", "bw%", "peak%",
                                  "vs-naive", "vs-i2s");
  }
  llvm::raw_ostream &os = llvm::outs();
  bool first = true;
  if (json)
    os << "[";
  std::mt19937 rng(1);
  for (const Shape &shape : shapes) {
    for (int64_t n : ns) {
      // Microseconds of i2s per (threads, cache), for the other formats' ratio.
      std::map<std::pair<int, std::string>, double> i2sMicros;
      for (ref::PackedFormat format : options.formats) {
        Workload work(n, shape.m, shape.k, format, llvm::is_contained(caches, "cold"), rng);
        int64_t weightBytes = work.weightBytes;
        Compiled kernel = compile(n, shape.m, shape.k, format, true, tuning, error,
                                  first ? options.saveKernel : "", options.actBits);
        if (!kernel.fn) {
          llvm::errs() << "bitnet-bench: " << error << "\n";
          return 1;
        }
        auto time = [&](Matmul fn, double budget, bool cold) {
          return timeCalls(fn, work, cold, budget, options.actBits);
        };
        // The portable loops as the naive baseline (decode, one thread).
        double naive = 0;
        if (n == 1) {
          omp_set_num_threads(1);
          Compiled portable = compile(n, shape.m, shape.k, format, false, tuning, error, "",
                                      options.actBits);
          if (portable.fn)
            naive = time(portable.fn, 0.1, false);
        }
        for (int threads : threadCounts) {
          omp_set_num_threads(threads);
          for (const std::string &cache : caches) {
            bool cold = cache == "cold";
            double roof = cold ? probe.measure(threads, 2) : bandwidth[threads];
            double t = time(kernel.fn, 0.3, cold);
            if (cold)
              roof = std::max(roof, probe.measure(threads, 2));
            double ops = 2.0 * shape.m * shape.k * n;
            double gops = ops / t / 1e9;
            double weightGBps = double(weightBytes) / t / 1e9;
            double bwRatio = weightGBps / roof;
            double peakRatio = peak[threads] > 0 ? gops / peak[threads] : 0;
            double vsNaive = threads == 1 && cache == "hot" && naive > 0 ? naive / t : 0;
            const char *formatName = ref::formatName(format);
            double &i2sTime = i2sMicros[{threads, cache}];
            if (format == ref::PackedFormat::I2S)
              i2sTime = t * 1e6;
            double vsI2s =
                format != ref::PackedFormat::I2S && i2sTime > 0 ? i2sTime / (t * 1e6) : 0;
            if (json) {
              os << (first ? "" : ",") << "\n  "
                 << llvm::formatv(
                        "{{\"shape\": \"{0}\", \"m\": {1}, \"k\": {2}, \"n\": {3}, "
                        "\"threads\": {4}, \"cache\": \"{5}\", \"format\": \"{15}\", "
                        "\"us\": {6:f2}, \"gops\": {7:f2}, \"weight_gbps\": {8:f3}, "
                        "\"bw_roof_ratio\": {9:f4}, \"peak_ratio\": {10:f4}, "
                        "\"naive_us\": {11:f2}, \"read_bandwidth_gbps\": {12:f2}, "
                        "\"peak_gops\": {13:f1}, \"smallest_call_us\": {14:f2}}",
                        shape.name, shape.m, shape.k, n, threads, cache, t * 1e6, gops,
                        weightGBps, bwRatio, peakRatio, vsNaive > 0 ? naive * 1e6 : 0.0,
                        roof, peak[threads], smallestCall[threads], formatName);
            } else {
              auto ratio = [](double r) {
                return r > 0 ? llvm::formatv("{0:f2}x", r).str() : std::string("-");
              };
              os << llvm::formatv("{0,-14} {1,5} {2,5} {3,4} {4,-4} {5,4} {6,5} {7,10:f1} "
                                  "{8,8:f1} {9,9:f2} {10,7:f1} {11,6:f1} {12,6:f1} {13,9} "
                                  "{14,7}\n",
                                  shape.name, shape.m, shape.k, n, formatName, threads,
                                  cache, t * 1e6, gops, weightGBps, roof, 100 * bwRatio,
                                  100 * peakRatio, ratio(vsNaive), ratio(vsI2s));
            }
            first = false;
          }
        }
      }
    }
    if (options.quick)
      break;
  }
  if (json)
    os << "\n]\n";
  return 0;
}

struct bench::KernelTimer::Impl {
  Impl(int64_t n, int64_t m, int64_t k, ref::PackedFormat format, bool cold, int actBits)
      : rng(5), work(n, m, k, format, cold, rng), cold(cold), actBits(actBits) {}
  std::mt19937 rng;
  Workload work;
  bool cold;
  int actBits;
  std::vector<int32_t> expected; // the reference's results, once
};

bench::KernelTimer::KernelTimer(int64_t n, int64_t m, int64_t k,
                                ref::PackedFormat format, bool cold, int actBits)
    : impl(std::make_unique<Impl>(n, m, k, format, cold, actBits)) {}

bench::KernelTimer::~KernelTimer() = default;

double bench::KernelTimer::time(const std::string &mcpu, const std::string &tuningFile,
                                int threads, double budget, std::string &error) {
  CpuTargetInfo target;
  if (!getCpuTargetInfo(getHostCpu().arch, mcpu, target, error) || !hostCanRun(target, error))
    return -1;
  Workload &work = impl->work;
  KernelTuning tuning{&target, -1, 0, tuningFile};
  const int actBits = impl->actBits;
  Compiled kernel =
      compile(work.n, work.m, work.k, work.format, true, tuning, error, "", actBits);
  if (!kernel.fn)
    return -1;
  // A configuration that computes the wrong thing is not a candidate.
  std::vector<int32_t> &expected = impl->expected;
  if (expected.empty()) {
    expected.resize(work.n * work.m);
    std::vector<int8_t> weights(work.m * work.k);
    ref::unpack(work.format, reinterpret_cast<const uint8_t *>(work.packed.data()),
                work.m, work.k, weights.data());
    std::vector<int8_t> codes = work.q;
    if (actBits == 4) { // the codes the call quantizes its activations to
      std::vector<float> scales(work.n);
      ref::quantizeActivations(4, work.x.data(), work.n, work.k, codes.data(), scales.data());
    }
    ref::ternaryMatmul(codes.data(), weights.data(), work.n, work.m, work.k, expected.data());
  }
  auto qRef = view(work.q, work.n, work.k);
  auto xRef = view(work.x, work.n, work.k);
  auto pRef = view(work.packed, work.m, work.rowBytes);
  StridedMemRefType<int32_t, 2> out{};
  omp_set_num_threads(threads);
  kernel.fn(&out, actBits == 4 ? static_cast<void *>(&xRef) : static_cast<void *>(&qRef), &pRef);
  bool exact = std::equal(expected.begin(), expected.end(), out.data + out.offset);
  std::free(out.basePtr);
  if (!exact) {
    error = "the kernel's results differ from the reference";
    return -1;
  }
  // The best of three windows: interference from other processes only ever
  // adds time.
  double best = timeCalls(kernel.fn, work, impl->cold, budget / 3, actBits);
  for (int window = 1; window < 3; ++window)
    best = std::min(best, timeCalls(kernel.fn, work, impl->cold, budget / 3, actBits));
  return best;
}
