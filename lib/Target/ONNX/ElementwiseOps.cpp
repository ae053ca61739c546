//===- ElementwiseOps.cpp - ONNX elementwise ops -> tosa / linalg ---------===//
//
// Ops with an exact TOSA counterpart become TOSA ops (ranks equalized with
// tosa.reshape for ONNX's multidirectional broadcasting). Ops TOSA lacks or
// approximates (float Div, Sqrt, Round) become a broadcasting linalg.generic
// with the exact arith/math op, so no rounding differs from ONNX.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Tosa/Utils/ConversionUtils.h"
#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;
using namespace mlir::bitnet::onnx;

/// ONNX's type constraint "T" shared by several inputs.
static LogicalResult checkSameElementType(NodeImporter &n, ValueRange values) {
  for (Value v : values.drop_front())
    if (cast<ShapedType>(v.getType()).getElementType() !=
        cast<ShapedType>(values.front().getType()).getElementType())
      return n.failure("operands have different element types");
  return success();
}

FailureOr<SmallVector<int64_t>>
mlir::bitnet::onnx::broadcastShape(NodeImporter &n, ValueRange values) {
  SmallVector<int64_t> shape;
  for (Value v : values) {
    SmallVector<int64_t> next;
    auto type = cast<RankedTensorType>(v.getType());
    if (!OpTrait::util::getBroadcastedShape(shape, type.getShape(), next)) {
      (void)n.failure("operand shapes cannot be broadcast together");
      return failure();
    }
    shape = next;
  }
  return shape;
}

Value mlir::bitnet::onnx::reshapeTo(ImplicitLocOpBuilder &b, Value v,
                                    ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getShape() == shape)
    return v;
  auto newType = type.clone(shape);
  DenseElementsAttr constant;
  if (matchPattern(v, m_Constant(&constant)))
    return arith::ConstantOp::create(b, constant.reshape(newType));
  return tosa::ReshapeOp::create(b, newType, v, tosa::getTosaConstShape(b, shape));
}

Value mlir::bitnet::onnx::padRank(ImplicitLocOpBuilder &b, Value v,
                                  int64_t rank) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == rank)
    return v;
  SmallVector<int64_t> shape(rank - type.getRank(), 1);
  llvm::append_range(shape, type.getShape());
  return reshapeTo(b, v, shape);
}

FailureOr<Value> mlir::bitnet::onnx::broadcastGeneric(
    NodeImporter &n, ValueRange inputs, Type resultElementType,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  FailureOr<SmallVector<int64_t>> shape = broadcastShape(n, inputs);
  if (failed(shape))
    return failure();
  int64_t rank = shape->size();
  MLIRContext *ctx = n.b.getContext();
  SmallVector<AffineMap> maps;
  for (Value v : inputs) {
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<AffineExpr> exprs;
    int64_t offset = rank - type.getRank();
    for (int64_t d = 0; d < type.getRank(); ++d)
      exprs.push_back(type.getDimSize(d) == 1 && (*shape)[offset + d] != 1
                          ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(offset + d, ctx));
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = tensor::EmptyOp::create(n.b, *shape, resultElementType);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             n.b, init.getType(), inputs, ValueRange{init}, maps, iterators,
             [&](OpBuilder &b, Location loc, ValueRange args) {
               linalg::YieldOp::create(b, loc, body(b, loc, args.drop_back()));
             })
      .getResult(0);
}

namespace {

/// A TOSA binary op on rank-equalized operands; the result element type is
/// the operands' unless given.
template <typename TosaOp>
FailureOr<Value> emitTosaBinary(NodeImporter &n, Value lhs, Value rhs,
                                Type resultElementType = {}) {
  if (failed(checkSameElementType(n, {lhs, rhs})))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = broadcastShape(n, {lhs, rhs});
  if (failed(shape))
    return failure();
  Type elementType = resultElementType
                         ? resultElementType
                         : cast<RankedTensorType>(lhs.getType()).getElementType();
  auto resultType = RankedTensorType::get(*shape, elementType);
  lhs = padRank(n.b, lhs, shape->size());
  rhs = padRank(n.b, rhs, shape->size());
  if constexpr (std::is_same_v<TosaOp, tosa::MulOp>) {
    auto shiftType = RankedTensorType::get({1}, n.b.getI8Type());
    Value shift = tosa::ConstOp::create(
        n.b, shiftType, DenseElementsAttr::get(shiftType, n.b.getI8IntegerAttr(0)));
    return Value(tosa::MulOp::create(n.b, resultType, lhs, rhs, shift));
  } else {
    return Value(TosaOp::create(n.b, resultType, lhs, rhs));
  }
}

template <typename TosaOp>
LogicalResult importTosaBinaryAs(NodeImporter &n, Type resultElementType) {
  Value lhs = n.input(0), rhs = n.input(1);
  if (!lhs || !rhs)
    return failure();
  FailureOr<Value> result = emitTosaBinary<TosaOp>(n, lhs, rhs, resultElementType);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

/// Greater/Less/GreaterOrEqual/LessOrEqual as TOSA comparisons (Less swaps
/// the operands). TOSA compares signed, so unsigned integers (ONNX uint8,
/// signless i8 here) compare in a linalg.generic with arith.cmpi's unsigned
/// predicates.
template <typename TosaOp, bool swapOperands, arith::CmpIPredicate unsignedPredicate>
LogicalResult importComparison(NodeImporter &n) {
  Value lhs = n.input(0), rhs = n.input(1);
  if (!lhs || !rhs)
    return failure();
  if (n.isUnsigned(0) || n.isUnsigned(1)) {
    if (failed(checkSameElementType(n, {lhs, rhs})))
      return failure();
    if (!cast<RankedTensorType>(lhs.getType()).getElementType().isInteger())
      return n.failure("unsigned operands must be integers");
    FailureOr<Value> result = broadcastGeneric(
        n, {lhs, rhs}, n.b.getI1Type(),
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return arith::CmpIOp::create(b, loc, unsignedPredicate, args[0], args[1]);
        });
    if (failed(result))
      return failure();
    n.setResult(0, *result);
    return success();
  }
  if (swapOperands)
    std::swap(lhs, rhs);
  FailureOr<Value> result = emitTosaBinary<TosaOp>(n, lhs, rhs, n.b.getI1Type());
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

/// BitShift: logical shifts (ONNX bit shifts are defined on unsigned types).
LogicalResult importBitShift(NodeImporter &n) {
  Value lhs = n.input(0), rhs = n.input(1);
  if (!lhs || !rhs)
    return failure();
  if (!cast<RankedTensorType>(lhs.getType()).getElementType().isInteger())
    return n.failure("shifts integers, not " +
                     llvm::Twine(llvm::isa<FloatType>(
                                     cast<RankedTensorType>(lhs.getType()).getElementType())
                                     ? "floats"
                                     : "this type"));
  std::string direction = n.stringAttr("direction", "");
  FailureOr<Value> result =
      direction == "LEFT"    ? emitTosaBinary<tosa::LogicalLeftShiftOp>(n, lhs, rhs)
      : direction == "RIGHT" ? emitTosaBinary<tosa::LogicalRightShiftOp>(n, lhs, rhs)
                             : FailureOr<Value>(n.failure(
                                   "direction must be LEFT or RIGHT, got '" +
                                   direction + "'"));
  if (failed(result))
    return failure();
  n.setResult(0, *result, n.isUnsigned(0));
  return success();
}

/// BitwiseAnd/Or/Xor: the result is unsigned when the (same-typed) operands
/// are.
template <typename TosaOp> LogicalResult importBitwise(NodeImporter &n) {
  Value lhs = n.input(0), rhs = n.input(1);
  if (!lhs || !rhs)
    return failure();
  if (!cast<RankedTensorType>(lhs.getType()).getElementType().isInteger())
    return n.failure("takes integers");
  FailureOr<Value> result = emitTosaBinary<TosaOp>(n, lhs, rhs);
  if (failed(result))
    return failure();
  n.setResult(0, *result, n.isUnsigned(0));
  return success();
}

LogicalResult importBitwiseNot(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  if (!cast<RankedTensorType>(x.getType()).getElementType().isInteger())
    return n.failure("takes integers");
  n.setResult(0, tosa::BitwiseNotOp::create(n.b, x.getType(), x), n.isUnsigned(0));
  return success();
}

/// Max/Min of one or more inputs.
template <typename TosaOp> LogicalResult importVariadic(NodeImporter &n) {
  Value result = n.input(0);
  if (!result)
    return failure();
  for (unsigned i = 1; i < n.numInputs(); ++i) {
    Value next = n.input(i);
    if (!next)
      return failure();
    FailureOr<Value> combined = emitTosaBinary<TosaOp>(n, result, next);
    if (failed(combined))
      return failure();
    result = *combined;
  }
  n.setResult(0, result);
  return success();
}

/// Pow: the result has the base's type; a float base with an integer
/// exponent casts the exponent, an integer base is raised in float.
LogicalResult importPow(NodeImporter &n) {
  Value base = n.input(0), exponent = n.input(1);
  if (!base || !exponent)
    return failure();
  auto baseType = cast<RankedTensorType>(base.getType());
  auto expType = cast<RankedTensorType>(exponent.getType());
  Type baseElement = baseType.getElementType();
  Type computeType = isa<FloatType>(baseElement) ? baseElement
                     : isa<FloatType>(expType.getElementType())
                         ? expType.getElementType()
                         : n.b.getF32Type();
  auto castTo = [&](Value v, Type element) -> Value {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getElementType() == element)
      return v;
    return tosa::CastOp::create(n.b, type.clone(element), v);
  };
  FailureOr<Value> result = emitTosaBinary<tosa::PowOp>(
      n, castTo(base, computeType), castTo(exponent, computeType));
  if (failed(result))
    return failure();
  n.setResult(0, castTo(*result, baseElement));
  return success();
}

template <typename TosaOp> LogicalResult importTosaBinary(NodeImporter &n) {
  return importTosaBinaryAs<TosaOp>(n, Type());
}

/// A TOSA unary op with the input's type.
template <typename TosaOp> LogicalResult importTosaUnary(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  n.setResult(0, TosaOp::create(n.b, x.getType(), x));
  return success();
}

LogicalResult importDiv(NodeImporter &n) {
  Value lhs = n.input(0), rhs = n.input(1);
  if (!lhs || !rhs || failed(checkSameElementType(n, {lhs, rhs})))
    return failure();
  Type elementType = cast<RankedTensorType>(lhs.getType()).getElementType();
  bool isFloat = isa<FloatType>(elementType);
  bool isUnsigned = n.isUnsigned(0);
  FailureOr<Value> result = broadcastGeneric(
      n, {lhs, rhs}, elementType, [&](OpBuilder &b, Location loc, ValueRange a) {
        if (isFloat)
          return arith::DivFOp::create(b, loc, a[0], a[1]).getResult();
        // ONNX leaves integer division by zero (and INT_MIN / -1) undefined;
        // the hardware traps. Defined here as numpy has them: x / 0 = 0,
        // INT_MIN / -1 = INT_MIN (the division by 1 that replaces it).
        Value x = a[0], d = a[1];
        auto constant = [&](int64_t v) -> Value {
          return arith::ConstantOp::create(b, loc, b.getIntegerAttr(elementType, v));
        };
        Value zero = constant(0), one = constant(1);
        Value byZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, d, zero);
        Value replace = byZero;
        if (!isUnsigned) {
          unsigned width = elementType.getIntOrFloatBitWidth();
          Value min = arith::ConstantOp::create(
              b, loc, b.getIntegerAttr(elementType, llvm::APInt::getSignedMinValue(width)));
          Value overflow = arith::AndIOp::create(
              b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, min),
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, d, constant(-1)));
          replace = arith::OrIOp::create(b, loc, byZero, overflow);
        }
        Value divisor = arith::SelectOp::create(b, loc, replace, one, d);
        Value quotient =
            isUnsigned ? arith::DivUIOp::create(b, loc, x, divisor).getResult()
                       : arith::DivSIOp::create(b, loc, x, divisor).getResult();
        return arith::SelectOp::create(b, loc, byZero, zero, quotient).getResult();
      });
  if (failed(result))
    return failure();
  n.setResult(0, *result, isUnsigned);
  return success();
}

/// A float unary op computed exactly with a math/arith op.
template <typename MathOp> LogicalResult importExactUnary(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  auto type = cast<RankedTensorType>(x.getType());
  if (!isa<FloatType>(type.getElementType()))
    return n.failure("expects a float input");
  FailureOr<Value> result = broadcastGeneric(
      n, {x}, type.getElementType(), [](OpBuilder &b, Location loc, ValueRange a) {
        return MathOp::create(b, loc, a[0]).getResult();
      });
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

LogicalResult importNeg(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  Type elementType = cast<RankedTensorType>(x.getType()).getElementType();
  FailureOr<Value> result = broadcastGeneric(
      n, {x}, elementType, [&](OpBuilder &b, Location loc, ValueRange a) {
        if (isa<FloatType>(elementType))
          return arith::NegFOp::create(b, loc, a[0]).getResult();
        Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
        return arith::SubIOp::create(b, loc, zero, a[0]).getResult();
      });
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

/// Clamp bounds as attributes of the input's element type.
mlir::Attribute boundAttr(OpBuilder &b, Type elementType, double value) {
  if (auto floatType = dyn_cast<FloatType>(elementType))
    return b.getFloatAttr(floatType, value);
  return b.getIntegerAttr(elementType, static_cast<int64_t>(value));
}

double lowest(Type t) {
  if (isa<FloatType>(t))
    return -std::numeric_limits<double>::infinity();
  return static_cast<double>(
      APInt::getSignedMinValue(t.getIntOrFloatBitWidth()).getSExtValue());
}

double highest(Type t) {
  if (isa<FloatType>(t))
    return std::numeric_limits<double>::infinity();
  return static_cast<double>(
      APInt::getSignedMaxValue(t.getIntOrFloatBitWidth()).getSExtValue());
}

LogicalResult importClamp(NodeImporter &n, std::optional<double> lo,
                          std::optional<double> hi) {
  Value x = n.input(0);
  if (!x)
    return failure();
  Type elementType = cast<RankedTensorType>(x.getType()).getElementType();
  n.setResult(0, tosa::ClampOp::create(
                     n.b, x.getType(), x,
                     boundAttr(n.b, elementType, lo.value_or(lowest(elementType))),
                     boundAttr(n.b, elementType, hi.value_or(highest(elementType)))));
  return success();
}

/// A scalar bound given as an optional constant input.
FailureOr<std::optional<double>> constantBound(NodeImporter &n, unsigned i) {
  if (!n.hasInput(i))
    return std::optional<double>();
  DenseElementsAttr attr = n.constantInput(i);
  if (!attr || attr.getNumElements() != 1) {
    (void)n.failure("bound " + llvm::Twine(i) + " must be a constant scalar");
    return failure();
  }
  if (isa<FloatType>(attr.getElementType()))
    return std::optional<double>(
        (*attr.getValues<APFloat>().begin()).convertToDouble());
  return std::optional<double>(
      static_cast<double>((*attr.getValues<APInt>().begin()).getSExtValue()));
}

/// Clip: tosa.clamp for constant bounds; maximum/minimum with run-time ones.
LogicalResult importClip(NodeImporter &n) {
  bool constantBounds = (!n.hasInput(1) || n.constantInput(1)) &&
                        (!n.hasInput(2) || n.constantInput(2));
  if (constantBounds) {
    FailureOr<std::optional<double>> lo = constantBound(n, 1);
    FailureOr<std::optional<double>> hi = constantBound(n, 2);
    if (failed(lo) || failed(hi))
      return failure();
    return importClamp(n, *lo, *hi);
  }
  Value result = n.input(0);
  if (!result)
    return failure();
  if (n.hasInput(1)) {
    FailureOr<Value> clamped = emitTosaBinary<tosa::MaximumOp>(n, result, n.input(1));
    if (failed(clamped))
      return failure();
    result = *clamped;
  }
  if (n.hasInput(2)) {
    FailureOr<Value> clamped = emitTosaBinary<tosa::MinimumOp>(n, result, n.input(2));
    if (failed(clamped))
      return failure();
    result = *clamped;
  }
  n.setResult(0, result);
  return success();
}

LogicalResult importRelu(NodeImporter &n) { return importClamp(n, 0.0, {}); }

LogicalResult importWhere(NodeImporter &n) {
  Value cond = n.input(0), a = n.input(1), c = n.input(2);
  if (!cond || !a || !c || failed(checkSameElementType(n, {a, c})))
    return failure();
  if (!cast<ShapedType>(cond.getType()).getElementType().isInteger(1))
    return n.failure("the condition must be a bool tensor");
  FailureOr<SmallVector<int64_t>> shape = broadcastShape(n, {cond, a, c});
  if (failed(shape))
    return failure();
  int64_t rank = shape->size();
  auto type = RankedTensorType::get(
      *shape, cast<RankedTensorType>(a.getType()).getElementType());
  n.setResult(0, tosa::SelectOp::create(n.b, type, padRank(n.b, cond, rank),
                                        padRank(n.b, a, rank),
                                        padRank(n.b, c, rank)));
  return success();
}

LogicalResult importCast(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  Type to = convertDataType(static_cast<int>(n.intAttr("to", 0)), n.b.getContext());
  if (!to)
    return n.failure("cast to " + dataTypeName(static_cast<int>(n.intAttr("to", 0))) +
                     " is not supported");
  int toType = static_cast<int>(n.intAttr("to", 0));
  bool toUnsigned = isUnsignedDataType(toType);
  auto type = cast<RankedTensorType>(x.getType());
  Type from = type.getElementType();
  if (from == to && n.isUnsigned(0) == toUnsigned) {
    n.setResult(0, x, toUnsigned);
    return success();
  }
  if (n.isUnsigned(0) || toUnsigned) {
    // Unsigned data: zero-extend / unsigned conversions, exactly.
    bool fromUnsigned = n.isUnsigned(0);
    FailureOr<Value> result = broadcastGeneric(
        n, {x}, to, [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          Value v = a[0];
          if (isa<FloatType>(from))
            return toUnsigned ? arith::FPToUIOp::create(b, loc, to, v).getResult()
                              : arith::FPToSIOp::create(b, loc, to, v).getResult();
          if (isa<FloatType>(to))
            return fromUnsigned ? arith::UIToFPOp::create(b, loc, to, v).getResult()
                                : arith::SIToFPOp::create(b, loc, to, v).getResult();
          unsigned fromWidth = from.getIntOrFloatBitWidth(),
                   toWidth = to.getIntOrFloatBitWidth();
          // uint8 <-> int8: the same bits, a new value of the other signedness.
          if (fromWidth == toWidth)
            return v;
          if (fromWidth > toWidth)
            return arith::TruncIOp::create(b, loc, to, v);
          return fromUnsigned ? arith::ExtUIOp::create(b, loc, to, v).getResult()
                              : arith::ExtSIOp::create(b, loc, to, v).getResult();
        });
    if (failed(result))
      return failure();
    n.setResult(0, *result, toUnsigned);
    return success();
  }
  n.setResult(0, tosa::CastOp::create(n.b, type.clone(to), x));
  return success();
}

LogicalResult importIdentity(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  n.setResult(0, x);
  return success();
}

} // namespace

void mlir::bitnet::onnx::registerElementwiseImporters(OpImportRegistry &r) {
  r["Add"] = importTosaBinary<tosa::AddOp>;
  r["Sub"] = importTosaBinary<tosa::SubOp>;
  r["Mul"] = importTosaBinary<tosa::MulOp>;
  r["Div"] = importDiv;
  r["Pow"] = importPow;
  r["Max"] = importVariadic<tosa::MaximumOp>;
  r["Min"] = importVariadic<tosa::MinimumOp>;
  r["Equal"] = [](NodeImporter &n) {
    return importTosaBinaryAs<tosa::EqualOp>(n, n.b.getI1Type());
  };
  using Pred = arith::CmpIPredicate;
  r["Greater"] = importComparison<tosa::GreaterOp, false, Pred::ugt>;
  r["Less"] = importComparison<tosa::GreaterOp, true, Pred::ult>;
  r["GreaterOrEqual"] = importComparison<tosa::GreaterEqualOp, false, Pred::uge>;
  r["LessOrEqual"] = importComparison<tosa::GreaterEqualOp, true, Pred::ule>;
  r["And"] = importTosaBinary<tosa::LogicalAndOp>;
  r["Or"] = importTosaBinary<tosa::LogicalOrOp>;
  r["Xor"] = importTosaBinary<tosa::LogicalXorOp>;
  r["Not"] = importTosaUnary<tosa::LogicalNotOp>;
  r["Where"] = importWhere;
  r["BitwiseAnd"] = importBitwise<tosa::BitwiseAndOp>;
  r["BitwiseOr"] = importBitwise<tosa::BitwiseOrOp>;
  r["BitwiseXor"] = importBitwise<tosa::BitwiseXorOp>;
  r["BitwiseNot"] = importBitwiseNot;
  r["BitShift"] = importBitShift;
  r["Abs"] = importTosaUnary<tosa::AbsOp>;
  r["Reciprocal"] = importTosaUnary<tosa::ReciprocalOp>;
  r["Exp"] = importTosaUnary<tosa::ExpOp>;
  r["Tanh"] = importTosaUnary<tosa::TanhOp>;
  r["Sigmoid"] = importTosaUnary<tosa::SigmoidOp>;
  r["Erf"] = importTosaUnary<tosa::ErfOp>;
  r["Cos"] = importTosaUnary<tosa::CosOp>;
  r["Sin"] = importTosaUnary<tosa::SinOp>;
  r["Neg"] = importNeg;
  r["Sqrt"] = importExactUnary<math::SqrtOp>;
  r["Round"] = importExactUnary<math::RoundEvenOp>;
  r["Relu"] = importRelu;
  r["Clip"] = importClip;
  r["Cast"] = importCast;
  r["Identity"] = importIdentity;
}
