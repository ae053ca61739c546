//===- PackRoundTripFuzzer.cpp - libFuzzer target for packed formats ------===//
//
// Arbitrary bytes become a ternary [M, K] matrix; every format must unpack
// to exactly what was packed, and padding must decode as zero weights.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Reference/Reference.h"

#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace mlir::bitnet::ref;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  int64_t m = 1 + data[0] % 5;
  int64_t k = 1 + data[1] % 300;
  std::vector<int8_t> w(m * k);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<int8_t>(2 + i < size ? data[2 + i] % 3 - 1 : 0);

  for (PackedFormat format :
       {PackedFormat::I2S, PackedFormat::TL1, PackedFormat::TL2,
        PackedFormat::T5, PackedFormat::TL2R}) {
    std::vector<uint8_t> packed(m * packedRowBytes(format, k));
    pack(format, w.data(), m, k, packed.data());
    std::vector<int8_t> back(w.size());
    unpack(format, packed.data(), m, k, back.data());
    if (back != w)
      std::abort();
    int64_t padded = paddedK(format, k);
    std::vector<int8_t> withPadding(m * padded);
    unpack(format, packed.data(), m, padded, withPadding.data());
    for (int64_t r = 0; r < m; ++r)
      for (int64_t c = k; c < padded; ++c)
        if (withPadding[r * padded + c] != 0)
          std::abort();
  }
  return 0;
}
