//===- GpuTargetInfo.h - What kernel generation needs to know about a GPU -===//
//
// The NVPTX implementation of TargetInfo: the compute capability (sm_80,
// sm_90) and what follows from it for kernel generation: warp size, shared
// memory a block may use, registers, and which integer instructions exist
// (dp4a, int8 mma.sync, wgmma). SM counts are those of the reference part of
// each architecture (A100, H100/H200); a runtime reads the real count from
// the device.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_TARGET_GPUTARGETINFO_H
#define BITNET_TARGET_GPUTARGETINFO_H

#include "bitnet/Target/TargetInfo.h"

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace mlir::bitnet {

class GpuTargetInfo : public TargetInfo {
public:
  GpuTargetInfo() : TargetInfo(Kind::Gpu) {}
  static bool classof(const TargetInfo *target) {
    return target->getKind() == Kind::Gpu;
  }

  /// Compute capability as major * 10 + minor (80 for sm_80).
  unsigned computeCapability = 0;
  /// The first PTX ISA version with this chip (major * 10 + minor); kernels
  /// may be emitted for a later one (`features`, e.g. +ptx80).
  unsigned minPtxVersion = 0;
  /// Streaming multiprocessors of the architecture's reference part.
  unsigned smCount = 0;
  unsigned warpSize = 32;
  unsigned maxThreadsPerBlock = 1024;
  /// Shared memory one block may use once it opts in, in bytes.
  int64_t sharedMemoryPerBlock = 0;
  /// 32-bit registers per SM.
  unsigned registersPerSm = 65536;

  /// `dp4a.s32.s32`: four i8 x i8 products added into an i32 (sm_61+).
  bool hasDp4a = false;
  /// `mma.sync.aligned.m16n8k32` on s8 operands with i32 accumulators
  /// (sm_80+).
  bool hasInt8Mma = false;
  /// Warpgroup `wgmma.mma_async` on s8 (sm_90a only).
  bool hasWgmma = false;

  /// The ternary weight layout GPU kernels read (i2s: 16-byte loads of
  /// four code planes).
  PackedFormat preferredFormat() const override { return PackedFormat::i2s; }
  std::string describe() const override;
};

/// The triple of every NVIDIA GPU target.
inline constexpr llvm::StringLiteral kNvptxTriple = "nvptx64-nvidia-cuda";

/// The GPU `chip` ("sm_80", "sm_90", "sm_90a"; "" for the baseline sm_80),
/// with extra LLVM feature flags ("+ptx80"). On failure returns false and
/// sets `error` naming the chips the compiler knows.
bool getGpuTargetInfo(llvm::StringRef chip, llvm::StringRef features,
                      GpuTargetInfo &info, std::string &error);

/// Whether `arch` names the NVPTX target: nvptx, nvptx64 or cuda.
bool isGpuArch(llvm::StringRef arch);

/// The GPU target of `op`'s module, or `chip` (e.g. sm_90) when not empty.
/// Emits "<pass>: <problem>" on `op` and fails when that is not a GPU the
/// compiler knows (a CPU module without `chip` included).
FailureOr<GpuTargetInfo> lookupGpuTarget(Operation *op, llvm::StringRef chip,
                                         llvm::StringRef passName);

} // namespace mlir::bitnet

#endif // BITNET_TARGET_GPUTARGETINFO_H
