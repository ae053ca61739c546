//===- PackedWeights.h - ternary codes unpacked in an imported graph -*- C++ -*-===//
//
// Hugging Face's BitLinear stores four ternary codes a byte and unpacks
// them in the graph. Exporters write the unpacking in several ways (Concat
// of masked shifts; slice assignments as ScatterND with a Where that
// emulates signed shifts; parts the exporter already folded), and the
// importer folds it only for small weights. bitnet-raise-bitlinear reads the
// codes through whatever integer ops the graph uses, from the packed bytes,
// without building the graph's intermediate tensors, and keeps large
// weights packed (TernaryWeight).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_LIB_DIALECT_BITNET_TRANSFORMS_PACKEDWEIGHTS_H
#define BITNET_LIB_DIALECT_BITNET_TRANSFORMS_PACKEDWEIGHTS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>

namespace mlir::bitnet {

/// A ternary [M, K] weight as the raise keeps it until bitnet-pack-ternary:
/// up to 1 KiB as i8 values; larger in the i2s layout (a `packed_ternary`
/// resource blob) read through bitnet.unpack, so that a compile never holds
/// a byte a weight for the whole model (4x the packed bytes).
struct TernaryWeight {
  /// i8 [M, K] values, or i2s bytes [M, B].
  ElementsAttr attr;
  /// The weight's type, i8 [M, K].
  RankedTensorType type;

  /// Whether `attr` holds i2s bytes rather than the weight's values.
  bool isPacked() const { return attr.getType() != type; }
  /// The weight of `trits` (row-major, values in {-1, 0, 1}).
  static TernaryWeight get(ArrayRef<int8_t> trits, RankedTensorType type);
  /// The weight as a value: a constant, or the unpack of constant bytes.
  Value materialize(OpBuilder &builder, Location loc) const;
};

/// Ternary weights already read, by the packed bytes they came from: the
/// functions of one model (a generative model's prefill and decode) share
/// one copy.
using UnpackedWeights = llvm::DenseMap<std::pair<const void *, Type>, TernaryWeight>;

/// The ternary weight W = C - 1 when `v` is float(C) - 1 for integer
/// codes C in {0, 1, 2} (Hugging Face's W = unpacked codes - 1): C a
/// constant, or computed from constant bytes by integer ops (masks, shifts,
/// comparisons, selects, casts) assembled by Concat or by slice insertions
/// along axis 0.
std::optional<TernaryWeight> matchTernaryCodes(Value v, UnpackedWeights &cache);

} // namespace mlir::bitnet

#endif // BITNET_LIB_DIALECT_BITNET_TRANSFORMS_PACKEDWEIGHTS_H
