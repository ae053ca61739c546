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
  }
  return "unknown";
}

std::optional<PackedFormat> parseFormat(std::string_view name) {
  if (name.size() < 2 || name.size() > 3)
    return std::nullopt;
  char s[3] = {};
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
  return std::nullopt;
}

int64_t paddedK(PackedFormat f, int64_t k) {
  assert(k >= 0 && "negative K");
  return withLayout(f, [k](auto layout) {
    using Layout = decltype(layout);
    return ceilDiv(k, Layout::kWeights) * Layout::kWeights;
  });
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
  const int64_t rowBytes = packedRowBytes(f, k);
  withLayout(f, [&](auto layout) {
    for (int64_t r = 0; r < m; ++r)
      packRow<decltype(layout)>(wt + r * k, k, out + r * rowBytes);
  });
}

void unpack(PackedFormat f, const uint8_t *packed, int64_t m, int64_t k,
            int8_t *wt) {
  const int64_t rowBytes = packedRowBytes(f, k);
  withLayout(f, [&](auto layout) {
    for (int64_t r = 0; r < m; ++r)
      unpackRow<decltype(layout)>(packed + r * rowBytes, k, wt + r * k);
  });
}

} // namespace mlir::bitnet::ref
