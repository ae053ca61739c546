//===- PackingTest.cpp - Tests for the packed ternary formats -------------===//
//
// Expected bytes are written out by hand from the layouts in docs/formats.md.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Reference/Reference.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

using namespace mlir::bitnet::ref;

namespace {

constexpr PackedFormat kAllFormats[] = {PackedFormat::I2S, PackedFormat::TL1,
                                        PackedFormat::TL2, PackedFormat::T5,
                                        PackedFormat::TL2R};

std::vector<uint8_t> packVec(PackedFormat f, const std::vector<int8_t> &w,
                             int64_t m, int64_t k) {
  std::vector<uint8_t> out(static_cast<size_t>(m * packedRowBytes(f, k)),
                           0xCC);
  pack(f, w.data(), m, k, out.data());
  return out;
}

/// Deterministic pseudo-random ternary values (64-bit LCG, top bits).
std::vector<int8_t> randomTernary(int64_t count, uint64_t seed) {
  std::vector<int8_t> w(static_cast<size_t>(count));
  uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto &v : w) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    v = static_cast<int8_t>(static_cast<int>((state >> 33) % 3) - 1);
  }
  return w;
}

} // namespace

//===----------------------------------------------------------------------===//
// Names, sizes
//===----------------------------------------------------------------------===//

TEST(Format, Names) {
  EXPECT_STREQ(formatName(PackedFormat::I2S), "i2s");
  EXPECT_STREQ(formatName(PackedFormat::TL1), "tl1");
  EXPECT_STREQ(formatName(PackedFormat::TL2), "tl2");
  EXPECT_STREQ(formatName(PackedFormat::T5), "t5");
  EXPECT_STREQ(formatName(PackedFormat::TL2R), "tl2r");
  for (PackedFormat f : kAllFormats) {
    auto parsed = parseFormat(formatName(f));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, f);
  }
  EXPECT_EQ(parseFormat("I2S"), PackedFormat::I2S);
  EXPECT_EQ(parseFormat("Tl2"), PackedFormat::TL2);
  EXPECT_FALSE(parseFormat("i2_s").has_value());
  EXPECT_FALSE(parseFormat("tl3").has_value());
  EXPECT_EQ(parseFormat("T5"), PackedFormat::T5);
  EXPECT_FALSE(parseFormat("t").has_value());
  EXPECT_FALSE(parseFormat("t50").has_value());
  EXPECT_FALSE(parseFormat("").has_value());
  EXPECT_FALSE(parseFormat("i2s ").has_value());
}

TEST(Format, PackedRowBytes) {
  // I2S: ceil(K/128)*32, TL1: ceil(K/4), TL2: ceil(K/24)*5.
  // K=200:  2*32=64,   50,   9*5=45
  // K=2560: 20*32=640, 640,  107*5=535  (2560/24 = 106.67)
  // K=6912: 54*32=1728, 1728, 288*5=1440
  // K=8640: 68*32=2176 (8640/128 = 67.5), 2160, 360*5=1800
  struct Row {
    int64_t k, i2s, tl1, tl2;
  };
  const Row rows[] = {{0, 0, 0, 0},          {1, 32, 1, 5},
                      {4, 32, 1, 5},         {5, 32, 2, 5},
                      {24, 32, 6, 5},        {25, 32, 7, 10},
                      {128, 32, 32, 30},     {129, 64, 33, 30},
                      {200, 64, 50, 45},     {2560, 640, 640, 535},
                      {6912, 1728, 1728, 1440}, {8640, 2176, 2160, 1800}};
  for (const Row &r : rows) {
    EXPECT_EQ(packedRowBytes(PackedFormat::I2S, r.k), r.i2s) << r.k;
    EXPECT_EQ(packedRowBytes(PackedFormat::TL1, r.k), r.tl1) << r.k;
    EXPECT_EQ(packedRowBytes(PackedFormat::TL2, r.k), r.tl2) << r.k;
  }
  // T5: ceil(K/160)*32.
  EXPECT_EQ(packedRowBytes(PackedFormat::T5, 0), 0);
  EXPECT_EQ(packedRowBytes(PackedFormat::T5, 1), 32);
  EXPECT_EQ(packedRowBytes(PackedFormat::T5, 160), 32);
  EXPECT_EQ(packedRowBytes(PackedFormat::T5, 161), 64);
  EXPECT_EQ(packedRowBytes(PackedFormat::T5, 2560), 512);
  EXPECT_EQ(packedRowBytes(PackedFormat::T5, 6912), 1408);
  EXPECT_EQ(packedRowBytes(PackedFormat::T5, 8640), 1728);
}

TEST(Format, PackedTileRows) {
  for (PackedFormat f : kAllFormats)
    EXPECT_EQ(packedTileRows(f), f == PackedFormat::TL2R ? 16 : 1) << formatName(f);
}

TEST(Format, PaddedK) {
  EXPECT_EQ(paddedK(PackedFormat::I2S, 0), 0);
  EXPECT_EQ(paddedK(PackedFormat::TL1, 0), 0);
  EXPECT_EQ(paddedK(PackedFormat::TL2, 0), 0);
  EXPECT_EQ(paddedK(PackedFormat::I2S, 1), 128);
  EXPECT_EQ(paddedK(PackedFormat::TL1, 1), 4);
  EXPECT_EQ(paddedK(PackedFormat::TL2, 1), 24);
  EXPECT_EQ(paddedK(PackedFormat::I2S, 200), 256);
  EXPECT_EQ(paddedK(PackedFormat::TL1, 200), 200);
  EXPECT_EQ(paddedK(PackedFormat::TL2, 200), 216);
  EXPECT_EQ(paddedK(PackedFormat::I2S, 8640), 8704);
  EXPECT_EQ(paddedK(PackedFormat::TL1, 8640), 8640);
  EXPECT_EQ(paddedK(PackedFormat::TL2, 8640), 8640);
  EXPECT_EQ(paddedK(PackedFormat::TL2, 2560), 2568);
  EXPECT_EQ(paddedK(PackedFormat::T5, 1), 160);
  EXPECT_EQ(paddedK(PackedFormat::T5, 6912), 7040);
}

//===----------------------------------------------------------------------===//
// Hand-written bytes
//===----------------------------------------------------------------------===//

TEST(I2S, HandWrittenBytes) {
  // Byte j of a block holds weights j, j+32, j+64, j+96 at shifts 6,4,2,0,
  // code = w + 1.
  std::vector<int8_t> w(128, 0);
  w[0] = 1;   // code 2 << 6 = 0x80
  w[32] = -1; // code 0 << 4 = 0x00
  w[64] = 0;  // code 1 << 2 = 0x04
  w[96] = 1;  // code 2      = 0x02   -> byte 0 = 0x86
  w[1] = w[33] = w[65] = w[97] = -1; // byte 1 = 0x00
  w[2] = w[34] = w[66] = w[98] = 1;  // byte 2 = 0b10101010 = 0xAA
  w[31] = 1;                          // byte 31 = 0x80|0x15 = 0x95
  auto p = packVec(PackedFormat::I2S, w, 1, 128);
  ASSERT_EQ(p.size(), 32u);
  EXPECT_EQ(p[0], 0x86);
  EXPECT_EQ(p[1], 0x00);
  EXPECT_EQ(p[2], 0xAA);
  for (size_t j = 3; j < 31; ++j)
    EXPECT_EQ(p[j], 0x55) << j; // all-zero weights: 01 01 01 01
  EXPECT_EQ(p[31], 0x95);
}

TEST(I2S, PaddingIsZeroWeight) {
  // K = 1, w = -1: byte 0 = (0<<6)|(1<<4)|(1<<2)|1 = 0x15; the 31 other
  // bytes hold only padding -> 0x55.
  auto p = packVec(PackedFormat::I2S, {-1}, 1, 1);
  ASSERT_EQ(p.size(), 32u);
  EXPECT_EQ(p[0], 0x15);
  for (size_t j = 1; j < 32; ++j)
    EXPECT_EQ(p[j], 0x55) << j;

  // K = 129: second block starts at byte 32; w[128] = +1 -> 0x80|0x15 = 0x95.
  std::vector<int8_t> w(129, 0);
  w[128] = 1;
  auto p2 = packVec(PackedFormat::I2S, w, 1, 129);
  ASSERT_EQ(p2.size(), 64u);
  EXPECT_EQ(p2[31], 0x55);
  EXPECT_EQ(p2[32], 0x95);
  EXPECT_EQ(p2[33], 0x55);
}

TEST(TL1, HandWrittenBytes) {
  // K = 5 -> padded to 8: pairs (1,-1) (0,1) (-1,pad 0) (pad 0, pad 0).
  // indices 3*1-1+4 = 6, 0+1+4 = 5, -3+0+4 = 1, 4.
  // byte 0 = 6 | 5<<4 = 0x56, byte 1 = 1 | 4<<4 = 0x41.
  auto p = packVec(PackedFormat::TL1, {1, -1, 0, 1, -1}, 1, 5);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], 0x56);
  EXPECT_EQ(p[1], 0x41);

  // (-1,-1) -> 0, (1,1) -> 8, (0,0) -> 4: bytes 0x80, 0x44.
  auto q = packVec(PackedFormat::TL1, {-1, -1, 1, 1, 0, 0, 0, 0}, 1, 8);
  EXPECT_EQ(q[0], 0x80);
  EXPECT_EQ(q[1], 0x44);
}

TEST(TL1, RowStride) {
  // Two rows of K = 5 -> 2 bytes each; row 1 = [-1,0,0,0,1]:
  // pairs (-1,0) -> 1, (0,0) -> 4, (1,pad) -> 7, (pad,pad) -> 4.
  auto p = packVec(PackedFormat::TL1, {1, -1, 0, 1, -1, -1, 0, 0, 0, 1}, 2, 5);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0], 0x56);
  EXPECT_EQ(p[1], 0x41);
  EXPECT_EQ(p[2], 0x41);
  EXPECT_EQ(p[3], 0x47);
}

TEST(TL2, HandWrittenBytes) {
  // Triples: t0 = (1,-1,0) -> 9-3+0 = 6; t1 = (-1,1,1) -> -9+3+1 = -5;
  // t2 = (1,1,1) -> 13; t3 = (-1,-1,-1) -> -13; t4..t6 = 0;
  // t7 = (0,0,-1) -> -1.
  // byte0 = 6 | 5<<4 = 0x56; byte1 = 13 | 13<<4 = 0xDD; byte2 = 0x00;
  // byte3 = 0 | 1<<4 = 0x10; byte4 = signs of t1, t3, t7 = 0b10001010 = 0x8A.
  std::vector<int8_t> w = {1, -1, 0, -1, 1, 1,  1, 1, 1, -1, -1, -1,
                           0, 0,  0, 0,  0, 0,  0, 0, 0, 0,  0,  -1};
  auto p = packVec(PackedFormat::TL2, w, 1, 24);
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0], 0x56);
  EXPECT_EQ(p[1], 0xDD);
  EXPECT_EQ(p[2], 0x00);
  EXPECT_EQ(p[3], 0x10);
  EXPECT_EQ(p[4], 0x8A);
}

TEST(T5, HandWrittenBytes) {
  // Byte j holds weights j, j+32, j+64, j+96, j+128 as the base-3 number
  // v = c0*81 + c1*27 + c2*9 + c3*3 + c4 (c = w + 1), stored as
  // ceil(v * 256 / 243). w = (+1, -1, 0, +1, -1): v = 162 + 0 + 9 + 6 + 0 =
  // 177 -> ceil(186.47) = 187 = 0xBB. All-zero weights: v = 121 -> 128.
  std::vector<int8_t> w(160, 0);
  w[0] = 1;
  w[32] = -1;
  w[96] = 1;
  w[128] = -1;
  auto p = packVec(PackedFormat::T5, w, 1, 160);
  ASSERT_EQ(p.size(), 32u);
  EXPECT_EQ(p[0], 0xBB);
  for (size_t j = 1; j < 32; ++j)
    EXPECT_EQ(p[j], 0x80) << j;
}

TEST(T5, PaddingIsZeroWeight) {
  // K = 1, w[0] = -1: codes (0, 1, 1, 1, 1) -> v = 40 -> ceil(42.14) = 43.
  auto p = packVec(PackedFormat::T5, {-1}, 1, 1);
  ASSERT_EQ(p.size(), 32u);
  EXPECT_EQ(p[0], 43);
  for (size_t j = 1; j < 32; ++j)
    EXPECT_EQ(p[j], 0x80) << j;
}

TEST(T5, EveryByteDecodesToTheNearestValueBelow) {
  // Independent of the packer: byte q decodes to the base-3 digits of
  // v = floor(q * 243 / 256) (the fixed-point reading), for all 256 bytes,
  // so the 13 bytes pack never writes still decode to ternary weights.
  for (int q = 0; q < 256; ++q) {
    std::vector<uint8_t> p(32, 0x80);
    p[7] = static_cast<uint8_t>(q);
    std::vector<int8_t> w(160);
    unpack(PackedFormat::T5, p.data(), 1, 160, w.data());
    int v = q * 243 / 256;
    for (int digit = 4; digit >= 0; --digit) {
      EXPECT_EQ(w[7 + 32 * digit], v % 3 - 1) << "byte " << q << " digit " << digit;
      v /= 3;
    }
  }
}

TEST(TL2R, HandWrittenBytes) {
  // Two rows (a tile of h = 2), K = 24: 4h = 8 magnitude bytes, byte 4r + p
  // holding triple p (low nibble) and triple 4 + p (high) of row r, then h
  // = 2 sign bytes (bit 4r + p: triple p; bit 4h + 4r + p: triple 4 + p).
  // Row 0: t0 = (1,-1,0) -> 6, t1 = (-1,1,1) -> -5, t4 = (1,1,1) -> 13.
  // Row 1: t0 = (0,0,-1) -> -1, t5 = (-1,-1,-1) -> -13.
  std::vector<int8_t> w(48, 0);
  const int8_t row0[] = {1, -1, 0, -1, 1, 1}, row1t5[] = {-1, -1, -1};
  std::copy(std::begin(row0), std::end(row0), w.begin());
  w[12] = w[13] = w[14] = 1;  // row 0, t4
  w[24 + 2] = -1;             // row 1, t0
  std::copy(std::begin(row1t5), std::end(row1t5), w.begin() + 24 + 15);
  auto p = packVec(PackedFormat::TL2R, w, 2, 24);
  const std::vector<uint8_t> expected = {0xD6, 0x05, 0x00, 0x00,  // row 0
                                         0x01, 0xD0, 0x00, 0x00,  // row 1
                                         0x12,  // bits 1 (row 0, t1), 4 (row 1, t0)
                                         0x20}; // bit 13 = 8 + 4 + 1 (row 1, t5)
  EXPECT_EQ(p, expected);
}

TEST(TL2R, TilesOfSixteenRows) {
  // 17 rows, K = 1: tile 0 holds rows 0..15 (64 magnitude bytes, 16 sign
  // bytes), tile 1 row 16 (4 + 1 bytes). Row 16's weight -1 is triple 0,
  // v = -9: magnitude 9 at byte 80, sign bit 0 of byte 84.
  std::vector<int8_t> w(17, 0);
  w[16] = -1;
  w[3] = 1; // row 3, v = 9: byte 12, no sign
  auto p = packVec(PackedFormat::TL2R, w, 17, 1);
  ASSERT_EQ(p.size(), 85u);
  for (size_t i = 0; i < p.size(); ++i) {
    uint8_t expected = i == 12 || i == 80 ? 9 : i == 84 ? 1 : 0;
    EXPECT_EQ(p[i], expected) << i;
  }
}

TEST(TL2, PaddingIsZeroWeight) {
  // K = 5: t0 = (0,0,1) -> 1; t1 = (-1,0,pad) -> -9; t2..t7 padding -> 0.
  // byte0 = 1 | 9<<4 = 0x91, bytes 1..3 = 0, byte4 = 0x02.
  auto p = packVec(PackedFormat::TL2, {0, 0, 1, -1, 0}, 1, 5);
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0], 0x91);
  EXPECT_EQ(p[1], 0x00);
  EXPECT_EQ(p[2], 0x00);
  EXPECT_EQ(p[3], 0x00);
  EXPECT_EQ(p[4], 0x02);
}

//===----------------------------------------------------------------------===//
// Round trips
//===----------------------------------------------------------------------===//

TEST(Packing, RoundTripAllFormats) {
  const int64_t ks[] = {1, 3, 4, 5, 23, 24, 25, 127, 128, 129, 200, 8640};
  const int64_t ms[] = {1, 3, 77};
  uint64_t seed = 1;
  for (PackedFormat f : kAllFormats) {
    for (int64_t m : ms) {
      for (int64_t k : ks) {
        SCOPED_TRACE(std::string(formatName(f)) + " m=" + std::to_string(m) +
                     " k=" + std::to_string(k));
        auto w = randomTernary(m * k, seed++);
        auto p = packVec(f, w, m, k);
        // Every output byte is written: packing over a different prefill
        // gives the same bytes.
        std::vector<uint8_t> p2(p.size(), 0x33);
        pack(f, w.data(), m, k, p2.data());
        ASSERT_EQ(p, p2);
        std::vector<int8_t> back(static_cast<size_t>(m * k), 42);
        unpack(f, p.data(), m, k, back.data());
        ASSERT_EQ(back, w);

        // Decoding the full padded rows shows the padding is weight 0.
        const int64_t kp = paddedK(f, k);
        ASSERT_EQ(packedRowBytes(f, kp), packedRowBytes(f, k));
        std::vector<int8_t> padded(static_cast<size_t>(m * kp), 42);
        unpack(f, p.data(), m, kp, padded.data());
        for (int64_t r = 0; r < m; ++r) {
          for (int64_t c = 0; c < kp; ++c) {
            const int8_t expected =
                c < k ? w[static_cast<size_t>(r * k + c)] : int8_t(0);
            ASSERT_EQ(padded[static_cast<size_t>(r * kp + c)], expected) << "r=" << r << " c=" << c;
          }
        }
      }
    }
  }
}

TEST(Packing, ValidBytesRoundTripExhaustively) {
  // I2S: every byte value without a code-3 field decodes and re-encodes to
  // itself (checked at byte 5 of the block, everything else zero weights).
  for (int b = 0; b < 256; ++b) {
    bool valid = true;
    for (int sh = 0; sh < 8; sh += 2)
      valid &= ((b >> sh) & 3) != 3;
    if (!valid)
      continue;
    std::vector<uint8_t> p(32, 0x55);
    p[5] = static_cast<uint8_t>(b);
    std::vector<int8_t> w(128);
    unpack(PackedFormat::I2S, p.data(), 1, 128, w.data());
    EXPECT_EQ(packVec(PackedFormat::I2S, w, 1, 128), p) << b;
  }
  // TL1: both nibbles in [0, 8].
  for (int b = 0; b < 256; ++b) {
    if ((b & 0xF) > 8 || (b >> 4) > 8)
      continue;
    std::vector<uint8_t> p = {static_cast<uint8_t>(b)};
    std::vector<int8_t> w(4);
    unpack(PackedFormat::TL1, p.data(), 1, 4, w.data());
    EXPECT_TRUE(isTernary(w.data(), 4));
    EXPECT_EQ(packVec(PackedFormat::TL1, w, 1, 4), p) << b;
  }
  // TL2: every v in [-13, 13] in every triple slot.
  for (size_t t = 0; t < 8; ++t) {
    for (int v = -13; v <= 13; ++v) {
      std::vector<uint8_t> p(5, 0);
      const int mag = v < 0 ? -v : v;
      p[t / 2] = static_cast<uint8_t>(static_cast<unsigned>(mag) << (4 * (t % 2)));
      p[4] = static_cast<uint8_t>(static_cast<unsigned>(v < 0) << t);
      std::vector<int8_t> w(24);
      unpack(PackedFormat::TL2, p.data(), 1, 24, w.data());
      EXPECT_TRUE(isTernary(w.data(), 24));
      EXPECT_EQ(9 * w[3 * t] + 3 * w[3 * t + 1] + w[3 * t + 2], v);
      EXPECT_EQ(packVec(PackedFormat::TL2, w, 1, 24), p) << t << " " << v;
    }
  }
}

TEST(Packing, T5ValuesRoundTripExhaustively) {
  // Every one of the 243 five-weight columns, at byte 9 of the block.
  for (int v = 0; v < 243; ++v) {
    std::vector<int8_t> w(160, 0);
    for (int p = 4, rest = v; p >= 0; --p, rest /= 3)
      w[9 + 32 * p] = static_cast<int8_t>(rest % 3 - 1);
    auto packed = packVec(PackedFormat::T5, w, 1, 160);
    std::vector<int8_t> back(160);
    unpack(PackedFormat::T5, packed.data(), 1, 160, back.data());
    EXPECT_EQ(back, w) << v;
  }
}

TEST(Packing, InvalidCodesAreDetectable) {
  // I2S code 3 -> +2.
  std::vector<uint8_t> i2s(32, 0xFF);
  std::vector<int8_t> w(128);
  unpack(PackedFormat::I2S, i2s.data(), 1, 128, w.data());
  EXPECT_EQ(w[0], 2);
  EXPECT_FALSE(isTernary(w.data(), 128));

  // TL1 index 9 -> (2, -1).
  const uint8_t tl1[1] = {0x49};
  int8_t w1[4];
  unpack(PackedFormat::TL1, tl1, 1, 4, w1);
  EXPECT_EQ(w1[0], 2);
  EXPECT_EQ(w1[1], -1);
  EXPECT_FALSE(isTernary(w1, 4));

  // TL2 magnitude 14 / 15, either sign -> not ternary.
  for (int mag = 14; mag <= 15; ++mag) {
    for (int neg = 0; neg <= 1; ++neg) {
      const uint8_t tl2[5] = {static_cast<uint8_t>(mag), 0, 0, 0,
                              static_cast<uint8_t>(neg)};
      int8_t w2[24];
      unpack(PackedFormat::TL2, tl2, 1, 24, w2);
      EXPECT_FALSE(isTernary(w2, 3)) << mag << " " << neg;
    }
  }

  // TL2 sign bits on zero magnitudes decode as 0.
  const uint8_t negZero[5] = {0, 0, 0, 0, 0xFF};
  int8_t wz[24];
  unpack(PackedFormat::TL2, negZero, 1, 24, wz);
  for (int8_t v : wz)
    EXPECT_EQ(v, 0);
}
