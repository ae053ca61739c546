//===- Link.h - Object code to a shared library or executable ---*- C++ -*-===//

#ifndef BITNET_COMPILER_LINK_H
#define BITNET_COMPILER_LINK_H

#include "bitnet/Target/CpuTargetInfo.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir::bitnet::compiler {

struct LinkOptions {
  std::string output;
  /// An executable with the runtime's driver (bitnet-run's main), else a
  /// shared library.
  bool executable = false;
  /// Link the OpenMP runtime (the kernels' parallel loops call it).
  bool openmp = true;
  /// The linker driver; empty: the C compiler this project was built with
  /// for the host, aarch64-linux-gnu-gcc for AArch64.
  std::string linker;
};

/// The linker driver `options` would run for `target`.
std::string defaultLinker(const CpuTargetInfo &target);

/// Links `object` (compiled for `target`) with the support code every
/// model needs (lib/Compiler/Support/MemRefCopy.c) into `options.output`.
llvm::Error linkModel(llvm::ArrayRef<char> object, const CpuTargetInfo &target,
                      const LinkOptions &options);

} // namespace mlir::bitnet::compiler

#endif // BITNET_COMPILER_LINK_H
