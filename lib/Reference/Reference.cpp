//===- Reference.cpp - Reference quantization / matmul semantics ---------===//
//
// See include/bitnet/Reference/Reference.h and docs/numerics.md.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Reference/Reference.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <vector>

namespace mlir::bitnet::ref {

namespace {

/// Round to nearest, ties to even, independent of the FP rounding mode.
/// std::round (ties away from zero) agrees with roundeven except on exact
/// half-integers; for those, v * 0.5f is exact and 2 * round(v / 2) is the
/// even neighbour. v - trunc(v) is exact for every finite float.
inline float roundEven(float v) {
  float r = std::round(v);
  if (std::fabs(v - std::trunc(v)) == 0.5f)
    r = 2.0f * std::round(v * 0.5f);
  return r;
}

/// roundeven(v) clamped to [lo, hi], converted without UB (NaN -> 0, +-inf
/// clamp to the bounds).
inline int8_t roundClampToInt8(float v, float lo, float hi) {
  if (std::isnan(v))
    return 0;
  float r = roundEven(v);
  r = r < lo ? lo : r;
  r = r > hi ? hi : r;
  return static_cast<int8_t>(r);
}

/// mean|x|: |x[i]| summed left to right in double, divided by the count in
/// double, rounded once to float. A float32 running sum loses the small terms
/// of a multi-million-element weight tensor (gamma off by 40% at 70M
/// weights); a double sum is exact to well below float precision for any
/// tensor size we meet, so other summation orders round to the same float
/// except in vanishingly rare ties. The mean of an empty range is 0.
inline float meanAbs(const float *x, int64_t count) {
  if (count <= 0)
    return 0.0f;
  double sum = 0.0;
  for (int64_t i = 0; i < count; ++i)
    sum += std::fabs(static_cast<double>(x[i]));
  return static_cast<float>(sum / static_cast<double>(count));
}

} // namespace

float absMeanScale(const float *w, int64_t count) {
  float mean = meanAbs(w, count);
  return mean > kScaleFloor ? mean : kScaleFloor;
}

float ternarize(const float *w, int64_t count, int8_t *wt) {
  const float gamma = absMeanScale(w, count);
  // clamp(roundeven(r), -1, 1) == (r > 0.5) - (r < -0.5) for every float r:
  // |r| <= 0.5 rounds to (signed) zero (0.5 ties to the even 0), |r| > 0.5
  // rounds to a nonzero integer of the same sign which the clamp maps to +-1,
  // and NaN compares false both ways giving 0.
  for (int64_t i = 0; i < count; ++i) {
    const float r = w[i] / gamma;
    wt[i] = static_cast<int8_t>(static_cast<int>(r > 0.5f) -
                                static_cast<int>(r < -0.5f));
  }
  return gamma;
}

void quantizeInt8AbsMax(const float *x, int64_t rows, int64_t cols, int8_t *q,
                        float *scales) {
  for (int64_t i = 0; i < rows; ++i) {
    const float *row = x + i * cols;
    int8_t *qrow = q + i * cols;
    float m = kScaleFloor;
    for (int64_t j = 0; j < cols; ++j) {
      const float a = std::fabs(row[j]);
      m = a > m ? a : m;
    }
    const float s = 127.0f / m;
    scales[i] = s;
    for (int64_t j = 0; j < cols; ++j)
      qrow[j] = roundClampToInt8(row[j] * s, -128.0f, 127.0f);
  }
}

void quantizeInt4AbsMean(const float *x, int64_t rows, int64_t cols, int8_t *q,
                         float *scales) {
  const float sqrt7 = std::sqrt(7.0f); // float overload: sqrtf(7.0f)
  for (int64_t i = 0; i < rows; ++i) {
    const float *row = x + i * cols;
    int8_t *qrow = q + i * cols;
    const float beta = meanAbs(row, cols);
    const float s = sqrt7 / (beta + kScaleFloor);
    scales[i] = s;
    for (int64_t j = 0; j < cols; ++j)
      qrow[j] = roundClampToInt8(row[j] * s, -8.0f, 7.0f);
  }
}

void quantizeActivations(int bits, const float *x, int64_t rows, int64_t cols,
                         int8_t *q, float *scales, bool reciprocalScale) {
  if (reciprocalScale && (bits == 8 || bits == 4)) {
    // The same statistic, then s = (1 / d) * c in two roundings.
    const float c = bits == 8 ? 127.0f : std::sqrt(7.0f);
    const float lo = bits == 8 ? -128.0f : -8.0f, hi = bits == 8 ? 127.0f : 7.0f;
    for (int64_t i = 0; i < rows; ++i) {
      const float *row = x + i * cols;
      float d;
      if (bits == 8) {
        d = kScaleFloor;
        for (int64_t j = 0; j < cols; ++j)
          d = std::fabs(row[j]) > d ? std::fabs(row[j]) : d;
      } else {
        d = meanAbs(row, cols) + kScaleFloor;
      }
      const float s = (1.0f / d) * c;
      scales[i] = s;
      for (int64_t j = 0; j < cols; ++j)
        q[i * cols + j] = roundClampToInt8(row[j] * s, lo, hi);
    }
    return;
  }
  switch (bits) {
  case 8:
    quantizeInt8AbsMax(x, rows, cols, q, scales);
    return;
  case 4:
    quantizeInt4AbsMean(x, rows, cols, q, scales);
    return;
  default:
    std::fprintf(stderr,
                 "quantizeActivations: unsupported bit width %d "
                 "(expected 8 or 4)\n",
                 bits);
    std::abort();
  }
}

void rmsNorm(const float *x, const float *gamma, float epsilon, int64_t rows,
             int64_t cols, float *y) {
  if (cols <= 0)
    return;
  for (int64_t i = 0; i < rows; ++i) {
    const float *row = x + i * cols;
    // Squares in float (the ground rule: elementwise ops are binary32), the
    // sum in double like every other mean: exact enough that a vectorised
    // or threaded kernel rounds to the same float in practice.
    double sumSquares = 0.0;
    for (int64_t j = 0; j < cols; ++j)
      sumSquares += static_cast<double>(row[j] * row[j]);
    const float meanSquare =
        static_cast<float>(sumSquares / static_cast<double>(cols));
    // 1/sqrt as two correctly rounded operations, not an approximate rsqrt.
    const float r = 1.0f / std::sqrt(meanSquare + epsilon);
    for (int64_t j = 0; j < cols; ++j)
      y[i * cols + j] = (row[j] * r) * gamma[j];
  }
}

void rmsNormQuantize(int bits, const float *x, const float *gamma,
                     float epsilon, int64_t rows, int64_t cols, int8_t *q,
                     float *scales, int32_t *sums, bool reciprocalScale) {
  // The fused op is defined as the composition, so fusing never changes
  // results; one row at a time keeps the buffer small.
  std::vector<float> y(static_cast<size_t>(cols));
  for (int64_t i = 0; i < rows; ++i) {
    rmsNorm(x + i * cols, gamma, epsilon, 1, cols, y.data());
    quantizeActivations(bits, y.data(), 1, cols, q + i * cols, scales + i,
                        reciprocalScale);
    if (sums) {
      int32_t sum = 0;
      for (int64_t j = 0; j < cols; ++j)
        sum += q[i * cols + j];
      sums[i] = sum;
    }
  }
}

void dequantizeActivations(const int8_t *q, const float *scales, int64_t rows,
                           int64_t cols, float *x) {
  for (int64_t i = 0; i < rows; ++i) {
    const float s = scales[i];
    for (int64_t j = 0; j < cols; ++j)
      x[i * cols + j] = static_cast<float>(q[i * cols + j]) / s;
  }
}

void ternaryMatmul(const int8_t *q, const int8_t *w, int64_t n, int64_t m,
                   int64_t k, int32_t *acc) {
  for (int64_t i = 0; i < n; ++i) {
    const int8_t *qrow = q + i * k;
    for (int64_t j = 0; j < m; ++j) {
      const int8_t *wrow = w + j * k;
      int32_t sum = 0;
      for (int64_t t = 0; t < k; ++t)
        sum += static_cast<int32_t>(qrow[t]) * static_cast<int32_t>(wrow[t]);
      acc[i * m + j] = sum;
    }
  }
}

void rescale(const int32_t *acc, const float *actScales, float weightScale,
             int64_t n, int64_t m, float *y) {
  for (int64_t i = 0; i < n; ++i) {
    const float s = actScales[i];
    for (int64_t j = 0; j < m; ++j) {
      const float scaled = static_cast<float>(acc[i * m + j]) * weightScale;
      y[i * m + j] = scaled / s;
    }
  }
}

void bitlinear(const float *x, const int8_t *wt, float weightScale, int64_t n,
               int64_t m, int64_t k, int actBits, float *y) {
  std::vector<int8_t> q(static_cast<size_t>(n * k));
  std::vector<float> s(static_cast<size_t>(n));
  std::vector<int32_t> acc(static_cast<size_t>(n * m));
  quantizeActivations(actBits, x, n, k, q.data(), s.data());
  ternaryMatmul(q.data(), wt, n, m, k, acc.data());
  rescale(acc.data(), s.data(), weightScale, n, m, y);
}

int64_t topkKeptCount(double fraction, int64_t cols) {
  // k = ceil(fraction * cols) clamped to [0, cols]; the clamp is done in
  // double so that out-of-range (or NaN) fractions never hit an UB cast.
  const double kd = std::ceil(fraction * static_cast<double>(cols));
  if (!(kd > 0.0))
    return 0;
  if (kd >= static_cast<double>(cols))
    return cols;
  return static_cast<int64_t>(kd);
}

void topkSparsify(const float *x, int64_t rows, int64_t cols, double fraction,
                  float *y) {
  if (cols <= 0)
    return;
  const int64_t k = topkKeptCount(fraction, cols);

  std::vector<int64_t> order(static_cast<size_t>(cols));
  for (int64_t i = 0; i < rows; ++i) {
    const float *row = x + i * cols;
    float *out = y + i * cols;
    if (k == cols) {
      std::copy(row, row + cols, out);
      continue;
    }
    std::fill(out, out + cols, 0.0f);
    if (k == 0)
      continue;
    std::iota(order.begin(), order.end(), int64_t(0));
    // Strict total order: larger magnitude first, then lower index first.
    auto before = [row](int64_t a, int64_t b) {
      const float fa = std::fabs(row[a]);
      const float fb = std::fabs(row[b]);
      if (fa != fb)
        return fa > fb;
      return a < b;
    };
    std::nth_element(order.begin(), order.begin() + (k - 1), order.end(),
                     before);
    for (int64_t r = 0; r < k; ++r) {
      const int64_t idx = order[static_cast<size_t>(r)];
      out[idx] = row[idx];
    }
  }
}

bool isTernary(const int8_t *w, int64_t count) {
  for (int64_t i = 0; i < count; ++i)
    if (w[i] < -1 || w[i] > 1)
      return false;
  return true;
}

} // namespace mlir::bitnet::ref
