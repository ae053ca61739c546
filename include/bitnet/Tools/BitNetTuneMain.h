//===- BitNetTuneMain.h - Entry point of bitnet-tune -------------*- C++ -*-===//

#ifndef BITNET_TOOLS_BITNETTUNEMAIN_H
#define BITNET_TOOLS_BITNETTUNEMAIN_H

namespace mlir::bitnet {

int bitnetTuneMain(int argc, char **argv);

} // namespace mlir::bitnet

#endif // BITNET_TOOLS_BITNETTUNEMAIN_H
