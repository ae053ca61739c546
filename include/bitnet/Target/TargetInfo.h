//===- TargetInfo.h - The machine a module is compiled for -------*- C++ -*-===//
//
// One interface for what code generation needs to know about a machine,
// with one implementation per kind of target: CpuTargetInfo (x86-64,
// AArch64) and GpuTargetInfo (NVPTX). Passes never test machine
// names: they ask the target of their module, which the module records as
// upstream's `llvm.target = #llvm.target<triple, chip, features>` (set once
// by bitnet-set-target or the driver), an attribute every MLIR tool reads.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_TARGET_TARGETINFO_H
#define BITNET_TARGET_TARGETINFO_H

#include "bitnet/Dialect/BitNet/IR/BitNet.h"

#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>

namespace mlir::bitnet {

/// What every target answers; subclasses add what their code generators
/// need (CpuTargetInfo: vector widths, caches, dot-product instructions).
class TargetInfo {
public:
  enum class Kind { Cpu, Gpu };

  virtual ~TargetInfo() = default;
  Kind getKind() const { return kind; }

  /// LLVM's names: the triple (x86_64-unknown-linux-gnu), the CPU resolved
  /// from "native" (znver4) and extra feature flags (+avx512vnni,...).
  std::string triple, cpu, features;

  /// The packed weight format the target's kernels read best.
  virtual PackedFormat preferredFormat() const = 0;
  /// One line describing the target (remarks, tool headers).
  virtual std::string describe() const = 0;

  /// The IR form of this target: #llvm.target<triple, chip, features>.
  LLVM::TargetAttr toAttr(MLIRContext *context) const;

protected:
  explicit TargetInfo(Kind kind) : kind(kind) {}
  TargetInfo(const TargetInfo &) = default;
  TargetInfo &operator=(const TargetInfo &) = default;

private:
  Kind kind;
};

/// The target `attr` describes; null with `error` set when it names no
/// machine the compiler knows.
std::unique_ptr<TargetInfo> getTargetInfo(LLVM::TargetAttr attr, std::string &error);

/// The `llvm.target` of `op`'s module (or of `op` itself when it is the
/// module), or null.
LLVM::TargetAttr getTargetAttr(Operation *op);

/// Records `target` on `module` as its `llvm.target`.
void setTargetAttr(Operation *module, const TargetInfo &target);

/// The host as a target: its triple, CPU and features.
LLVM::TargetAttr getHostTargetAttr(MLIRContext *context);

/// The target of `op`'s module with a pass's overrides applied: `arch`
/// (x86_64, aarch64, nvptx) and `cpu` (a CPU, "native" for the host, or a
/// GPU such as sm_90) replace the module's when not empty; no attribute and
/// no override means the host.
/// The form passes call; null with `error` set for an unknown architecture.
LLVM::TargetAttr resolveTargetAttr(Operation *op, llvm::StringRef arch,
                                   llvm::StringRef cpu, std::string &error);

} // namespace mlir::bitnet

#endif // BITNET_TARGET_TARGETINFO_H
