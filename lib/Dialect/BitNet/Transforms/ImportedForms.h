//===- ImportedForms.h - matchers for the ONNX importer's IR forms -*- C++ -*-===//
//
// Small matchers shared by the passes that recognise patterns in imported
// graphs (bitnet-raise-bitlinear, bitnet-quantize-activations): the
// importer emits TOSA ops, rank-adjusting tosa.reshape, and one-op
// linalg.generic bodies for float ops TOSA lacks (division, sqrt).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_LIB_DIALECT_BITNET_TRANSFORMS_IMPORTEDFORMS_H
#define BITNET_LIB_DIALECT_BITNET_TRANSFORMS_IMPORTEDFORMS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"

#include <optional>

namespace mlir::bitnet::imported {

/// Looks through tosa.reshape (rank padding and flattening).
inline Value skipReshapes(Value v) {
  while (auto reshape = v.getDefiningOp<tosa::ReshapeOp>())
    v = reshape.getInput1();
  return v;
}

/// The value of a splat float constant, through reshapes.
inline std::optional<APFloat> splatFloat(Value v) {
  DenseElementsAttr attr;
  if (!matchPattern(skipReshapes(v), m_Constant(&attr)) || !attr.isSplat() ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return attr.getSplatValue<APFloat>();
}

/// splatFloat as a double.
inline std::optional<double> splatDouble(Value v) {
  if (std::optional<APFloat> value = splatFloat(v))
    return value->convertToDouble();
  return std::nullopt;
}

/// Inputs of a linalg.generic whose body is exactly `OpTy(inputs...)`.
template <typename OpTy> std::optional<SmallVector<Value>> genericOf(Value v) {
  auto generic = v.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumResults() != 1)
    return std::nullopt;
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 2)
    return std::nullopt;
  auto op = dyn_cast<OpTy>(body.front());
  if (!op || op->getNumOperands() != generic.getNumDpsInputs())
    return std::nullopt;
  for (auto [i, operand] : llvm::enumerate(op->getOperands()))
    if (operand != body.getArgument(i))
      return std::nullopt;
  return SmallVector<Value>(generic.getDpsInputs());
}

} // namespace mlir::bitnet::imported

#endif // BITNET_LIB_DIALECT_BITNET_TRANSFORMS_IMPORTEDFORMS_H
