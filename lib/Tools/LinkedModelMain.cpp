//===- LinkedModelMain.cpp - main of executables from bitnet-compile ---===//
//
// `bitnet-compile --emit=exe` links the model's object with this main, the
// runtime and bitnet-run's driver (the `bitnet_exe` archive): the program
// behaves as `bitnet-run` with the model built in.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Tools/BitNetRunMain.h"

int main(int argc, char **argv) {
  return bitnet::bitnetRunMain(argc, argv, /*linkedModel=*/true);
}
