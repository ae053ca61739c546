//===- FloatMatmulJitTest.cpp - float contraction kernels, executed ------===//
//
// The float matrix products of bitnet-cpu-pipeline
// (bitnet-tile-float-contractions: register tiles, thread pieces, edges
// split off, masked last vector of k) against a binary64 reference, for the
// forms a decoder has: C = A x B per head (attention), C = A x E^T on a
// [vocab x hidden] table (lm_head; one row: decode), and an accumulating
// product that reads C.
//
//===----------------------------------------------------------------------===//

#include "JitTestUtils.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include <random>
#include <tuple>

using namespace mlir;
using namespace bitnet_test;

namespace {

using F32_3D = StridedMemRefType<float, 3>;

struct Dims {
  int64_t b, m, n, k;
};

std::string dimsName(const Dims &d) {
  return llvm::formatv("b{0}_m{1}_n{2}_k{3}", d.b, d.m, d.n, d.k).str();
}

/// @nn(a [b,m,k], b [b,k,n]) -> [b,m,n]: batch_matmul on a zero fill.
/// @nt(a [1,m,k], e [n,k]) -> [1,m,n]: a generic with E read transposed.
/// @acc(a [b,m,k], b [b,k,n], c [b,m,n]) -> c + a x b.
std::string moduleSource(const Dims &d) {
  return llvm::formatv(R"mlir(
    #a = affine_map<(b, m, n, k) -> (b, m, k)>
    #e = affine_map<(b, m, n, k) -> (n, k)>
    #c = affine_map<(b, m, n, k) -> (b, m, n)>
    func.func @nn(%a: tensor<{0}x{1}x{3}xf32>, %b: tensor<{0}x{3}x{2}xf32>)
        -> tensor<{0}x{1}x{2}xf32> attributes {{llvm.emit_c_interface} {
      %zero = arith.constant 0.0 : f32
      %empty = tensor.empty() : tensor<{0}x{1}x{2}xf32>
      %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<{0}x{1}x{2}xf32>) -> tensor<{0}x{1}x{2}xf32>
      %r = linalg.batch_matmul ins(%a, %b : tensor<{0}x{1}x{3}xf32>, tensor<{0}x{3}x{2}xf32>)
                               outs(%fill : tensor<{0}x{1}x{2}xf32>) -> tensor<{0}x{1}x{2}xf32>
      return %r : tensor<{0}x{1}x{2}xf32>
    }
    func.func @nt(%a: tensor<1x{1}x{3}xf32>, %e: tensor<{2}x{3}xf32>)
        -> tensor<1x{1}x{2}xf32> attributes {{llvm.emit_c_interface} {
      %zero = arith.constant 0.0 : f32
      %empty = tensor.empty() : tensor<1x{1}x{2}xf32>
      %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x{1}x{2}xf32>) -> tensor<1x{1}x{2}xf32>
      %r = linalg.generic {{indexing_maps = [#a, #e, #c],
                            iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
          ins(%a, %e : tensor<1x{1}x{3}xf32>, tensor<{2}x{3}xf32>) outs(%fill : tensor<1x{1}x{2}xf32>) {{
      ^bb0(%x: f32, %y: f32, %o: f32):
        %p = arith.mulf %x, %y : f32
        %s = arith.addf %o, %p : f32
        linalg.yield %s : f32
      } -> tensor<1x{1}x{2}xf32>
      return %r : tensor<1x{1}x{2}xf32>
    }
    func.func @acc(%a: tensor<{0}x{1}x{3}xf32>, %b: tensor<{0}x{3}x{2}xf32>, %c: tensor<{0}x{1}x{2}xf32>)
        -> tensor<{0}x{1}x{2}xf32> attributes {{llvm.emit_c_interface} {
      %r = linalg.batch_matmul ins(%a, %b : tensor<{0}x{1}x{3}xf32>, tensor<{0}x{3}x{2}xf32>)
                               outs(%c : tensor<{0}x{1}x{2}xf32>) -> tensor<{0}x{1}x{2}xf32>
      return %r : tensor<{0}x{1}x{2}xf32>
    }
  )mlir", d.b, d.m, d.n, d.k).str();
}

std::vector<float> random(int64_t size, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(size);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// Copies a 3-D result that the compiled code allocated, then frees it.
std::vector<float> take3(F32_3D &r) {
  std::vector<float> out;
  for (int64_t i = 0; i < r.sizes[0]; ++i)
    for (int64_t j = 0; j < r.sizes[1]; ++j)
      for (int64_t l = 0; l < r.sizes[2]; ++l)
        out.push_back(r.data[r.offset + i * r.strides[0] + j * r.strides[1] +
                             l * r.strides[2]]);
  std::free(r.basePtr);
  return out;
}

/// Every element within the summation-order bound of docs/numerics.md
/// (generously: 1e-5 of the sum of |products|, K up to a few hundred).
void expectClose(const std::vector<float> &actual, const std::vector<double> &expected,
                 const std::vector<double> &magnitude) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_LE(std::fabs(actual[i] - expected[i]), 1e-5 * magnitude[i] + 1e-30)
        << "element " << i << ": " << actual[i] << " vs " << expected[i];
}

bool hostCanRunCpu(llvm::StringRef mcpu) {
  if (mcpu == "native" || mcpu == "x86-64")
    return true;
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  return host.lookup("avx2") && host.lookup("fma") && host.lookup("bmi2");
}

using Case = std::tuple<Dims, const char *>;

class FloatMatmulJit : public ::testing::TestWithParam<Case> {};

TEST_P(FloatMatmulJit, MatchesReference) {
  const Dims d = std::get<0>(GetParam());
  const char *mcpu = std::get<1>(GetParam());
  if (!hostCanRunCpu(mcpu))
    GTEST_SKIP() << "the host cannot run " << mcpu << " code";
  std::string source = moduleSource(d);
  std::string cpu = mcpu;
  CompiledModule compiled(
      [&](MLIRContext *ctx) {
        return parseSourceString<ModuleOp>(source, ParserConfig(ctx));
      },
      [cpu](OpPassManager &pm) {
        bitnet::PipelineOptions options;
        options.mcpu = cpu;
        bitnet::buildBitNetCpuPipeline(pm, options);
      });
  ASSERT_TRUE(compiled.ok()) << compiled.error;

  std::mt19937 rng(11 + d.m * 7 + d.n * 13 + d.k);
  std::vector<float> a = random(d.b * d.m * d.k, rng);
  std::vector<float> b = random(d.b * d.k * d.n, rng);
  std::vector<float> c = random(d.b * d.m * d.n, rng);
  auto aRef = view<float, 3>(a, {d.b, d.m, d.k});
  auto bRef = view<float, 3>(b, {d.b, d.k, d.n});
  auto cRef = view<float, 3>(c, {d.b, d.m, d.n});

  // Reference: C[b, m, n] = init + sum_k A[b, m, k] * B[b, k, n].
  auto reference = [&](bool withInit, std::vector<double> &sum,
                       std::vector<double> &magnitude) {
    sum.assign(d.b * d.m * d.n, 0.0);
    magnitude.assign(d.b * d.m * d.n, 0.0);
    for (int64_t h = 0; h < d.b; ++h)
      for (int64_t i = 0; i < d.m; ++i)
        for (int64_t j = 0; j < d.n; ++j) {
          int64_t o = (h * d.m + i) * d.n + j;
          double s = withInit ? c[o] : 0.0, mag = withInit ? std::fabs(c[o]) : 0.0;
          for (int64_t l = 0; l < d.k; ++l) {
            double p = double(a[(h * d.m + i) * d.k + l]) * b[(h * d.k + l) * d.n + j];
            s += p;
            mag += std::fabs(p);
          }
          sum[o] = s;
          magnitude[o] = mag;
        }
  };
  std::vector<double> expected, magnitude;

  auto nn = compiled.lookup<void (*)(F32_3D *, F32_3D *, F32_3D *)>("nn");
  ASSERT_TRUE(nn);
  F32_3D out{};
  nn(&out, &aRef, &bRef);
  SCOPED_TRACE("nn");
  reference(false, expected, magnitude);
  expectClose(take3(out), expected, magnitude);

  // (The compiled code may update C in place: the reference comes first.)
  auto acc = compiled.lookup<void (*)(F32_3D *, F32_3D *, F32_3D *, F32_3D *)>("acc");
  ASSERT_TRUE(acc);
  reference(true, expected, magnitude);
  acc(&out, &aRef, &bRef, &cRef);
  SCOPED_TRACE("acc");
  expectClose(take3(out), expected, magnitude);

  if (d.b != 1)
    return;
  // The same product with B stored as a [n x k] table.
  std::vector<float> e(d.n * d.k);
  for (int64_t j = 0; j < d.n; ++j)
    for (int64_t l = 0; l < d.k; ++l)
      e[j * d.k + l] = b[l * d.n + j];
  auto eRef = view<float, 2>(e, {d.n, d.k});
  auto nt = compiled.lookup<void (*)(F32_3D *, F32_3D *, F32_2D *)>("nt");
  ASSERT_TRUE(nt);
  nt(&out, &aRef, &eRef);
  SCOPED_TRACE("nt");
  reference(false, expected, magnitude);
  expectClose(take3(out), expected, magnitude);
}

// m around the register tiles (4 or 2 rows; 1 = decode), n around the
// tiles (5 or 4 table rows, 8 for one row; vectors of 16 or 8 columns) and
// the thread pieces, k around the vector width (masked last step); k =
// 1040 with several row tiles: blocks of k (the first from the fill, the
// others adding to C).
const Dims kDims[] = {{1, 1, 42, 20},  {1, 1, 1, 1},     {1, 7, 20, 20},
                      {1, 8, 42, 64},  {1, 128, 37, 96}, {1, 5, 133, 300},
                      {1, 3, 16, 17},  {4, 16, 24, 33},  {3, 9, 64, 8},
                      {1, 9, 45, 1040}};
const char *const kCpus[] = {"native", "x86-64-v3", "x86-64"};

INSTANTIATE_TEST_SUITE_P(
    Shapes, FloatMatmulJit,
    ::testing::Combine(::testing::ValuesIn(kDims), ::testing::ValuesIn(kCpus)),
    [](const ::testing::TestParamInfo<Case> &info) {
      std::string cpu = std::get<1>(info.param);
      llvm::erase_if(cpu, [](char c) { return c == '-'; });
      return dimsName(std::get<0>(info.param)) + "_" + cpu;
    });

} // namespace
