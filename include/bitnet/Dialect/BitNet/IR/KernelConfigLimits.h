//===- KernelConfigLimits.h - Bounds of kernel configurations ----*- C++ -*-===//
//
// The bounds #bitnet.ternary_kernel and #bitnet.float_kernel verify, and
// that pass options and tuning files are checked against before they become
// such attributes. No MLIR dependency: the tuning-file reader includes it.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_DIALECT_BITNET_IR_KERNELCONFIGLIMITS_H
#define BITNET_DIALECT_BITNET_IR_KERNELCONFIGLIMITS_H

#include <cstdint>

namespace mlir::bitnet {

/// Register tiles are unrolled: their sizes stay within what a register
/// file holds.
constexpr int64_t kMaxRegisterTile = 32;
/// Prefetch distances and cache budgets, in bytes.
constexpr int64_t kMaxConfigBytes = int64_t(1) << 30;
/// The most pieces a loop is split into for threads (the runtime's
/// BITNET_MAX_THREADS).
constexpr int64_t kMaxThreadTiles = 1024;

} // namespace mlir::bitnet

#endif // BITNET_DIALECT_BITNET_IR_KERNELCONFIGLIMITS_H
