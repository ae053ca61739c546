//===- Dot4ToLLVM.cpp - bitnet.dot4/dot2/add_pairs/lookup to instructions ===//
//
// One pattern per instruction family, chosen from CpuTargetInfo; each
// declines widths its instruction does not have, and the portable pattern
// (lower benefit) takes whatever is left.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Codegen/CPU/Passes.h"
#include "bitnet/Dialect/BitNet/IR/BitNet.h"
#include "bitnet/Target/CpuTargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_CONVERTDOT4TOLLVMPASS
#include "bitnet/Codegen/CPU/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
using namespace mlir::bitnet;

namespace {

Value callIntrinsic(ImplicitLocOpBuilder &b, Type result, StringRef name,
                    ValueRange operands) {
  return LLVM::CallIntrinsicOp::create(b, result, b.getStringAttr(name), operands)
      .getResult(0);
}

/// vpdpbusd on 128/256/512-bit vectors (LLVM's intrinsic takes the bytes as
/// <N x i8>).
struct Dot4ToVnni : OpRewritePattern<Dot4Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Dot4Op op, PatternRewriter &rewriter) const override {
    int64_t lanes = op.getAcc().getType().getNumElements();
    if (lanes != 4 && lanes != 8 && lanes != 16)
      return rewriter.notifyMatchFailure(op, "no vpdpbusd of this width");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    rewriter.replaceOp(
        op, callIntrinsic(b, op.getAcc().getType(),
                          "llvm.x86.avx512.vpdpbusd." + std::to_string(lanes * 32),
                          {op.getAcc(), op.getA(), op.getB()}));
    return success();
  }
};

/// x86's pair instructions for a vector of `bits`: vpmaddubsw (u8 x s8
/// pairs -> i16, saturating) and vpmaddwd (i16 x i16 pairs -> i32).
struct X86PairIntrinsics {
  const char *maddubs, *maddwd;
};
std::optional<X86PairIntrinsics> x86PairIntrinsics(int64_t bits, int64_t maxBits) {
  if (bits > maxBits)
    return std::nullopt;
  switch (bits) {
  case 128:
    return X86PairIntrinsics{"llvm.x86.ssse3.pmadd.ub.sw.128", "llvm.x86.sse2.pmadd.wd"};
  case 256:
    return X86PairIntrinsics{"llvm.x86.avx2.pmadd.ub.sw", "llvm.x86.avx2.pmadd.wd"};
  case 512:
    return X86PairIntrinsics{"llvm.x86.avx512.pmaddubs.w.512",
                             "llvm.x86.avx512.pmaddw.d.512"};
  default:
    return std::nullopt;
  }
}

/// vpmaddwd of `x` by ones: the i32 sums of its i16 lane pairs.
Value sumPairsX86(ImplicitLocOpBuilder &b, VectorType result, Value x,
                  const X86PairIntrinsics &ops) {
  Value ones = arith::ConstantOp::create(
      b, DenseElementsAttr::get(cast<VectorType>(x.getType()), b.getI16IntegerAttr(1)));
  return callIntrinsic(b, result, ops.maddwd, {x, ones});
}

/// A pattern lowering `Op` to x86 pair instructions no wider than the
/// target's vectors (`maxBits`), preferred to the portable form.
template <typename Op> struct X86PairPattern : OpRewritePattern<Op> {
  X86PairPattern(MLIRContext *ctx, int64_t maxBits)
      : OpRewritePattern<Op>(ctx, /*benefit=*/2), maxBits(maxBits) {}
  int64_t maxBits;
};

/// vpmaddubsw (u8 x s8 pairs -> i16), vpmaddwd by ones (i16 pairs -> i32),
/// add. Exact for a < 128: a pair sums to at most 2 * 127 * 128 < 2^15.
struct Dot4ToMaddubs : X86PairPattern<Dot4Op> {
  using X86PairPattern::X86PairPattern;
  LogicalResult matchAndRewrite(Dot4Op op, PatternRewriter &rewriter) const override {
    if (!op.getAFitsI8())
      return rewriter.notifyMatchFailure(op, "codes may saturate vpmaddubsw");
    int64_t lanes = op.getAcc().getType().getNumElements();
    auto ops = x86PairIntrinsics(lanes * 32, maxBits);
    if (!ops)
      return rewriter.notifyMatchFailure(op, "no vpmaddubsw of this width here");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto halves = VectorType::get({2 * lanes}, b.getI16Type());
    Value pairs = callIntrinsic(b, halves, ops->maddubs, {op.getA(), op.getB()});
    Value quads = sumPairsX86(b, op.getAcc().getType(), pairs, *ops);
    rewriter.replaceOp(op, arith::AddIOp::create(b, op.getAcc(), quads));
    return success();
  }
};

/// dot2: vpmaddubsw + vpaddw (exact for a < 128, as above).
struct Dot2ToMaddubs : X86PairPattern<Dot2Op> {
  using X86PairPattern::X86PairPattern;
  LogicalResult matchAndRewrite(Dot2Op op, PatternRewriter &rewriter) const override {
    if (!op.getAFitsI8())
      return rewriter.notifyMatchFailure(op, "codes may saturate vpmaddubsw");
    auto ops = x86PairIntrinsics(op.getAcc().getType().getNumElements() * 16, maxBits);
    if (!ops)
      return rewriter.notifyMatchFailure(op, "no vpmaddubsw of this width here");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value pairs =
        callIntrinsic(b, op.getAcc().getType(), ops->maddubs, {op.getA(), op.getB()});
    rewriter.replaceOp(op, arith::AddIOp::create(b, op.getAcc(), pairs));
    return success();
  }
};

/// add_pairs: vpmaddwd by ones + vpaddd.
struct AddPairsToMaddwd : X86PairPattern<AddPairsOp> {
  using X86PairPattern::X86PairPattern;
  LogicalResult matchAndRewrite(AddPairsOp op, PatternRewriter &rewriter) const override {
    auto ops = x86PairIntrinsics(op.getAcc().getType().getNumElements() * 32, maxBits);
    if (!ops)
      return rewriter.notifyMatchFailure(op, "no vpmaddwd of this width here");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value sums = sumPairsX86(b, op.getAcc().getType(), op.getX(), *ops);
    rewriter.replaceOp(op, arith::AddIOp::create(b, op.getAcc(), sums));
    return success();
  }
};

/// AArch64 sdot (s8 x s8, four products per i32 lane).
struct Dot4ToSdot : OpRewritePattern<Dot4Op> {
  Dot4ToSdot(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(Dot4Op op, PatternRewriter &rewriter) const override {
    if (!op.getAFitsI8())
      return rewriter.notifyMatchFailure(op, "sdot reads a as signed");
    int64_t lanes = op.getAcc().getType().getNumElements();
    if (lanes != 2 && lanes != 4)
      return rewriter.notifyMatchFailure(op, "no sdot of this width");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    std::string name = "llvm.aarch64.neon.sdot.v" + std::to_string(lanes) +
                       "i32.v" + std::to_string(4 * lanes) + "i8";
    rewriter.replaceOp(op, callIntrinsic(b, op.getAcc().getType(), name,
                                         {op.getAcc(), op.getA(), op.getB()}));
    return success();
  }
};

/// acc + the sums of each `group` consecutive elements of `values` (lane i
/// takes values group*i .. group*i + group-1, picked out with shuffles).
Value addGroups(ImplicitLocOpBuilder &b, Value acc, Value values, int64_t group) {
  int64_t lanes = cast<VectorType>(acc.getType()).getNumElements();
  Value sum = acc;
  for (int64_t j = 0; j < group; ++j) {
    SmallVector<int64_t> picks;
    for (int64_t i = 0; i < lanes; ++i)
      picks.push_back(group * i + j);
    sum = arith::AddIOp::create(b, sum, vector::ShuffleOp::create(b, values, values, picks));
  }
  return sum;
}

/// Any target: widen to the accumulator's element type, multiply, and add
/// the `group` products of each lane. Plain vector ops LLVM selects well
/// for any ISA. Serves dot4 (group 4, i32) and dot2 (group 2, i16).
template <typename DotOp, int64_t group>
struct DotToVectors : OpRewritePattern<DotOp> {
  using OpRewritePattern<DotOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(DotOp op, PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    VectorType accType = op.getAcc().getType();
    auto wide = VectorType::get({group * accType.getNumElements()},
                                accType.getElementType());
    Value a = arith::ExtUIOp::create(b, wide, op.getA());
    Value bb = arith::ExtSIOp::create(b, wide, op.getB());
    Value products = arith::MulIOp::create(b, a, bb);
    rewriter.replaceOp(op, addGroups(b, op.getAcc(), products, group));
    return success();
  }
};

/// Any target: add_pairs as sign extension and two shuffled adds.
struct AddPairsToVectors : OpRewritePattern<AddPairsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddPairsOp op, PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto wide = VectorType::get({op.getX().getType().getNumElements()}, b.getI32Type());
    Value x = arith::ExtSIOp::create(b, wide, op.getX());
    rewriter.replaceOp(op, addGroups(b, op.getAcc(), x, 2));
    return success();
  }
};

/// AVX-512 VBMI, 64 lanes: tables of up to 64 bytes (repeated to 64) with
/// vpermb, 128 with vpermi2b, 256 with two vpermi2b (halves picked by bit
/// 7, which vpermi2b ignores) and a blend.
struct LookupToVbmi : OpRewritePattern<LookupOp> {
  LookupToVbmi(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(LookupOp op, PatternRewriter &rewriter) const override {
    VectorType type = op.getIndices().getType();
    if (type.getNumElements() != 64)
      return rewriter.notifyMatchFailure(op, "vpermb takes 64 lanes");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value table = op.getTable(), indices = op.getIndices();
    int64_t entries = op.getTable().getType().getNumElements();
    // Entries [64 * part, 64 * part + 64) of the table.
    auto part = [&](int64_t part) {
      SmallVector<int64_t> picks;
      for (int64_t i = 0; i < 64; ++i)
        picks.push_back((64 * part + i) % entries);
      return vector::ShuffleOp::create(b, table, table, picks).getResult();
    };
    if (entries <= 64) {
      rewriter.replaceOp(op, callIntrinsic(b, type, "llvm.x86.avx512.permvar.qi.512",
                                           {part(0), indices}));
      return success();
    }
    auto permute2 = [&](int64_t first) {
      return callIntrinsic(b, type, "llvm.x86.avx512.vpermi2var.qi.512",
                           {part(first), indices, part(first + 1)});
    };
    if (entries == 128) {
      rewriter.replaceOp(op, permute2(0));
      return success();
    }
    Value low = permute2(0), high = permute2(2);
    Value zero = arith::ConstantOp::create(b, cast<TypedAttr>(b.getZeroAttr(type)));
    Value top = arith::CmpIOp::create(b, arith::CmpIPredicate::slt, indices, zero);
    rewriter.replaceOp(op, arith::SelectOp::create(b, top, high, low));
    return success();
  }
};

/// AArch64 NEON, 16 lanes, tables of up to 64 bytes: tbl with one, two or
/// four table registers (tbl gives 0 for an index past the table, so the
/// index is reduced modulo the table's length first).
struct LookupToTbl : OpRewritePattern<LookupOp> {
  LookupToTbl(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(LookupOp op, PatternRewriter &rewriter) const override {
    VectorType type = op.getIndices().getType();
    int64_t entries = op.getTable().getType().getNumElements();
    if (type.getNumElements() != 16 || entries > 64)
      return rewriter.notifyMatchFailure(op, "tbl takes 16 lanes and tables up to 64 bytes");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value table = op.getTable();
    Value mask = arith::ConstantOp::create(
        b, DenseElementsAttr::get(type, b.getI8IntegerAttr(static_cast<int8_t>(entries - 1))));
    SmallVector<Value> operands;
    for (int64_t first = 0; first < entries; first += 16) {
      SmallVector<int64_t> picks;
      for (int64_t i = 0; i < 16; ++i)
        picks.push_back((first + i) % entries);
      operands.push_back(vector::ShuffleOp::create(b, table, table, picks));
    }
    operands.push_back(arith::AndIOp::create(b, op.getIndices(), mask));
    // tbl1, tbl2 or tbl4 (a 48-byte table is not a power of two).
    rewriter.replaceOp(op, callIntrinsic(b, type,
                                         "llvm.aarch64.neon.tbl" +
                                             std::to_string(operands.size() - 1) + ".v16i8",
                                         operands));
    return success();
  }
};

/// Any target: one lane at a time (extract the index, read the table).
struct LookupToVectors : OpRewritePattern<LookupOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LookupOp op, PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    VectorType type = op.getIndices().getType();
    int64_t entries = op.getTable().getType().getNumElements();
    Value mask = arith::ConstantOp::create(b, b.getI32IntegerAttr(entries - 1));
    Value result = arith::ConstantOp::create(b, cast<TypedAttr>(b.getZeroAttr(type)));
    for (int64_t i = 0; i < type.getNumElements(); ++i) {
      Value index = vector::ExtractOp::create(b, op.getIndices(), i);
      index = arith::AndIOp::create(
          b, arith::ExtUIOp::create(b, b.getI32Type(), index), mask);
      Value entry = vector::ExtractOp::create(
          b, op.getTable(),
          ArrayRef<OpFoldResult>{
              arith::IndexCastUIOp::create(b, b.getIndexType(), index).getResult()});
      result = vector::InsertOp::create(b, entry, result, i);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConvertDot4ToLLVMPass
    : mlir::bitnet::impl::ConvertDot4ToLLVMPassBase<ConvertDot4ToLLVMPass> {
  using ConvertDot4ToLLVMPassBase::ConvertDot4ToLLVMPassBase;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    if (!portable) {
      FailureOr<CpuTargetInfo> target =
          lookupCpuTarget(getOperation(), this->target, mcpu, getArgument());
      if (failed(target))
        return signalPassFailure();
      const CpuTargetInfo &info = *target;
      if (info.hasAvx512vbmi)
        patterns.add<LookupToVbmi>(ctx);
      if (info.hasNeon)
        patterns.add<LookupToTbl>(ctx);
      switch (info.dotProduct()) {
      case DotProductKind::Vnni512:
        patterns.add<Dot4ToVnni>(ctx, /*benefit=*/2);
        break;
      case DotProductKind::Avx2Maddubs:
        patterns.add<Dot4ToMaddubs, Dot2ToMaddubs, AddPairsToMaddwd>(
            ctx, info.hasAvx512bw ? 512 : 256);
        break;
      case DotProductKind::NeonSdot:
        patterns.add<Dot4ToSdot>(ctx);
        break;
      case DotProductKind::NeonMull:
      case DotProductKind::Generic:
        break;
      }
    }
    patterns.add<DotToVectors<Dot4Op, 4>, DotToVectors<Dot2Op, 2>, AddPairsToVectors,
                 LookupToVectors>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
