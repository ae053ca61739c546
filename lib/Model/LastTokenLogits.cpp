//===- LastTokenLogits.cpp - a prefill's logits for one token only -------===//
//
// Generation reads the logits of the last prompt token; computing them for
// every token of a prefill chunk costs a [S, hidden] x [hidden, vocab]
// product where a [1, hidden] row would do. See the pass description.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Model/Passes.h"
#include "bitnet/ABI/ModelABI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::bitnet {
#define GEN_PASS_DEF_LASTTOKENLOGITSPASS
#include "bitnet/Model/Passes.h.inc"
} // namespace mlir::bitnet

using namespace mlir;
namespace abi = ::bitnet::abi;
using namespace mlir::bitnet;

namespace {

struct LastTokenLogitsPass
    : mlir::bitnet::impl::LastTokenLogitsPassBase<LastTokenLogitsPass> {
  using LastTokenLogitsPassBase::LastTokenLogitsPassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal() || !hasState(func))
      return;
    auto outputNames = func->getAttrOfType<ArrayAttr>("bitnet.output_names");
    auto inputNames = func->getAttrOfType<ArrayAttr>("bitnet.input_names");
    if (!outputNames || !inputNames)
      return;
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    std::optional<unsigned> index;
    for (auto [i, name] : llvm::enumerate(outputNames))
      if (auto text = dyn_cast<StringAttr>(name); text && text.getValue() == abi::kLogits)
        index = i;
    if (!index || *index >= ret.getNumOperands())
      return;
    // logits = tosa.matmul(hidden [1, S, H], table [1, H, V]), S > 1.
    auto matmul = ret.getOperand(*index).getDefiningOp<tosa::MatMulOp>();
    if (!matmul || !matmul->hasOneUse())
      return;
    auto hiddenType = cast<RankedTensorType>(matmul.getA().getType());
    if (!hiddenType.hasStaticShape() || hiddenType.getDimSize(0) != 1 ||
        hiddenType.getDimSize(1) <= 1)
      return;

    MLIRContext *ctx = &getContext();
    Location loc = matmul.getLoc();
    Block &body = func.getBody().front();
    auto indexType = RankedTensorType::get({1}, IntegerType::get(ctx, 64));
    if (failed(func.insertArgument(func.getNumArguments(), indexType, {}, func.getLoc())))
      return signalPassFailure();
    SmallVector<Attribute> names(inputNames.begin(), inputNames.end());
    names.push_back(StringAttr::get(ctx, abi::kLogitsIndex));
    func->setAttr("bitnet.input_names", ArrayAttr::get(ctx, names));

    OpBuilder b(matmul);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value row = arith::IndexCastOp::create(
        b, loc, b.getIndexType(),
        tensor::ExtractOp::create(b, loc, body.getArguments().back(), ValueRange{zero}));
    int64_t hidden = hiddenType.getDimSize(2);
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), row, b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                                       b.getIndexAttr(hidden)};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    Value lastRow = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({1, 1, hidden}, hiddenType.getElementType()),
        matmul.getA(), offsets, sizes, strides);
    auto logitsType = cast<RankedTensorType>(matmul.getType());
    auto oneRow = RankedTensorType::get({1, 1, logitsType.getDimSize(2)},
                                        logitsType.getElementType());
    auto sliced = tosa::MatMulOp::create(b, loc, oneRow, lastRow, matmul.getB(),
                                         matmul.getAZp(), matmul.getBZp());
    matmul.getResult().replaceAllUsesWith(sliced.getResult());
    matmul.erase();
    func.setType(FunctionType::get(ctx, body.getArgumentTypes(),
                                   ret.getOperandTypes()));
  }

private:
  static bool hasState(func::FuncOp func) {
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      if (func.getArgAttr(i, kStateArgAttr))
        return true;
    return false;
  }
};

} // namespace
