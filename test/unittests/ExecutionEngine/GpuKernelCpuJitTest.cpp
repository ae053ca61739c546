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


#include <cstdint>
#include <random>

using namespace bitnet_test;
using namespace mlir::bitnet;

namespace {

struct GemvCase {
  int64_t n, m, k, rowsPerWarp, tokensPerWarp; // 0: derived
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

/// `source` through the GPU kernel passes, then compiled for the CPU: the
/// lanes of a warp one after another, the warps on threads, whatever is not
/// a kernel by the portable lowering.
std::unique_ptr<CompiledModule> kernelsOnCpu(const std::string &source,
                                             const GpuCodegenOptions &options = {}) {
  return std::make_unique<CompiledModule>(
      [&](mlir::MLIRContext *ctx) {
        return mlir::parseSourceString<mlir::ModuleOp>(source, mlir::ParserConfig(ctx));
      },
      [&](mlir::OpPassManager &pm) {
        addGpuKernelPasses(pm, options);
        pm.addPass(createWarpLoopsToCpuPass());
        buildBitNetToLLVMPipeline(pm);
      });
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
  GpuCodegenOptions options;
  options.rowsPerWarp = c.rowsPerWarp;
  options.tokensPerWarp = c.tokensPerWarp;
  auto compiled = kernelsOnCpu(source, options);
  CompiledModule &module = *compiled;
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
    ::testing::Values(GemvCase{1, 77, 200, 4, 1},   // M and K tails
                      GemvCase{1, 64, 128, 0, 0},   // one block per row, derived tile
                      GemvCase{3, 33, 1000, 3, 1},  // several tokens, R not dividing M
                      GemvCase{1, 5, 4100, 1, 1},   // more chunks than lanes
                      GemvCase{2, 130, 2560, 2, 2}, // the 2B4T K, 2 tokens per warp
                      GemvCase{1, 3, 7, 8, 1},      // rows-per-warp > M
                      GemvCase{5, 9, 300, 0, 0},    // derived: 4 tokens per warp, N tail
                      GemvCase{7, 10, 384, 3, 2}),  // token and row tails together
    [](const ::testing::TestParamInfo<GemvCase> &info) {
      const GemvCase &c = info.param;
      return "n" + std::to_string(c.n) + "_m" + std::to_string(c.m) + "_k" +
             std::to_string(c.k) + "_r" + std::to_string(c.rowsPerWarp) + "_t" +
             std::to_string(c.tokensPerWarp);
    });

struct RowsCase {
  int64_t rows, columns;
  int bits;
  bool norm, reciprocal;
};

class GpuQuantizeRowsOnCpu : public ::testing::TestWithParam<RowsCase> {};

/// RMSNorm + quantization (or quantization alone) by warps, on the CPU:
/// codes, scales and code sums as the reference's, bit for bit.
TEST_P(GpuQuantizeRowsOnCpu, MatchesReference) {
  const RowsCase c = GetParam();
  std::mt19937 rng(77 + c.columns + c.bits);
  std::normal_distribution<float> value(0.0f, 2.0f);
  std::vector<float> x(c.rows * c.columns), gamma(c.columns);
  for (float &v : x)
    v = value(rng);
  for (float &g : gamma)
    g = 0.5f + std::fabs(value(rng));
  // An all-zero row: the scale floor.
  std::fill_n(x.begin(), c.columns, 0.0f);

  std::vector<int8_t> expectedQ(x.size());
  std::vector<float> expectedS(c.rows);
  std::vector<int32_t> expectedSums(c.rows);
  if (c.norm)
    ref::rmsNormQuantize(c.bits, x.data(), gamma.data(), 1e-5f, c.rows, c.columns,
                         expectedQ.data(), expectedS.data(), expectedSums.data(), c.reciprocal);
  else
    ref::quantizeActivations(c.bits, x.data(), c.rows, c.columns, expectedQ.data(),
                             expectedS.data(), c.reciprocal);

  std::string types = llvm::formatv("tensor<{0}x{1}xf32>", c.rows, c.columns).str();
  std::string results =
      llvm::formatv("tensor<{0}x{1}xi8>, tensor<{0}xf32>", c.rows, c.columns).str();
  std::string op =
      c.norm ? llvm::formatv("bitnet.rms_norm_quantize %x, %g epsilon 9.99999974E-6 bits {0}{1} "
                             ": {2}, tensor<{3}xf32> -> {4}, tensor<{5}xi32>",
                             c.bits, c.reciprocal ? " reciprocal_scale" : "", types, c.columns,
                             results, c.rows)
                   .str()
             : llvm::formatv("bitnet.quantize %x bits {0}{1} : {2} -> {3}", c.bits,
                             c.reciprocal ? " reciprocal_scale" : "", types, results)
                   .str();
  std::string source =
      llvm::formatv(R"mlir(
    func.func @rows(%x: {0}, %g: tensor<{1}xf32>) -> ({2}, tensor<{3}xi32>)
        attributes {{llvm.emit_c_interface} {
      {4}
      return {5} : {2}, tensor<{3}xi32>
    }
  )mlir",
                    types, c.columns, results, c.rows,
                    c.norm ? "%q, %s, %sums = " + op
                           : "%q, %s = " + op + "\n      %sums = arith.constant dense<0> : tensor<" +
                                 std::to_string(c.rows) + "xi32>",
                    "%q, %s, %sums")
          .str();
  auto compiled = kernelsOnCpu(source);
  CompiledModule &module = *compiled;
  ASSERT_TRUE(module.ok()) << module.error;
  struct Results {
    I8_2D q;
    StridedMemRefType<float, 1> s;
    StridedMemRefType<int32_t, 1> sums;
  };
  auto rows = module.lookup<void (*)(Results *, F32_2D *, StridedMemRefType<float, 1> *)>("rows");
  ASSERT_NE(rows, nullptr);
  auto xView = view<float, 2>(x, {c.rows, c.columns});
  auto gView = view<float, 1>(gamma, {c.columns});
  Results out;
  rows(&out, &xView, &gView);
  std::vector<int8_t> q = take(out.q);
  for (int64_t r = 0; r < c.rows; ++r) {
    ASSERT_EQ(out.s.data[out.s.offset + r], expectedS[r]) << "scale of row " << r;
    if (c.norm)
      ASSERT_EQ(out.sums.data[out.sums.offset + r], expectedSums[r]) << "sum of row " << r;
  }
  std::free(out.s.basePtr);
  if (c.norm)
    std::free(out.sums.basePtr);
  for (size_t i = 0; i < q.size(); ++i)
    ASSERT_EQ(q[i], expectedQ[i]) << "row " << i / c.columns << ", column " << i % c.columns;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, GpuQuantizeRowsOnCpu,
    ::testing::Values(RowsCase{3, 100, 8, true, false},   // columns not a multiple of 32
                      RowsCase{2, 2560, 8, true, true},   // 2B4T, PyTorch's scale
                      RowsCase{4, 7, 4, true, false},     // fewer columns than lanes
                      RowsCase{5, 300, 8, false, false},  // quantize alone
                      RowsCase{2, 640, 4, false, true}),  // int4 absmean alone
    [](const ::testing::TestParamInfo<RowsCase> &info) {
      const RowsCase &c = info.param;
      return std::string(c.norm ? "norm_" : "") + "r" + std::to_string(c.rows) + "_c" +
             std::to_string(c.columns) + "_b" + std::to_string(c.bits) +
             (c.reciprocal ? "_reciprocal" : "");
    });

struct LayerCase {
  int64_t n, m, k;
  int bits;
};

class GpuBitLinearOnCpu : public ::testing::TestWithParam<LayerCase> {};

/// A whole BitLinear layer as GPU kernels (quantization by warps, then the
/// GEMV storing dequantized floats), on the CPU: the reference's floats,
/// bit for bit.
TEST_P(GpuBitLinearOnCpu, MatchesReference) {
  const LayerCase c = GetParam();
  std::mt19937 rng(11 + c.m + c.k);
  std::normal_distribution<float> value(0.0f, 1.5f);
  std::uniform_int_distribution<int> trit(-1, 1);
  std::vector<float> x(c.n * c.k);
  std::vector<int8_t> w(c.m * c.k);
  for (float &v : x)
    v = value(rng);
  for (int8_t &v : w)
    v = static_cast<int8_t>(trit(rng));
  const float weightScale = 0.8125f;
  std::vector<float> expected(c.n * c.m);
  ref::bitlinear(x.data(), w.data(), weightScale, c.n, c.m, c.k, c.bits, expected.data());
  int64_t rowBytes = ref::packedRowBytes(ref::PackedFormat::I2S, c.k);
  std::vector<int8_t> packed(c.m * rowBytes);
  ref::pack(ref::PackedFormat::I2S, w.data(), c.m, c.k, reinterpret_cast<uint8_t *>(packed.data()));

  std::string source = llvm::formatv(R"mlir(
    func.func @layer(%x: tensor<{0}x{2}xf32>, %p: tensor<{1}x{3}xi8>) -> tensor<{0}x{1}xf32>
        attributes {{llvm.emit_c_interface} {
      %q, %s = bitnet.quantize %x bits {4} : tensor<{0}x{2}xf32> -> tensor<{0}x{2}xi8>, tensor<{0}xf32>
      %acc = bitnet.ternary_matmul %q, %p format <i2s> : tensor<{0}x{2}xi8>, tensor<{1}x{3}xi8> -> tensor<{0}x{1}xi32>
      %ws = arith.constant dense<{5:e9}> : tensor<f32>
      %y = bitnet.dequantize %acc, %s, %ws : tensor<{0}x{1}xi32>, tensor<{0}xf32>, tensor<f32> -> tensor<{0}x{1}xf32>
      return %y : tensor<{0}x{1}xf32>
    }
  )mlir", c.n, c.m, c.k, rowBytes, c.bits, weightScale).str();
  auto compiled = kernelsOnCpu(source);
  CompiledModule &module = *compiled;
  ASSERT_TRUE(module.ok()) << module.error;
  auto layer = module.lookup<void (*)(F32_2D *, F32_2D *, I8_2D *)>("layer");
  ASSERT_NE(layer, nullptr);
  auto xView = view<float, 2>(x, {c.n, c.k});
  auto pView = view<int8_t, 2>(packed, {c.m, rowBytes});
  F32_2D result;
  layer(&result, &xView, &pView);
  std::vector<float> actual = take(result);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_EQ(actual[i], expected[i]) << "token " << i / c.m << ", output " << i % c.m;
}

INSTANTIATE_TEST_SUITE_P(Shapes, GpuBitLinearOnCpu,
                         ::testing::Values(LayerCase{1, 77, 300, 8}, LayerCase{3, 64, 256, 8},
                                           LayerCase{5, 33, 200, 4}),
                         [](const ::testing::TestParamInfo<LayerCase> &info) {
                           const LayerCase &c = info.param;
                           return "n" + std::to_string(c.n) + "_m" + std::to_string(c.m) + "_k" +
                                  std::to_string(c.k) + "_a" + std::to_string(c.bits);
                         });

} // namespace
