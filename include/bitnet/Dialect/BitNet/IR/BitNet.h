//===- BitNet.h - BitNet dialect ---------------------------------*- C++ -*-===//
//
// Declarations of the bitnet dialect, its attributes and its operations. The
// definitions are generated from dialects/BitNet/*.td.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_DIALECT_BITNET_IR_BITNET_H
#define BITNET_DIALECT_BITNET_IR_BITNET_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "bitnet/Dialect/BitNet/IR/KernelConfigLimits.h"
#include "bitnet/Reference/Reference.h"

namespace mlir {
class AsmParser;
} // namespace mlir

namespace mlir::bitnet {
/// Parses `true` or `false` (a parameter of #bitnet.ternary_kernel).
FailureOr<bool> parseBoolParameter(AsmParser &parser);
} // namespace mlir::bitnet

#include "bitnet/Dialect/BitNet/BitNetDialect.h.inc"
#include "bitnet/Dialect/BitNet/BitNetEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "bitnet/Dialect/BitNet/BitNetAttrs.h.inc"

#define GET_OP_CLASSES
#include "bitnet/Dialect/BitNet/BitNetOps.h.inc"

namespace mlir::bitnet {

/// The reference library's name for a packed format.
ref::PackedFormat toReferenceFormat(PackedFormat format);

/// Bytes per packed row of `k` ternary weights in `format`
/// (see docs/formats.md).
int64_t getPackedRowBytes(PackedFormat format, int64_t k);

/// Rows packed together in `format`: 16 for tl2r's tiles, else 1.
int64_t getPackedTileRows(PackedFormat format);

/// The largest ternary weight (in elements) that passes keep as one byte a
/// weight before packing; larger ones stay packed (bitnet.unpack of packed
/// bytes), so that a compile's memory follows the packed weight bytes.
constexpr int64_t kMaxUnpackedWeightElements = 1024;

/// Activation bit widths with a defined quantization scheme (8: absmax
/// int8, 4: absmean int4).
bool isSupportedActivationBits(int64_t bits);

} // namespace mlir::bitnet

#endif // BITNET_DIALECT_BITNET_IR_BITNET_H
