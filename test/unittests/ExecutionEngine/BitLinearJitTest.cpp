//===- BitLinearJitTest.cpp - vertical slice: bitnet IR -> JIT -> check ---===//
//
// Compiles small modules of bitnet ops through the `bitnet-to-llvm` pipeline,
// runs them with MLIR's ExecutionEngine and compares every result with the
// reference library: integer results bit-exactly, float results within
// 1e-6 relative.
//
//===----------------------------------------------------------------------===//

#include "JitTestUtils.h"

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"
#include "bitnet/Reference/Reference.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/TargetParser/Host.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace mlir;
using namespace bitnet_test;
namespace ref = mlir::bitnet::ref;

namespace mlir::bitnet::ref {
void PrintTo(PackedFormat format, std::ostream *os) { *os << formatName(format); }
} // namespace mlir::bitnet::ref

namespace {

struct Shape {
  int64_t n, m, k;
};

std::string shapeName(const Shape &s) {
  return llvm::formatv("N{0}_M{1}_K{2}", s.n, s.m, s.k).str();
}

void PrintTo(const Shape &s, std::ostream *os) { *os << shapeName(s); }

/// Activations with a spread of magnitudes, one outlier per row, and one
/// all-zero row when there are several rows.
std::vector<float> randomActivations(const Shape &s, std::mt19937 &rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(s.n * s.k);
  for (float &v : x)
    v = normal(rng);
  for (int64_t i = 0; i < s.n; ++i)
    x[i * s.k + (i * 7) % s.k] *= 25.0f;
  if (s.n > 2)
    std::fill(x.begin() + s.k, x.begin() + 2 * s.k, 0.0f);
  return x;
}

std::vector<int8_t> randomTernary(int64_t count, std::mt19937 &rng) {
  std::uniform_int_distribution<int> trit(-1, 1);
  std::vector<int8_t> w(count);
  for (int8_t &v : w)
    v = static_cast<int8_t>(trit(rng));
  return w;
}


//===----------------------------------------------------------------------===//
// bitlinear and its integer core, for both activation widths.
//===----------------------------------------------------------------------===//

class BitLinearJit
    : public ::testing::TestWithParam<std::tuple<Shape, int>> {};

TEST_P(BitLinearJit, MatchesReference) {
  auto [s, bits] = GetParam();
  std::string source = bitLinearModuleSource(s.n, s.m, s.k, bits);
  CompiledModule compiled(source);
  ASSERT_TRUE(compiled.ok()) << compiled.error;

  std::mt19937 rng(1234 + s.n * 31 + s.m * 7 + s.k + bits);
  std::vector<float> x = randomActivations(s, rng);
  std::vector<int8_t> w = randomTernary(s.m * s.k, rng);
  float gamma = 0.0371f;

  // Reference: quantize, integer product, rescale.
  std::vector<int8_t> q(s.n * s.k);
  std::vector<float> scales(s.n);
  ref::quantizeActivations(bits, x.data(), s.n, s.k, q.data(),
                                   scales.data());
  std::vector<int32_t> expectedAcc(s.n * s.m);
  ref::ternaryMatmul(q.data(), w.data(), s.n, s.m, s.k,
                             expectedAcc.data());
  std::vector<float> expectedY(s.n * s.m);
  ref::bitlinear(x.data(), w.data(), gamma, s.n, s.m, s.k, bits,
                         expectedY.data());

  auto xRef = view<float, 2>(x, {s.n, s.k});
  auto wRef = view<int8_t, 2>(w, {s.m, s.k});

  // i32 accumulators: bit-exact.
  auto accumulate = compiled.lookup<AccumulateFn>("accumulate");
  ASSERT_NE(accumulate, nullptr);
  Acc2D accResult{};
  accumulate(&accResult, &xRef, &wRef);
  EXPECT_EQ(take(accResult), expectedAcc);

  // Float outputs with ternary weights: within 1e-6 relative.
  auto bitlinear = compiled.lookup<BitLinearFn>("bitlinear");
  ASSERT_NE(bitlinear, nullptr);
  auto gammaRef = viewScalar(gamma);
  F32_2D yResult{};
  bitlinear(&yResult, &xRef, &wRef, &gammaRef);
  expectRelativelyClose(take(yResult), expectedY);

  // Float weights, ternarized by the generated code at run time.
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> wf(s.m * s.k);
  for (float &v : wf)
    v = normal(rng);
  std::vector<int8_t> wt(wf.size());
  float wfGamma = ref::ternarize(wf.data(), wf.size(), wt.data());
  std::vector<float> expectedFromFloat(s.n * s.m);
  ref::bitlinear(x.data(), wt.data(), wfGamma, s.n, s.m, s.k, bits,
                         expectedFromFloat.data());
  auto bitlinearFloat = compiled.lookup<BitLinearFloatFn>("bitlinear_float");
  ASSERT_NE(bitlinearFloat, nullptr);
  auto wfRef = view<float, 2>(wf, {s.m, s.k});
  F32_2D yFloat{};
  bitlinearFloat(&yFloat, &xRef, &wfRef);
  expectRelativelyClose(take(yFloat), expectedFromFloat);
}

const Shape kShapes[] = {{1, 77, 200}, {5, 77, 200}, {3, 33, 129},
                         {4, 16, 384}, {2, 1, 1}};

INSTANTIATE_TEST_SUITE_P(
    Shapes, BitLinearJit,
    ::testing::Combine(::testing::ValuesIn(kShapes), ::testing::Values(8, 4)),
    [](const auto &info) {
      return shapeName(std::get<0>(info.param)) + "_a" +
             std::to_string(std::get<1>(info.param));
    });

//===----------------------------------------------------------------------===//
// ternary_matmul on packed weights: the generated code decodes each format.
//===----------------------------------------------------------------------===//

/// What checkPackedMatmul multiplies: random codes and weights; the largest
/// products of ternary weights (every code -128, every weight +1); or every
/// 2-bit code 3 (not a ternary weight: the kernels read it as 3 - 1 = 2)
/// against -128, the largest step the kernels' i16 accumulators are sized
/// for. The last two overflow an i16 accumulator that takes too many.
enum class Fill { Random, Extreme, AllCodesThree };

/// ternary_matmul of activation codes and packed ternary weights (`fill`),
/// compiled with `pipeline`: the i32 accumulators must equal the reference.
void checkPackedMatmul(const Shape &s, ref::PackedFormat format,
                       const CompiledModule::PipelineFn &pipeline,
                       Fill fill = Fill::Random) {
  int64_t rowBytes = ref::packedRowBytes(format, s.k);
  std::string source = llvm::formatv(R"mlir(
    func.func @accumulate(%q: tensor<{0}x{2}xi8>, %p: tensor<{1}x{3}xi8>)
        -> tensor<{0}x{1}xi32> attributes {{llvm.emit_c_interface} {
      %acc = bitnet.ternary_matmul %q, %p format <{4}> : tensor<{0}x{2}xi8>, tensor<{1}x{3}xi8> -> tensor<{0}x{1}xi32>
      return %acc : tensor<{0}x{1}xi32>
    }
  )mlir", s.n, s.m, s.k, rowBytes, ref::formatName(format)).str();
  CompiledModule compiled(
      [&](MLIRContext *ctx) {
        return parseSourceString<ModuleOp>(source, ParserConfig(ctx));
      },
      pipeline);
  ASSERT_TRUE(compiled.ok()) << compiled.error;

  std::mt19937 rng(99 + s.k);
  std::uniform_int_distribution<int> code(-128, 127);
  std::vector<int8_t> q(s.n * s.k);
  for (int8_t &v : q)
    v = static_cast<int8_t>(code(rng));
  std::vector<int8_t> w = randomTernary(s.m * s.k, rng);
  if (fill == Fill::Extreme) {
    std::fill(q.begin(), q.end(), -128);
    std::fill(w.begin(), w.end(), 1);
  }
  std::vector<int8_t> packed(s.m * rowBytes);
  ref::pack(format, w.data(), s.m, s.k,
                    reinterpret_cast<uint8_t *>(packed.data()));
  std::vector<int32_t> expected(s.n * s.m);
  ref::ternaryMatmul(q.data(), w.data(), s.n, s.m, s.k,
                             expected.data());
  if (fill == Fill::AllCodesThree) {
    std::fill(q.begin(), q.end(), -128);
    std::fill(packed.begin(), packed.end(), static_cast<int8_t>(0xFF));
    std::fill(expected.begin(), expected.end(), 2 * -128 * static_cast<int32_t>(s.k));
  }

  auto accumulate =
      compiled.lookup<void (*)(Acc2D *, I8_2D *, I8_2D *)>("accumulate");
  ASSERT_NE(accumulate, nullptr);
  auto qRef = view<int8_t, 2>(q, {s.n, s.k});
  auto pRef = view<int8_t, 2>(packed, {s.m, rowBytes});
  Acc2D result{};
  accumulate(&result, &qRef, &pRef);
  EXPECT_EQ(take(result), expected);
}

class PackedMatmulJit
    : public ::testing::TestWithParam<std::tuple<Shape, ref::PackedFormat>> {};

TEST_P(PackedMatmulJit, MatchesReference) {
  auto [s, format] = GetParam();
  checkPackedMatmul(s, format, [](OpPassManager &pm) {
    bitnet::buildBitNetToLLVMPipeline(pm);
  });
}

INSTANTIATE_TEST_SUITE_P(
    Formats, PackedMatmulJit,
    ::testing::Combine(::testing::ValuesIn(kShapes),
                       ::testing::Values(ref::PackedFormat::I2S,
                                         ref::PackedFormat::TL1,
                                         ref::PackedFormat::TL2,
                                         ref::PackedFormat::T5,
                                         ref::PackedFormat::TL2R)),
    [](const auto &info) {
      return shapeName(std::get<0>(info.param)) + "_" +
             ref::formatName(std::get<1>(info.param));
    });

//===----------------------------------------------------------------------===//
// bitnet-pack-ternary: constant weights packed at compile time.
//===----------------------------------------------------------------------===//

/// A module with one C-callable @bitlinear(x) whose ternary weights `w`
/// [m, k] and scale are constants.
std::string constantWeightModule(const Shape &s, const std::vector<int8_t> &w,
                                 float gamma, int actBits = 8) {
  std::string weights;
  llvm::raw_string_ostream os(weights);
  os << "[";
  for (int64_t r = 0; r < s.m; ++r) {
    os << (r ? ", [" : "[");
    for (int64_t c = 0; c < s.k; ++c)
      os << (c ? ", " : "") << int(w[r * s.k + c]);
    os << "]";
  }
  os << "]";
  return llvm::formatv(R"mlir(
    func.func @bitlinear(%x: tensor<{0}x{2}xf32>) -> tensor<{0}x{1}xf32>
        attributes {{llvm.emit_c_interface} {
      %w = arith.constant dense<{3}> : tensor<{1}x{2}xi8>
      %g = arith.constant dense<{4}> : tensor<f32>
      %y = bitnet.bitlinear %x, %w, %g act_bits {5} : tensor<{0}x{2}xf32>, tensor<{1}x{2}xi8>, tensor<f32> -> tensor<{0}x{1}xf32>
      return %y : tensor<{0}x{1}xf32>
    }
  )mlir", s.n, s.m, s.k, weights, llvm::formatv("{0:e}", gamma), actBits).str();
}

/// Runs @bitlinear of `compiled` on `x` and compares with the reference.
void checkConstantWeightBitLinear(CompiledModule &compiled, const Shape &s,
                                  std::vector<float> &x,
                                  const std::vector<int8_t> &w, float gamma,
                                  int actBits = 8) {
  std::vector<float> expected(s.n * s.m);
  ref::bitlinear(x.data(), w.data(), gamma, s.n, s.m, s.k, actBits, expected.data());
  auto run = compiled.lookup<void (*)(F32_2D *, F32_2D *)>("bitlinear");
  ASSERT_NE(run, nullptr);
  auto xRef = view<float, 2>(x, {s.n, s.k});
  F32_2D y{};
  run(&y, &xRef);
  expectRelativelyClose(take(y), expected);
}

class PackTernaryJit : public ::testing::TestWithParam<ref::PackedFormat> {};

TEST_P(PackTernaryJit, ConstantWeightsPackedAtCompileTime) {
  ref::PackedFormat format = GetParam();
  const Shape s{5, 77, 200};
  std::mt19937 rng(4242);
  std::vector<float> x = randomActivations(s, rng);
  std::vector<int8_t> w = randomTernary(s.m * s.k, rng);
  float gamma = 0.0371f;

  std::string source = constantWeightModule(s, w, gamma);

  bool packed = false;
  CompiledModule compiled([&](MLIRContext *ctx) {
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, ParserConfig(ctx));
    if (!module)
      return module;
    PassManager pm(ctx);
    pm.addPass(bitnet::createDecomposeBitLinearPass());
    bitnet::PackTernaryPassOptions options;
    options.format = ref::formatName(format);
    pm.addPass(bitnet::createPackTernaryPass(options));
    if (failed(pm.run(*module)))
      return OwningOpRef<ModuleOp>();
    module->walk([&](bitnet::TernaryMatmulOp op) { packed = op.getFormat().has_value(); });
    return module;
  });
  ASSERT_TRUE(compiled.ok()) << compiled.error;
  EXPECT_TRUE(packed);
  checkConstantWeightBitLinear(compiled, s, x, w, gamma);
}

INSTANTIATE_TEST_SUITE_P(Formats, PackTernaryJit,
                         ::testing::Values(ref::PackedFormat::I2S,
                                           ref::PackedFormat::TL1,
                                           ref::PackedFormat::TL2,
                                           ref::PackedFormat::T5,
                                           ref::PackedFormat::TL2R),
                         [](const auto &info) {
                           return std::string(ref::formatName(info.param));
                         });

//===----------------------------------------------------------------------===//
// bitnet-cpu-pipeline: packed weights and the SIMD kernel of each x86 CPU
// kind the host can execute (VNNI, AVX-512BW and AVX2 vpmaddubsw, the
// baseline's portable loops). Row blocks run on OpenMP threads.
//===----------------------------------------------------------------------===//

/// CPUs whose kernels differ: "native" (VNNI on Zen 4/5), skylake-avx512
/// (512-bit vpmaddubsw), x86-64-v3 (AVX2), x86-64 (no kernel).
const char *const kKernelCpus[] = {"native", "skylake-avx512", "x86-64-v3", "x86-64"};

/// Whether the host can run code generated for `mcpu`.
bool hostCanRun(llvm::StringRef mcpu) {
  if (mcpu == "native" || mcpu == "x86-64")
    return true;
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  if (mcpu == "skylake-avx512")
    return host.lookup("avx512bw") && host.lookup("avx512vl") &&
           host.lookup("avx512dq") && host.lookup("avx512cd");
  return host.lookup("avx2") && host.lookup("fma") && host.lookup("bmi2");
}

CompiledModule::PipelineFn cpuPipeline(const std::string &mcpu) {
  return [mcpu](OpPassManager &pm) {
    bitnet::PipelineOptions options;
    options.mcpu = mcpu;
    bitnet::buildBitNetCpuPipeline(pm, options);
  };
}

using CpuCase = std::tuple<Shape, const char *>;

std::string cpuCaseName(const ::testing::TestParamInfo<CpuCase> &info) {
  std::string cpu = std::get<1>(info.param);
  llvm::erase_if(cpu, [](char c) { return c == '-'; });
  return shapeName(std::get<0>(info.param)) + "_" + cpu;
}

class CpuPipelineJit : public ::testing::TestWithParam<CpuCase> {};

TEST_P(CpuPipelineJit, MatchesReference) {
  const Shape s = std::get<0>(GetParam());
  const char *mcpu = std::get<1>(GetParam());
  if (!hostCanRun(mcpu))
    GTEST_SKIP() << "the host cannot run " << mcpu << " code";
  std::mt19937 rng(77 + s.k);
  std::vector<float> x = randomActivations(s, rng);
  std::vector<int8_t> w = randomTernary(s.m * s.k, rng);
  float gamma = 0.0213f;
  CompiledModule compiled(
      [&](MLIRContext *ctx) {
        return parseSourceString<ModuleOp>(constantWeightModule(s, w, gamma),
                                           ParserConfig(ctx));
      },
      cpuPipeline(mcpu));
  ASSERT_TRUE(compiled.ok()) << compiled.error;
  checkConstantWeightBitLinear(compiled, s, x, w, gamma);
}

// K around the chunks of the kernels (64, 128, 256 weights) and the
// 128-weight i2s block; M across row blocks of 16 (77 = 4 x 16 + 13).
// {1, 7, 520}: decode rows of 160 bytes, 5 AVX2 chunks: two cache-line
// steps and one chunk after them. {1, 3, 9000} and {4, 5, 3000}: rows long
// enough that AVX2's i16 accumulators are widened in several groups
// (decode: 71 chunks, groups of 42; prefill: 24 chunks, groups of 10);
// {1, 2, 11000}: 43 chunks of 64 bytes, two decode groups with AVX-512BW.
const Shape kCpuShapes[] = {{1, 77, 200}, {5, 77, 200}, {3, 33, 129},
                            {2, 16, 256}, {1, 8, 512},  {2, 5, 700},
                            {8, 13, 300}, {9, 7, 520},  {1, 7, 520},
                            {1, 3, 9000}, {4, 5, 3000}, {1, 2, 11000},
                            {1, 1, 1}};

// int4 (absmean) activations take the same kernels: their codes are int8
// values in [-8, 7].
TEST_P(CpuPipelineJit, Int4ActivationsMatchReference) {
  const Shape s = std::get<0>(GetParam());
  const char *mcpu = std::get<1>(GetParam());
  if (!hostCanRun(mcpu))
    GTEST_SKIP() << "the host cannot run " << mcpu << " code";
  std::mt19937 rng(44 + s.k);
  std::vector<float> x = randomActivations(s, rng);
  std::vector<int8_t> w = randomTernary(s.m * s.k, rng);
  float gamma = 0.0417f;
  CompiledModule compiled(
      [&](MLIRContext *ctx) {
        return parseSourceString<ModuleOp>(constantWeightModule(s, w, gamma, 4),
                                           ParserConfig(ctx));
      },
      cpuPipeline(mcpu));
  ASSERT_TRUE(compiled.ok()) << compiled.error;
  checkConstantWeightBitLinear(compiled, s, x, w, gamma, 4);
}

// int4 activations into tl2r weights (a tuning file picks the format): the
// lookup kernel's single table per half (|entry| <= 24 needs no nibble
// split) where the CPU has it.
TEST_P(CpuPipelineJit, Int4ActivationsIntoTL2RMatchReference) {
  const Shape s = std::get<0>(GetParam());
  const char *mcpu = std::get<1>(GetParam());
  if (!hostCanRun(mcpu))
    GTEST_SKIP() << "the host cannot run " << mcpu << " code";
  llvm::SmallString<128> tuningPath;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("tl2r", "json", tuningPath));
  llvm::FileRemover removeTuning(tuningPath);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tuningPath, ec);
    ASSERT_FALSE(ec);
    os << llvm::formatv(R"({{"ternary_matmul": [{{"m": {0}, "k": {1}, "format": "tl2r"}]})", s.m,
                        s.k);
  }
  std::mt19937 rng(45 + s.k);
  std::vector<float> x = randomActivations(s, rng);
  std::vector<int8_t> w = randomTernary(s.m * s.k, rng);
  float gamma = 0.0417f;
  std::string tuningFile = tuningPath.str().str();
  CompiledModule compiled(
      [&](MLIRContext *ctx) {
        return parseSourceString<ModuleOp>(constantWeightModule(s, w, gamma, 4),
                                           ParserConfig(ctx));
      },
      [&](OpPassManager &pm) {
        bitnet::PipelineOptions options;
        options.mcpu = mcpu;
        options.tuningFile = tuningFile;
        bitnet::buildBitNetCpuPipeline(pm, options);
      });
  ASSERT_TRUE(compiled.ok()) << compiled.error;
  checkConstantWeightBitLinear(compiled, s, x, w, gamma, 4);
}

INSTANTIATE_TEST_SUITE_P(Shapes, CpuPipelineJit,
                         ::testing::Combine(::testing::ValuesIn(kCpuShapes),
                                            ::testing::ValuesIn(kKernelCpus)),
                         cpuCaseName);

// The kernels on i2s weights: i32 accumulators bit-exact, tiles, row blocks
// and remainders included.
class CpuKernelMatmulJit : public ::testing::TestWithParam<CpuCase> {};

TEST_P(CpuKernelMatmulJit, AccumulatorsMatchReference) {
  auto [s, mcpu] = GetParam();
  if (!hostCanRun(mcpu))
    GTEST_SKIP() << "the host cannot run " << mcpu << " code";
  checkPackedMatmul(s, ref::PackedFormat::I2S, cpuPipeline(mcpu));
}

// The largest products everywhere: exact only if no i16 accumulator takes
// more of them than it can hold.
TEST_P(CpuKernelMatmulJit, ExtremeCodesMatchReference) {
  auto [s, mcpu] = GetParam();
  if (!hostCanRun(mcpu))
    GTEST_SKIP() << "the host cannot run " << mcpu << " code";
  checkPackedMatmul(s, ref::PackedFormat::I2S, cpuPipeline(mcpu), Fill::Extreme);
  checkPackedMatmul(s, ref::PackedFormat::I2S, cpuPipeline(mcpu), Fill::AllCodesThree);
}

// The same kernels on t5 weights (five code planes per byte, decoded with
// byte adds or, with AVX-512 VBMI, a table lookup).
TEST_P(CpuKernelMatmulJit, T5AccumulatorsMatchReference) {
  auto [s, mcpu] = GetParam();
  if (!hostCanRun(mcpu))
    GTEST_SKIP() << "the host cannot run " << mcpu << " code";
  checkPackedMatmul(s, ref::PackedFormat::T5, cpuPipeline(mcpu));
  checkPackedMatmul(s, ref::PackedFormat::T5, cpuPipeline(mcpu), Fill::Extreme);
}

// tl2r: the lookup-table kernel where the CPU has AVX-512 VBMI (tables of
// activation partial sums, 16 rows per tile, a short last tile), the
// portable loops elsewhere (skylake-avx512 has no VBMI: only a `native`
// host with VBMI runs the kernel here; FileCheck and qemu tests cover the
// IR and the AArch64 form everywhere).
TEST_P(CpuKernelMatmulJit, TL2RAccumulatorsMatchReference) {
  auto [s, mcpu] = GetParam();
  if (!hostCanRun(mcpu))
    GTEST_SKIP() << "the host cannot run " << mcpu << " code";
  checkPackedMatmul(s, ref::PackedFormat::TL2R, cpuPipeline(mcpu));
  checkPackedMatmul(s, ref::PackedFormat::TL2R, cpuPipeline(mcpu), Fill::Extreme);
}

INSTANTIATE_TEST_SUITE_P(Shapes, CpuKernelMatmulJit,
                         ::testing::Combine(::testing::ValuesIn(kCpuShapes),
                                            ::testing::ValuesIn(kKernelCpus)),
                         cpuCaseName);

//===----------------------------------------------------------------------===//
// topk_sparsify
//===----------------------------------------------------------------------===//

TEST(TopKSparsifyJit, MatchesReference) {
  const int64_t rows = 3, cols = 50;
  const double fraction = 0.5;
  std::string source = llvm::formatv(R"mlir(
    func.func @topk(%x: tensor<{0}x{1}xf32>) -> tensor<{0}x{1}xf32>
        attributes {{llvm.emit_c_interface} {
      %y = bitnet.topk_sparsify %x fraction {2} : tensor<{0}x{1}xf32>
      return %y : tensor<{0}x{1}xf32>
    }
  )mlir", rows, cols, fraction).str();
  CompiledModule compiled(source);
  ASSERT_TRUE(compiled.ok()) << compiled.error;

  // Values on a coarse grid so that ties in magnitude are frequent.
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> grid(-6, 6);
  std::vector<float> x(rows * cols);
  for (float &v : x)
    v = 0.5f * grid(rng);
  std::vector<float> expected(x.size());
  ref::topkSparsify(x.data(), rows, cols, fraction, expected.data());

  auto topk = compiled.lookup<void (*)(F32_2D *, F32_2D *)>("topk");
  ASSERT_NE(topk, nullptr);
  auto xRef = view<float, 2>(x, {rows, cols});
  F32_2D result{};
  topk(&result, &xRef);
  EXPECT_EQ(take(result), expected);
}

} // namespace
