//===- DecodeTuningOptions.h - the decode kernels' knobs as flags -*- C++ -*-===//
//
// The two per-CPU tuning knobs of convert-bitnet-ternary-matmul-to-vector's
// decode kernels, as the same command-line flags in bitnet-compile and
// bitnet-bench. (LLVM's loop-data-prefetch owns -prefetch-distance, so the
// flags carry a decode- prefix.)
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_TOOLS_DECODETUNINGOPTIONS_H
#define BITNET_TOOLS_DECODETUNINGOPTIONS_H

#include "llvm/Support/CommandLine.h"

#include <cstdint>

namespace mlir::bitnet {

struct DecodeTuningOptions {
  explicit DecodeTuningOptions(llvm::cl::OptionCategory &category)
      : prefetchDistance(
            "decode-prefetch-distance",
            llvm::cl::desc("Decode kernels: bytes to software-prefetch ahead (-1: "
                           "the CPU's default, 0: none)"),
            llvm::cl::init(-1), llvm::cl::cat(category)),
        accumulators(
            "decode-accumulators",
            llvm::cl::desc("Decode kernels: accumulators per row, 1, 2 or 4 (0: "
                           "the CPU's default)"),
            llvm::cl::init(0), llvm::cl::cat(category)) {}

  llvm::cl::opt<int64_t> prefetchDistance;
  llvm::cl::opt<int64_t> accumulators;
};

} // namespace mlir::bitnet

#endif // BITNET_TOOLS_DECODETUNINGOPTIONS_H
