//===- QuantizationOps.cpp - QuantizeLinear, DequantizeLinear, MatMulInteger ===//
//
// Linear (affine) quantization as ONNX defines it, per tensor or per axis,
// for int8 and uint8 data. Computed exactly with linalg.generic bodies
// (TOSA's rescale has different rounding rules).
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::bitnet::onnx;

namespace {

/// A per-axis parameter [C] viewed so that it broadcasts along `axis` of a
/// rank-`rank` tensor; scalars stay as they are.
FailureOr<Value> alongAxis(NodeImporter &n, Value param, int64_t rank) {
  auto type = cast<RankedTensorType>(param.getType());
  if (type.getNumElements() == 1)
    return reshapeTo(n.b, param, {});
  std::optional<int64_t> axis = n.normalizeAxis(n.intAttr("axis", 1), rank);
  if (!axis)
    return failure();
  if (type.getRank() != 1)
    return n.failure("per-axis quantization parameters must be 1-D");
  SmallVector<int64_t> shape(rank, 1);
  shape[*axis] = type.getDimSize(0);
  return reshapeTo(n.b, param, shape);
}

Value toF32(OpBuilder &b, Location loc, Value v, bool isUnsigned) {
  if (v.getType().isF32())
    return v;
  if (isa<FloatType>(v.getType()))
    return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
  return isUnsigned ? arith::UIToFPOp::create(b, loc, b.getF32Type(), v).getResult()
                    : arith::SIToFPOp::create(b, loc, b.getF32Type(), v).getResult();
}

Value toI32(OpBuilder &b, Location loc, Value v, bool isUnsigned) {
  if (v.getType().isInteger(32))
    return v;
  return isUnsigned ? arith::ExtUIOp::create(b, loc, b.getI32Type(), v).getResult()
                    : arith::ExtSIOp::create(b, loc, b.getI32Type(), v).getResult();
}

/// The operands of QuantizeLinear / DequantizeLinear: x, the scale and the
/// zero point if given, the latter two viewed along `axis`.
FailureOr<SmallVector<Value>> affineOperands(NodeImporter &n) {
  Value x = n.input(0), scale = n.input(1);
  if (!x || !scale)
    return failure();
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<Value> operands = {x};
  for (unsigned i = 1; i < 3 && n.hasInput(i); ++i) {
    FailureOr<Value> param = alongAxis(n, n.input(i), rank);
    if (failed(param))
      return failure();
    operands.push_back(*param);
  }
  return operands;
}

/// y = saturate(round_half_even(x / scale) + zero_point).
LogicalResult importQuantizeLinear(NodeImporter &n) {
  FailureOr<SmallVector<Value>> operands = affineOperands(n);
  if (failed(operands))
    return failure();
  SmallVector<Value> &inputs = *operands;
  bool hasZeroPoint = inputs.size() == 3;
  // Without a zero point the output is uint8.
  bool isUnsigned = hasZeroPoint ? n.isUnsigned(2) : true;
  Type outType = hasZeroPoint
                     ? cast<RankedTensorType>(inputs[2].getType()).getElementType()
                     : n.b.getI8Type();
  if (!outType.isInteger(8))
    return n.failure("only int8 and uint8 quantization is supported");
  float lo = isUnsigned ? 0.0f : -128.0f, hi = isUnsigned ? 255.0f : 127.0f;
  FailureOr<Value> y = broadcastGeneric(
      n, inputs, outType, [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        Value v = arith::DivFOp::create(b, loc, toF32(b, loc, a[0], false),
                                        toF32(b, loc, a[1], false));
        v = math::RoundEvenOp::create(b, loc, v);
        if (hasZeroPoint)
          v = arith::AddFOp::create(b, loc, v, toF32(b, loc, a[2], isUnsigned));
        v = arith::MaximumFOp::create(
            b, loc, v, arith::ConstantOp::create(b, loc, b.getF32FloatAttr(lo)));
        v = arith::MinimumFOp::create(
            b, loc, v, arith::ConstantOp::create(b, loc, b.getF32FloatAttr(hi)));
        return isUnsigned ? arith::FPToUIOp::create(b, loc, outType, v).getResult()
                          : arith::FPToSIOp::create(b, loc, outType, v).getResult();
      });
  if (failed(y))
    return failure();
  n.setResult(0, *y, isUnsigned);
  return success();
}

/// y = (x - zero_point) * scale.
LogicalResult importDequantizeLinear(NodeImporter &n) {
  FailureOr<SmallVector<Value>> operands = affineOperands(n);
  if (failed(operands))
    return failure();
  SmallVector<Value> &inputs = *operands;
  bool xUnsigned = n.isUnsigned(0), hasZeroPoint = inputs.size() == 3;
  Type outType = cast<RankedTensorType>(inputs[1].getType()).getElementType();
  FailureOr<Value> y = broadcastGeneric(
      n, inputs, outType, [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        Value v = toI32(b, loc, a[0], xUnsigned);
        if (hasZeroPoint)
          v = arith::SubIOp::create(b, loc, v, toI32(b, loc, a[2], xUnsigned));
        Value f = arith::SIToFPOp::create(b, loc, b.getF32Type(), v);
        return arith::MulFOp::create(b, loc, f, toF32(b, loc, a[1], false));
      });
  if (failed(y))
    return failure();
  n.setResult(0, *y);
  return success();
}

/// (A - a_zero_point) x (B - b_zero_point) in i32, for 2-D A and B.
LogicalResult importMatMulInteger(NodeImporter &n) {
  Value a = n.input(0), b = n.input(1);
  if (!a || !b)
    return failure();
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(b.getType());
  if (aType.getRank() != 2 || bType.getRank() != 2)
    return n.failure("MatMulInteger supports 2-D operands");
  auto widened = [&](Value v, unsigned zpIndex, bool isUnsigned,
                     bool zpPerRow) -> FailureOr<Value> {
    SmallVector<Value> inputs = {v};
    if (n.hasInput(zpIndex)) {
      Value zp = n.input(zpIndex);
      auto zpType = cast<RankedTensorType>(zp.getType());
      if (zpType.getNumElements() == 1)
        zp = reshapeTo(n.b, zp, {});
      else
        zp = reshapeTo(n.b, zp, zpPerRow ? ArrayRef<int64_t>{zpType.getNumElements(), 1}
                                         : ArrayRef<int64_t>{1, zpType.getNumElements()});
      inputs.push_back(zp);
    }
    return broadcastGeneric(n, inputs, n.b.getI32Type(),
                            [&](OpBuilder &ob, Location loc, ValueRange x) -> Value {
                              Value w = toI32(ob, loc, x[0], isUnsigned);
                              if (x.size() == 1)
                                return w;
                              return arith::SubIOp::create(
                                  ob, loc, w, toI32(ob, loc, x[1], isUnsigned));
                            });
  };
  FailureOr<Value> a32 = widened(a, 2, n.isUnsigned(0), /*zpPerRow=*/true);
  FailureOr<Value> b32 = widened(b, 3, n.isUnsigned(1), /*zpPerRow=*/false);
  if (failed(a32) || failed(b32))
    return failure();
  auto resultType = RankedTensorType::get(
      {aType.getDimSize(0), bType.getDimSize(1)}, n.b.getI32Type());
  Value init = tensor::EmptyOp::create(n.b, resultType.getShape(), n.b.getI32Type());
  Value zero = arith::ConstantOp::create(n.b, n.b.getI32IntegerAttr(0));
  init = linalg::FillOp::create(n.b, zero, init).getResult(0);
  n.setResult(0, linalg::MatmulOp::create(n.b, TypeRange{resultType},
                                          ValueRange{*a32, *b32}, ValueRange{init})
                     .getResult(0));
  return success();
}

} // namespace

void mlir::bitnet::onnx::registerQuantizationImporters(OpImportRegistry &r) {
  r["QuantizeLinear"] = importQuantizeLinear;
  r["DequantizeLinear"] = importDequantizeLinear;
  r["MatMulInteger"] = importMatMulInteger;
}
