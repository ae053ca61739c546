//===- GpuKernels.cpp - The generated GPU kernels, compiled and run ---===//
//
// Compiles `bitnet.ternary_matmul` (i2s) with bitnet-gpu-pipeline, takes the
// PTX and the launch sizes out of the result, and runs it through the CUDA
// driver. The benchmark times CUDA graphs of launches (no host launch cost
// per kernel) between events, hot (one weight copy) and cold (cycling
// through copies of at least 1 GiB, so every launch reads from DRAM, past
// the 50-60 MB L2 of an H100/H200), next to a device-to-device copy of
// 512 MiB timed the same way: the bandwidth roof of this GPU in this run.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Bench/GpuKernels.h"

#include "bitnet/InitAll.h"
#include "bitnet/Pipelines/Pipelines.h"
#include "bitnet/Reference/Reference.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <random>

using namespace mlir;
using namespace mlir::bitnet;
namespace ref = mlir::bitnet::ref;
namespace cuda = ::bitnet::cuda;

namespace {

constexpr int64_t kColdBytes = int64_t(1) << 30;
constexpr int kHotLaunches = 100, kHotReplays = 20, kColdReplays = 5;
/// Launches in one cold graph at most: small weights then cover less than
/// 1 GiB (8192 copies of 64 KiB are 512 MiB, still far past any L2).
constexpr int kMaxColdLaunches = 8192;

bool readLaunch(gpu::LaunchFuncOp launch, bench::GpuGemv &kernel, std::string &error) {
  auto sizes = {launch.getGridSizeX(), launch.getGridSizeY(), launch.getGridSizeZ(),
                launch.getBlockSizeX(), launch.getBlockSizeY(), launch.getBlockSizeZ()};
  unsigned *out[] = {&kernel.grid[0],  &kernel.grid[1],  &kernel.grid[2],
                     &kernel.block[0], &kernel.block[1], &kernel.block[2]};
  unsigned i = 0;
  for (Value size : sizes) {
    std::optional<int64_t> value = getConstantIntValue(size);
    if (!value) {
      error = "the GEMV launch has a dynamic size";
      return false;
    }
    *out[i++] = static_cast<unsigned>(*value);
  }
  kernel.kernelName = launch.getKernelName().str();
  return true;
}

/// Which buffer each kernel argument is, from its memref type.
bool readArguments(gpu::LaunchFuncOp launch, bench::GpuGemv &kernel, std::string &error) {
  using bench::GemvArgument;
  std::vector<GemvArgument> &order = kernel.arguments;
  for (Value operand : launch.getKernelOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || type.getRank() != 2) {
      error = "unexpected GEMV kernel argument";
      return false;
    }
    ArrayRef<int64_t> shape = type.getShape();
    if (type.getElementType().isInteger(32))
      order.push_back(GemvArgument::Accumulators);
    else if (shape[1] == kernel.paddedK && shape[0] == kernel.n)
      order.push_back(GemvArgument::Activations);
    else
      order.push_back(GemvArgument::Weights);
  }
  for (GemvArgument role : {GemvArgument::Activations, GemvArgument::Weights,
                            GemvArgument::Accumulators})
    if (order.size() != 3 || llvm::count(order, role) != 1) {
      error = "the GEMV kernel does not take (activations, weights, accumulators)";
      return false;
    }
  return true;
}

} // namespace

std::string bench::kernelChipFor(const std::string &chip, std::string &error) {
  llvm::StringRef name(chip);
  unsigned capability = 0;
  if (name.consume_front("sm_") &&
      !name.take_while([](char c) { return c >= '0' && c <= '9'; })
           .getAsInteger(10, capability)) {
    if (capability >= 90)
      return "sm_90";
    if (capability >= 80)
      return "sm_80";
  }
  error = "the GPU kernels need sm_80 or newer; this GPU is " + chip;
  return "";
}

bool bench::compileGpuGemv(int64_t n, int64_t m, int64_t k, const std::string &chip,
                           GpuGemv &kernel, std::string &error) {
  DialectRegistry registry;
  mlir::bitnet::registerAllDialects(registry);
  MLIRContext context(registry);
  kernel = GpuGemv();
  kernel.n = n;
  kernel.m = m;
  kernel.k = k;
  kernel.rowBytes = ref::packedRowBytes(ref::PackedFormat::I2S, k);
  kernel.paddedK = ref::paddedK(ref::PackedFormat::I2S, k);
  std::string source = llvm::formatv(R"mlir(
    func.func @gemv(%q: tensor<{0}x{2}xi8>, %p: tensor<{1}x{3}xi8>) -> tensor<{0}x{1}xi32> {
      %a = bitnet.ternary_matmul %q, %p format <i2s> : tensor<{0}x{2}xi8>, tensor<{1}x{3}xi8> -> tensor<{0}x{1}xi32>
      return %a : tensor<{0}x{1}xi32>
    })mlir", n, m, k, kernel.rowBytes).str();
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diagnostics.empty())
      diagnostics = diag.str();
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, ParserConfig(&context));
  PassManager pm(&context);
  GpuPipelineOptions options;
  options.mcpu = chip;
  buildBitNetGpuPipeline(pm, options);
  if (!module || failed(pm.run(*module))) {
    error = "bitnet-gpu-pipeline: " + diagnostics;
    return false;
  }
  gpu::LaunchFuncOp launch;
  module->walk([&](gpu::LaunchFuncOp op) { launch = op; });
  if (!launch) {
    error = "bitnet-gpu-pipeline made no kernel launch";
    return false;
  }
  if (!readLaunch(launch, kernel, error))
    return false;
  auto binary = module->lookupSymbol<gpu::BinaryOp>(launch.getKernelModuleName());
  if (!binary) {
    error = "no gpu.binary for " + launch.getKernelModuleName().str();
    return false;
  }
  for (auto object : binary.getObjects().getAsRange<gpu::ObjectAttr>())
    if (object.getFormat() == gpu::CompilationTarget::Assembly)
      kernel.ptx = object.getObject().str();
  if (kernel.ptx.empty()) {
    error = "the gpu.binary holds no PTX";
    return false;
  }
  return readArguments(launch, kernel, error);
}

bool bench::loadGpuGemv(cuda::Gpu &gpu, const GpuGemv &kernel, const std::vector<int8_t> &q,
                        const std::vector<uint8_t> &packed, int copies, LoadedGemv &loaded,
                        std::string &error) {
  if (!gpu.loadPtx(kernel.ptx, loaded.module, error))
    return false;
  loaded.function = loaded.module.function(kernel.kernelName, error);
  if (!loaded.function)
    return false;
  // Activation rows padded to paddedK with zeros, as the kernel reads them.
  std::vector<int8_t> padded(kernel.n * kernel.paddedK, 0);
  for (int64_t t = 0; t < kernel.n; ++t)
    std::copy_n(q.data() + t * kernel.k, kernel.k, padded.data() + t * kernel.paddedK);
  if (!gpu.allocate(padded.size(), loaded.q, error) ||
      !gpu.upload(loaded.q, padded.data(), padded.size(), error) ||
      !gpu.allocate(kernel.n * kernel.m * sizeof(int32_t), loaded.acc, error))
    return false;
  // The copies back to back in one buffer (rows stay 16-byte aligned: the
  // packed size is a multiple of 32 bytes).
  loaded.copies = copies;
  loaded.copyBytes = packed.size();
  if (!gpu.allocate(packed.size() * copies, loaded.weights, error))
    return false;
  std::vector<uint8_t> all;
  all.reserve(packed.size() * copies);
  for (int i = 0; i < copies; ++i)
    all.insert(all.end(), packed.begin(), packed.end());
  return gpu.upload(loaded.weights, all.data(), all.size(), error);
}

bool bench::launchGpuGemv(cuda::Gpu &gpu, const GpuGemv &kernel, LoadedGemv &loaded, int copy,
                          std::string &error) {
  cuda::DevicePtr pointers[3];
  cuda::Launch launch;
  launch.function = loaded.function;
  std::copy_n(kernel.grid, 3, launch.grid);
  std::copy_n(kernel.block, 3, launch.block);
  const std::vector<GemvArgument> &order = kernel.arguments;
  for (size_t i = 0; i < order.size() && i < 3; ++i) {
    pointers[i] = order[i] == GemvArgument::Activations ? loaded.q.address()
                  : order[i] == GemvArgument::Weights
                      ? loaded.weights.address() + static_cast<cuda::DevicePtr>(copy) *
                                                       loaded.copyBytes
                      : loaded.acc.address();
    launch.arguments.push_back(&pointers[i]);
  }
  return gpu.launch(launch, error);
}

bool bench::runGpuGemv(cuda::Gpu &gpu, const GpuGemv &kernel, const std::vector<int8_t> &q,
                       const std::vector<uint8_t> &packed, std::vector<int32_t> &acc,
                       std::string &error) {
  LoadedGemv loaded;
  // A sentinel in the results: an element the kernel does not write shows.
  acc.assign(kernel.n * kernel.m, 0x5A5A5A5A);
  return loadGpuGemv(gpu, kernel, q, packed, 1, loaded, error) &&
         gpu.upload(loaded.acc, acc.data(), acc.size() * sizeof(int32_t), error) &&
         launchGpuGemv(gpu, kernel, loaded, 0, error) &&
         gpu.download(acc.data(), loaded.acc, acc.size() * sizeof(int32_t), error);
}

namespace {

/// Device-to-device copy bandwidth (bytes read + written per second).
double copyBandwidth(cuda::Gpu &gpu, std::string &error) {
  cuda::Buffer from, to;
  const size_t bytes = kColdBytes / 2;
  if (!gpu.allocate(bytes, from, error) || !gpu.allocate(bytes, to, error))
    return -1;
  constexpr int kCopies = 4, kReplays = 5;
  double ms = gpu.timeGraph(
      [&](std::string &err) {
        for (int i = 0; i < kCopies; ++i)
          if (!gpu.copy(to, from, bytes, err))
            return false;
        return true;
      },
      kReplays, error);
  return ms <= 0 ? -1 : 2.0 * bytes * kCopies * kReplays / (ms * 1e-3);
}

} // namespace

std::vector<bench::Shape> bench::gpuShapes() {
  return {{"2B4T q/o", 2560, 2560},   {"2B4T qkv", 3840, 2560}, {"2B4T gate/up", 13824, 2560},
          {"2B4T down", 2560, 6912},  {"2B4T k/v", 640, 2560},  {"3B down", 3200, 8640}};
}

double bench::peerMicrosH200(const Shape &shape) {
  struct Peer {
    int64_t m, k;
    double micros;
  };
  static const Peer peers[] = {
      {2560, 2560, 5.3}, {3840, 2560, 5.3}, {13824, 2560, 8.9}, {2560, 6912, 10.4}};
  for (const Peer &peer : peers)
    if (peer.m == shape.m && peer.k == shape.k)
      return peer.micros;
  return 0;
}

int bench::runGpuKernelBench(const KernelBenchOptions &options) {
  std::string error;
  std::unique_ptr<cuda::Gpu> gpu = cuda::Gpu::open(0, error);
  std::string chip = gpu ? kernelChipFor(gpu->chip(), error) : "";
  if (!gpu || chip.empty()) {
    llvm::errs() << "bitnet-bench: --target=nvptx: " << error << "\n";
    return 1;
  }
  double roof = copyBandwidth(*gpu, error);
  if (roof < 0) {
    llvm::errs() << "bitnet-bench: " << error << "\n";
    return 1;
  }
  if (!options.json)
    llvm::outs() << llvm::formatv("GPU: {0} ({1}, {2} SMs), kernels for {3}; device copy "
                                  "{4:f0} GB/s (read + write)\n",
                                  gpu->name(), gpu->chip(), gpu->smCount(), chip, roof / 1e9);
  else
    llvm::outs() << "[\n";
  bool first = true;
  std::mt19937 rng(7);
  for (const Shape &shape : options.quick ? std::vector<Shape>{options.shapes.front()}
                                          : options.shapes) {
    for (int64_t n : options.tokens) {
      GpuGemv kernel;
      if (!compileGpuGemv(n, shape.m, shape.k, chip, kernel, error)) {
        llvm::errs() << "bitnet-bench: " << error << "\n";
        return 1;
      }
      std::vector<int8_t> q(n * shape.k), w(shape.m * shape.k);
      std::uniform_int_distribution<int> code(-128, 127), trit(-1, 1);
      for (int8_t &v : q)
        v = static_cast<int8_t>(code(rng));
      for (int8_t &v : w)
        v = static_cast<int8_t>(trit(rng));
      std::vector<uint8_t> packed(shape.m * kernel.rowBytes);
      ref::pack(ref::PackedFormat::I2S, w.data(), shape.m, shape.k, packed.data());
      // Exactness first: a wrong kernel is not timed.
      std::vector<int32_t> expected(n * shape.m), actual;
      ref::ternaryMatmul(q.data(), w.data(), n, shape.m, shape.k, expected.data());
      if (!runGpuGemv(*gpu, kernel, q, packed, actual, error) || actual != expected) {
        llvm::errs() << "bitnet-bench: " << shape.m << "x" << shape.k << " n=" << n << ": "
                     << (error.empty() ? "results differ from the reference" : error) << "\n";
        return 1;
      }
      for (const std::string &cache : options.caches) {
        bool cold = cache == "cold";
        int copies = cold ? static_cast<int>(std::min<int64_t>(
                                (kColdBytes + packed.size() - 1) / packed.size(),
                                kMaxColdLaunches))
                          : 1;
        LoadedGemv loaded;
        if (!loadGpuGemv(*gpu, kernel, q, packed, copies, loaded, error)) {
          llvm::errs() << "bitnet-bench: " << error << "\n";
          return 1;
        }
        int launches = cold ? copies : kHotLaunches, replays = cold ? kColdReplays : kHotReplays;
        double ms = gpu->timeGraph(
            [&](std::string &err) {
              for (int i = 0; i < launches; ++i)
                if (!launchGpuGemv(*gpu, kernel, loaded, i % copies, err))
                  return false;
              return true;
            },
            replays, error);
        if (ms < 0) {
          llvm::errs() << "bitnet-bench: " << error << "\n";
          return 1;
        }
        double micros = ms * 1e3 / (double(launches) * replays);
        double bytes = double(packed.size()) + double(n * kernel.paddedK) + 4.0 * n * shape.m;
        double gbps = bytes / (micros * 1e-6) / 1e9;
        if (options.json) {
          llvm::outs() << (first ? "" : ",\n")
                       << llvm::formatv(R"(  {{"gpu": "{0}", "shape": "{1}", "m": {2}, "k": {3}, )"
                                        R"("n": {4}, "cache": "{5}", "us": {6:f2}, "gbps": {7:f1}, )"
                                        R"("copy_gbps": {8:f1}})",
                                        gpu->name(), shape.name, shape.m, shape.k, n, cache,
                                        micros, gbps, roof / 1e9);
        } else {
          // bitnet.cpp's H200 time (cold, one token) where it has a kernel.
          double peer = n == 1 && cold ? peerMicrosH200(shape) : 0;
          llvm::outs() << llvm::formatv("{0,-14} {1,6}x{2,-6} n={3,-4} {4,-4} {5,8:f2} us  "
                                        "{6,7:f1} GB/s  {7,5:f1}% of copy  {8}\n",
                                        shape.name, shape.m, shape.k, n, cache, micros, gbps,
                                        100.0 * gbps * 1e9 / roof,
                                        peer > 0 ? llvm::formatv("bitnet.cpp H200 {0:f1} us",
                                                                 peer)
                                                       .str()
                                                 : std::string());
        }
        first = false;
      }
    }
  }
  if (options.json)
    llvm::outs() << "\n]\n";
  return 0;
}
