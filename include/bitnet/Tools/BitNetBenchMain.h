//===- BitNetBenchMain.h - Entry point of bitnet-bench -----------*- C++ -*-===//

#ifndef BITNET_TOOLS_BITNETBENCHMAIN_H
#define BITNET_TOOLS_BITNETBENCHMAIN_H

namespace mlir::bitnet {

/// Times the generated ternary_matmul kernels at the DESIGN shapes; see
/// docs/performance.md.
int bitnetBenchMain(int argc, char **argv);

} // namespace mlir::bitnet

#endif // BITNET_TOOLS_BITNETBENCHMAIN_H
