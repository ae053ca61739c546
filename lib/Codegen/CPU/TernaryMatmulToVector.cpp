//===- TernaryMatmulToVector.cpp - SIMD kernels for ternary_matmul ---===//
//
// Generates the multiply-add kernel for i2s and t5 weights from the target's
// dot-product instruction (CpuTargetInfo): one kernel shape for every
// target, parameterised by the vector width V (64 bytes for AVX-512, 32 for
// AVX2, 16 for NEON); the multiply-adds are bitnet.dot4 ops (vpdpbusd /
// sdot / portable code), or on AVX2-class targets bitnet.dot2 into i16
// accumulators widened by bitnet.add_pairs (vpmaddubsw + vpaddw, then
// vpmaddwd), all lowered late by convert-bitnet-dot4-to-llvm.
//
// Weights are read as unsigned codes c = w + 1, so acc = sum(c * q) - sum(q).
// Both formats hold P code planes per byte in 32-byte blocks of 32P weights
// (docs/formats.md): byte j of a block holds weights j + 32t, t < P. i2s
// (P = 4) keeps plane t at shift 6 - 2t; t5 (P = 5) keeps the five as a
// base-3 number in fixed point, whose digit t is the carry out of 3 * y_t
// (y_0 = byte, y_{t+1} = 3 * y_t mod 256): byte adds and compares decode it.
// A V-byte load ("chunk") covers PV weights; its code planes hold, for
// packed byte B = chunk*V + i of the row,
//   plane t, byte i  ->  k = (B / 32) * 32P + 32 * t + B % 32.
// The activation codes are permuted once per token into that order, so each
// plane meets one contiguous V-byte slice: per PV weights one weight load,
// P decodes and P dot4 (or dot2) per token.
//
// Loop nest: output rows in blocks (scf.forall: threads, and the block's
// weights stay in L2 while token tiles re-read them) > tokens in tiles (they
// share each decoded chunk; their activations stay in L1) > rows of the
// block > chunks. Every size, and the decode prefetch and accumulators, come
// from the op's #bitnet.ternary_kernel (KernelConfig.h chooses them).
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/CPU/Passes.h"

#include "TernaryKernels.h"

#include "bitnet/Codegen/CPU/KernelConfig.h"
#include "bitnet/Dialect/BitNet/IR/BitNet.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <array>

namespace mlir::bitnet {
#define GEN_PASS_DEF_CONVERTTERNARYMATMULTOVECTORPASS
#include "bitnet/Codegen/CPU/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

constexpr int64_t kBlockBytes = 32; // one block of either format

/// Largest |dot2| step: two products of a code (<= 3, also for a malformed
/// i2s code 3) and an int8 activation (>= -128).
constexpr int64_t kMaxDot2Step = 2 * 3 * 128;

/// A packed byte of weights 0, for reads past a row: i2s 0x55 (codes 1),
/// t5 ceil(121 * 256 / 243) = 128.
int8_t zeroWeightsByte(PackedFormat format) {
  return format == PackedFormat::t5 ? static_cast<int8_t>(0x80) : 0x55;
}

Value indexConst(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

/// The activation codes [n, k] in the kernel's order [n, chunks * PV]
/// (see the file comment; zero beyond k) and their sums per token [n].
/// The order moves runs of L = min(V, 32) contiguous codes, so both are
/// computed with vectors: per token and chunk, PV / L runs are read (past k:
/// zeros), written to their place, and summed with a dot4 against ones.
std::pair<Value, Value> prepareActivations(ImplicitLocOpBuilder &b, Value q,
                                           int64_t n, int64_t k, int64_t chunks,
                                           int64_t vectorBytes, int64_t planes) {
  const int64_t run = std::min<int64_t>(vectorBytes, kBlockBytes);
  const int64_t chunkWeights = planes * vectorBytes;
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  auto runBytes = VectorType::get({run}, i8);
  auto runLanes = VectorType::get({run / 4}, i32);
  Value ones = arith::ConstantOp::create(
      b, DenseElementsAttr::get(runBytes, b.getI8IntegerAttr(1)));
  Value zeroLanes = arith::ConstantOp::create(
      b, DenseElementsAttr::get(runLanes, b.getI32IntegerAttr(0)));
  Value zero = arith::ConstantOp::create(b, b.getI8IntegerAttr(0));
  Value perm = tensor::EmptyOp::create(b, ArrayRef<int64_t>{n, chunks * chunkWeights}, i8);
  Value sums = tensor::EmptyOp::create(b, ArrayRef<int64_t>{n}, i32);
  Value c0 = indexConst(b, 0), c1 = indexConst(b, 1);

  auto tokens = scf::ForOp::create(
      b, c0, indexConst(b, n), c1, ValueRange{perm, sums},
      [&](OpBuilder &ob, Location loc, Value token, ValueRange tokenIter) {
        ImplicitLocOpBuilder tb(loc, ob);
        auto chunkLoop = scf::ForOp::create(
            tb, c0, indexConst(tb, chunks), c1, ValueRange{tokenIter[0], zeroLanes},
            [&](OpBuilder &ob2, Location loc2, Value chunk, ValueRange iter) {
              ImplicitLocOpBuilder cb(loc2, ob2);
              Value out = iter[0], sum = iter[1];
              for (int64_t r = 0; r < chunkWeights / run; ++r) {
                // Position chunk*PV + r*L: plane t, packed byte B = chunk*V + i.
                int64_t t = r * run / vectorBytes, i = r * run % vectorBytes;
                Value byte = arith::AddIOp::create(
                    cb, arith::MulIOp::create(cb, chunk, indexConst(cb, vectorBytes)),
                    indexConst(cb, i));
                Value block = arith::DivUIOp::create(cb, byte, indexConst(cb, kBlockBytes));
                Value within = arith::RemUIOp::create(cb, byte, indexConst(cb, kBlockBytes));
                Value src = arith::AddIOp::create(
                    cb,
                    arith::MulIOp::create(cb, block,
                                          indexConst(cb, planes * kBlockBytes)),
                    arith::AddIOp::create(cb, within, indexConst(cb, kBlockBytes * t)));
                Value codes = vector::TransferReadOp::create(
                    cb, runBytes, q, ValueRange{token, src}, zero, ArrayRef<bool>{false});
                Value dst = arith::AddIOp::create(
                    cb, arith::MulIOp::create(cb, chunk, indexConst(cb, chunkWeights)),
                    indexConst(cb, r * run));
                out = vector::TransferWriteOp::create(cb, codes, out, ValueRange{token, dst},
                                                      ArrayRef<bool>{true})
                          .getResult();
                sum = Dot4Op::create(cb, sum, ones, codes, /*a_fits_i8=*/true);
              }
              scf::YieldOp::create(cb, ValueRange{out, sum});
            });
        Value total = vector::ReductionOp::create(tb, vector::CombiningKind::ADD,
                                                  chunkLoop.getResult(1));
        Value newSums = tensor::InsertOp::create(tb, total, tokenIter[1], ValueRange{token});
        scf::YieldOp::create(tb, ValueRange{chunkLoop.getResult(0), newSums});
      });
  return {tokens.getResult(0), tokens.getResult(1)};
}

/// The five codes of t5 byte `q`, most significant first: the base-3 digits
/// of floor(q * 243 / 256) (docs/formats.md).
std::array<int, 5> t5Codes(int q) {
  std::array<int, 5> codes;
  for (int p = 4, v = q * 243 / 256; p >= 0; --p, v /= 3)
    codes[p] = v % 3;
  return codes;
}

/// Decodes the code planes of P-plane bytes, one plane at a time: `next`
/// gives plane t of `bytes` (t = 0, 1, ... in order), updating the per-row
/// decode state it keeps.
class PlaneDecoder {
public:
  /// `tables`: decode t5 through two 256-byte tables (for targets with a
  /// fast bitnet.lookup) instead of with byte adds and compares.
  PlaneDecoder(ImplicitLocOpBuilder &b, PackedFormat format, VectorType bytes,
               bool tables)
      : format(format) {
    auto splat = [&](int64_t v) {
      return arith::ConstantOp::create(
          b, DenseElementsAttr::get(bytes, b.getI8IntegerAttr(static_cast<int8_t>(v))));
    };
    three = splat(3);
    if (format == PackedFormat::t5 && tables) {
      // Codes 0..3 in i2s's arrangement (so the i2s shifts pick them), and
      // code 4 alone.
      SmallVector<int8_t> firstFour, last;
      for (int q = 0; q < 256; ++q) {
        std::array<int, 5> c = t5Codes(q);
        firstFour.push_back(static_cast<int8_t>(c[0] << 6 | c[1] << 4 | c[2] << 2 | c[3]));
        last.push_back(static_cast<int8_t>(c[4]));
      }
      auto table = [&](ArrayRef<int8_t> entries) {
        return arith::ConstantOp::create(
            b, DenseElementsAttr::get(VectorType::get({256}, b.getI8Type()), entries));
      };
      firstFourTable = table(firstFour);
      lastTable = table(last);
    }
    if (format == PackedFormat::t5 && !tables) {
      one = splat(1);
      zeroCodes = splat(0);
      third = splat(85);      // y > 85: 3y >= 256
      twoThirds = splat(170); // y > 170: 3y >= 512
    }
    if (format != PackedFormat::t5 || tables) {
      for (int64_t t = 0; t < 4; ++t)
        shifts.push_back(splat(6 - 2 * t));
    }
  }

  /// Code plane `plane` of the bytes whose state is `y` (initially the
  /// packed bytes); `last` skips the state update.
  Value next(ImplicitLocOpBuilder &b, Value &y, int64_t plane, bool last) const {
    auto i2sPlane = [&](Value codes) -> Value {
      return arith::AndIOp::create(b, arith::ShRUIOp::create(b, codes, shifts[plane]),
                                   three);
    };
    if (format != PackedFormat::t5)
      return i2sPlane(y);
    if (firstFourTable) // (CSE, later, merges the planes' identical lookups)
      return plane < 4 ? i2sPlane(LookupOp::create(b, firstFourTable, y))
                       : LookupOp::create(b, lastTable, y).getResult();
    auto carry = [&](Value bound) {
      Value above = arith::CmpIOp::create(b, arith::CmpIPredicate::ugt, y, bound);
      return arith::SelectOp::create(b, above, one, zeroCodes);
    };
    Value low = carry(third);
    Value high = carry(twoThirds);
    Value code = arith::AddIOp::create(b, low, high);
    if (!last) {
      Value twice = arith::AddIOp::create(b, y, y);
      y = arith::AddIOp::create(b, twice, y);
    }
    return code;
  }

private:
  PackedFormat format;
  Value three, one, zeroCodes, third, twoThirds, firstFourTable, lastTable;
  SmallVector<Value, 4> shifts;
};

struct CodePlaneMatmulKernel : OpRewritePattern<TernaryMatmulOp> {
  /// `target` configures the products that come without a kernel_config.
  CodePlaneMatmulKernel(MLIRContext *ctx, const CpuTargetInfo &target)
      : OpRewritePattern(ctx), target(target) {}

  LogicalResult matchAndRewrite(TernaryMatmulOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<PackedFormat> format = op.getFormat();
    if (!format || ternaryKernelCodePlanes(*format) == 0)
      return rewriter.notifyMatchFailure(op, "not i2s or t5");
    auto qType = op.getActivations().getType();
    auto wType = op.getWeight().getType();
    if (!qType.hasStaticShape() || !wType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    TernaryKernelConfigAttr config = op.getKernelConfigAttr();
    if (!config)
      config = selectTernaryKernelConfig(op, target);
    if (!config)
      return rewriter.notifyMatchFailure(op, "no kernel for the target");
    const int64_t vectorBytes = config.getVectorBytes();
    const int64_t planes = ternaryKernelCodePlanes(*format);
    const int64_t chunkWeights = planes * vectorBytes;
    int64_t n = qType.getDimSize(0), k = qType.getDimSize(1);
    int64_t m = wType.getDimSize(0), rowBytes = wType.getDimSize(1);
    int64_t chunks = (rowBytes + vectorBytes - 1) / vectorBytes;

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value q = op.getActivations(), w = op.getWeight();
    Value qPerm, sums;
    std::tie(qPerm, sums) =
        prepareActivations(b, q, n, k, chunks, vectorBytes, planes);

    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    auto bytes = VectorType::get({vectorBytes}, i8);
    auto lanes = VectorType::get({vectorBytes / 4}, i32);
    Value zeroIdx = indexConst(b, 0);
    // Reads past the row (the last chunk of a row whose size is not a
    // multiple of V) see weight 0 (code 1) against activation 0.
    Value codePad = arith::ConstantOp::create(b, b.getI8IntegerAttr(zeroWeightsByte(*format)));
    Value actPad = arith::ConstantOp::create(b, b.getI8IntegerAttr(0));
    // t5 through tables where a 64-lane lookup is one permute (VBMI).
    PlaneDecoder decoder(b, *format, bytes,
                         /*tables=*/target.hasAvx512vbmi && vectorBytes == 64);
    Value zeroAcc = arith::ConstantOp::create(
        b, DenseElementsAttr::get(lanes, b.getI32IntegerAttr(0)));
    Value zeroAcc16;
    if (config.getI16Accumulation())
      zeroAcc16 = arith::ConstantOp::create(
          b, DenseElementsAttr::get(VectorType::get({vectorBytes / 2}, b.getI16Type()),
                                    b.getI16IntegerAttr(0)));
    // Software prefetch needs an address: the weights' byte stream.
    const int64_t prefetchBytes = config.getPrefetchDistance();
    Value weightStream = prefetchBytes > 0 ? weightByteStream(b, w) : Value();

    // One register tile: `rows` (block-local row indices) x `tokens`
    // accumulators over all chunks; each decoded code plane meets every
    // token, each activation slice every row. Inserts the results into `acc`.
    auto registerTile = [&](ImplicitLocOpBuilder &b, Value acc, Value firstRow,
                            ArrayRef<Value> rows, ArrayRef<Value> tokens,
                            ArrayRef<Value> tokenSums) -> Value {
      int64_t numRows = rows.size(), numTokens = tokens.size();
      // One accumulator per (row, token), except decode: `decodeAccs` per
      // row (plane p adds into accumulator p % decodeAccs), which breaks the
      // dot4 latency chain. That runs faster from L1/L2 but, alone, reads
      // DRAM slower than the chain (its demand loads outrun the hardware
      // prefetchers), so it comes with the software prefetch; see
      // docs/performance.md.
      SmallVector<Value> globalRows;
      for (Value r : rows)
        globalRows.push_back(arith::AddIOp::create(b, firstRow, r));
      const bool decode = numTokens == 1;
      const int64_t sets = decode ? config.getDecodeAccumulators() : 1;
      const int64_t tileAccs = numRows * numTokens;
      SmallVector<Value> zeros(sets * tileAccs, zeroAcc);
      // With i16 accumulation the loop's accumulators are dot2 sums, which
      // take at most `maxGroupChunks` chunks (each adds ceil(P / sets) steps
      // of at most kMaxDot2Step) before add_pairs widens them into the i32
      // ones.
      const bool narrow = config.getI16Accumulation();
      SmallVector<Value> narrowZeros(sets * tileAccs, zeroAcc16);
      const int64_t maxGroupChunks =
          32767 / (kMaxDot2Step * llvm::divideCeil(planes, sets));
      // One chunk of every row of the tile. Only a row's last chunk can
      // reach past it (rows of 32-byte blocks, V = 64): the others are plain
      // loads, which the hardware prefetchers follow (masked loads made
      // decode from DRAM 4x slower).
      auto chunkStep = [&](ImplicitLocOpBuilder &kb, Value chunk,
                           SmallVector<Value> accs, bool inBounds, bool prefetch) {
        Value byteCol = arith::MulIOp::create(kb, chunk, indexConst(kb, vectorBytes));
        SmallVector<Value> packed;
        // Decode streams each weight byte once, from DRAM: prefetch
        // `prefetchBytes` ahead in memory order (clamped to the weights).
        if (prefetch)
          for (Value row : globalRows) {
            Value at = arith::AddIOp::create(
                kb, arith::MulIOp::create(kb, row, indexConst(kb, rowBytes)), byteCol);
            at = arith::AddIOp::create(kb, at, indexConst(kb, prefetchBytes));
            at = arith::MinUIOp::create(kb, at, indexConst(kb, m * rowBytes - 1));
            memref::PrefetchOp::create(kb, weightStream, ValueRange{at},
                                       /*isWrite=*/false, /*localityHint=*/3,
                                       /*isDataCache=*/true);
          }
        for (Value row : globalRows)
          packed.push_back(vector::TransferReadOp::create(
              kb, bytes, w, ValueRange{row, byteCol}, codePad,
              ArrayRef<bool>{inBounds}));
        Value actCol = arith::MulIOp::create(kb, chunk, indexConst(kb, chunkWeights));
        for (int64_t plane = 0; plane < planes; ++plane) {
          SmallVector<Value> codes;
          for (Value &p : packed)
            codes.push_back(decoder.next(kb, p, plane, plane + 1 == planes));
          Value col = arith::AddIOp::create(kb, actCol,
                                            indexConst(kb, plane * vectorBytes));
          for (int64_t t = 0; t < numTokens; ++t) {
            Value act = vector::TransferReadOp::create(
                kb, bytes, qPerm, ValueRange{tokens[t], col}, actPad,
                ArrayRef<bool>{true});
            for (int64_t r = 0; r < numRows; ++r) {
              Value &a = accs[(plane % sets) * tileAccs + r * numTokens + t];
              // Codes are 0..3: signed and unsigned agree.
              a = narrow ? Dot2Op::create(kb, a, codes[r], act, /*a_fits_i8=*/true)
                               .getResult()
                         : Dot4Op::create(kb, a, codes[r], act, /*a_fits_i8=*/true)
                               .getResult();
            }
          }
        }
        return accs;
      };
      // Decode with a prefetch distance: the chunk loop steps one cache
      // line at a time (V < line: several chunks per step) and prefetches
      // once per line, not once per chunk (4x the prefetches on NEON).
      const bool prefetching = decode && weightStream;
      // (A step never outgrows an i16 group.)
      const int64_t chunksPerStep =
          std::min(prefetching ? std::max<int64_t>(1, config.getCacheLineBytes() / vectorBytes)
                               : 1,
                   narrow ? maxGroupChunks : INT64_MAX);
      int64_t fullChunks = rowBytes / vectorBytes;
      int64_t steppedChunks = fullChunks / chunksPerStep * chunksPerStep;
      // Chunks [from, to) in steps, accumulating into `init`.
      auto chunkLoop = [&](ImplicitLocOpBuilder &b, Value from, Value to,
                           ArrayRef<Value> init) -> SmallVector<Value> {
        auto loop = scf::ForOp::create(
            b, from, to, indexConst(b, chunksPerStep), init,
            [&](OpBuilder &ob, Location loc, Value first, ValueRange accIter) {
              ImplicitLocOpBuilder kb(loc, ob);
              SmallVector<Value> accs(accIter);
              for (int64_t i = 0; i < chunksPerStep; ++i) {
                Value chunk =
                    i == 0 ? first : arith::AddIOp::create(kb, first, indexConst(kb, i));
                accs = chunkStep(kb, chunk, accs, /*inBounds=*/true,
                                 /*prefetch=*/prefetching && i == 0);
              }
              scf::YieldOp::create(kb, accs);
            });
        return SmallVector<Value>(loop.getResults());
      };
      // Full chunks short of a step (their lines were prefetched by the
      // step before), then the row's partial chunk (a masked read).
      auto leftoverChunks = [&](SmallVector<Value> accs) {
        for (int64_t c = steppedChunks; c < fullChunks; ++c)
          accs = chunkStep(b, indexConst(b, c), accs, true, false);
        if (fullChunks < chunks)
          accs = chunkStep(b, indexConst(b, fullChunks), accs, false, false);
        return accs;
      };
      SmallVector<Value> accs;
      if (!narrow) {
        accs = leftoverChunks(
            chunkLoop(b, zeroIdx, indexConst(b, steppedChunks), zeros));
      } else {
        auto widen = [&](ImplicitLocOpBuilder &b, ArrayRef<Value> wide,
                         ArrayRef<Value> narrowSums) {
          SmallVector<Value> sums;
          for (auto [w, n] : llvm::zip_equal(wide, narrowSums))
            sums.push_back(AddPairsOp::create(b, w, n));
          return sums;
        };
        // Whole steps per group; the leftover chunks (fewer than a step plus
        // the partial one) make a group of their own.
        int64_t group = maxGroupChunks / chunksPerStep * chunksPerStep;
        if (steppedChunks == 0) {
          accs = zeros;
        } else if (steppedChunks <= group) {
          accs = widen(b, zeros,
                       chunkLoop(b, zeroIdx, indexConst(b, steppedChunks), narrowZeros));
        } else {
          auto groups = scf::ForOp::create(
              b, zeroIdx, indexConst(b, steppedChunks), indexConst(b, group), zeros,
              [&](OpBuilder &ob, Location loc, Value from, ValueRange wide) {
                ImplicitLocOpBuilder gb(loc, ob);
                Value to = arith::MinSIOp::create(
                    gb, arith::AddIOp::create(gb, from, indexConst(gb, group)),
                    indexConst(gb, steppedChunks));
                scf::YieldOp::create(
                    gb, widen(gb, SmallVector<Value>(wide),
                              chunkLoop(gb, from, to, narrowZeros)));
              });
          accs = SmallVector<Value>(groups.getResults());
        }
        if (steppedChunks < chunks)
          accs = widen(b, accs, leftoverChunks(narrowZeros));
      }
      for (int64_t s = 1; s < sets; ++s)
        for (int64_t i = 0; i < tileAccs; ++i)
          accs[i] = arith::AddIOp::create(b, accs[i], accs[s * tileAccs + i]);
      for (int64_t r = 0; r < numRows; ++r)
        for (int64_t t = 0; t < numTokens; ++t) {
          Value total = vector::ReductionOp::create(b, vector::CombiningKind::ADD,
                                                    accs[r * numTokens + t]);
          Value result = arith::SubIOp::create(b, total, tokenSums[t]);
          acc = tensor::InsertOp::create(b, result, acc, ValueRange{tokens[t], rows[r]});
        }
      return acc;
    };

    // Loops `begin <= i < end` in steps of `step`, threading `acc`.
    auto loop = [&](ImplicitLocOpBuilder &b, Value acc, Value begin, Value end,
                    int64_t step,
                    function_ref<Value(ImplicitLocOpBuilder &, Value, Value)> body) {
      return scf::ForOp::create(
                 b, begin, end, indexConst(b, step), ValueRange{acc},
                 [&](OpBuilder &ob, Location loc, Value i, ValueRange iter) {
                   ImplicitLocOpBuilder ib(loc, ob);
                   scf::YieldOp::create(ib, ValueRange{body(ib, i, iter[0])});
                 })
          .getResult(0);
    };

    // Rows [firstRow, firstRow + rowCount) of the tokens [begin, end): token
    // tiles of `tokenStep`, inside them row tiles of `rowStep` then single
    // rows, into `acc` ([n, rowCount], block-local rows).
    auto tokenTiles = [&](ImplicitLocOpBuilder &b, Value acc, Value firstRow,
                          Value rowCount, int64_t begin, int64_t end,
                          int64_t tokenStep, int64_t rowStep) -> Value {
      if (begin >= end)
        return acc;
      return loop(b, acc, indexConst(b, begin), indexConst(b, end), tokenStep,
                  [&](ImplicitLocOpBuilder &tb, Value first, Value acc) {
        SmallVector<Value> tokens, tokenSums;
        for (int64_t i = 0; i < tokenStep; ++i) {
          tokens.push_back(arith::AddIOp::create(tb, first, indexConst(tb, i)));
          tokenSums.push_back(tensor::ExtractOp::create(tb, sums, ValueRange{tokens[i]}));
        }
        auto rowTiles = [&](Value acc, Value from, Value to, int64_t rowsAtOnce) {
          return loop(tb, acc, from, to, rowsAtOnce,
                      [&](ImplicitLocOpBuilder &rb, Value r, Value acc) {
            SmallVector<Value> rows;
            for (int64_t i = 0; i < rowsAtOnce; ++i)
              rows.push_back(arith::AddIOp::create(rb, r, indexConst(rb, i)));
            return registerTile(rb, acc, firstRow, rows, tokens, tokenSums);
          });
        };
        // rowCount - rowCount % rowStep rows in tiles, the rest one by one.
        Value tiledRows = arith::SubIOp::create(
            tb, rowCount, arith::RemUIOp::create(tb, rowCount, indexConst(tb, rowStep)));
        acc = rowTiles(acc, zeroIdx, tiledRows, rowStep);
        if (rowStep > 1)
          acc = rowTiles(acc, tiledRows, rowCount, 1);
        return acc;
      });
    };

    int64_t tile = std::min(config.getTokenTile(), std::max<int64_t>(n, 1));
    int64_t tiled = n - n % tile;
    int64_t blockRows = std::min(config.getRowsPerBlock(), std::max<int64_t>(m, 1));
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
      block = tokenTiles(b, block, firstRow, rowCount, 0, tiled, tile,
                         config.getRowTile());
      block = tokenTiles(b, block, firstRow, rowCount, tiled, n, 1,
                         config.getSingleTokenRowTile());
      b.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(b, block, shared, offsets, sizes,
                                            strides);
    }
    rewriter.replaceOp(op, forall.getResult(0));
    return success();
  }

private:
  CpuTargetInfo target;
};

} // namespace

Value mlir::bitnet::weightByteStream(ImplicitLocOpBuilder &b, Value weight) {
  auto type = cast<RankedTensorType>(weight.getType());
  Value buffer = bufferization::ToBufferOp::create(
      b, MemRefType::get(type.getShape(), type.getElementType()), weight, /*read_only=*/true);
  return memref::CollapseShapeOp::create(b, buffer, ArrayRef<ReassociationIndices>{{0, 1}});
}

namespace {

struct ConvertTernaryMatmulToVectorPass
    : mlir::bitnet::impl::ConvertTernaryMatmulToVectorPassBase<
          ConvertTernaryMatmulToVectorPass> {
  using ConvertTernaryMatmulToVectorPassBase::ConvertTernaryMatmulToVectorPassBase;

  void runOnOperation() override {
    FailureOr<CpuTargetInfo> target =
        lookupCpuTarget(getOperation(), this->target, mcpu, getArgument());
    if (failed(target))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    patterns.add<CodePlaneMatmulKernel>(&getContext(), *target);
    populateTernaryLookupKernelPatterns(patterns, *target);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
