//===- bitnet-bench.cpp - Benchmarks of the generated kernels ---------===//

#include "bitnet/Tools/BitNetBenchMain.h"

int main(int argc, char **argv) { return mlir::bitnet::bitnetBenchMain(argc, argv); }
