//===- JitTestMain.cpp - main() of the execution tests ----------------===//

#include "llvm/Support/TargetSelect.h"

#include <gtest/gtest.h>

int main(int argc, char **argv) {
  // The ExecutionEngine compiles for the host.
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
