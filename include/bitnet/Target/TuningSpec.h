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
// #bitnet.ternary_kernel.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_TARGET_TUNINGSPEC_H
#define BITNET_TARGET_TUNINGSPEC_H

#include "llvm/ADT/StringRef.h"

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
};

struct TuningSpec {
  std::vector<TernaryTuningEntry> ternaryMatmul;

  /// The entry for an M x K weight times N tokens: the last one matching
  /// (so a later, more specific line wins), or null.
  const TernaryTuningEntry *lookup(int64_t m, int64_t k, int64_t n) const;
};

/// Reads `path`; false with `error` naming the file and the problem (bad
/// JSON, an unknown key, a value of the wrong type).
bool loadTuningSpec(llvm::StringRef path, TuningSpec &spec, std::string &error);

/// The #bitnet.ternary_kernel field names a tuning entry may set.
const std::vector<std::string> &ternaryKernelFieldNames();

} // namespace mlir::bitnet

#endif // BITNET_TARGET_TUNINGSPEC_H
