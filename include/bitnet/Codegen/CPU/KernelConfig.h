//===- KernelConfig.h - Choosing each CPU kernel's configuration -*- C++ -*-===//
//
// The one place where the ternary kernels' tiles, prefetch and accumulators
// are decided from the target. bitnet-select-kernel-configs records the
// result on each bitnet.ternary_matmul (#bitnet.ternary_kernel), where a
// tuning file may replace it; the kernel generator
// (convert-bitnet-ternary-matmul-to-vector) only reads it.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_CODEGEN_CPU_KERNELCONFIG_H
#define BITNET_CODEGEN_CPU_KERNELCONFIG_H

#include "bitnet/Dialect/BitNet/IR/BitNet.h"
#include "bitnet/Target/CpuTargetInfo.h"

#include <cstdint>
#include <string>

namespace mlir::bitnet {

struct TernaryTuningEntry;

/// Values that replace the derived ones where set (the pass options of
/// bitnet-select-kernel-configs and bitnet-cpu-pipeline).
struct TernaryKernelOverrides {
  int64_t rowsPerBlock = 0;       // 0: derived from L2 and the rows
  int64_t tokenTile = 0;          // 0: derived from L1 and the registers
  int64_t rowTile = 0;            // 0: as many rows as the registers hold
  int64_t prefetchDistance = -1;  // -1: the target's
  int64_t decodeAccumulators = 0; // 0: the target's default
};

/// Bytes per weight load and dot product of the target's kernel: 64 for
/// AVX-512, 32 for AVX2, 16 for NEON; 0 when it has no byte dot product
/// (the portable loops).
int64_t ternaryKernelVectorBytes(const CpuTargetInfo &target);

/// The configuration of `op`'s kernel on `target`, or null when the op gets
/// no kernel there (not i2s, dynamic shapes, no byte dot product).
TernaryKernelConfigAttr
selectTernaryKernelConfig(TernaryMatmulOp op, const CpuTargetInfo &target,
                          const TernaryKernelOverrides &overrides = {});

/// `config` with the fields `entry` sets replaced; null with `error` set
/// when the result is not a valid configuration.
TernaryKernelConfigAttr applyTuningEntry(TernaryKernelConfigAttr config,
                                         const TernaryTuningEntry &entry,
                                         std::string &error);

} // namespace mlir::bitnet

#endif // BITNET_CODEGEN_CPU_KERNELCONFIG_H
