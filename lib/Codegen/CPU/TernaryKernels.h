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

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::bitnet {

/// The packed weight `weight` (a static [M, row bytes] i8 tensor) as the
/// 1-D memref software prefetches address: its buffer (read-only, so
/// bufferization aliases it, no copy), one byte stream so that a prefetch
/// past a row's end lands in the next row.
Value weightByteStream(ImplicitLocOpBuilder &b, Value weight);

/// tl2r products to the lookup-table kernel on targets that have it
/// (hasTernaryLookupKernel).
void populateTernaryLookupKernelPatterns(RewritePatternSet &patterns,
                                         const CpuTargetInfo &target);

} // namespace mlir::bitnet

#endif // BITNET_LIB_CODEGEN_CPU_TERNARYKERNELS_H
