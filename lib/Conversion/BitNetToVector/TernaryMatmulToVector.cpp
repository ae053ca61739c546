//===- TernaryMatmulToVector.cpp - SIMD kernels for ternary_matmul ---===//
//
// Generates the multiply-add kernel for i2s weights from the target's
// dot-product instruction (CpuTargetInfo). First instance: AVX-512 VNNI,
// with the multiply-adds as bitnet.dot4 (lowered to vpdpbusd late).
//
// Weights are read as unsigned codes c = w + 1 (2 bits, i2s layout: in a
// 128-weight block, byte j holds weights j, j+32, j+64, j+96 at shifts 6,
// 4, 2, 0), so acc = sum(c * q) - sum(q). A 64-byte load covers two blocks;
// its four code planes (one per shift) hold weights
//   plane t, byte h*32 + j  ->  k = (2*chunk + h)*128 + 32*t + j.
// The activation codes are permuted once per token into that order, so each
// plane meets one contiguous 64-byte slice: per 256 weights one weight load,
// four shift-and-mask decodes and four vpdpbusd.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Conversion/Passes.h"
#include "bitnet/Dialect/BitNet/IR/BitNet.h"
#include "bitnet/Target/CpuTargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_CONVERTTERNARYMATMULTOVECTORPASS
#include "bitnet/Conversion/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

constexpr int64_t kChunkWeights = 256; // two i2s blocks
constexpr int64_t kChunkBytes = 64;    // one 512-bit load
constexpr int64_t kPlaneBytes = 64;    // one code plane / activation slice
// Most tokens sharing each decoded chunk: 8 accumulators + 4 code planes +
// the weight chunk stay well inside 32 vector registers.
constexpr int64_t kMaxTokenTile = 8;

Value indexConst(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

/// sum_k q[n, k] as i32, per token.
Value activationSums(ImplicitLocOpBuilder &b, Value q, int64_t n) {
  MLIRContext *ctx = b.getContext();
  Type i32 = b.getI32Type();
  Value zero = arith::ConstantOp::create(b, b.getI32IntegerAttr(0));
  Value empty = tensor::EmptyOp::create(b, ArrayRef<int64_t>{n}, i32);
  Value init = linalg::FillOp::create(b, zero, empty).getResult(0);
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
  return linalg::GenericOp::create(
             b, init.getType(), ValueRange{q}, ValueRange{init},
             ArrayRef<AffineMap>{id, row},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::reduction},
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               Value wide = arith::ExtSIOp::create(nb, loc, nb.getI32Type(), args[0]);
               linalg::YieldOp::create(
                   nb, loc, ValueRange{arith::AddIOp::create(nb, loc, args[1], wide)});
             })
      .getResult(0);
}

/// The activation codes [n, k] in the kernel's order [n, chunks * 256]
/// (see the file comment), zero beyond k.
Value permuteActivations(ImplicitLocOpBuilder &b, Value q, int64_t n, int64_t k,
                         int64_t paddedK) {
  MLIRContext *ctx = b.getContext();
  Type i8 = b.getI8Type();
  Value init = tensor::EmptyOp::create(b, ArrayRef<int64_t>{n, paddedK}, i8);
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  return linalg::GenericOp::create(
             b, init.getType(), ValueRange{}, ValueRange{init},
             ArrayRef<AffineMap>{id},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel},
             [&](OpBuilder &nb, Location loc, ValueRange) {
               ImplicitLocOpBuilder ib(loc, nb);
               Value row = linalg::IndexOp::create(ib, 0);
               Value pos = linalg::IndexOp::create(ib, 1);
               auto div = [&](Value v, int64_t d) {
                 return arith::DivUIOp::create(ib, v, indexConst(ib, d)).getResult();
               };
               auto rem = [&](Value v, int64_t d) {
                 return arith::RemUIOp::create(ib, v, indexConst(ib, d)).getResult();
               };
               auto mul = [&](Value v, int64_t c) {
                 return arith::MulIOp::create(ib, v, indexConst(ib, c)).getResult();
               };
               // pos = chunk*256 + t*64 + h*32 + j
               Value chunk = div(pos, kChunkWeights);
               Value within = rem(pos, kChunkWeights);
               Value t = div(within, kPlaneBytes);
               Value h = div(rem(within, kPlaneBytes), 32);
               Value j = rem(within, 32);
               Value block = arith::AddIOp::create(ib, mul(chunk, 2), h);
               Value col = arith::AddIOp::create(
                   ib, arith::AddIOp::create(ib, mul(block, 128), mul(t, 32)), j);
               Value inside = arith::CmpIOp::create(ib, arith::CmpIPredicate::ult,
                                                    col, indexConst(ib, k));
               Value safe = arith::SelectOp::create(ib, inside, col, indexConst(ib, 0));
               Value v = tensor::ExtractOp::create(ib, q, ValueRange{row, safe});
               Value zero = arith::ConstantOp::create(ib, ib.getI8IntegerAttr(0));
               linalg::YieldOp::create(
                   ib, ValueRange{arith::SelectOp::create(ib, inside, v, zero)});
             })
      .getResult(0);
}

struct VnniI2sMatmul : OpRewritePattern<TernaryMatmulOp> {
  VnniI2sMatmul(MLIRContext *ctx, int64_t l1DataBytes)
      : OpRewritePattern(ctx), l1DataBytes(l1DataBytes) {}

  /// Tokens per tile: as many as keep their permuted activation rows in L1
  /// (they are re-read for every output row), a power of two up to 8.
  int64_t tokenTile(int64_t paddedK) const {
    int64_t tile = kMaxTokenTile;
    while (tile > 1 && tile * paddedK > l1DataBytes)
      tile /= 2;
    return tile;
  }

  LogicalResult matchAndRewrite(TernaryMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getFormat() != PackedFormat::i2s)
      return rewriter.notifyMatchFailure(op, "not i2s");
    auto qType = op.getActivations().getType();
    auto wType = op.getWeight().getType();
    if (!qType.hasStaticShape() || !wType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    int64_t n = qType.getDimSize(0), k = qType.getDimSize(1);
    int64_t m = wType.getDimSize(0);
    int64_t chunks = (k + kChunkWeights - 1) / kChunkWeights;

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value q = op.getActivations(), w = op.getWeight();
    Value sums = activationSums(b, q, n);
    Value qPerm = permuteActivations(b, q, n, k, chunks * kChunkWeights);

    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    auto bytes = VectorType::get({kChunkBytes}, i8);
    auto lanes = VectorType::get({kChunkBytes / 4}, i32);
    Value zeroIdx = indexConst(b, 0), one = indexConst(b, 1);
    Value codePad = arith::ConstantOp::create(b, b.getI8IntegerAttr(0x55));
    Value actPad = arith::ConstantOp::create(b, b.getI8IntegerAttr(0));
    Value three = arith::ConstantOp::create(
        b, DenseElementsAttr::get(bytes, b.getI8IntegerAttr(3)));
    Value zeroAcc = arith::ConstantOp::create(
        b, DenseElementsAttr::get(lanes, b.getI32IntegerAttr(0)));

    // Tokens in tiles share each decoded weight chunk (the
    // prefill case); the remaining tokens go one at a time.
    auto tokenTiles = [&](ImplicitLocOpBuilder &b, Value acc, int64_t begin,
                          int64_t end, int64_t tile) -> Value {
      if (begin >= end)
        return acc;
      auto tokens = scf::ForOp::create(
          b, indexConst(b, begin), indexConst(b, end), indexConst(b, tile),
          ValueRange{acc},
          [&](OpBuilder &ob, Location loc, Value first, ValueRange tokenIter) {
            ImplicitLocOpBuilder tb(loc, ob);
            SmallVector<Value> rows, sumq;
            for (int64_t i = 0; i < tile; ++i) {
              rows.push_back(arith::AddIOp::create(tb, first, indexConst(tb, i)));
              sumq.push_back(tensor::ExtractOp::create(tb, sums, ValueRange{rows[i]}));
            }
            auto outputs = scf::ForOp::create(
                tb, zeroIdx, indexConst(tb, m), one, ValueRange{tokenIter[0]},
                [&](OpBuilder &ob2, Location loc2, Value out, ValueRange outIter) {
                  ImplicitLocOpBuilder ib(loc2, ob2);
                  SmallVector<Value> zeros(tile, zeroAcc);
                  auto reduction = scf::ForOp::create(
                      ib, zeroIdx, indexConst(ib, chunks), one, zeros,
                      [&](OpBuilder &ob3, Location loc3, Value chunk,
                          ValueRange accIter) {
                        ImplicitLocOpBuilder kb(loc3, ob3);
                        Value byteCol = arith::MulIOp::create(
                            kb, chunk, indexConst(kb, kChunkBytes));
                        Value packed = vector::TransferReadOp::create(
                            kb, bytes, w, ValueRange{out, byteCol}, codePad,
                            ArrayRef<bool>{false});
                        Value actCol = arith::MulIOp::create(
                            kb, chunk, indexConst(kb, kChunkWeights));
                        SmallVector<Value> accs(accIter);
                        for (int64_t plane = 0; plane < 4; ++plane) {
                          Value shift = arith::ConstantOp::create(
                              kb, DenseElementsAttr::get(
                                      bytes, kb.getI8IntegerAttr(6 - 2 * plane)));
                          Value codes = arith::AndIOp::create(
                              kb, arith::ShRUIOp::create(kb, packed, shift), three);
                          Value col = arith::AddIOp::create(
                              kb, actCol, indexConst(kb, plane * kPlaneBytes));
                          for (int64_t i = 0; i < tile; ++i) {
                            Value act = vector::TransferReadOp::create(
                                kb, bytes, qPerm, ValueRange{rows[i], col}, actPad,
                                ArrayRef<bool>{true});
                            accs[i] = Dot4Op::create(kb, accs[i], codes, act);
                          }
                        }
                        scf::YieldOp::create(kb, accs);
                      });
                  Value updated = outIter[0];
                  for (int64_t i = 0; i < tile; ++i) {
                    Value total = vector::ReductionOp::create(
                        ib, vector::CombiningKind::ADD, reduction.getResult(i));
                    Value result = arith::SubIOp::create(ib, total, sumq[i]);
                    updated = tensor::InsertOp::create(ib, result, updated,
                                                       ValueRange{rows[i], out});
                  }
                  scf::YieldOp::create(ib, ValueRange{updated});
                });
            scf::YieldOp::create(tb, outputs.getResults());
          });
      return tokens.getResult(0);
    };
    Value init = tensor::EmptyOp::create(b, ArrayRef<int64_t>{n, m}, i32);
    int64_t tile = tokenTile(chunks * kChunkWeights);
    int64_t tiled = n - n % tile;
    Value result = tokenTiles(b, init, 0, tiled, tile);
    result = tokenTiles(b, result, tiled, n, 1);
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  int64_t l1DataBytes;
};

struct ConvertTernaryMatmulToVectorPass
    : mlir::bitnet::impl::ConvertTernaryMatmulToVectorPassBase<
          ConvertTernaryMatmulToVectorPass> {
  using ConvertTernaryMatmulToVectorPassBase::ConvertTernaryMatmulToVectorPassBase;

  void runOnOperation() override {
    CpuTargetInfo info;
    std::string error;
    if (!getCpuTargetInfo(target, mcpu, info, error)) {
      getOperation()->emitError() << "convert-bitnet-ternary-matmul-to-vector: "
                                  << error;
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    if (info.dotProduct() == DotProductKind::Vnni512)
      patterns.add<VnniI2sMatmul>(&getContext(), info.l1DataBytes);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
