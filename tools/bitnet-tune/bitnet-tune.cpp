//===- bitnet-tune.cpp - Per-CPU kernel configurations ----------------===//

#include "bitnet/Tools/BitNetTuneMain.h"

int main(int argc, char **argv) { return mlir::bitnet::bitnetTuneMain(argc, argv); }
