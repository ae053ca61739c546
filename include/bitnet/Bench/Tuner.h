//===- Tuner.h - Per-CPU kernel configurations, measured ---------*- C++ -*-===//
//
// What bitnet-tune does: for the host CPU and the ternary products of a
// model (or a list of shapes), time candidate kernel configurations with
// the compiler's own back end (bench::KernelTimer) and write the fastest
// per shape as a tuning file (docs/architecture.md) that bitnet-compile
// reads with --tuning-file, or by itself from defaultTuningFilePath(cpu).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_BENCH_TUNER_H
#define BITNET_BENCH_TUNER_H

#include "bitnet/Bench/KernelBench.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::bitnet::bench {

/// One product to tune: an M x K weight times N tokens.
struct TuneShape {
  int64_t m, k, n;
  /// 8, or 4 for a model's products of int4 activations (BitNet a4.8),
  /// which are timed with int4 activations.
  int actBits = 8;
  bool operator<(const TuneShape &o) const {
    return std::tie(m, k, n, actBits) < std::tie(o.m, o.k, o.n, o.actBits);
  }
  bool operator==(const TuneShape &o) const {
    return m == o.m && k == o.k && n == o.n && actBits == o.actBits;
  }
};

struct TuneOptions {
  /// A model (ONNX file, checkpoint directory, MLIR) whose packed ternary
  /// products are tuned, with bitnet-compile's decoder options; or
  std::string model;
  int64_t maxContext = 512, prefillTokens = 64;
  /// explicit shapes (M x K at each of `tokens`).
  std::vector<Shape> shapes;
  std::vector<int64_t> tokens = {1};
  bool tokensGiven = false; // -n was given (it goes with shapes only)
  std::string mcpu = "native";
  int threads = 2;
  /// Also time the sub-2-bit formats (t5; tl2r where the CPU has its
  /// kernel) against the i2s winner, keeping one where it wins: the tuning
  /// file then picks the format too.
  bool tuneFormat = true;
  /// Seconds of timed calls per candidate.
  double secondsPerCandidate = 0.3;
  /// Output file; empty: defaultTuningFilePath(the CPU); "-": stdout.
  std::string output;
  bool quiet = false;
};

/// The products of `options.model` after bitnet-compile's pack stage (fused
/// q/k/v and gate/up included), each shape once; false with `error`.
bool modelShapes(const TuneOptions &options, std::vector<TuneShape> &shapes,
                 std::string &error);

/// Runs the tuner: progress on stderr (unless quiet), the file written;
/// 1 with a one-line error on failure.
int runTuner(const TuneOptions &options);

} // namespace mlir::bitnet::bench

#endif // BITNET_BENCH_TUNER_H
