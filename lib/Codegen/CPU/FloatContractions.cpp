//===- FloatContractions.cpp - The float products CPU kernels cover ---===//

#include "FloatContractions.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

using namespace mlir;
using namespace mlir::bitnet;

namespace {

bool hasDim(AffineMap map, unsigned dim) {
  return map.getResultPosition(getAffineDimExpr(dim, map.getContext())).has_value();
}

std::optional<unsigned> innermostDim(AffineMap map) {
  if (map.getNumResults() == 0)
    return std::nullopt;
  if (auto d = dyn_cast<AffineDimExpr>(map.getResults().back()))
    return d.getPosition();
  return std::nullopt;
}

/// C += A * B on f32 values, where an input may be stored narrower (f16,
/// bf16) and widened where it is read (a float16 lm_head table): the body
/// is `arith.extf` of such inputs, one `mulf`, one `addf` into C.
bool isMultiplyAddBody(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  unsigned multiplies = 0, adds = 0;
  for (Operation &bodyOp : body->without_terminator()) {
    if (auto extend = dyn_cast<arith::ExtFOp>(bodyOp)) {
      auto arg = dyn_cast<BlockArgument>(extend.getIn());
      if (!arg || arg.getOwner() != body ||
          arg.getArgNumber() >= op.getNumDpsInputs())
        return false;
    } else if (isa<arith::MulFOp>(bodyOp)) {
      ++multiplies;
    } else if (isa<arith::AddFOp>(bodyOp)) {
      ++adds;
    } else {
      return false;
    }
  }
  return multiplies == 1 && adds == 1;
}

} // namespace

std::optional<FloatContraction>
mlir::bitnet::classifyFloatContraction(linalg::LinalgOp op) {
  if (!linalg::isaContractionOpInterface(op) || !op.hasPureTensorSemantics() ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op->getNumResults() != 1 || !isMultiplyAddBody(op))
    return std::nullopt;
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape())
      return std::nullopt;
    Type element = type.getElementType();
    bool narrowInput = (element.isF16() || element.isBF16()) &&
                       v != op.getDpsInits()[0];
    if (!element.isF32() && !narrowInput)
      return std::nullopt;
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  FloatContraction f;
  std::optional<unsigned> k;
  SmallVector<unsigned> side[2];
  for (unsigned d = 0; d < ranges.size(); ++d) {
    if (ranges[d] == 1)
      continue;
    bool in0 = hasDim(maps[0], d), in1 = hasDim(maps[1], d), inC = hasDim(maps[2], d);
    if (iterators[d] == utils::IteratorType::reduction) {
      if (!in0 || !in1 || inC || k)
        return std::nullopt;
      k = d;
    } else if (in0 && in1 && inC) {
      f.batch.push_back(d);
    } else if (inC && in0 != in1) {
      side[in0 ? 0 : 1].push_back(d);
    } else {
      return std::nullopt;
    }
  }
  std::optional<unsigned> n = innermostDim(maps[2]);
  if (!k || !n || ranges[*n] == 1)
    return std::nullopt;
  f.k = *k;
  f.n = *n;
  f.b = llvm::is_contained(side[0], *n) ? 0 : 1;
  f.a = 1 - f.b;
  if (side[f.b].size() != 1 || side[f.a].size() > 1)
    return std::nullopt;
  if (!side[f.a].empty())
    f.m = side[f.a].front();
  std::optional<unsigned> bInner = innermostDim(maps[f.b]);
  if (bInner == f.n)
    f.transposedB = false;
  else if (bInner == f.k && innermostDim(maps[f.a]) == f.k)
    f.transposedB = true;
  else
    return std::nullopt;
  return f;
}
