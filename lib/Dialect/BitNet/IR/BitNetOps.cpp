//===- BitNetOps.cpp - BitNet op verifiers and folders ----------------===//
//
// Folders evaluate ops on constants with the reference library, so that
// compile-time results (ternarized and packed weights) are the oracle's.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Dialect/BitNet/IR/BitNet.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::bitnet;

#define GET_OP_CLASSES
#include "bitnet/Dialect/BitNet/BitNetOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Two dimensions agree unless both are static and differ.
static bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.size() != b.size())
    return false;
  for (auto [x, y] : llvm::zip_equal(a, b))
    if (!dimsCompatible(x, y))
      return false;
  return true;
}

/// Prints a shape as `4x?x200`.
static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << "?";
        else
          os << d;
      },
      "x");
  return text;
}

/// Copies the elements of a constant (dense or dense_resource) attribute.
template <typename T>
static std::optional<SmallVector<T>> getConstantElements(Attribute attr) {
  if (auto dense = dyn_cast_if_present<DenseElementsAttr>(attr)) {
    auto values = dense.tryGetValues<T>();
    if (failed(values))
      return std::nullopt;
    return SmallVector<T>(values->begin(), values->end());
  }
  if (auto resource = dyn_cast_if_present<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    auto type = resource.getType();
    if (!blob || type.getElementTypeBitWidth() != sizeof(T) * 8)
      return std::nullopt;
    ArrayRef<char> bytes = blob->getData();
    if (bytes.size() != type.getNumElements() * sizeof(T))
      return std::nullopt;
    SmallVector<T> values(type.getNumElements());
    std::memcpy(values.data(), bytes.data(), bytes.size());
    return values;
  }
  return std::nullopt;
}

static LogicalResult verifyActivationBits(Operation *op, int64_t bits,
                                          StringRef name) {
  if (isSupportedActivationBits(bits))
    return success();
  return op->emitOpError() << name
                           << " must be 8 (int8 absmax) or 4 (int4 absmean), got "
                           << bits;
}

/// The per-token quantization results of `input` ([..., K]): `values` of
/// the input's shape and per-row `scales` (and `sums`) of its shape without
/// K. Shared by quantize and rms_norm_quantize.
static LogicalResult verifyQuantizedShapes(Operation *op, RankedTensorType input,
                                           ShapedType values,
                                           ArrayRef<std::pair<StringRef, ShapedType>> rows) {
  if (input.getRank() < 1)
    return op->emitOpError("input must have rank >= 1 (tokens x features)");
  if (!shapesCompatible(input.getShape(), values.getShape()))
    return op->emitOpError() << "values shape " << formatShape(values.getShape())
                             << " does not match input shape "
                             << formatShape(input.getShape());
  auto rowShape = input.getShape().drop_back();
  for (auto [name, type] : rows)
    if (!shapesCompatible(rowShape, type.getShape()))
      return op->emitOpError() << name << " shape " << formatShape(type.getShape())
                               << " must be the input shape without its last "
                                  "dimension ("
                               << formatShape(rowShape) << ")";
  return success();
}

static LogicalResult verifyFraction(Operation *op, double fraction,
                                    StringRef name) {
  if (fraction > 0.0 && fraction <= 1.0)
    return success();
  return op->emitOpError() << name << " must be in (0, 1], got "
                           << llvm::formatv("{0}", fraction).str();
}

//===----------------------------------------------------------------------===//
// TernarizeOp
//===----------------------------------------------------------------------===//

LogicalResult TernarizeOp::verify() {
  auto weightType = getWeight().getType();
  auto ternaryType = getTernary().getType();
  if (!shapesCompatible(weightType.getShape(), ternaryType.getShape()))
    return emitOpError() << "ternary result shape "
                         << formatShape(ternaryType.getShape())
                         << " does not match weight shape "
                         << formatShape(weightType.getShape());
  return success();
}

LogicalResult TernarizeOp::fold(FoldAdaptor adaptor,
                                SmallVectorImpl<OpFoldResult> &results) {
  auto ternaryType = getTernary().getType();
  if (!ternaryType.hasStaticShape())
    return failure();
  auto weights = getConstantElements<float>(adaptor.getWeight());
  if (!weights)
    return failure();
  SmallVector<int8_t> ternary(weights->size());
  float gamma = ref::ternarize(weights->data(), weights->size(), ternary.data());
  results.push_back(DenseElementsAttr::get(ternaryType, ArrayRef(ternary)));
  results.push_back(
      DenseElementsAttr::get(getScale().getType(), ArrayRef<float>(gamma)));
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  if (failed(verifyActivationBits(*this, getBits(), "bits")))
    return failure();
  return verifyQuantizedShapes(*this, getInput().getType(), getValues().getType(),
                               {{"scales", getScales().getType()}});
}

LogicalResult QuantizeOp::fold(FoldAdaptor adaptor,
                               SmallVectorImpl<OpFoldResult> &results) {
  auto inputType = getInput().getType();
  if (!inputType.hasStaticShape())
    return failure();
  auto input = getConstantElements<float>(adaptor.getInput());
  if (!input)
    return failure();
  int64_t cols = inputType.getShape().back();
  int64_t rows = cols == 0 ? 0 : inputType.getNumElements() / cols;
  SmallVector<int8_t> values(input->size());
  SmallVector<float> scales(rows);
  ref::quantizeActivations(getBits(), input->data(), rows, cols, values.data(),
                           scales.data(), getReciprocalScale());
  results.push_back(
      DenseElementsAttr::get(getValues().getType(), ArrayRef(values)));
  results.push_back(
      DenseElementsAttr::get(getScales().getType(), ArrayRef(scales)));
  return success();
}

//===----------------------------------------------------------------------===//
// RmsNormQuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult RmsNormQuantizeOp::verify() {
  if (failed(verifyActivationBits(*this, getBits(), "bits")))
    return failure();
  float epsilon = getEpsilon().convertToFloat();
  if (!(epsilon >= 0.0f) || std::isinf(epsilon))
    return emitOpError() << "epsilon must be finite and >= 0, got "
                         << llvm::formatv("{0}", epsilon).str();
  auto inputType = getInput().getType();
  SmallVector<std::pair<StringRef, ShapedType>> rows = {
      {"scales", getScales().getType()}};
  if (Value sums = getSums())
    rows.push_back({"sums", cast<ShapedType>(sums.getType())});
  if (failed(verifyQuantizedShapes(*this, inputType, getValues().getType(), rows)))
    return failure();
  auto gammaType = getGamma().getType();
  int64_t features = inputType.getShape().back();
  if (gammaType.getRank() != 1 ||
      !dimsCompatible(gammaType.getDimSize(0), features))
    return emitOpError() << "gamma shape " << formatShape(gammaType.getShape())
                         << " must be the input's last dimension ("
                         << formatShape(features) << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult DequantizeOp::verify() {
  auto valuesType = getValues().getType();
  if (valuesType.getRank() < 1)
    return emitOpError("values must have rank >= 1");
  auto resultType = getResult().getType();
  if (!shapesCompatible(valuesType.getShape(), resultType.getShape()))
    return emitOpError() << "result shape " << formatShape(resultType.getShape())
                         << " does not match values shape "
                         << formatShape(valuesType.getShape());
  auto rowShape = valuesType.getShape().drop_back();
  auto scalesType = getScales().getType();
  if (!shapesCompatible(rowShape, scalesType.getShape()))
    return emitOpError() << "scales shape " << formatShape(scalesType.getShape())
                         << " must be the values shape without its last "
                            "dimension ("
                         << formatShape(rowShape) << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// TopKSparsifyOp
//===----------------------------------------------------------------------===//

int64_t TopKSparsifyOp::getKeptCount(int64_t rowLength) {
  return ref::topkKeptCount(getFraction().convertToDouble(), rowLength);
}

LogicalResult TopKSparsifyOp::verify() {
  if (getInput().getType().getRank() < 1)
    return emitOpError("input must have rank >= 1");
  return verifyFraction(*this, getFraction().convertToDouble(), "fraction");
}

OpFoldResult TopKSparsifyOp::fold(FoldAdaptor) {
  // Keeping every entry is the identity.
  if (getFraction().convertToDouble() == 1.0)
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// BitLinearOp
//===----------------------------------------------------------------------===//

LogicalResult BitLinearOp::verify() {
  auto inputType = getInput().getType();
  auto weightType = getWeight().getType();
  auto resultType = getResult().getType();
  if (inputType.getRank() < 1)
    return emitOpError("input must have rank >= 1 (tokens x K)");
  if (weightType.getRank() != 2)
    return emitOpError() << "weight must be 2-D [M, K], got rank "
                         << weightType.getRank();
  int64_t k = inputType.getShape().back();
  if (!dimsCompatible(weightType.getDimSize(1), k))
    return emitOpError() << "weight has K = " << weightType.getDimSize(1)
                         << " but the input's last dimension is " << k;
  SmallVector<int64_t> expected(inputType.getShape().drop_back());
  expected.push_back(weightType.getDimSize(0));
  if (!shapesCompatible(expected, resultType.getShape()))
    return emitOpError() << "result shape " << formatShape(resultType.getShape())
                         << " must be " << formatShape(expected);

  bool floatWeight = weightType.getElementType().isF32();
  if (floatWeight && getWeightScale())
    return emitOpError("a float weight is ternarized by the op and takes no "
                       "weight_scale operand");
  if (!floatWeight && !getWeightScale())
    return emitOpError("a ternary i8 weight needs its per-tensor "
                       "weight_scale operand");
  if (failed(verifyActivationBits(*this, getActBits(), "act_bits")))
    return failure();
  if (auto topk = getTopk())
    return verifyFraction(*this, topk->convertToDouble(), "topk");
  return success();
}

//===----------------------------------------------------------------------===//
// PackOp
//===----------------------------------------------------------------------===//

/// Checks that `packedType` is `[M, bytes(K)]` for a `[M, K]` ternary weight.
static LogicalResult verifyPackedWeight(Operation *op, PackedFormat format,
                                        int64_t m, int64_t k,
                                        RankedTensorType packedType) {
  if (packedType.getRank() != 2)
    return op->emitOpError() << "packed weight must be 2-D [M, bytes], got rank "
                             << packedType.getRank();
  if (!dimsCompatible(packedType.getDimSize(0), m))
    return op->emitOpError() << "packed weight has " << packedType.getDimSize(0)
                             << " rows, expected " << m;
  if (ShapedType::isDynamic(k))
    return success();
  int64_t bytes = getPackedRowBytes(format, k);
  if (!dimsCompatible(packedType.getDimSize(1), bytes))
    return op->emitOpError()
           << "packed weight has " << packedType.getDimSize(1)
           << " bytes per row, but format " << stringifyPackedFormat(format)
           << " needs " << bytes << " for K = " << k;
  return success();
}

/// The ternary weights of a constant `unpack` operand, when every code is
/// valid in its format.
static std::optional<SmallVector<int8_t>> unpackConstant(UnpackOp op,
                                                        Attribute packed) {
  auto weightType = op.getWeight().getType();
  if (!weightType.hasStaticShape())
    return std::nullopt;
  auto bytes = getConstantElements<int8_t>(packed);
  if (!bytes)
    return std::nullopt;
  int64_t m = weightType.getDimSize(0), k = weightType.getDimSize(1);
  SmallVector<int8_t> weights(m * k);
  ref::unpack(toReferenceFormat(op.getFormat()),
              reinterpret_cast<const uint8_t *>(bytes->data()), m, k, weights.data());
  if (!ref::isTernary(weights.data(), weights.size()))
    return std::nullopt;
  return weights;
}

/// The [M, K] weight and its [M, bytes] packed form in `format`: the
/// operand and result of bitnet.pack, or the other way round for unpack.
static LogicalResult verifyWeightAndPacked(Operation *op, PackedFormat format,
                                           RankedTensorType weightType,
                                           RankedTensorType packedType) {
  if (weightType.getRank() != 2)
    return op->emitOpError() << "weight must be 2-D [M, K], got rank "
                             << weightType.getRank();
  return verifyPackedWeight(op, format, weightType.getDimSize(0),
                            weightType.getDimSize(1), packedType);
}

LogicalResult PackOp::verify() {
  return verifyWeightAndPacked(*this, getFormat(), getWeight().getType(),
                               getPacked().getType());
}

OpFoldResult PackOp::fold(FoldAdaptor adaptor) {
  auto unpack = getWeight().getDefiningOp<UnpackOp>();
  // Packed already in this format: the bytes themselves (packing writes
  // canonical bytes, which is what an unpack of packed weights reads).
  if (unpack && unpack.getFormat() == getFormat() &&
      unpack.getPacked().getType() == getPacked().getType())
    return unpack.getPacked();
  auto weightType = getWeight().getType();
  if (!weightType.hasStaticShape())
    return {};
  std::optional<SmallVector<int8_t>> weights;
  Attribute packedConstant;
  if (unpack && matchPattern(unpack.getPacked(), m_Constant(&packedConstant)))
    weights = unpackConstant(unpack, packedConstant);
  else
    weights = getConstantElements<int8_t>(adaptor.getWeight());
  if (!weights || !ref::isTernary(weights->data(), weights->size()))
    return {};
  int64_t m = weightType.getDimSize(0), k = weightType.getDimSize(1);
  auto packedType = getPacked().getType();
  size_t bytes = packedType.getNumElements();
  // Big weights are packed straight into a blob that the IR keeps.
  constexpr size_t kResourceThreshold = 1 << 16;
  if (bytes > kResourceThreshold) {
    AsmResourceBlob blob = HeapAsmResourceBlob::allocate(bytes, /*align=*/64);
    ref::pack(toReferenceFormat(getFormat()), weights->data(), m, k,
              reinterpret_cast<uint8_t *>(blob.getMutableData().data()));
    return DenseResourceElementsAttr::get(packedType, "packed_ternary",
                                          std::move(blob));
  }
  SmallVector<int8_t> packed(bytes);
  ref::pack(toReferenceFormat(getFormat()), weights->data(), m, k,
            reinterpret_cast<uint8_t *>(packed.data()));
  return DenseElementsAttr::get(packedType, ArrayRef(packed));
}

//===----------------------------------------------------------------------===//
// UnpackOp
//===----------------------------------------------------------------------===//

LogicalResult UnpackOp::verify() {
  return verifyWeightAndPacked(*this, getFormat(), getWeight().getType(),
                               getPacked().getType());
}

OpFoldResult UnpackOp::fold(FoldAdaptor adaptor) {
  // Large weights stay packed until bitnet-pack-ternary: a byte a weight
  // would make a compile's memory four times the packed weights.
  auto weightType = getWeight().getType();
  if (!weightType.hasStaticShape() ||
      weightType.getNumElements() > kMaxUnpackedWeightElements ||
      !adaptor.getPacked())
    return {};
  std::optional<SmallVector<int8_t>> weights =
      unpackConstant(*this, adaptor.getPacked());
  if (!weights)
    return {};
  return DenseElementsAttr::get(weightType, ArrayRef(*weights));
}

//===----------------------------------------------------------------------===//
// TernaryMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult TernaryMatmulOp::verify() {
  auto actType = getActivations().getType();
  auto weightType = getWeight().getType();
  if (actType.getRank() != 2)
    return emitOpError() << "activations must be 2-D [N, K], got rank "
                         << actType.getRank();
  if (weightType.getRank() != 2)
    return emitOpError() << "weight must be 2-D, got rank "
                         << weightType.getRank();
  int64_t n = actType.getDimSize(0), k = actType.getDimSize(1);
  int64_t m = weightType.getDimSize(0);
  // The kernels divide by these sizes (rows per thread, K per block).
  if (n == 0 || k == 0 || m == 0)
    return emitOpError() << "needs non-empty operands, got N = " << n
                         << ", K = " << k << ", M = " << m;
  if (auto format = getFormat()) {
    if (failed(verifyPackedWeight(*this, *format, m, k, weightType)))
      return failure();
  } else if (!dimsCompatible(weightType.getDimSize(1), k)) {
    return emitOpError() << "unpacked weight has K = "
                         << weightType.getDimSize(1)
                         << " but the activations have K = " << k;
  }
  auto resultType = getResult().getType();
  if (!shapesCompatible(resultType.getShape(), {n, m}))
    return emitOpError() << "result shape " << formatShape(resultType.getShape())
                         << " must be " << formatShape({n, m});
  // Configurations describe the kernels of i2s, t5 and tl2r weights.
  if (getKernelConfig() && getFormat() != PackedFormat::i2s &&
      getFormat() != PackedFormat::t5 && getFormat() != PackedFormat::tl2r)
    return emitOpError()
           << "kernel_config needs weights packed in format <i2s>, <t5> or <tl2r>";
  return success();
}

//===----------------------------------------------------------------------===//
// Dot4Op
//===----------------------------------------------------------------------===//

/// `a` and `b` hold `perLane` bytes for each lane of `acc`.
static LogicalResult verifyBytesPerLane(Operation *op, VectorType acc, VectorType a,
                                        VectorType b, int64_t perLane) {
  int64_t lanes = acc.getNumElements();
  if (a.getNumElements() != perLane * lanes || b.getNumElements() != perLane * lanes)
    return op->emitOpError() << "byte operands must have " << perLane << " x "
                             << lanes << " elements, got " << a.getNumElements()
                             << " and " << b.getNumElements();
  return success();
}

LogicalResult Dot4Op::verify() {
  return verifyBytesPerLane(*this, getAcc().getType(), getA().getType(),
                            getB().getType(), 4);
}

//===----------------------------------------------------------------------===//
// Dot2Op, AddPairsOp
//===----------------------------------------------------------------------===//

LogicalResult Dot2Op::verify() {
  return verifyBytesPerLane(*this, getAcc().getType(), getA().getType(),
                            getB().getType(), 2);
}

LogicalResult LookupOp::verify() {
  int64_t entries = getTable().getType().getNumElements();
  if (entries < 16 || entries > 256 || !llvm::isPowerOf2_64(entries))
    return emitOpError() << "table must have 16, 32, 64, 128 or 256 entries, got "
                         << entries;
  return success();
}

LogicalResult AddPairsOp::verify() {
  int64_t lanes = getAcc().getType().getNumElements();
  if (getX().getType().getNumElements() != 2 * lanes)
    return emitOpError() << "x must have 2 x " << lanes << " elements, got "
                         << getX().getType().getNumElements();
  return success();
}
