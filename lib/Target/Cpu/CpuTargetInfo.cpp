//===- CpuTargetInfo.cpp - CPU descriptions from LLVM's tables --------===//

#include "bitnet/Target/CpuTargetInfo.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"

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

llvm::StringRef CpuTargetInfo::getArchName() const {
  return arch == CpuArch::X86_64 ? "x86_64" : "aarch64";
}

std::string CpuTargetInfo::describe() const {
  static const char *dotNames[] = {"avx512-vnni", "avx2-maddubs", "neon-sdot",
                                   "neon-mull", "generic"};
  return getArchName().str() + " " + cpu +
         (features.empty() ? "" : " (" + features + ")") + ": " + std::to_string(vectorBits) + "-bit vectors x " +
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

std::string mlir::bitnet::normalizeCpuArch(llvm::StringRef arch) {
  if (arch == "x86-64")
    return "x86_64";
  if (arch == "arm64")
    return "aarch64";
  return arch.str();
}

std::string mlir::bitnet::baselineCpu(llvm::StringRef arch) {
  return normalizeCpuArch(arch) == "x86_64" ? "x86-64" : "generic";
}

namespace {

/// LLVM's target for `triple`, or null with `error` set.
const llvm::Target *lookupLLVMTarget(const llvm::Triple &triple,
                                     std::string &error) {
  initializeTargets();
  std::string lookupError;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!target)
    error = "LLVM has no " + triple.getArchName().str() + " target: " + lookupError;
  return target;
}

/// The feature flags ("+name" / "-name") where `have` differs from the
/// features `subtarget` sets; only names LLVM's table for the target knows.
std::string featureDifferences(const llvm::MCSubtargetInfo &subtarget,
                               const llvm::StringMap<bool> &have) {
  std::string flags;
  for (const llvm::SubtargetFeatureKV &feature : subtarget.getAllProcessorFeatures()) {
    auto it = have.find(feature.Key);
    if (it == have.end() || it->second == subtarget.getFeatureBits().test(feature.Value))
      continue;
    flags += (flags.empty() ? "" : ",") + std::string(it->second ? "+" : "-") +
             feature.Key;
  }
  return flags;
}

} // namespace

HostCpu mlir::bitnet::getHostCpu() {
  llvm::Triple triple(llvm::sys::getProcessTriple());
  HostCpu host;
  host.arch = normalizeCpuArch(triple.getArchName());
  host.cpu = llvm::sys::getHostCPUName().str();
  std::string error;
  const llvm::Target *target = lookupLLVMTarget(triple, error);
  if (!target)
    return host;
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, host.cpu, ""));
  if (subtarget)
    host.features = featureDifferences(*subtarget, llvm::sys::getHostCPUFeatures());
  return host;
}

bool mlir::bitnet::hostCanRun(const CpuTargetInfo &info, std::string &error) {
  HostCpu host = getHostCpu();
  if (host.arch != info.getArchName()) {
    error = "code for " + info.getArchName().str() + " cannot run on this " +
            host.arch + " host";
    return false;
  }
  llvm::Triple triple(info.triple);
  const llvm::Target *target = lookupLLVMTarget(triple, error);
  if (!target)
    return false;
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, info.cpu, info.features));
  // The features the host can report on are the ones that matter: what
  // the target enables and the host lacks.
  std::string missing;
  for (const auto &[name, present] : llvm::sys::getHostCPUFeatures()) {
    if (present)
      continue;
    for (const llvm::SubtargetFeatureKV &feature : subtarget->getAllProcessorFeatures())
      if (name == feature.Key && subtarget->getFeatureBits().test(feature.Value))
        missing += (missing.empty() ? "" : ", ") + name.str();
  }
  if (missing.empty())
    return true;
  error = "this host cannot run code for " + info.cpu + ": it lacks " + missing;
  return false;
}

bool mlir::bitnet::getCpuTargetInfo(llvm::StringRef arch, llvm::StringRef mcpu,
                                    llvm::StringRef features, CpuTargetInfo &info,
                                    std::string &error) {
  std::string archName = normalizeCpuArch(arch);
  if (archName == "x86_64") {
    info.arch = CpuArch::X86_64;
    info.triple = "x86_64-unknown-linux-gnu";
  } else if (archName == "aarch64") {
    info.arch = CpuArch::AArch64;
    info.triple = "aarch64-unknown-linux-gnu";
  } else {
    error = "unknown target '" + arch.str() + "'; expected x86_64, aarch64 or nvptx";
    return false;
  }
  llvm::Triple triple(info.triple);
  const llvm::Target *target = lookupLLVMTarget(triple, error);
  if (!target)
    return false;

  std::string featureString = features.str();
  if (mcpu == "native") {
    HostCpu host = getHostCpu();
    if (host.arch != archName) {
      error = "-mcpu=native needs a " + archName + " host; name a CPU instead";
      return false;
    }
    info.cpu = host.cpu;
    if (!host.features.empty())
      featureString = host.features + (featureString.empty() ? "" : "," + featureString);
  } else {
    info.cpu = mcpu.empty() ? baselineCpu(archName) : mcpu.str();
  }
  // Check the name on a baseline subtarget first: creating one for an
  // unknown CPU makes LLVM print a warning of its own.
  std::unique_ptr<llvm::MCSubtargetInfo> baseline(
      target->createMCSubtargetInfo(triple, "", ""));
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget;
  if (baseline && baseline->isCPUStringValid(info.cpu))
    subtarget.reset(target->createMCSubtargetInfo(triple, info.cpu, featureString));
  if (!subtarget) {
    error = "unknown CPU '" + info.cpu + "' for " + archName +
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
    info.hasAvx512vbmi = has("avx512vbmi");
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

FailureOr<CpuTargetInfo> mlir::bitnet::lookupCpuTarget(Operation *op,
                                                       llvm::StringRef arch,
                                                       llvm::StringRef cpu,
                                                       llvm::StringRef passName) {
  std::string error;
  LLVM::TargetAttr target = resolveTargetAttr(op, arch, cpu, error);
  std::unique_ptr<TargetInfo> info = target ? getTargetInfo(target, error) : nullptr;
  if (!info) {
    op->emitError() << passName << ": " << error;
    return failure();
  }
  auto *cpuInfo = dyn_cast<CpuTargetInfo>(info.get());
  if (!cpuInfo) {
    op->emitError() << passName << ": generates CPU code, but the target is "
                    << info->describe();
    return failure();
  }
  return *cpuInfo;
}
