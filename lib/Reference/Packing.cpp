//===- Packing.cpp - Packed ternary weight formats ------------------------===//
//
// Bit-exact layouts are documented in docs/formats.md. All formats store the
// rows of an M x K matrix one after another, each row padded to the format's
// block size with the weight 0.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Reference/Reference.h"

#include <cassert>
#include <cstring>

namespace mlir::bitnet::ref {

namespace {

constexpr int64_t kI2SBlock = 128;     // weights per I2S block
constexpr int64_t kI2SBlockBytes = 32; // bytes per I2S block
constexpr int64_t kTL1Block = 4;       // weights per TL1 byte
constexpr int64_t kTL2Group = 24;      // weights per TL2 group
constexpr int64_t kTL2GroupBytes = 5;  // bytes per TL2 group

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Ternary code c = w + 1 in {0,1,2}.
inline uint8_t code(int8_t w) { return static_cast<uint8_t>(w + 1); }

//===----------------------------------------------------------------------===//
// I2S
//===----------------------------------------------------------------------===//

inline void packI2SBlock(const int8_t *w, uint8_t *out) {
  for (int j = 0; j < 32; ++j)
    out[j] = static_cast<uint8_t>((code(w[j]) << 6) | (code(w[j + 32]) << 4) |
                                  (code(w[j + 64]) << 2) | code(w[j + 96]));
}

inline void unpackI2SBlock(const uint8_t *in, int8_t *w) {
  for (int j = 0; j < 32; ++j) {
    const uint8_t b = in[j];
    w[j] = static_cast<int8_t>(((b >> 6) & 3) - 1);
    w[j + 32] = static_cast<int8_t>(((b >> 4) & 3) - 1);
    w[j + 64] = static_cast<int8_t>(((b >> 2) & 3) - 1);
    w[j + 96] = static_cast<int8_t>((b & 3) - 1);
  }
}

void packI2SRow(const int8_t *w, int64_t k, uint8_t *out) {
  const int64_t full = k / kI2SBlock;
  for (int64_t b = 0; b < full; ++b)
    packI2SBlock(w + b * kI2SBlock, out + b * kI2SBlockBytes);
  const int64_t rem = k - full * kI2SBlock;
  if (rem) {
    int8_t tmp[kI2SBlock] = {};
    std::memcpy(tmp, w + full * kI2SBlock, static_cast<size_t>(rem));
    packI2SBlock(tmp, out + full * kI2SBlockBytes);
  }
}

void unpackI2SRow(const uint8_t *in, int64_t k, int8_t *w) {
  const int64_t full = k / kI2SBlock;
  for (int64_t b = 0; b < full; ++b)
    unpackI2SBlock(in + b * kI2SBlockBytes, w + b * kI2SBlock);
  const int64_t rem = k - full * kI2SBlock;
  if (rem) {
    int8_t tmp[kI2SBlock];
    unpackI2SBlock(in + full * kI2SBlockBytes, tmp);
    std::memcpy(w + full * kI2SBlock, tmp, static_cast<size_t>(rem));
  }
}

//===----------------------------------------------------------------------===//
// TL1
//===----------------------------------------------------------------------===//

/// Pair index 3*w0 + w1 + 4 in [0, 8].
inline uint8_t tl1Index(int8_t w0, int8_t w1) {
  return static_cast<uint8_t>(3 * w0 + w1 + 4);
}

inline uint8_t packTL1Byte(const int8_t *w) {
  return static_cast<uint8_t>(tl1Index(w[0], w[1]) |
                              (tl1Index(w[2], w[3]) << 4));
}

inline void unpackTL1Byte(uint8_t b, int8_t *w) {
  const int lo = b & 0xF, hi = b >> 4;
  w[0] = static_cast<int8_t>(lo / 3 - 1);
  w[1] = static_cast<int8_t>(lo % 3 - 1);
  w[2] = static_cast<int8_t>(hi / 3 - 1);
  w[3] = static_cast<int8_t>(hi % 3 - 1);
}

void packTL1Row(const int8_t *w, int64_t k, uint8_t *out) {
  const int64_t full = k / kTL1Block;
  for (int64_t j = 0; j < full; ++j)
    out[j] = packTL1Byte(w + j * kTL1Block);
  const int64_t rem = k - full * kTL1Block;
  if (rem) {
    int8_t tmp[kTL1Block] = {};
    std::memcpy(tmp, w + full * kTL1Block, static_cast<size_t>(rem));
    out[full] = packTL1Byte(tmp);
  }
}

void unpackTL1Row(const uint8_t *in, int64_t k, int8_t *w) {
  const int64_t full = k / kTL1Block;
  for (int64_t j = 0; j < full; ++j)
    unpackTL1Byte(in[j], w + j * kTL1Block);
  const int64_t rem = k - full * kTL1Block;
  if (rem) {
    int8_t tmp[kTL1Block];
    unpackTL1Byte(in[full], tmp);
    std::memcpy(w + full * kTL1Block, tmp, static_cast<size_t>(rem));
  }
}

//===----------------------------------------------------------------------===//
// TL2
//===----------------------------------------------------------------------===//

inline void packTL2Group(const int8_t *w, uint8_t *out) {
  uint8_t mags[8];
  uint8_t signs = 0;
  for (int t = 0; t < 8; ++t) {
    const int v = 9 * w[3 * t] + 3 * w[3 * t + 1] + w[3 * t + 2];
    const int neg = v < 0;
    mags[t] = static_cast<uint8_t>(neg ? -v : v);
    signs = static_cast<uint8_t>(signs | (neg << t));
  }
  for (int j = 0; j < 4; ++j)
    out[j] = static_cast<uint8_t>(mags[2 * j] | (mags[2 * j + 1] << 4));
  out[4] = signs;
}

inline void unpackTL2Group(const uint8_t *in, int8_t *w) {
  for (int t = 0; t < 8; ++t) {
    const int mag = (in[t / 2] >> (4 * (t % 2))) & 0xF;
    const int neg = (in[4] >> t) & 1;
    // u = v + 13 = 9*(w0+1) + 3*(w1+1) + (w2+1) for valid codes.
    const int u = (neg ? -mag : mag) + 13;
    w[3 * t] = static_cast<int8_t>(u / 9 - 1);
    w[3 * t + 1] = static_cast<int8_t>((u / 3) % 3 - 1);
    w[3 * t + 2] = static_cast<int8_t>(u % 3 - 1);
  }
}

void packTL2Row(const int8_t *w, int64_t k, uint8_t *out) {
  const int64_t full = k / kTL2Group;
  for (int64_t g = 0; g < full; ++g)
    packTL2Group(w + g * kTL2Group, out + g * kTL2GroupBytes);
  const int64_t rem = k - full * kTL2Group;
  if (rem) {
    int8_t tmp[kTL2Group] = {};
    std::memcpy(tmp, w + full * kTL2Group, static_cast<size_t>(rem));
    packTL2Group(tmp, out + full * kTL2GroupBytes);
  }
}

void unpackTL2Row(const uint8_t *in, int64_t k, int8_t *w) {
  const int64_t full = k / kTL2Group;
  for (int64_t g = 0; g < full; ++g)
    unpackTL2Group(in + g * kTL2GroupBytes, w + g * kTL2Group);
  const int64_t rem = k - full * kTL2Group;
  if (rem) {
    int8_t tmp[kTL2Group];
    unpackTL2Group(in + full * kTL2GroupBytes, tmp);
    std::memcpy(w + full * kTL2Group, tmp, static_cast<size_t>(rem));
  }
}

inline char toLowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

} // namespace

const char *formatName(PackedFormat f) {
  switch (f) {
  case PackedFormat::I2S:
    return "i2s";
  case PackedFormat::TL1:
    return "tl1";
  case PackedFormat::TL2:
    return "tl2";
  }
  return "unknown";
}

std::optional<PackedFormat> parseFormat(std::string_view name) {
  if (name.size() != 3)
    return std::nullopt;
  char s[3] = {toLowerAscii(name[0]), toLowerAscii(name[1]),
               toLowerAscii(name[2])};
  const std::string_view lower(s, 3);
  if (lower == "i2s")
    return PackedFormat::I2S;
  if (lower == "tl1")
    return PackedFormat::TL1;
  if (lower == "tl2")
    return PackedFormat::TL2;
  return std::nullopt;
}

int64_t paddedK(PackedFormat f, int64_t k) {
  assert(k >= 0 && "negative K");
  switch (f) {
  case PackedFormat::I2S:
    return ceilDiv(k, kI2SBlock) * kI2SBlock;
  case PackedFormat::TL1:
    return ceilDiv(k, kTL1Block) * kTL1Block;
  case PackedFormat::TL2:
    return ceilDiv(k, kTL2Group) * kTL2Group;
  }
  return k;
}

int64_t packedRowBytes(PackedFormat f, int64_t k) {
  assert(k >= 0 && "negative K");
  switch (f) {
  case PackedFormat::I2S:
    return ceilDiv(k, kI2SBlock) * kI2SBlockBytes;
  case PackedFormat::TL1:
    return ceilDiv(k, kTL1Block);
  case PackedFormat::TL2:
    return ceilDiv(k, kTL2Group) * kTL2GroupBytes;
  }
  return 0;
}

void pack(PackedFormat f, const int8_t *wt, int64_t m, int64_t k,
          uint8_t *out) {
  assert(isTernary(wt, m * k) && "pack: weights must be in {-1,0,1}");
  const int64_t rowBytes = packedRowBytes(f, k);
  for (int64_t r = 0; r < m; ++r) {
    const int8_t *w = wt + r * k;
    uint8_t *o = out + r * rowBytes;
    switch (f) {
    case PackedFormat::I2S:
      packI2SRow(w, k, o);
      break;
    case PackedFormat::TL1:
      packTL1Row(w, k, o);
      break;
    case PackedFormat::TL2:
      packTL2Row(w, k, o);
      break;
    }
  }
}

void unpack(PackedFormat f, const uint8_t *packed, int64_t m, int64_t k,
            int8_t *wt) {
  const int64_t rowBytes = packedRowBytes(f, k);
  for (int64_t r = 0; r < m; ++r) {
    const uint8_t *in = packed + r * rowBytes;
    int8_t *w = wt + r * k;
    switch (f) {
    case PackedFormat::I2S:
      unpackI2SRow(in, k, w);
      break;
    case PackedFormat::TL1:
      unpackTL1Row(in, k, w);
      break;
    case PackedFormat::TL2:
      unpackTL2Row(in, k, w);
      break;
    }
  }
}

} // namespace mlir::bitnet::ref
