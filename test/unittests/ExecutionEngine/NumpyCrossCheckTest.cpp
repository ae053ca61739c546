//===- NumpyCrossCheckTest.cpp - compiled code vs an independent numpy oracle ---===//
//
// python/tests/make_numpy_cases.py computes BitLinear layers with numpy
// (python/bitnet_mlir/reference.py, written from docs/numerics.md and not
// from the C++ code). Here the same layers are compiled through
// `bitnet-to-llvm`, executed, and compared with numpy's results, as is the
// C++ reference library: i32 accumulators bit-exactly, floats within 1e-6
// relative.
//
//===----------------------------------------------------------------------===//

#include "JitTestUtils.h"
#include "Npy.h"

#include "bitnet/Reference/Reference.h"

#include <fstream>

using namespace bitnet_test;
namespace ref = mlir::bitnet::ref;

namespace {

struct NumpyCase {
  std::string name;
  int64_t n = 0, m = 0, k = 0;
  int bits = 8;
};

std::vector<NumpyCase> loadCases() {
  std::vector<NumpyCase> cases;
  std::ifstream list(std::string(BITNET_NUMPY_CASES_DIR) + "/cases.txt");
  NumpyCase c;
  while (list >> c.name >> c.n >> c.m >> c.k >> c.bits)
    cases.push_back(c);
  return cases;
}

template <typename T> NpyArray<T> load(const NumpyCase &c, const char *key) {
  NpyArray<T> array;
  std::string error;
  std::string path =
      std::string(BITNET_NUMPY_CASES_DIR) + "/" + c.name + "." + key + ".npy";
  EXPECT_TRUE(readNpy(path, array, error)) << error;
  return array;
}

TEST(NumpyCrossCheck, CompiledAndReferenceMatchNumpy) {
  std::vector<NumpyCase> cases = loadCases();
  ASSERT_FALSE(cases.empty())
      << "no cases in " << BITNET_NUMPY_CASES_DIR
      << "/cases.txt; the numpy-cases test fixture generates them";
  for (const NumpyCase &c : cases) {
    SCOPED_TRACE(c.name);
    auto x = load<float>(c, "x");
    auto w = load<int8_t>(c, "w");
    auto gamma = load<float>(c, "gamma");
    auto wf = load<float>(c, "wf");
    auto acc = load<int32_t>(c, "acc");
    auto y = load<float>(c, "y");
    auto yf = load<float>(c, "yf");
    ASSERT_EQ(x.shape, (std::vector<int64_t>{c.n, c.k}));
    ASSERT_EQ(w.shape, (std::vector<int64_t>{c.m, c.k}));
    ASSERT_EQ(gamma.data.size(), 1u);

    CompiledModule compiled(bitLinearModuleSource(c.n, c.m, c.k, c.bits));
    ASSERT_TRUE(compiled.ok()) << compiled.error;
    auto xRef = view<float, 2>(x.data, {c.n, c.k});
    auto wRef = view<int8_t, 2>(w.data, {c.m, c.k});
    auto wfRef = view<float, 2>(wf.data, {c.m, c.k});
    auto gammaRef = viewScalar(gamma.data[0]);

    Acc2D accResult{};
    compiled.lookup<AccumulateFn>("accumulate")(&accResult, &xRef, &wRef);
    EXPECT_EQ(take(accResult), acc.data);
    F32_2D yResult{};
    compiled.lookup<BitLinearFn>("bitlinear")(&yResult, &xRef, &wRef, &gammaRef);
    expectRelativelyClose(take(yResult), y.data);
    F32_2D yfResult{};
    compiled.lookup<BitLinearFloatFn>("bitlinear_float")(&yfResult, &xRef,
                                                          &wfRef);
    expectRelativelyClose(take(yfResult), yf.data);

    // The C++ oracle agrees with numpy too.
    std::vector<float> refY(c.n * c.m);
    ref::bitlinear(x.data.data(), w.data.data(), gamma.data[0], c.n, c.m, c.k,
                   c.bits, refY.data());
    expectRelativelyClose(refY, y.data);
  }
}

} // namespace
