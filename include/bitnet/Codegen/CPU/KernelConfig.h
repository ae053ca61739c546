//===- KernelConfig.h - Choosing each CPU kernel's configuration -*- C++ -*-===//
//
// The one place where the CPU kernels' configurations are decided from the
// target: the ternary kernels' tiles, prefetch and accumulators
// (#bitnet.ternary_kernel on each bitnet.ternary_matmul) and the float
// contractions' register tiles (#bitnet.float_kernel on each linalg
// contraction, as `bitnet.kernel_config`). bitnet-select-kernel-configs
// records them, where a tuning file may replace them; the kernel generators
// (convert-bitnet-ternary-matmul-to-vector, bitnet-tile-float-contractions)
// only read them.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_CODEGEN_CPU_KERNELCONFIG_H
#define BITNET_CODEGEN_CPU_KERNELCONFIG_H

#include "bitnet/Dialect/BitNet/IR/BitNet.h"
#include "bitnet/Target/CpuTargetInfo.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <cstdint>
#include <string>

namespace mlir::bitnet {

struct TernaryTuningEntry;
struct FloatTuningEntry;

/// The discardable attribute holding a float contraction's
/// #bitnet.float_kernel.
inline constexpr char kKernelConfigAttrName[] = "bitnet.kernel_config";

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

/// Code planes per packed byte of the formats the multiply-add kernel reads
/// (i2s: 4, t5: 5); 0 for the others.
int64_t ternaryKernelCodePlanes(PackedFormat format);

/// Whether `op`'s activation codes are int4 ([-8, 7]): the values of a
/// bitnet.quantize or bitnet.rms_norm_quantize with 4 bits (BitNet a4.8),
/// reshaped or not. tl2r's lookup kernel then needs half the tables.
bool hasInt4Activations(TernaryMatmulOp op);

/// Whether `target` runs tl2r's lookup-table kernel (AVX-512 VBMI byte
/// permutes and VNNI; AArch64 tbl and sdot; elsewhere tl2r takes the
/// portable loops).
bool hasTernaryLookupKernel(const CpuTargetInfo &target);

/// The configuration of `op`'s kernel on `target`, or null when the op gets
/// no kernel there (not i2s, t5 or tl2r, dynamic shapes, no byte dot product
/// or, for tl2r, no byte permutes).
TernaryKernelConfigAttr
selectTernaryKernelConfig(TernaryMatmulOp op, const CpuTargetInfo &target,
                          const TernaryKernelOverrides &overrides = {});

/// `config` with the fields `entry` sets replaced; null with `error` set
/// when the result is not a valid configuration.
TernaryKernelConfigAttr applyTuningEntry(TernaryKernelConfigAttr config,
                                         const TernaryTuningEntry &entry,
                                         std::string &error);

/// Overrides of a float contraction's register tile (bitnet-tile-float-
/// contractions' `rows` and `cols`; 0: from the target).
struct FloatKernelOverrides {
  int64_t rows = 0;
  int64_t cols = 0;
};

/// The configuration of `op`'s register-blocked kernel on `target`, or null
/// when `op` is not a float contraction those kernels cover.
FloatKernelConfigAttr
selectFloatKernelConfig(linalg::LinalgOp op, const CpuTargetInfo &target,
                        const FloatKernelOverrides &overrides = {});

FloatKernelConfigAttr applyTuningEntry(FloatKernelConfigAttr config,
                                       const FloatTuningEntry &entry,
                                       std::string &error);

} // namespace mlir::bitnet

#endif // BITNET_CODEGEN_CPU_KERNELCONFIG_H
