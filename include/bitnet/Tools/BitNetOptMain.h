//===- BitNetOptMain.h - Entry point of bitnet-opt ---------------*- C++ -*-===//

#ifndef BITNET_TOOLS_BITNETOPTMAIN_H
#define BITNET_TOOLS_BITNETOPTMAIN_H

namespace mlir::bitnet {

/// `mlir-opt` with the bitnet dialect, passes and pipelines registered.
int bitnetOptMain(int argc, char **argv);

} // namespace mlir::bitnet

#endif // BITNET_TOOLS_BITNETOPTMAIN_H
