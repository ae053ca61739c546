//===- MatMulNBitsOps.cpp - com.microsoft MatMulNBits (ONNX Runtime n-bit) ===//
//
// ONNX Runtime's block-quantized weights (its contrib op MatMulNBits, what
// onnxruntime.quantization.MatMulNBitsQuantizer writes):
//
//   Y = A x dequant(B)^T (+ bias),  dequant(B)[n, k] = (q[n, k] - zp[n, b]) * scale[n, b]
//
// with b = k / block_size, q the `bits`-bit codes packed little-endian into
// the bytes of B [N, n_blocks_per_col, blob_size], the zero points packed
// the same way per row (uint8) or given as floats, and 2^(bits-1) without
// them. The weights are dequantized at import (B, scales and zero points
// must be constants). When the dequantized weights are ternary with one
// magnitude for the whole tensor (or one per output row), the product gets
// the form bitnet-raise-bitlinear recognises as form (b): a constant whose
// values are all -g, 0 or +g (docs/importer.md). Otherwise it stays a float
// product, with a remark saying why.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Tosa/Utils/ConversionUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::bitnet::onnx;

namespace {

/// Dequantized weights above this many bytes that stay float become
/// dense_resource blobs, as the importer's initializers do.
constexpr int64_t kResourceThresholdBytes = 1024;

/// The little-endian bytes of a constant input: a dense attribute (a splat
/// expanded into `storage`) or a dense_resource blob.
std::optional<ArrayRef<char>> constantBytes(Value v, SmallVectorImpl<char> &storage) {
  ElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  auto type = cast<ShapedType>(attr.getType());
  if (type.getElementType().isInteger(1))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    ArrayRef<char> raw = dense.getRawData();
    if (!dense.isSplat())
      return raw;
    storage.clear();
    for (int64_t i = 0, e = type.getNumElements(); i < e; ++i)
      storage.append(raw.begin(), raw.end());
    return ArrayRef<char>(storage.data(), storage.size());
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return blob->getData();
  return std::nullopt;
}

/// Floats (f32, f16 or bf16 bytes) widened to float32, exactly.
SmallVector<float> toFloats(ArrayRef<char> bytes, FloatType type) {
  unsigned width = type.getWidth() / 8;
  SmallVector<float> out(bytes.size() / width);
  if (type.isF32()) {
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
    return out;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t raw = 0;
    std::memcpy(&raw, bytes.data() + i * width, width);
    APFloat f(type.getFloatSemantics(), APInt(width * 8, raw));
    bool lost = false;
    f.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
    out[i] = f.convertToFloat();
  }
  return out;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(d);
  return s + "]";
}

std::string floatString(float f) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(f));
  return buf;
}

/// Whether `v` is computed by a rounding within a few producers: the int8
/// fake quantization bitnet-raise-bitlinear looks for ends in
/// clamp(round(x * s)) / s. Only chooses the remark; the pass decides.
bool looksFakeQuantized(Value v) {
  SmallVector<std::pair<Value, int>> work = {{v, 0}};
  int visited = 0;
  while (!work.empty() && visited < 32) {
    auto [value, depth] = work.pop_back_val();
    Operation *op = value.getDefiningOp();
    if (!op || depth > 6)
      continue;
    ++visited;
    if (isa<math::RoundEvenOp, math::RoundOp>(op))
      return true;
    if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
      bool rounds = false;
      generic.getBody()->walk([&](Operation *inner) {
        rounds |= isa<math::RoundEvenOp, math::RoundOp>(inner);
      });
      if (rounds)
        return true;
    }
    for (Value operand : op->getOperands())
      work.push_back({operand, depth + 1});
  }
  return false;
}

/// How the dequantized weights can be expressed.
enum class WeightForm { PerTensor, PerRow, PerBlock, NotTernary, AllZero };

LogicalResult importMatMulNBits(NodeImporter &n) {
  // Attributes (K, N and block_size have no default; bits defaults to 4).
  for (const char *name : {"K", "N", "block_size"})
    if (!n.hasAttr(name))
      return n.failure("attribute '" + llvm::Twine(name) + "' is required");
  int64_t kDim = n.intAttr("K", 0), nDim = n.intAttr("N", 0);
  int64_t bits = n.intAttr("bits", 4), blockSize = n.intAttr("block_size", 0);
  (void)n.intAttr("accuracy_level", 0); // how onnxruntime may compute; ignored
  if (n.badAttribute())
    return failure();
  if (bits != 2 && bits != 4 && bits != 8)
    return n.failure("bits=" + llvm::Twine(bits) +
                     " is not supported (2, 4 and 8 are)");
  if (kDim <= 0 || nDim <= 0 || kDim > kMaxTensorElements / nDim)
    return n.failure("K=" + llvm::Twine(kDim) + " and N=" + llvm::Twine(nDim) +
                     " must be positive and K * N at most 2^32");
  if (blockSize < 16 || blockSize > (int64_t(1) << 20) ||
      !llvm::isPowerOf2_64(blockSize))
    return n.failure("block_size=" + llvm::Twine(blockSize) +
                     " must be a power of two, at least 16");
  if (n.numInputs() > 6)
    return n.failure(llvm::Twine(n.numInputs()) +
                     " inputs given; MatMulNBits takes at most 6 (A, B, "
                     "scales, zero_points, g_idx, bias)");
  if (n.hasInput(4))
    return n.failure("g_idx (a permuted group order) is not supported");

  Value a = n.input(0), b = n.input(1), scales = n.input(2);
  if (!a || !b || !scales)
    return failure();
  auto aType = cast<RankedTensorType>(a.getType());
  auto floatType = dyn_cast<FloatType>(aType.getElementType());
  if (!floatType || !(floatType.isF32() || floatType.isF16() || floatType.isBF16()))
    return n.failure("A must be float32, float16 or bfloat16");
  if (aType.getRank() < 1 || aType.getShape().back() != kDim)
    return n.failure("A has shape " + shapeString(aType.getShape()) +
                     " but K is " + llvm::Twine(kDim));

  const int64_t nBlocks = llvm::divideCeil(kDim, blockSize);
  const int64_t blobSize = blockSize * bits / 8;
  auto bType = cast<RankedTensorType>(b.getType());
  SmallVector<int64_t> bShape = {nDim, nBlocks, blobSize};
  if (!bType.getElementType().isInteger(8) || !n.isUnsigned(1) ||
      bType.getShape() != ArrayRef<int64_t>(bShape))
    return n.failure("B must be uint8 " + shapeString(bShape) + " for K=" +
                     llvm::Twine(kDim) + ", N=" + llvm::Twine(nDim) +
                     ", block_size=" + llvm::Twine(blockSize) + " and bits=" +
                     llvm::Twine(bits) + " (it is " +
                     shapeString(bType.getShape()) + ")");
  SmallVector<char> bStorage, sStorage, zStorage;
  std::optional<ArrayRef<char>> bBytes = constantBytes(b, bStorage);
  if (!bBytes)
    return n.failure("B must be a constant (an initializer): the weights are "
                     "dequantized at compile time");

  auto sType = cast<RankedTensorType>(scales.getType());
  if (sType.getElementType() != floatType)
    return n.failure("scales must have A's element type");
  if (sType.getNumElements() != nDim * nBlocks)
    return n.failure("scales has " + llvm::Twine(sType.getNumElements()) +
                     " elements; N * n_blocks_per_col = " +
                     llvm::Twine(nDim * nBlocks));
  std::optional<ArrayRef<char>> sBytes = constantBytes(scales, sStorage);
  if (!sBytes)
    return n.failure("scales must be a constant (an initializer)");
  SmallVector<float> scale = toFloats(*sBytes, floatType);

  // Zero points per (row, block): packed uint8, floats of A's type, or the
  // default 2^(bits-1).
  SmallVector<float> zeroPoint(nDim * nBlocks, float(1 << (bits - 1)));
  if (n.hasInput(3)) {
    Value zp = n.input(3);
    auto zType = cast<RankedTensorType>(zp.getType());
    std::optional<ArrayRef<char>> zBytes = constantBytes(zp, zStorage);
    if (!zBytes)
      return n.failure("zero_points must be a constant (an initializer)");
    if (zType.getElementType().isInteger(8) && n.isUnsigned(3)) {
      int64_t rowBytes = llvm::divideCeil(nBlocks * bits, 8);
      if (zType.getNumElements() != nDim * rowBytes)
        return n.failure("uint8 zero_points has " +
                         llvm::Twine(zType.getNumElements()) + " elements; N * "
                         "ceil(n_blocks_per_col * bits / 8) = " +
                         llvm::Twine(nDim * rowBytes));
      const auto *z = reinterpret_cast<const uint8_t *>(zBytes->data());
      int64_t perByte = 8 / bits, mask = (1 << bits) - 1;
      for (int64_t row = 0; row < nDim; ++row)
        for (int64_t blk = 0; blk < nBlocks; ++blk)
          zeroPoint[row * nBlocks + blk] =
              (z[row * rowBytes + blk / perByte] >> (bits * (blk % perByte))) & mask;
    } else if (zType.getElementType() == floatType) {
      if (zType.getNumElements() != nDim * nBlocks)
        return n.failure("float zero_points has " +
                         llvm::Twine(zType.getNumElements()) +
                         " elements; N * n_blocks_per_col = " +
                         llvm::Twine(nDim * nBlocks));
      zeroPoint = toFloats(*zBytes, floatType);
    } else {
      return n.failure("zero_points must be uint8 or of A's element type");
    }
  }

  Value bias = n.hasInput(5) ? n.input(5) : nullptr;
  if (bias) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getElementType() != floatType ||
        biasType.getShape() != ArrayRef<int64_t>{nDim})
      return n.failure("bias must be [" + llvm::Twine(nDim) +
                       "] of A's element type");
  }

  // The dequantized weight at (row n, column k) of [N, K], as onnxruntime
  // computes it in float32: (code - zero point) * scale.
  const auto *q = reinterpret_cast<const uint8_t *>(bBytes->data());
  const int64_t perByte = 8 / bits, mask = (1 << bits) - 1;
  auto dequant = [&](int64_t row, int64_t k) {
    int64_t blk = k / blockSize, i = k % blockSize;
    uint8_t byte = q[(row * nBlocks + blk) * blobSize + i / perByte];
    float code = float((byte >> (bits * (i % perByte))) & mask);
    return (code - zeroPoint[row * nBlocks + blk]) * scale[row * nBlocks + blk];
  };

  // First pass: each block's one nonzero magnitude if it is ternary.
  SmallVector<float> blockMagnitude(nDim * nBlocks, 0.0f);
  WeightForm form = WeightForm::PerTensor;
  std::string why;
  for (int64_t row = 0; row < nDim && form != WeightForm::NotTernary; ++row) {
    for (int64_t blk = 0; blk < nBlocks && form != WeightForm::NotTernary; ++blk) {
      float magnitude = 0.0f;
      // The padding of the last block (k >= K) is not part of the weight.
      for (int64_t k = blk * blockSize; k < std::min(kDim, (blk + 1) * blockSize); ++k) {
        float mag = std::fabs(dequant(row, k));
        if (mag == 0.0f)
          continue;
        if (magnitude == 0.0f) {
          magnitude = mag;
        } else if (mag != magnitude) {
          form = WeightForm::NotTernary;
          why = "they are not ternary: row " + std::to_string(row) +
                ", block " + std::to_string(blk) + " holds the magnitudes " +
                floatString(magnitude) + " and " + floatString(mag) +
                " (a ternary block holds -s, 0 and +s only)";
          break;
        }
      }
      blockMagnitude[row * nBlocks + blk] = magnitude;
    }
  }

  // One magnitude for the tensor, or one per output row.
  float gamma = 0.0f;
  SmallVector<float> rowScale(nDim, 1.0f);
  if (form != WeightForm::NotTernary) {
    bool perTensor = true, perRow = true;
    for (int64_t row = 0; row < nDim && perRow; ++row) {
      float rowMagnitude = 0.0f;
      for (int64_t blk = 0; blk < nBlocks; ++blk) {
        float m = blockMagnitude[row * nBlocks + blk];
        if (m == 0.0f)
          continue;
        if (gamma == 0.0f)
          gamma = m;
        perTensor &= m == gamma;
        if (rowMagnitude == 0.0f) {
          rowMagnitude = m;
        } else if (m != rowMagnitude) {
          perRow = false;
          why = "they are ternary per block but the scale varies along K (row " +
                std::to_string(row) + ": " + floatString(rowMagnitude) +
                " and " + floatString(m) + "), and bitnet.bitlinear takes one "
                "scale per tensor (or per output row)";
          break;
        }
      }
      if (rowMagnitude != 0.0f)
        rowScale[row] = rowMagnitude;
    }
    if (gamma == 0.0f) {
      form = WeightForm::AllZero;
      why = "every weight is zero";
    } else {
      form = perTensor ? WeightForm::PerTensor
             : perRow  ? WeightForm::PerRow
                       : WeightForm::PerBlock;
    }
  }
  bool ternary = form == WeightForm::PerTensor || form == WeightForm::PerRow;

  // Second pass: W^T [K, N] (the product's layout) written once into its
  // final buffer. Ternary values stay a plain dense constant [K, N], which
  // bitnet-raise-bitlinear reads (form (b)); float weights over 1 KiB
  // become a dense_resource blob [1, K, N], as initializers do.
  Type f32 = n.b.getF32Type();
  auto fill = [&](float *w) {
    for (int64_t row = 0; row < nDim; ++row)
      for (int64_t k = 0; k < kDim; ++k) {
        float v = dequant(row, k);
        if (form == WeightForm::PerRow)
          v = v == 0.0f ? 0.0f : (v > 0.0f ? 1.0f : -1.0f);
        w[k * nDim + row] = v;
      }
  };
  int64_t wBytes = kDim * nDim * int64_t(sizeof(float));
  auto w3Type = RankedTensorType::get({1, kDim, nDim}, f32);
  Value w3;
  if (ternary || wBytes <= kResourceThresholdBytes) {
    std::vector<float> w(static_cast<size_t>(kDim * nDim));
    fill(w.data());
    auto wType = RankedTensorType::get({kDim, nDim}, f32);
    Value w2 = arith::ConstantOp::create(
        n.b, DenseElementsAttr::get(wType, ArrayRef<float>(w)));
    // A reshape, not a reshaped copy of the constant.
    w3 = tosa::ReshapeOp::create(n.b, w3Type, w2,
                                 tosa::getTosaConstShape(n.b, w3Type.getShape()));
  } else {
    AsmResourceBlob blob = HeapAsmResourceBlob::allocate(wBytes, alignof(float));
    fill(reinterpret_cast<float *>(blob.getMutableData().data()));
    w3 = arith::ConstantOp::create(
        n.b, w3Type,
        DenseResourceElementsAttr::get(w3Type, n.node.inputs[1] + "_dequantized",
                                       std::move(blob)));
  }

  // Y = A x W^T in float32 (narrow A widened, the result narrowed back).
  Value a32 = a;
  if (!floatType.isF32())
    a32 = tosa::CastOp::create(n.b, aType.clone(f32), a);
  SmallVector<int64_t> yShape(aType.getShape().drop_back());
  int64_t rows = 1;
  for (int64_t d : yShape)
    rows *= d;
  yShape.push_back(nDim);
  Value a3 = reshapeTo(n.b, a32, {1, rows, kDim});
  Value aZp = tosa::createZeroPointTensor(n.b, n.loc(), f32, 0).value();
  Value bZp = tosa::createZeroPointTensor(n.b, n.loc(), f32, 0).value();
  Value y = tosa::MatMulOp::create(
      n.b, RankedTensorType::get({1, rows, nDim}, f32), a3, w3, aZp, bZp);
  y = reshapeTo(n.b, y, yShape);
  auto yType = RankedTensorType::get(yShape, f32);
  SmallVector<int64_t> rowShape(yShape.size(), 1);
  rowShape.back() = nDim;
  auto rowType = RankedTensorType::get(rowShape, f32);
  if (form == WeightForm::PerRow) {
    Value s = arith::ConstantOp::create(
        n.b, DenseElementsAttr::get(rowType, ArrayRef<float>(rowScale)));
    auto shiftType = RankedTensorType::get({1}, n.b.getI8Type());
    Value shift = tosa::ConstOp::create(
        n.b, shiftType, DenseElementsAttr::get(shiftType, n.b.getI8IntegerAttr(0)));
    y = tosa::MulOp::create(n.b, yType, y, s, shift);
  }
  if (bias) {
    Value bias32 = bias;
    if (!floatType.isF32())
      bias32 = tosa::CastOp::create(
          n.b, cast<RankedTensorType>(bias.getType()).clone(f32), bias);
    y = tosa::AddOp::create(n.b, yType, y, reshapeTo(n.b, bias32, rowShape));
  }
  if (!floatType.isF32())
    y = tosa::CastOp::create(n.b, yType.clone(floatType), y);
  n.setResult(0, y);

  // Say what became of the weights.
  std::string prefix = "node '" + n.name + "' (MatMulNBits): ";
  std::string width = std::to_string(bits) + "-bit";
  if (!ternary) {
    emitRemark(n.loc()) << prefix << "compiled as a float product with its "
                        << width << " weights dequantized at import: " << why;
  } else if (!looksFakeQuantized(a)) {
    emitRemark(n.loc())
        << prefix << "ternary " << width << " weights ("
        << (form == WeightForm::PerTensor ? "scale " + floatString(gamma)
                                          : std::string("one scale per row"))
        << ") on float activations: compiled as a float product; "
           "bitnet.bitlinear quantizes its activations to int8 per token, so "
           "it is raised only when the graph quantizes them itself (absmax "
           "fake quantization before the product, as BitNet exports do)";
  }
  return success();
}

} // namespace

void mlir::bitnet::onnx::registerMatMulNBitsImporters(OpImportRegistry &r) {
  r["com.microsoft.MatMulNBits"] = importMatMulNBits;
}
