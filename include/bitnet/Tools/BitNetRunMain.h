//===- BitNetRunMain.h - bitnet-run entry point ----------------*- C++ -*-===//

#ifndef BITNET_TOOLS_BITNETRUNMAIN_H
#define BITNET_TOOLS_BITNETRUNMAIN_H

namespace bitnet {
/// Runs a compiled model on .npy inputs and writes .npy outputs.
int bitnetRunMain(int argc, char **argv);
} // namespace bitnet

#endif // BITNET_TOOLS_BITNETRUNMAIN_H
