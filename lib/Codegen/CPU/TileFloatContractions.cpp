//===- TileFloatContractions.cpp - register-blocked float matmuls ------===//
//
// The float matrix products of a decoder (lm_head, attention) as
// register-blocked kernels: split over threads (scf.forall) and into
// cache blocks and register tiles with MLIR's TilingInterface
// (scf::tileUsingSCF, linalg::splitOp for the edges), each register tile
// then a loop over the reduction that keeps its block of C in vector
// registers (loop-carried vectors) and updates it with vector.fma. The
// register tiles, vector width and cache budgets are the op's
// #bitnet.float_kernel (KernelConfig.cpp chooses them).
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/CPU/Passes.h"

#include "FloatContractions.h"

#include "bitnet/Codegen/CPU/KernelConfig.h"
#include "bitnet/Codegen/Common/Tiling.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_TILEFLOATCONTRACTIONSPASS
#include "bitnet/Codegen/CPU/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

int64_t largestDivisorAtMost(int64_t n, int64_t cap) {
  for (int64_t d = std::max<int64_t>(1, std::min(n, cap)); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// One contraction's kernel: its configuration and the threads it is
/// split over.
struct Kernels {
  int64_t lanes;   // f32 per vector register
  int64_t rows;    // register tile: rows of C
  int64_t cols;    // register tile: rows of B (NT) or vectors of C (NN)
  int64_t l1Bytes, l2Bytes;
  bool fma;        // vector.fma is one instruction (else: multiply, add)
  int64_t pieces;  // scf.forall pieces (1: no threads)

  Kernels(FloatKernelConfigAttr config, int64_t pieces)
      : lanes(config.getLanes()), rows(config.getRows()), cols(config.getCols()),
        l1Bytes(config.getL1Bytes()), l2Bytes(config.getL2Bytes()),
        fma(config.getFma()), pieces(pieces) {}
};

/// Tiles `op` by `sizes` (0: not tiled) with loops in `order` (loop
/// dimensions, outermost first); the tiled op, or null.
linalg::LinalgOp tile(IRRewriter &rewriter, linalg::LinalgOp op,
                      ArrayRef<int64_t> sizes, ArrayRef<int64_t> order,
                      scf::SCFTilingOptions::LoopType loopType) {
  SmallVector<OpFoldResult> tileSizes;
  for (int64_t s : sizes)
    tileSizes.push_back(rewriter.getIndexAttr(s));
  return dyn_cast_or_null<linalg::LinalgOp>(
      tileLinalgOp(rewriter, op, tileSizes, loopType, order));
}

/// Splits `op` along `dim` at `point`: both parts (the second may be null
/// when empty).
std::pair<linalg::LinalgOp, linalg::LinalgOp>
split(IRRewriter &rewriter, linalg::LinalgOp op, unsigned dim, int64_t point) {
  rewriter.setInsertionPoint(op);
  auto [first, second] = linalg::splitOp(
      rewriter, cast<TilingInterface>(op.getOperation()), dim,
      rewriter.getIndexAttr(point));
  return {dyn_cast_or_null<linalg::LinalgOp>(first ? first.getOperation() : nullptr),
          dyn_cast_or_null<linalg::LinalgOp>(second ? second.getOperation() : nullptr)};
}

class Lowering {
public:
  Lowering(IRRewriter &rewriter, const Kernels &kernels)
      : rewriter(rewriter), kernels(kernels) {}

  void run(linalg::LinalgOp op) {
    std::optional<FloatContraction> form = classifyFloatContraction(op);
    if (!form)
      return;
    f = *form;
    init = foldFill(op);
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t rows = f.m ? ranges[*f.m] : 1;
    if (kernels.pieces > 1)
      op = splitOverThreads(op, rows);
    if (op)
      cover(op, maxRows(rows), maxCols(rows));
  }

private:
  IRRewriter &rewriter;
  const Kernels &kernels;
  FloatContraction f;
  Value init; // C's initial value when it was a fill (C is then not read)

  /// Register tile: rows of C (at most the rows there are).
  int64_t maxRows(int64_t rows) const { return std::min(rows, kernels.rows); }
  /// Register tile: rows of B (NT) or vectors of C columns (NN).
  int64_t maxCols(int64_t rows) const { return kernels.cols; }

  /// C = fill(x) initially: the kernels start from x instead of reading C.
  Value foldFill(linalg::LinalgOp op) {
    auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    if (!fill)
      return nullptr;
    Value value = fill.getInputs()[0];
    rewriter.modifyOpInPlace(op, [&] {
      op.getDpsInitsMutable()[0].set(fill.getOutputs()[0]);
    });
    if (fill->use_empty())
      rewriter.eraseOp(fill);
    return value;
  }

  /// The pieces of an scf.forall: one per batch element (attention heads),
  /// else blocks of n (the lm_head over the vocabulary: each thread reads
  /// its part of the table once) or, for an NN product with many rows, of
  /// m. Blocks are whole register tiles; the rest of the dimension (less
  /// than one tile per piece) is returned to be done after the forall.
  linalg::LinalgOp splitOverThreads(linalg::LinalgOp op, int64_t rows) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<int64_t> sizes(ranges.size(), 0);
    if (!f.batch.empty()) {
      for (unsigned d : f.batch)
        sizes[d] = 1;
      linalg::LinalgOp inner =
          tile(rewriter, op, sizes, {}, scf::SCFTilingOptions::LoopType::ForallOp);
      return inner ? inner : op; // not tiled: one piece
    }
    bool byColumns = f.transposedB || !f.m || rows < 2 * maxRows(rows) * kernels.pieces;
    unsigned dim = byColumns ? f.n : *f.m;
    int64_t unit = byColumns ? (f.transposedB ? maxCols(rows) : kernels.lanes)
                             : maxRows(rows);
    int64_t size = ranges[dim];
    int64_t piece = unit * std::max<int64_t>(1, size / (unit * kernels.pieces));
    int64_t whole = size / piece * piece;
    if (size / piece < 2)
      return op; // too small to split
    linalg::LinalgOp rest;
    if (whole < size) {
      auto [main, tail] = split(rewriter, op, dim, whole);
      if (!main)
        return op; // not split: one piece
      op = main;
      rest = tail;
    }
    sizes[dim] = piece;
    linalg::LinalgOp inner =
        tile(rewriter, op, sizes, {}, scf::SCFTilingOptions::LoopType::ForallOp);
    cover(inner ? inner : op, maxRows(rows), maxCols(rows));
    return rest;
  }

  /// Covers `op` with register tiles of at most `rowCap` x `colCap`, the
  /// edges with smaller tiles (NN columns that are not whole vectors: the
  /// loops of the later passes).
  void cover(linalg::LinalgOp op, int64_t rowCap, int64_t colCap) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t m = f.m ? ranges[*f.m] : 1, n = ranges[f.n];
    int64_t rows = std::min(rowCap, m);
    if (m % rows != 0) {
      auto [main, rest] = split(rewriter, op, *f.m, m - m % rows);
      if (!main)
        return leaveAsLoops(op);
      cover(main, rows, colCap);
      if (rest)
        cover(rest, 1, colCap);
      return;
    }
    if (f.transposedB) {
      int64_t cols = std::min(colCap, n);
      if (n % cols != 0) {
        auto [main, rest] = split(rewriter, op, f.n, n - n % cols);
        if (!main)
          return leaveAsLoops(op);
        cover(main, rows, cols);
        if (rest)
          cover(rest, rows, 1);
        return;
      }
      emit(op, rows, cols);
      return;
    }
    int64_t vectors = n / kernels.lanes;
    if (vectors == 0)
      return leaveAsLoops(op);
    if (n % kernels.lanes != 0) {
      auto [main, rest] = split(rewriter, op, f.n, vectors * kernels.lanes);
      if (!main)
        return leaveAsLoops(op);
      cover(main, rows, colCap);
      if (rest)
        leaveAsLoops(rest);
      return;
    }
    emit(op, rows, kernels.lanes * largestDivisorAtMost(vectors, colCap));
  }

  /// Not a register tile: the contraction stays (the later passes make
  /// vectorizable loops of it); it gets back its fill.
  void leaveAsLoops(linalg::LinalgOp op, Value start) {
    if (!start)
      return;
    rewriter.setInsertionPoint(op);
    Value out = op.getDpsInits()[0];
    Value filled = linalg::FillOp::create(rewriter, op.getLoc(), start, out).getResult(0);
    rewriter.modifyOpInPlace(op, [&] { op.getDpsInitsMutable()[0].set(filled); });
  }
  void leaveAsLoops(linalg::LinalgOp op) { leaveAsLoops(op, init); }

  /// `op` (rows and columns multiples of the tile) as cache blocks of
  /// columns (a block of B of at most half of L2, reused by every row
  /// tile), then row tiles, then column tiles, then the kernel.
  void emit(linalg::LinalgOp op, int64_t rows, int64_t cols) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t m = f.m ? ranges[*f.m] : 1, n = ranges[f.n], k = ranges[f.k];
    int64_t capCols = std::max<int64_t>(cols, kernels.l2Bytes / 2 / (k * 4));
    int64_t block = cols * largestDivisorAtMost(n / cols, capCols / cols);
    if (block < n) {
      SmallVector<int64_t> sizes(ranges.size(), 0);
      sizes[f.n] = block;
      linalg::LinalgOp inner =
          tile(rewriter, op, sizes, {}, scf::SCFTilingOptions::LoopType::ForOp);
      if (!inner)
        return leaveAsLoops(op);
      op = inner;
    }
    // NT with several row tiles: blocks of k small enough that a tile's
    // rows of A and B (reused by the next tiles) stay in L1d. The first
    // block starts from C's initial value, the others add to C.
    int64_t kBlock = k;
    if (f.transposedB && m > rows) {
      int64_t cap = kernels.l1Bytes * 2 / 3 / ((rows + cols) * 4) / kernels.lanes;
      if (cap * kernels.lanes < k && k % kernels.lanes == 0)
        kBlock = kernels.lanes * largestDivisorAtMost(k / kernels.lanes, cap);
      if (kBlock < kernels.lanes)
        kBlock = k;
    }
    if (kBlock == k)
      return registerTiles(op, rows, cols, init);
    auto [first, rest] = split(rewriter, op, f.k, kBlock);
    if (!first)
      return registerTiles(op, rows, cols, init);
    registerTiles(first, rows, cols, init);
    if (!rest)
      return;
    SmallVector<int64_t> sizes(ranges.size(), 0);
    sizes[f.k] = kBlock;
    linalg::LinalgOp inner =
        tile(rewriter, rest, sizes, {}, scf::SCFTilingOptions::LoopType::ForOp);
    registerTiles(inner ? inner : rest, rows, cols, /*start=*/nullptr);
  }

  /// Row tiles, then column tiles, then the kernel; C starts from `start`
  /// (a scalar) or is read.
  void registerTiles(linalg::LinalgOp op, int64_t rows, int64_t cols, Value start) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<int64_t> sizes(ranges.size(), 0);
    SmallVector<int64_t> order;
    for (unsigned d : f.batch) {
      sizes[d] = 1;
      order.push_back(d);
    }
    if (f.m) {
      sizes[*f.m] = rows;
      order.push_back(*f.m);
    }
    sizes[f.n] = cols;
    order.push_back(f.n);
    for (unsigned d = 0; d < ranges.size(); ++d)
      if (!llvm::is_contained(order, d))
        order.push_back(d);
    linalg::LinalgOp inner =
        tile(rewriter, op, sizes, order, scf::SCFTilingOptions::LoopType::ForOp);
    if (!inner)
      return leaveAsLoops(op, start);
    op = inner;
    rewriter.setInsertionPoint(op);
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value result = f.transposedB ? dotKernel(b, op, rows, cols, start)
                                 : outerProductKernel(b, op, rows, cols, start);
    rewriter.replaceOp(op, result);
  }

  /// acc + a * b: one FMA where the target has them; else a multiply and
  /// an add (LLVM would expand vector.fma into libm calls).
  Value multiplyAdd(ImplicitLocOpBuilder &b, Type type, Value x, Value y,
                    Value acc) {
    if (kernels.fma)
      return vector::FMAOp::create(b, type, x, y, acc);
    return arith::AddFOp::create(b, acc, arith::MulFOp::create(b, x, y));
  }

  /// A vector of f32 `type` read from `operand` at `at` (masked and
  /// zero-padded unless `inBounds`), widened when stored narrower.
  Value load(ImplicitLocOpBuilder &b, VectorType type, OpOperand &operand,
             ValueRange at, bool inBounds) {
    Type stored = getElementTypeOrSelf(operand.get().getType());
    Value pad = arith::ConstantOp::create(b, b.getFloatAttr(stored, 0.0));
    Value v = vector::TransferReadOp::create(b, type.clone(stored), operand.get(),
                                             at, pad, ArrayRef<bool>{inBounds});
    return stored == type.getElementType() ? v : arith::ExtFOp::create(b, type, v);
  }

  Value index(ImplicitLocOpBuilder &b, int64_t v) {
    return arith::ConstantIndexOp::create(b, v);
  }

  /// Indices into operand `operand` of `op` with loop dimension m at row
  /// `i`, n at `j`, k at `kv` (others 0).
  SmallVector<Value> indices(ImplicitLocOpBuilder &b, linalg::LinalgOp op,
                             OpOperand &operand, Value i, Value j, Value kv) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    SmallVector<Value> result;
    for (AffineExpr e : map.getResults()) {
      unsigned d = cast<AffineDimExpr>(e).getPosition();
      if (f.m && d == *f.m)
        result.push_back(i);
      else if (d == f.n)
        result.push_back(j);
      else if (d == f.k)
        result.push_back(kv);
      else
        result.push_back(index(b, 0));
    }
    return result;
  }

  /// NT tile: rows x cols accumulators of `lanes` partial sums along k,
  /// one FMA per (row, column) and vector of k; reduced at the end.
  Value dotKernel(ImplicitLocOpBuilder &b, linalg::LinalgOp op, int64_t rows,
                  int64_t cols, Value init) {
    int64_t lanes = kernels.lanes;
    int64_t k = op.getStaticLoopRanges()[f.k];
    auto vecType = VectorType::get({lanes}, b.getF32Type());
    Value zero = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0f));
    Value zeros = arith::ConstantOp::create(
        b, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0.0f)));
    OpOperand &a = *op.getDpsInputOperand(f.a);
    OpOperand &bOp = *op.getDpsInputOperand(f.b);
    SmallVector<Value> rowIdx, colIdx;
    for (int64_t i = 0; i < rows; ++i)
      rowIdx.push_back(index(b, i));
    for (int64_t j = 0; j < cols; ++j)
      colIdx.push_back(index(b, j));

    auto step = [&](ImplicitLocOpBuilder &kb, Value kv, SmallVector<Value> accs,
                    bool inBounds) {
      SmallVector<Value> bv;
      for (int64_t j = 0; j < cols; ++j)
        bv.push_back(load(kb, vecType, bOp,
                          indices(kb, op, bOp, rowIdx[0], colIdx[j], kv), inBounds));
      for (int64_t i = 0; i < rows; ++i) {
        Value av = load(kb, vecType, a, indices(kb, op, a, rowIdx[i], colIdx[0], kv),
                        inBounds);
        for (int64_t j = 0; j < cols; ++j) {
          Value &acc = accs[i * cols + j];
          acc = multiplyAdd(kb, vecType, av, bv[j], acc);
        }
      }
      return accs;
    };
    int64_t full = k / lanes * lanes;
    SmallVector<Value> accs(rows * cols, zeros);
    if (full > 0) {
      auto loop = scf::ForOp::create(
          b, index(b, 0), index(b, full), index(b, lanes), accs,
          [&](OpBuilder &ob, Location loc, Value kv, ValueRange iter) {
            ImplicitLocOpBuilder kb(loc, ob);
            scf::YieldOp::create(kb, step(kb, kv, SmallVector<Value>(iter), true));
          });
      accs = SmallVector<Value>(loop.getResults());
    }
    if (full < k) // the last, partial vector of k: masked reads, zero padded
      accs = step(b, index(b, full), accs, false);

    Value c = op.getDpsInits()[0];
    auto rowType = VectorType::get({cols}, b.getF32Type());
    for (int64_t i = 0; i < rows; ++i) {
      SmallVector<Value> sums;
      for (int64_t j = 0; j < cols; ++j)
        sums.push_back(vector::ReductionOp::create(
            b, vector::CombiningKind::ADD, accs[i * cols + j],
            arith::FastMathFlags::reassoc));
      Value row = vector::FromElementsOp::create(b, rowType, sums);
      OpOperand &cOp = *op.getDpsInitOperand(0);
      SmallVector<Value> at = indices(b, op, cOp, rowIdx[i], colIdx[0], colIdx[0]);
      Value before;
      if (init) {
        if (!matchPattern(init, m_AnyZeroFloat()))
          before = vector::BroadcastOp::create(b, rowType, init);
      } else {
        before = vector::TransferReadOp::create(b, rowType, c, at, zero,
                                                ArrayRef<bool>{true});
      }
      if (before)
        row = arith::AddFOp::create(b, before, row);
      c = vector::TransferWriteOp::create(b, row, c, at, ArrayRef<bool>{true})
              .getResult();
    }
    return c;
  }

  /// NN tile: rows x (cols / lanes) vectors of C; per k, one broadcast
  /// element of A per row and cols / lanes vectors of B.
  Value outerProductKernel(ImplicitLocOpBuilder &b, linalg::LinalgOp op,
                           int64_t rows, int64_t cols, Value init) {
    int64_t lanes = kernels.lanes, vectors = cols / lanes;
    int64_t k = op.getStaticLoopRanges()[f.k];
    auto vecType = VectorType::get({lanes}, b.getF32Type());
    Value zero = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0f));
    OpOperand &a = *op.getDpsInputOperand(f.a);
    OpOperand &bOp = *op.getDpsInputOperand(f.b);
    OpOperand &cOp = *op.getDpsInitOperand(0);
    SmallVector<Value> rowIdx, colIdx;
    for (int64_t i = 0; i < rows; ++i)
      rowIdx.push_back(index(b, i));
    for (int64_t j = 0; j < vectors; ++j)
      colIdx.push_back(index(b, j * lanes));
    Value c0 = index(b, 0);

    SmallVector<Value> accs;
    Value start = init ? Value(vector::BroadcastOp::create(b, vecType, init)) : Value();
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vectors; ++j)
        accs.push_back(start ? start
                             : Value(vector::TransferReadOp::create(
                                   b, vecType, cOp.get(),
                                   indices(b, op, cOp, rowIdx[i], colIdx[j], c0),
                                   zero, ArrayRef<bool>{true})));
    auto loop = scf::ForOp::create(
        b, c0, index(b, k), index(b, 1), accs,
        [&](OpBuilder &ob, Location loc, Value kv, ValueRange iter) {
          ImplicitLocOpBuilder kb(loc, ob);
          SmallVector<Value> next(iter);
          SmallVector<Value> bv;
          for (int64_t j = 0; j < vectors; ++j)
            bv.push_back(load(kb, vecType, bOp,
                              indices(kb, op, bOp, rowIdx[0], colIdx[j], kv), true));
          for (int64_t i = 0; i < rows; ++i) {
            Value elem = tensor::ExtractOp::create(
                kb, a.get(), indices(kb, op, a, rowIdx[i], c0, kv));
            if (!elem.getType().isF32())
              elem = arith::ExtFOp::create(kb, kb.getF32Type(), elem);
            Value av = vector::BroadcastOp::create(kb, vecType, elem);
            for (int64_t j = 0; j < vectors; ++j) {
              Value &acc = next[i * vectors + j];
              acc = multiplyAdd(kb, vecType, av, bv[j], acc);
            }
          }
          scf::YieldOp::create(kb, next);
        });
    Value c = cOp.get();
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vectors; ++j)
        c = vector::TransferWriteOp::create(
                b, loop.getResult(i * vectors + j), c,
                indices(b, op, cOp, rowIdx[i], colIdx[j], c0), ArrayRef<bool>{true})
                .getResult();
    return c;
  }
};

struct TileFloatContractionsPass
    : mlir::bitnet::impl::TileFloatContractionsPassBase<TileFloatContractionsPass> {
  using TileFloatContractionsPassBase::TileFloatContractionsPassBase;

  void runOnOperation() override {
    FailureOr<CpuTargetInfo> target =
        lookupCpuTarget(getOperation(), this->target, mcpu, getArgument());
    if (failed(target))
      return signalPassFailure();
    // rows and cols become #bitnet.float_kernel fields: the same bounds.
    if (rows < 0 || cols < 0 || rows > kMaxRegisterTile || cols > kMaxRegisterTile ||
        tiles < 1 || tiles > kMaxThreadTiles) {
      emitError(getOperation()->getLoc())
          << getArgument() << ": rows and cols must be from 0 (derived) to "
          << kMaxRegisterTile << ", tiles from 1 to " << kMaxThreadTiles;
      return signalPassFailure();
    }
    FloatKernelOverrides overrides;
    overrides.rows = rows;
    overrides.cols = cols;

    SmallVector<linalg::LinalgOp> contractions;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (classifyFloatContraction(op) && !op->getParentOfType<scf::ForallOp>())
        contractions.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : contractions) {
      auto config = op->getAttrOfType<FloatKernelConfigAttr>(kKernelConfigAttrName);
      if (!config)
        config = selectFloatKernelConfig(op, *target, overrides);
      Kernels kernels(config, tiles);
      Lowering lowering(rewriter, kernels);
      lowering.run(op);
    }
  }
};

} // namespace
