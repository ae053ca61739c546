//===- CpuTargetInfo.h - What kernel generation needs to know about a CPU -===//
//
// The CPU implementation of TargetInfo: passes that pick packed formats,
// tile sizes and dot-product instructions query a CpuTargetInfo instead of
// testing CPU names. It is derived from LLVM's own CPU tables (or the host),
// so every CPU LLVM knows works; cache sizes come from a small table with
// conservative defaults.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_TARGET_CPUTARGETINFO_H
#define BITNET_TARGET_CPUTARGETINFO_H

#include "bitnet/Target/TargetInfo.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace mlir::bitnet {

enum class CpuArch { X86_64, AArch64 };

/// How the int8 x ternary dot products of a kernel are computed.
enum class DotProductKind {
  /// AVX-512 VNNI `vpdpbusd`: u8 x s8, 4 products into each i32 lane.
  Vnni512,
  /// AVX2 `vpmaddubsw` + `vpmaddwd`: u8 x s8 pairs to i16, then to i32.
  Avx2Maddubs,
  /// AArch64 `sdot`: s8 x s8, 4 products into each i32 lane.
  NeonSdot,
  /// AArch64 NEON without dotprod: widening multiplies.
  NeonMull,
  /// No usable integer SIMD: the portable loops.
  Generic,
};

class CpuTargetInfo : public TargetInfo {
public:
  CpuTargetInfo() : TargetInfo(Kind::Cpu) {}
  static bool classof(const TargetInfo *target) {
    return target->getKind() == Kind::Cpu;
  }

  CpuArch arch = CpuArch::X86_64;

  bool hasAvx2 = false, hasAvx512bw = false, hasAvx512vnni = false;
  /// AVX-512 VBMI: byte permutes across a whole register (vpermb, vpermi2b).
  bool hasAvx512vbmi = false;
  bool hasNeon = false, hasDotProd = false, hasI8mm = false;
  /// Fused float multiply-add in vector registers (x86 FMA3, AArch64 NEON).
  bool hasFma = false;

  /// Widest integer SIMD register in bits (0 without SIMD).
  unsigned vectorBits = 0;
  /// Architectural vector registers the kernels may tile over.
  unsigned vectorRegisters = 0;
  /// Per-core data cache sizes.
  int64_t l1DataBytes = 32 * 1024, l2Bytes = 512 * 1024;
  /// Bytes per cache line (the unit of a software prefetch).
  int64_t cacheLineBytes = 64;
  /// How far ahead (bytes) a kernel streaming from DRAM software-prefetches;
  /// 0 leaves it to the hardware prefetchers. 4 KiB unless a CPU's entry
  /// says otherwise: measured on Zen 5 with both the VNNI and the AVX2
  /// kernels (docs/performance.md); decode's accumulator split depends on it.
  int64_t prefetchDistance = 4096;

  DotProductKind dotProduct() const;
  /// Accumulators per row for decode kernels streaming with a software
  /// prefetch of `prefetchBytes` (0: none): 4, one per code plane, which
  /// breaks the dot-product latency chain; without the prefetch, 1 on VNNI,
  /// whose single chain kept the DRAM stream better (measured on Zen 5: 29
  /// vs 19 GB/s; AVX2's chain is slower than DRAM, 15 vs 26 GB/s).
  int64_t defaultDecodeAccumulators(int64_t prefetchBytes) const;
  /// x86_64 or aarch64.
  llvm::StringRef getArchName() const;
  /// The packed format multiply-add kernels read (i2s for every CPU now).
  PackedFormat preferredFormat() const override { return PackedFormat::i2s; }
  std::string describe() const override;
};

/// Valid values of the decode-accumulators knob: 1, 2 or 4, or 0 for the
/// target's default.
inline bool isValidDecodeAccumulators(int64_t accumulators) {
  return accumulators == 0 || accumulators == 1 || accumulators == 2 ||
         accumulators == 4;
}

/// The target `arch` ("x86_64" or "aarch64") with `mcpu` ("native", "" for
/// the architecture's baseline, or an LLVM CPU name such as "znver4",
/// "x86-64-v3", "skylake-avx512", "neoverse-n1", "apple-m1") and extra LLVM
/// feature flags ("+avx512vnni,-avx512f"). On failure returns false and sets
/// `error` (e.g. the CPU names LLVM knows).
bool getCpuTargetInfo(llvm::StringRef arch, llvm::StringRef mcpu,
                      llvm::StringRef features, CpuTargetInfo &info,
                      std::string &error);
inline bool getCpuTargetInfo(llvm::StringRef arch, llvm::StringRef mcpu,
                             CpuTargetInfo &info, std::string &error) {
  return getCpuTargetInfo(arch, mcpu, "", info, error);
}

/// The CPU target of `op`'s module with a pass's `arch` / `cpu` overrides
/// (resolveTargetAttr). Emits "<pass>: <problem>" on `op` and fails when
/// that is not a CPU LLVM knows.
FailureOr<CpuTargetInfo> lookupCpuTarget(Operation *op, llvm::StringRef arch,
                                         llvm::StringRef cpu,
                                         llvm::StringRef passName);

/// The host: its architecture (normalizeCpuArch), the CPU LLVM names it,
/// and the features where it differs from that CPU's defaults (a VM may
/// hide some), so that the three describe it exactly.
struct HostCpu {
  std::string arch, cpu, features;
};
HostCpu getHostCpu();

/// The architecture's one spelling: "x86-64" is "x86_64", "arm64" is
/// "aarch64"; other names are returned as they are.
std::string normalizeCpuArch(llvm::StringRef arch);

/// LLVM's baseline CPU of an architecture: x86-64, or generic.
std::string baselineCpu(llvm::StringRef arch);

/// Whether code for `target` runs on this host: the same architecture and
/// no feature the host lacks. Otherwise false with `error` naming them.
bool hostCanRun(const CpuTargetInfo &target, std::string &error);

} // namespace mlir::bitnet

#endif // BITNET_TARGET_CPUTARGETINFO_H
