//===- GpuTargetInfo.cpp - NVIDIA GPUs as targets ---------------------===//

#include "bitnet/Target/GpuTargetInfo.h"

#include <optional>

using namespace mlir;
using namespace mlir::bitnet;

namespace {

/// One architecture the compiler generates kernels for.
struct GpuChip {
  llvm::StringLiteral name;
  unsigned computeCapability, minPtxVersion, smCount;
  int64_t sharedMemoryPerBlock;
  bool wgmma;
};

// Shared memory: the opt-in maximum per block (CUDA programming guide,
// "Technical Specifications per Compute Capability"): 163 KiB on 8.0,
// 227 KiB on 9.0. SM counts: A100 SXM (108) and H100/H200 SXM (132).
// PTX 7.0 is the first with sm_80, 7.8 with sm_90, 8.0 with wgmma on sm_90a.
constexpr GpuChip kChips[] = {
    {"sm_80", 80, 70, 108, 163 * 1024, false},
    {"sm_90", 90, 78, 132, 227 * 1024, false},
    {"sm_90a", 90, 80, 132, 227 * 1024, true},
};

std::optional<GpuChip> findChip(llvm::StringRef name) {
  for (const GpuChip &chip : kChips)
    if (chip.name == name)
      return chip;
  return std::nullopt;
}

std::string knownChips() {
  std::string names;
  for (const GpuChip &chip : kChips)
    names += (names.empty() ? "" : ", ") + chip.name.str();
  return names;
}

} // namespace

bool mlir::bitnet::isGpuArch(llvm::StringRef arch) {
  return arch == "nvptx" || arch == "nvptx64" || arch == "cuda";
}

bool mlir::bitnet::getGpuTargetInfo(llvm::StringRef chipName,
                                    llvm::StringRef features, GpuTargetInfo &info,
                                    std::string &error) {
  std::optional<GpuChip> chip = findChip(chipName.empty() ? "sm_80" : chipName);
  if (!chip) {
    error = "unknown GPU '" + chipName.str() + "' for nvptx; expected one of " +
            knownChips();
    return false;
  }
  info.triple = kNvptxTriple.str();
  info.cpu = chip->name.str();
  info.features = features.str();
  info.computeCapability = chip->computeCapability;
  info.minPtxVersion = chip->minPtxVersion;
  info.smCount = chip->smCount;
  info.sharedMemoryPerBlock = chip->sharedMemoryPerBlock;
  info.hasDp4a = chip->computeCapability >= 61;
  info.hasInt8Mma = chip->computeCapability >= 80;
  info.hasWgmma = chip->wgmma;
  return true;
}

std::string GpuTargetInfo::describe() const {
  std::string text = "nvptx64 " + cpu + " (" + std::to_string(smCount) + " SMs, " +
                     std::to_string(sharedMemoryPerBlock / 1024) +
                     " KiB shared memory per block, PTX >= " +
                     std::to_string(minPtxVersion / 10) + "." +
                     std::to_string(minPtxVersion % 10);
  if (hasDp4a)
    text += ", dp4a";
  if (hasInt8Mma)
    text += ", int8 mma.sync";
  if (hasWgmma)
    text += ", wgmma";
  return text + ")";
}

FailureOr<GpuTargetInfo> mlir::bitnet::lookupGpuTarget(Operation *op, llvm::StringRef chip,
                                                       llvm::StringRef passName) {
  std::string error;
  LLVM::TargetAttr target = resolveTargetAttr(op, chip.empty() ? "" : "nvptx", chip, error);
  std::unique_ptr<TargetInfo> info = target ? getTargetInfo(target, error) : nullptr;
  if (!info) {
    op->emitError() << passName << ": " << error;
    return failure();
  }
  auto *gpu = dyn_cast<GpuTargetInfo>(info.get());
  if (!gpu) {
    op->emitError() << passName << ": generates GPU code, but the target is "
                    << info->describe() << " (set an nvptx target or the chip option)";
    return failure();
  }
  return *gpu;
}
