//===- Pipelines.cpp - Pass sequences every target shares -------------===//

#include "bitnet/Codegen/Common/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::bitnet::addBitNetToLinalgPasses(OpPassManager &pm) {
  pm.addPass(createConvertBitNetToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::bitnet::addBufferizationPasses(OpPassManager &pm) {
  // Tensors -> buffers. Function arguments and results become plain
  // (identity-layout) memrefs so the C interface is simple.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // Bounded alias sets for bufferization (see the pass).
  pm.addPass(createSplitEmptyTensorsPass());
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // An scf.forall's tensor.parallel_insert_slice bufferizes to a copy from
  // the piece's subview into an identical subview of the same buffer: CSE
  // makes the two one value, and the canonicalizer erases the self-copy.
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  // Returned globals and arguments get a bufferization.clone: a copy.
  pm.addPass(createConvertBufferizationToMemRefPass());
  // Small functions for LLVM: its loop passes are superlinear in function
  // size, and an entry point holds every layer's loops (~70 nests per
  // layer); small functions (a kernel, a test) stay whole.
  OutlineLoopNestsPassOptions outline;
  outline.minOps = 64;
  pm.addPass(createOutlineLoopNestsPass(outline));
  // One function per distinct nest: the layers' copies differ only in
  // their weights and scales, which become arguments.
  pm.addPass(createMergeFunctionsPass());
}

void mlir::bitnet::addThreadPasses(OpPassManager &pm, bool openmp) {
  // scf.forall (kernels' row blocks, split loop nests) -> OpenMP
  // worksharing loops; the thread count is the OpenMP runtime's
  // (OMP_NUM_THREADS or omp_set_num_threads).
  if (!openmp) {
    pm.addPass(createForallToForLoopPass());
  } else {
    pm.addPass(createForallToParallelLoopPass());
    pm.addPass(createConvertSCFToOpenMPPass());
  }
  // Inlines the memref.alloca_scope that wraps each parallel body (it must
  // stay one block, and SCF -> CF would split it; the kernels allocate no
  // stack memory).
  pm.addPass(createCanonicalizerPass());
}

void mlir::bitnet::addConversionToLLVMPasses(OpPassManager &pm) {
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  // Math without an LLVM intrinsic (erf, ...) calls libm.
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  // Vector unrolling starts from ub.poison.
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}
