//===- BitNetDialect.cpp - BitNet dialect registration ----------------===//

#include "bitnet/Dialect/BitNet/IR/BitNet.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

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
  }
  llvm_unreachable("unknown packed format");
}

int64_t mlir::bitnet::getPackedRowBytes(PackedFormat format, int64_t k) {
  return ref::packedRowBytes(toReferenceFormat(format), k);
}

bool mlir::bitnet::isSupportedActivationBits(int64_t bits) {
  return bits == 8 || bits == 4;
}
