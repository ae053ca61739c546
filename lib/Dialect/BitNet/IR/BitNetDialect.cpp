//===- BitNetDialect.cpp - BitNet dialect registration ----------------===//

#include "bitnet/Dialect/BitNet/IR/BitNet.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::bitnet;

#include "bitnet/Dialect/BitNet/BitNetDialect.cpp.inc"
#include "bitnet/Dialect/BitNet/BitNetEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "bitnet/Dialect/BitNet/BitNetAttrs.cpp.inc"

void BitNetDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "bitnet/Dialect/BitNet/BitNetAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "bitnet/Dialect/BitNet/BitNetOps.cpp.inc"
      >();
}

Operation *BitNetDialect::materializeConstant(OpBuilder &builder,
                                              Attribute value, Type type,
                                              Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}

ref::PackedFormat mlir::bitnet::toReferenceFormat(PackedFormat format) {
  switch (format) {
  case PackedFormat::i2s:
    return ref::PackedFormat::I2S;
  case PackedFormat::tl1:
    return ref::PackedFormat::TL1;
  case PackedFormat::tl2:
    return ref::PackedFormat::TL2;
  case PackedFormat::t5:
    return ref::PackedFormat::T5;
  case PackedFormat::tl2r:
    return ref::PackedFormat::TL2R;
  }
  llvm_unreachable("unknown packed format");
}

int64_t mlir::bitnet::getPackedTileRows(PackedFormat format) {
  return ref::packedTileRows(toReferenceFormat(format));
}

int64_t mlir::bitnet::getPackedRowBytes(PackedFormat format, int64_t k) {
  return ref::packedRowBytes(toReferenceFormat(format), k);
}

bool mlir::bitnet::isSupportedActivationBits(int64_t bits) {
  return bits == 8 || bits == 4;
}

FailureOr<bool> mlir::bitnet::parseBoolParameter(AsmParser &parser) {
  StringRef keyword;
  if (parser.parseKeyword(&keyword) || (keyword != "true" && keyword != "false"))
    return parser.emitError(parser.getCurrentLocation(), "expected true or false");
  return keyword == "true";
}

//===----------------------------------------------------------------------===//
// Attribute verifiers
//===----------------------------------------------------------------------===//

LogicalResult TernaryKernelConfigAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, int64_t vectorBytes,
    int64_t rowsPerBlock, int64_t tokenTile, int64_t rowTile,
    int64_t singleTokenRowTile, int64_t prefetchDistance, int64_t cacheLineBytes,
    int64_t decodeAccumulators, bool i16Accumulation) {
  if (vectorBytes != 16 && vectorBytes != 32 && vectorBytes != 64)
    return emitError() << "vector_bytes must be 16, 32 or 64, not " << vectorBytes;
  if (rowsPerBlock < 1 || tokenTile < 1 || rowTile < 1 || singleTokenRowTile < 1)
    return emitError() << "rows_per_block, token_tile, row_tile and "
                          "single_token_row_tile must be at least 1";
  if (tokenTile > kMaxRegisterTile || rowTile > kMaxRegisterTile ||
      singleTokenRowTile > kMaxRegisterTile)
    return emitError() << "token_tile, row_tile and single_token_row_tile must "
                          "be at most "
                       << kMaxRegisterTile;
  if (prefetchDistance < 0 || prefetchDistance > kMaxConfigBytes)
    return emitError() << "prefetch_distance must be from 0 (none) to "
                       << kMaxConfigBytes;
  if (cacheLineBytes < 1 || !llvm::isPowerOf2_64(cacheLineBytes))
    return emitError() << "cache_line_bytes must be a power of two";
  if (decodeAccumulators != 1 && decodeAccumulators != 2 && decodeAccumulators != 4)
    return emitError() << "decode_accumulators must be 1, 2 or 4, not "
                       << decodeAccumulators;
  return success();
}

LogicalResult FloatKernelConfigAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, int64_t lanes, int64_t rows,
    int64_t cols, int64_t l1Bytes, int64_t l2Bytes, bool fma) {
  if (lanes != 4 && lanes != 8 && lanes != 16)
    return emitError() << "lanes must be 4, 8 or 16, not " << lanes;
  if (rows < 1 || cols < 1 || rows > kMaxRegisterTile || cols > kMaxRegisterTile)
    return emitError() << "rows and cols must be from 1 to " << kMaxRegisterTile;
  if (l1Bytes < 1 || l2Bytes < 1 || l1Bytes > kMaxConfigBytes ||
      l2Bytes > kMaxConfigBytes)
    return emitError() << "l1_bytes and l2_bytes must be from 1 to "
                       << kMaxConfigBytes;
  return success();
}
