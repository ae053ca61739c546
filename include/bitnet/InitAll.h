//===- InitAll.h - Register everything BitNet-MLIR tools use ----*- C++ -*-===//

#ifndef BITNET_INITALL_H
#define BITNET_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::bitnet {

/// The bitnet dialect plus every upstream dialect, interface implementation
/// (bufferization, conversion to LLVM) and LLVM IR translation our pipelines
/// use.
void registerAllDialects(DialectRegistry &registry);

/// BitNet passes, conversions and named pipelines, plus the upstream passes.
void registerAllPasses();

} // namespace mlir::bitnet

#endif // BITNET_INITALL_H
