//===- Backend.h - LLVM dialect to machine code ------------------*- C++ -*-===//
//
// The one LLVM back end: the target's TargetMachine (O3 code generation,
// PIC), translation to LLVM IR, LLVM's O3 pipeline with the target's cost
// models, and machine code, either written out (bitnet-compile) or loaded
// into this process (bitnet-bench, the execution tests). Both paths run the
// same functions and load the very object bitnet-compile would write, so
// what is measured and tested is what ships.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_COMPILER_BACKEND_H
#define BITNET_COMPILER_BACKEND_H

#include "bitnet/Target/CpuTargetInfo.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::bitnet::compiler {

/// LLVM's TargetMachine for `target`: its triple, CPU and features,
/// position-independent code, aggressive code generation.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CpuTargetInfo &target);

/// An LLVM-dialect module as LLVM IR for `machine` (its triple and data
/// layout). The module's own functions bind locally: a program linked with
/// a model has its own `main`, which must not replace the model's.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateToLLVMIR(Operation *module, llvm::LLVMContext &context,
                  llvm::TargetMachine &machine);

/// Adds `bitnet_cpu_features` (bitnet/ABI/ModelABI.h): the features of
/// `machine`'s CPU that the runtime checks at load, for a shared library or
/// executable.
void addCpuFeaturesRecord(llvm::Module &module, llvm::TargetMachine &machine);

/// LLVM's O3 pipeline with the target's cost models; verifies the result.
llvm::Error optimizeLLVMIR(llvm::Module &module, llvm::TargetMachine &machine);

/// Assembly or an object file, in memory.
llvm::Error emitMachineCode(llvm::Module &module, llvm::TargetMachine &machine,
                            llvm::CodeGenFileType type,
                            llvm::SmallVectorImpl<char> &out);

/// An LLVM-dialect module as an object file for `machine`: what
/// bitnet-compile --emit=obj writes for it (translateToLLVMIR,
/// optimizeLLVMIR, emitMachineCode).
llvm::Error compileToObject(ModuleOp module, llvm::TargetMachine &machine,
                           llvm::SmallVectorImpl<char> &object);

struct JitOptions {
  /// Shared libraries the code may call besides this process's: MLIR's C
  /// runner utils (memref copies) and the OpenMP runtime by default.
  std::vector<std::string> sharedLibraries = defaultSharedLibraries();

  static std::vector<std::string> defaultSharedLibraries();
};

/// A module compiled for its #llvm.target (the host when it has none) by
/// compileToObject, exactly as bitnet-compile compiles it, and that object
/// loaded into this process (bitnet-bench, the execution tests).
class JitModule {
public:
  ~JitModule();

  /// Fails when this host cannot run the target's code (a CPU feature it
  /// lacks) or the object does not load.
  static llvm::Expected<std::unique_ptr<JitModule>>
  create(ModuleOp module, const JitOptions &options = {});

  /// The address of a function, e.g. `_mlir_ciface_main`.
  llvm::Expected<void *> lookup(llvm::StringRef symbol);

  /// The object file that was loaded.
  llvm::ArrayRef<char> getObject() const { return object; }

private:
  JitModule() = default;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  llvm::SmallVector<char, 0> object;
};

} // namespace mlir::bitnet::compiler

#endif // BITNET_COMPILER_BACKEND_H
