//===- TernaryLookupKernel.cpp - Lookup-table kernel for tl2r weights ----===//
//
// The activation-side lookup tables of T-MAC and bitnet.cpp's TL2, exact
// for int8 activations. A tl2r weight stores each triple of weights as
// |v| and sign(v), v = 9*w0 + 3*w1 + w2, with 16 rows interleaved: byte
// 4r + p of a group's 64 magnitude bytes holds triple p (low nibble) and
// triple 4 + p (high nibble) of row r (docs/formats.md). So a 64-byte
// vector of indices covers 16 rows x 4 triples, each 32-bit lane one row.
//
// Per token and group of 24 weights, tables of the triples' partial sums:
// entry e = position p (bits 5..4) | magnitude (bits 3..0) holds
// sum_i w_i(magnitude) * x[3p + i]; a set sign bit negates the entry
// looked up (mirror consolidation: 64 entries, one register, instead of
// 128). Exactness: an int8 activation a = 16h + l (l = a & 15 in [0, 15],
// h = a >> 4 in [-8, 7]), so one table of l sums (|entry| <= 45) and one
// of h sums (<= 24), both int8, give sum(w * a) = sum(l-part) +
// 16 * sum(h-part); bitnet.dot4 by ones and by sixteens adds a lane's four
// lookups into its row's i32 accumulators. Per group and tile: one 64-byte
// load of magnitudes, 16 bytes of signs (two 64-lane masks), two index
// vectors, and per token four 64-entry lookups (vpermb), four masked
// negations and four dot4 (vpdpbusd) into four accumulators (a single
// chain of dependent vpdpbusd was latency-bound). A token's tables take
// 256 bytes per 24 weights: 27 KiB for K = 2560, in L1.
//
// int4 activations (BitNet a4.8's absmean codes in [-8, 7], seen on the
// quantizer that produces them) need no split: |entry| <= 24, one table
// per half, half the lookups, negations and dot products.
//
// Loop nest: tables for every token and group first (shared by all rows);
// then an scf.forall over blocks of whole 16-row tiles (threads), token
// tiles sharing each tile's indices, chunks of groups whose tables stay in
// L1, the tiles of the block, the groups of the chunk. A last tile of fewer
// than 16 rows runs after the forall.
//
//===----------------------------------------------------------------------===//

#include "TernaryKernels.h"

#include "bitnet/Codegen/CPU/KernelConfig.h"
#include "bitnet/Dialect/BitNet/IR/BitNet.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

#include <array>

using namespace mlir;
using namespace mlir::bitnet;

namespace {

constexpr int64_t kTileRows = 16;       // rows per tile: one per i32 lane
constexpr int64_t kGroupWeights = 24;   // weights per group (8 triples)
constexpr int64_t kGroupRowBytes = 5;   // bytes per row and group
constexpr int64_t kTableEntries = 64;   // position x magnitude


Value indexConst(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

Value splatI8(ImplicitLocOpBuilder &b, int64_t lanes, int64_t v) {
  return arith::ConstantOp::create(
      b, DenseElementsAttr::get(VectorType::get({lanes}, b.getI8Type()),
                                b.getI8IntegerAttr(static_cast<int8_t>(v))));
}

/// The weights (w0, w1, w2) of a triple with magnitude `mag` (v = mag >= 0;
/// zeros for the magnitudes 14 and 15 packing never writes).
std::array<int, 3> tripleWeights(int mag) {
  if (mag > 13)
    return {0, 0, 0};
  int u = mag + 13; // 9*(w0+1) + 3*(w1+1) + (w2+1)
  return {u / 9 - 1, (u / 3) % 3 - 1, u % 3 - 1};
}

/// The tables of every token and group: [n, groups * 2 * parts * 64] i8,
/// per group half 0's tables (l then h with two parts; the activations'
/// with one), then half 1's (64 entries each; see the file comment). Half
/// `s` covers triples 4s..4s+3, i.e. weights 12s..12s+11.
Value buildTables(ImplicitLocOpBuilder &b, Value q, int64_t n, int64_t groups, int64_t parts) {
  const int64_t groupTableBytes = 2 * parts * kTableEntries;
  Type i8 = b.getI8Type();
  auto entries = VectorType::get({kTableEntries}, i8);
  auto entryMask = VectorType::get({kTableEntries}, b.getI1Type());
  Value zero = arith::ConstantOp::create(b, DenseElementsAttr::get(entries, b.getI8IntegerAttr(0)));
  // Per weight i of a triple: the entries whose w_i is +1 and -1.
  SmallVector<Value, 3> plus, minus;
  for (int i = 0; i < 3; ++i) {
    SmallVector<bool> isPlus, isMinus;
    for (int e = 0; e < kTableEntries; ++e) {
      int w = tripleWeights(e & 15)[i];
      isPlus.push_back(w == 1);
      isMinus.push_back(w == -1);
    }
    plus.push_back(arith::ConstantOp::create(b, DenseElementsAttr::get(entryMask, isPlus)));
    minus.push_back(arith::ConstantOp::create(b, DenseElementsAttr::get(entryMask, isMinus)));
  }
  Value pad = arith::ConstantOp::create(b, b.getI8IntegerAttr(0));
  Value fifteen = splatI8(b, kGroupWeights, 15), four = splatI8(b, kGroupWeights, 4);
  Value c0 = indexConst(b, 0), c1 = indexConst(b, 1);
  Value init = tensor::EmptyOp::create(b, ArrayRef<int64_t>{n, groups * groupTableBytes}, i8);
  auto tokens = scf::ForOp::create(
      b, c0, indexConst(b, n), c1, ValueRange{init},
      [&](OpBuilder &ob, Location loc, Value token, ValueRange tokenIter) {
        ImplicitLocOpBuilder tb(loc, ob);
        auto groupLoop = scf::ForOp::create(
            tb, c0, indexConst(tb, groups), c1, tokenIter,
            [&](OpBuilder &ob2, Location loc2, Value group, ValueRange iter) {
              ImplicitLocOpBuilder gb(loc2, ob2);
              Value tables = iter[0];
              // The group's activations (zeros past K) and their parts.
              Value a = vector::TransferReadOp::create(
                  gb, VectorType::get({kGroupWeights}, i8), q,
                  ValueRange{token, arith::MulIOp::create(gb, group, indexConst(gb, kGroupWeights))},
                  pad, ArrayRef<bool>{false});
              SmallVector<Value, 2> values = {a};
              if (parts == 2) {
                Value low = arith::AndIOp::create(gb, a, fifteen);
                Value high = arith::ShRSIOp::create(gb, a, four);
                values = {low, high};
              }
              Value base = arith::MulIOp::create(gb, group, indexConst(gb, groupTableBytes));
              for (int64_t half = 0; half < 2; ++half)
                for (int64_t part = 0; part < parts; ++part) {
                  Value table = zero;
                  for (int i = 0; i < 3; ++i) {
                    // Entry e meets activation 12*half + 3*position(e) + i.
                    SmallVector<int64_t> picks;
                    for (int e = 0; e < kTableEntries; ++e)
                      picks.push_back(12 * half + 3 * (e >> 4) + i);
                    Value x = vector::ShuffleOp::create(gb, values[part], values[part], picks);
                    table = arith::AddIOp::create(
                        gb, table, arith::SelectOp::create(gb, plus[i], x, zero));
                    table = arith::SubIOp::create(
                        gb, table, arith::SelectOp::create(gb, minus[i], x, zero));
                  }
                  Value at = arith::AddIOp::create(
                      gb, base, indexConst(gb, (half * parts + part) * kTableEntries));
                  tables = vector::TransferWriteOp::create(gb, table, tables,
                                                           ValueRange{token, at},
                                                           ArrayRef<bool>{true})
                               .getResult();
                }
              scf::YieldOp::create(gb, tables);
            });
        scf::YieldOp::create(tb, groupLoop.getResults());
      });
  return tokens.getResult(0);
}

struct TernaryLookupKernel : OpRewritePattern<TernaryMatmulOp> {
  TernaryLookupKernel(MLIRContext *ctx, const CpuTargetInfo &target)
      : OpRewritePattern(ctx), target(target) {}

  LogicalResult matchAndRewrite(TernaryMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getFormat() != PackedFormat::tl2r)
      return rewriter.notifyMatchFailure(op, "not tl2r");
    auto qType = op.getActivations().getType();
    auto wType = op.getWeight().getType();
    if (!qType.hasStaticShape() || !wType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    TernaryKernelConfigAttr config = op.getKernelConfigAttr();
    if (!config)
      config = selectTernaryKernelConfig(op, target);
    if (!config || !hasTernaryLookupKernel(target))
      return rewriter.notifyMatchFailure(op, "no lookup kernel for the target");
    const int64_t n = qType.getDimSize(0);
    const int64_t m = wType.getDimSize(0), rowBytes = wType.getDimSize(1);
    const int64_t groups = rowBytes / kGroupRowBytes;

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    // int8 activations in two nibble parts (l, h), int4 ones whole.
    const int64_t parts = hasInt4Activations(op) ? 1 : 2;
    const int64_t groupTableBytes = 2 * parts * kTableEntries;
    Value tables = buildTables(b, op.getActivations(), n, groups, parts);
    // The tiles are laid out across rows: read the weight as one stream.
    Value weights = tensor::CollapseShapeOp::create(
        b, op.getWeight(), ArrayRef<ReassociationIndices>{{0, 1}});
    // Software prefetch `prefetchBytes` ahead of each group's bytes (as the
    // multiply-add kernel's decode does: the hardware prefetchers alone
    // left this stream at half the bandwidth), through the weight's buffer.
    const int64_t prefetchBytes = config.getPrefetchDistance();
    Value weightStream = prefetchBytes > 0 ? weightByteStream(b, op.getWeight()) : Value();

    // A tile's 64 index bytes in `pieces` vectors of V bytes (AVX-512: one
    // of 64; NEON: four of 16), each V / 4 rows with accumulators of their
    // own.
    const int64_t vectorBytes = config.getVectorBytes();
    const int64_t pieces = 64 / vectorBytes, pieceRows = vectorBytes / 4;
    // An accumulator per piece, half and part breaks the chain of dependent
    // dot products of one piece; several pieces interleave their chains
    // already (and NEON's registers also hold 16 of tables).
    const int64_t pieceAccs = pieces == 1 ? 2 * parts : 1;
    auto bytes = VectorType::get({vectorBytes}, i8);
    auto lanes = VectorType::get({pieceRows}, i32);
    auto laneMask = VectorType::get({vectorBytes}, b.getI1Type());
    SmallVector<int8_t> positions;
    for (int64_t lane = 0; lane < vectorBytes; ++lane)
      positions.push_back(static_cast<int8_t>((lane % 4) << 4));
    Value position = arith::ConstantOp::create(b, DenseElementsAttr::get(bytes, ArrayRef(positions)));
    Value nibble = splatI8(b, vectorBytes, 15), four = splatI8(b, vectorBytes, 4);
    Value zeroBytes = splatI8(b, vectorBytes, 0);
    Value ones = splatI8(b, vectorBytes, 1), sixteens = splatI8(b, vectorBytes, 16);
    Value zeroAcc = arith::ConstantOp::create(b, DenseElementsAttr::get(lanes, b.getI32IntegerAttr(0)));
    Value pad = arith::ConstantOp::create(b, b.getI8IntegerAttr(0));

    // The sign masks of piece `piece` of a tile of h rows, from bits
    // 0..4h-1 (half 0) and 4h..8h-1 (half 1) of its h sign bytes: V lane
    // masks each.
    auto signMasks = [&](ImplicitLocOpBuilder &b, Value at, int64_t h, int64_t piece) {
      if (h == kTileRows) {
        auto mask = [&](int64_t offset) {
          Value bits = vector::TransferReadOp::create(
              b, VectorType::get({vectorBytes / 8}, i8), weights,
              ValueRange{arith::AddIOp::create(b, at, indexConst(b, offset + piece * vectorBytes / 8))},
              pad, ArrayRef<bool>{true});
          return vector::BitCastOp::create(b, laneMask, bits).getResult();
        };
        return std::make_pair(mask(0), mask(8));
      }
      // A short tile: h bytes (what follows them only reaches lanes >= 4h,
      // rows the tile does not have).
      Value signs = vector::TransferReadOp::create(b, VectorType::get({16}, i8), weights,
                                                   ValueRange{at}, pad, ArrayRef<bool>{false});
      Type i128 = b.getIntegerType(128), word = b.getIntegerType(vectorBytes);
      Value wide = vector::ExtractOp::create(
          b, vector::BitCastOp::create(b, VectorType::get({1}, i128), signs), 0);
      auto mask = [&](int64_t shift) {
        Value bits = arith::TruncIOp::create(
            b, word,
            arith::ShRUIOp::create(b, wide, arith::ConstantOp::create(b, b.getIntegerAttr(i128, shift))));
        return vector::BitCastOp::create(
                   b, laneMask, vector::BroadcastOp::create(b, VectorType::get({1}, word), bits))
            .getResult();
      };
      return std::make_pair(mask(piece * vectorBytes), mask(4 * h + piece * vectorBytes));
    };

    // Rows [first, first + h) for `tokens`, groups [groupBegin, groupEnd):
    // the i32 sums of each token, one lane per row, added to (or, from group
    // 0, written into) `acc` at column `column`. Each token has pieceAccs
    // accumulators per piece: accumulator (t * pieces + piece) * pieceAccs
    // (+ half * parts + part with more than one).
    auto tile = [&](ImplicitLocOpBuilder &b, Value acc, Value first, Value column, int64_t h,
                    ArrayRef<Value> tokens, int64_t groupBegin, int64_t groupEnd) -> Value {
      const bool full = h == kTileRows;
      Value tileBase = arith::MulIOp::create(b, first, indexConst(b, rowBytes));
      auto pieceColumn = [&](ImplicitLocOpBuilder &b, int64_t piece) -> Value {
        return piece == 0 ? column
                          : arith::AddIOp::create(b, column, indexConst(b, piece * pieceRows));
      };
      SmallVector<Value> init(pieceAccs * pieces * tokens.size(), zeroAcc);
      if (groupBegin > 0)
        for (auto [t, token] : llvm::enumerate(tokens))
          for (int64_t piece = 0; piece < pieces; ++piece)
            init[(t * pieces + piece) * pieceAccs] = vector::TransferReadOp::create(
                b, lanes, acc, ValueRange{token, pieceColumn(b, piece)},
                arith::ConstantOp::create(b, b.getI32IntegerAttr(0)), ArrayRef<bool>{full});
      auto groupLoop = scf::ForOp::create(
          b, indexConst(b, groupBegin), indexConst(b, groupEnd), indexConst(b, 1), init,
          [&](OpBuilder &ob, Location loc, Value group, ValueRange accIter) {
            ImplicitLocOpBuilder gb(loc, ob);
            Value at = arith::AddIOp::create(
                gb, tileBase, arith::MulIOp::create(gb, group, indexConst(gb, kGroupRowBytes * h)));
            if (weightStream) {
              Value wanted = arith::AddIOp::create(gb, at, indexConst(gb, prefetchBytes));
              Value ahead = arith::MinUIOp::create(gb, wanted, indexConst(gb, m * rowBytes - 1));
              memref::PrefetchOp::create(gb, weightStream, ValueRange{ahead}, /*isWrite=*/false,
                                         /*localityHint=*/3, /*isDataCache=*/true);
            }
            Value tableBase = arith::MulIOp::create(gb, group, indexConst(gb, groupTableBytes));
            // Each token's tables (2 * parts), read once per group.
            SmallVector<Value> tokenTables;
            for (Value token : tokens)
              for (int64_t table = 0; table < 2 * parts; ++table)
                tokenTables.push_back(vector::TransferReadOp::create(
                    gb, VectorType::get({kTableEntries}, i8), tables,
                    ValueRange{token, arith::AddIOp::create(gb, tableBase,
                                                            indexConst(gb, table * kTableEntries))},
                    pad, ArrayRef<bool>{true}));
            SmallVector<Value> accs(accIter);
            for (int64_t piece = 0; piece < pieces; ++piece) {
              Value magnitudes = vector::TransferReadOp::create(
                  gb, bytes, weights,
                  ValueRange{arith::AddIOp::create(gb, at, indexConst(gb, piece * vectorBytes))},
                  pad, ArrayRef<bool>{full});
              auto [negative0, negative1] =
                  signMasks(gb, arith::AddIOp::create(gb, at, indexConst(gb, 4 * h)), h, piece);
              Value halves[2] = {
                  arith::OrIOp::create(gb, arith::AndIOp::create(gb, magnitudes, nibble), position),
                  arith::OrIOp::create(gb, arith::ShRUIOp::create(gb, magnitudes, four), position)};
              Value negative[2] = {negative0, negative1};
              for (int64_t t = 0; t < static_cast<int64_t>(tokens.size()); ++t)
                for (int64_t half = 0; half < 2; ++half)
                  for (int64_t part = 0; part < parts; ++part) {
                    Value sums = LookupOp::create(
                        gb, tokenTables[2 * parts * t + half * parts + part], halves[half]);
                    sums = arith::SelectOp::create(
                        gb, negative[half], arith::SubIOp::create(gb, zeroBytes, sums), sums);
                    Value &sum = accs[(t * pieces + piece) * pieceAccs +
                                      (pieceAccs > 1 ? half * parts + part : 0)];
                    sum = Dot4Op::create(gb, sum, part == 0 ? ones : sixteens, sums,
                                         /*a_fits_i8=*/true);
                  }
            }
            scf::YieldOp::create(gb, accs);
          });
      for (auto [t, token] : llvm::enumerate(tokens))
        for (int64_t piece = 0; piece < pieces; ++piece) {
          int64_t first = (t * pieces + piece) * pieceAccs;
          Value sum = groupLoop.getResult(first);
          for (int64_t i = 1; i < pieceAccs; ++i)
            sum = arith::AddIOp::create(b, sum, groupLoop.getResult(first + i));
          acc = vector::TransferWriteOp::create(b, sum, acc,
                                                ValueRange{token, pieceColumn(b, piece)},
                                                ArrayRef<bool>{full})
                    .getResult();
        }
      return acc;
    };

    const int64_t tokenTile = std::min(config.getTokenTile(), std::max<int64_t>(n, 1));
    // Tokens [0, n) in tiles of `tokenTile`, the rest one at a time, each
    // running `body` on its tokens.
    auto tokenTiles = [&](ImplicitLocOpBuilder &b, Value acc,
                          function_ref<Value(ImplicitLocOpBuilder &, Value, ArrayRef<Value>)> body) {
      int64_t tileTokens = tokenTile;
      int64_t tiled = n - n % tileTokens;
      auto loop = [&](Value acc, int64_t begin, int64_t end, int64_t step) {
        if (begin >= end)
          return acc;
        return scf::ForOp::create(
                   b, indexConst(b, begin), indexConst(b, end), indexConst(b, step),
                   ValueRange{acc},
                   [&](OpBuilder &ob, Location loc, Value firstToken, ValueRange iter) {
                     ImplicitLocOpBuilder tb(loc, ob);
                     SmallVector<Value> tokens;
                     for (int64_t i = 0; i < step; ++i)
                       tokens.push_back(arith::AddIOp::create(tb, firstToken, indexConst(tb, i)));
                     scf::YieldOp::create(tb, body(tb, iter[0], tokens));
                   })
            .getResult(0);
      };
      return loop(loop(acc, 0, tiled, tileTokens), tiled, n, 1);
    };

    // Prefill: groups in chunks whose tables (of a token tile) fit half of
    // L1, each chunk running over all the tiles of a block, adding to their
    // sums. Decode keeps each tile's weights one stream (chunks would cut
    // it into strided pieces the prefetch runs past) and reads the tables
    // of a long row from L2.
    const int64_t chunkGroups =
        n == 1 ? groups
               : std::max<int64_t>(1, target.l1DataBytes / 2 / (groupTableBytes * tokenTile));
    auto chunks = [&](ImplicitLocOpBuilder &b, Value acc,
                      function_ref<Value(ImplicitLocOpBuilder &, Value, int64_t, int64_t)> body) {
      for (int64_t begin = 0; begin < groups; begin += chunkGroups)
        acc = body(b, acc, begin, std::min(groups, begin + chunkGroups));
      return acc;
    };

    const int64_t fullTiles = m / kTileRows;
    const int64_t blockTiles = std::max<int64_t>(1, config.getRowsPerBlock() / kTileRows);
    const int64_t blocks = llvm::divideCeil(fullTiles, blockTiles);
    Value result = tensor::EmptyOp::create(b, ArrayRef<int64_t>{n, m}, i32);
    if (blocks > 0) {
      auto forall = scf::ForallOp::create(b, ArrayRef<OpFoldResult>{b.getIndexAttr(blocks)},
                                          ValueRange{result}, std::nullopt);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(forall.getBody());
      Value firstTile = arith::MulIOp::create(b, forall.getInductionVar(0),
                                              indexConst(b, blockTiles));
      Value tilesLeft = arith::SubIOp::create(b, indexConst(b, fullTiles), firstTile);
      Value tileCount = arith::MinSIOp::create(b, indexConst(b, blockTiles), tilesLeft);
      Value firstRow = arith::MulIOp::create(b, firstTile, indexConst(b, kTileRows));
      Value rowCount = arith::MulIOp::create(b, tileCount, indexConst(b, kTileRows));
      SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), firstRow};
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(n), rowCount};
      SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
      Value shared = forall.getRegionIterArgs()[0];
      Value block = tensor::ExtractSliceOp::create(b, shared, offsets, sizes, strides);
      block = tokenTiles(b, block, [&](ImplicitLocOpBuilder &tb, Value acc, ArrayRef<Value> tokens) {
        return chunks(tb, acc, [&](ImplicitLocOpBuilder &cb, Value acc, int64_t begin, int64_t end) {
          return scf::ForOp::create(
                     cb, indexConst(cb, 0), tileCount, indexConst(cb, 1), ValueRange{acc},
                     [&](OpBuilder &ob, Location loc, Value j, ValueRange iter) {
                       ImplicitLocOpBuilder rb(loc, ob);
                       Value column = arith::MulIOp::create(rb, j, indexConst(rb, kTileRows));
                       Value first = arith::AddIOp::create(rb, firstRow, column);
                       scf::YieldOp::create(
                           rb, tile(rb, iter[0], first, column, kTileRows, tokens, begin, end));
                     })
              .getResult(0);
        });
      });
      b.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(b, block, shared, offsets, sizes, strides);
      result = forall.getResult(0);
    }
    if (int64_t h = m % kTileRows) {
      Value first = indexConst(b, fullTiles * kTileRows);
      result = tokenTiles(b, result, [&](ImplicitLocOpBuilder &tb, Value acc, ArrayRef<Value> tokens) {
        return chunks(tb, acc, [&](ImplicitLocOpBuilder &cb, Value acc, int64_t begin, int64_t end) {
          return tile(cb, acc, first, first, h, tokens, begin, end);
        });
      });
    }
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  CpuTargetInfo target;
};

} // namespace

void mlir::bitnet::populateTernaryLookupKernelPatterns(RewritePatternSet &patterns,
                                                       const CpuTargetInfo &target) {
  patterns.add<TernaryLookupKernel>(patterns.getContext(), target);
}
