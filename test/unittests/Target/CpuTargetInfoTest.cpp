//===- CpuTargetInfoTest.cpp - CPU descriptions from LLVM's tables ----===//

#include "bitnet/Target/CpuTargetInfo.h"

#include <gtest/gtest.h>

using namespace mlir::bitnet;

namespace {

CpuTargetInfo get(const char *arch, const char *cpu) {
  CpuTargetInfo info;
  std::string error;
  EXPECT_TRUE(getCpuTargetInfo(arch, cpu, info, error)) << error;
  return info;
}

TEST(CpuTargetInfo, Zen4HasAvx512Vnni) {
  CpuTargetInfo info = get("x86_64", "znver4");
  EXPECT_TRUE(info.hasAvx512vnni);
  EXPECT_EQ(info.vectorBits, 512u);
  EXPECT_EQ(info.vectorRegisters, 32u);
  EXPECT_EQ(info.dotProduct(), DotProductKind::Vnni512);
  EXPECT_EQ(info.l2Bytes, 1024 * 1024);
  EXPECT_TRUE(info.hasFma);
}

TEST(CpuTargetInfo, SkylakeAvx512HasNoVnni) {
  CpuTargetInfo info = get("x86_64", "skylake-avx512");
  EXPECT_TRUE(info.hasAvx512bw);
  EXPECT_FALSE(info.hasAvx512vnni);
  EXPECT_EQ(info.dotProduct(), DotProductKind::Avx2Maddubs);
}

TEST(CpuTargetInfo, X86_64V3IsAvx2) {
  CpuTargetInfo info = get("x86_64", "x86-64-v3");
  EXPECT_TRUE(info.hasAvx2);
  EXPECT_TRUE(info.hasFma);
  EXPECT_EQ(info.vectorBits, 256u);
  EXPECT_EQ(info.dotProduct(), DotProductKind::Avx2Maddubs);
}

TEST(CpuTargetInfo, BaselineX86_64IsGeneric) {
  CpuTargetInfo info = get("x86_64", "");
  EXPECT_FALSE(info.hasAvx2);
  EXPECT_FALSE(info.hasFma);
  EXPECT_EQ(info.dotProduct(), DotProductKind::Generic);
}

TEST(CpuTargetInfo, NeoverseN1HasDotProd) {
  CpuTargetInfo info = get("aarch64", "neoverse-n1");
  EXPECT_TRUE(info.hasNeon);
  EXPECT_TRUE(info.hasDotProd);
  EXPECT_EQ(info.dotProduct(), DotProductKind::NeonSdot);
  EXPECT_EQ(info.vectorBits, 128u);
}

TEST(CpuTargetInfo, GenericAArch64IsPlainNeon) {
  CpuTargetInfo info = get("aarch64", "generic");
  EXPECT_TRUE(info.hasNeon);
  EXPECT_TRUE(info.hasFma);
  EXPECT_FALSE(info.hasDotProd);
  EXPECT_EQ(info.dotProduct(), DotProductKind::NeonMull);
}

TEST(CpuTargetInfo, AppleM1HasDotProdAndLargeCaches) {
  CpuTargetInfo info = get("aarch64", "apple-m1");
  EXPECT_TRUE(info.hasDotProd);
  EXPECT_EQ(info.l1DataBytes, 128 * 1024);
  EXPECT_EQ(info.cacheLineBytes, 128);
}

// Four decode accumulators, except VNNI without the software prefetch.
TEST(CpuTargetInfo, DecodeAccumulatorDefaults) {
  EXPECT_EQ(get("x86_64", "znver4").defaultDecodeAccumulators(4096), 4);
  EXPECT_EQ(get("x86_64", "znver4").defaultDecodeAccumulators(0), 1);
  EXPECT_EQ(get("x86_64", "x86-64-v3").defaultDecodeAccumulators(0), 4);
  EXPECT_EQ(get("aarch64", "neoverse-n1").defaultDecodeAccumulators(0), 4);
  EXPECT_TRUE(isValidDecodeAccumulators(0));
  EXPECT_TRUE(isValidDecodeAccumulators(4));
  EXPECT_FALSE(isValidDecodeAccumulators(3));
  EXPECT_FALSE(isValidDecodeAccumulators(-1));
}

// Decode kernels prefetch 4 KiB ahead on every CPU unless its entry says
// otherwise (measured on Zen 5 with the VNNI and the AVX2 kernels).
TEST(CpuTargetInfo, DecodePrefetchByDefault) {
  for (auto [arch, cpu] : {std::pair{"x86_64", "znver4"}, {"x86_64", "x86-64-v3"},
                           {"x86_64", "sapphirerapids"}, {"aarch64", "neoverse-n1"}}) {
    CpuTargetInfo info = get(arch, cpu);
    EXPECT_EQ(info.prefetchDistance, 4096) << cpu;
    EXPECT_EQ(info.cacheLineBytes, 64) << cpu;
  }
}

TEST(CpuTargetInfo, NativeIsTheHostOnX86) {
  CpuTargetInfo info;
  std::string error;
  ASSERT_TRUE(getCpuTargetInfo("x86_64", "native", info, error)) << error;
  EXPECT_FALSE(info.cpu.empty());
  EXPECT_NE(info.cpu, "native");
}

// What #llvm.target records for the host (its CPU name and the features
// in which it differs from that CPU) describes the same machine as
// "native", so a module compiled for the host can be recompiled from its
// attribute alone.
TEST(CpuTargetInfo, HostRecordIsNative) {
  HostCpu host = getHostCpu();
  CpuTargetInfo native, recorded;
  std::string error;
  ASSERT_TRUE(getCpuTargetInfo(host.arch, "native", native, error)) << error;
  ASSERT_TRUE(getCpuTargetInfo(host.arch, host.cpu, host.features, recorded, error))
      << error;
  EXPECT_EQ(recorded.cpu, native.cpu);
  EXPECT_EQ(recorded.features, native.features);
  EXPECT_EQ(recorded.dotProduct(), native.dotProduct());
  EXPECT_EQ(recorded.vectorBits, native.vectorBits);
  EXPECT_EQ(recorded.hasFma, native.hasFma);
  EXPECT_TRUE(hostCanRun(native, error)) << error;
}

// Feature flags on top of a CPU change what the kernels may use.
TEST(CpuTargetInfo, FeatureFlagsApply) {
  CpuTargetInfo info;
  std::string error;
  ASSERT_TRUE(getCpuTargetInfo("x86_64", "znver4", "-avx512vnni", info, error)) << error;
  EXPECT_FALSE(info.hasAvx512vnni);
  EXPECT_TRUE(info.hasAvx512bw);
  EXPECT_EQ(info.dotProduct(), DotProductKind::Avx2Maddubs);
  ASSERT_TRUE(getCpuTargetInfo("x86_64", "x86-64", "+avx2", info, error)) << error;
  EXPECT_EQ(info.dotProduct(), DotProductKind::Avx2Maddubs);
}

TEST(CpuTargetInfo, HostCannotRunAnotherArchitecture) {
  CpuTargetInfo other;
  std::string error;
  const bool x86 = getHostCpu().arch == "x86_64";
  ASSERT_TRUE(getCpuTargetInfo(x86 ? "aarch64" : "x86_64", x86 ? "neoverse-n1" : "znver4",
                               other, error))
      << error;
  EXPECT_FALSE(hostCanRun(other, error));
  EXPECT_NE(error.find("cannot run on this"), std::string::npos) << error;
}

TEST(CpuTargetInfo, ErrorsNameTheProblem) {
  CpuTargetInfo info;
  std::string error;
  EXPECT_FALSE(getCpuTargetInfo("x86_64", "pentium-z9000", info, error));
  EXPECT_NE(error.find("unknown CPU 'pentium-z9000' for x86_64"), std::string::npos)
      << error;
  EXPECT_FALSE(getCpuTargetInfo("riscv64", "", info, error));
  EXPECT_NE(error.find("unknown target 'riscv64'"), std::string::npos) << error;
  EXPECT_FALSE(getCpuTargetInfo("aarch64", "native", info, error));
  EXPECT_NE(error.find("-mcpu=native needs a aarch64 host"), std::string::npos)
      << error;
}

} // namespace
