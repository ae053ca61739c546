//===- bitnet-opt.cpp - BitNet-MLIR optimizer driver ------------------===//

#include "bitnet/Tools/BitNetOptMain.h"

int main(int argc, char **argv) { return mlir::bitnet::bitnetOptMain(argc, argv); }
