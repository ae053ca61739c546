//===- bitnet-compile.cpp - ONNX model to native code -----------------===//

#include "bitnet/Tools/BitNetCompileMain.h"

int main(int argc, char **argv) {
  return mlir::bitnet::bitnetCompileMain(argc, argv);
}
