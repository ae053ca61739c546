//===- TernaryMatmulToVector.cpp - SIMD kernels for ternary_matmul ---===//
//
// Generates the multiply-add kernel for i2s weights from the target's
// dot-product instruction (CpuTargetInfo): one kernel shape for every
// target, parameterised by the vector width V (64 bytes for AVX-512, 32 for
// AVX2, 16 for NEON); the multiply-adds are bitnet.dot4 ops, lowered to
// vpdpbusd / vpmaddubsw / sdot / portable code late.
//
// Weights are read as unsigned codes c = w + 1 (2 bits, i2s layout: in a
// 128-weight block, byte j holds weights j, j+32, j+64, j+96 at shifts 6,
// 4, 2, 0), so acc = sum(c * q) - sum(q). A V-byte load ("chunk") covers 4V
// weights; its four code planes (one per shift) hold, for packed byte
// B = chunk*V + i of the row,
//   plane t, byte i  ->  k = (B / 32) * 128 + 32 * t + B % 32.
// The activation codes are permuted once per token into that order, so each
// plane meets one contiguous V-byte slice: per 4V weights one weight load,
// four shift-and-mask decodes and four dot4 per token.
//
// Loop nest: output rows in blocks (scf.forall: threads, and the block's
// weights stay in L2 while token tiles re-read them) > tokens in tiles (they
// share each decoded chunk; their activations stay in L1) > rows of the
// block > chunks.
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

constexpr int64_t kBlockWeights = 128; // one i2s block
constexpr int64_t kBlockBytes = 32;

/// Kernel parameters, from the target with pass-option overrides.
struct KernelShape {
  int64_t vectorBytes;    // V: bytes per weight load and per dot4
  int64_t maxTokenTile;   // tokens sharing a decoded chunk (registers)
  int64_t l1DataBytes;    // bounds the token tile
  int64_t l2Bytes;        // bounds the row block
  int64_t rowsPerBlock;   // 0: derive from L2 and the row count
  int64_t tokenTile;      // 0: derive from L1
};

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

/// The activation codes [n, k] in the kernel's order [n, chunks * 4V]
/// (see the file comment), zero beyond k.
Value permuteActivations(ImplicitLocOpBuilder &b, Value q, int64_t n, int64_t k,
                         int64_t paddedK, int64_t vectorBytes) {
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
               // pos = chunk*4V + t*V + i, packed byte B = chunk*V + i
               Value chunk = div(pos, 4 * vectorBytes);
               Value within = rem(pos, 4 * vectorBytes);
               Value t = div(within, vectorBytes);
               Value byte = arith::AddIOp::create(ib, mul(chunk, vectorBytes),
                                                  rem(within, vectorBytes));
               Value col = arith::AddIOp::create(
                   ib, arith::AddIOp::create(ib, mul(div(byte, kBlockBytes), kBlockWeights),
                                             mul(t, 32)),
                   rem(byte, kBlockBytes));
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

struct I2sMatmulKernel : OpRewritePattern<TernaryMatmulOp> {
  I2sMatmulKernel(MLIRContext *ctx, KernelShape shape)
      : OpRewritePattern(ctx), shape(shape) {}

  /// Tokens per tile: as many as keep their permuted activation rows in L1
  /// (they are re-read for every output row), a power of two.
  int64_t tokenTile(int64_t paddedK) const {
    if (shape.tokenTile > 0)
      return shape.tokenTile;
    int64_t tile = shape.maxTokenTile;
    while (tile > 1 && tile * paddedK > shape.l1DataBytes)
      tile /= 2;
    return tile;
  }

  /// Output rows per block: the block's packed weights fill at most half
  /// of L2 (token tiles re-read them), and there are at least 8 blocks
  /// when there are enough rows, so threads balance.
  int64_t rowsPerBlock(int64_t m, int64_t rowBytes) const {
    if (shape.rowsPerBlock > 0)
      return std::min(shape.rowsPerBlock, m);
    int64_t fitL2 = std::max<int64_t>(1, shape.l2Bytes / 2 / rowBytes);
    int64_t balanced = std::max<int64_t>(16, (m + 7) / 8);
    return std::min({fitL2, balanced, m});
  }

  LogicalResult matchAndRewrite(TernaryMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getFormat() != PackedFormat::i2s)
      return rewriter.notifyMatchFailure(op, "not i2s");
    auto qType = op.getActivations().getType();
    auto wType = op.getWeight().getType();
    if (!qType.hasStaticShape() || !wType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    const int64_t vectorBytes = shape.vectorBytes;
    const int64_t chunkWeights = 4 * vectorBytes;
    int64_t n = qType.getDimSize(0), k = qType.getDimSize(1);
    int64_t m = wType.getDimSize(0), rowBytes = wType.getDimSize(1);
    int64_t chunks = (rowBytes + vectorBytes - 1) / vectorBytes;

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value q = op.getActivations(), w = op.getWeight();
    Value sums = activationSums(b, q, n);
    Value qPerm =
        permuteActivations(b, q, n, k, chunks * chunkWeights, vectorBytes);

    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    auto bytes = VectorType::get({vectorBytes}, i8);
    auto lanes = VectorType::get({vectorBytes / 4}, i32);
    Value zeroIdx = indexConst(b, 0), one = indexConst(b, 1);
    // Reads past the row (the last chunk of a row whose size is not a
    // multiple of V) see weight 0 (code 1) against activation 0.
    Value codePad = arith::ConstantOp::create(b, b.getI8IntegerAttr(0x55));
    Value actPad = arith::ConstantOp::create(b, b.getI8IntegerAttr(0));
    Value three = arith::ConstantOp::create(
        b, DenseElementsAttr::get(bytes, b.getI8IntegerAttr(3)));
    Value zeroAcc = arith::ConstantOp::create(
        b, DenseElementsAttr::get(lanes, b.getI32IntegerAttr(0)));

    // Rows [firstRow, firstRow + rowCount) of the tokens [begin, end), in
    // tiles of `tile` tokens, into `acc` ([n, rowCount], block-local rows).
    auto tokenTiles = [&](ImplicitLocOpBuilder &b, Value acc, Value firstRow,
                          Value rowCount, int64_t begin, int64_t end,
                          int64_t tile) -> Value {
      if (begin >= end)
        return acc;
      auto tokens = scf::ForOp::create(
          b, indexConst(b, begin), indexConst(b, end), indexConst(b, tile),
          ValueRange{acc},
          [&](OpBuilder &ob, Location loc, Value first, ValueRange tokenIter) {
            ImplicitLocOpBuilder tb(loc, ob);
            SmallVector<Value> tokensOfTile, sumq;
            for (int64_t i = 0; i < tile; ++i) {
              tokensOfTile.push_back(arith::AddIOp::create(tb, first, indexConst(tb, i)));
              sumq.push_back(
                  tensor::ExtractOp::create(tb, sums, ValueRange{tokensOfTile[i]}));
            }
            auto outputs = scf::ForOp::create(
                tb, zeroIdx, rowCount, one, ValueRange{tokenIter[0]},
                [&](OpBuilder &ob2, Location loc2, Value local, ValueRange outIter) {
                  ImplicitLocOpBuilder ib(loc2, ob2);
                  Value out = arith::AddIOp::create(ib, firstRow, local);
                  SmallVector<Value> zeros(tile, zeroAcc);
                  auto reduction = scf::ForOp::create(
                      ib, zeroIdx, indexConst(ib, chunks), one, zeros,
                      [&](OpBuilder &ob3, Location loc3, Value chunk,
                          ValueRange accIter) {
                        ImplicitLocOpBuilder kb(loc3, ob3);
                        Value byteCol = arith::MulIOp::create(
                            kb, chunk, indexConst(kb, vectorBytes));
                        Value packed = vector::TransferReadOp::create(
                            kb, bytes, w, ValueRange{out, byteCol}, codePad,
                            ArrayRef<bool>{false});
                        Value actCol = arith::MulIOp::create(
                            kb, chunk, indexConst(kb, chunkWeights));
                        SmallVector<Value> accs(accIter);
                        for (int64_t plane = 0; plane < 4; ++plane) {
                          Value shift = arith::ConstantOp::create(
                              kb, DenseElementsAttr::get(
                                      bytes, kb.getI8IntegerAttr(6 - 2 * plane)));
                          Value codes = arith::AndIOp::create(
                              kb, arith::ShRUIOp::create(kb, packed, shift), three);
                          Value col = arith::AddIOp::create(
                              kb, actCol, indexConst(kb, plane * vectorBytes));
                          for (int64_t i = 0; i < tile; ++i) {
                            Value act = vector::TransferReadOp::create(
                                kb, bytes, qPerm, ValueRange{tokensOfTile[i], col},
                                actPad, ArrayRef<bool>{true});
                            // Codes are 0..2: signed and unsigned agree.
                            accs[i] = Dot4Op::create(kb, accs[i], codes, act,
                                                     /*a_fits_i8=*/true);
                          }
                        }
                        scf::YieldOp::create(kb, accs);
                      });
                  Value updated = outIter[0];
                  for (int64_t i = 0; i < tile; ++i) {
                    Value total = vector::ReductionOp::create(
                        ib, vector::CombiningKind::ADD, reduction.getResult(i));
                    Value result = arith::SubIOp::create(ib, total, sumq[i]);
                    updated = tensor::InsertOp::create(
                        ib, result, updated, ValueRange{tokensOfTile[i], local});
                  }
                  scf::YieldOp::create(ib, ValueRange{updated});
                });
            scf::YieldOp::create(tb, outputs.getResults());
          });
      return tokens.getResult(0);
    };

    int64_t tile = std::min(tokenTile(chunks * chunkWeights), std::max<int64_t>(n, 1));
    int64_t tiled = n - n % tile;
    int64_t blockRows = rowsPerBlock(m, rowBytes);
    int64_t blocks = (m + blockRows - 1) / blockRows;

    Value init = tensor::EmptyOp::create(b, ArrayRef<int64_t>{n, m}, i32);
    auto forall = scf::ForallOp::create(
        b, ArrayRef<OpFoldResult>{b.getIndexAttr(blocks)}, ValueRange{init},
        std::nullopt);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(forall.getBody());
      Value firstRow = arith::MulIOp::create(b, forall.getInductionVar(0),
                                             indexConst(b, blockRows));
      Value rowCount = arith::MinSIOp::create(
          b, indexConst(b, blockRows),
          arith::SubIOp::create(b, indexConst(b, m), firstRow));
      SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), firstRow};
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(n), rowCount};
      SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
      Value shared = forall.getRegionIterArgs()[0];
      Value block = tensor::ExtractSliceOp::create(b, shared, offsets, sizes, strides);
      block = tokenTiles(b, block, firstRow, rowCount, 0, tiled, tile);
      block = tokenTiles(b, block, firstRow, rowCount, tiled, n, 1);
      b.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(b, block, shared, offsets, sizes,
                                            strides);
    }
    rewriter.replaceOp(op, forall.getResult(0));
    return success();
  }

private:
  KernelShape shape;
};

/// Bytes per weight load / dot4 for the target's instruction, 0 for none.
int64_t kernelVectorBytes(const CpuTargetInfo &info) {
  switch (info.dotProduct()) {
  case DotProductKind::Vnni512:
    return 64;
  case DotProductKind::Avx2Maddubs:
    return info.hasAvx512bw ? 64 : 32;
  case DotProductKind::NeonSdot:
  case DotProductKind::NeonMull:
    return 16;
  case DotProductKind::Generic:
    return 0;
  }
  return 0;
}

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
    KernelShape shape;
    shape.vectorBytes = kernelVectorBytes(info);
    if (shape.vectorBytes == 0)
      return; // convert-bitnet-to-linalg's portable loops
    // Accumulators for the tile, one code plane, the weight chunk and the
    // constants: a quarter of the registers for accumulators.
    shape.maxTokenTile = std::max<int64_t>(1, info.vectorRegisters / 4);
    shape.l1DataBytes = info.l1DataBytes;
    shape.l2Bytes = info.l2Bytes;
    shape.rowsPerBlock = rowsPerBlock;
    shape.tokenTile = tokenTile;
    RewritePatternSet patterns(&getContext());
    patterns.add<I2sMatmulKernel>(&getContext(), shape);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
