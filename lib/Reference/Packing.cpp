//===- Packing.cpp - Packed ternary weight formats ------------------------===//
//
// Bit-exact layouts are documented in docs/formats.md. All formats but TL2R
// store the rows of an M x K matrix one after another, each row padded to
// the format's block size with the weight 0; TL2R interleaves tiles of 16
// rows (in as many bytes).
//
//===----------------------------------------------------------------------===//

#include "bitnet/Reference/Reference.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace mlir::bitnet::ref {

namespace {

/// Ternary code c = w + 1 in {0,1,2}.
inline uint8_t code(int8_t w) { return static_cast<uint8_t>(w + 1); }

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Each format is a fixed-size block of weights <-> a fixed-size block of
// bytes; a row is a sequence of blocks, the last one padded with zeros.

/// I2S: 128 weights -> 32 bytes; byte j holds weights j, j+32, j+64, j+96 at
/// shifts 6, 4, 2, 0.
struct I2SLayout {
  static constexpr int64_t kWeights = 128, kBytes = 32;

  static void pack(const int8_t *w, uint8_t *out) {
    for (int j = 0; j < 32; ++j)
      out[j] = static_cast<uint8_t>((code(w[j]) << 6) | (code(w[j + 32]) << 4) |
                                    (code(w[j + 64]) << 2) | code(w[j + 96]));
  }

  static void unpack(const uint8_t *in, int8_t *w) {
    for (int j = 0; j < 32; ++j) {
      const uint8_t b = in[j];
      w[j] = static_cast<int8_t>(((b >> 6) & 3) - 1);
      w[j + 32] = static_cast<int8_t>(((b >> 4) & 3) - 1);
      w[j + 64] = static_cast<int8_t>(((b >> 2) & 3) - 1);
      w[j + 96] = static_cast<int8_t>((b & 3) - 1);
    }
  }
};

/// TL1: 4 weights -> 1 byte; pair index 3*w0 + w1 + 4 in [0, 8], the first
/// pair in the low nibble.
struct TL1Layout {
  static constexpr int64_t kWeights = 4, kBytes = 1;

  static uint8_t index(int8_t w0, int8_t w1) {
    return static_cast<uint8_t>(3 * w0 + w1 + 4);
  }

  static void pack(const int8_t *w, uint8_t *out) {
    out[0] = static_cast<uint8_t>(index(w[0], w[1]) | (index(w[2], w[3]) << 4));
  }

  static void unpack(const uint8_t *in, int8_t *w) {
    const int lo = in[0] & 0xF, hi = in[0] >> 4;
    w[0] = static_cast<int8_t>(lo / 3 - 1);
    w[1] = static_cast<int8_t>(lo % 3 - 1);
    w[2] = static_cast<int8_t>(hi / 3 - 1);
    w[3] = static_cast<int8_t>(hi % 3 - 1);
  }
};

/// TL2: 24 weights (8 triples) -> 5 bytes; |9*w0 + 3*w1 + w2| in nibbles
/// (bytes 0..3, triple 2j low, 2j+1 high), signs in byte 4 (bit t).
struct TL2Layout {
  static constexpr int64_t kWeights = 24, kBytes = 5;

  static void pack(const int8_t *w, uint8_t *out) {
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

  static void unpack(const uint8_t *in, int8_t *w) {
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
};

/// T5: 160 weights -> 32 bytes; byte j holds the codes of weights j + 32p
/// (p = 0..4) as the base-3 number v = sum(c_p * 3^(4-p)) in fixed point,
/// ceil(v * 256 / 243): digit p is the integer part of 3 * y_p / 256 with
/// y_0 = byte, y_{p+1} = 3 * y_p mod 256, so decoders need only byte adds.
struct T5Layout {
  static constexpr int64_t kWeights = 160, kBytes = 32;

  static void pack(const int8_t *w, uint8_t *out) {
    for (int j = 0; j < 32; ++j) {
      int v = 0;
      for (int p = 0; p < 5; ++p)
        v = 3 * v + code(w[j + 32 * p]);
      out[j] = static_cast<uint8_t>((v * 256 + 242) / 243);
    }
  }

  static void unpack(const uint8_t *in, int8_t *w) {
    for (int j = 0; j < 32; ++j) {
      int y = in[j];
      for (int p = 0; p < 5; ++p) {
        const int product = 3 * y;
        w[j + 32 * p] = static_cast<int8_t>((product >> 8) - 1);
        y = product & 0xFF;
      }
    }
  }
};

/// TL2R: TL2's triples (|v| and sign(v), v = 9*w0 + 3*w1 + w2), with 16
/// rows interleaved so that a lookup-table kernel reads one row per 32-bit
/// lane. A tile of h <= 16 rows (the last may be short) stores per group of
/// 24 weights 4h magnitude bytes (byte 4r + p: triple p of row r in the low
/// nibble, triple 4 + p in the high one) and then h bytes of sign bits
/// (bit 4r + p: triple p of row r; bit 4h + 4r + p: triple 4 + p).
struct TL2RTiles {
  static constexpr int64_t kRows = 16, kWeights = 24, kRowBytes = 5;

  /// Triple t of group g of row `w` (k weights), as (magnitude, negative).
  static std::pair<int, int> triple(const int8_t *w, int64_t k, int64_t g, int t) {
    int v = 0;
    for (int i = 0; i < 3; ++i) {
      const int64_t col = g * kWeights + 3 * t + i;
      v = 3 * v + (col < k ? w[col] : 0);
    }
    return {v < 0 ? -v : v, v < 0};
  }

  /// Calls fn(row, group, triple, magnitude byte, its shift, sign byte, its
  /// bit) for every triple slot of an m x k matrix.
  template <typename Fn> static void forEachSlot(int64_t m, int64_t k, Fn fn) {
    const int64_t groups = ceilDiv(k, kWeights);
    for (int64_t first = 0; first < m; first += kRows) {
      const int64_t h = std::min<int64_t>(kRows, m - first);
      const int64_t tile = first * groups * kRowBytes;
      for (int64_t g = 0; g < groups; ++g) {
        const int64_t base = tile + g * kRowBytes * h;
        for (int64_t r = 0; r < h; ++r)
          for (int t = 0; t < 8; ++t) {
            const int p = t % 4, half = t / 4;
            const int64_t bit = half * 4 * h + 4 * r + p;
            fn(first + r, g, t, base + 4 * r + p, 4 * half, base + 4 * h + bit / 8,
               static_cast<int>(bit % 8));
          }
      }
    }
  }

  static void pack(const int8_t *wt, int64_t m, int64_t k, uint8_t *out) {
    std::memset(out, 0, static_cast<size_t>(m * ceilDiv(k, kWeights) * kRowBytes));
    forEachSlot(m, k, [&](int64_t row, int64_t g, int t, int64_t magByte, int magShift,
                          int64_t signByte, int signBit) {
      auto [mag, negative] = triple(wt + row * k, k, g, t);
      out[magByte] = static_cast<uint8_t>(out[magByte] | mag << magShift);
      out[signByte] = static_cast<uint8_t>(out[signByte] | negative << signBit);
    });
  }

  static void unpack(const uint8_t *in, int64_t m, int64_t k, int8_t *wt) {
    forEachSlot(m, k, [&](int64_t row, int64_t g, int t, int64_t magByte, int magShift,
                          int64_t signByte, int signBit) {
      const int mag = (in[magByte] >> magShift) & 0xF;
      const int negative = (in[signByte] >> signBit) & 1;
      const int u = (negative ? -mag : mag) + 13; // as in TL2
      const int weights[3] = {u / 9 - 1, (u / 3) % 3 - 1, u % 3 - 1};
      for (int i = 0; i < 3; ++i) {
        const int64_t col = g * kWeights + 3 * t + i;
        if (col < k)
          wt[row * k + col] = static_cast<int8_t>(weights[i]);
      }
    });
  }
};

template <typename Layout>
void packRow(const int8_t *w, int64_t k, uint8_t *out) {
  const int64_t full = k / Layout::kWeights;
  for (int64_t b = 0; b < full; ++b)
    Layout::pack(w + b * Layout::kWeights, out + b * Layout::kBytes);
  if (const int64_t rem = k - full * Layout::kWeights) {
    int8_t tail[Layout::kWeights] = {};
    std::memcpy(tail, w + full * Layout::kWeights, static_cast<size_t>(rem));
    Layout::pack(tail, out + full * Layout::kBytes);
  }
}

template <typename Layout>
void unpackRow(const uint8_t *in, int64_t k, int8_t *w) {
  const int64_t full = k / Layout::kWeights;
  for (int64_t b = 0; b < full; ++b)
    Layout::unpack(in + b * Layout::kBytes, w + b * Layout::kWeights);
  if (const int64_t rem = k - full * Layout::kWeights) {
    int8_t tail[Layout::kWeights];
    Layout::unpack(in + full * Layout::kBytes, tail);
    std::memcpy(w + full * Layout::kWeights, tail, static_cast<size_t>(rem));
  }
}

/// Calls `fn(Layout{})` with the layout of `f`.
template <typename Fn> auto withLayout(PackedFormat f, Fn &&fn) {
  switch (f) {
  case PackedFormat::I2S:
    return fn(I2SLayout{});
  case PackedFormat::TL1:
    return fn(TL1Layout{});
  case PackedFormat::TL2:
  case PackedFormat::TL2R: // (the sizes of TL2; the tiles are TL2RTiles)
    return fn(TL2Layout{});
  case PackedFormat::T5:
    return fn(T5Layout{});
  }
  return fn(I2SLayout{});
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
  case PackedFormat::T5:
    return "t5";
  case PackedFormat::TL2R:
    return "tl2r";
  }
  return "unknown";
}

std::optional<PackedFormat> parseFormat(std::string_view name) {
  if (name.size() < 2 || name.size() > 4)
    return std::nullopt;
  char s[4] = {};
  for (size_t i = 0; i < name.size(); ++i)
    s[i] = toLowerAscii(name[i]);
  const std::string_view lower(s, name.size());
  if (lower == "i2s")
    return PackedFormat::I2S;
  if (lower == "tl1")
    return PackedFormat::TL1;
  if (lower == "tl2")
    return PackedFormat::TL2;
  if (lower == "t5")
    return PackedFormat::T5;
  if (lower == "tl2r")
    return PackedFormat::TL2R;
  return std::nullopt;
}

int64_t paddedK(PackedFormat f, int64_t k) {
  assert(k >= 0 && "negative K");
  return withLayout(f, [k](auto layout) {
    using Layout = decltype(layout);
    return ceilDiv(k, Layout::kWeights) * Layout::kWeights;
  });
}

int64_t packedTileRows(PackedFormat f) {
  return f == PackedFormat::TL2R ? TL2RTiles::kRows : 1;
}

int64_t packedRowBytes(PackedFormat f, int64_t k) {
  assert(k >= 0 && "negative K");
  return withLayout(f, [k](auto layout) {
    using Layout = decltype(layout);
    return ceilDiv(k, Layout::kWeights) * Layout::kBytes;
  });
}

void pack(PackedFormat f, const int8_t *wt, int64_t m, int64_t k,
          uint8_t *out) {
  assert(isTernary(wt, m * k) && "pack: weights must be in {-1,0,1}");
  if (f == PackedFormat::TL2R)
    return TL2RTiles::pack(wt, m, k, out);
  const int64_t rowBytes = packedRowBytes(f, k);
  withLayout(f, [&](auto layout) {
    for (int64_t r = 0; r < m; ++r)
      packRow<decltype(layout)>(wt + r * k, k, out + r * rowBytes);
  });
}

void unpack(PackedFormat f, const uint8_t *packed, int64_t m, int64_t k,
            int8_t *wt) {
  if (f == PackedFormat::TL2R)
    return TL2RTiles::unpack(packed, m, k, wt);
  const int64_t rowBytes = packedRowBytes(f, k);
  withLayout(f, [&](auto layout) {
    for (int64_t r = 0; r < m; ++r)
      unpackRow<decltype(layout)>(packed + r * rowBytes, k, wt + r * k);
  });
}

} // namespace mlir::bitnet::ref
