//===- TernaryKernels.h - Patterns of the ternary CPU kernels -*- C++ -*-===//
//
// The kernels convert-bitnet-ternary-matmul-to-vector generates, one file
// each: the multiply-add kernel of i2s and t5 (TernaryMatmulToVector.cpp)
// and the lookup-table kernel of tl2r (TernaryLookupKernel.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_LIB_CODEGEN_CPU_TERNARYKERNELS_H
#define BITNET_LIB_CODEGEN_CPU_TERNARYKERNELS_H

#include "bitnet/Target/CpuTargetInfo.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::bitnet {

/// tl2r products to the lookup-table kernel on targets that have it
/// (hasTernaryLookupKernel).
void populateTernaryLookupKernelPatterns(RewritePatternSet &patterns,
                                         const CpuTargetInfo &target);

} // namespace mlir::bitnet

#endif // BITNET_LIB_CODEGEN_CPU_TERNARYKERNELS_H
