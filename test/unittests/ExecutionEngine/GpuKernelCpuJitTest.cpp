//===- GpuKernelCpuJitTest.cpp - GPU kernel IR, run on the CPU ------===//
//
// The GPU kernels are written once as warp-level loops (scf.parallel over
// warps and lanes, bitnet.dot4); bitnet-gpu-map-warp-loops maps that IR to
// blocks, warps and lanes. Here the same IR runs on the CPU (lanes one after
// another) and must give the reference's int32 results exactly: odd M and K
// (row and K tails), several tokens, extreme activation codes, and every
// rows-per-warp the mapping may use.
//
//===----------------------------------------------------------------------===//

#include "JitTestUtils.h"

#include "bitnet/Codegen/GPU/Passes.h"
#include "bitnet/Reference/Reference.h"

#include "mlir/Dialect/SCF/Transforms/Passes.h"

#include <cstdint>
#include <random>

using namespace bitnet_test;
using namespace mlir::bitnet;

namespace {

struct GemvCase {
  int64_t n, m, k, rowsPerWarp;
};

std::string gemvSource(int64_t n, int64_t m, int64_t k) {
  int64_t rowBytes = ref::packedRowBytes(ref::PackedFormat::I2S, k);
  return llvm::formatv(R"mlir(
    func.func @gemv(%q: tensor<{0}x{2}xi8>, %p: tensor<{1}x{3}xi8>) -> tensor<{0}x{1}xi32>
        attributes {{llvm.emit_c_interface} {
      %acc = bitnet.ternary_matmul %q, %p format <i2s>
          : tensor<{0}x{2}xi8>, tensor<{1}x{3}xi8> -> tensor<{0}x{1}xi32>
      return %acc : tensor<{0}x{1}xi32>
    }
  )mlir", n, m, k, rowBytes).str();
}

class GpuGemvOnCpu : public ::testing::TestWithParam<GemvCase> {};

TEST_P(GpuGemvOnCpu, MatchesReference) {
  const GemvCase c = GetParam();
  std::mt19937 rng(1234 + c.m * 31 + c.k);
  std::vector<int8_t> q(c.n * c.k), w(c.m * c.k);
  std::uniform_int_distribution<int> code(-128, 127), trit(-1, 1);
  for (int8_t &v : q)
    v = static_cast<int8_t>(code(rng));
  for (int8_t &v : w)
    v = static_cast<int8_t>(trit(rng));
  // Extremes: a token of -128 against a row of -1 (the largest sums).
  for (int64_t t = 0; t < c.k; ++t) {
    q[t] = -128;
    w[t] = -1;
  }
  int64_t rowBytes = ref::packedRowBytes(ref::PackedFormat::I2S, c.k);
  std::vector<int8_t> packed(c.m * rowBytes);
  ref::pack(ref::PackedFormat::I2S, w.data(), c.m, c.k, reinterpret_cast<uint8_t *>(packed.data()));
  std::vector<int32_t> expected(c.n * c.m);
  ref::ternaryMatmul(q.data(), w.data(), c.n, c.m, c.k, expected.data());

  std::string source = gemvSource(c.n, c.m, c.k);
  CompiledModule module(
      [&](mlir::MLIRContext *ctx) {
        return mlir::parseSourceString<mlir::ModuleOp>(source, mlir::ParserConfig(ctx));
      },
      [&](mlir::OpPassManager &pm) {
        GpuCodegenOptions options;
        options.rowsPerWarp = c.rowsPerWarp;
        addGpuKernelPasses(pm, options);
        // The CPU runs the lanes (and warps) as sequential loops.
        pm.addPass(mlir::createParallelForToNestedForsPass());
        buildBitNetToLLVMPipeline(pm);
      });
  ASSERT_TRUE(module.ok()) << module.error;
  auto gemv = module.lookup<void (*)(Acc2D *, I8_2D *, I8_2D *)>("gemv");
  ASSERT_NE(gemv, nullptr);
  auto qView = view<int8_t, 2>(q, {c.n, c.k});
  auto pView = view<int8_t, 2>(packed, {c.m, rowBytes});
  Acc2D result;
  gemv(&result, &qView, &pView);
  std::vector<int32_t> actual = take(result);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_EQ(actual[i], expected[i]) << "token " << i / c.m << ", row " << i % c.m;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, GpuGemvOnCpu,
    ::testing::Values(GemvCase{1, 77, 200, 4},   // M and K tails
                      GemvCase{1, 64, 128, 4},   // one block per row
                      GemvCase{3, 33, 1000, 3},  // several tokens, R not dividing M
                      GemvCase{1, 5, 4100, 1},   // more chunks than lanes
                      GemvCase{2, 130, 2560, 2}, // the 2B4T K
                      GemvCase{1, 3, 7, 8}),     // rows-per-warp > M
    [](const ::testing::TestParamInfo<GemvCase> &info) {
      const GemvCase &c = info.param;
      return "n" + std::to_string(c.n) + "_m" + std::to_string(c.m) + "_k" +
             std::to_string(c.k) + "_r" + std::to_string(c.rowsPerWarp);
    });

} // namespace
