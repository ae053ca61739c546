//===- RmsNormQuantizeJitTest.cpp - fused RMSNorm + quantize vs numpy -===//
//
// python/tests/make_numpy_cases.py computes bitnet.rms_norm_quantize with
// numpy (python/bitnet_mlir/reference.py). Here one module per case holds
//
//   @fused_*    the op itself,
//   @unfused_*  an RMSNorm in the form the ONNX importer emits (tosa.pow,
//               tosa.reduce_sum, divisions and sqrt as linalg.generic)
//               followed by bitnet.quantize,
//
// compiled through `bitnet-to-llvm` with and without
// `bitnet-quantize-activations` in front. The op, and the unfused functions
// once the pass has fused them, give numpy's codes, sums and scales
// bit-exactly, as does the C++ reference. The unfused path sums the squares
// in float32 (TOSA's reduce_sum) instead of float64, so its scales may
// differ in the last bits and a code by one step (docs/numerics.md).
//
//===----------------------------------------------------------------------===//

#include "JitTestUtils.h"
#include "Npy.h"

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"
#include "bitnet/Reference/Reference.h"

#include <cstdlib>
#include <fstream>

using namespace bitnet_test;
namespace ref = mlir::bitnet::ref;

namespace {

struct RmsNormCase {
  std::string name;
  int64_t n = 0, k = 0;
  int bits = 8;
  double epsilon = 0;
  int reciprocal = 0; // reciprocal_scale: s = (1 / m) * 127
};

std::vector<RmsNormCase> loadCases() {
  std::vector<RmsNormCase> cases;
  std::ifstream list(std::string(BITNET_NUMPY_CASES_DIR) +
                     "/rms_norm_cases.txt");
  RmsNormCase c;
  while (list >> c.name >> c.n >> c.k >> c.bits >> c.epsilon >> c.reciprocal)
    cases.push_back(c);
  return cases;
}

template <typename T> NpyArray<T> load(const RmsNormCase &c, const char *key) {
  NpyArray<T> array;
  std::string error;
  std::string path =
      std::string(BITNET_NUMPY_CASES_DIR) + "/" + c.name + "." + key + ".npy";
  EXPECT_TRUE(readNpy(path, array, error)) << error;
  return array;
}

/// `@fused_{codes,scales,sums}` and `@unfused_{codes,scales}` for a case;
/// each function returns one result (C interfaces with one result stay
/// simple).
std::string moduleSource(const RmsNormCase &c) {
  std::string eps = llvm::formatv("{0:e16}", c.epsilon).str();
  // The norm as imported: x * (1 / sqrt(sum(x^2) / K + eps)) * gamma.
  std::string norm = llvm::formatv(R"mlir(
      %two = arith.constant dense<2.0> : tensor<1x1xf32>
      %k = arith.constant dense<{1}.0> : tensor<f32>
      %eps = arith.constant dense<{3}> : tensor<1x1xf32>
      %one = arith.constant dense<1.0> : tensor<f32>
      %shift = "tosa.const"() <{{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
      %shape = tosa.const_shape {{values = dense<[1, {1}]> : tensor<2xindex>} : () -> !tosa.shape<2>
      %g2 = tosa.reshape %g, %shape : (tensor<{1}xf32>, !tosa.shape<2>) -> tensor<1x{1}xf32>
      %sq = tosa.pow %x, %two : (tensor<{0}x{1}xf32>, tensor<1x1xf32>) -> tensor<{0}x{1}xf32>
      %sum = tosa.reduce_sum %sq {{axis = 1 : i32} : (tensor<{0}x{1}xf32>) -> tensor<{0}x1xf32>
      %e0 = tensor.empty() : tensor<{0}x1xf32>
      %mean = linalg.generic {{indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel", "parallel"]}
          ins(%sum, %k : tensor<{0}x1xf32>, tensor<f32>) outs(%e0 : tensor<{0}x1xf32>) {{
      ^bb0(%in: f32, %in_k: f32, %out: f32):
        %d = arith.divf %in, %in_k : f32
        linalg.yield %d : f32
      } -> tensor<{0}x1xf32>
      %shifted = tosa.add %mean, %eps : (tensor<{0}x1xf32>, tensor<1x1xf32>) -> tensor<{0}x1xf32>
      %e1 = tensor.empty() : tensor<{0}x1xf32>
      %root = linalg.generic {{indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%shifted : tensor<{0}x1xf32>) outs(%e1 : tensor<{0}x1xf32>) {{
      ^bb0(%in: f32, %out: f32):
        %s = math.sqrt %in : f32
        linalg.yield %s : f32
      } -> tensor<{0}x1xf32>
      %e2 = tensor.empty() : tensor<{0}x1xf32>
      %r = linalg.generic {{indexing_maps = [#scalar, #id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%one, %root : tensor<f32>, tensor<{0}x1xf32>) outs(%e2 : tensor<{0}x1xf32>) {{
      ^bb0(%in_one: f32, %in: f32, %out: f32):
        %d = arith.divf %in_one, %in : f32
        linalg.yield %d : f32
      } -> tensor<{0}x1xf32>
      %normed = tosa.mul %x, %r, %shift : (tensor<{0}x{1}xf32>, tensor<{0}x1xf32>, tensor<1xi8>) -> tensor<{0}x{1}xf32>
      %y = tosa.mul %normed, %g2, %shift : (tensor<{0}x{1}xf32>, tensor<1x{1}xf32>, tensor<1xi8>) -> tensor<{0}x{1}xf32>
  )mlir", c.n, c.k, c.bits, eps).str();
  return llvm::formatv(R"mlir(
    #id = affine_map<(d0, d1) -> (d0, d1)>
    #scalar = affine_map<(d0, d1) -> ()>
    func.func @unfused_codes(%x: tensor<{0}x{1}xf32>, %g: tensor<{1}xf32>) -> tensor<{0}x{1}xi8> attributes {{llvm.emit_c_interface} {
      {4}
      %q, %s = bitnet.quantize %y bits {2}{5} : tensor<{0}x{1}xf32> -> tensor<{0}x{1}xi8>, tensor<{0}xf32>
      return %q : tensor<{0}x{1}xi8>
    }
    func.func @unfused_scales(%x: tensor<{0}x{1}xf32>, %g: tensor<{1}xf32>) -> tensor<{0}xf32> attributes {{llvm.emit_c_interface} {
      {4}
      %q, %s = bitnet.quantize %y bits {2}{5} : tensor<{0}x{1}xf32> -> tensor<{0}x{1}xi8>, tensor<{0}xf32>
      return %s : tensor<{0}xf32>
    }
    func.func @fused_codes(%x: tensor<{0}x{1}xf32>, %g: tensor<{1}xf32>) -> tensor<{0}x{1}xi8> attributes {{llvm.emit_c_interface} {
      %q, %s, %sums = bitnet.rms_norm_quantize %x, %g epsilon {3} bits {2}{5} : tensor<{0}x{1}xf32>, tensor<{1}xf32> -> tensor<{0}x{1}xi8>, tensor<{0}xf32>, tensor<{0}xi32>
      return %q : tensor<{0}x{1}xi8>
    }
    func.func @fused_scales(%x: tensor<{0}x{1}xf32>, %g: tensor<{1}xf32>) -> tensor<{0}xf32> attributes {{llvm.emit_c_interface} {
      %q, %s, %sums = bitnet.rms_norm_quantize %x, %g epsilon {3} bits {2}{5} : tensor<{0}x{1}xf32>, tensor<{1}xf32> -> tensor<{0}x{1}xi8>, tensor<{0}xf32>, tensor<{0}xi32>
      return %s : tensor<{0}xf32>
    }
    func.func @fused_sums(%x: tensor<{0}x{1}xf32>, %g: tensor<{1}xf32>) -> tensor<{0}xi32> attributes {{llvm.emit_c_interface} {
      %q, %s, %sums = bitnet.rms_norm_quantize %x, %g epsilon {3} bits {2}{5} : tensor<{0}x{1}xf32>, tensor<{1}xf32> -> tensor<{0}x{1}xi8>, tensor<{0}xf32>, tensor<{0}xi32>
      return %sums : tensor<{0}xi32>
    }
  )mlir", c.n, c.k, c.bits, eps, norm,
                       c.reciprocal ? " reciprocal_scale" : "").str();
}

template <typename T> std::vector<T> take1D(StridedMemRefType<T, 1> &result) {
  std::vector<T> out(result.sizes[0]);
  for (int64_t i = 0; i < result.sizes[0]; ++i)
    out[i] = result.data[result.offset + i * result.strides[0]];
  std::free(result.basePtr);
  return out;
}

using F32_1D = StridedMemRefType<float, 1>;
using I32_1D = StridedMemRefType<int32_t, 1>;
using CodesFn = void (*)(I8_2D *, F32_2D *, F32_1D *);
using ScalesFn = void (*)(F32_1D *, F32_2D *, F32_1D *);
using SumsFn = void (*)(I32_1D *, F32_2D *, F32_1D *);

/// Results of one compiled module on one case.
struct Outputs {
  std::vector<int8_t> codes;
  std::vector<float> scales;
};

Outputs run(CompiledModule &compiled, const std::string &prefix,
            std::vector<float> &x, std::vector<float> &gamma,
            const RmsNormCase &c) {
  auto xRef = view<float, 2>(x, {c.n, c.k});
  auto gammaRef = view<float, 1>(gamma, {c.k});
  Outputs out;
  I8_2D codes{};
  compiled.lookup<CodesFn>(prefix + "_codes")(&codes, &xRef, &gammaRef);
  out.codes = take(codes);
  F32_1D scales{};
  compiled.lookup<ScalesFn>(prefix + "_scales")(&scales, &xRef, &gammaRef);
  out.scales = take1D(scales);
  return out;
}

TEST(RmsNormQuantizeJit, FusedMatchesNumpyAndUnfusedPath) {
  std::vector<RmsNormCase> cases = loadCases();
  ASSERT_FALSE(cases.empty())
      << "no cases in " << BITNET_NUMPY_CASES_DIR
      << "/rms_norm_cases.txt; the numpy-cases test fixture generates them";
  for (const RmsNormCase &c : cases) {
    SCOPED_TRACE(c.name);
    auto x = load<float>(c, "x");
    auto gamma = load<float>(c, "gamma");
    auto q = load<int8_t>(c, "q");
    auto s = load<float>(c, "s");
    auto sums = load<int32_t>(c, "sums");
    ASSERT_EQ(x.shape, (std::vector<int64_t>{c.n, c.k}));

    std::string source = moduleSource(c);
    CompiledModule plain(source);
    ASSERT_TRUE(plain.ok()) << plain.error;
    int64_t fusedOps = 0;
    CompiledModule withPass([&](MLIRContext *ctx) {
      auto module = parseSourceString<ModuleOp>(source, ParserConfig(ctx));
      PassManager pm(ctx);
      pm.addPass(mlir::bitnet::createQuantizeActivationsPass());
      if (!module || failed(pm.run(*module)))
        return OwningOpRef<ModuleOp>();
      module->walk([&](mlir::bitnet::RmsNormQuantizeOp) { ++fusedOps; });
      return module;
    });
    ASSERT_TRUE(withPass.ok()) << withPass.error;
    EXPECT_EQ(fusedOps, 5) << "3 written fused, 2 fused by the pass";

    // The op, bit-exact with numpy.
    Outputs fused = run(plain, "fused", x.data, gamma.data, c);
    EXPECT_EQ(fused.codes, q.data);
    EXPECT_EQ(fused.scales, s.data);
    auto xRef = view<float, 2>(x.data, {c.n, c.k});
    auto gammaRef = view<float, 1>(gamma.data, {c.k});
    I32_1D sumsResult{};
    plain.lookup<SumsFn>("fused_sums")(&sumsResult, &xRef, &gammaRef);
    EXPECT_EQ(take1D(sumsResult), sums.data);

    // The imported norm + quantize, fused by the pass: the same.
    Outputs passFused = run(withPass, "unfused", x.data, gamma.data, c);
    EXPECT_EQ(passFused.codes, q.data);
    EXPECT_EQ(passFused.scales, s.data);

    // The C++ reference: the same.
    std::vector<int8_t> refCodes(c.n * c.k);
    std::vector<float> refScales(c.n);
    std::vector<int32_t> refSums(c.n);
    ref::rmsNormQuantize(c.bits, x.data.data(), gamma.data.data(),
                         static_cast<float>(c.epsilon), c.n, c.k,
                         refCodes.data(), refScales.data(), refSums.data(),
                         c.reciprocal != 0);
    EXPECT_EQ(refCodes, q.data);
    EXPECT_EQ(refScales, s.data);
    EXPECT_EQ(refSums, sums.data);

    // Without the pass: a float32 sum of squares. Scales agree to float
    // rounding, codes to one step.
    Outputs unfused = run(plain, "unfused", x.data, gamma.data, c);
    expectRelativelyClose(unfused.scales, s.data, 1e-5f);
    int64_t differingScales = 0, differing = 0;
    for (size_t i = 0; i < unfused.scales.size(); ++i)
      differingScales += unfused.scales[i] != s.data[i];
    for (size_t i = 0; i < unfused.codes.size(); ++i) {
      int diff = std::abs(int(unfused.codes[i]) - int(q.data[i]));
      ASSERT_LE(diff, 1) << "element " << i;
      differing += diff;
    }
    std::cout << c.name << ": the unfused path differs in " << differingScales
              << " of " << c.n << " scales (float rounding) and " << differing
              << " of " << unfused.codes.size() << " codes (by one step)\n";
  }
}

} // namespace
