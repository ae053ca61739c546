//===- BitNetOptMain.cpp - Entry point of bitnet-opt ------------------===//

#include "bitnet/Tools/BitNetOptMain.h"

#include "bitnet/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int mlir::bitnet::bitnetOptMain(int argc, char **argv) {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllPasses();
  return asMainReturnCode(MlirOptMain(
      argc, argv, "BitNet-MLIR modular optimizer driver\n", registry));
}
