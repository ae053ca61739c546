//===- BitNetToLinalg.cpp - bitnet ops to linalg.generic --------------===//
//
// Portable lowering of the bitnet dialect: every op becomes linalg.generic
// ops over tensors whose loop order and float operation order are those of
// the reference library (docs/numerics.md), so the generated loops are
// bit-exact with it. Fast target kernels replace parts of this later; this
// path stays as the generic fallback and the in-compiler oracle.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/Common/Passes.h"
#include "bitnet/Codegen/Common/QuantizationMath.h"
#include "bitnet/Dialect/BitNet/IR/BitNet.h"
#include "bitnet/Dialect/BitNet/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

namespace mlir::bitnet {
#define GEN_PASS_DEF_CONVERTBITNETTOLINALGPASS
#include "bitnet/Codegen/Common/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

using utils::IteratorType;

//===----------------------------------------------------------------------===//
// Small builders
//===----------------------------------------------------------------------===//

Value constF32(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}
Value constI32(OpBuilder &b, Location loc, int32_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
}
Value constIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// An empty tensor with the sizes of `source`'s first `rank` dimensions.
Value emptyLike(OpBuilder &b, Location loc, Value source, int64_t rank,
                Type elementType) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, source);
  sizes.resize(rank);
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value filled(OpBuilder &b, Location loc, Value empty, Value init) {
  return linalg::FillOp::create(b, loc, init, empty).getResult(0);
}

/// (d0, ..., dn-1) -> (d0, ..., d{kept-1}).
AffineMap leadingDimsMap(MLIRContext *ctx, int64_t rank, int64_t kept) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < kept; ++d)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

SmallVector<IteratorType> iterators(int64_t parallel, int64_t reduction) {
  SmallVector<IteratorType> types(parallel, IteratorType::parallel);
  types.append(reduction, IteratorType::reduction);
  return types;
}

/// Reduces `x` over all but its first `kept` dimensions into an
/// `accType` tensor starting from `init`, visiting elements in row-major
/// order (the reference's order).
Value reduceTrailingDims(
    OpBuilder &b, Location loc, Value x, int64_t kept, FloatType accType,
    double init,
    function_ref<Value(OpBuilder &, Location, Value acc, Value elem)> combine) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  Value initValue = arith::ConstantOp::create(b, loc, b.getFloatAttr(accType, init));
  Value acc = filled(b, loc, emptyLike(b, loc, x, kept, accType), initValue);
  auto generic = linalg::GenericOp::create(
      b, loc, acc.getType(), ValueRange{x}, ValueRange{acc},
      {AffineMap::getMultiDimIdentityMap(rank, ctx),
       leadingDimsMap(ctx, rank, kept)},
      iterators(kept, rank - kept),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, combine(nb, nloc, args[1], args[0]));
      });
  return generic.getResult(0);
}

Value absF(OpBuilder &b, Location loc, Value v) {
  return math::AbsFOp::create(b, loc, v);
}

/// Sum of |x| over the trailing dimensions of `x` from `kept`, in f64 (see
/// docs/numerics.md: means are accumulated in binary64).
Value sumAbsF64(OpBuilder &b, Location loc, Value x, int64_t kept) {
  return reduceTrailingDims(
      b, loc, x, kept, b.getF64Type(), 0.0,
      [](OpBuilder &nb, Location l, Value acc, Value e) -> Value {
        Value wide = arith::ExtFOp::create(nb, l, nb.getF64Type(), absF(nb, l, e));
        return arith::AddFOp::create(nb, l, acc, wide);
      });
}

/// Element count of the trailing dimensions of `x` from `firstDim`, as f64.
Value trailingCountF64(OpBuilder &b, Location loc, Value x, int64_t firstDim) {
  auto type = cast<RankedTensorType>(x.getType());
  Value count = constIndex(b, loc, 1);
  for (int64_t d = firstDim; d < type.getRank(); ++d)
    count = arith::MulIOp::create(b, loc, count,
                                  tensor::DimOp::create(b, loc, x, d));
  Value asI64 = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), count);
  return arith::UIToFPOp::create(b, loc, b.getF64Type(), asI64);
}

//===----------------------------------------------------------------------===//
// ternarize
//===----------------------------------------------------------------------===//

struct TernarizeLowering : OpConversionPattern<TernarizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TernarizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value w = adaptor.getWeight();
    int64_t rank = op.getWeight().getType().getRank();
    MLIRContext *ctx = rewriter.getContext();

    // gamma = max(mean|W|, 1e-5), as a 0-d tensor.
    Value sum = sumAbsF64(rewriter, loc, w, /*kept=*/0);
    Value count = trailingCountF64(rewriter, loc, w, 0);
    Type f32 = rewriter.getF32Type();
    AffineMap scalar = AffineMap::get(0, 0, ctx);
    Value gamma = linalg::GenericOp::create(
                      rewriter, loc, op.getScale().getType(), ValueRange{sum},
                      ValueRange{emptyLike(rewriter, loc, sum, 0, f32)},
                      {scalar, scalar}, ArrayRef<IteratorType>{},
                      [&](OpBuilder &b, Location l, ValueRange args) {
                        Value mean = meanToF32(b, l, args[0], count);
                        Value g = arith::MaxNumFOp::create(
                            b, l, mean, constF32(b, l, ref::kScaleFloor));
                        linalg::YieldOp::create(b, l, g);
                      })
                      .getResult(0);

    // Wt = clamp(round_half_even(W / gamma), -1, 1).
    Type i8 = rewriter.getI8Type();
    Value ternary =
        linalg::GenericOp::create(
            rewriter, loc, op.getTernary().getType(), ValueRange{w, gamma},
            ValueRange{emptyLike(rewriter, loc, w, rank, i8)},
            {AffineMap::getMultiDimIdentityMap(rank, ctx),
             AffineMap::get(rank, 0, ctx),
             AffineMap::getMultiDimIdentityMap(rank, ctx)},
            iterators(rank, 0),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value v = arith::DivFOp::create(b, l, args[0], args[1]);
              linalg::YieldOp::create(b, l,
                                      roundClampToInt(b, l, v, -1, 1, i8));
            })
            .getResult(0);
    rewriter.replaceOp(op, {ternary, gamma});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

/// The float value an element-wise quantization sees at one point of the
/// input's iteration space, computed from the block arguments of a
/// linalg.generic over `inputs`.
using ElementFn =
    function_ref<Value(OpBuilder &, Location, ValueRange inputArgs)>;

/// Per-row quantization (docs/numerics.md) of the values `element` computes
/// from `inputs` (indexed by `maps` over the iteration space of `x`, the
/// first input). The statistic pass and the code pass each recompute the
/// element, so a fused producer's result is never stored.
std::pair<Value, Value> quantizeRows(OpBuilder &b, Location loc, Value x,
                                     ValueRange inputs, ArrayRef<AffineMap> maps,
                                     ElementFn element, int64_t bits,
                                     bool reciprocalScale, Type valuesType,
                                     Type scalesType) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  int64_t rows = rank - 1;
  MLIRContext *ctx = b.getContext();
  QuantizationScheme scheme(bits, reciprocalScale);
  size_t numInputs = inputs.size();
  AffineMap rowMap = leadingDimsMap(ctx, rank, rows);

  // Per-row statistic: max|y| in f32 (int8) or sum|y| in f64 (int4).
  FloatType statType = scheme.statisticType(b);
  Value statInit = filled(b, loc, emptyLike(b, loc, x, rows, statType),
                          scheme.statisticInit(b, loc));
  SmallVector<AffineMap> statMaps(maps);
  statMaps.push_back(rowMap);
  Value stat =
      linalg::GenericOp::create(
          b, loc, statInit.getType(), inputs, ValueRange{statInit}, statMaps,
          iterators(rows, 1),
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value y = element(nb, l, args.take_front(numInputs));
            linalg::YieldOp::create(nb, l, scheme.accumulate(nb, l, args[numInputs], y));
          })
          .getResult(0);

  // Per-row multiplier s.
  Value count = trailingCountF64(b, loc, x, rows);
  AffineMap rowId = AffineMap::getMultiDimIdentityMap(rows, ctx);
  Value scales =
      linalg::GenericOp::create(
          b, loc, scalesType, ValueRange{stat},
          ValueRange{emptyLike(b, loc, x, rows, b.getF32Type())},
          {rowId, rowId}, iterators(rows, 0),
          [&](OpBuilder &nb, Location l, ValueRange args) {
            linalg::YieldOp::create(nb, l, scheme.scale(nb, l, args[0], count));
          })
          .getResult(0);

  // q = clamp(round_half_even(y * s), lo, hi).
  Type i8 = b.getI8Type();
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<Value> codeInputs(inputs);
  codeInputs.push_back(scales);
  SmallVector<AffineMap> codeMaps(maps);
  codeMaps.append({rowMap, id});
  Value values =
      linalg::GenericOp::create(
          b, loc, valuesType, codeInputs,
          ValueRange{emptyLike(b, loc, x, rank, i8)}, codeMaps,
          iterators(rank, 0),
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value y = element(nb, l, args.take_front(numInputs));
            linalg::YieldOp::create(nb, l, scheme.code(nb, l, y, args[numInputs]));
          })
          .getResult(0);
  return {values, scales};
}

struct QuantizeLowering : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput();
    int64_t rank = op.getInput().getType().getRank();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, getContext());
    auto [values, scales] = quantizeRows(
        rewriter, op.getLoc(), x, ValueRange{x}, {id},
        [](OpBuilder &, Location, ValueRange args) { return args[0]; },
        op.getBits(), op.getReciprocalScale(), op.getValues().getType(),
        op.getScales().getType());
    rewriter.replaceOp(op, {values, scales});
    return success();
  }
};

/// RMSNorm + quantization: one pass over x for the norm's reciprocal root
/// r, then the quantization of y = (x * r) * gamma recomputing y in both of
/// its passes (docs/numerics.md).
struct RmsNormQuantizeLowering : OpConversionPattern<RmsNormQuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RmsNormQuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput(), gamma = adaptor.getGamma();
    int64_t rank = op.getInput().getType().getRank();
    int64_t rows = rank - 1;
    Type f32 = rewriter.getF32Type();

    // r = 1 / sqrt(float(sum(x*x) / K) + eps), the squares summed in f64.
    Value sumSquares = reduceTrailingDims(
        rewriter, loc, x, rows, rewriter.getF64Type(), 0.0,
        [](OpBuilder &b, Location l, Value acc, Value e) -> Value {
          return accumulateSquare(b, l, acc, e);
        });
    Value count = trailingCountF64(rewriter, loc, x, rows);
    float epsilon = op.getEpsilon().convertToFloat();
    AffineMap rowId = AffineMap::getMultiDimIdentityMap(rows, ctx);
    Value rootRecip =
        linalg::GenericOp::create(
            rewriter, loc, op.getScales().getType(), ValueRange{sumSquares},
            ValueRange{emptyLike(rewriter, loc, x, rows, f32)}, {rowId, rowId},
            iterators(rows, 0),
            [&](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(b, l, rmsReciprocal(b, l, args[0], count, epsilon));
            })
            .getResult(0);

    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap lastDim =
        AffineMap::get(rank, 0, {getAffineDimExpr(rank - 1, ctx)}, ctx);
    auto [values, scales] = quantizeRows(
        rewriter, loc, x, ValueRange{x, rootRecip, gamma},
        {id, leadingDimsMap(ctx, rank, rows), lastDim},
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value normalised = arith::MulFOp::create(b, l, args[0], args[1]);
          return arith::MulFOp::create(b, l, normalised, args[2]);
        },
        op.getBits(), op.getReciprocalScale(), op.getValues().getType(),
        op.getScales().getType());

    SmallVector<Value> results = {values, scales};
    if (Value sums = op.getSums()) {
      // Sum of the codes per row, for kernels on unsigned weight codes.
      Type i32 = rewriter.getI32Type();
      Value zeros = filled(rewriter, loc, emptyLike(rewriter, loc, x, rows, i32),
                           constI32(rewriter, loc, 0));
      results.push_back(
          linalg::GenericOp::create(
              rewriter, loc, sums.getType(), ValueRange{values},
              ValueRange{zeros}, {id, leadingDimsMap(ctx, rank, rows)},
              iterators(rows, 1),
              [&](OpBuilder &b, Location l, ValueRange args) {
                Value code = arith::ExtSIOp::create(b, l, i32, args[0]);
                Value sum = arith::AddIOp::create(b, l, args[1], code);
                linalg::YieldOp::create(b, l, sum);
              })
              .getResult(0));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct DequantizeLowering : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value values = adaptor.getValues();
    int64_t rank = op.getValues().getType().getRank();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);

    SmallVector<Value> inputs = {values, adaptor.getScales()};
    SmallVector<AffineMap> maps = {id, leadingDimsMap(ctx, rank, rank - 1)};
    bool hasWeightScale = adaptor.getWeightScale() != nullptr;
    if (hasWeightScale) {
      inputs.push_back(adaptor.getWeightScale());
      maps.push_back(AffineMap::get(rank, 0, ctx));
    }
    maps.push_back(id);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, op.getResult().getType(), inputs,
            ValueRange{emptyLike(rewriter, loc, values, rank,
                                 rewriter.getF32Type())},
            maps, iterators(rank, 0),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value v = arith::SIToFPOp::create(b, l, b.getF32Type(), args[0]);
              if (hasWeightScale)
                v = arith::MulFOp::create(b, l, v, args[2]);
              Value y = arith::DivFOp::create(b, l, v, args[1]);
              linalg::YieldOp::create(b, l, y);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// topk_sparsify
//===----------------------------------------------------------------------===//

/// For each element, counts the elements of its row that outrank it
/// (larger magnitude, or equal magnitude at a lower index), then keeps the
/// element iff fewer than k outrank it. Quadratic in the row length: this is
/// the portable definition, not a fast kernel.
struct TopKSparsifyLowering : OpConversionPattern<TopKSparsifyOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TopKSparsifyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = op.getInput().getType();
    int64_t rank = type.getRank();
    if (type.isDynamicDim(rank - 1))
      return rewriter.notifyMatchFailure(op, "row length must be static");
    int64_t kept = op.getKeptCount(type.getDimSize(rank - 1));
    MLIRContext *ctx = rewriter.getContext();

    // Iteration space (rows..., j, l): element j is outranked by element l.
    int64_t loops = rank + 1;
    SmallVector<AffineExpr> atJ, atL;
    for (int64_t d = 0; d < rank; ++d) {
      atJ.push_back(getAffineDimExpr(d, ctx));
      atL.push_back(getAffineDimExpr(d, ctx));
    }
    atL.back() = getAffineDimExpr(rank, ctx);
    Type i32 = rewriter.getI32Type();
    Value zeros = filled(rewriter, loc, emptyLike(rewriter, loc, x, rank, i32),
                         constI32(rewriter, loc, 0));
    Value outranked =
        linalg::GenericOp::create(
            rewriter, loc, zeros.getType(), ValueRange{x, x}, ValueRange{zeros},
            {AffineMap::get(loops, 0, atJ, ctx),
             AffineMap::get(loops, 0, atL, ctx),
             AffineMap::get(loops, 0, atJ, ctx)},
            iterators(rank, 1),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value j = linalg::IndexOp::create(b, l, rank - 1);
              Value other = linalg::IndexOp::create(b, l, rank);
              Value self = absF(b, l, args[0]), cand = absF(b, l, args[1]);
              Value greater = arith::CmpFOp::create(
                  b, l, arith::CmpFPredicate::OGT, cand, self);
              Value equal = arith::CmpFOp::create(
                  b, l, arith::CmpFPredicate::OEQ, cand, self);
              Value before = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::ult, other, j);
              Value beats = arith::OrIOp::create(
                  b, l, greater, arith::AndIOp::create(b, l, equal, before));
              Value inc = arith::ExtUIOp::create(b, l, i32, beats);
              Value count = arith::AddIOp::create(b, l, args[2], inc);
              linalg::YieldOp::create(b, l, count);
            })
            .getResult(0);

    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, type, ValueRange{x, outranked},
            ValueRange{emptyLike(rewriter, loc, x, rank, rewriter.getF32Type())},
            {id, id, id}, iterators(rank, 0),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value keep = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::slt, args[1],
                  constI32(b, l, static_cast<int32_t>(kept)));
              Value y = arith::SelectOp::create(b, l, keep, args[0],
                                                constF32(b, l, 0.0f));
              linalg::YieldOp::create(b, l, y);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// ternary_matmul
//===----------------------------------------------------------------------===//

/// Reads ternary weight W[m, k] (as i32 in {-1, 0, 1}) out of the packed
/// bytes of `format`; the inverse of ref::pack (docs/formats.md).
Value decodePackedWeight(OpBuilder &b, Location loc, PackedFormat format,
                         Value packed, Value m, Value k) {
  Type i32 = b.getI32Type();
  auto idx = [&](int64_t v) { return constIndex(b, loc, v); };
  auto i32c = [&](int32_t v) { return constI32(b, loc, v); };
  auto div = [&](Value a, int64_t d) {
    return arith::DivUIOp::create(b, loc, a, idx(d)).getResult();
  };
  auto rem = [&](Value a, int64_t d) {
    return arith::RemUIOp::create(b, loc, a, idx(d)).getResult();
  };
  auto toI32 = [&](Value index) {
    return arith::IndexCastUIOp::create(b, loc, i32, index).getResult();
  };
  auto loadByte = [&](Value byteIndex) {
    Value byte = tensor::ExtractOp::create(b, loc, packed, ValueRange{m, byteIndex});
    return arith::ExtUIOp::create(b, loc, i32, byte).getResult();
  };
  auto bits = [&](Value word, Value shift, int32_t mask) {
    Value shifted = arith::ShRUIOp::create(b, loc, word, shift);
    return arith::AndIOp::create(b, loc, shifted, i32c(mask)).getResult();
  };
  auto minusOne = [&](Value code) {
    return arith::SubIOp::create(b, loc, code, i32c(1)).getResult();
  };

  // Weight k % 3 of a triple v = 9*w0 + 3*w1 + w2 stored as |v| and a sign
  // bit (tl2, tl2r).
  auto tripleWeight = [&](Value magnitude, Value sign) -> Value {
    Value negative =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, sign, i32c(0));
    Value v = arith::SelectOp::create(
        b, loc, negative, arith::SubIOp::create(b, loc, i32c(0), magnitude),
        magnitude);
    // u = v + 13 = 9*(w0+1) + 3*(w1+1) + (w2+1): base-3 digits of u.
    Value u = arith::AddIOp::create(b, loc, v, i32c(13));
    Value digit = rem(k, 3);
    Value d0 = arith::DivUIOp::create(b, loc, u, i32c(9));
    Value d1 = arith::RemUIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, u, i32c(3)), i32c(3));
    Value d2 = arith::RemUIOp::create(b, loc, u, i32c(3));
    Value isD0 =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, digit, idx(0));
    Value isD1 =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, digit, idx(1));
    Value code = arith::SelectOp::create(
        b, loc, isD0, d0, arith::SelectOp::create(b, loc, isD1, d1, d2));
    return minusOne(code);
  };

  switch (format) {
  case PackedFormat::i2s: {
    // Block of 128 -> 32 bytes; weight j of a block sits in byte j % 32 at
    // shift 6 - 2 * (j / 32).
    Value j = rem(k, 128);
    Value byteIndex = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, div(k, 128), idx(32)), rem(j, 32));
    Value shift = arith::SubIOp::create(
        b, loc, i32c(6),
        arith::MulIOp::create(b, loc, toI32(div(j, 32)), i32c(2)));
    return minusOne(bits(loadByte(byteIndex), shift, 3));
  }
  case PackedFormat::tl1: {
    // Pair p -> nibble 3*(w0+1) + (w1+1), two pairs per byte (low first).
    Value pair = div(k, 2);
    Value shift = arith::MulIOp::create(b, loc, toI32(rem(pair, 2)), i32c(4));
    Value nibble = bits(loadByte(div(pair, 2)), shift, 15);
    Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                        rem(k, 2), idx(0));
    Value code = arith::SelectOp::create(
        b, loc, first, arith::DivUIOp::create(b, loc, nibble, i32c(3)),
        arith::RemUIOp::create(b, loc, nibble, i32c(3)));
    return minusOne(code);
  }
  case PackedFormat::tl2: {
    // Group of 8 triples -> 4 magnitude bytes + 1 sign byte; a triple is
    // v = 9*w0 + 3*w1 + w2, stored as |v| and sign(v).
    Value triple = div(k, 3);
    Value group = div(triple, 8), t = rem(triple, 8);
    Value groupBase = arith::MulIOp::create(b, loc, group, idx(5));
    Value magShift = arith::MulIOp::create(b, loc, toI32(rem(t, 2)), i32c(4));
    Value magnitude = bits(
        loadByte(arith::AddIOp::create(b, loc, groupBase, div(t, 2))), magShift,
        15);
    Value sign = bits(loadByte(arith::AddIOp::create(b, loc, groupBase, idx(4))),
                      toI32(t), 1);
    return tripleWeight(magnitude, sign);
  }
  case PackedFormat::tl2r: {
    // Tiles of h <= 16 rows: per group of 24 weights, 4h magnitude bytes
    // (byte 4r + p: triples p and 4 + p of row r) and h sign bytes (bit
    // 4r + p, then 4h + 4r + p). Positions are flat in the tile-major bytes.
    auto add = [&](Value x, Value y) { return arith::AddIOp::create(b, loc, x, y).getResult(); };
    auto mul = [&](Value x, Value y) { return arith::MulIOp::create(b, loc, x, y).getResult(); };
    Value rows = tensor::DimOp::create(b, loc, packed, 0);
    Value rowBytes = tensor::DimOp::create(b, loc, packed, 1);
    auto loadFlat = [&](Value flat) {
      Value byte = tensor::ExtractOp::create(
          b, loc, packed,
          ValueRange{arith::DivUIOp::create(b, loc, flat, rowBytes),
                     arith::RemUIOp::create(b, loc, flat, rowBytes)});
      return arith::ExtUIOp::create(b, loc, i32, byte).getResult();
    };
    // (One op per statement: the IR's order must not depend on the host
    // compiler's order of evaluating arguments.)
    Value tile = div(m, 16);
    Value first = mul(tile, idx(16));
    Value left = arith::SubIOp::create(b, loc, rows, first);
    Value h = arith::MinUIOp::create(b, loc, idx(16), left);
    Value r = arith::SubIOp::create(b, loc, m, first);
    Value triple = rem(div(k, 3), 8);
    Value half = div(triple, 4);
    Value p = rem(triple, 4);
    Value tileBase = mul(first, rowBytes);
    Value group = div(k, 24);
    Value groupBytes = mul(h, idx(5));
    Value base = add(tileBase, mul(group, groupBytes));
    Value rowSlot = mul(r, idx(4));
    Value slot = add(rowSlot, p); // 4r + p
    Value magnitudeByte = loadFlat(add(base, slot));
    Value magnitudeShift = toI32(mul(half, idx(4)));
    Value magnitude = bits(magnitudeByte, magnitudeShift, 15);
    Value magnitudeBytes = mul(h, idx(4));
    Value bit = add(mul(half, magnitudeBytes), slot);
    Value signAt = add(add(base, magnitudeBytes), div(bit, 8));
    Value signByte = loadFlat(signAt);
    Value sign = bits(signByte, toI32(rem(bit, 8)), 1);
    return tripleWeight(magnitude, sign);
  }
  case PackedFormat::t5: {
    // Block of 160 -> 32 bytes; weight j of a block is base-3 digit j / 32
    // (most significant first) of v = floor(byte * 243 / 256), byte j % 32.
    Value j = rem(k, 160);
    Value blockBase = arith::MulIOp::create(b, loc, div(k, 160), idx(32));
    Value byteIndex = arith::AddIOp::create(b, loc, blockBase, rem(j, 32));
    Value byte = loadByte(byteIndex);
    Value scaled = arith::MulIOp::create(b, loc, byte, i32c(243));
    Value v = arith::ShRUIOp::create(b, loc, scaled, i32c(8));
    Value digit = div(j, 32);
    Value weight = i32c(1); // 3^(4 - digit)
    for (int64_t d = 3, power = 3; d >= 0; --d, power *= 3) {
      Value isDigit =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, digit, idx(d));
      Value powerValue = i32c(static_cast<int32_t>(power));
      weight = arith::SelectOp::create(b, loc, isDigit, powerValue, weight);
    }
    Value quotient = arith::DivUIOp::create(b, loc, v, weight);
    Value code = arith::RemUIOp::create(b, loc, quotient, i32c(3));
    return minusOne(code);
  }
  }
  llvm_unreachable("unknown packed format");
}

/// W[m, k] = decoded byte, for a weight that a pipeline unpacks at run time
/// (compiles pack their constant weights instead).
struct UnpackLowering : OpConversionPattern<UnpackOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(UnpackOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value packed = adaptor.getPacked();
    auto weightType = op.getWeight().getType();
    if (weightType.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "K must be static");
    // M as the result type has it (the verifier lets one side be dynamic).
    OpFoldResult rows =
        weightType.isDynamicDim(0)
            ? OpFoldResult(tensor::DimOp::create(rewriter, loc, packed, 0).getResult())
            : OpFoldResult(rewriter.getIndexAttr(weightType.getDimSize(0)));
    SmallVector<OpFoldResult> sizes = {rows,
                                       rewriter.getIndexAttr(weightType.getDimSize(1))};
    Value empty = tensor::EmptyOp::create(rewriter, loc, sizes, rewriter.getI8Type());
    AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
    PackedFormat format = op.getFormat();
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, weightType, ValueRange{}, ValueRange{empty},
            ArrayRef<AffineMap>{identity}, iterators(2, 0),
            [&](OpBuilder &b, Location l, ValueRange) {
              Value weight = decodePackedWeight(b, l, format, packed,
                                                linalg::IndexOp::create(b, l, 0),
                                                linalg::IndexOp::create(b, l, 1));
              linalg::YieldOp::create(
                  b, l, arith::TruncIOp::create(b, l, b.getI8Type(), weight).getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct TernaryMatmulLowering : OpConversionPattern<TernaryMatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TernaryMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type i32 = rewriter.getI32Type();
    Value q = adaptor.getActivations(), w = adaptor.getWeight();

    // acc[n, m] = 0; iteration space (n, m, k).
    SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(rewriter, loc, q, 0),
                                       tensor::getMixedSize(rewriter, loc, w, 0)};
    Value acc = filled(rewriter, loc, tensor::EmptyOp::create(rewriter, loc, sizes, i32),
                       constI32(rewriter, loc, 0));
    AffineExpr n = getAffineDimExpr(0, ctx), m = getAffineDimExpr(1, ctx),
               k = getAffineDimExpr(2, ctx);
    AffineMap qMap = AffineMap::get(3, 0, {n, k}, ctx);
    AffineMap wMap = AffineMap::get(3, 0, {m, k}, ctx);
    AffineMap accMap = AffineMap::get(3, 0, {n, m}, ctx);

    std::optional<PackedFormat> format = op.getFormat();
    SmallVector<Value> inputs = {q};
    SmallVector<AffineMap> maps = {qMap};
    if (!format) {
      inputs.push_back(w);
      maps.push_back(wMap);
    }
    maps.push_back(accMap);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, op.getResult().getType(), inputs, ValueRange{acc},
            maps, iterators(2, 1),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value weight;
              if (format) {
                weight = decodePackedWeight(b, l, *format, w,
                                            linalg::IndexOp::create(b, l, 1),
                                            linalg::IndexOp::create(b, l, 2));
              } else {
                weight = arith::ExtSIOp::create(b, l, i32, args[1]);
              }
              Value a = arith::ExtSIOp::create(b, l, i32, args[0]);
              Value prod = arith::MulIOp::create(b, l, a, weight);
              Value sum = arith::AddIOp::create(b, l, args.back(), prod);
              linalg::YieldOp::create(b, l, sum);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

struct ConvertBitNetToLinalgPass
    : mlir::bitnet::impl::ConvertBitNetToLinalgPassBase<ConvertBitNetToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Packing is a compile-time step: a constant weight folds, anything else
    // has no portable lowering.
    WalkResult walk = getOperation()->walk([](PackOp op) {
      if (matchPattern(op.getWeight(), m_Constant()))
        return WalkResult::advance();
      op.emitOpError("packs a run-time weight; weights are packed at compile "
                     "time, so the weight must be a constant");
      return WalkResult::interrupt();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    ConversionTarget target(*ctx);
    target.addIllegalDialect<BitNetDialect>();
    // Kernel-level vector ops are lowered after bufferization.
    target.addLegalOp<Dot4Op, Dot2Op, AddPairsOp, LookupOp>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });

    RewritePatternSet patterns(ctx);
    populateDecomposeBitLinearPatterns(patterns);
    patterns.add<TernarizeLowering, QuantizeLowering, RmsNormQuantizeLowering,
                 DequantizeLowering,
                 TopKSparsifyLowering, TernaryMatmulLowering, UnpackLowering>(ctx);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
