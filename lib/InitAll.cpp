//===- InitAll.cpp - Register everything BitNet-MLIR tools use --------===//

#include "bitnet/InitAll.h"

#include "bitnet/Codegen/CPU/Passes.h"
#include "bitnet/Codegen/Common/Passes.h"
#include "bitnet/Codegen/GPU/Passes.h"
#include "bitnet/Dialect/BitNet/IR/BitNet.h"
#include "bitnet/Dialect/BitNet/Transforms/Passes.h"
#include "bitnet/Model/Passes.h"
#include "bitnet/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::bitnet::registerAllDialects(DialectRegistry &registry) {
  registry.insert<BitNetDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
}

void mlir::bitnet::registerAllPasses() {
  mlir::registerAllPasses();
  registerBitNetPasses();
  registerBitNetModelPasses();
  registerBitNetCodegenCommonPasses();
  registerBitNetCodegenCPUPasses();
  registerBitNetCodegenGPUPasses();
  registerBitNetPipelines();
}
