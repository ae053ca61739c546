//===- GpuKernelExecTest.cpp - the generated GPU kernels on a GPU ----===//
//
// Each GEMV compiled by bitnet-gpu-pipeline, run on the first NVIDIA GPU
// through the CUDA driver, must give the reference's int32 results exactly.
// Without a GPU (no driver, no device) the cases skip and say why.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Bench/GpuKernels.h"
#include "bitnet/Reference/Reference.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir::bitnet;
namespace ref = mlir::bitnet::ref;

namespace {

struct Case {
  int64_t n, m, k;
};

class GpuGemvOnGpu : public ::testing::TestWithParam<Case> {
protected:
  static void SetUpTestSuite() {
    gpu = bitnet::cuda::Gpu::open(0, openError, &noGpu).release();
  }
  static void TearDownTestSuite() {
    delete gpu;
    gpu = nullptr;
  }
  static bitnet::cuda::Gpu *gpu;
  static std::string openError;
  static bool noGpu;
};

bitnet::cuda::Gpu *GpuGemvOnGpu::gpu = nullptr;
std::string GpuGemvOnGpu::openError;
bool GpuGemvOnGpu::noGpu = false;

TEST_P(GpuGemvOnGpu, MatchesReference) {
  // No GPU: skip. A GPU the driver fails to open: fail.
  if (!gpu && noGpu)
    GTEST_SKIP() << openError;
  ASSERT_NE(gpu, nullptr) << openError;
  const Case c = GetParam();
  std::string error;
  std::string chip = bench::kernelChipFor(gpu->chip(), error);
  ASSERT_FALSE(chip.empty()) << error;
  bench::GpuGemv kernel;
  ASSERT_TRUE(bench::compileGpuGemv(c.n, c.m, c.k, chip, kernel, error)) << error;

  std::mt19937 rng(99 + c.m + c.k);
  std::uniform_int_distribution<int> code(-128, 127), trit(-1, 1);
  std::vector<int8_t> q(c.n * c.k), w(c.m * c.k);
  for (int8_t &v : q)
    v = static_cast<int8_t>(code(rng));
  for (int8_t &v : w)
    v = static_cast<int8_t>(trit(rng));
  for (int64_t t = 0; t < c.k; ++t) { // the largest sums: -128 x -1
    q[t] = -128;
    w[t] = -1;
  }
  std::vector<uint8_t> packed(c.m * kernel.rowBytes);
  ref::pack(ref::PackedFormat::I2S, w.data(), c.m, c.k, packed.data());
  std::vector<int32_t> expected(c.n * c.m), actual;
  ref::ternaryMatmul(q.data(), w.data(), c.n, c.m, c.k, expected.data());
  ASSERT_TRUE(bench::runGpuGemv(*gpu, kernel, q, packed, actual, error)) << error;
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_EQ(actual[i], expected[i]) << "token " << i / c.m << ", row " << i % c.m;
}

INSTANTIATE_TEST_SUITE_P(Shapes, GpuGemvOnGpu,
                         ::testing::Values(Case{1, 77, 200}, Case{3, 33, 1000},
                                           Case{1, 2560, 2560}, Case{1, 640, 2560},
                                           Case{1, 6912, 2560}, Case{1, 2560, 6912},
                                           Case{1, 3200, 8640}, Case{2, 5, 4100}),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           return "n" + std::to_string(info.param.n) + "_m" +
                                  std::to_string(info.param.m) + "_k" +
                                  std::to_string(info.param.k);
                         });

} // namespace
