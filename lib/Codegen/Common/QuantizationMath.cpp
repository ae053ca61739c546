//===- QuantizationMath.cpp - the scalar formulas of quantization -----===//

#include "bitnet/Codegen/Common/QuantizationMath.h"

#include "bitnet/Reference/Reference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::bitnet;

namespace {

Value constF32(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

} // namespace

FloatType QuantizationScheme::statisticType(OpBuilder &b) const {
  return absMax ? FloatType(b.getF32Type()) : FloatType(b.getF64Type());
}

Value QuantizationScheme::statisticInit(OpBuilder &b, Location loc) const {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(statisticType(b), 0.0));
}

Value QuantizationScheme::accumulate(OpBuilder &b, Location loc, Value acc, Value y) const {
  Value magnitude = math::AbsFOp::create(b, loc, y);
  if (absMax)
    return arith::MaxNumFOp::create(b, loc, acc, magnitude);
  return arith::AddFOp::create(b, loc, acc,
                               arith::ExtFOp::create(b, loc, b.getF64Type(), magnitude));
}

Value QuantizationScheme::combine(OpBuilder &b, Location loc, Value lhs, Value rhs) const {
  if (absMax)
    return arith::MaxNumFOp::create(b, loc, lhs, rhs);
  return arith::AddFOp::create(b, loc, lhs, rhs);
}

Value QuantizationScheme::scale(OpBuilder &b, Location loc, Value statistic,
                                Value countF64) const {
  Value floor = constF32(b, loc, ref::kScaleFloor);
  Value denominator =
      absMax ? arith::MaxNumFOp::create(b, loc, statistic, floor).getResult()
             : arith::AddFOp::create(b, loc, meanToF32(b, loc, statistic, countF64), floor)
                   .getResult();
  Value c = constF32(b, loc, absMax ? 127.0f : std::sqrt(7.0f));
  // c / d, or (1 / d) * c as PyTorch evaluates `c / t`.
  if (reciprocalScale)
    return arith::MulFOp::create(
        b, loc, arith::DivFOp::create(b, loc, constF32(b, loc, 1.0f), denominator), c);
  return arith::DivFOp::create(b, loc, c, denominator);
}

Value QuantizationScheme::code(OpBuilder &b, Location loc, Value y, Value s) const {
  float lo = absMax ? -128.0f : -8.0f, hi = absMax ? 127.0f : 7.0f;
  return roundClampToInt(b, loc, arith::MulFOp::create(b, loc, y, s), lo, hi,
                         b.getI8Type());
}

Value mlir::bitnet::roundClampToInt(OpBuilder &b, Location loc, Value v, float lo,
                                    float hi, Type intType) {
  Value r = math::RoundEvenOp::create(b, loc, v);
  r = arith::MaximumFOp::create(b, loc, r, constF32(b, loc, lo));
  r = arith::MinimumFOp::create(b, loc, r, constF32(b, loc, hi));
  return arith::FPToSIOp::create(b, loc, intType, r);
}

Value mlir::bitnet::meanToF32(OpBuilder &b, Location loc, Value sum, Value count) {
  Value mean = arith::DivFOp::create(b, loc, sum, count);
  return arith::TruncFOp::create(b, loc, b.getF32Type(), mean);
}

Value mlir::bitnet::rmsReciprocal(OpBuilder &b, Location loc, Value sumSquaresF64,
                                  Value countF64, float epsilon) {
  Value mean = meanToF32(b, loc, sumSquaresF64, countF64);
  Value shifted = arith::AddFOp::create(b, loc, mean, constF32(b, loc, epsilon));
  Value root = math::SqrtOp::create(b, loc, shifted);
  return arith::DivFOp::create(b, loc, constF32(b, loc, 1.0f), root);
}

Value mlir::bitnet::accumulateSquare(OpBuilder &b, Location loc, Value acc, Value x) {
  Value square = arith::MulFOp::create(b, loc, x, x);
  return arith::AddFOp::create(b, loc, acc,
                               arith::ExtFOp::create(b, loc, b.getF64Type(), square));
}
