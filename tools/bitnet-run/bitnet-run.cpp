//===- bitnet-run.cpp - run a compiled BitNet model --------------------===//

#include "bitnet/Tools/BitNetRunMain.h"

int main(int argc, char **argv) { return bitnet::bitnetRunMain(argc, argv); }
