//===- Reference.h - Reference semantics for BitNet b1.58 -------*- C++ -*-===//
//
// The exact numerical oracle that all generated code is tested against.
//
// Everything here is plain C++17 with no MLIR/LLVM dependency. All floating
// point arithmetic is performed in IEEE-754 binary32 (float), never in double,
// with the order of operations spelled out in each comment below (see also
// docs/numerics.md). "roundeven" means round to nearest integer, ties to even;
// it is implemented independently of the current floating-point rounding mode.
//
// Packed weight layouts are described bit by bit in docs/formats.md.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_REFERENCE_REFERENCE_H
#define BITNET_REFERENCE_REFERENCE_H

#include <cstdint>
#include <optional>
#include <string_view>

namespace mlir::bitnet::ref {

/// Lower bound applied to every scale denominator (weight absmean, activation
/// absmax) and added to the int4 absmean.
constexpr float kScaleFloor = 1e-5f;

/// Packed ternary weight formats. See docs/formats.md.
enum class PackedFormat { I2S, TL1, TL2, T5, TL2R };

/// Returns "i2s", "tl1", "tl2", "t5" or "tl2r".
const char *formatName(PackedFormat f);

/// Parses a format name. Accepts "i2s", "tl1", "tl2", "t5", "tl2r" in any letter case;
/// anything else yields std::nullopt.
std::optional<PackedFormat> parseFormat(std::string_view name);

/// K rounded up to the format's block: a multiple of 128 (I2S), 4 (TL1),
/// 24 (TL2, TL2R) or 160 (T5). paddedK(f, 0) == 0. Precondition: k >= 0.
int64_t paddedK(PackedFormat f, int64_t k);

/// Bytes per packed output row:
///   I2S: ceil(K/128) * 32,   TL1: ceil(K/4),   TL2, TL2R: ceil(K/24) * 5,
///   T5: ceil(K/160) * 32. (TL2R's rows are interleaved in tiles of 16, but
///   an M-row matrix still takes M * packedRowBytes bytes.)
/// Precondition: k >= 0.
int64_t packedRowBytes(PackedFormat f, int64_t k);

/// Rows packed together: 16 for TL2R (its tiles), 1 for the formats packed
/// row by row. Packed matrices concatenate into the packed rows of the
/// stacked matrix when every part but the last has a multiple of this.
int64_t packedTileRows(PackedFormat f);

/// Per-tensor absmean weight scale:
///   gamma = max(mean|W|, 1e-5f)
/// where mean|W| = float(sum / double(count)), the sum being a sequential
/// left-to-right double accumulation of |w[i]| (exact enough that the order
/// of summation practically never changes the float result).
/// An empty tensor (count == 0) has mean 0 and hence gamma = 1e-5f.
float absMeanScale(const float *w, int64_t count);

/// Ternarizes a weight tensor:
///   gamma = absMeanScale(w, count)
///   wt[i] = clamp(roundeven(w[i] / gamma), -1, 1)      (a true float division)
/// Returns gamma. NaN quotients map to 0.
float ternarize(const float *w, int64_t count, int8_t *wt);

/// Per-token (per row of `cols` values) int8 absmax activation quantization:
///   m = max(max_j |x[j]|, 1e-5f)
///   s = 127.0f / m
///   q[j] = clamp(roundeven(x[j] * s), -128, 127)
/// scales[row] = s (the multiplier; dequantized value is q / s).
/// q is rows*cols int8, scales is rows floats. NaN products map to 0.
void quantizeInt8AbsMax(const float *x, int64_t rows, int64_t cols, int8_t *q,
                        float *scales);

/// Per-token int4 absmean activation quantization (stored in int8):
///   beta = mean|x| of the row, computed as in absMeanScale (double sum)
///   s = sqrtf(7.0f) / (beta + 1e-5f)
///   q[j] = clamp(roundeven(x[j] * s), -8, 7)
/// scales[row] = s. For cols == 0, beta = 0. NaN products map to 0.
void quantizeInt4AbsMean(const float *x, int64_t rows, int64_t cols, int8_t *q,
                         float *scales);

/// Dispatches to quantizeInt8AbsMax (bits == 8) or quantizeInt4AbsMean
/// (bits == 4). Any other value of `bits` prints a message and aborts
/// (also in release builds). With `reciprocalScale`, s is (1 / m) * 127
/// (int4: (1 / (beta + 1e-5)) * sqrt(7)) instead of a division, as
/// PyTorch computes `127 / t` (bitnet.quantize's `reciprocal_scale`).
void quantizeActivations(int bits, const float *x, int64_t rows, int64_t cols,
                         int8_t *q, float *scales, bool reciprocalScale = false);

/// Per-row RMSNorm:
///   ss = sum_j double(x[j] * x[j])     (f32 square, binary64 sum, left to right)
///   r  = 1.0f / sqrtf(float(ss / double(cols)) + epsilon)
///   y[j] = (x[j] * r) * gamma[j]
/// gamma has `cols` entries. cols == 0 leaves y untouched.
void rmsNorm(const float *x, const float *gamma, float epsilon, int64_t rows,
             int64_t cols, float *y);

/// RMSNorm fused with activation quantization: exactly
///   rmsNorm(x, gamma, epsilon) -> quantizeActivations(bits, ...)
/// and, when `sums` is not null, sums[row] = sum_j int32(q[row, j]).
/// `bits` must be 8 or 4 (anything else aborts, as quantizeActivations).
void rmsNormQuantize(int bits, const float *x, const float *gamma,
                     float epsilon, int64_t rows, int64_t cols, int8_t *q,
                     float *scales, int32_t *sums, bool reciprocalScale = false);

/// x[i*cols + j] = float(q[i*cols + j]) / scales[i].
void dequantizeActivations(const int8_t *q, const float *scales, int64_t rows,
                           int64_t cols, float *x);

/// Integer matmul against a transposed (PyTorch Linear, out x in) weight:
///   acc[i*m + j] = sum_{t<k} int32(q[i*k + t]) * int32(w[j*k + t])
/// q is n x k, w is m x k (normally ternary), acc is n x m, all row-major.
/// The caller must ensure the sum fits in int32 (|q| <= 128, ternary w:
/// k < 2^24 suffices).
void ternaryMatmul(const int8_t *q, const int8_t *w, int64_t n, int64_t m,
                   int64_t k, int32_t *acc);

/// Dequantizes matmul accumulators:
///   y[i*m + j] = (float(acc[i*m + j]) * weightScale) / actScales[i]
/// exactly in this order: multiply by gamma first, then divide by s.
void rescale(const int32_t *acc, const float *actScales, float weightScale,
             int64_t n, int64_t m, float *y);

/// BitLinear forward: quantizeActivations(actBits, x) -> ternaryMatmul(q, wt)
/// -> rescale(acc, s, weightScale). x is n x k float, wt is m x k ternary,
/// y is n x m float. actBits must be 8 or 4.
void bitlinear(const float *x, const int8_t *wt, float weightScale, int64_t n,
               int64_t m, int64_t k, int actBits, float *y);

/// Entries kept per row by topkSparsify:
///   k = (int64_t)std::ceil(fraction * (double)cols), clamped to [0, cols].
int64_t topkKeptCount(double fraction, int64_t cols);

/// Per-row top-k magnitude sparsification, k = topkKeptCount(fraction, cols).
/// Element i of a row is kept (copied bit-exactly) iff
///   #{ j : |x_j| > |x_i|  or  (|x_j| == |x_i| and j < i) } < k,
/// i.e. the k largest magnitudes, ties broken in favour of the lower column
/// index. All other elements become +0.0f. Inputs must not contain NaN.
void topkSparsify(const float *x, int64_t rows, int64_t cols, double fraction,
                  float *y);

/// Packs an m x k ternary matrix (row-major, values in {-1,0,1}) into `out`,
/// which must hold m * packedRowBytes(f, k) bytes. Row r starts at byte
/// r * packedRowBytes(f, k), except in TL2R, whose tiles of 16 rows do
/// (docs/formats.md): its first m rows are not a TL2R matrix of m rows
/// unless m is a multiple of 16. Padding weights (columns k..paddedK-1) are
/// encoded as the weight 0. Precondition: isTernary(wt, m*k).
void pack(PackedFormat f, const int8_t *wt, int64_t m, int64_t k, uint8_t *out);

/// Inverse of pack: writes the first k weights of each of the m rows. Invalid
/// codes (I2S code 3, TL1 index > 8, TL2 / TL2R magnitude > 13) decode to values
/// outside {-1,0,1}, detectable with isTernary; a TL2 sign bit on a zero
/// magnitude decodes as 0. Every T5 byte decodes to five ternary weights
/// (the 13 bytes pack never writes alias neighbouring values).
void unpack(PackedFormat f, const uint8_t *packed, int64_t m, int64_t k,
            int8_t *wt);

/// True iff every one of the `count` values is -1, 0 or +1.
bool isTernary(const int8_t *w, int64_t count);

} // namespace mlir::bitnet::ref

#endif // BITNET_REFERENCE_REFERENCE_H
