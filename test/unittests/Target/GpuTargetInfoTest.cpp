//===- GpuTargetInfoTest.cpp - NVIDIA GPU descriptions -----------------===//

#include "bitnet/Target/GpuTargetInfo.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::bitnet;

namespace {

GpuTargetInfo get(const char *chip) {
  GpuTargetInfo info;
  std::string error;
  EXPECT_TRUE(getGpuTargetInfo(chip, "", info, error)) << error;
  return info;
}

TEST(GpuTargetInfo, Sm80HasInt8MmaButNoWgmma) {
  GpuTargetInfo info = get("sm_80");
  EXPECT_EQ(info.triple, "nvptx64-nvidia-cuda");
  EXPECT_EQ(info.computeCapability, 80u);
  EXPECT_EQ(info.minPtxVersion, 70u);
  EXPECT_EQ(info.warpSize, 32u);
  EXPECT_EQ(info.sharedMemoryPerBlock, 163 * 1024);
  EXPECT_TRUE(info.hasDp4a);
  EXPECT_TRUE(info.hasInt8Mma);
  EXPECT_FALSE(info.hasWgmma);
  EXPECT_EQ(info.preferredFormat(), PackedFormat::i2s);
}

TEST(GpuTargetInfo, Sm90aHasWgmma) {
  GpuTargetInfo sm90 = get("sm_90"), sm90a = get("sm_90a");
  EXPECT_EQ(sm90.smCount, 132u);
  EXPECT_EQ(sm90.sharedMemoryPerBlock, 227 * 1024);
  EXPECT_FALSE(sm90.hasWgmma);
  EXPECT_TRUE(sm90a.hasWgmma);
  EXPECT_EQ(sm90a.minPtxVersion, 80u);
}

TEST(GpuTargetInfo, EmptyChipIsTheBaseline) {
  EXPECT_EQ(get("").cpu, "sm_80");
}

TEST(GpuTargetInfo, UnknownChipNamesTheKnownOnes) {
  GpuTargetInfo info;
  std::string error;
  EXPECT_FALSE(getGpuTargetInfo("sm_75", "", info, error));
  EXPECT_EQ(error, "unknown GPU 'sm_75' for nvptx; expected one of sm_80, sm_90, sm_90a");
}

TEST(GpuTargetInfo, DescribeNamesTheChipAndInstructions) {
  EXPECT_EQ(get("sm_90a").describe(),
            "nvptx64 sm_90a (132 SMs, 227 KiB shared memory per block, PTX >= 8.0, "
            "dp4a, int8 mma.sync, wgmma)");
}

/// The module attribute round trip that passes rely on.
TEST(GpuTargetInfo, ResolvedFromTheModuleAttribute) {
  MLIRContext context;
  context.loadDialect<LLVM::LLVMDialect>();
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&context));
  std::string error;
  LLVM::TargetAttr attr = resolveTargetAttr(*module, "nvptx", "sm_90", error);
  ASSERT_TRUE(attr) << error;
  std::unique_ptr<TargetInfo> info = getTargetInfo(attr, error);
  ASSERT_TRUE(info) << error;
  auto *gpu = dyn_cast<GpuTargetInfo>(info.get());
  ASSERT_TRUE(gpu);
  EXPECT_EQ(gpu->cpu, "sm_90");
  setTargetAttr(*module, *gpu);
  // Only the chip given: the module's GPU architecture is kept.
  LLVM::TargetAttr again = resolveTargetAttr(*module, "", "sm_80", error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(again.getChip().getValue(), "sm_80");
  EXPECT_EQ(again.getTriple().getValue(), "nvptx64-nvidia-cuda");
  EXPECT_FALSE(resolveTargetAttr(*module, "nvptx", "native", error));
  EXPECT_EQ(error, "-mcpu=native names the host CPU; name the GPU (sm_80, sm_90, sm_90a)");
}

} // namespace
