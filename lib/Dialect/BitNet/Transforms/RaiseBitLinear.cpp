//===- RaiseBitLinear.cpp - fake-quantized matmuls -> bitnet.bitlinear ----===//
//
// PyTorch BitLinear layers reach us as plain ops: an int8 fake quantization
// of the activations and an absmean ternarization of the weight feeding a
// matmul. This pass recognises them (in the forms torch.onnx.export emits)
// and replaces each with one bitnet.bitlinear, whose semantics are exactly
// those of docs/numerics.md.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"

#include "ImportedForms.h"
#include "PackedWeights.h"
#include "WeightBlobs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Tosa/Utils/ConversionUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::bitnet {
#define GEN_PASS_DEF_RAISEBITLINEARPASS
#include "bitnet/Dialect/BitNet/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;
using namespace mlir::bitnet::imported;

namespace {

//===----------------------------------------------------------------------===//
// Small matchers
//===----------------------------------------------------------------------===//

bool isClose(std::optional<double> value, double expected) {
  return value && std::fabs(*value - expected) <= 1e-3 * std::fabs(expected);
}

/// a * b as tosa.mul.
std::optional<std::pair<Value, Value>> matchMultiply(Value v) {
  if (auto mul = v.getDefiningOp<tosa::MulOp>())
    return std::make_pair(mul.getInput1(), mul.getInput2());
  return std::nullopt;
}

/// a / b as an exact division, or as a * reciprocal(b).
std::optional<std::pair<Value, Value>> matchDivide(Value v) {
  if (auto operands = genericOf<arith::DivFOp>(v))
    return std::make_pair((*operands)[0], (*operands)[1]);
  if (auto mul = matchMultiply(v))
    for (auto [a, b] : {*mul, std::make_pair(mul->second, mul->first)})
      if (auto recip = skipReshapes(b).getDefiningOp<tosa::ReciprocalOp>())
        return std::make_pair(a, recip.getInput1());
  return std::nullopt;
}

/// `c / denominator`, in any of the forms torch emits for it: a division,
/// reciprocal(d) * c, or reciprocal(d) when c is 1. `reciprocal` tells the
/// two roundings of (1 / d) * c from one division.
struct ConstantOver {
  double constant;
  Value denominator;
  bool reciprocal;
};

std::optional<ConstantOver> matchConstantOver(Value v) {
  v = skipReshapes(v);
  if (auto recip = v.getDefiningOp<tosa::ReciprocalOp>())
    return ConstantOver{1.0, recip.getInput1(), true};
  if (auto operands = genericOf<arith::DivFOp>(v))
    if (auto c = splatDouble((*operands)[0]))
      return ConstantOver{*c, (*operands)[1], false};
  if (auto mul = matchMultiply(v))
    for (auto [a, b] : {*mul, std::make_pair(mul->second, mul->first)})
      if (auto recip = skipReshapes(a).getDefiningOp<tosa::ReciprocalOp>())
        if (auto c = splatDouble(b))
          return ConstantOver{*c, recip.getInput1(), true};
  return std::nullopt;
}

/// `q` of the straight-through form x + (q - x), or `v` itself.
Value stripStraightThrough(Value v, Value &x) {
  auto add = v.getDefiningOp<tosa::AddOp>();
  if (!add)
    return v;
  for (auto [a, b] : {std::make_pair(add.getInput1(), add.getInput2()),
                      std::make_pair(add.getInput2(), add.getInput1())}) {
    auto sub = b.getDefiningOp<tosa::SubOp>();
    if (sub && sub.getInput2() == a) {
      x = a;
      return sub.getInput1();
    }
  }
  return v;
}

/// clamp(round(input * scale), lo, hi) / scale, or (`divides`)
/// clamp(round(input / scale), lo, hi) * scale.
struct FakeQuant {
  Value input, scale;
  double lo, hi;
  bool divides = false;
};

/// The clamp(round(r)) under a fake quantization: (clamp, r).
std::optional<std::pair<tosa::ClampOp, Value>> matchClampRound(Value v) {
  auto clamp = v.getDefiningOp<tosa::ClampOp>();
  auto rounded = clamp ? genericOf<math::RoundEvenOp>(clamp.getInput()) : std::nullopt;
  if (!rounded || !isa<FloatAttr>(clamp.getMinValAttr()) ||
      !isa<FloatAttr>(clamp.getMaxValAttr()))
    return std::nullopt;
  return std::make_pair(clamp, (*rounded)[0]);
}

FakeQuant makeFakeQuant(tosa::ClampOp clamp, Value input, Value scale, bool divides) {
  return FakeQuant{input, scale, cast<FloatAttr>(clamp.getMinValAttr()).getValueAsDouble(),
                   cast<FloatAttr>(clamp.getMaxValAttr()).getValueAsDouble(), divides};
}

std::optional<FakeQuant> matchFakeQuant(Value v) {
  if (auto div = matchDivide(v)) {
    auto clampRound = matchClampRound(div->first);
    auto mul = clampRound ? matchMultiply(clampRound->second) : std::nullopt;
    if (!mul)
      return std::nullopt;
    Value scale = skipReshapes(div->second);
    for (auto [input, s] : {*mul, std::make_pair(mul->second, mul->first)})
      if (skipReshapes(s) == scale)
        return makeFakeQuant(clampRound->first, input, scale, /*divides=*/false);
    return std::nullopt;
  }
  if (auto mul = matchMultiply(v))
    for (auto [q, d] : {*mul, std::make_pair(mul->second, mul->first)}) {
      auto clampRound = matchClampRound(q);
      auto div = clampRound ? matchDivide(clampRound->second) : std::nullopt;
      if (div && skipReshapes(div->second) == skipReshapes(d))
        return makeFakeQuant(clampRound->first, div->first, skipReshapes(d),
                             /*divides=*/true);
    }
  return std::nullopt;
}

/// clamp(v, min = 1e-5) with no upper bound: the scale floor.
std::optional<Value> matchScaleFloor(Value v) {
  auto clamp = skipReshapes(v).getDefiningOp<tosa::ClampOp>();
  if (!clamp)
    return std::nullopt;
  auto lo = dyn_cast<FloatAttr>(clamp.getMinValAttr());
  auto hi = dyn_cast<FloatAttr>(clamp.getMaxValAttr());
  if (!lo || !hi || !isClose(lo.getValueAsDouble(), 1e-5) ||
      hi.getValueAsDouble() < 1e30)
    return std::nullopt;
  return clamp.getInput();
}

//===----------------------------------------------------------------------===//
// BitLinear parts
//===----------------------------------------------------------------------===//

/// Why a look-alike was not raised (for the remark), empty on success.
using Reason = std::string;

/// Checks that `scale` is 127 / clamp(max|x|, 1e-5) along the last axis;
/// returns whether it is computed as (1 / clamp(...)) * 127.
FailureOr<bool> checkAbsMaxScale(Value scale, Value x, Reason &why) {
  auto over = matchConstantOver(scale);
  if (!over || over->constant != 127.0) {
    why = "the activation scale is not 127 / clamp(max|x|, 1e-5)";
    return failure();
  }
  auto floored = matchScaleFloor(over->denominator);
  auto max = floored ? floored->getDefiningOp<tosa::ReduceMaxOp>() : nullptr;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  if (!max || max.getAxis() != rank - 1) {
    why = "the activation scale is not per token (max over the last axis "
          "floored at 1e-5)";
    return failure();
  }
  auto abs = max.getInput().getDefiningOp<tosa::AbsOp>();
  if (!abs || abs.getInput1() != x) {
    why = "the activation scale is not taken from |x| of the quantized x";
    return failure();
  }
  return over->reciprocal;
}

/// The activation x of a BitLinear and how its scale is computed.
struct QuantizedActivation {
  Value x;
  bool reciprocalScale;
};

/// Activation side: returns x such that `v` is the int8 absmax fake
/// quantization of x along its last axis.
FailureOr<QuantizedActivation> matchActivationQuant(Value v, Reason &why) {
  Value steInput;
  Value q = stripStraightThrough(v, steInput);
  auto fq = matchFakeQuant(q);
  if (!fq) {
    why = "the activation is not clamp(round(x * s)) / s";
    return failure();
  }
  if (steInput && steInput != fq->input) {
    why = "the straight-through estimator wraps a different tensor";
    return failure();
  }
  if (fq->divides) {
    why = "the activation is clamp(round(x / d)) * d; the raise knows "
          "clamp(round(x * s)) / s";
    return failure();
  }
  if (fq->lo != -128.0 || fq->hi != 127.0) {
    why = "activation codes are clamped to [" + std::to_string(int(fq->lo)) +
          ", " + std::to_string(int(fq->hi)) + "], not [-128, 127]";
    return failure();
  }
  FailureOr<bool> reciprocal = checkAbsMaxScale(fq->scale, fq->input, why);
  if (failed(reciprocal))
    return failure();
  return QuantizedActivation{fq->input, *reciprocal};
}

/// Activation side of the "codes" form (Hugging Face BitLinear): `v` is
/// float(int8(clamp(round(x * s), -128, 127))) with the absmax scale s.
/// Returns x (and its scale's arithmetic) and s.
FailureOr<std::pair<QuantizedActivation, Value>> matchActivationCodes(Value v,
                                                                      Reason &why) {
  auto toFloat = v.getDefiningOp<tosa::CastOp>();
  auto toInt = toFloat ? toFloat.getInput().getDefiningOp<tosa::CastOp>() : nullptr;
  if (!toInt || !toInt.getType().getElementType().isInteger(8))
    return failure();
  auto clamp = toInt.getInput().getDefiningOp<tosa::ClampOp>();
  auto rounded = clamp ? genericOf<math::RoundEvenOp>(clamp.getInput()) : std::nullopt;
  auto mul = rounded ? matchMultiply((*rounded)[0]) : std::nullopt;
  if (!mul) {
    why = "the int8 activation codes are not clamp(round(x * s))";
    return failure();
  }
  auto lo = dyn_cast<FloatAttr>(clamp.getMinValAttr());
  auto hi = dyn_cast<FloatAttr>(clamp.getMaxValAttr());
  if (!lo || !hi || lo.getValueAsDouble() != -128.0 || hi.getValueAsDouble() != 127.0) {
    why = "activation codes are not clamped to [-128, 127]";
    return failure();
  }
  for (auto [x, scale] : {*mul, std::make_pair(mul->second, mul->first)}) {
    Reason scaleWhy;
    FailureOr<bool> reciprocal = checkAbsMaxScale(scale, x, scaleWhy);
    if (succeeded(reciprocal))
      return std::make_pair(QuantizedActivation{x, *reciprocal}, skipReshapes(scale));
    why = scaleWhy;
  }
  return failure();
}

/// Sum of |w| over every axis of w, as chained reduce_sum ops.
bool isSumOfAbs(Value v, Value w) {
  v = skipReshapes(v);
  int64_t reduced = 0;
  while (auto sum = v.getDefiningOp<tosa::ReduceSumOp>()) {
    ++reduced;
    v = sum.getInput();
  }
  auto abs = v.getDefiningOp<tosa::AbsOp>();
  return abs && abs.getInput1() == w &&
         reduced == cast<RankedTensorType>(w.getType()).getRank();
}

/// Weight side, form (a): returns the float weight W [K, N] (as multiplied)
/// such that `v` is its absmean ternarization.
FailureOr<Value> matchWeightQuant(Value v, Reason &why) {
  Value steInput;
  Value q = stripStraightThrough(v, steInput);
  auto fq = matchFakeQuant(q);
  if (!fq)
    return failure();
  if ((steInput && steInput != fq->input) || fq->lo != -1.0 || fq->hi != 1.0) {
    why = "the weight is quantized, but not to {-1, 0, 1}";
    return failure();
  }
  // W * (1 / g) or W / g, with g = clamp(mean|W|, 1e-5): the compiler's
  // own ternarization divides by g (docs/numerics.md).
  std::optional<Value> floored;
  if (fq->divides) {
    floored = matchScaleFloor(fq->scale);
  } else if (auto scale = matchConstantOver(fq->scale); scale && scale->constant == 1.0) {
    floored = matchScaleFloor(scale->denominator);
  }
  auto mean = floored ? genericOf<arith::DivFOp>(skipReshapes(*floored))
                      : std::nullopt;
  auto weightType = cast<RankedTensorType>(fq->input.getType());
  if (!mean || !isClose(splatDouble((*mean)[1]), weightType.getNumElements()) ||
      !isSumOfAbs((*mean)[0], fq->input)) {
    why = "the weight scale is not 1 / clamp(mean|W|, 1e-5) over the tensor";
    return failure();
  }
  if (!matchPattern(fq->input, m_Constant())) {
    why = "the ternarized weight is not a constant";
    return failure();
  }
  return fq->input;
}

/// Weight side, form (b): a 2-D f32 constant whose values are all -g, 0
/// (either sign) or +g, inline or a dense_resource blob (as exporters
/// write external data).
struct TernaryValued {
  SmallVector<float> copy; // the values when the attribute is not one array
  ArrayRef<float> values;
  int64_t rows, cols;
  float gamma;
};

std::optional<TernaryValued> matchTernaryValued(Value v) {
  ElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.getElementType().isF32())
    return std::nullopt;
  // The importer may already have given a constant [K, N] weight the
  // [1, K, N] shape of the 3-D product.
  ArrayRef<int64_t> shape = attr.getShapedType().getShape();
  if (shape.size() == 3 && shape[0] == 1)
    shape = shape.drop_front();
  if (shape.size() != 2)
    return std::nullopt;
  TernaryValued t;
  t.rows = shape[0];
  t.cols = shape[1];
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef();
    if (!data)
      return std::nullopt;
    t.values = *data;
  } else if (auto dense = dyn_cast<DenseElementsAttr>(attr); dense && !dense.isSplat()) {
    t.copy.assign(dense.getValues<float>().begin(), dense.getValues<float>().end());
    t.values = t.copy;
  } else {
    return std::nullopt;
  }
  t.gamma = 0;
  for (float w : t.values) {
    float mag = std::fabs(w);
    if (mag == 0)
      continue;
    if (t.gamma == 0)
      t.gamma = mag;
    else if (mag != t.gamma)
      return std::nullopt;
  }
  if (t.gamma == 0)
    return std::nullopt;
  return t;
}

/// `v` followed forward through the tosa.reshape ops that are its only users.
Value throughReshapeUsers(Value v) {
  while (v.hasOneUse())
    if (auto reshape = dyn_cast<tosa::ReshapeOp>(*v.getUsers().begin()))
      v = reshape.getResult();
    else
      break;
  return v;
}

/// The rescale that follows a codes-form product: `acc / (s * ws)` with the
/// activation scale `s` and a constant weight scale `ws` (= 1 / gamma).
/// Returns the rescaled value and gamma.
std::optional<std::pair<Value, float>> matchCodesRescale(Value acc, Value s) {
  // The product may be reshaped (from the 3-D matmul) before the rescale.
  Value y = throughReshapeUsers(acc);
  if (!y.hasOneUse())
    return std::nullopt;
  auto generic = dyn_cast<linalg::GenericOp>(*y.getUsers().begin());
  if (!generic || generic.getNumResults() != 1)
    return std::nullopt;
  Value rescaled = generic.getResult(0);
  auto div = matchDivide(rescaled);
  if (!div || div->first != y)
    return std::nullopt;
  auto mul = matchMultiply(skipReshapes(div->second));
  if (!mul)
    return std::nullopt;
  for (auto [scale, ws] : {*mul, std::make_pair(mul->second, mul->first)})
    if (skipReshapes(scale) == s)
      if (auto w = splatDouble(ws); w && *w != 0)
        return std::make_pair(rescaled, static_cast<float>(1.0 / *w));
  return std::nullopt;
}

/// A multiplication of `product` (through reshapes) by a splat constant
/// that keeps its shape: (the multiplication, the constant operand).
std::optional<std::pair<tosa::MulOp, Value>> matchConstantScaleAfter(Value product) {
  Value v = throughReshapeUsers(product);
  auto mul = v.hasOneUse() ? dyn_cast<tosa::MulOp>(*v.getUsers().begin()) : nullptr;
  if (!mul || mul.getType() != v.getType())
    return std::nullopt;
  Value scale = mul.getInput1() == v ? mul.getInput2() : mul.getInput1();
  if (!splatDouble(scale))
    return std::nullopt;
  return std::make_pair(mul, scale);
}

/// `v` with its 2-D transpose undone: returns W for transpose(W).
std::optional<Value> untranspose(Value v) {
  auto transpose = v.getDefiningOp<tosa::TransposeOp>();
  if (!transpose || transpose.getPerms() != ArrayRef<int32_t>{1, 0})
    return std::nullopt;
  return transpose.getInput1();
}

//===----------------------------------------------------------------------===//
// The pattern
//===----------------------------------------------------------------------===//

/// Raises one matmul (each is visited once, so each near miss is reported
/// once).
struct BitLinearRaiser {
  explicit BitLinearRaiser(WeightBlobReleaser &releaser) : releaser(releaser) {}

  mutable int64_t raised = 0, nearMisses = 0;
  mutable UnpackedWeights unpackedWeights;
  /// Erases each raised layer's old weight computation, releasing the
  /// packed bytes it read once no function reads them.
  WeightBlobReleaser &releaser;

  LogicalResult raise(tosa::MatMulOp matmul, RewriterBase &rewriter) const {
    auto resultType = cast<RankedTensorType>(matmul.getType());
    if (!resultType.getElementType().isF32() || !resultType.hasStaticShape() ||
        resultType.getDimSize(0) != 1)
      return failure();
    Value activation = skipReshapes(matmul.getA());
    Value weight = skipReshapes(matmul.getB());
    Reason codesWhy;
    if (auto codes = matchActivationCodes(activation, codesWhy); succeeded(codes))
      return raiseCodesForm(matmul, rewriter, codes->first, codes->second, weight);
    if (!codesWhy.empty())
      return nearMiss(matmul, codesWhy);
    if (!looksQuantized(activation))
      return failure(); // an ordinary matmul: nothing to say

    Reason why;
    FailureOr<QuantizedActivation> quantized = matchActivationQuant(activation, why);
    if (failed(quantized))
      return nearMiss(matmul, why);
    Value x = quantized->x;
    auto xType = cast<RankedTensorType>(x.getType());
    int64_t k = xType.getShape().back();
    int64_t outFeatures = resultType.getDimSize(2);

    // The weight as [out, in] (PyTorch layout), float or ternary + scale.
    Location loc = matmul.getLoc();
    Value bitlinearWeight, weightScale;
    if (auto w = untranspose(weight)) {
      Reason weightWhy;
      FailureOr<Value> floatWeight = matchWeightQuant(*w, weightWhy);
      if (succeeded(floatWeight)) {
        bitlinearWeight = *floatWeight;
      } else if (!weightWhy.empty()) {
        return nearMiss(matmul, weightWhy);
      } else if (auto ternary = matchTernaryValued(*w)) {
        std::tie(bitlinearWeight, weightScale) =
            ternaryConstants(rewriter, loc, *ternary, /*transpose=*/false);
      }
    } else if (auto ternary = matchTernaryValued(weight)) {
      // [in, out] constant: transpose on the host.
      std::tie(bitlinearWeight, weightScale) =
          ternaryConstants(rewriter, loc, *ternary, /*transpose=*/true);
    }
    if (!bitlinearWeight)
      return nearMiss(matmul, "the activations are int8 fake-quantized but the "
                              "weight is neither absmean-ternarized nor "
                              "ternary-valued");
    auto wType = cast<RankedTensorType>(bitlinearWeight.getType());
    if (wType.getShape() != ArrayRef<int64_t>{outFeatures, k})
      return nearMiss(matmul, "the weight shape does not match the product");

    // AutoBitLinear (offline) multiplies the product by its weight_scale:
    // that constant joins gamma.
    std::optional<std::pair<tosa::MulOp, Value>> scaledAfter;
    if (weightScale)
      scaledAfter = matchConstantScaleAfter(matmul.getResult());
    if (scaledAfter) {
      float gamma = *splatDouble(weightScale) *
                    static_cast<float>(*splatDouble(scaledAfter->second));
      weightScale = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(RankedTensorType::get({}, rewriter.getF32Type()), gamma));
    }

    SmallVector<int64_t> yShape(xType.getShape().drop_back());
    yShape.push_back(outFeatures);
    auto yType = RankedTensorType::get(yShape, rewriter.getF32Type());
    Value y = BitLinearOp::create(rewriter, loc, yType, x, bitlinearWeight,
                                  weightScale, /*act_bits=*/8, /*topk=*/nullptr,
                                  quantized->reciprocalScale);
    ImplicitLocOpBuilder b(loc, rewriter);
    Value oldWeight = matmul.getB();
    rewriter.replaceOp(matmul,
                       tosa::ReshapeOp::create(
                           b, resultType, y,
                           tosa::getTosaConstShape(b, resultType.getShape())));
    if (scaledAfter) {
      tosa::MulOp mul = scaledAfter->first;
      Value product = mul.getInput1() == scaledAfter->second ? mul.getInput2()
                                                              : mul.getInput1();
      rewriter.replaceOp(mul, product);
    }
    releaser.eraseDeadProducers(rewriter, oldWeight);
    ++raised;
    return success();
  }

private:
  /// Hugging Face form: float(int8 codes of x) x (codes(W) - 1)^T, then
  /// divided by (s * weight_scale). Replaces the rescaled value.
  LogicalResult raiseCodesForm(tosa::MatMulOp matmul, RewriterBase &rewriter,
                               QuantizedActivation quantized, Value s,
                               Value weight) const {
    Value x = quantized.x;
    auto w = untranspose(weight);
    std::optional<TernaryWeight> trits =
        w ? matchTernaryCodes(*w, unpackedWeights) : std::nullopt;
    if (!trits)
      return nearMiss(matmul, "the activations are int8 codes but the weight "
                              "is not unpacked ternary codes (codes - 1)");
    auto rescale = matchCodesRescale(matmul.getResult(), s);
    if (!rescale)
      return nearMiss(matmul, "the product of int8 codes is not divided by "
                              "(activation scale * constant weight scale)");
    auto xType = cast<RankedTensorType>(x.getType());
    RankedTensorType wType = trits->type;
    auto yType = cast<RankedTensorType>(rescale->first.getType());
    if (wType.getDimSize(1) != xType.getShape().back() ||
        yType.getShape().back() != wType.getDimSize(0))
      return nearMiss(matmul, "the weight shape does not match the product");

    Location loc = matmul.getLoc();
    rewriter.setInsertionPoint(rescale->first.getDefiningOp());
    Value wt = trits->materialize(rewriter, loc);
    Value gamma = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get({}, rewriter.getF32Type()),
                               rescale->second));
    SmallVector<int64_t> shape(xType.getShape().drop_back());
    shape.push_back(wType.getDimSize(0));
    Value y = BitLinearOp::create(
        rewriter, loc, RankedTensorType::get(shape, rewriter.getF32Type()), x, wt,
        gamma, /*act_bits=*/8, /*topk=*/nullptr, quantized.reciprocalScale);
    if (cast<RankedTensorType>(y.getType()) != yType) {
      ImplicitLocOpBuilder b(loc, rewriter);
      y = tosa::ReshapeOp::create(b, yType, y,
                                  tosa::getTosaConstShape(b, yType.getShape()));
    }
    rewriter.replaceAllUsesWith(rescale->first, y);
    releaser.eraseDeadProducers(rewriter, rescale->first);
    ++raised;
    return success();
  }

  /// A product whose activation goes through round-and-clamp quantization
  /// (straight-through or not): a BitLinear candidate.
  static bool looksQuantized(Value activation) {
    Value ignored;
    Value q = stripStraightThrough(activation, ignored);
    auto div = matchDivide(q);
    return div && div->first.getDefiningOp<tosa::ClampOp>();
  }

  LogicalResult nearMiss(tosa::MatMulOp matmul, const Reason &why) const {
    InFlightDiagnostic remark = matmul.emitRemark();
    // Imported ops are located at their ONNX node: name it.
    if (auto name = dyn_cast<NameLoc>(matmul.getLoc()))
      remark << "node '" << name.getName().getValue() << "': ";
    remark << "not raised to bitnet.bitlinear: " << why;
    ++nearMisses;
    return failure();
  }

  /// The ternary weight [out, in] and the scale of a ternary-valued weight
  /// stored [out, in], or [in, out] (`transpose`).
  static std::pair<Value, Value> ternaryConstants(RewriterBase &rewriter,
                                                  Location loc,
                                                  const TernaryValued &weight,
                                                  bool transpose) {
    int64_t rows = transpose ? weight.cols : weight.rows;
    int64_t cols = transpose ? weight.rows : weight.cols;
    std::vector<int8_t> trits(rows * cols);
    for (int64_t i = 0; i < weight.rows; ++i)
      for (int64_t j = 0; j < weight.cols; ++j) {
        float w = weight.values[i * weight.cols + j];
        // -0.0 (as exporters write zeros) is a zero.
        int8_t trit = w == 0 ? 0 : (w > 0 ? 1 : -1);
        trits[transpose ? j * weight.rows + i : i * weight.cols + j] = trit;
      }
    auto type = RankedTensorType::get({rows, cols}, rewriter.getI8Type());
    Value wt = TernaryWeight::get(trits, type).materialize(rewriter, loc);
    Value scale = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get({}, rewriter.getF32Type()),
                               weight.gamma));
    return {wt, scale};
  }
};

struct RaiseBitLinearPass
    : mlir::bitnet::impl::RaiseBitLinearPassBase<RaiseBitLinearPass> {
  using RaiseBitLinearPassBase::RaiseBitLinearPassBase;

  void runOnOperation() override {
    SmallVector<tosa::MatMulOp> matmuls;
    getOperation()->walk([&](tosa::MatMulOp op) { matmuls.push_back(op); });
    // Layer by layer across functions; each layer's packed weight bytes
    // are released once every function's copy of the layer is raised.
    matmuls = interleaveByFunction<tosa::MatMulOp>(matmuls);
    WeightBlobReleaser releaser(getOperation());
    BitLinearRaiser raiser(releaser);
    IRRewriter rewriter(&getContext());
    for (tosa::MatMulOp matmul : matmuls) {
      rewriter.setInsertionPoint(matmul);
      (void)raiser.raise(matmul, rewriter);
    }
    // The fake-quantization ops are dead now; fold and erase them.
    if (failed(applyPatternsGreedily(getOperation(),
                                     RewritePatternSet(&getContext()))))
      return signalPassFailure();
    // At the location only: a remark on the op would print the whole module.
    if (printStats)
      mlir::emitRemark(getOperation()->getLoc())
          << "raised " << raiser.raised << " BitLinear layers; "
          << raiser.nearMisses << " look-alikes left as plain ops";
  }
};

} // namespace
