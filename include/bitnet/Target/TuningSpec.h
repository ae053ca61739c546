//===- TuningSpec.h - Kernel choices read from a file ------------*- C++ -*-===//
//
// The override hook for tuners: a JSON file whose entries, matched by the
// shape of a ternary matrix product, replace the choices the compiler
// would make from the target (the packed format, the kernel's tiles,
// prefetch and accumulators). docs/architecture.md gives the format:
//
//   {"ternary_matmul": [
//     {"m": 2560, "k": 2560, "n": 1, "rows_per_block": 64,
//      "prefetch_distance": 2048}]}
//
// `m` and `k` are the weight's rows and (unpacked) columns, `n` the tokens
// (absent: any). The other keys are `format` and the fields of
// #bitnet.ternary_kernel (`us` and `default_us`: a tuner's measurements).
// A "target" object records the machine a tuner measured on. A "float_matmul" list does the same for float
// contractions (C is m x n, the reduction k; m is 1 without a row
// dimension) with the fields of #bitnet.float_kernel.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_TARGET_TUNINGSPEC_H
#define BITNET_TARGET_TUNINGSPEC_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::bitnet {

/// One entry: the shape it applies to and the values it sets.
struct TernaryTuningEntry {
  int64_t m = 0, k = 0;
  std::optional<int64_t> n; // nullopt: every token count
  std::optional<std::string> format;
  /// #bitnet.ternary_kernel fields by name (i16_accumulation as 0 or 1).
  std::map<std::string, int64_t> fields;
  /// What a tuner measured (microseconds per call) with these values and
  /// with the derived ones; informational.
  std::optional<double> micros, defaultMicros;
};

/// One float_matmul entry: C is m x n, the reduction k.
struct FloatTuningEntry {
  int64_t m = 0, n = 0, k = 0;
  /// #bitnet.float_kernel fields by name (fma as 0 or 1).
  std::map<std::string, int64_t> fields;
};

/// The machine a tuner measured on (the file's "target" object): the CPU
/// name and the features it was compiled for, as #llvm.target states them.
struct TuningTarget {
  std::string cpu, features;
};

struct TuningSpec {
  std::optional<TuningTarget> target;
  std::vector<TernaryTuningEntry> ternaryMatmul;
  std::vector<FloatTuningEntry> floatMatmul;

  /// The entry for an M x K weight times N tokens: the last one matching
  /// (so a later, more specific line wins), or null.
  const TernaryTuningEntry *lookup(int64_t m, int64_t k, int64_t n) const;
  /// The last float_matmul entry for that shape, or null.
  const FloatTuningEntry *lookupFloat(int64_t m, int64_t n, int64_t k) const;
};

/// Reads `path`; false with `error` naming the file and the problem (bad
/// JSON, an unknown key, a value of the wrong type).
bool loadTuningSpec(llvm::StringRef path, TuningSpec &spec, std::string &error);

/// Writes `spec` as a tuning file (what loadTuningSpec reads back).
void writeTuningSpec(const TuningSpec &spec, llvm::raw_ostream &os);

/// Where bitnet-compile looks for the tuning file of CPU `cpu` when none is
/// given: $BITNET_TUNING_DIR, else $XDG_CACHE_HOME/bitnet-mlir/tuning, else
/// ~/.cache/bitnet-mlir/tuning, then `<cpu>.json`; empty without a home.
std::string defaultTuningFilePath(llvm::StringRef cpu);

/// The #bitnet.ternary_kernel and #bitnet.float_kernel field names a tuning
/// entry may set.
const std::vector<std::string> &ternaryKernelFieldNames();
const std::vector<std::string> &floatKernelFieldNames();

} // namespace mlir::bitnet

#endif // BITNET_TARGET_TUNINGSPEC_H
