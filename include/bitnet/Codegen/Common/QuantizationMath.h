//===- QuantizationMath.h - the scalar formulas of quantization --*- C++ -*-===//
//
// The per-row arithmetic of bitnet.quantize and bitnet.rms_norm_quantize
// (docs/numerics.md) as scalar builders, so every lowering (the portable
// linalg one, the GPU kernels) emits the same operations in the same order
// and matches the reference: bit for bit where the summation order is the
// reference's, and in practice elsewhere (the sums are f64; docs/numerics.md).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_CODEGEN_COMMON_QUANTIZATIONMATH_H
#define BITNET_CODEGEN_COMMON_QUANTIZATIONMATH_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

namespace mlir::bitnet {

/// The statistic a row's quantization scale comes from: max|y| in f32
/// (int8 absmax) or sum|y| in f64 (int4 absmean).
struct QuantizationScheme {
  explicit QuantizationScheme(int64_t bits, bool reciprocalScale = false)
      : absMax(bits == 8), reciprocalScale(reciprocalScale) {}
  bool absMax;
  bool reciprocalScale;

  FloatType statisticType(OpBuilder &b) const;
  /// The statistic's starting value (0).
  Value statisticInit(OpBuilder &b, Location loc) const;
  /// `acc` combined with element `y` (f32).
  Value accumulate(OpBuilder &b, Location loc, Value acc, Value y) const;
  /// Two partial statistics combined (lane or thread partials).
  Value combine(OpBuilder &b, Location loc, Value lhs, Value rhs) const;
  /// The row's multiplier s from its statistic and element count (f64).
  Value scale(OpBuilder &b, Location loc, Value statistic, Value countF64) const;
  /// clamp(round_half_even(y * s)) as an i8 code.
  Value code(OpBuilder &b, Location loc, Value y, Value s) const;
};

/// clamp(round_half_even(v), lo, hi) converted to `intType`.
Value roundClampToInt(OpBuilder &b, Location loc, Value v, float lo, float hi,
                      Type intType);

/// float(sum / count), the reference's mean of an f64 sum.
Value meanToF32(OpBuilder &b, Location loc, Value sum, Value count);

/// RMSNorm's 1 / sqrt(float(sumSquares / count) + epsilon), as two correctly
/// rounded operations (not an approximate rsqrt).
Value rmsReciprocal(OpBuilder &b, Location loc, Value sumSquaresF64, Value countF64,
                    float epsilon);

/// `acc` (f64) plus the square of `x` (f32), squared in f32.
Value accumulateSquare(OpBuilder &b, Location loc, Value acc, Value x);

} // namespace mlir::bitnet

#endif // BITNET_CODEGEN_COMMON_QUANTIZATIONMATH_H
