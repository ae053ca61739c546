//===- QuantizeActivations.cpp - activation width, RMSNorm fusion ------===//
//
// Sets the bit width of every activation quantization and fuses an RMSNorm
// producer into it (bitnet.rms_norm_quantize), so that the normalised float
// row is never stored: the norm's statistics, the quantization's statistics
// and the codes are each one read of the input row.
//
// The norm is matched in its imported TOSA form, so the pass runs between
// bitnet-raise-bitlinear and the lowering of TOSA. BitLinear layers fed by a
// norm are decomposed here (their quantization is what gets fused); the
// others stay whole.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"

#include "DeadProducers.h"
#include "ImportedForms.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>

namespace mlir::bitnet {
#define GEN_PASS_DEF_QUANTIZEACTIVATIONSPASS
#include "bitnet/Dialect/BitNet/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;
using namespace mlir::bitnet::imported;

namespace {

//===----------------------------------------------------------------------===//
// Small matchers (the forms the ONNX importer emits)
//===----------------------------------------------------------------------===//

bool isSplat(Value v, double expected) {
  std::optional<APFloat> value = splatFloat(v);
  return value && value->convertToDouble() == expected;
}

/// Both operand orders of a tosa.mul.
std::optional<std::array<std::pair<Value, Value>, 2>>
multiplyOperands(Value v) {
  auto mul = v.getDefiningOp<tosa::MulOp>();
  if (!mul)
    return std::nullopt;
  Value a = mul.getInput1(), b = mul.getInput2();
  return std::array{std::make_pair(a, b), std::make_pair(b, a)};
}

/// `v` of rsqrt(v), 1 / sqrt(v) or reciprocal(sqrt(v)).
std::optional<Value> matchReciprocalSqrt(Value v) {
  v = skipReshapes(v);
  if (auto rsqrt = v.getDefiningOp<tosa::RsqrtOp>())
    return rsqrt.getInput1();
  Value root;
  if (auto recip = v.getDefiningOp<tosa::ReciprocalOp>())
    root = recip.getInput1();
  else if (auto div = genericOf<arith::DivFOp>(v);
           div && isSplat((*div)[0], 1.0))
    root = (*div)[1];
  if (!root)
    return std::nullopt;
  if (auto sqrt = genericOf<math::SqrtOp>(skipReshapes(root)))
    return (*sqrt)[0];
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// RMSNorm matcher
//===----------------------------------------------------------------------===//

/// y = x * rsqrt(mean(x * x, last axis) + eps) [* gamma].
struct RmsNormMatch {
  Value input; // x
  Value gamma; // as written (any rank), or null
  APFloat epsilon{0.0f};
  Operation *root; // the op producing y
};

class RmsNormMatcher {
public:
  /// True when `y` is built like a norm: a product with a reciprocal square
  /// root. Only such values get a remark when they do not match exactly.
  static bool looksLikeNorm(Value y) {
    auto scaled = [](Value v) {
      if (auto operands = multiplyOperands(v))
        for (auto [a, b] : *operands)
          if (matchReciprocalSqrt(b))
            return true;
      return false;
    };
    if (scaled(y))
      return true;
    if (auto operands = multiplyOperands(y))
      for (auto [a, b] : *operands)
        if (scaled(a))
          return true;
    return false;
  }

  /// Matches `y`, or sets `why` to the first mismatch of a look-alike.
  static std::optional<RmsNormMatch> match(Value y, std::string &why) {
    auto yType = dyn_cast<RankedTensorType>(y.getType());
    if (!yType || !yType.getElementType().isF32() || yType.getRank() < 1) {
      why = "the normalised tensor is not a ranked f32 tensor";
      return std::nullopt;
    }
    // Outer product: (x * r) * gamma, or x * r without a weight.
    if (auto operands = multiplyOperands(y)) {
      for (auto [normalised, gamma] : *operands) {
        if (auto m = matchScaled(normalised, yType, why)) {
          if (!isPerFeature(gamma, yType)) {
            why = "the norm's weight is not one value per feature ([K])";
            return std::nullopt;
          }
          m->gamma = gamma;
          m->root = y.getDefiningOp();
          return m;
        }
      }
      if (auto m = matchScaled(y, yType, why)) {
        m->root = y.getDefiningOp();
        return m;
      }
    }
    if (why.empty())
      why = "the input is not x * rsqrt(mean(x * x) + eps) * gamma";
    return std::nullopt;
  }

private:
  /// x * r with r = rsqrt(mean(x*x, last axis) + eps), x of type `yType`.
  static std::optional<RmsNormMatch>
  matchScaled(Value v, RankedTensorType yType, std::string &why) {
    auto operands = multiplyOperands(v);
    if (!operands)
      return std::nullopt;
    for (auto [x, r] : *operands) {
      std::optional<Value> shifted = matchReciprocalSqrt(r);
      if (!shifted)
        continue;
      if (x.getType() != yType) {
        why = "the normalised tensor has another shape than the norm's input";
        return std::nullopt;
      }
      auto add = skipReshapes(*shifted).getDefiningOp<tosa::AddOp>();
      if (!add) {
        why = "rsqrt of something other than mean + eps";
        return std::nullopt;
      }
      for (auto [mean, eps] :
           {std::make_pair(add.getInput1(), add.getInput2()),
            std::make_pair(add.getInput2(), add.getInput1())}) {
        std::optional<APFloat> epsilon = splatFloat(eps);
        if (!epsilon)
          continue;
        if (!matchMeanOfSquares(mean, x, why))
          return std::nullopt;
        bool lost = false;
        APFloat epsilonF32 = *epsilon;
        epsilonF32.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                           &lost);
        if (epsilonF32.isNegative() || !epsilonF32.isFinite()) {
          why = "epsilon is negative or not finite";
          return std::nullopt;
        }
        return RmsNormMatch{x, nullptr, epsilonF32, nullptr};
      }
      why = "epsilon is not a constant";
      return std::nullopt;
    }
    return std::nullopt;
  }

  /// mean(x * x) over the last axis: reduce_sum of x*x (or pow(x, 2))
  /// divided by K or multiplied by 1/K.
  static bool matchMeanOfSquares(Value mean, Value x, std::string &why) {
    auto xType = cast<RankedTensorType>(x.getType());
    int64_t features = xType.getShape().back();
    Value sum;
    if (auto div = genericOf<arith::DivFOp>(skipReshapes(mean))) {
      if (!isSplat((*div)[1], static_cast<double>(features))) {
        why = "the sum of squares is not divided by the row length";
        return false;
      }
      sum = (*div)[0];
    } else if (auto operands = multiplyOperands(skipReshapes(mean))) {
      for (auto [a, b] : *operands) {
        std::optional<APFloat> c = splatFloat(b);
        if (c && std::fabs(c->convertToDouble() * features - 1.0) <= 1e-6)
          sum = a;
      }
      if (!sum) {
        why = "the sum of squares is not scaled by 1 / row length";
        return false;
      }
    } else {
      why = "rsqrt of something other than a mean + eps";
      return false;
    }
    auto reduce = skipReshapes(sum).getDefiningOp<tosa::ReduceSumOp>();
    if (!reduce) {
      why = "the mean is not a tosa.reduce_sum";
      return false;
    }
    if (reduce.getAxis() != xType.getRank() - 1) {
      why = "the mean is over axis " + std::to_string(reduce.getAxis()) +
            ", not the last axis";
      return false;
    }
    Value square = reduce.getInput();
    bool isSquare = false;
    if (auto pow = square.getDefiningOp<tosa::PowOp>())
      isSquare = pow.getInput1() == x && isSplat(pow.getInput2(), 2.0);
    else if (auto mul = square.getDefiningOp<tosa::MulOp>())
      isSquare = mul.getInput1() == x && mul.getInput2() == x;
    if (!isSquare) {
      why = "the mean is not of the squares of the normalised tensor";
      return false;
    }
    return true;
  }

  /// `[K]`, or `[1, ..., 1, K]`, with K the last dimension of `yType`.
  static bool isPerFeature(Value gamma, RankedTensorType yType) {
    auto type = dyn_cast<RankedTensorType>(gamma.getType());
    if (!type || !type.getElementType().isF32() || type.getRank() < 1 ||
        type.getRank() > yType.getRank())
      return false;
    ArrayRef<int64_t> shape = type.getShape();
    for (int64_t d : shape.drop_back())
      if (d != 1)
        return false;
    return shape.back() == yType.getShape().back() &&
           !ShapedType::isDynamic(shape.back());
  }
};

/// `gamma` as a `[K]` tensor: a reshaped constant, or a collapse of the
/// unit dimensions; ones when the norm has no weight.
Value perFeatureGamma(OpBuilder &b, Location loc, Value gamma,
                      int64_t features) {
  auto type = RankedTensorType::get({features}, b.getF32Type());
  if (!gamma)
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(type, 1.0f));
  DenseElementsAttr dense;
  if (matchPattern(gamma, m_Constant(&dense)))
    return arith::ConstantOp::create(b, loc, dense.reshape(type));
  auto gammaType = cast<RankedTensorType>(gamma.getType());
  if (gammaType.getRank() == 1)
    return gamma;
  ReassociationIndices all;
  for (int64_t d = 0; d < gammaType.getRank(); ++d)
    all.push_back(d);
  return tensor::CollapseShapeOp::create(b, loc, type, gamma,
                                         ArrayRef<ReassociationIndices>{all});
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

struct QuantizeActivationsPass
    : mlir::bitnet::impl::QuantizeActivationsPassBase<QuantizeActivationsPass> {
  using QuantizeActivationsPassBase::QuantizeActivationsPassBase;

  void runOnOperation() override {
    if (bits != 0 && !isSupportedActivationBits(bits)) {
      emitError(getOperation()->getLoc())
          << "bitnet-quantize-activations: bits must be 8, 4 or 0, got "
          << bits.getValue();
      return signalPassFailure();
    }
    if (bits != 0) {
      Builder b(&getContext());
      getOperation()->walk([&](BitLinearOp op) {
        op.setActBitsAttr(b.getI64IntegerAttr(bits));
      });
      getOperation()->walk(
          [&](QuantizeOp op) { op.setBitsAttr(b.getI64IntegerAttr(bits)); });
    }
    if (!fuseRmsNorm)
      return;
    if (failed(decomposeNormFedLayers()))
      return signalPassFailure();
    SmallVector<QuantizeOp> quantizations;
    getOperation()->walk([&](QuantizeOp op) { quantizations.push_back(op); });
    for (QuantizeOp op : quantizations)
      fuse(op);
    if (printStats)
      mlir::emitRemark(getOperation()->getLoc())
          << "fused " << fused << " activation quantizations with their "
          << "RMSNorm into " << fusedOps << " bitnet.rms_norm_quantize; "
          << notFused << " look-alike norms left unfused";
  }

  /// Decomposes the bitlinear layers whose input is an RMSNorm, so that
  /// their bitnet.quantize can be fused.
  LogicalResult decomposeNormFedLayers() {
    SmallVector<Operation *> layers;
    getOperation()->walk([&](BitLinearOp op) {
      std::string why;
      Value input = op.getInput();
      if (!RmsNormMatcher::looksLikeNorm(input))
        return;
      if (op.getTopkAttr())
        return remarkNotFused(input, "TopK sparsification sits between the "
                                     "norm and the quantization");
      if (!RmsNormMatcher::match(input, why))
        return remarkNotFused(input, why);
      layers.push_back(op);
    });
    if (layers.empty())
      return success();
    // A set: layers may share a weight.
    llvm::SetVector<Operation *> floatWeights;
    for (Operation *layer : layers)
      if (Operation *weight =
              cast<BitLinearOp>(layer).getWeight().getDefiningOp())
        floatWeights.insert(weight);
    RewritePatternSet patterns(&getContext());
    populateDecomposeBitLinearPatterns(patterns);
    // New ops too: constant float weights must fold to ternary constants.
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(layers, std::move(patterns), config)))
      return failure();
    // The float weights that were ternarized at compile time are dead now.
    for (Operation *weight : floatWeights)
      if (isOpTriviallyDead(weight))
        weight->erase();
    return success();
  }

  void fuse(QuantizeOp op) {
    // The decomposition flattens tokens with a collapse_shape; the norm is
    // per row, so it commutes with any reshape that keeps the last axis.
    Value quantized = op.getInput();
    auto collapse = quantized.getDefiningOp<tensor::CollapseShapeOp>();
    if (collapse && collapse.getReassociationIndices().back().size() == 1)
      quantized = collapse.getSrc();
    else
      collapse = nullptr;

    if (auto topk = quantized.getDefiningOp<TopKSparsifyOp>()) {
      if (RmsNormMatcher::looksLikeNorm(topk.getInput()))
        remarkNotFused(topk.getInput(), "TopK sparsification sits between the "
                                        "norm and the quantization");
      return;
    }
    if (!RmsNormMatcher::looksLikeNorm(quantized))
      return;
    std::string why;
    std::optional<RmsNormMatch> norm = RmsNormMatcher::match(quantized, why);
    if (!norm)
      return remarkNotFused(quantized, why);

    // All quantizations of one norm with one width share one fused op,
    // placed right after the norm so that it dominates all of them.
    auto key = std::make_tuple(quantized, op.getBits(), op.getInput().getType(),
                               unsigned(op.getReciprocalScale()));
    RmsNormQuantizeOp &fusedOp = cache[key];
    if (!fusedOp) {
      OpBuilder b(norm->root->getContext());
      b.setInsertionPointAfter(norm->root);
      Location loc = norm->root->getLoc();
      Value x = norm->input;
      if (collapse) {
        IRMapping mapping;
        mapping.map(collapse.getSrc(), x);
        x = b.clone(*collapse, mapping)->getResult(0);
      }
      auto xType = cast<RankedTensorType>(x.getType());
      Value gamma =
          perFeatureGamma(b, loc, norm->gamma, xType.getShape().back());
      fusedOp = RmsNormQuantizeOp::create(
          b, loc, op.getValues().getType(), op.getScales().getType(),
          /*sums=*/Type(), x, gamma,
          b.getFloatAttr(b.getF32Type(), norm->epsilon), op.getBitsAttr(),
          op.getReciprocalScaleAttr());
      ++fusedOps;
    }
    op.getValues().replaceAllUsesWith(fusedOp.getValues());
    op.getScales().replaceAllUsesWith(fusedOp.getScales());
    eraseDeadProducers(op, [](Operation *dead) {
      dead->dropAllReferences();
      dead->erase();
    });
    ++fused;
  }

  /// One remark per norm: layers sharing a norm fail for the same reason.
  void remarkNotFused(Value norm, const std::string &why) {
    if (!remarked.insert(norm).second)
      return;
    Location loc = norm.getLoc();
    InFlightDiagnostic remark = mlir::emitRemark(loc);
    // Imported ops are located at their ONNX node: name it.
    if (auto name = dyn_cast<NameLoc>(loc))
      remark << "node '" << name.getName().getValue() << "': ";
    remark << "RMSNorm not fused with the activation quantization: " << why;
    ++notFused;
  }

  DenseMap<std::tuple<Value, uint64_t, Type, unsigned>, RmsNormQuantizeOp> cache;
  llvm::DenseSet<Value> remarked;
  int64_t fused = 0, fusedOps = 0, notFused = 0;
};

} // namespace
