//===- BitNetRunMain.h - bitnet-run entry point ----------------*- C++ -*-===//

#ifndef BITNET_TOOLS_BITNETRUNMAIN_H
#define BITNET_TOOLS_BITNETRUNMAIN_H

namespace bitnet {
/// Runs a compiled model on .npy inputs and writes .npy outputs. With
/// `linkedModel`, the model is the one linked into the running executable
/// (bitnet-compile --emit=exe) and the command line names no library.
int bitnetRunMain(int argc, char **argv, bool linkedModel = false);
} // namespace bitnet

#endif // BITNET_TOOLS_BITNETRUNMAIN_H
