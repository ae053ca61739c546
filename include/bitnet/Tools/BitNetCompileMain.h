//===- BitNetCompileMain.h - Entry point of bitnet-compile -------*- C++ -*-===//

#ifndef BITNET_TOOLS_BITNETCOMPILEMAIN_H
#define BITNET_TOOLS_BITNETCOMPILEMAIN_H

namespace mlir::bitnet {

/// `bitnet-compile model.onnx --target=x86_64|aarch64 [--mcpu=CPU]
/// [--input-shape NAME=1x128]... --emit=mlir|llvm|asm|obj|lib
/// [--stop-after=STAGE] [--timings] -o OUT`: an ONNX model through the CPU
/// pipeline's stages to MLIR, LLVM IR, assembly, an object or a shared
/// library (docs/driver.md). Returns the process exit code.
int bitnetCompileMain(int argc, char **argv);

} // namespace mlir::bitnet

#endif // BITNET_TOOLS_BITNETCOMPILEMAIN_H
