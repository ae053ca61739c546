//===- FloatContractions.h - The float products CPU kernels cover -*- C++ -*-===//
//
// Which linalg contractions are the float matrix products the CPU's
// register-blocked kernels cover, and their shape: shared by the kernel
// generator (bitnet-tile-float-contractions) and the choice of its
// configuration (KernelConfig.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_LIB_CODEGEN_CPU_FLOATCONTRACTIONS_H
#define BITNET_LIB_CODEGEN_CPU_FLOATCONTRACTIONS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace mlir::bitnet {

/// A float contraction C[batch, m, n] += A[batch, m, k] * B[batch, k, n]
/// (NN) or B[batch, n, k] (NT: every C element is the dot product of a row
/// of A and a row of B, the lm_head on a [vocab x hidden] table), up to
/// loops of size 1 and the order of the other dimensions. n is C's
/// innermost dimension; k is A's.
struct FloatContraction {
  unsigned a = 0, b = 1;       // input operand numbers
  SmallVector<unsigned> batch; // loops in A, B and C (size > 1)
  std::optional<unsigned> m;   // in A and C (none: one row)
  unsigned n = 0, k = 0;
  bool transposedB = false; // B's innermost dimension is k (NT)
};

/// `op`'s form when it is such a product on statically shaped f32 tensors
/// (inputs may be stored as f16 / bf16 and widened in the body).
std::optional<FloatContraction> classifyFloatContraction(linalg::LinalgOp op);

} // namespace mlir::bitnet

#endif // BITNET_LIB_CODEGEN_CPU_FLOATCONTRACTIONS_H
