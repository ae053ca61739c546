//===- TensorOps.cpp - ONNX constants, MatMul, layout and reduction ops ---===//

#include "NodeImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Tosa/Utils/ConversionUtils.h"

#include "llvm/Support/MathExtras.h"

#include <numeric>

using namespace mlir;
using namespace mlir::bitnet::onnx;

namespace {

int64_t product(ArrayRef<int64_t> dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

LogicalResult importConstant(NodeImporter &n) {
  Builder &b = n.b;
  if (n.hasAttr("value") + n.hasAttr("value_float") + n.hasAttr("value_int") +
          n.hasAttr("value_ints") + n.hasAttr("value_floats") +
          n.hasAttr("value_string") + n.hasAttr("value_strings") +
          n.hasAttr("sparse_value") !=
      1)
    return n.failure("needs exactly one value attribute");
  if (const Tensor *t = n.tensorAttr("value")) {
    Type elementType = convertDataType(t->type, b.getContext());
    if (!elementType)
      return n.failure("constant of type " + dataTypeName(t->type) +
                       " is not supported");
    auto type = RankedTensorType::get(t->dims, elementType);
    // Constant nodes hold shape parameters and small tables: keep them as
    // plain dense attributes (foldable) up to 1 MiB, unlike initializers.
    n.setResult(0,
                arith::ConstantOp::create(n.b, type, constantAttr(*t, type, 1 << 20)),
                isUnsignedDataType(t->type));
    return success();
  }
  DenseElementsAttr attr;
  if (n.hasAttr("value_float")) {
    attr = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                  n.floatAttr("value_float", 0));
  } else if (n.hasAttr("value_int")) {
    attr = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()),
                                  n.intAttr("value_int", 0));
  } else if (auto ints = n.intsAttr("value_ints")) {
    attr = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(ints->size())}, b.getI64Type()),
        ArrayRef<int64_t>(*ints));
  } else if (const NodeAttribute *a = n.node.getAttribute("value_floats")) {
    attr = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(a->floats.size())},
                              b.getF32Type()),
        ArrayRef<float>(a->floats));
  } else {
    return n.failure("has no supported value attribute");
  }
  n.setResult(0, arith::ConstantOp::create(n.b, attr));
  return success();
}

} // namespace

FailureOr<Value> mlir::bitnet::onnx::emitMatMul(NodeImporter &n, Value a,
                                                Value b) {
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(b.getType());
  if (aType.getRank() < 2 || bType.getRank() < 2)
    return n.failure("1-D MatMul operands are not supported");
  if (!aType.hasStaticShape() || !bType.hasStaticShape())
    return n.failure("MatMul operands must have static shapes");
  if (aType.getElementType() != bType.getElementType())
    return n.failure("MatMul operands have different element types");
  int64_t m = aType.getDimSize(aType.getRank() - 2);
  int64_t k = aType.getDimSize(aType.getRank() - 1);
  int64_t kb = bType.getDimSize(bType.getRank() - 2);
  int64_t nCols = bType.getDimSize(bType.getRank() - 1);
  if (k != kb)
    return n.failure("MatMul inner dimensions differ: " + llvm::Twine(k) +
                     " vs " + llvm::Twine(kb));
  ArrayRef<int64_t> aBatch = aType.getShape().drop_back(2);
  ArrayRef<int64_t> bBatch = bType.getShape().drop_back(2);

  Value a3, b3;
  int64_t batch;
  if (bBatch.empty()) {
    // Weights shared by every row: one [1, batch*M, K] x [1, K, N] product.
    batch = 1;
    a3 = reshapeTo(n.b, a, {1, product(aBatch) * m, k});
    b3 = reshapeTo(n.b, b, {1, k, nCols});
  } else if (aBatch == bBatch) {
    batch = product(aBatch);
    a3 = reshapeTo(n.b, a, {batch, m, k});
    b3 = reshapeTo(n.b, b, {batch, k, nCols});
  } else {
    return n.failure("MatMul batch broadcasting between shapes of different "
                     "batch dimensions is not supported");
  }
  Type elementType = aType.getElementType();
  Type accType = elementType.isInteger(8) ? n.b.getI32Type() : elementType;
  Value aZp = tosa::createZeroPointTensor(n.b, n.loc(), elementType, 0).value();
  Value bZp = tosa::createZeroPointTensor(n.b, n.loc(), bType.getElementType(), 0)
                  .value();
  int64_t rows = cast<RankedTensorType>(a3.getType()).getDimSize(1);
  Value product3 = tosa::MatMulOp::create(
      n.b, RankedTensorType::get({batch, rows, nCols}, accType), a3, b3, aZp, bZp);
  SmallVector<int64_t> shape(aBatch.size() >= bBatch.size() ? aBatch : bBatch);
  shape.append({m, nCols});
  return reshapeTo(n.b, product3, shape);
}

namespace {

/// MatMul of [..., M, K] x [K, N] or of equal batch shapes, as tosa.matmul
/// on 3-D views.
LogicalResult importMatMul(NodeImporter &n) {
  Value a = n.input(0), b = n.input(1);
  if (!a || !b)
    return failure();
  FailureOr<Value> product = emitMatMul(n, a, b);
  if (failed(product))
    return failure();
  n.setResult(0, *product);
  return success();
}

LogicalResult importTranspose(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> perm;
  if (auto given = n.intsAttr("perm"))
    perm = *given;
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  if (static_cast<int64_t>(perm.size()) != rank)
    return n.failure("perm has " + llvm::Twine(perm.size()) +
                     " entries for rank " + llvm::Twine(rank));
  SmallVector<int64_t> shape;
  SmallVector<int32_t> perm32;
  SmallVector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank)
      return n.failure("perm entry " + llvm::Twine(p) + " is out of range");
    if (seen[p])
      return n.failure("perm entry " + llvm::Twine(p) + " is repeated");
    seen[p] = true;
    shape.push_back(type.getDimSize(p));
    perm32.push_back(static_cast<int32_t>(p));
  }
  n.setResult(0, tosa::TransposeOp::create(n.b, type.clone(shape), x, perm32));
  return success();
}

LogicalResult importReshape(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  auto type = cast<RankedTensorType>(x.getType());
  std::optional<SmallVector<int64_t>> target = n.constantInts(1);
  if (!target)
    return n.failure("the target shape must be a constant (after folding "
                     "shape computations)");
  if (n.inputType(1).getRank() != 1)
    return n.failure("the target shape must be a 1-D tensor");
  bool allowZero = n.intAttr("allowzero", 0) != 0;
  SmallVector<int64_t> shape;
  int64_t inferred = -1, known = 1;
  for (auto [i, d] : llvm::enumerate(*target)) {
    if (d == 0 && !allowZero) {
      if (static_cast<int64_t>(i) >= type.getRank())
        return n.failure("shape entry 0 at " + llvm::Twine(i) +
                         " copies a dimension the input does not have");
      d = type.getDimSize(i);
    }
    if (d == -1) {
      if (inferred >= 0)
        return n.failure("shape has more than one -1");
      inferred = i;
    } else if (d < 0) {
      return n.failure("shape entry " + llvm::Twine(d) + " is negative");
    } else if (llvm::MulOverflow(known, d, known)) {
      return n.failure("the target shape has too many elements");
    }
    shape.push_back(d);
  }
  int64_t total = type.getNumElements();
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      return n.failure("cannot infer the -1 dimension");
    shape[inferred] = total / known;
  } else if (known != total) {
    return n.failure("reshape from " + llvm::Twine(total) + " to " +
                     llvm::Twine(known) + " elements");
  }
  n.setResult(0, reshapeTo(n.b, x, shape));
  return success();
}

enum class ReduceKind { Sum, Max, Mean };

/// Reduce{Sum,Max,Mean}: axes from the attribute (older opsets) or input 1.
LogicalResult importReduce(NodeImporter &n, ReduceKind kind) {
  Value x = n.input(0);
  if (!x)
    return failure();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  std::optional<SmallVector<int64_t>> axes = n.intsAttr("axes");
  if (!axes && n.hasInput(1)) {
    axes = n.constantInts(1);
    if (!axes)
      return n.failure("axes must be a constant");
  }
  SmallVector<int64_t> reduced;
  if (!axes || axes->empty()) {
    if (n.intAttr("noop_with_empty_axes", 0)) {
      n.setResult(0, x);
      return success();
    }
    for (int64_t d = 0; d < rank; ++d)
      reduced.push_back(d);
  } else {
    for (int64_t a : *axes) {
      std::optional<int64_t> axis = n.normalizeAxis(a, rank);
      if (!axis)
        return failure();
      reduced.push_back(*axis);
    }
  }
  llvm::sort(reduced);
  if (llvm::adjacent_find(reduced) != reduced.end())
    return n.failure("axes repeat an axis");

  Value result = x;
  SmallVector<int64_t> shape(type.getShape());
  int64_t count = 1;
  for (int64_t axis : reduced) {
    count *= shape[axis];
    shape[axis] = 1;
    auto reducedType = type.clone(shape);
    if (kind == ReduceKind::Max)
      result = tosa::ReduceMaxOp::create(n.b, reducedType, result,
                                         static_cast<uint32_t>(axis));
    else
      result = tosa::ReduceSumOp::create(n.b, reducedType, result,
                                         static_cast<uint32_t>(axis));
  }
  if (kind == ReduceKind::Mean) {
    Type elementType = type.getElementType();
    if (!isa<FloatType>(elementType))
      return n.failure("ReduceMean of a non-float tensor is not supported");
    Value divisor = arith::ConstantOp::create(
        n.b, DenseElementsAttr::get(RankedTensorType::get({}, elementType),
                                    n.b.getFloatAttr(elementType, count)));
    FailureOr<Value> mean = broadcastGeneric(
        n, {result, divisor}, elementType,
        [](OpBuilder &b, Location loc, ValueRange v) {
          return arith::DivFOp::create(b, loc, v[0], v[1]).getResult();
        });
    if (failed(mean))
      return failure();
    result = *mean;
  }
  if (n.intAttr("keepdims", 1) == 0) {
    SmallVector<int64_t> kept;
    for (int64_t d = 0; d < rank; ++d)
      if (!llvm::is_contained(reduced, d))
        kept.push_back(type.getDimSize(d));
    result = reshapeTo(n.b, result, kept);
  }
  n.setResult(0, result);
  return success();
}

/// Softmax along `axis`: exp(x - max) / sum(exp(x - max)).
LogicalResult importSoftmax(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  auto type = cast<RankedTensorType>(x.getType());
  std::optional<int64_t> axis = n.normalizeAxis(n.intAttr("axis", -1), type.getRank());
  if (!axis)
    return failure();
  SmallVector<int64_t> reducedShape(type.getShape());
  reducedShape[*axis] = 1;
  auto reducedType = type.clone(reducedShape);
  auto axis32 = static_cast<uint32_t>(*axis);
  Value max = tosa::ReduceMaxOp::create(n.b, reducedType, x, axis32);
  Value shifted = tosa::SubOp::create(n.b, type, x, max);
  Value exp = tosa::ExpOp::create(n.b, type, shifted);
  Value sum = tosa::ReduceSumOp::create(n.b, reducedType, exp, axis32);
  FailureOr<Value> result = broadcastGeneric(
      n, {exp, sum}, type.getElementType(),
      [](OpBuilder &b, Location loc, ValueRange v) {
        return arith::DivFOp::create(b, loc, v[0], v[1]).getResult();
      });
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

} // namespace

void mlir::bitnet::onnx::registerTensorImporters(OpImportRegistry &r) {
  r["Constant"] = importConstant;
  r["MatMul"] = importMatMul;
  r["Transpose"] = importTranspose;
  r["Reshape"] = importReshape;
  r["ReduceSum"] = [](NodeImporter &n) { return importReduce(n, ReduceKind::Sum); };
  r["ReduceMax"] = [](NodeImporter &n) { return importReduce(n, ReduceKind::Max); };
  r["ReduceMean"] = [](NodeImporter &n) { return importReduce(n, ReduceKind::Mean); };
  r["Softmax"] = importSoftmax;
}
