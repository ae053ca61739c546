//===- Pipelines.h - Named BitNet pass pipelines -----------------*- C++ -*-===//

#ifndef BITNET_PIPELINES_PIPELINES_H
#define BITNET_PIPELINES_PIPELINES_H

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mlir::bitnet {

/// `bitnet-to-llvm`: takes a module with bitnet ops (including
/// `bitnet.bitlinear`) and imported TOSA ops down to the LLVM dialect
/// through the portable linalg lowering: tosa-to-linalg, decompose,
/// convert-bitnet-to-linalg, one-shot bufferization, loops, and the standard
/// conversions to LLVM. Functions that carry
/// `llvm.emit_c_interface` get a C-callable `_mlir_ciface_<name>` wrapper.
void buildBitNetToLLVMPipeline(OpPassManager &pm);

/// Registers every named pipeline with the global pass registry.
void registerBitNetPipelines();

} // namespace mlir::bitnet

#endif // BITNET_PIPELINES_PIPELINES_H
