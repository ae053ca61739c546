//===- TernaryGemvToWarpLoops.cpp - the W2A8 GEMV as warp-level loops -===//
//
// Writes `bitnet.ternary_matmul` on i2s weights as the decode GEMV kernel:
// parallel loops over (token, warp) holding a parallel loop over the 32
// lanes of the warp, whose reduction is the warp's split-K sum. The IR is
// target-neutral (scf + vector + bitnet.dot4): the CPU runs it in tests and
// bitnet-gpu-map-warp-loops maps it to a GPU.
//
// i2s (docs/formats.md): row r's block b (128 weights) is bytes 32b..32b+31;
// byte j holds weights j, j+32, j+64, j+96 as codes w + 1 at shifts 6, 4,
// 2, 0. A 16-byte chunk t = 2b + h (bytes 16h..16h+15 of block b) holds, in
// code plane c (shift 6 - 2c), weights k = 128b + 32c + 16h + i, i < 16:
// plane c of the chunk meets the 16 activation bytes starting at
// 128b + 16h + 32c, word for word, with no permutation.
//
// Decode without shifts: dot4(w & (0xC0 >> 2c), q) is 4^(3-c) times the
// plane's dot(code, q), so each plane keeps its own accumulator and the
// epilogue shifts it back (exactly: it is a multiple of 4^(3-c)); minus
// sum(q) turns codes into weights.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/GPU/Passes.h"

#include "bitnet/Dialect/BitNet/IR/BitNet.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_TERNARYGEMVTOWARPLOOPSPASS
#include "bitnet/Codegen/GPU/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

constexpr int64_t kChunkBytes = 16;    // one 16-byte load per lane and row
constexpr int64_t kCodePlanes = 4;     // weights per i2s byte
constexpr int64_t kPlaneStride = 32;   // activation offset between planes
constexpr int64_t kHalfBlockBytes = 16; // activation offset of chunk half h

Value indexConst(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

/// Word `i` (bytes 4i..4i+3) of a 16-byte vector, as vector<4xi8>.
Value word(ImplicitLocOpBuilder &b, Value bytes, int64_t i) {
  return vector::ShuffleOp::create(b, bytes, bytes,
                                   ArrayRef<int64_t>{4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3});
}

/// Adds the four word products of two 16-byte vectors into `acc`
/// (vector<1xi32>), one bitnet.dot4 (one dp4a) per word.
Value dotChunk(ImplicitLocOpBuilder &b, Value acc, Value a, Value q, bool aFitsI8) {
  for (int64_t i = 0; i < kChunkBytes / 4; ++i) {
    auto dot = Dot4Op::create(b, acc.getType(), acc, word(b, a, i), word(b, q, i));
    if (aFitsI8)
      dot.setAFitsI8(true);
    acc = dot.getResult();
  }
  return acc;
}

struct GemvShape {
  int64_t tokens, k, paddedK, rows, rowBytes, chunks, rowsPerWarp, warps;
};

/// The body of one lane: its chunks' dot products for the warp's rows, and
/// the lane's partial row sums (before the warp reduction).
SmallVector<Value> lanePartialSums(ImplicitLocOpBuilder &b, const GemvShape &s,
                                   Value q, Value w, Value token,
                                   ArrayRef<Value> rows, Value lane) {
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  auto bytes = VectorType::get({kChunkBytes}, i8);
  auto words = VectorType::get({kChunkBytes / 4}, i32);
  auto acc = VectorType::get({1}, i32);
  Value zero = arith::ConstantOp::create(b, DenseElementsAttr::get(acc, b.getI32IntegerAttr(0)));
  Value ones = arith::ConstantOp::create(b, DenseElementsAttr::get(bytes, b.getI8IntegerAttr(1)));
  SmallVector<Value> planeMasks;
  for (int64_t c = 0; c < kCodePlanes; ++c)
    planeMasks.push_back(arith::ConstantOp::create(
        b, DenseElementsAttr::get(words, b.getI32IntegerAttr(
                                             static_cast<int32_t>(0xC0C0C0C0u >> (2 * c))))));
  const int64_t planeAccs = kCodePlanes * s.rowsPerWarp;
  // Accumulators: [row][plane], then sum(q).
  SmallVector<Value> inits(planeAccs + 1, zero);
  auto alignment = b.getI64IntegerAttr(kChunkBytes);
  auto chunkLoop = scf::ForOp::create(
      b, lane, indexConst(b, s.chunks), indexConst(b, 32), inits,
      [&](OpBuilder &nested, Location loc, Value chunk, ValueRange accs) {
        ImplicitLocOpBuilder lb(loc, nested);
        // Chunk t = 2b + h starts at activation 128b + 16h.
        Value block = arith::ShRUIOp::create(lb, chunk, indexConst(lb, 1));
        Value half = arith::AndIOp::create(lb, chunk, indexConst(lb, 1));
        Value qBase = arith::AddIOp::create(
            lb, arith::MulIOp::create(lb, block, indexConst(lb, 4 * kPlaneStride)),
            arith::MulIOp::create(lb, half, indexConst(lb, kHalfBlockBytes)));
        SmallVector<Value> qPlanes;
        Value sumQ = accs.back();
        for (int64_t c = 0; c < kCodePlanes; ++c) {
          Value offset = arith::AddIOp::create(lb, qBase, indexConst(lb, kPlaneStride * c));
          Value plane = vector::LoadOp::create(lb, bytes, q, ValueRange{token, offset},
                                               /*nontemporal=*/false, alignment);
          qPlanes.push_back(plane);
          sumQ = dotChunk(lb, sumQ, ones, plane, /*aFitsI8=*/true);
        }
        Value wOffset = arith::MulIOp::create(lb, chunk, indexConst(lb, kChunkBytes));
        SmallVector<Value> next;
        for (int64_t r = 0; r < s.rowsPerWarp; ++r) {
          Value codes = vector::LoadOp::create(lb, bytes, w, ValueRange{rows[r], wOffset},
                                               /*nontemporal=*/false, alignment);
          Value codeWords = vector::BitCastOp::create(lb, words, codes);
          for (int64_t c = 0; c < kCodePlanes; ++c) {
            Value masked = vector::BitCastOp::create(
                lb, bytes, arith::AndIOp::create(lb, codeWords, planeMasks[c]));
            next.push_back(dotChunk(lb, accs[r * kCodePlanes + c], masked, qPlanes[c],
                                    /*aFitsI8=*/false));
          }
        }
        next.push_back(sumQ);
        scf::YieldOp::create(lb, next);
      });

  auto scalar = [&](Value v) { return vector::ExtractOp::create(b, v, ArrayRef<int64_t>{0}); };
  Value sumQ = scalar(chunkLoop.getResult(planeAccs));
  SmallVector<Value> partials;
  for (int64_t r = 0; r < s.rowsPerWarp; ++r) {
    Value rowSum = arith::SubIOp::create(b, scalar(chunkLoop.getResult(r * kCodePlanes + 3)), sumQ);
    for (int64_t c = 0; c < 3; ++c) {
      Value shift = arith::ConstantOp::create(b, b.getI32IntegerAttr(6 - 2 * c));
      Value plane = arith::ShRSIOp::create(b, scalar(chunkLoop.getResult(r * kCodePlanes + c)), shift);
      rowSum = arith::AddIOp::create(b, rowSum, plane);
    }
    partials.push_back(rowSum);
  }
  return partials;
}

struct I2sGemvKernel : OpRewritePattern<TernaryMatmulOp> {
  I2sGemvKernel(MLIRContext *ctx, int64_t rowsPerWarp)
      : OpRewritePattern(ctx), rowsPerWarp(rowsPerWarp) {}

  LogicalResult matchAndRewrite(TernaryMatmulOp op, PatternRewriter &rewriter) const override {
    if (op.getFormat() != PackedFormat::i2s)
      return rewriter.notifyMatchFailure(op, "not i2s");
    auto qType = op.getActivations().getType();
    auto wType = op.getWeight().getType();
    if (!qType.hasStaticShape() || !wType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    GemvShape s;
    s.tokens = qType.getDimSize(0);
    s.k = qType.getDimSize(1);
    s.rows = wType.getDimSize(0);
    s.rowBytes = wType.getDimSize(1);
    s.paddedK = s.rowBytes * kCodePlanes;
    s.chunks = s.rowBytes / kChunkBytes;
    s.rowsPerWarp = std::min(rowsPerWarp, s.rows);
    s.warps = (s.rows + s.rowsPerWarp - 1) / s.rowsPerWarp;

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    // Whole 16-byte activation loads: rows of paddedK bytes, zero tail.
    Value q = op.getActivations();
    if (s.paddedK != s.k) {
      auto padded = RankedTensorType::get({s.tokens, s.paddedK}, i8);
      OpFoldResult none = b.getIndexAttr(0);
      Value zero = arith::ConstantOp::create(b, b.getI8IntegerAttr(0));
      q = tensor::PadOp::create(b, padded, q, ArrayRef<OpFoldResult>{none, none},
                                ArrayRef<OpFoldResult>{none, b.getIndexAttr(s.paddedK - s.k)},
                                zero);
    }
    Value qBuf = bufferization::ToBufferOp::create(
        b, MemRefType::get({s.tokens, s.paddedK}, i8), q, /*read_only=*/true);
    Value wBuf = bufferization::ToBufferOp::create(
        b, MemRefType::get({s.rows, s.rowBytes}, i8), op.getWeight(), /*read_only=*/true);
    auto outType = MemRefType::get({s.tokens, s.rows}, i32);
    Value out = memref::AllocOp::create(b, outType, b.getI64IntegerAttr(64));

    Value c0 = indexConst(b, 0), c1 = indexConst(b, 1);
    scf::ParallelOp::create(
        b, ValueRange{c0, c0}, ValueRange{indexConst(b, s.tokens), indexConst(b, s.warps)},
        ValueRange{c1, c1}, [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          ImplicitLocOpBuilder wb(loc, nested);
          Value token = ivs[0];
          Value firstRow = arith::MulIOp::create(wb, ivs[1], indexConst(wb, s.rowsPerWarp));
          // Rows past M (the last warp) load row M - 1 and store nothing.
          SmallVector<Value> rows, loadRows;
          for (int64_t r = 0; r < s.rowsPerWarp; ++r) {
            rows.push_back(arith::AddIOp::create(wb, firstRow, indexConst(wb, r)));
            loadRows.push_back(arith::MinUIOp::create(wb, rows.back(), indexConst(wb, s.rows - 1)));
          }
          Value zero = arith::ConstantOp::create(wb, wb.getI32IntegerAttr(0));
          SmallVector<Value> inits(s.rowsPerWarp, zero);
          auto lanes = scf::ParallelOp::create(
              wb, ValueRange{indexConst(wb, 0)}, ValueRange{indexConst(wb, 32)},
              ValueRange{indexConst(wb, 1)}, inits,
              [&](OpBuilder &laneBuilder, Location laneLoc, ValueRange lane, ValueRange) {
                ImplicitLocOpBuilder lb(laneLoc, laneBuilder);
                SmallVector<Value> partials =
                    lanePartialSums(lb, s, qBuf, wBuf, token, loadRows, lane[0]);
                auto reduce = scf::ReduceOp::create(lb, partials);
                for (Region &region : reduce.getReductions()) {
                  Block &combiner = region.front();
                  OpBuilder::InsertionGuard guard(lb);
                  lb.setInsertionPointToEnd(&combiner);
                  scf::ReduceReturnOp::create(
                      lb, arith::AddIOp::create(lb, combiner.getArgument(0),
                                                combiner.getArgument(1))
                              .getResult());
                }
              });
          lanes->setAttr(kWarpLanesAttrName, wb.getUnitAttr());
          for (int64_t r = 0; r < s.rowsPerWarp; ++r) {
            auto store = [&](OpBuilder &sb, Location sl) {
              memref::StoreOp::create(sb, sl, lanes.getResult(r), out,
                                      ValueRange{token, rows[r]});
            };
            if (s.rows % s.rowsPerWarp == 0) {
              store(wb, loc);
              continue;
            }
            Value inRange = arith::CmpIOp::create(wb, arith::CmpIPredicate::ult, rows[r],
                                                  indexConst(wb, s.rows));
            scf::IfOp::create(wb, inRange, [&](OpBuilder &sb, Location sl) {
              store(sb, sl);
              scf::YieldOp::create(sb, sl);
            });
          }
        });
    rewriter.replaceOp(op, bufferization::ToTensorOp::create(b, op.getType(), out,
                                                             /*restrict=*/true,
                                                             /*writable=*/true));
    return success();
  }

  int64_t rowsPerWarp;
};

struct TernaryGemvToWarpLoopsPass
    : bitnet::impl::TernaryGemvToWarpLoopsPassBase<TernaryGemvToWarpLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (rowsPerWarp < 1) {
      getOperation()->emitError() << getArgument() << ": rows-per-warp must be at least 1";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<I2sGemvKernel>(&getContext(), rowsPerWarp);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
