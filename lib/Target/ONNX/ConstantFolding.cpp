//===- ConstantFolding.cpp - evaluate shape computations at import --------===//
//
// torch.onnx.export emits shape arithmetic (Shape, Gather, Concat, Equal,
// Where, Expand, ...) around every reshape. With static input shapes these
// are computations on constants; they are evaluated here so that the
// imported IR carries constant shapes. Only integer/bool arithmetic and
// data movement are folded: float arithmetic stays in the IR so that its
// rounding is the compiled code's, not the host's.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Traits.h"
#include "llvm/ADT/STLExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::bitnet::onnx;

namespace {

/// A small constant tensor on the host: integers (and bools) as int64,
/// floats as double (only moved, never computed with).
struct HostTensor {
  Type elementType;
  SmallVector<int64_t> shape;
  std::vector<int64_t> ints;
  std::vector<double> floats;

  bool isFloat() const { return isa<FloatType>(elementType); }
  int64_t size() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  int64_t rank() const { return shape.size(); }

  static std::optional<HostTensor> fromAttr(DenseElementsAttr attr) {
    HostTensor t;
    t.elementType = attr.getElementType();
    t.shape.assign(attr.getType().getShape().begin(),
                   attr.getType().getShape().end());
    if (t.isFloat()) {
      for (const APFloat &v : attr.getValues<APFloat>())
        t.floats.push_back(v.convertToDouble());
    } else if (t.elementType.isInteger(1)) {
      for (bool v : attr.getValues<bool>())
        t.ints.push_back(v);
    } else if (t.elementType.isInteger()) {
      bool isUnsigned = t.elementType.isUnsignedInteger();
      for (const APInt &v : attr.getValues<APInt>())
        t.ints.push_back(isUnsigned ? static_cast<int64_t>(v.getZExtValue())
                                    : v.getSExtValue());
    } else {
      return std::nullopt;
    }
    return t;
  }

  DenseElementsAttr toAttr() const {
    auto type = RankedTensorType::get(shape, elementType);
    if (auto floatType = dyn_cast<FloatType>(elementType)) {
      SmallVector<APFloat> values;
      for (double v : floats) {
        APFloat f(v);
        bool lost;
        f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                  &lost);
        values.push_back(f);
      }
      return DenseElementsAttr::get(type, values);
    }
    if (elementType.isInteger(1)) {
      SmallVector<bool> values(ints.begin(), ints.end());
      return DenseElementsAttr::get(type, llvm::ArrayRef<bool>(values));
    }
    unsigned width = elementType.getIntOrFloatBitWidth();
    SmallVector<APInt> values;
    for (int64_t v : ints)
      values.push_back(APInt(width, static_cast<uint64_t>(v), /*isSigned=*/true,
                             /*implicitTrunc=*/true));
    return DenseElementsAttr::get(type, values);
  }

  /// An empty tensor of `type` elements and `shape`.
  static HostTensor like(Type type, ArrayRef<int64_t> shape) {
    HostTensor t;
    t.elementType = type;
    t.shape.assign(shape.begin(), shape.end());
    if (t.isFloat())
      t.floats.resize(t.size());
    else
      t.ints.resize(t.size());
    return t;
  }

  /// Copies element `from` of `src` to element `to` of this tensor.
  void copyFrom(const HostTensor &src, int64_t from, int64_t to) {
    if (isFloat())
      floats[to] = src.floats[from];
    else
      ints[to] = src.ints[from];
  }
};

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Index into `src` (right-aligned broadcasting) of output element `flat`
/// of a tensor of `outShape`.
int64_t broadcastIndex(const HostTensor &src, ArrayRef<int64_t> outShape,
                       int64_t flat) {
  SmallVector<int64_t> outStrides = stridesOf(outShape);
  SmallVector<int64_t> srcStrides = stridesOf(src.shape);
  int64_t offset = outShape.size() - src.shape.size(), index = 0;
  for (size_t d = 0; d < outShape.size(); ++d) {
    int64_t coord = (flat / outStrides[d]) % outShape[d];
    if (static_cast<int64_t>(d) >= offset) {
      int64_t sd = d - offset;
      if (src.shape[sd] != 1)
        index += coord * srcStrides[sd];
    }
  }
  return index;
}

std::optional<SmallVector<int64_t>> broadcast(ArrayRef<const HostTensor *> ts) {
  SmallVector<int64_t> shape;
  for (const HostTensor *t : ts) {
    SmallVector<int64_t> next;
    if (!OpTrait::util::getBroadcastedShape(shape, t->shape, next))
      return std::nullopt;
    shape = next;
  }
  return shape;
}

std::optional<int64_t> axisOf(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

using Folded = std::optional<SmallVector<HostTensor>>;

/// Float data is only moved: keep it small. Integer data includes packed
/// weights being unpacked (BitwiseAnd/BitShift), which may be large.
int64_t maxFoldedElements(Type elementType) {
  return isa<FloatType>(elementType) ? (1 << 16) : (1 << 24);
}

Folded one(HostTensor t) { return SmallVector<HostTensor>{std::move(t)}; }

/// Evaluates one node whose inputs are all constants. `fold` returns the
/// results, or nothing when the op (or this use of it) is left to its
/// handler; an input the ONNX spec forbids (a division by zero, a negative
/// size, an out-of-range index) is an error at the node instead, since the
/// handler would only move the problem to run time.
class Folder {
public:
  Folder(NodeImporter &n, ArrayRef<HostTensor> in) : n(n), in(in) {}

  Folded fold();
  bool failed() const { return hasFailed; }

private:
  Folded error(const llvm::Twine &message) {
    (void)n.failure(message);
    hasFailed = true;
    return std::nullopt;
  }

  /// Whether a result of `shape` may be built: sizes checked before any
  /// allocation. Too large is an error for ops that only exist folded
  /// (`mustFold`), a reason to leave the op to its handler otherwise.
  std::optional<Folded> checkShape(ArrayRef<int64_t> shape, Type elementType,
                                   bool mustFold = false) {
    for (int64_t d : shape)
      if (d < 0)
        return error("size " + llvm::Twine(d) + " is negative");
    std::optional<int64_t> count = checkedElementCount(shape);
    int64_t limit = maxFoldedElements(elementType);
    if (count && *count <= limit)
      return std::nullopt; // fine: go on
    if (!mustFold)
      return Folded(std::nullopt);
    return error("the result would have " +
                 (count ? llvm::Twine(*count) : llvm::Twine("more than 2^63")) +
                 " elements; constants evaluated at import hold at most " +
                 llvm::Twine(limit));
  }

  std::optional<SmallVector<int64_t>> ints(unsigned i) const {
    if (i >= in.size() || in[i].isFloat())
      return std::nullopt;
    return SmallVector<int64_t>(in[i].ints.begin(), in[i].ints.end());
  }

  Folded intBinary(const std::string &op);
  Folded where();
  Folded expand();
  Folded constantOfShape();
  Folded range();
  Folded concat();
  Folded gather();
  Folded slice();
  Folded split();
  Folded trilu();
  std::optional<int64_t> sliceIndex(const HostTensor &data,
                                    const HostTensor &indices, int64_t u, int64_t k);
  Folded scatterND();
  Folded gatherND();
  Folded cumSum();

  NodeImporter &n;
  ArrayRef<HostTensor> in;
  bool hasFailed = false;
};

/// Integer arithmetic wraps in two's complement (no host UB), and division
/// is defined where ONNX leaves it undefined, as the compiled code does.
Folded Folder::intBinary(const std::string &op) {
  const HostTensor &a = in[0], &b = in[1];
  if (a.isFloat() || b.isFloat())
    return std::nullopt;
  auto shape = broadcast({&a, &b});
  if (!shape)
    return std::nullopt;
  bool compare = op == "Equal" || op == "Less" || op == "Greater" ||
                 op == "LessOrEqual" || op == "GreaterOrEqual";
  Type type = compare ? IntegerType::get(a.elementType.getContext(), 1)
                      : a.elementType;
  if (std::optional<Folded> bad = checkShape(*shape, type))
    return *bad;
  bool shiftLeft = false;
  if (op == "BitShift") {
    std::string direction = n.stringAttr("direction", "");
    if (direction != "LEFT" && direction != "RIGHT")
      return error("direction must be LEFT or RIGHT, got '" + direction + "'");
    shiftLeft = direction == "LEFT";
  }
  auto wrap = [](uint64_t v) { return static_cast<int64_t>(v); };
  HostTensor r = HostTensor::like(type, *shape);
  for (int64_t i = 0; i < r.size(); ++i) {
    int64_t x = a.ints[broadcastIndex(a, *shape, i)];
    int64_t y = b.ints[broadcastIndex(b, *shape, i)];
    uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
    if (op == "Add")
      r.ints[i] = wrap(ux + uy);
    else if (op == "Sub")
      r.ints[i] = wrap(ux - uy);
    else if (op == "Mul")
      r.ints[i] = wrap(ux * uy);
    else if (op == "Div") {
      // As the compiled code defines what ONNX leaves undefined (and numpy
      // computes): x / 0 = 0, INT_MIN / -1 wraps to INT_MIN.
      if (y == 0)
        r.ints[i] = 0;
      else if (y == -1)
        r.ints[i] = wrap(0 - ux);
      else
        r.ints[i] = x / y;
    } else if (op == "Equal")
      r.ints[i] = x == y;
    else if (op == "Less")
      r.ints[i] = x < y;
    else if (op == "Greater")
      r.ints[i] = x > y;
    else if (op == "LessOrEqual")
      r.ints[i] = x <= y;
    else if (op == "GreaterOrEqual")
      r.ints[i] = x >= y;
    else if (op == "Max")
      r.ints[i] = std::max(x, y);
    else if (op == "Min")
      r.ints[i] = std::min(x, y);
    else if (op == "BitwiseAnd")
      r.ints[i] = x & y;
    else if (op == "BitwiseOr")
      r.ints[i] = x | y;
    else if (op == "BitwiseXor")
      r.ints[i] = x ^ y;
    else if (op == "And")
      r.ints[i] = x && y;
    else if (op == "Or")
      r.ints[i] = x || y;
    else if (op == "Xor")
      r.ints[i] = (x != 0) != (y != 0);
    else if (op == "BitShift") {
      if (y < 0 || y >= 64)
        return std::nullopt;
      r.ints[i] = wrap(shiftLeft ? ux << y : ux >> y);
    } else
      return std::nullopt;
  }
  return one(r);
}

Folded Folder::where() {
  const HostTensor &c = in[0], &x = in[1], &y = in[2];
  if (!c.elementType.isInteger(1))
    return error("the condition must be a bool tensor");
  auto shape = broadcast({&c, &x, &y});
  if (!shape || x.elementType != y.elementType)
    return std::nullopt;
  if (std::optional<Folded> bad = checkShape(*shape, x.elementType))
    return *bad;
  HostTensor r = HostTensor::like(x.elementType, *shape);
  for (int64_t i = 0; i < r.size(); ++i) {
    bool take = c.ints[broadcastIndex(c, *shape, i)] != 0;
    const HostTensor &src = take ? x : y;
    r.copyFrom(src, broadcastIndex(src, *shape, i), i);
  }
  return one(r);
}

Folded Folder::expand() {
  auto target = ints(1);
  if (!target)
    return std::nullopt;
  if (in[1].rank() != 1)
    return error("the target shape must be a 1-D tensor");
  for (int64_t d : *target)
    if (d < 0)
      return error("target shape has a negative size " + llvm::Twine(d));
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(in[0].shape, *target, shape))
    return std::nullopt;
  if (std::optional<Folded> bad = checkShape(shape, in[0].elementType))
    return *bad;
  HostTensor r = HostTensor::like(in[0].elementType, shape);
  for (int64_t i = 0; i < r.size(); ++i)
    r.copyFrom(in[0], broadcastIndex(in[0], shape, i), i);
  return one(r);
}

Folded Folder::constantOfShape() {
  auto shape = ints(0);
  if (!shape || in[0].rank() != 1)
    return error("the shape must be a 1-D integer tensor");
  MLIRContext *ctx = n.b.getContext();
  HostTensor fill;
  if (const Tensor *value = n.tensorAttr("value")) {
    Type type = convertDataType(value->type, ctx);
    if (!type)
      return error("value of type " + dataTypeName(value->type) +
                   " is not supported");
    auto attr = dyn_cast<DenseElementsAttr>(constantAttr(
        *value, RankedTensorType::get(value->dims, type), INT64_MAX));
    auto host = attr ? HostTensor::fromAttr(attr) : std::nullopt;
    if (!host || host->size() != 1)
      return error("value must hold exactly one element");
    fill = *host;
  } else {
    fill = HostTensor::like(Float32Type::get(ctx), {1});
  }
  if (std::optional<Folded> bad =
          checkShape(*shape, fill.elementType, /*mustFold=*/true))
    return *bad;
  HostTensor r = HostTensor::like(fill.elementType, *shape);
  for (int64_t i = 0; i < r.size(); ++i)
    r.copyFrom(fill, 0, i);
  return one(r);
}

Folded Folder::range() {
  for (const HostTensor &t : in) {
    if (t.size() != 1)
      return error("start, limit and delta must be scalars");
    if (t.elementType != in[0].elementType)
      return error("start, limit and delta must have one element type");
  }
  if (in[0].isFloat())
    return error("a float Range is not supported (integer Ranges are "
                 "evaluated at import)");
  int64_t start = in[0].ints[0], limit = in[1].ints[0], delta = in[2].ints[0];
  if (delta == 0)
    return error("delta is 0");
  // ceil((limit - start) / delta) in 128 bits: no overflow on any input.
  __int128 span = static_cast<__int128>(limit) - start;
  __int128 count128 =
      span == 0 || (span > 0) != (delta > 0)
          ? 0
          : (span + delta - (delta > 0 ? 1 : -1)) / delta;
  if (count128 > std::numeric_limits<int64_t>::max())
    count128 = std::numeric_limits<int64_t>::max();
  int64_t count = static_cast<int64_t>(count128);
  if (std::optional<Folded> bad =
          checkShape({count}, in[0].elementType, /*mustFold=*/true))
    return *bad;
  HostTensor r = HostTensor::like(in[0].elementType, {count});
  for (int64_t i = 0; i < count; ++i)
    r.ints[i] = start + i * delta; // within [start, limit): no overflow
  return one(r);
}

Folded Folder::concat() {
  if (!n.hasAttr("axis"))
    return error("attribute 'axis' is required");
  auto axis = axisOf(n.intAttr("axis", 0), in[0].rank());
  if (!axis)
    return std::nullopt;
  SmallVector<int64_t> shape = in[0].shape;
  shape[*axis] = 0;
  for (const HostTensor &t : in) {
    if (t.elementType != in[0].elementType || t.rank() != in[0].rank())
      return std::nullopt;
    shape[*axis] += t.shape[*axis];
  }
  if (std::optional<Folded> bad = checkShape(shape, in[0].elementType))
    return *bad;
  HostTensor r = HostTensor::like(in[0].elementType, shape);
  int64_t outer = 1;
  for (int64_t d = 0; d < *axis; ++d)
    outer *= shape[d];
  int64_t pos = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (const HostTensor &t : in) {
      int64_t chunk = t.size() / std::max<int64_t>(outer, 1);
      for (int64_t j = 0; j < chunk; ++j)
        r.copyFrom(t, o * chunk + j, pos++);
    }
  return one(r);
}

Folded Folder::gather() {
  auto axis = axisOf(n.intAttr("axis", 0), in[0].rank());
  auto indices = ints(1);
  if (!axis || !indices)
    return std::nullopt;
  const HostTensor &data = in[0];
  int64_t k = data.shape[*axis];
  for (int64_t idx : *indices)
    if (idx < -k || idx >= k)
      return error("index " + llvm::Twine(idx) +
                   " is out of range for an axis of size " + llvm::Twine(k));
  SmallVector<int64_t> shape(data.shape.begin(), data.shape.begin() + *axis);
  shape.append(in[1].shape.begin(), in[1].shape.end());
  shape.append(data.shape.begin() + *axis + 1, data.shape.end());
  if (std::optional<Folded> bad = checkShape(shape, data.elementType))
    return *bad;
  HostTensor r = HostTensor::like(data.elementType, shape);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < *axis; ++d)
    outer *= data.shape[d];
  for (int64_t d = *axis + 1; d < data.rank(); ++d)
    inner *= data.shape[d];
  int64_t pos = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t idx : *indices) {
      if (idx < 0)
        idx += k;
      for (int64_t j = 0; j < inner; ++j)
        r.copyFrom(data, (o * k + idx) * inner + j, pos++);
    }
  return one(r);
}

Folded Folder::slice() {
  auto starts = ints(1), ends = ints(2);
  if (!starts || !ends || starts->size() != ends->size())
    return std::nullopt;
  SmallVector<int64_t> axes, steps(starts->size(), 1);
  if (in.size() > 3) {
    auto given = ints(3);
    if (!given)
      return std::nullopt;
    axes = *given;
  } else {
    for (size_t i = 0; i < starts->size(); ++i)
      axes.push_back(i);
  }
  if (in.size() > 4) {
    auto given = ints(4);
    if (!given)
      return std::nullopt;
    steps = *given;
  }
  if (axes.size() != starts->size() || steps.size() != starts->size())
    return error("starts, ends, axes and steps must have the same length");
  const HostTensor &data = in[0];
  SmallVector<int64_t> begin(data.rank(), 0), step(data.rank(), 1),
      shape(data.shape);
  SmallVector<bool> sliced(data.rank(), false);
  for (size_t i = 0; i < axes.size(); ++i) {
    auto axis = axisOf(axes[i], data.rank());
    if (!axis)
      return std::nullopt;
    if (sliced[*axis])
      return error("axis " + llvm::Twine(axes[i]) + " is repeated");
    sliced[*axis] = true;
    if (steps[i] == 0)
      return error("step 0 on axis " + llvm::Twine(axes[i]));
    int64_t dim = data.shape[*axis];
    // ONNX clamps to [0, dim] going forward, [-1, dim - 1] going back.
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v = v < -dim ? -1 - dim : v + dim; // no overflow near INT64_MIN
      int64_t lo = steps[i] > 0 ? 0 : -1, hi = steps[i] > 0 ? dim : dim - 1;
      return std::min(std::max(v, lo), hi);
    };
    int64_t s = clampIndex((*starts)[i]), e = clampIndex((*ends)[i]);
    // |step| may be up to 2^63: divide without forming e - s + step.
    int64_t distance = steps[i] > 0 ? e - s : s - e;
    uint64_t stride = steps[i] > 0 ? static_cast<uint64_t>(steps[i])
                                   : 0 - static_cast<uint64_t>(steps[i]);
    int64_t count = distance <= 0
                        ? 0
                        : static_cast<int64_t>(
                              (static_cast<uint64_t>(distance) + stride - 1) / stride);
    begin[*axis] = s;
    step[*axis] = steps[i];
    shape[*axis] = count;
  }
  if (std::optional<Folded> bad = checkShape(shape, data.elementType))
    return *bad;
  HostTensor r = HostTensor::like(data.elementType, shape);
  SmallVector<int64_t> outStrides = stridesOf(shape), srcStrides = stridesOf(data.shape);
  for (int64_t i = 0; i < r.size(); ++i) {
    int64_t src = 0;
    for (int64_t d = 0; d < data.rank(); ++d)
      src += (begin[d] + ((i / outStrides[d]) % shape[d]) * step[d]) * srcStrides[d];
    r.copyFrom(data, src, i);
  }
  return one(r);
}

Folded Folder::split() {
  const HostTensor &data = in[0];
  auto axis = axisOf(n.intAttr("axis", 0), data.rank());
  if (!axis)
    return std::nullopt;
  int64_t dim = data.shape[*axis];
  FailureOr<SmallVector<int64_t>> sizes = splitSizes(n, dim);
  if (mlir::failed(sizes)) {
    hasFailed = true;
    return std::nullopt;
  }
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < *axis; ++d)
    outer *= data.shape[d];
  for (int64_t d = *axis + 1; d < data.rank(); ++d)
    inner *= data.shape[d];
  SmallVector<HostTensor> results;
  int64_t offset = 0;
  for (int64_t part : *sizes) {
    SmallVector<int64_t> shape = data.shape;
    shape[*axis] = part;
    HostTensor r = HostTensor::like(data.elementType, shape);
    int64_t pos = 0;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < part * inner; ++j)
        r.copyFrom(data, (o * dim + offset) * inner + j, pos++);
    offset += part;
    results.push_back(std::move(r));
  }
  return results;
}

Folded Folder::trilu() {
  if (in[0].rank() < 2)
    return std::nullopt;
  int64_t k = 0;
  if (in.size() > 1) {
    auto given = ints(1);
    if (!given || given->size() != 1)
      return std::nullopt;
    k = (*given)[0];
  }
  bool upper = n.intAttr("upper", 1) != 0;
  HostTensor r = HostTensor::like(in[0].elementType, in[0].shape);
  int64_t rows = in[0].shape[in[0].rank() - 2], cols = in[0].shape.back();
  for (int64_t i = 0; i < r.size(); ++i) {
    // col - row in 128 bits: k may be any int64.
    __int128 diagonal = static_cast<__int128>(i % cols) - (i / cols) % rows;
    if (upper ? diagonal >= k : diagonal <= k)
      r.copyFrom(in[0], i, i);
  }
  return one(r);
}

/// The slice of `data` that index tuple `u` of `indices` (last dimension
/// `k`) addresses, in units of the trailing dimensions; negative indices
/// count from the end. Out of range: an error at the node.
std::optional<int64_t> Folder::sliceIndex(const HostTensor &data,
                                          const HostTensor &indices, int64_t u,
                                          int64_t k) {
  int64_t slice = 0;
  for (int64_t d = 0; d < k; ++d) {
    int64_t dim = data.shape[d], i = indices.ints[u * k + d];
    if (i < -dim || i >= dim) {
      (void)error("index " + llvm::Twine(i) + " is out of range for dimension " +
            llvm::Twine(d) + " of size " + llvm::Twine(dim));
      return std::nullopt;
    }
    slice = slice * dim + (i < 0 ? i + dim : i);
  }
  return slice;
}

/// ScatterND without reduction; anything the handler refuses (other
/// shapes, types, reductions) is left to it so that it names the problem.
Folded Folder::scatterND() {
  const HostTensor &data = in[0], &indices = in[1], &updates = in[2];
  if (indices.isFloat() || indices.rank() < 1 ||
      data.elementType != updates.elementType ||
      n.stringAttr("reduction", "none") != "none")
    return std::nullopt;
  int64_t k = indices.shape.back();
  if (k < 1 || k > data.rank())
    return std::nullopt;
  SmallVector<int64_t> expected(ArrayRef<int64_t>(indices.shape).drop_back());
  llvm::append_range(expected, ArrayRef<int64_t>(data.shape).drop_front(k));
  if (updates.shape != expected)
    return std::nullopt;
  int64_t sliceSize = 1;
  for (int64_t d = k; d < data.rank(); ++d)
    sliceSize *= data.shape[d];
  HostTensor r = data;
  int64_t count = k ? indices.size() / k : 0;
  for (int64_t u = 0; u < count; ++u) {
    std::optional<int64_t> slice = sliceIndex(data, indices, u, k);
    if (!slice)
      return std::nullopt;
    for (int64_t j = 0; j < sliceSize; ++j)
      r.copyFrom(updates, u * sliceSize + j, *slice * sliceSize + j);
  }
  return one(r);
}

/// GatherND with batch_dims 0 (anything else is left to the handler).
Folded Folder::gatherND() {
  const HostTensor &data = in[0], &indices = in[1];
  if (indices.isFloat() || indices.rank() < 1 || n.intAttr("batch_dims", 0) != 0)
    return std::nullopt;
  int64_t k = indices.shape.back();
  if (k < 1 || k > data.rank())
    return std::nullopt;
  SmallVector<int64_t> shape(ArrayRef<int64_t>(indices.shape).drop_back());
  llvm::append_range(shape, ArrayRef<int64_t>(data.shape).drop_front(k));
  if (std::optional<Folded> bad = checkShape(shape, data.elementType))
    return *bad;
  int64_t sliceSize = 1;
  for (int64_t d = k; d < data.rank(); ++d)
    sliceSize *= data.shape[d];
  HostTensor r = HostTensor::like(data.elementType, shape);
  int64_t count = indices.size() / k;
  for (int64_t u = 0; u < count; ++u) {
    std::optional<int64_t> slice = sliceIndex(data, indices, u, k);
    if (!slice)
      return std::nullopt;
    for (int64_t j = 0; j < sliceSize; ++j)
      r.copyFrom(data, *slice * sliceSize + j, u * sliceSize + j);
  }
  return one(r);
}

/// CumSum of integers along a constant axis (exclusive, reverse).
Folded Folder::cumSum() {
  const HostTensor &x = in[0];
  auto axisValues = ints(1);
  if (x.isFloat() || !axisValues || axisValues->size() != 1)
    return std::nullopt;
  auto axis = axisOf((*axisValues)[0], x.rank());
  if (!axis)
    return std::nullopt;
  bool exclusive = n.intAttr("exclusive", 0) != 0, reverse = n.intAttr("reverse", 0) != 0;
  int64_t dim = x.shape[*axis], inner = 1;
  for (int64_t d = *axis + 1; d < x.rank(); ++d)
    inner *= x.shape[d];
  int64_t outer = dim * inner ? x.size() / (dim * inner) : 0;
  HostTensor r = x;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      uint64_t sum = 0; // wraps, as the integer arithmetic above
      for (int64_t t = 0; t < dim; ++t) {
        int64_t pos = reverse ? dim - 1 - t : t;
        int64_t index = (o * dim + pos) * inner + i;
        uint64_t value = static_cast<uint64_t>(x.ints[index]);
        if (exclusive) {
          r.ints[index] = static_cast<int64_t>(sum);
          sum += value;
        } else {
          sum += value;
          r.ints[index] = static_cast<int64_t>(sum);
        }
      }
    }
  return one(r);
}

Folded Folder::fold() {
  const std::string &op = n.node.opType;
  MLIRContext *ctx = n.b.getContext();

  // Unsigned inputs were read zero-extended: comparisons are unsigned too.
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" ||
      op == "Equal" || op == "Less" || op == "Greater" || op == "LessOrEqual" ||
      op == "GreaterOrEqual" || op == "Max" || op == "Min" ||
      op == "BitwiseAnd" || op == "BitwiseOr" || op == "BitwiseXor" ||
      op == "BitShift" || op == "And" || op == "Or" || op == "Xor")
    return in.size() == 2 ? intBinary(op) : std::nullopt;

  if (op == "Identity")
    return one(in[0]);

  if (op == "Not" && in[0].elementType.isInteger(1)) {
    HostTensor r = in[0];
    for (int64_t &v : r.ints)
      v = !v;
    return one(r);
  }

  if (op == "Neg" && !in[0].isFloat()) {
    HostTensor r = in[0];
    for (int64_t &v : r.ints)
      v = static_cast<int64_t>(0 - static_cast<uint64_t>(v));
    return one(r);
  }

  if (op == "Cast") {
    if (!n.hasAttr("to"))
      return error("attribute 'to' is required");
    Type to = convertDataType(static_cast<int>(n.intAttr("to", 0)), ctx);
    if (!to || in[0].isFloat() || isa<FloatType>(to))
      return std::nullopt;
    HostTensor r = in[0];
    r.elementType = to;
    if (to.isInteger(1))
      for (int64_t &v : r.ints)
        v = v != 0;
    return one(r);
  }

  if (op == "Where" && in.size() == 3)
    return where();
  if (op == "Expand" && in.size() == 2)
    return expand();
  if (op == "ConstantOfShape")
    return constantOfShape();
  if (op == "Range" && in.size() == 3)
    return range();
  if (op == "Concat")
    return concat();
  if (op == "Gather" && in.size() == 2)
    return gather();
  if (op == "Slice" && in.size() >= 3)
    return slice();
  if (op == "Split")
    return split();
  if (op == "Trilu")
    return trilu();
  if (op == "ScatterND" && in.size() == 3)
    return scatterND();
  if (op == "GatherND" && in.size() == 2)
    return gatherND();
  if (op == "CumSum" && in.size() == 2)
    return cumSum();

  // Shape and the reshaping ops need only types or are handled by
  // reshapeTo(), which keeps constants constant.
  return std::nullopt;
}

} // namespace

LogicalResult mlir::bitnet::onnx::tryFoldNode(NodeImporter &n, bool &folded) {
  folded = false;
  SmallVector<HostTensor> inputs;
  bool anyUnsigned = false;
  for (unsigned i = 0; i < n.numInputs(); ++i) {
    if (!n.hasInput(i))
      return success();
    DenseElementsAttr attr = n.constantInput(i);
    if (!attr || attr.getNumElements() > maxFoldedElements(attr.getElementType()))
      return success();
    auto host = HostTensor::fromAttr(attr);
    if (!host)
      return success();
    if (n.isUnsigned(i) && !host->isFloat()) {
      // ONNX uint8 is signless i8 in the IR: read it zero-extended.
      anyUnsigned = true;
      for (int64_t &v : host->ints)
        v &= 0xFF;
    }
    inputs.push_back(std::move(*host));
  }
  if (inputs.empty())
    return success();
  Folder folder(n, inputs);
  Folded results = folder.fold();
  if (folder.failed())
    return failure();
  if (!results)
    return success();
  for (const HostTensor &r : *results)
    if (r.size() > maxFoldedElements(r.elementType))
      return success();
  // Unsigned data stays unsigned through integer ops and data movement;
  // comparisons give bools and Cast says what it produces.
  const std::string &op = n.node.opType;
  bool resultUnsigned =
      op == "Cast" ? isUnsignedDataType(static_cast<int>(n.intAttr("to", 0)))
                   : anyUnsigned && op != "Equal";
  for (auto [i, r] : llvm::enumerate(*results))
    n.setResult(i, arith::ConstantOp::create(n.b, r.toAttr()),
                resultUnsigned && !r.isFloat() && !r.elementType.isInteger(1));
  folded = true;
  return success();
}
