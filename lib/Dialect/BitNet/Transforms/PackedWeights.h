//===- PackedWeights.h - ternary codes unpacked in an imported graph -*- C++ -*-===//
//
// Hugging Face's BitLinear stores four ternary codes a byte and unpacks
// them in the graph. Exporters write the unpacking in several ways (Concat
// of masked shifts; slice assignments as ScatterND with a Where that
// emulates signed shifts; parts the exporter already folded), and the
// importer folds it only for small weights. bitnet-raise-bitlinear reads the
// codes through whatever integer ops the graph uses, from the packed bytes,
// without building any intermediate tensor.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_LIB_DIALECT_BITNET_TRANSFORMS_PACKEDWEIGHTS_H
#define BITNET_LIB_DIALECT_BITNET_TRANSFORMS_PACKEDWEIGHTS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>

namespace mlir::bitnet {

/// Ternary weights already unpacked, by the packed bytes they came from:
/// the functions of one model (a generative model's prefill and decode)
/// share one copy.
using UnpackedWeights = llvm::DenseMap<std::pair<const void *, Type>, ElementsAttr>;

/// The i8 ternary weight W = C - 1 when `v` is float(C) - 1 for integer
/// codes C in {0, 1, 2} (Hugging Face's W = unpacked codes - 1): C a
/// constant, or computed from constant bytes by integer ops (masks, shifts,
/// comparisons, selects, casts) assembled by Concat or by slice insertions
/// along axis 0. Large results are resource blobs that
/// bitnet-pack-ternary releases once packed.
std::optional<ElementsAttr> matchTernaryCodes(Value v, UnpackedWeights &cache);

} // namespace mlir::bitnet

#endif // BITNET_LIB_DIALECT_BITNET_TRANSFORMS_PACKEDWEIGHTS_H
