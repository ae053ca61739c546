//===- harness.cpp - run cross-compiled ternary_matmul under qemu ---------===//
//
// Built by run_qemu_test.py with aarch64-linux-gnu-g++ together with the
// reference library and the object file our compiler made for one -mcpu.
// `cases.inc` (generated next to the object) lists the compiled functions
// as CASE(name, N, M, K, FORMAT); each must reproduce ref::ternaryMatmul on
// weights packed in ref::PackedFormat::FORMAT bit-exactly. `bitlinear.inc` holds the constant weights of
// @bitlinear, which must reproduce ref::bitlinear (float, also bit-exact).
// Exits non-zero on any difference.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Reference/Reference.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <random>
#include <vector>

namespace ref = mlir::bitnet::ref;

namespace {

/// MLIR's descriptor of a rank-2 memref (CRunnerUtils.h's StridedMemRefType,
/// restated so the cross build needs no MLIR headers).
template <typename T> struct MemRef2D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
};

using MatmulFn = void (*)(MemRef2D<int32_t> *, MemRef2D<int8_t> *,
                          MemRef2D<int8_t> *);

template <typename T> MemRef2D<T> view(std::vector<T> &v, int64_t rows,
                                       int64_t cols) {
  return {v.data(), v.data(), 0, {rows, cols}, {cols, 1}};
}

} // namespace

// The C interface (`llvm.emit_c_interface`) of each compiled function:
// result descriptor first, then the arguments.
#define CASE(name, n, m, k, format)                                            \
  extern "C" void _mlir_ciface_##name(MemRef2D<int32_t> *, MemRef2D<int8_t> *, \
                                      MemRef2D<int8_t> *);
#include "cases.inc"
#undef CASE
extern "C" void _mlir_ciface_bitlinear(MemRef2D<float> *, MemRef2D<float> *);
#include "bitlinear.inc"

namespace {

struct Case {
  const char *name;
  int64_t n, m, k;
  ref::PackedFormat format;
  MatmulFn fn;
};

const Case kCases[] = {
#define CASE(name, n, m, k, format)                                            \
  {#name, n, m, k, ref::PackedFormat::format, _mlir_ciface_##name},
#include "cases.inc"
#undef CASE
};

/// Runs one case. Activations: round 0 uniform int8, round 1 only -128 and
/// 127 (largest sums; a kernel that negates -128 in int8 overflows).
/// Returns the number of mismatching outputs.
int runCase(const Case &c, int round) {
  std::mt19937 rng(1234 + 7 * c.k + 131 * c.m + round);
  std::vector<int8_t> q(c.n * c.k);
  std::uniform_int_distribution<int> uniform(-128, 127);
  for (int8_t &v : q)
    v = static_cast<int8_t>(round == 0 ? uniform(rng)
                                       : (rng() & 1 ? 127 : -128));
  // Random ternary weights; rows 0 and 1 all +1 and all -1 (extreme sums).
  std::vector<int8_t> w(c.m * c.k);
  std::uniform_int_distribution<int> ternary(-1, 1);
  for (int64_t i = 0; i < c.m * c.k; ++i)
    w[i] = i < c.k ? 1 : i < 2 * c.k ? -1 : static_cast<int8_t>(ternary(rng));

  int64_t rowBytes = ref::packedRowBytes(c.format, c.k);
  std::vector<int8_t> packed(c.m * rowBytes);
  ref::pack(c.format, w.data(), c.m, c.k, reinterpret_cast<uint8_t *>(packed.data()));
  std::vector<int32_t> expected(c.n * c.m);
  ref::ternaryMatmul(q.data(), w.data(), c.n, c.m, c.k, expected.data());

  MemRef2D<int8_t> qRef = view(q, c.n, c.k), pRef = view(packed, c.m, rowBytes);
  MemRef2D<int32_t> out{};
  c.fn(&out, &qRef, &pRef);
  if (out.sizes[0] != c.n || out.sizes[1] != c.m) {
    std::printf("%s round %d: result is %lldx%lld\n", c.name, round,
                (long long)out.sizes[0], (long long)out.sizes[1]);
    return 1;
  }
  int bad = 0;
  for (int64_t i = 0; i < c.n; ++i)
    for (int64_t j = 0; j < c.m; ++j) {
      int32_t got = out.aligned[out.offset + i * out.strides[0] +
                                j * out.strides[1]];
      if (got != expected[i * c.m + j] && ++bad <= 8)
        std::printf("%s round %d: out[%lld][%lld] = %d, expected %d\n", c.name,
                    round, (long long)i, (long long)j, got,
                    expected[i * c.m + j]);
    }
  std::free(out.allocated); // the generated code allocates with malloc
  return bad;
}

/// @bitlinear on normal activations with one outlier per token, the second
/// token all zeros. Returns the number of outputs that differ in any bit.
int runBitLinear() {
  const int64_t n = kBitLinearShape[0], m = kBitLinearShape[1],
                k = kBitLinearShape[2];
  std::mt19937 rng(99);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(n * k);
  for (int64_t i = 0; i < n * k; ++i)
    x[i] = i / k == 1 ? 0.0f : normal(rng) * (i % k == 7 * (i / k) ? 25 : 1);
  std::vector<float> expected(n * m);
  ref::bitlinear(x.data(), kBitLinearWeights, kBitLinearGamma, n, m, k, 8,
                 expected.data());

  MemRef2D<float> xRef = view(x, n, k), out{};
  _mlir_ciface_bitlinear(&out, &xRef);
  int bad = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      float got = out.aligned[out.offset + i * out.strides[0] +
                              j * out.strides[1]];
      if (std::memcmp(&got, &expected[i * m + j], sizeof got) && ++bad <= 8)
        std::printf("bitlinear: out[%lld][%lld] = %.9g, expected %.9g\n",
                    (long long)i, (long long)j, got, expected[i * m + j]);
    }
  std::free(out.allocated);
  return bad;
}

} // namespace

int main() {
  int failures = 0;
  for (const Case &c : kCases)
    for (int round = 0; round < 2; ++round) {
      int bad = runCase(c, round);
      std::printf("%-24s N=%-2lld M=%-3lld K=%-4lld round %d: %s\n", c.name,
                  (long long)c.n, (long long)c.m, (long long)c.k, round,
                  bad ? "MISMATCH" : "ok");
      failures += bad != 0;
    }
  int bad = runBitLinear();
  std::printf("%-24s N=%-2lld M=%-3lld K=%-4lld f32:     %s\n", "bitlinear",
              (long long)kBitLinearShape[0], (long long)kBitLinearShape[1],
              (long long)kBitLinearShape[2], bad ? "MISMATCH" : "ok");
  failures += bad != 0;
  std::printf("%d of %zu runs mismatched\n", failures,
              2 * std::size(kCases) + 1);
  return failures ? 1 : 0;
}
