//===- KernelBench.h - Benchmarks of the generated kernels -------*- C++ -*-===//
//
// What bitnet-bench measures (docs/performance.md): for each weight shape
// M x K and token count N, the target's ternary kernel compiled through
// bitnet-compile's back end and timed hot and cold, next to the machine's
// read bandwidth and int8 peak measured in the same run, and the portable
// loops as the naive baseline.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_BENCH_KERNELBENCH_H
#define BITNET_BENCH_KERNELBENCH_H

#include "bitnet/Reference/Reference.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::bitnet::bench {

struct Shape {
  std::string name;
  int64_t m, k;
};

/// The DESIGN shapes: 2B4T's q/o, k/v, gate/up and down, 3B's FFN.
std::vector<Shape> designShapes();

/// "MxK" (positive) as a shape named "custom"; nullopt otherwise.
std::optional<Shape> parseShape(const std::string &text);

struct KernelBenchOptions {
  std::string mcpu = "native"; // of the host's architecture
  std::vector<int64_t> tokens = {1, 128};
  std::vector<int> threads = {1, 2};
  std::vector<std::string> caches = {"hot", "cold"};
  std::vector<Shape> shapes = designShapes();
  /// Activation bits: 8 (int8 codes) or 4 (BitNet a4.8: f32 activations
  /// quantized to int4 in the timed call, which tl2r's lookup kernel uses).
  int actBits = 8;
  /// Weight formats, each timed beside i2s (the kernels of i2s, t5, tl2r).
  std::vector<ref::PackedFormat> formats = {ref::PackedFormat::I2S};
  /// The decode kernels' knobs (-1 / 0: the target's) and a tuning file.
  int64_t prefetchDistance = -1;
  int64_t decodeAccumulators = 0;
  std::string tuningFile;
  bool quick = false; // the first shape only
  bool json = false;  // records as JSON instead of a table
  /// With a prefix, the first kernel as it reached the back end
  /// (PREFIX.mlir) and the object that was timed (PREFIX.o).
  std::string saveKernel;
};

/// The first problem with `options`, or empty.
std::string validate(const KernelBenchOptions &options);

/// Runs the benchmark: the table (or JSON) on stdout, a one-line error on
/// stderr and 1 on failure.
int runKernelBench(const KernelBenchOptions &options);

/// One product shape with random inputs and weights in `format` (and, for cold runs, 256 MiB
/// of weight copies), timed with kernels compiled the way bitnet-compile
/// compiles them: bitnet-cpu-pipeline for the host's architecture with a
/// tuning file. What bitnet-tune measures candidates with.
class KernelTimer {
public:
  /// `actBits` 4: f32 activations quantized to int4 in each call (BitNet
  /// a4.8), checked against the reference on their int4 codes.
  KernelTimer(int64_t n, int64_t m, int64_t k, ref::PackedFormat format, bool cold,
              int actBits = 8);
  ~KernelTimer();
  KernelTimer(const KernelTimer &) = delete;
  KernelTimer &operator=(const KernelTimer &) = delete;

  /// Seconds per call of the kernel compiled for `mcpu` (an LLVM CPU of the
  /// host's architecture, or native) with `tuningFile` (empty: none), on
  /// `threads` OpenMP threads: the best of three windows of `budget` / 3
  /// seconds of calls. The kernel is first checked against the reference.
  /// Negative with `error` set.
  double time(const std::string &mcpu, const std::string &tuningFile, int threads,
              double budget, std::string &error);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace mlir::bitnet::bench

#endif // BITNET_BENCH_KERNELBENCH_H
