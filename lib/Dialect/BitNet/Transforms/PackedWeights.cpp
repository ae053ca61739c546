//===- PackedWeights.cpp - ternary codes unpacked in an imported graph ----===//
//
// Every op of an unpacking is elementwise on one byte of the packed weight,
// so each row block of the codes is `table[packed byte]` for a 256-entry
// table: we evaluate the graph's ops on the table (256 values, however the
// exporter wrote them) and then read the packed bytes once.
//
//===----------------------------------------------------------------------===//

#include "PackedWeights.h"

#include "ImportedForms.h"

#include "bitnet/Dialect/BitNet/IR/BitNet.h"
#include "bitnet/Reference/Reference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <array>

using namespace mlir;
using namespace mlir::bitnet;
using namespace mlir::bitnet::imported;

namespace {

/// The bytes of a constant, non-splat i8 tensor: plain dense or a
/// dense_resource blob (how the importer keeps weights over 1 KiB).
std::optional<ArrayRef<int8_t>> constantBytes(ElementsAttr attr) {
  if (!attr.getElementType().isInteger(8))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat())
      return std::nullopt;
    ArrayRef<char> raw = dense.getRawData();
    return ArrayRef<int8_t>(reinterpret_cast<const int8_t *>(raw.data()), raw.size());
  }
  if (auto resource = dyn_cast<DenseI8ResourceElementsAttr>(attr))
    return resource.tryGetAsArrayRef();
  return std::nullopt;
}

/// A tensor of i1 or i8 whose element i is `table[source[i]]`, or `splat`
/// everywhere when there is no source. Values are the elements' bits,
/// zero-extended.
struct ByteMap {
  ArrayRef<int8_t> source;
  std::array<uint8_t, 256> table{};
  uint8_t splat = 0;
  unsigned width = 8;

  bool isSplat() const { return source.data() == nullptr; }
  uint8_t at(unsigned byte) const { return isSplat() ? splat : table[byte]; }
};

uint8_t truncate(int64_t value, unsigned width) {
  return static_cast<uint8_t>(value & ((1 << width) - 1));
}

int64_t signExtend(uint8_t value, unsigned width) {
  return width == 1 ? -int64_t(value & 1) : static_cast<int8_t>(value);
}

/// Combines byte maps elementwise: all splats, or non-splat ones over the
/// same source bytes.
std::optional<ByteMap> combine(ArrayRef<ByteMap> operands, unsigned width,
                               function_ref<int64_t(ArrayRef<uint8_t>)> fn) {
  ByteMap result;
  result.width = width;
  for (const ByteMap &m : operands) {
    if (m.isSplat())
      continue;
    if (!result.isSplat() && (m.source.data() != result.source.data() ||
                              m.source.size() != result.source.size()))
      return std::nullopt;
    result.source = m.source;
  }
  SmallVector<uint8_t, 3> args(operands.size());
  auto evaluate = [&](unsigned byte) {
    for (auto [i, m] : llvm::enumerate(operands))
      args[i] = m.at(byte);
    return truncate(fn(args), width);
  };
  if (result.isSplat())
    result.splat = evaluate(0);
  else
    for (unsigned byte = 0; byte < 256; ++byte)
      result.table[byte] = evaluate(byte);
  return result;
}

unsigned widthOf(Value v) {
  return cast<ShapedType>(v.getType()).getElementType().getIntOrFloatBitWidth();
}

/// `v` as a byte map, through the integer ops that unpackings use. Depth
/// bounds the walk (an unpacking is a handful of ops).
std::optional<ByteMap> byteMapOf(Value v, int depth = 0) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (depth > 16 || !type || !type.hasStaticShape() ||
      !(type.getElementType().isInteger(8) || type.getElementType().isInteger(1)))
    return std::nullopt;
  unsigned width = widthOf(v);
  ElementsAttr attr;
  if (matchPattern(v, m_Constant(&attr))) {
    ByteMap m;
    m.width = width;
    if (auto dense = dyn_cast<DenseElementsAttr>(attr); dense && dense.isSplat()) {
      m.splat = truncate(dense.getSplatValue<APInt>().getZExtValue(), width);
      return m;
    }
    std::optional<ArrayRef<int8_t>> bytes = constantBytes(attr);
    if (!bytes)
      return std::nullopt;
    m.source = *bytes;
    for (unsigned byte = 0; byte < 256; ++byte)
      m.table[byte] = static_cast<uint8_t>(byte);
    return m;
  }
  Operation *op = v.getDefiningOp();
  if (!op)
    return std::nullopt;
  // Every non-splat operand must have as many elements as the result.
  auto operandMaps = [&](ValueRange values) -> std::optional<SmallVector<ByteMap, 3>> {
    SmallVector<ByteMap, 3> maps;
    for (Value operand : values) {
      std::optional<ByteMap> m = byteMapOf(operand, depth + 1);
      if (!m || (!m->isSplat() &&
                 static_cast<int64_t>(m->source.size()) != type.getNumElements()))
        return std::nullopt;
      maps.push_back(*m);
    }
    return maps;
  };
  auto binary = [&](function_ref<int64_t(int64_t, int64_t, unsigned)> fn)
      -> std::optional<ByteMap> {
    auto maps = operandMaps(op->getOperands().take_front(2));
    if (!maps)
      return std::nullopt;
    unsigned inWidth = (*maps)[0].width;
    return combine(*maps, width, [&](ArrayRef<uint8_t> a) {
      return fn(a[0], a[1], inWidth);
    });
  };
  auto isigned = [](uint8_t a, unsigned w) { return signExtend(a, w); };

  if (auto reshape = dyn_cast<tosa::ReshapeOp>(op))
    return byteMapOf(reshape.getInput1(), depth + 1);
  // The importer's uint8 <-> int8 casts: the same bytes.
  if (auto generic = dyn_cast<linalg::GenericOp>(op);
      generic && generic.getNumDpsInputs() == 1 && generic.getNumResults() == 1) {
    Block &body = generic.getRegion().front();
    auto yield = dyn_cast<linalg::YieldOp>(body.front());
    if (yield && yield->getOperand(0) == body.getArgument(0) &&
        generic.getDpsInputs()[0].getType() == v.getType() &&
        llvm::all_of(generic.getIndexingMapsArray(),
                     [](AffineMap map) { return map.isIdentity(); }))
      return byteMapOf(generic.getDpsInputs()[0], depth + 1);
  }
  if (auto cast = dyn_cast<tosa::CastOp>(op)) {
    auto m = byteMapOf(cast.getInput(), depth + 1);
    if (!m)
      return std::nullopt;
    unsigned from = m->width;
    return combine({*m}, width, [&](ArrayRef<uint8_t> a) -> int64_t {
      if (width == 1)
        return a[0] != 0;
      // TOSA casts integers as signed; bools become 0 or 1.
      return from == 1 ? a[0] : signExtend(a[0], from);
    });
  }
  if (isa<tosa::BitwiseAndOp>(op))
    return binary([](int64_t a, int64_t b, unsigned) { return a & b; });
  if (isa<tosa::BitwiseOrOp>(op))
    return binary([](int64_t a, int64_t b, unsigned) { return a | b; });
  if (isa<tosa::BitwiseXorOp>(op))
    return binary([](int64_t a, int64_t b, unsigned) { return a ^ b; });
  if (isa<tosa::LogicalRightShiftOp>(op))
    return binary([](int64_t a, int64_t b, unsigned) -> int64_t {
      return b >= 8 ? 0 : a >> b;
    });
  if (isa<tosa::LogicalLeftShiftOp>(op))
    return binary([](int64_t a, int64_t b, unsigned) -> int64_t {
      return b >= 8 ? 0 : a << b;
    });
  if (isa<tosa::GreaterOp>(op))
    return binary([&](int64_t a, int64_t b, unsigned w) -> int64_t {
      return isigned(a, w) > isigned(b, w);
    });
  if (isa<tosa::GreaterEqualOp>(op))
    return binary([&](int64_t a, int64_t b, unsigned w) -> int64_t {
      return isigned(a, w) >= isigned(b, w);
    });
  if (isa<tosa::EqualOp>(op))
    return binary([](int64_t a, int64_t b, unsigned) -> int64_t { return a == b; });
  if (auto select = dyn_cast<tosa::SelectOp>(op)) {
    auto maps = operandMaps(select->getOperands());
    if (!maps)
      return std::nullopt;
    return combine(*maps, width, [](ArrayRef<uint8_t> a) -> int64_t {
      return a[0] ? a[1] : a[2];
    });
  }
  // The importer's unsigned comparisons.
  if (auto inputs = genericOf<arith::CmpIOp>(v)) {
    auto maps = operandMaps(*inputs);
    if (!maps)
      return std::nullopt;
    auto cmp = cast<arith::CmpIOp>(
        cast<linalg::GenericOp>(op).getRegion().front().front());
    unsigned inWidth = (*maps)[0].width;
    return combine(*maps, width, [&](ArrayRef<uint8_t> a) -> int64_t {
      return arith::applyCmpPredicate(cmp.getPredicate(), APInt(inWidth, a[0]),
                                      APInt(inWidth, a[1]));
    });
  }
  return std::nullopt;
}

/// The row blocks (first row, value) of a 2-D codes tensor assembled along
/// axis 0: a Concat, or insert_slices of full rows that together cover
/// every row (the tensor they start from is then irrelevant).
std::optional<SmallVector<std::pair<int64_t, Value>>> rowBlocks(Value codes) {
  auto type = cast<RankedTensorType>(codes.getType());
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  SmallVector<std::pair<int64_t, Value>> blocks;
  if (auto concat = codes.getDefiningOp<tosa::ConcatOp>()) {
    if (concat.getAxis() != 0)
      return std::nullopt;
    int64_t row = 0;
    for (Value part : concat.getInput1()) {
      blocks.push_back({row, part});
      row += cast<RankedTensorType>(part.getType()).getDimSize(0);
    }
    return blocks;
  }
  SmallVector<bool> covered(rows, false);
  int64_t coveredRows = 0;
  Value v = codes;
  while (auto insert = v.getDefiningOp<tensor::InsertSliceOp>()) {
    ArrayRef<int64_t> offsets = insert.getStaticOffsets();
    ArrayRef<int64_t> sizes = insert.getStaticSizes();
    if (insert.getSourceType().getRank() != 2 || ShapedType::isDynamic(offsets[0]) ||
        offsets[1] != 0 || sizes[1] != cols ||
        !llvm::all_of(insert.getStaticStrides(), [](int64_t s) { return s == 1; }))
      return std::nullopt;
    // Later insertions win: rows already covered are overwritten data.
    for (int64_t r = offsets[0]; r < offsets[0] + sizes[0]; ++r)
      if (covered[r])
        return std::nullopt;
    for (int64_t r = offsets[0]; r < offsets[0] + sizes[0]; ++r)
      covered[r] = true;
    coveredRows += sizes[0];
    blocks.push_back({offsets[0], insert.getSource()});
    v = insert.getDest();
  }
  if (blocks.empty() || coveredRows != rows)
    return std::nullopt;
  return blocks;
}

/// The weight `code - 1` of constant integer codes in {0, 1, 2}.
std::optional<TernaryWeight> ternaryFromConstant(DenseElementsAttr attr) {
  SmallVector<int8_t> trits;
  for (const APInt &c : attr.getValues<APInt>()) {
    uint64_t code = c.getZExtValue();
    if (code > 2)
      return std::nullopt;
    trits.push_back(static_cast<int8_t>(code) - 1);
  }
  return TernaryWeight::get(trits, cast<RankedTensorType>(attr.getType()));
}

/// The codes of a 2-D tensor assembled from row blocks of byte maps.
std::optional<TernaryWeight> unpackRowBlocks(Value codes, UnpackedWeights &cache) {
  auto type = cast<RankedTensorType>(codes.getType());
  if (type.getRank() != 2 || !type.hasStaticShape() ||
      !type.getElementType().isInteger(8))
    return std::nullopt;
  auto blocks = rowBlocks(codes);
  if (!blocks)
    return std::nullopt;
  int64_t cols = type.getDimSize(1);
  std::vector<std::pair<int64_t, ByteMap>> maps;
  for (auto [row, value] : *blocks) {
    std::optional<ByteMap> m = byteMapOf(value);
    int64_t blockRows = cast<RankedTensorType>(value.getType()).getDimSize(0);
    if (!m || m->isSplat() ||
        static_cast<int64_t>(m->source.size()) != blockRows * cols)
      return std::nullopt;
    maps.push_back({row, *m});
  }
  // Keyed by the first block's bytes: every function's copy of the layer
  // unpacks from the same packed weight.
  std::pair<const void *, Type> key{maps.front().second.source.data(), type};
  if (auto known = cache.find(key); known != cache.end())
    return known->second;
  // One byte a weight for this weight only: it is repacked at once.
  std::vector<int8_t> trits(type.getNumElements());
  for (const auto &[row, m] : maps) {
    int8_t *out = trits.data() + row * cols;
    for (int8_t byte : m.source) {
      uint8_t code = m.table[static_cast<uint8_t>(byte)];
      if (code > 2)
        return std::nullopt;
      *out++ = static_cast<int8_t>(static_cast<int>(code) - 1);
    }
  }
  TernaryWeight weight = TernaryWeight::get(trits, type);
  cache[key] = weight;
  return weight;
}

} // namespace

TernaryWeight TernaryWeight::get(ArrayRef<int8_t> trits, RankedTensorType type) {
  int64_t m = type.getDimSize(0), k = type.getDimSize(1);
  if (type.getNumElements() <= kMaxUnpackedWeightElements)
    return {DenseElementsAttr::get(type, trits), type};
  int64_t rowBytes = getPackedRowBytes(PackedFormat::i2s, k);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocate(m * rowBytes, /*align=*/64);
  ref::pack(ref::PackedFormat::I2S, trits.data(), m, k,
            reinterpret_cast<uint8_t *>(blob.getMutableData().data()));
  auto packedType = RankedTensorType::get({m, rowBytes}, type.getElementType());
  return {DenseResourceElementsAttr::get(packedType, "packed_ternary", std::move(blob)),
          type};
}

Value TernaryWeight::materialize(OpBuilder &builder, Location loc) const {
  Value constant = arith::ConstantOp::create(builder, loc, attr);
  if (!isPacked())
    return constant;
  return UnpackOp::create(builder, loc, type, constant, PackedFormat::i2s);
}

std::optional<TernaryWeight> mlir::bitnet::matchTernaryCodes(Value v,
                                                           UnpackedWeights &cache) {
  auto sub = v.getDefiningOp<tosa::SubOp>();
  auto one = sub ? splatDouble(sub.getInput2()) : std::nullopt;
  if (!one || *one != 1.0)
    return std::nullopt;
  Value codes = sub.getInput1();
  if (auto cast = codes.getDefiningOp<tosa::CastOp>())
    codes = cast.getInput();
  else if (auto operands = genericOf<arith::UIToFPOp>(codes))
    codes = (*operands)[0];
  else if (auto operands = genericOf<arith::SIToFPOp>(codes))
    codes = (*operands)[0];
  else
    return std::nullopt;
  DenseElementsAttr attr;
  if (matchPattern(codes, m_Constant(&attr)))
    return attr.getElementType().isInteger(8) ? ternaryFromConstant(attr)
                                               : std::nullopt;
  return unpackRowBlocks(codes, cache);
}
