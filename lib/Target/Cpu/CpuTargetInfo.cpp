//===- CpuTargetInfo.cpp - CPU descriptions from LLVM's tables --------===//

#include "bitnet/Target/CpuTargetInfo.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <memory>
#include <mutex>

using namespace mlir;
using namespace mlir::bitnet;

DotProductKind CpuTargetInfo::dotProduct() const {
  if (arch == CpuArch::X86_64) {
    if (hasAvx512vnni && hasAvx512bw)
      return DotProductKind::Vnni512;
    if (hasAvx2)
      return DotProductKind::Avx2Maddubs;
    return DotProductKind::Generic;
  }
  if (hasDotProd)
    return DotProductKind::NeonSdot;
  return hasNeon ? DotProductKind::NeonMull : DotProductKind::Generic;
}

int64_t CpuTargetInfo::defaultDecodeAccumulators(int64_t prefetchBytes) const {
  return prefetchBytes == 0 && dotProduct() == DotProductKind::Vnni512 ? 1 : 4;
}

std::string CpuTargetInfo::describe() const {
  static const char *dotNames[] = {"avx512-vnni", "avx2-maddubs", "neon-sdot",
                                   "neon-mull", "generic"};
  return (arch == CpuArch::X86_64 ? "x86_64" : "aarch64") + std::string(" ") +
         cpu + ": " + std::to_string(vectorBits) + "-bit vectors x " +
         std::to_string(vectorRegisters) + ", dot product " +
         dotNames[static_cast<int>(dotProduct())] + ", L1d " +
         std::to_string(l1DataBytes / 1024) + " KiB, L2 " +
         std::to_string(l2Bytes / 1024) + " KiB";
}

namespace {

/// Per-core cache sizes and cache lines of CPUs we tune for; others keep
/// the defaults. (A CPU whose hardware prefetchers beat the decode
/// kernels' software prefetch, once measured, would get a prefetch field
/// here, 0.)
void setCacheSizes(CpuTargetInfo &info) {
  struct Entry {
    const char *prefix;
    int64_t l1, l2;
    int64_t line = 64;
  };
  static const Entry table[] = {
      {"znver4", 32, 1024},          {"znver5", 48, 1024},
      {"znver3", 32, 512},           {"znver2", 32, 512},
      {"sapphirerapids", 48, 2048},  {"emeraldrapids", 48, 2048},
      {"icelake-server", 48, 1280},  {"skylake-avx512", 32, 1024},
      {"cascadelake", 32, 1024},     {"alderlake", 48, 1280},
      {"neoverse-n1", 64, 1024},     {"neoverse-v1", 64, 1024},
      {"neoverse-n2", 64, 1024},     {"neoverse-v2", 64, 2048},
      {"cortex-a76", 64, 512},       {"cortex-a78", 64, 512},
      {"apple-m", 128, 4096, 128},
  };
  for (const Entry &e : table)
    if (llvm::StringRef(info.cpu).starts_with(e.prefix)) {
      info.l1DataBytes = e.l1 * 1024;
      info.l2Bytes = e.l2 * 1024;
      info.cacheLineBytes = e.line;
      return;
    }
}

void initializeTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargetMCs();
  });
}

} // namespace

bool mlir::bitnet::getCpuTargetInfo(llvm::StringRef arch, llvm::StringRef mcpu,
                                    CpuTargetInfo &info, std::string &error) {
  initializeTargets();
  if (arch == "x86_64" || arch == "x86-64") {
    info.arch = CpuArch::X86_64;
    info.triple = "x86_64-unknown-linux-gnu";
  } else if (arch == "aarch64" || arch == "arm64") {
    info.arch = CpuArch::AArch64;
    info.triple = "aarch64-unknown-linux-gnu";
  } else {
    error = "unknown target '" + arch.str() + "'; expected x86_64 or aarch64";
    return false;
  }
  llvm::Triple triple(info.triple);
  std::string lookupError;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!target) {
    error = "LLVM has no " + arch.str() + " target: " + lookupError;
    return false;
  }

  std::string featureString;
  if (mcpu == "native") {
    llvm::Triple host(llvm::sys::getProcessTriple());
    bool hostIsTarget = (info.arch == CpuArch::X86_64 && host.isX86()) ||
                        (info.arch == CpuArch::AArch64 && host.isAArch64());
    if (!hostIsTarget) {
      error = "-mcpu=native needs a " + arch.str() + " host; name a CPU instead";
      return false;
    }
    info.cpu = llvm::sys::getHostCPUName().str();
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      featureString += (featureString.empty() ? "" : ",") +
                       std::string(feature.second ? "+" : "-") +
                       feature.first().str();
  } else {
    info.cpu = mcpu.empty()
                   ? (info.arch == CpuArch::X86_64 ? "x86-64" : "generic")
                   : mcpu.str();
  }
  // Check the name on a baseline subtarget first: creating one for an
  // unknown CPU makes LLVM print a warning of its own.
  std::unique_ptr<llvm::MCSubtargetInfo> baseline(
      target->createMCSubtargetInfo(triple, "", ""));
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget;
  if (baseline && baseline->isCPUStringValid(info.cpu))
    subtarget.reset(target->createMCSubtargetInfo(triple, info.cpu, featureString));
  if (!subtarget) {
    error = "unknown CPU '" + info.cpu + "' for " + arch.str() +
            " (use an LLVM CPU name, e.g. ";
    error += info.arch == CpuArch::X86_64 ? "x86-64-v3, znver4, skylake-avx512"
                                          : "neoverse-n1, cortex-a76, apple-m1";
    error += ", or native)";
    return false;
  }
  auto has = [&](const char *feature) {
    return subtarget->checkFeatures(std::string("+") + feature);
  };
  info.features = featureString;
  if (info.arch == CpuArch::X86_64) {
    info.hasAvx2 = has("avx2");
    info.hasAvx512bw = has("avx512bw");
    info.hasAvx512vnni = has("avx512vnni");
    info.hasFma = has("fma");
    bool avx512 = has("avx512f");
    info.vectorBits = avx512 ? 512 : info.hasAvx2 || has("avx") ? 256 : 128;
    info.vectorRegisters = avx512 ? 32 : 16;
  } else {
    info.hasNeon = has("neon");
    info.hasDotProd = has("dotprod");
    info.hasI8mm = has("i8mm");
    info.hasFma = info.hasNeon;
    info.vectorBits = info.hasNeon ? 128 : 0;
    info.vectorRegisters = info.hasNeon ? 32 : 0;
  }
  setCacheSizes(info);
  return true;
}
