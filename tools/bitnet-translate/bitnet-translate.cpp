//===- bitnet-translate.cpp - Translations into and out of MLIR -------===//

#include "bitnet/Tools/BitNetTranslateMain.h"

int main(int argc, char **argv) {
  return mlir::bitnet::bitnetTranslateMain(argc, argv);
}
