//===- Error.h - The compiler library's errors -------------------*- C++ -*-===//
//
// Problems the library reports to its host (a tool, the C API) as
// llvm::Error with a one-line message; an empty message means the problem
// was already emitted as a diagnostic on the MLIR context.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_LIB_COMPILER_ERROR_H
#define BITNET_LIB_COMPILER_ERROR_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace mlir::bitnet::compiler {

inline llvm::Error compileError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

} // namespace mlir::bitnet::compiler

#endif // BITNET_LIB_COMPILER_ERROR_H
