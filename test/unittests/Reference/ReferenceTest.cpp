//===- ReferenceTest.cpp - Tests for the reference numerics ---------------===//
//
// Expected values are derived by hand (see the comments next to each one) or,
// where float32 rounding of irrational quantities is involved, with an
// independent per-operation float32 emulation; hexadecimal float literals pin
// those down bit-exactly.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Reference/Reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace mlir::bitnet::ref;

namespace {

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

std::vector<int> toInts(const std::vector<int8_t> &v) {
  return std::vector<int>(v.begin(), v.end());
}

} // namespace

//===----------------------------------------------------------------------===//
// ternarize / absMeanScale
//===----------------------------------------------------------------------===//

TEST(Ternarize, WorkedExample) {
  // |W| summed left to right in double (0.1f = 0.100000001490116):
  //   0.5 + 1.5 + 0.1f + 2.0 = 4.100000001490116
  //   / 4 = 1.025000000372529 -> nearest float 1.0249999761581421 == 1.025f
  // W / gamma: 0.5/1.025 = 0.488 -> 0; -1.5/1.025 = -1.46 -> -1;
  //            0.1/1.025 = 0.098 -> 0;  2.0/1.025 = 1.95 -> 2 -> clamp 1.
  const float w[4] = {0.5f, -1.5f, 0.1f, 2.0f};
  int8_t wt[4];
  const float gamma = ternarize(w, 4, wt);
  EXPECT_EQ(gamma, 1.025f);
  EXPECT_EQ(bitsOf(gamma), 0x3F833333u);
  EXPECT_EQ(gamma, absMeanScale(w, 4));
  EXPECT_EQ(toInts({wt, wt + 4}), (std::vector<int>{0, -1, 0, 1}));
}

TEST(Ternarize, TiesRoundToEven) {
  // sum|W| = 0.5+0.5+1.5+1.5+1+0+0.25+2.75 = 8 -> gamma = 8/8 = 1 exactly.
  // 0.5 -> 0 (tie to even), -0.5 -> -0 -> 0, 1.5 -> 2 -> 1, -1.5 -> -2 -> -1,
  // 1 -> 1, 0 -> 0, 0.25 -> 0, 2.75 -> 3 -> 1.
  const float w[8] = {0.5f, -0.5f, 1.5f, -1.5f, 1.0f, 0.0f, 0.25f, 2.75f};
  int8_t wt[8];
  EXPECT_EQ(ternarize(w, 8, wt), 1.0f);
  EXPECT_EQ(toInts({wt, wt + 8}),
            (std::vector<int>{0, 0, 1, -1, 1, 0, 0, 1}));
}

TEST(Ternarize, JustAboveHalfRoundsAway) {
  // Sum in double: (1 + 2^-23) + 1 + 2 + 4 = 8 + 2^-23; / 4 = 2 + 2^-25,
  // which rounds to the float 2 (spacing 2^-22 there): gamma = 2 exactly.
  // (1 + 2^-23)/2 = 0.50000006 > 0.5 -> 1; 1/2 = 0.5 (tie) -> 0;
  // 2/2 = 1 -> 1; -4/2 = -2 -> -1.
  const float w[4] = {0x1.000002p+0f, 1.0f, 2.0f, -4.0f};
  int8_t wt[4];
  EXPECT_EQ(ternarize(w, 4, wt), 2.0f);
  EXPECT_EQ(toInts({wt, wt + 4}), (std::vector<int>{1, 0, 1, -1}));
}

TEST(Ternarize, DividesRatherThanMultiplyingByReciprocal) {
  // W = {0x1.df5a9ap-1, 0x1.6783f2p+1}: gamma = (|w0| + |w1|) / 2 rounds to
  // 0x1.df5a98p+0, so w0 = gamma/2 + 2^-24. True quotient w0/gamma =
  // 0.5 + 2^-24/1.87 = 0.5 + 3.18e-8, beyond half the float spacing above 0.5
  // (2.98e-8), so w0 / gamma = 0x1.000002p-1 > 0.5 -> 1. Multiplying by the
  // rounded reciprocal 1/gamma gives exactly 0.5 instead (-> tie -> 0).
  const float w[2] = {0x1.df5a9ap-1f, 0x1.6783f2p+1f};
  int8_t wt[2];
  ASSERT_EQ(ternarize(w, 2, wt), 0x1.df5a98p+0f);
  EXPECT_EQ(w[0] / 0x1.df5a98p+0f, 0x1.000002p-1f);
  EXPECT_EQ(wt[0], 1);
  EXPECT_EQ(wt[1], 1);
}

TEST(Ternarize, AllZeroUsesFloor) {
  const float w[5] = {0.0f, -0.0f, 0.0f, 0.0f, 0.0f};
  int8_t wt[5] = {7, 7, 7, 7, 7};
  EXPECT_EQ(ternarize(w, 5, wt), 1e-5f);
  for (int8_t v : wt)
    EXPECT_EQ(v, 0);
}

TEST(Ternarize, TinyTensorUsesFloor) {
  // mean|W| = (1e-7 + 3e-6 + 2e-5) / 3 ~= 7.7e-6 < 1e-5 -> gamma = 1e-5f.
  // 1e-7/1e-5 = 0.01 -> 0; -3e-6/1e-5 = -0.3 -> 0; 2e-5/1e-5 ~= 2 -> 1.
  const float w[3] = {1e-7f, -3e-6f, 2e-5f};
  int8_t wt[3];
  EXPECT_EQ(ternarize(w, 3, wt), kScaleFloor);
  EXPECT_EQ(toInts({wt, wt + 3}), (std::vector<int>{0, 0, 1}));

  // Only one nonzero: mean = 2e-5/4 = 5e-6 -> floor; -2e-5/1e-5 ~= -2 -> -1.
  const float w2[4] = {-2e-5f, 0.0f, 0.0f, 0.0f};
  int8_t wt2[4];
  EXPECT_EQ(ternarize(w2, 4, wt2), kScaleFloor);
  EXPECT_EQ(toInts({wt2, wt2 + 4}), (std::vector<int>{-1, 0, 0, 0}));
}

TEST(Ternarize, EmptyTensor) {
  EXPECT_EQ(absMeanScale(nullptr, 0), kScaleFloor);
}

TEST(Ternarize, MeanIsAccumulatedInDouble) {
  // |W| summed in double: 2^24 + 1 + 1 = 16777218 exactly; / 3 = 5592406
  // exactly. (A float32 running sum would absorb both 1s: 2^24 / 3 rounds to
  // 5592405.5.)
  const float w[3] = {16777216.0f, 1.0f, -1.0f};
  EXPECT_EQ(absMeanScale(w, 3), 5592406.0f);
}

TEST(Ternarize, OutlierZeroesTheRest) {
  // gamma = (100 + 1 + 1 + 2) / 4 = 26; 100/26 -> 1, 1/26 -> 0, 2/26 -> 0.
  const float w[4] = {100.0f, 1.0f, -1.0f, 2.0f};
  int8_t wt[4];
  EXPECT_EQ(ternarize(w, 4, wt), 26.0f);
  EXPECT_EQ(toInts({wt, wt + 4}), (std::vector<int>{1, 0, 0, 0}));
}

//===----------------------------------------------------------------------===//
// int8 absmax
//===----------------------------------------------------------------------===//

TEST(Int8AbsMax, TiesRoundToEvenWithUnitScale) {
  // max|x| = 127 -> s = 127/127 = 1 exactly, so x*s = x exactly.
  const std::vector<float> x = {127.0f, 2.5f, 3.5f, -2.5f, -3.5f,
                                0.5f,   -0.5f, 1.5f, -127.0f, 126.5f};
  std::vector<int8_t> q(x.size());
  float s;
  quantizeInt8AbsMax(x.data(), 1, (int64_t)x.size(), q.data(), &s);
  EXPECT_EQ(s, 1.0f);
  EXPECT_EQ(toInts(q),
            (std::vector<int>{127, 2, 4, -2, -4, 0, 0, 2, -127, 126}));
}

TEST(Int8AbsMax, TiesRoundToEvenWithScaleTwo) {
  // max|x| = 63.5 -> s = 127/63.5 = 2 exactly.
  // 1.25*2 = 2.5 -> 2; 1.75*2 = 3.5 -> 4; -1.25*2 = -2.5 -> -2;
  // 0.25*2 = 0.5 -> 0; 0.75*2 = 1.5 -> 2; -63.5*2 = -127.
  const std::vector<float> x = {63.5f, 1.25f, 1.75f, -1.25f, 0.25f, 0.75f,
                                -63.5f};
  std::vector<int8_t> q(x.size());
  float s;
  quantizeInt8AbsMax(x.data(), 1, (int64_t)x.size(), q.data(), &s);
  EXPECT_EQ(s, 2.0f);
  EXPECT_EQ(toInts(q), (std::vector<int>{127, 2, 4, -2, 0, 2, -127}));
}

TEST(Int8AbsMax, AllZeroRowUsesFloor) {
  // m = 1e-5f = 9.99999974737875e-06; 127 / m = 12700000.32 -> float
  // spacing is 1 in [2^23, 2^24) -> 12700000.0f.
  const float x[4] = {0.0f, 0.0f, -0.0f, 0.0f};
  int8_t q[4] = {9, 9, 9, 9};
  float s;
  quantizeInt8AbsMax(x, 1, 4, q, &s);
  EXPECT_EQ(s, 12700000.0f);
  for (int8_t v : q)
    EXPECT_EQ(v, 0);
}

TEST(Int8AbsMax, TinyRowUsesFloor) {
  // max|x| = 1e-6 < 1e-5 -> s = 12700000; 1e-6*1.27e7 = 12.7 -> 13;
  // -5e-7*1.27e7 = -6.35 -> -6.
  const float x[2] = {1e-6f, -5e-7f};
  int8_t q[2];
  float s;
  quantizeInt8AbsMax(x, 1, 2, q, &s);
  EXPECT_EQ(s, 12700000.0f);
  EXPECT_EQ(q[0], 13);
  EXPECT_EQ(q[1], -6);
}

TEST(Int8AbsMax, OutlierCrushesSmallValues) {
  // s = 127/1000 = 0.127f. 1*0.127 -> 0; 3*0.127 = 0.381 -> 0;
  // 3.9*0.127 = 0.4953 -> 0; 4*0.127 = 0.508 -> 1; 1000*0.127f -> 127.
  const float x[6] = {1000.0f, 1.0f, -1.0f, 3.0f, 3.9f, -4.0f};
  int8_t q[6];
  float s;
  quantizeInt8AbsMax(x, 1, 6, q, &s);
  EXPECT_EQ(s, 0.127f);
  EXPECT_EQ(toInts({q, q + 6}), (std::vector<int>{127, 0, 0, 0, 0, -1}));
}

TEST(Int8AbsMax, NeverProducesMinus128) {
  // The most negative value maps to exactly -127, never -128.
  const float x[3] = {-3.0f, 1.0f, 2.0f};
  int8_t q[3];
  float s;
  quantizeInt8AbsMax(x, 1, 3, q, &s);
  EXPECT_EQ(q[0], -127);
}

TEST(Int8AbsMax, RowsAreIndependent) {
  // Row 0: max 127 -> s = 1. Row 1: max 63.5 -> s = 2. Row 2: all zero.
  const float x[9] = {127.0f, 2.5f,  -1.0f, //
                      63.5f,  1.25f, -0.5f, //
                      0.0f,   0.0f,  0.0f};
  int8_t q[9];
  float s[3];
  quantizeActivations(8, x, 3, 3, q, s);
  EXPECT_EQ(s[0], 1.0f);
  EXPECT_EQ(s[1], 2.0f);
  EXPECT_EQ(s[2], 12700000.0f);
  EXPECT_EQ(toInts({q, q + 9}),
            (std::vector<int>{127, 2, -1, 127, 2, -1, 0, 0, 0}));
}

//===----------------------------------------------------------------------===//
// int4 absmean
//===----------------------------------------------------------------------===//

TEST(Int4AbsMean, ScaleAndValues) {
  // beta = (4+2+1+1)/4 = 2; s = sqrtf(7) / 2.00001f
  //      = 2.6457512378692627 / 2.0000100135803223 -> 0x1.52a78ap+0
  //      (= 1.3228689432144165).
  // 4*s = 5.29 -> 5; -2*s = -2.65 -> -3; 1*s = 1.32 -> 1.
  const float x[4] = {4.0f, -2.0f, 1.0f, 1.0f};
  int8_t q[4];
  float s;
  quantizeInt4AbsMean(x, 1, 4, q, &s);
  EXPECT_EQ(s, 0x1.52a78ap+0f);
  EXPECT_EQ(toInts({q, q + 4}), (std::vector<int>{5, -3, 1, 1}));
}

TEST(Int4AbsMean, ClampRange) {
  // beta = 10/4 = 2.5; s = sqrtf(7)/2.50001f = 0x1.0eec80p+0 (1.0582962).
  // 10*s = 10.58 -> 11 -> clamp 7; -10*s -> -11 -> clamp -8.
  const float x[8] = {10.0f, 0.0f, 0.0f, 0.0f, -10.0f, 0.0f, 0.0f, 0.0f};
  int8_t q[8];
  float s[2];
  quantizeInt4AbsMean(x, 2, 4, q, s);
  EXPECT_EQ(s[0], 0x1.0eec80p+0f);
  EXPECT_EQ(s[1], 0x1.0eec80p+0f);
  EXPECT_EQ(toInts({q, q + 8}), (std::vector<int>{7, 0, 0, 0, -8, 0, 0, 0}));
}

TEST(Int4AbsMean, AllZeroRow) {
  // beta = 0 -> s = sqrtf(7) / (0 + 1e-5f)
  //   = 2.6457512378692627 / 9.99999974737875e-06 = 264575.1305...
  //   -> float spacing 2^-5 there -> 264575.125 (0x1.025fc8p+18).
  const float x[3] = {0.0f, 0.0f, 0.0f};
  int8_t q[3] = {1, 1, 1};
  float s;
  quantizeInt4AbsMean(x, 1, 3, q, &s);
  EXPECT_EQ(s, 264575.125f);
  for (int8_t v : q)
    EXPECT_EQ(v, 0);
}

TEST(Int4AbsMean, MeanIsAccumulatedInDouble) {
  // As in Ternarize.MeanIsAccumulatedInDouble, beta = 5592406 exactly;
  // beta + 1e-5f rounds back to 5592406; s = 2.6457512378692627 / 5592406
  // -> 0x1.fbfbf4p-22 (a float32 running sum would give 0x1.fbfbf6p-22).
  // q = [16777216*s = 7.94 -> 8 -> clamped to 7, ~0, ~0].
  const float x[3] = {16777216.0f, 1.0f, -1.0f};
  int8_t q[3];
  float s;
  quantizeInt4AbsMean(x, 1, 3, q, &s);
  EXPECT_EQ(s, 0x1.fbfbf4p-22f);
  EXPECT_EQ(toInts({q, q + 3}), (std::vector<int>{7, 0, 0}));
}

TEST(Int4AbsMean, TiesRoundToEven) {
  // Rows {x, 2} with x chosen (by a float32 emulation search) so that the
  // float32 product x * s is exactly a half-integer; the EXPECTs on x*s pin
  // that precondition down before checking the rounding.
  struct Case {
    float x, scale, product;
    int qx, q2;
  };
  const Case cases[] = {
      // x*s = 2.5 -> 2; 2*s = 2.79 -> 3.
      {0x1.ca89fap+0f, 0x1.654f0cp+0f, 2.5f, 2, 3},
      // x*s = 3.5 -> 4; 2*s = 1.79 -> 2.
      {0x1.f424d0p+1f, 0x1.ca9ebep-1f, 3.5f, 4, 2},
      // x*s = 0.5 -> 0; 2*s = 4.79 -> 5.
      {0x1.ab6d7ap-3f, 0x1.32a730p+1f, 0.5f, 0, 5},
      // x*s = 1.5 -> 2; 2*s = 3.79 -> 4.
      {0x1.951ed8p-1f, 0x1.e54eb6p+0f, 1.5f, 2, 4},
  };
  for (const Case &c : cases) {
    for (int sign : {1, -1}) {
      const float x[2] = {static_cast<float>(sign) * c.x, 2.0f};
      int8_t q[2];
      float s;
      quantizeInt4AbsMean(x, 1, 2, q, &s);
      ASSERT_EQ(s, c.scale);
      ASSERT_EQ(x[0] * s, static_cast<float>(sign) * c.product);
      EXPECT_EQ(q[0], sign * c.qx) << "x = " << x[0];
      EXPECT_EQ(q[1], c.q2);
    }
  }
}

TEST(Int4AbsMean, DequantizeIsDivision) {
  // s = 0x1.0eec80p+0 (see ClampRange); 7/s = 6.614405155181885.
  const float x[4] = {10.0f, 0.0f, 0.0f, 0.0f};
  int8_t q[4];
  float s;
  quantizeActivations(4, x, 1, 4, q, &s);
  float d[4];
  dequantizeActivations(q, &s, 1, 4, d);
  EXPECT_EQ(d[0], 6.614405155181885f);
  EXPECT_EQ(d[1], 0.0f);
}

//===----------------------------------------------------------------------===//
// dequantize, matmul, rescale, bitlinear
//===----------------------------------------------------------------------===//

TEST(Dequantize, Int8) {
  const int8_t q[4] = {127, -3, 5, 0};
  const float s[2] = {2.0f, 0.5f};
  float x[4];
  dequantizeActivations(q, s, 2, 2, x);
  EXPECT_EQ(x[0], 63.5f);
  EXPECT_EQ(x[1], -1.5f);
  EXPECT_EQ(x[2], 10.0f);
  EXPECT_EQ(x[3], 0.0f);
}

TEST(TernaryMatmul, SmallExample) {
  // q (2x3) = [[1,2,3],[-4,5,-6]]
  // w (4x3) = [[1,0,-1],[1,1,1],[-1,-1,0],[0,0,0]]
  // acc[0] = [1-3, 1+2+3, -1-2, 0]   = [-2, 6, -3, 0]
  // acc[1] = [-4+6, -4+5-6, 4-5, 0]  = [2, -5, -1, 0]
  const int8_t q[6] = {1, 2, 3, -4, 5, -6};
  const int8_t w[12] = {1, 0, -1, 1, 1, 1, -1, -1, 0, 0, 0, 0};
  int32_t acc[8];
  ternaryMatmul(q, w, 2, 4, 3, acc);
  const int32_t expected[8] = {-2, 6, -3, 0, 2, -5, -1, 0};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(acc[i], expected[i]) << i;
}

TEST(TernaryMatmul, LargeKNoOverflow) {
  // k = 4096 of q = -128 against w = -1 -> 4096*128 = 524288; against +1 ->
  // -524288.
  const size_t k = 4096;
  std::vector<int8_t> q(k, -128), w(2 * k);
  for (size_t t = 0; t < k; ++t) {
    w[t] = -1;
    w[k + t] = 1;
  }
  int32_t acc[2];
  ternaryMatmul(q.data(), w.data(), 1, 2, static_cast<int64_t>(k), acc);
  EXPECT_EQ(acc[0], 524288);
  EXPECT_EQ(acc[1], -524288);
}

TEST(Rescale, OrderIsMultiplyThenDivide) {
  // acc = 3, gamma = 0.1f (0x1.99999ap-4), s = 2.9f (0x1.733334p+1):
  //   (3 * gamma) / s = 0x1.a7b962p-4     <- required
  //   3 * (gamma / s) = 0x1.a7b960p-4     (wrong order)
  //   (3 / s) * gamma = 0x1.a7b960p-4     (wrong order)
  const int32_t acc[1] = {3};
  const float s[1] = {2.9f};
  float y[1];
  rescale(acc, s, 0.1f, 1, 1, y);
  EXPECT_EQ(y[0], 0x1.a7b962p-4f);
  EXPECT_NE(y[0], 0x1.a7b960p-4f);
}

TEST(Rescale, PerRowScales) {
  // y = acc * 0.5 / s[i]; s = {1, 4}.
  const int32_t acc[4] = {10, -3, 8, 1};
  const float s[2] = {1.0f, 4.0f};
  float y[4];
  rescale(acc, s, 0.5f, 2, 2, y);
  EXPECT_EQ(y[0], 5.0f);
  EXPECT_EQ(y[1], -1.5f);
  EXPECT_EQ(y[2], 1.0f);
  EXPECT_EQ(y[3], 0.125f);
}

TEST(Bitlinear, Int8Example) {
  // x = [127, -63.5, 0.5, 1.5]: max 127 -> s = 1 -> q = [127, -64, 0, 2]
  // (-63.5 and 0.5 and 1.5 are ties -> even).
  // wt = [[1,1,0,-1],[0,-1,1,1]]: acc = [127-64-2, 64+0+2] = [61, 66].
  // y = acc * 0.5 / 1 = [30.5, 33].
  const float x[4] = {127.0f, -63.5f, 0.5f, 1.5f};
  const int8_t wt[8] = {1, 1, 0, -1, 0, -1, 1, 1};
  float y[2];
  bitlinear(x, wt, 0.5f, 1, 2, 4, 8, y);
  EXPECT_EQ(y[0], 30.5f);
  EXPECT_EQ(y[1], 33.0f);
}

TEST(Bitlinear, Int4Example) {
  // x = [10,0,0,0] -> s = 0x1.0eec80p+0, q = [7,0,0,0].
  // wt = [[1,1,1,1],[-1,0,0,0]], gamma = 1 -> acc = [7, -7];
  // y = (7*1)/s = 6.614405155181885, -6.614405155181885.
  const float x[4] = {10.0f, 0.0f, 0.0f, 0.0f};
  const int8_t wt[8] = {1, 1, 1, 1, -1, 0, 0, 0};
  float y[2];
  bitlinear(x, wt, 1.0f, 1, 2, 4, 4, y);
  EXPECT_EQ(y[0], 6.614405155181885f);
  EXPECT_EQ(y[1], -6.614405155181885f);
}

TEST(Bitlinear, MultiRowMatchesComposition) {
  // Two rows with s = 1 and s = 2 (see Int8AbsMax tests).
  // Row 0: q = [127, 2, -1], Row 1: q = [127, 2, -1] (x doubled / 2).
  // wt = [[1,-1,1]] -> acc = [124, 124]; gamma = 2 ->
  // y0 = 124*2/1 = 248; y1 = 124*2/2 = 124.
  const float x[6] = {127.0f, 2.5f, -1.0f, 63.5f, 1.25f, -0.5f};
  const int8_t wt[3] = {1, -1, 1};
  float y[2];
  bitlinear(x, wt, 2.0f, 2, 1, 3, 8, y);
  EXPECT_EQ(y[0], 248.0f);
  EXPECT_EQ(y[1], 124.0f);
}

TEST(QuantizeActivationsDeathTest, RejectsOtherBitWidths) {
  const float x[1] = {1.0f};
  int8_t q[1];
  float s[1];
  EXPECT_DEATH(quantizeActivations(2, x, 1, 1, q, s), "unsupported bit width");
}

//===----------------------------------------------------------------------===//
// rmsNorm / rmsNormQuantize
//===----------------------------------------------------------------------===//

TEST(RmsNorm, ExactExample) {
  // Row of ones, eps = 3: mean(x^2) + eps = 4, r = 1 / sqrt(4) = 0.5 exactly,
  // y = (1 * 0.5) * gamma.
  const float x[4] = {1.0f, 1.0f, 1.0f, 1.0f};
  const float gamma[4] = {1.0f, -1.0f, 2.0f, 4.0f};
  float y[4];
  rmsNorm(x, gamma, 3.0f, 1, 4, y);
  EXPECT_EQ(std::vector<float>(y, y + 4),
            (std::vector<float>{0.5f, -0.5f, 1.0f, 2.0f}));
}

TEST(RmsNorm, RootIsOneOverSqrt) {
  // x = [3, 4]: mean = 12.5, r = 1.0f / sqrtf(12.5f): sqrtf gives
  // 0x1.c48c6p+1 (3.5355339), the quotient 0x1.21a186p-2 (0.28284273).
  const float x[2] = {3.0f, 4.0f};
  const float gamma[2] = {1.0f, 1.0f};
  float y[2];
  rmsNorm(x, gamma, 0.0f, 1, 2, y);
  const float r = 1.0f / std::sqrt(12.5f);
  EXPECT_EQ(bitsOf(y[0]), bitsOf(3.0f * r));
  EXPECT_EQ(bitsOf(y[1]), bitsOf(4.0f * r));
}

TEST(RmsNormQuantize, Int8TiesAndSums) {
  // y = [0.5, -0.5, 1, 2] (ExactExample): m = 2, s = 63.5,
  // y * s = [31.75, -31.75, 63.5, 127] -> [32, -32, 64 (tie to even), 127],
  // sum = 191.
  const float x[4] = {1.0f, 1.0f, 1.0f, 1.0f};
  const float gamma[4] = {1.0f, -1.0f, 2.0f, 4.0f};
  int8_t q[4];
  float s[1];
  int32_t sums[1];
  rmsNormQuantize(8, x, gamma, 3.0f, 1, 4, q, s, sums);
  EXPECT_EQ(s[0], 63.5f);
  EXPECT_EQ(toInts(std::vector<int8_t>(q, q + 4)),
            (std::vector<int>{32, -32, 64, 127}));
  EXPECT_EQ(sums[0], 191);
}

TEST(RmsNormQuantize, Int4) {
  // eps = 0: r = 1, y = gamma = [1, -1, 2, 4]; beta = 2,
  // s = sqrtf(7) / (2 + 1e-5f) = 1.3228690, y * s = [1.32, -1.32, 2.65, 5.29]
  // -> [1, -1, 3, 5], sum 8.
  const float x[4] = {1.0f, 1.0f, 1.0f, 1.0f};
  const float gamma[4] = {1.0f, -1.0f, 2.0f, 4.0f};
  int8_t q[4];
  float s[1];
  int32_t sums[1];
  rmsNormQuantize(4, x, gamma, 0.0f, 1, 4, q, s, sums);
  EXPECT_EQ(s[0], std::sqrt(7.0f) / (2.0f + kScaleFloor));
  EXPECT_EQ(toInts(std::vector<int8_t>(q, q + 4)),
            (std::vector<int>{1, -1, 3, 5}));
  EXPECT_EQ(sums[0], 8);
}

TEST(RmsNormQuantize, MatchesCompositionRowByRow) {
  // Fusing never changes results: rmsNorm then quantizeActivations, for
  // several rows (one all zero) and both widths; sums may be omitted.
  const int64_t rows = 3, cols = 5;
  const float x[rows * cols] = {0.3f, -1.7f, 2.2f, 0.0f, 9.5f,  //
                                0.0f, 0.0f,  0.0f, 0.0f, 0.0f,  //
                                -4.f, 1e-3f, 3.3f, 7.f,  -0.25f};
  const float gamma[cols] = {0.9f, 1.1f, 1.0f, 0.8f, 1.2f};
  for (int bits : {8, 4}) {
    float y[rows * cols];
    rmsNorm(x, gamma, 1e-5f, rows, cols, y);
    int8_t expectedQ[rows * cols], q[rows * cols];
    float expectedS[rows], s[rows];
    quantizeActivations(bits, y, rows, cols, expectedQ, expectedS);
    rmsNormQuantize(bits, x, gamma, 1e-5f, rows, cols, q, s, nullptr);
    EXPECT_EQ(0, std::memcmp(q, expectedQ, sizeof(q))) << bits;
    EXPECT_EQ(0, std::memcmp(s, expectedS, sizeof(s))) << bits;
  }
}

//===----------------------------------------------------------------------===//
// topkSparsify
//===----------------------------------------------------------------------===//

TEST(Topk, HalfWithTies) {
  // |x| = [1,3,3,2,2,0]; k = ceil(0.5*6) = 3: both 3s, then the 2 at the
  // lower index (3) wins the tie against index 4.
  const float x[6] = {1.0f, -3.0f, 3.0f, 2.0f, -2.0f, 0.0f};
  float y[6];
  topkSparsify(x, 1, 6, 0.5, y);
  const float expected[6] = {0.0f, -3.0f, 3.0f, 2.0f, 0.0f, 0.0f};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(y[i], expected[i]) << i;
}

TEST(Topk, SmallFractionKeepsAtLeastOne) {
  // k = ceil(0.01 * 6) = ceil(0.06) = 1: index 1 (|-3|) beats index 2 (tie).
  const float x[6] = {1.0f, -3.0f, 3.0f, 2.0f, -2.0f, 0.0f};
  float y[6];
  topkSparsify(x, 1, 6, 0.01, y);
  const float expected[6] = {0.0f, -3.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(y[i], expected[i]) << i;
}

TEST(Topk, FullFractionKeepsEverything) {
  const float x[4] = {1.0f, -0.0f, 3.0f, -2.0f};
  float y[4];
  topkSparsify(x, 1, 4, 1.0, y);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(bitsOf(y[i]), bitsOf(x[i])) << i;
}

TEST(Topk, CeilOfFractionTimesCols) {
  // cols = 5, fraction 0.5 -> ceil(2.5) = 3.
  // double(0.2) * 10 = 2.0000000000000000 exactly after rounding -> k = 2
  // (a float 0.2f would give ceil(2.0000000298) = 3).
  const float x[5] = {5.0f, 4.0f, 3.0f, 2.0f, 1.0f};
  float y[5];
  topkSparsify(x, 1, 5, 0.5, y);
  EXPECT_EQ(y[2], 3.0f);
  EXPECT_EQ(y[3], 0.0f);

  const float x10[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  float y10[10];
  topkSparsify(x10, 1, 10, 0.2, y10);
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(y10[i], 0.0f) << i;
  EXPECT_EQ(y10[8], 9.0f);
  EXPECT_EQ(y10[9], 10.0f);
}

TEST(Topk, AllEqualKeepsLowestIndices) {
  // Every |x| is 2: the first k = ceil(0.4*5) = 2 columns survive.
  const float x[5] = {-2.0f, 2.0f, 2.0f, -2.0f, 2.0f};
  float y[5];
  topkSparsify(x, 1, 5, 0.4, y);
  const float expected[5] = {-2.0f, 2.0f, 0.0f, 0.0f, 0.0f};
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(y[i], expected[i]) << i;
}

TEST(Topk, RowsAreIndependentAndZeroIsPositive) {
  const float x[8] = {0.5f, -4.0f, 1.0f, -1.0f, //
                      -1.0f, -1.0f, 7.0f, 0.25f};
  float y[8];
  topkSparsify(x, 2, 4, 0.5, y);
  // Row 0: |x| = [.5,4,1,1], k=2 -> keep 4 and the first 1 (index 2).
  // Row 1: |x| = [1,1,7,.25], k=2 -> keep 7 and index 4.
  const float expected[8] = {0.0f, -4.0f, 1.0f, 0.0f, -1.0f, 0.0f, 7.0f, 0.0f};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(y[i], expected[i]) << i;
  EXPECT_EQ(bitsOf(y[3]), 0u); // dropped values are +0.0f
  EXPECT_EQ(bitsOf(y[5]), 0u);
}

TEST(Topk, MatchesRankDefinitionOnLargeRow) {
  // Many ties: values are (i * 7) % 13 - 6 for 100 columns; keep k = 37.
  const size_t cols = 100;
  std::vector<float> x(cols), y(cols);
  for (size_t i = 0; i < cols; ++i)
    x[i] = static_cast<float>(static_cast<int>((i * 7) % 13) - 6);
  topkSparsify(x.data(), 1, static_cast<int64_t>(cols), 0.37, y.data());
  for (size_t i = 0; i < cols; ++i) {
    int rank = 0;
    for (size_t j = 0; j < cols; ++j)
      if (std::fabs(x[j]) > std::fabs(x[i]) ||
          (std::fabs(x[j]) == std::fabs(x[i]) && j < i))
        ++rank;
    EXPECT_EQ(y[i], rank < 37 ? x[i] : 0.0f) << i;
  }
}

//===----------------------------------------------------------------------===//
// isTernary
//===----------------------------------------------------------------------===//

TEST(IsTernary, Basic) {
  const int8_t ok[5] = {-1, 0, 1, 1, -1};
  const int8_t bad[3] = {0, 2, 0};
  const int8_t bad2[2] = {-128, 0};
  EXPECT_TRUE(isTernary(ok, 5));
  EXPECT_TRUE(isTernary(nullptr, 0));
  EXPECT_FALSE(isTernary(bad, 3));
  EXPECT_FALSE(isTernary(bad2, 2));
}
