//===- Pipelines.cpp - Named BitNet pass pipelines ---------------------===//

#include "bitnet/Pipelines/Pipelines.h"

#include "bitnet/Conversion/Passes.h"
#include "bitnet/Dialect/BitNet/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/TosaToArith/TosaToArith.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Conversion/TosaToTensor/TosaToTensor.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/ErrorHandling.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {

/// TOSA to linalg, and bitlinear layers to their integer steps (ternarize,
/// quantize, ternary_matmul, dequantize).
void addDecomposition(OpPassManager &pm) {
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  funcPm.addPass(tosa::createTosaToLinalgNamed());
  funcPm.addPass(tosa::createTosaToLinalg());
  funcPm.addPass(createTosaToArithPass());
  funcPm.addPass(createTosaToTensorPass());
  pm.addPass(bitnet::createDecomposeBitLinearPass());
}

/// Imported TOSA to linalg, and bitlinear layers to their integer steps.
void addFrontEnd(OpPassManager &pm) {
  // RMSNorm + activation quantization fusion needs the norm in its imported
  // TOSA form, so it runs before TOSA is lowered (and before decomposition).
  pm.addPass(bitnet::createQuantizeActivationsPass());
  addDecomposition(pm);
}

/// Remaining bitnet ops to linalg, then tensors to buffers and everything
/// (loops, vectors, intrinsics, parallel loops) to the LLVM dialect.
/// bitnet.dot4 becomes the dot-product instruction of `target`/`mcpu`
/// (portable vector code when `target` is empty).
void addLoweringToLLVM(OpPassManager &pm, StringRef target = "",
                       StringRef mcpu = "", bool openmp = true,
                       bool threadContractions = false,
                       int64_t parallelMinIterations = 65536) {
  pm.addPass(bitnet::createConvertBitNetToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Float matrix products (attention, lm_head): in the CPU pipeline,
  // register-blocked kernels for the target, reading their operands
  // through transposes and widenings (the key cache, a float16 table) and
  // a tied lm_head from the embedding table, not from copies; what they
  // leave (and the portable pipeline's products) as vectorizable loops,
  // split over threads where the kernels are.
  if (threadContractions) {
    pm.addPass(bitnet::createFoldContractionViewsPass());
    pm.addPass(bitnet::createShareTransposedWeightsPass());
    bitnet::TileFloatContractionsPassOptions floats;
    floats.target = target.str();
    floats.mcpu = mcpu.str();
    floats.tiles = openmp ? 8 : 1;
    pm.addPass(bitnet::createTileFloatContractionsPass(floats));
  }
  pm.addPass(bitnet::createInterchangeMatmulLoopsPass());
  if (threadContractions && openmp)
    pm.addPass(bitnet::createParallelizeContractionsPass());
  // One loop nest per chain of elementwise ops (after the contraction
  // passes, which match the ops they read as they were imported).
  pm.addPass(bitnet::createFuseElementwisePass());
  // Prefill's large row-wise nests (norms, softmax, fused chains) on threads.
  if (threadContractions && openmp) {
    bitnet::ParallelizeRowsPassOptions rows;
    rows.minIterations = parallelMinIterations;
    pm.addPass(bitnet::createParallelizeRowsPass(rows));
  }

  // Tensors -> buffers. Function arguments and results become plain
  // (identity-layout) memrefs so the C interface is simple.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // Bounded alias sets for bufferization (see the pass).
  pm.addPass(bitnet::createSplitEmptyTensorsPass());
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
  bitnet::OutlineLoopNestsPassOptions outline;
  outline.minOps = 64;
  pm.addPass(bitnet::createOutlineLoopNestsPass(outline));
  // One function per distinct nest: the layers' copies differ only in
  // their weights and scales, which become arguments.
  pm.addPass(bitnet::createMergeFunctionsPass());

  // Loops and vectors -> LLVM dialect.
  bitnet::ConvertDot4ToLLVMPassOptions dot4;
  dot4.target = target.str();
  dot4.mcpu = mcpu.str();
  pm.addPass(bitnet::createConvertDot4ToLLVMPass(dot4));
  // Kernels' scf.forall over row blocks -> OpenMP worksharing loops (the
  // thread count is the OpenMP runtime's: OMP_NUM_THREADS or
  // omp_set_num_threads).
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

} // namespace

void mlir::bitnet::buildBitNetToLLVMPipeline(OpPassManager &pm) {
  addFrontEnd(pm);
  addLoweringToLLVM(pm);
}

llvm::StringRef mlir::bitnet::cpuStageName(CpuStage stage) {
  switch (stage) {
  case CpuStage::Raise:
    return "raise";
  case CpuStage::Quantize:
    return "quantize";
  case CpuStage::Pack:
    return "pack";
  case CpuStage::Tile:
    return "tile";
  case CpuStage::LLVM:
    return "llvm";
  }
  llvm_unreachable("unknown CpuStage");
}

std::optional<bitnet::CpuStage> mlir::bitnet::parseCpuStage(llvm::StringRef name) {
  for (CpuStage stage : kAllCpuStages)
    if (cpuStageName(stage) == name)
      return stage;
  return std::nullopt;
}

void mlir::bitnet::addCpuStage(OpPassManager &pm,
                               const CpuPipelineOptions &options,
                               CpuStage stage) {
  switch (stage) {
  case CpuStage::Raise:
    pm.addPass(bitnet::createRaiseBitLinearPass());
    // Graph-level rewrites of the imported attention.
    pm.addNestedPass<func::FuncOp>(bitnet::createGroupedQueryAttentionPass());
    return;
  case CpuStage::Quantize:
    pm.addPass(bitnet::createQuantizeActivationsPass());
    return;
  case CpuStage::Pack: {
    addDecomposition(pm);
    bitnet::PackTernaryPassOptions pack;
    pack.target = options.target;
    pack.mcpu = options.mcpu;
    pm.addPass(bitnet::createPackTernaryPass(pack));
    // q/k/v and gate/up: one product each (packed rows concatenate).
    pm.addPass(bitnet::createFuseSiblingMatmulsPass());
    return;
  }
  case CpuStage::Tile: {
    bitnet::ConvertTernaryMatmulToVectorPassOptions kernels;
    kernels.target = options.target;
    kernels.mcpu = options.mcpu;
    kernels.prefetchDistance = options.prefetchDistance;
    kernels.decodeAccumulators = options.decodeAccumulators;
    pm.addPass(bitnet::createConvertTernaryMatmulToVectorPass(kernels));
    return;
  }
  case CpuStage::LLVM:
    addLoweringToLLVM(pm, options.target, options.mcpu, options.openmp,
                      /*threadContractions=*/true, options.parallelMinIterations);
    return;
  }
}

void mlir::bitnet::buildCpuPipelineStages(OpPassManager &pm,
                                          const CpuPipelineOptions &options,
                                          CpuStage first, CpuStage last) {
  for (CpuStage stage : kAllCpuStages)
    if (stage >= first && stage <= last)
      addCpuStage(pm, options, stage);
}

void mlir::bitnet::buildBitNetCpuPipeline(OpPassManager &pm,
                                          const CpuPipelineOptions &options) {
  // The pipeline takes bitnet IR: BitLinear recognition (`raise`) belongs to
  // the ONNX front end and is run by bitnet-compile, not here.
  buildCpuPipelineStages(pm, options, CpuStage::Quantize, CpuStage::LLVM);
}

void mlir::bitnet::registerBitNetPipelines() {
  PassPipelineRegistration<>(
      "bitnet-to-llvm",
      "Lower bitnet ops to the LLVM dialect through portable linalg loops",
      buildBitNetToLLVMPipeline);
  PassPipelineRegistration<CpuPipelineOptions>(
      "bitnet-cpu-pipeline",
      "Lower bitnet ops to the LLVM dialect with packed weights and SIMD "
      "kernels for a CPU",
      buildBitNetCpuPipeline);
}
