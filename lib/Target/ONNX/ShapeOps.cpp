//===- ShapeOps.cpp - ONNX shape and data-movement ops ----------------===//
//
// Shape, Unsqueeze/Squeeze, Concat, Slice, Split, Expand, Gather, Trilu,
// ScatterND, Gemm. Constant inputs are folded before these run (ConstantFolding.cpp);
// these handlers emit TOSA for run-time values. Shape parameters (axes,
// starts, target shapes) must be constants after folding.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "bitnet/Dialect/BitNet/IR/FunctionAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Tosa/Utils/ConversionUtils.h"
#include "mlir/Dialect/Traits.h"

using namespace mlir;
using namespace mlir::bitnet::onnx;
using mlir::bitnet::kIndexBoundsAttr;

namespace {

Value i64Constant(ImplicitLocOpBuilder &b, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getI64Type());
  return arith::ConstantOp::create(b, DenseElementsAttr::get(type, values));
}

/// Axes from input `i` (opset >= 13) or the `axes` attribute (older).
std::optional<SmallVector<int64_t>> axesOperand(NodeImporter &n, unsigned i) {
  if (n.hasInput(i))
    return n.constantInts(i);
  return n.intsAttr("axes");
}

LogicalResult importShape(NodeImporter &n) {
  RankedTensorType type = n.inputType(0);
  if (!type)
    return failure();
  if (!type.hasStaticShape())
    return n.failure("Shape of a tensor with dynamic dimensions");
  int64_t rank = type.getRank();
  int64_t start = n.intAttr("start", 0), end = n.intAttr("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  n.setResult(0, i64Constant(n.b, type.getShape().slice(start, std::max<int64_t>(0, end - start))));
  return success();
}

LogicalResult importUnsqueeze(NodeImporter &n) {
  Value x = n.input(0);
  auto axes = axesOperand(n, 1);
  if (!x)
    return failure();
  if (!axes)
    return n.failure("axes must be a constant");
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank() + axes->size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t a : *axes) {
    std::optional<int64_t> axis = n.normalizeAxis(a, rank);
    if (!axis)
      return failure();
    if (inserted[*axis])
      return n.failure("axis " + llvm::Twine(a) + " is repeated");
    inserted[*axis] = true;
  }
  SmallVector<int64_t> shape;
  int64_t next = 0;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(inserted[d] ? 1 : type.getDimSize(next++));
  n.setResult(0, reshapeTo(n.b, x, shape));
  return success();
}

LogicalResult importSqueeze(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  auto type = cast<RankedTensorType>(x.getType());
  auto axes = axesOperand(n, 1);
  if (n.hasInput(1) && !axes)
    return n.failure("axes must be a constant");
  SmallVector<bool> removed(type.getRank(), false);
  if (axes && !axes->empty()) {
    for (int64_t a : *axes) {
      std::optional<int64_t> axis = n.normalizeAxis(a, type.getRank());
      if (!axis)
        return failure();
      if (type.getDimSize(*axis) != 1)
        return n.failure("cannot squeeze axis " + llvm::Twine(a) + " of size " +
                         llvm::Twine(type.getDimSize(*axis)));
      if (removed[*axis])
        return n.failure("axis " + llvm::Twine(a) + " is repeated");
      removed[*axis] = true;
    }
  } else {
    for (int64_t d = 0; d < type.getRank(); ++d)
      removed[d] = type.getDimSize(d) == 1;
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (!removed[d])
      shape.push_back(type.getDimSize(d));
  n.setResult(0, reshapeTo(n.b, x, shape));
  return success();
}

LogicalResult importConcat(NodeImporter &n) {
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < n.numInputs(); ++i) {
    Value v = n.input(i);
    if (!v)
      return failure();
    inputs.push_back(v);
  }
  if (inputs.empty())
    return n.failure("needs at least one input");
  if (!n.hasAttr("axis"))
    return n.failure("attribute 'axis' is required");
  auto type = cast<RankedTensorType>(inputs[0].getType());
  std::optional<int64_t> axis = n.normalizeAxis(n.intAttr("axis", 0), type.getRank());
  if (!axis)
    return failure();
  SmallVector<int64_t> shape(type.getShape());
  shape[*axis] = 0;
  for (Value v : inputs) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != type.getRank() || t.getElementType() != type.getElementType())
      return n.failure("inputs differ in rank or element type");
    shape[*axis] += t.getDimSize(*axis);
  }
  n.setResult(0, tosa::ConcatOp::create(n.b, type.clone(shape), inputs,
                                        n.b.getI32IntegerAttr(*axis)));
  return success();
}

Value slice(ImplicitLocOpBuilder &b, Value x, ArrayRef<int64_t> start,
            ArrayRef<int64_t> size) {
  auto type = cast<RankedTensorType>(x.getType());
  return tosa::SliceOp::create(b, type.clone(size), x,
                               tosa::getTosaConstShape(b, start),
                               tosa::getTosaConstShape(b, size));
}

LogicalResult importSlice(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  auto type = cast<RankedTensorType>(x.getType());
  auto starts = n.constantInts(1), ends = n.constantInts(2);
  if (!starts || !ends)
    return n.failure("starts and ends must be constants");
  SmallVector<int64_t> axes, steps(starts->size(), 1);
  if (n.hasInput(3)) {
    auto given = n.constantInts(3);
    if (!given)
      return n.failure("axes must be a constant");
    axes = *given;
  } else {
    for (size_t i = 0; i < starts->size(); ++i)
      axes.push_back(i);
  }
  if (n.hasInput(4)) {
    auto given = n.constantInts(4);
    if (!given)
      return n.failure("steps must be a constant");
    steps = *given;
  }
  if (axes.size() != starts->size() || ends->size() != starts->size() ||
      steps.size() != starts->size())
    return n.failure("starts, ends, axes and steps must have the same length");
  SmallVector<int64_t> begin(type.getRank(), 0), size(type.getShape());
  SmallVector<bool> sliced(type.getRank(), false);
  for (size_t i = 0; i < axes.size(); ++i) {
    std::optional<int64_t> axis = n.normalizeAxis(axes[i], type.getRank());
    if (!axis)
      return failure();
    if (sliced[*axis])
      return n.failure("axis " + llvm::Twine(axes[i]) + " is repeated");
    sliced[*axis] = true;
    if (steps[i] != 1)
      return n.failure("Slice with step " + llvm::Twine(steps[i]) +
                       " on a run-time tensor is not supported");
    int64_t dim = type.getDimSize(*axis);
    auto clampIndex = [dim](int64_t v) {
      return std::clamp<int64_t>(v < 0 ? (v < -dim ? 0 : v + dim) : v, 0, dim);
    };
    int64_t s = clampIndex((*starts)[i]), e = clampIndex((*ends)[i]);
    begin[*axis] = s;
    size[*axis] = std::max<int64_t>(0, e - s);
  }
  n.setResult(0, slice(n.b, x, begin, size));
  return success();
}

/// The most slices one ScatterND may write (each is one tensor.insert_slice).
constexpr int64_t kMaxScatteredSlices = 4096;

/// ScatterND without reduction, constant indices: exporters write slice
/// assignment (`w[a:b] = v`) this way. Each run of index tuples that
/// addresses consecutive slices becomes one tensor.insert_slice of the
/// matching rows of `updates`. torch's dynamo exporter scatters int8 updates
/// into uint8 data (onnxruntime refuses such a node); both are i8 here and
/// the bytes are the same, so it is accepted.
LogicalResult importScatterND(NodeImporter &n) {
  Value data = n.input(0), updates = n.input(2);
  if (!data || !updates)
    return failure();
  std::string reduction = n.stringAttr("reduction", "none");
  if (reduction != "none")
    return n.failure("reduction '" + reduction + "' is not supported");
  auto indices = n.constantInts(1);
  if (!indices)
    return n.failure("indices must be a constant");
  auto dataType = cast<RankedTensorType>(data.getType());
  auto updatesType = cast<RankedTensorType>(updates.getType());
  ArrayRef<int64_t> indicesShape = n.inputType(1).getShape();
  if (dataType.getElementType() != updatesType.getElementType())
    return n.failure("data and updates have different element types");
  int64_t k = indicesShape.empty() ? 0 : indicesShape.back();
  if (k < 1 || k > dataType.getRank())
    return n.failure("the last dimension of indices must be in [1, rank of "
                     "data]; got " + llvm::Twine(k));
  SmallVector<int64_t> expected(indicesShape.drop_back());
  llvm::append_range(expected, dataType.getShape().drop_front(k));
  if (updatesType.getShape() != ArrayRef<int64_t>(expected))
    return n.failure("updates must have shape indices.shape[:-1] + "
                     "data.shape[k:]");
  int64_t count = static_cast<int64_t>(indices->size()) / k;
  ArrayRef<int64_t> tail = dataType.getShape().drop_front(k);
  SmallVector<int64_t> rowsShape{count};
  llvm::append_range(rowsShape, tail);
  Value rows = reshapeTo(n.b, updates, rowsShape);

  // The index tuple of update u, negative indices counted from the end.
  auto tupleAt = [&](int64_t u) -> FailureOr<SmallVector<int64_t>> {
    SmallVector<int64_t> tuple;
    for (int64_t d = 0; d < k; ++d) {
      int64_t dim = dataType.getDimSize(d), i = (*indices)[u * k + d];
      if (i < -dim || i >= dim) {
        (void)n.failure("index " + llvm::Twine(i) + " is out of range for "
                        "dimension " + llvm::Twine(d) + " of size " +
                        llvm::Twine(dim));
        return failure();
      }
      tuple.push_back(i < 0 ? i + dim : i);
    }
    return tuple;
  };
  Value result = data;
  int64_t slices = 0;
  for (int64_t u = 0; u < count;) {
    FailureOr<SmallVector<int64_t>> first = tupleAt(u);
    if (failed(first))
      return failure();
    int64_t length = 1;
    for (; u + length < count; ++length) {
      FailureOr<SmallVector<int64_t>> next = tupleAt(u + length);
      if (failed(next))
        return failure();
      SmallVector<int64_t> want(*first);
      want.back() += length;
      if (*next != want)
        break;
    }
    if (++slices > kMaxScatteredSlices)
      return n.failure("indices address more than " +
                       llvm::Twine(kMaxScatteredSlices) +
                       " separate slices; not supported");
    SmallVector<int64_t> partStart(rowsShape.size(), 0), partSize(rowsShape);
    partStart[0] = u;
    partSize[0] = length;
    Value part = length == count ? rows : slice(n.b, rows, partStart, partSize);
    SmallVector<int64_t> offsets(*first), sizes(k, 1), strides(dataType.getRank(), 1);
    offsets.append(tail.size(), 0);
    sizes.back() = length;
    llvm::append_range(sizes, tail);
    result = tensor::InsertSliceOp::create(
        n.b, part, result, ValueRange{}, ValueRange{}, ValueRange{},
        n.b.getDenseI64ArrayAttr(offsets), n.b.getDenseI64ArrayAttr(sizes),
        n.b.getDenseI64ArrayAttr(strides));
    u += length;
  }
  n.setResult(0, result, n.isUnsigned(0));
  return success();
}

LogicalResult importSplit(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  auto type = cast<RankedTensorType>(x.getType());
  std::optional<int64_t> axis = n.normalizeAxis(n.intAttr("axis", 0), type.getRank());
  if (!axis)
    return failure();
  FailureOr<SmallVector<int64_t>> sizes = splitSizes(n, type.getDimSize(*axis));
  if (failed(sizes))
    return failure();
  SmallVector<int64_t> begin(type.getRank(), 0), size(type.getShape());
  for (auto [i, part] : llvm::enumerate(*sizes)) {
    size[*axis] = part;
    n.setResult(i, slice(n.b, x, begin, size));
    begin[*axis] += part;
  }
  return success();
}

LogicalResult importExpand(NodeImporter &n) {
  Value x = n.input(0);
  auto target = n.constantInts(1);
  if (!x)
    return failure();
  if (!target)
    return n.failure("the target shape must be a constant");
  for (int64_t d : *target)
    if (d < 0)
      return n.failure("target shape has a negative size " + llvm::Twine(d));
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(type.getShape(), *target, shape))
    return n.failure("cannot expand the input to the target shape");
  Value padded = padRank(n.b, x, shape.size());
  auto paddedType = cast<RankedTensorType>(padded.getType());
  SmallVector<int64_t> multiples;
  for (auto [have, want] : llvm::zip_equal(paddedType.getShape(), shape))
    multiples.push_back(have == want ? 1 : want);
  if (llvm::all_of(multiples, [](int64_t m) { return m == 1; })) {
    n.setResult(0, padded);
    return success();
  }
  n.setResult(0, tosa::TileOp::create(n.b, type.clone(shape), padded,
                                      tosa::getTosaConstShape(n.b, multiples)));
  return success();
}

/// Notes on the model function that graph input `input` indexes a table:
/// its elements must lie in [lo, hi) (the tightest of all its uses).
void recordIndexBounds(NodeImporter &n, BlockArgument input, int64_t lo,
                       int64_t hi) {
  Operation *func = input.getOwner()->getParentOp();
  MLIRContext *ctx = func->getContext();
  const std::string &name = n.node.inputs[1];
  NamedAttrList bounds;
  if (auto existing = func->getAttrOfType<DictionaryAttr>(kIndexBoundsAttr)) {
    bounds = NamedAttrList(existing);
    if (auto old = dyn_cast_or_null<DenseI64ArrayAttr>(bounds.get(name))) {
      lo = std::max(lo, old[0]);
      hi = std::min(hi, old[1]);
    }
  }
  bounds.set(name, DenseI64ArrayAttr::get(ctx, {lo, hi}));
  func->setAttr(kIndexBoundsAttr, bounds.getDictionary(ctx));
}

/// Gather along `axis` as tosa.gather on the view [1, K, rest] of the data
/// with that axis moved to the front, then the gathered index dimensions
/// moved back to where the axis was.
LogicalResult importGather(NodeImporter &n) {
  Value data = n.input(0), indices = n.input(1);
  if (!data || !indices)
    return failure();
  auto dataType = cast<RankedTensorType>(data.getType());
  auto indexType = cast<RankedTensorType>(indices.getType());
  if (!dataType.hasStaticShape() || !indexType.hasStaticShape())
    return n.failure("Gather needs static shapes");
  int64_t rank = dataType.getRank();
  std::optional<int64_t> axis = n.normalizeAxis(n.intAttr("axis", 0), rank);
  if (!axis)
    return failure();
  ArrayRef<int64_t> dims = dataType.getShape();
  int64_t k = dims[*axis];
  // Constant indices (a weight's row, say) are checked here; run-time ones
  // by the runtime against the bounds the entry point records.
  if (auto constant = n.constantInts(1))
    for (int64_t idx : *constant)
      if (idx < -k || idx >= k)
        return n.failure("index " + llvm::Twine(idx) +
                         " is out of range for an axis of size " + llvm::Twine(k));
  if (auto graphInput = dyn_cast<BlockArgument>(indices))
    recordIndexBounds(n, graphInput, -k, k);

  // Data with `axis` first: [K, others...].
  SmallVector<int32_t> toFront = {static_cast<int32_t>(*axis)};
  SmallVector<int64_t> others;
  for (int64_t d = 0; d < rank; ++d)
    if (d != *axis) {
      toFront.push_back(d);
      others.push_back(dims[d]);
    }
  Value front = data;
  if (*axis != 0) {
    SmallVector<int64_t> shape = {k};
    shape.append(others);
    front = tosa::TransposeOp::create(n.b, dataType.clone(shape), data, toFront);
  }
  int64_t inner = 1;
  for (int64_t d : others)
    inner *= d;
  int64_t count = indexType.getNumElements();

  // Negative indices count from the end: idx < 0 ? idx + K : idx, as i32.
  Type i32 = n.b.getI32Type();
  Value bound = arith::ConstantOp::create(
      n.b, DenseElementsAttr::get(RankedTensorType::get({}, indexType.getElementType()),
                                  n.b.getIntegerAttr(indexType.getElementType(), k)));
  FailureOr<Value> normalized = broadcastGeneric(
      n, {indices, bound}, i32, [&](OpBuilder &b, Location loc, ValueRange v) {
        Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(v[0].getType()));
        Value negative =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v[0], zero);
        Value wrapped = arith::AddIOp::create(b, loc, v[0], v[1]);
        Value index = arith::SelectOp::create(b, loc, negative, wrapped, v[0]);
        if (index.getType() == b.getI32Type())
          return index;
        return arith::TruncIOp::create(b, loc, b.getI32Type(), index).getResult();
      });
  if (failed(normalized))
    return failure();
  Value gathered = tosa::GatherOp::create(
      n.b, RankedTensorType::get({1, count, inner}, dataType.getElementType()),
      reshapeTo(n.b, front, {1, k, inner}), reshapeTo(n.b, *normalized, {1, count}));

  // [indices..., others...] -> [others before axis, indices..., others after].
  SmallVector<int64_t> gatheredShape(indexType.getShape());
  gatheredShape.append(others);
  Value result = reshapeTo(n.b, gathered, gatheredShape);
  if (*axis != 0) {
    int64_t q = indexType.getRank();
    SmallVector<int32_t> perm;
    SmallVector<int64_t> shape;
    for (int64_t d = 0; d < *axis; ++d)
      perm.push_back(q + d);
    for (int64_t d = 0; d < q; ++d)
      perm.push_back(d);
    for (int64_t d = *axis; d < rank - 1; ++d)
      perm.push_back(q + d);
    for (int32_t p : perm)
      shape.push_back(gatheredShape[p]);
    result = tosa::TransposeOp::create(
        n.b, RankedTensorType::get(shape, dataType.getElementType()), result, perm);
  }
  n.setResult(0, result);
  return success();
}

/// Trilu keeps the upper (or lower) triangle of the last two dimensions,
/// shifted by k; a constant mask and tosa.select.
LogicalResult importTrilu(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() < 2 || !type.hasStaticShape())
    return n.failure("Trilu needs a static shape of rank >= 2");
  int64_t k = 0;
  if (n.hasInput(1)) {
    auto given = n.constantInts(1);
    if (!given || given->size() != 1)
      return n.failure("k must be a constant scalar");
    k = (*given)[0];
  }
  bool upper = n.intAttr("upper", 1) != 0;
  int64_t rows = type.getDimSize(type.getRank() - 2);
  int64_t cols = type.getDimSize(type.getRank() - 1);
  SmallVector<bool> keep;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      keep.push_back(upper ? j - i >= k : j - i <= k);
  auto maskType = RankedTensorType::get({rows, cols}, n.b.getI1Type());
  Value mask = arith::ConstantOp::create(
      n.b, DenseElementsAttr::get(maskType, llvm::ArrayRef<bool>(keep)));
  Value zero = arith::ConstantOp::create(
      n.b, DenseElementsAttr::get(RankedTensorType::get({}, type.getElementType()),
                                  n.b.getZeroAttr(type.getElementType())));
  int64_t rank = type.getRank();
  n.setResult(0, tosa::SelectOp::create(n.b, type, padRank(n.b, mask, rank), x,
                                        padRank(n.b, zero, rank)));
  return success();
}

/// Gemm: alpha * op(A) op(B) + beta * C for 2-D A and B.
LogicalResult importGemm(NodeImporter &n) {
  Value a = n.input(0), b = n.input(1);
  if (!a || !b)
    return failure();
  auto transpose2D = [&](Value v) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    return tosa::TransposeOp::create(
        n.b, t.clone({t.getDimSize(1), t.getDimSize(0)}), v,
        ArrayRef<int32_t>{1, 0});
  };
  if (cast<RankedTensorType>(a.getType()).getRank() != 2 ||
      cast<RankedTensorType>(b.getType()).getRank() != 2)
    return n.failure("Gemm operands must be 2-D");
  for (unsigned i = 0; i < n.numInputs(); ++i)
    if (n.hasInput(i) && !isa<FloatType>(n.inputType(i).getElementType()))
      return n.failure("Gemm of non-float tensors is not supported");
  if (n.intAttr("transA", 0))
    a = transpose2D(a);
  if (n.intAttr("transB", 0))
    b = transpose2D(b);
  FailureOr<Value> y = emitMatMul(n, a, b);
  if (failed(y))
    return failure();
  Type elementType = cast<RankedTensorType>(y->getType()).getElementType();
  auto scaled = [&](Value v, float factor) -> FailureOr<Value> {
    if (factor == 1.0f)
      return v;
    Value c = arith::ConstantOp::create(
        n.b, DenseElementsAttr::get(RankedTensorType::get({}, elementType),
                                    n.b.getFloatAttr(elementType, factor)));
    return broadcastGeneric(n, {v, c}, elementType,
                            [](OpBuilder &b, Location loc, ValueRange x) {
                              return arith::MulFOp::create(b, loc, x[0], x[1])
                                  .getResult();
                            });
  };
  FailureOr<Value> result = scaled(*y, n.floatAttr("alpha", 1.0f));
  if (failed(result))
    return failure();
  if (n.hasInput(2)) {
    FailureOr<Value> c = scaled(n.input(2), n.floatAttr("beta", 1.0f));
    if (failed(c))
      return failure();
    result = broadcastGeneric(n, {*result, *c}, elementType,
                              [](OpBuilder &b, Location loc, ValueRange x) {
                                return arith::AddFOp::create(b, loc, x[0], x[1])
                                    .getResult();
                              });
    if (failed(result))
      return failure();
  }
  n.setResult(0, *result);
  return success();
}

/// ConstantOfShape and Range exist only folded (ConstantFolding.cpp says
/// why a constant one was refused).
LogicalResult needsConstantInputs(NodeImporter &n) {
  return n.failure("needs constant inputs (it is evaluated at import), of at "
                   "most 2^16 float or 2^24 integer elements");
}

} // namespace

FailureOr<SmallVector<int64_t>>
mlir::bitnet::onnx::splitSizes(NodeImporter &n, int64_t dim) {
  int64_t outputs = n.node.outputs.size();
  SmallVector<int64_t> sizes;
  if (n.hasInput(1) || n.hasAttr("split")) {
    auto given = n.hasInput(1) ? n.constantInts(1) : n.intsAttr("split");
    if (!given)
      return n.failure("split sizes must be a constant");
    sizes = *given;
  } else {
    int64_t parts = n.intAttr("num_outputs", outputs);
    if (parts <= 0)
      return n.failure("cannot split into " + llvm::Twine(parts) + " parts");
    int64_t chunk = (dim + parts - 1) / parts;
    for (int64_t i = 0; i < parts; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
  }
  if (static_cast<int64_t>(sizes.size()) != outputs)
    return n.failure("split into " + llvm::Twine(sizes.size()) + " parts for " +
                     llvm::Twine(outputs) + " outputs");
  int64_t total = 0;
  for (int64_t part : sizes) {
    if (part < 0)
      return n.failure("split size " + llvm::Twine(part) + " is negative");
    if (__builtin_add_overflow(total, part, &total))
      total = INT64_MAX;
  }
  if (total != dim)
    return n.failure("split sizes add up to " + llvm::Twine(total) +
                     ", the axis has " + llvm::Twine(dim));
  return sizes;
}

void mlir::bitnet::onnx::registerShapeImporters(OpImportRegistry &r) {
  r["Shape"] = importShape;
  r["Unsqueeze"] = importUnsqueeze;
  r["Squeeze"] = importSqueeze;
  r["Concat"] = importConcat;
  r["Slice"] = importSlice;
  r["Split"] = importSplit;
  r["Expand"] = importExpand;
  r["Gather"] = importGather;
  r["Trilu"] = importTrilu;
  r["ScatterND"] = importScatterND;
  r["Gemm"] = importGemm;
  r["ConstantOfShape"] = needsConstantInputs;
  r["Range"] = needsConstantInputs;
  r["CumSum"] = needsConstantInputs;
  r["GatherND"] = needsConstantInputs;
}
