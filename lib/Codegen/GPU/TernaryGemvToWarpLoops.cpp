//===- TernaryGemvToWarpLoops.cpp - the W2A8 GEMV as warp-level loops -===//
//
// Writes `bitnet.ternary_matmul` on i2s weights as the decode GEMV kernel:
// parallel loops over (token group, warp) holding a parallel loop over the
// 32 lanes of the warp, whose reduction is the warp's split-K sum. A warp
// computes R rows for T tokens (4 x 1 for decode; T tokens share each
// weight load when there are several). The IR is
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
  int64_t tokens, k, paddedK, rows, rowBytes, chunks;
  /// A warp computes rowsPerWarp rows for tokensPerWarp tokens: each 16-byte
  /// weight load serves every token, each activation load every row.
  int64_t rowsPerWarp, tokensPerWarp, warps, tokenGroups;
};

/// The body of one lane: its chunks' dot products for the warp's rows and
/// tokens, and the lane's partial sums [token][row] (before the warp
/// reduction).
SmallVector<Value> lanePartialSums(ImplicitLocOpBuilder &b, const GemvShape &s,
                                   Value q, Value w, ArrayRef<Value> tokens,
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
  const int64_t numTokens = tokens.size(), numRows = rows.size();
  // Accumulators: [token][row][plane], then sum(q) per token.
  auto planeAcc = [&](int64_t t, int64_t r, int64_t c) {
    return (t * numRows + r) * kCodePlanes + c;
  };
  const int64_t planeAccs = numTokens * numRows * kCodePlanes;
  SmallVector<Value> inits(planeAccs + numTokens, zero);
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
        // qPlanes[t][c]: token t's 16 activations meeting code plane c.
        SmallVector<SmallVector<Value, kCodePlanes>> qPlanes(numTokens);
        SmallVector<Value> sums;
        for (int64_t t = 0; t < numTokens; ++t) {
          Value sumQ = accs[planeAccs + t];
          for (int64_t c = 0; c < kCodePlanes; ++c) {
            Value offset = arith::AddIOp::create(lb, qBase, indexConst(lb, kPlaneStride * c));
            Value plane = vector::LoadOp::create(lb, bytes, q, ValueRange{tokens[t], offset},
                                                 /*nontemporal=*/false, alignment);
            qPlanes[t].push_back(plane);
            sumQ = dotChunk(lb, sumQ, ones, plane, /*aFitsI8=*/true);
          }
          sums.push_back(sumQ);
        }
        Value wOffset = arith::MulIOp::create(lb, chunk, indexConst(lb, kChunkBytes));
        SmallVector<Value> next(accs.begin(), accs.end());
        for (int64_t r = 0; r < numRows; ++r) {
          Value codes = vector::LoadOp::create(lb, bytes, w, ValueRange{rows[r], wOffset},
                                               /*nontemporal=*/false, alignment);
          Value codeWords = vector::BitCastOp::create(lb, words, codes);
          for (int64_t c = 0; c < kCodePlanes; ++c) {
            Value masked = vector::BitCastOp::create(
                lb, bytes, arith::AndIOp::create(lb, codeWords, planeMasks[c]));
            for (int64_t t = 0; t < numTokens; ++t)
              next[planeAcc(t, r, c)] = dotChunk(lb, accs[planeAcc(t, r, c)], masked,
                                                 qPlanes[t][c], /*aFitsI8=*/false);
          }
        }
        llvm::copy(sums, next.begin() + planeAccs);
        scf::YieldOp::create(lb, next);
      });

  auto scalar = [&](Value v) { return vector::ExtractOp::create(b, v, ArrayRef<int64_t>{0}); };
  SmallVector<Value> partials;
  for (int64_t t = 0; t < numTokens; ++t) {
    Value sumQ = scalar(chunkLoop.getResult(planeAccs + t));
    for (int64_t r = 0; r < numRows; ++r) {
      Value rowSum = arith::SubIOp::create(b, scalar(chunkLoop.getResult(planeAcc(t, r, 3))), sumQ);
      for (int64_t c = 0; c < 3; ++c) {
        Value shift = arith::ConstantOp::create(b, b.getI32IntegerAttr(6 - 2 * c));
        Value plane = arith::ShRSIOp::create(b, scalar(chunkLoop.getResult(planeAcc(t, r, c))), shift);
        rowSum = arith::AddIOp::create(b, rowSum, plane);
      }
      partials.push_back(rowSum);
    }
  }
  return partials;
}

/// Rows and tokens per warp: 4 x 1 for one token; with more, tokens share
/// each weight load, keeping rows x tokens at 4 (its 16 plane accumulators
/// fit the registers without spills; ptxas.mlir checks).
std::pair<int64_t, int64_t> warpTile(int64_t rows, int64_t tokens, int64_t rowsOption,
                                     int64_t tokensOption) {
  constexpr int64_t kTile = 4;
  int64_t tokensPerWarp = tokensOption > 0 ? tokensOption : std::min(tokens, kTile);
  int64_t rowsPerWarp =
      rowsOption > 0 ? rowsOption : std::max<int64_t>(1, kTile / tokensPerWarp);
  return {std::min(rowsPerWarp, rows), std::min(tokensPerWarp, tokens)};
}

/// A dequantization the kernel applies as it stores (bitnet.dequantize of
/// the product): y = (float(acc) * weightScale) / scales[token], in the
/// reference's order, so the i32 results never reach memory.
struct DequantEpilogue {
  Value scales;      // tensor<N x f32>
  Value weightScale; // tensor<f32>, or null
  RankedTensorType resultType;
};

/// The product `op` is an i2s GEMV this pass generates.
bool isGemv(TernaryMatmulOp op) {
  return op.getFormat() == PackedFormat::i2s && op.getActivations().getType().hasStaticShape() &&
         op.getWeight().getType().hasStaticShape();
}

/// The dequantization the GEMV of `op` can apply as it stores: the only
/// user of `op`'s result, with static scales and result. Both patterns ask this, so a
/// product is always taken by exactly one of them.
DequantizeOp fusableDequantize(TernaryMatmulOp op) {
  if (!op->hasOneUse())
    return nullptr;
  auto dequant = dyn_cast<DequantizeOp>(*op->getUsers().begin());
  if (!dequant || dequant.getValues() != op.getResult() ||
      !dequant.getScales().getType().hasStaticShape() || !dequant.getType().hasStaticShape())
    return nullptr;
  return dequant;
}

/// Replaces `root` (the product, or the dequantization of it) with the GEMV
/// kernel computing `op`, storing i32 accumulators or, with `dequant`,
/// dequantized floats.
void buildGemv(PatternRewriter &rewriter, Operation *root, TernaryMatmulOp op,
               int64_t rowsOption, int64_t tokensOption,
               const std::optional<DequantEpilogue> &dequant) {
  auto qType = op.getActivations().getType();
  auto wType = op.getWeight().getType();
  GemvShape s;
  s.tokens = qType.getDimSize(0);
  s.k = qType.getDimSize(1);
  s.rows = wType.getDimSize(0);
  s.rowBytes = wType.getDimSize(1);
  s.paddedK = s.rowBytes * kCodePlanes;
  s.chunks = s.rowBytes / kChunkBytes;
  std::tie(s.rowsPerWarp, s.tokensPerWarp) =
      warpTile(s.rows, s.tokens, rowsOption, tokensOption);
  s.warps = (s.rows + s.rowsPerWarp - 1) / s.rowsPerWarp;
  s.tokenGroups = (s.tokens + s.tokensPerWarp - 1) / s.tokensPerWarp;

  ImplicitLocOpBuilder b(root->getLoc(), rewriter);
  Type i8 = b.getI8Type(), i32 = b.getI32Type(), f32 = b.getF32Type();
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
  Value scalesBuf, weightScaleBuf;
  if (dequant) {
    scalesBuf = bufferization::ToBufferOp::create(b, MemRefType::get({s.tokens}, f32),
                                                  dequant->scales, /*read_only=*/true);
    if (dequant->weightScale)
      weightScaleBuf = bufferization::ToBufferOp::create(b, MemRefType::get({}, f32),
                                                         dequant->weightScale,
                                                         /*read_only=*/true);
  }
  auto outType = MemRefType::get({s.tokens, s.rows}, dequant ? f32 : i32);
  Value out = memref::AllocOp::create(b, outType, b.getI64IntegerAttr(64));
  Value c0 = indexConst(b, 0), c1 = indexConst(b, 1);
  scf::ParallelOp::create(
      b, ValueRange{c0, c0}, ValueRange{indexConst(b, s.tokenGroups), indexConst(b, s.warps)},
      ValueRange{c1, c1}, [&](OpBuilder &nested, Location loc, ValueRange ivs) {
        ImplicitLocOpBuilder wb(loc, nested);
        // Rows past M and tokens past N (the last warp, the last token
        // group) load row M - 1 / token N - 1 and store nothing.
        auto span = [&](Value group, int64_t count, int64_t limit, SmallVector<Value> &all,
                        SmallVector<Value> &clamped) {
          Value first = arith::MulIOp::create(wb, group, indexConst(wb, count));
          for (int64_t i = 0; i < count; ++i) {
            all.push_back(arith::AddIOp::create(wb, first, indexConst(wb, i)));
            clamped.push_back(arith::MinUIOp::create(wb, all.back(), indexConst(wb, limit - 1)));
          }
        };
        SmallVector<Value> tokens, loadTokens, rows, loadRows;
        span(ivs[0], s.tokensPerWarp, s.tokens, tokens, loadTokens);
        span(ivs[1], s.rowsPerWarp, s.rows, rows, loadRows);
        Value zero = arith::ConstantOp::create(wb, wb.getI32IntegerAttr(0));
        SmallVector<Value> inits(s.tokensPerWarp * s.rowsPerWarp, zero);
        auto lanes = scf::ParallelOp::create(
            wb, ValueRange{indexConst(wb, 0)}, ValueRange{indexConst(wb, 32)},
            ValueRange{indexConst(wb, 1)}, inits,
            [&](OpBuilder &laneBuilder, Location laneLoc, ValueRange lane, ValueRange) {
              ImplicitLocOpBuilder lb(laneLoc, laneBuilder);
              SmallVector<Value> partials =
                  lanePartialSums(lb, s, qBuf, wBuf, loadTokens, loadRows, lane[0]);
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
        bool rowTail = s.rows % s.rowsPerWarp != 0, tokenTail = s.tokens % s.tokensPerWarp != 0;
        for (int64_t t = 0; t < s.tokensPerWarp; ++t) {
          for (int64_t r = 0; r < s.rowsPerWarp; ++r) {
            auto store = [&](OpBuilder &sb, Location sl) {
              Value result = lanes.getResult(t * s.rowsPerWarp + r);
              if (dequant) {
                ImplicitLocOpBuilder db(sl, sb);
                result = arith::SIToFPOp::create(db, f32, result);
                if (weightScaleBuf)
                  result = arith::MulFOp::create(
                      db, result, memref::LoadOp::create(db, weightScaleBuf, ValueRange{}));
                result = arith::DivFOp::create(
                    db, result, memref::LoadOp::create(db, scalesBuf, ValueRange{tokens[t]}));
              }
              memref::StoreOp::create(sb, sl, result, out, ValueRange{tokens[t], rows[r]});
            };
            if (!rowTail && !tokenTail) {
              store(wb, loc);
              continue;
            }
            Value inRange = arith::ConstantOp::create(wb, wb.getBoolAttr(true));
            if (rowTail)
              inRange = arith::AndIOp::create(
                  wb, inRange,
                  arith::CmpIOp::create(wb, arith::CmpIPredicate::ult, rows[r],
                                        indexConst(wb, s.rows)));
            if (tokenTail)
              inRange = arith::AndIOp::create(
                  wb, inRange,
                  arith::CmpIOp::create(wb, arith::CmpIPredicate::ult, tokens[t],
                                        indexConst(wb, s.tokens)));
            scf::IfOp::create(wb, inRange, [&](OpBuilder &sb, Location sl) {
              store(sb, sl);
              scf::YieldOp::create(sb, sl);
            });
          }
        }
      });
  Type resultType = dequant ? Type(dequant->resultType) : Type(op.getType());
  rewriter.replaceOp(root, bufferization::ToTensorOp::create(b, resultType, out,
                                                             /*restrict=*/true,
                                                             /*writable=*/true));
  if (root != op.getOperation())
    rewriter.eraseOp(op);
}

/// bitnet.ternary_matmul alone (no dequantization to fuse).
struct I2sGemvKernel : OpRewritePattern<TernaryMatmulOp> {
  I2sGemvKernel(MLIRContext *ctx, int64_t rowsPerWarp, int64_t tokensPerWarp)
      : OpRewritePattern(ctx), rowsPerWarp(rowsPerWarp), tokensPerWarp(tokensPerWarp) {}

  LogicalResult matchAndRewrite(TernaryMatmulOp op, PatternRewriter &rewriter) const override {
    if (!isGemv(op))
      return rewriter.notifyMatchFailure(op, "not an i2s product of static shape");
    if (fusableDequantize(op))
      return rewriter.notifyMatchFailure(op, "its dequantization takes it");
    buildGemv(rewriter, op, op, rowsPerWarp, tokensPerWarp, std::nullopt);
    return success();
  }

  int64_t rowsPerWarp, tokensPerWarp;
};

/// bitnet.dequantize of a product: the GEMV stores floats.
struct I2sGemvDequantKernel : OpRewritePattern<DequantizeOp> {
  I2sGemvDequantKernel(MLIRContext *ctx, int64_t rowsPerWarp, int64_t tokensPerWarp)
      : OpRewritePattern(ctx), rowsPerWarp(rowsPerWarp), tokensPerWarp(tokensPerWarp) {}

  LogicalResult matchAndRewrite(DequantizeOp dequant, PatternRewriter &rewriter) const override {
    auto op = dequant.getValues().getDefiningOp<TernaryMatmulOp>();
    if (!op || !isGemv(op) || fusableDequantize(op) != dequant)
      return rewriter.notifyMatchFailure(dequant, "not the dequantization of a GEMV");
    buildGemv(rewriter, dequant, op, rowsPerWarp, tokensPerWarp,
              DequantEpilogue{dequant.getScales(), dequant.getWeightScale(),
                              dequant.getType()});
    return success();
  }

  int64_t rowsPerWarp, tokensPerWarp;
};

struct TernaryGemvToWarpLoopsPass
    : bitnet::impl::TernaryGemvToWarpLoopsPassBase<TernaryGemvToWarpLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (rowsPerWarp < 0 || tokensPerWarp < 0 || rowsPerWarp * tokensPerWarp > 16) {
      getOperation()->emitError() << getArgument()
                                  << ": rows-per-warp and tokens-per-warp must be 0 (derived) "
                                     "or more, with at most 16 rows x tokens";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<I2sGemvKernel, I2sGemvDequantKernel>(&getContext(), rowsPerWarp,
                                                     tokensPerWarp);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
