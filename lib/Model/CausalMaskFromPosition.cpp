//===- CausalMaskFromPosition.cpp - causal masks from the cache position ----===//
//
// A decoder exported without attention_mask derives its causal mask from
// the cache's length in the shapes; with fixed-capacity caches that length
// is the capacity's, not the context's. See the pass description.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Model/Passes.h"
#include "bitnet/ABI/ModelABI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"

#include <limits>

namespace mlir::bitnet {
#define GEN_PASS_DEF_CAUSALMASKFROMPOSITIONPASS
#include "bitnet/Model/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
namespace abi = ::bitnet::abi;
using namespace mlir::bitnet;

namespace {

std::optional<unsigned> argumentNamed(func::FuncOp func, StringRef name) {
  auto names = func->getAttrOfType<ArrayAttr>("bitnet.input_names");
  if (!names)
    return std::nullopt;
  for (auto [i, attr] : llvm::enumerate(names))
    if (auto text = dyn_cast<StringAttr>(attr); text && text.getValue() == name)
      return i;
  return std::nullopt;
}

/// Whether `v` (through reshapes) is added to scores that a softmax then
/// normalises: a tosa.add whose result feeds a reduce_max over the last axis.
bool isAddedBeforeSoftmax(Operation *user) {
  while (auto reshape = dyn_cast<tosa::ReshapeOp>(user)) {
    if (!reshape->hasOneUse())
      return false;
    user = *reshape->user_begin();
  }
  auto add = dyn_cast<tosa::AddOp>(user);
  if (!add)
    return false;
  int64_t rank = add.getType().getRank();
  return llvm::any_of(add->getUsers(), [&](Operation *op) {
    auto max = dyn_cast<tosa::ReduceMaxOp>(op);
    return max && max.getAxis() == rank - 1;
  });
}

/// The masked value m when `values` ([..., S, C], leading dimensions 1) is
/// the causal mask for a past of C - S: 0 at key j <= C - S + i, m
/// elsewhere. With nothing masked (S = 1), the lowest float.
std::optional<float> causalMaskValue(ElementsAttr attr, int64_t s, int64_t c) {
  auto type = cast<ShapedType>(attr.getType());
  if (!type.getElementType().isF32() || type.getRank() < 2 ||
      type.getShape().take_back(2) != ArrayRef<int64_t>{s, c} ||
      type.getNumElements() != s * c)
    return std::nullopt;
  SmallVector<float> copy;
  ArrayRef<float> values;
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef();
    if (!data)
      return std::nullopt;
    values = *data;
  } else if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    copy.assign(dense.getValues<float>().begin(), dense.getValues<float>().end());
    values = copy;
  } else {
    return std::nullopt;
  }
  std::optional<float> masked;
  for (int64_t i = 0; i < s; ++i)
    for (int64_t j = 0; j < c; ++j) {
      float v = values[i * c + j];
      if (j <= c - s + i) {
        if (v != 0)
          return std::nullopt;
      } else if (v > -1e30f || (masked && v != *masked)) {
        return std::nullopt;
      } else {
        masked = v;
      }
    }
  return masked.value_or(std::numeric_limits<float>::lowest());
}

struct CausalMaskFromPositionPass
    : mlir::bitnet::impl::CausalMaskFromPositionPassBase<CausalMaskFromPositionPass> {
  using CausalMaskFromPositionPassBase::CausalMaskFromPositionPassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    std::optional<unsigned> positionArg = argumentNamed(func, abi::kCachePosition);
    std::optional<unsigned> idsArg = argumentNamed(func, abi::kInputIds);
    if (func.isExternal() || !positionArg || !idsArg)
      return;
    auto idsType = dyn_cast<RankedTensorType>(func.getArgument(*idsArg).getType());
    int64_t capacity = -1;
    for (BlockArgument arg : func.getArguments())
      if (func.getArgAttr(arg.getArgNumber(), kStateArgAttr))
        if (auto type = dyn_cast<RankedTensorType>(arg.getType());
            type && type.getRank() == 4)
          capacity = type.getDimSize(2);
    if (!idsType || idsType.getRank() != 2 || capacity < 1)
      return;
    int64_t newTokens = idsType.getDimSize(1);

    SmallVector<std::pair<arith::ConstantOp, float>> masks;
    func.walk([&](arith::ConstantOp constant) {
      auto attr = dyn_cast<ElementsAttr>(constant.getValue());
      if (!attr || constant->use_empty() ||
          !llvm::all_of(constant->getUsers(), isAddedBeforeSoftmax))
        return;
      if (std::optional<float> m = causalMaskValue(attr, newTokens, capacity))
        masks.push_back({constant, *m});
    });
    if (masks.empty())
      return;

    Block &body = func.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&body);
    Location loc = func.getLoc();
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value position = arith::IndexCastOp::create(
        b, loc, b.getIndexType(),
        tensor::ExtractOp::create(b, loc, func.getArgument(*positionArg),
                                  ValueRange{zero}));
    for (auto [constant, maskedValue] : masks) {
      auto type = cast<RankedTensorType>(constant.getType());
      int64_t rank = type.getRank();
      Value init = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
      AffineMap id = b.getMultiDimIdentityMap(rank);
      SmallVector<utils::IteratorType> parallel(rank, utils::IteratorType::parallel);
      float m = maskedValue;
      // Key j is visible to new token i when j <= cache_position + i.
      Value mask =
          linalg::GenericOp::create(
              b, loc, type, ValueRange{}, ValueRange{init}, ArrayRef<AffineMap>{id},
              parallel,
              [&](OpBuilder &nb, Location l, ValueRange) {
                Value i = linalg::IndexOp::create(nb, l, rank - 2);
                Value j = linalg::IndexOp::create(nb, l, rank - 1);
                Value last = arith::AddIOp::create(nb, l, position, i);
                Value visible = arith::CmpIOp::create(
                    nb, l, arith::CmpIPredicate::ule, j, last);
                Value result = arith::SelectOp::create(
                    nb, l, visible,
                    arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(0.0f)),
                    arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(m)));
                linalg::YieldOp::create(nb, l, result);
              })
              .getResult(0);
      constant.getResult().replaceAllUsesWith(mask);
      constant.erase();
    }
  }
};

} // namespace
