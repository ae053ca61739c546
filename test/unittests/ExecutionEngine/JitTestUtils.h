//===- JitTestUtils.h - compile bitnet IR, run it, read results --*- C++ -*-===//
//
// Helpers shared by the execution tests: a module compiled through
// `bitnet-to-llvm` (or another pipeline) and bitnet-compile's back end, and
// loaded into the process (compiler::JitModule), memref descriptors over
// host vectors, and result comparison.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_TEST_UNITTESTS_EXECUTIONENGINE_JITTESTUTILS_H
#define BITNET_TEST_UNITTESTS_EXECUTIONENGINE_JITTESTUTILS_H

#include "bitnet/Compiler/Backend.h"
#include "bitnet/Compiler/Import.h"
#include "bitnet/InitAll.h"
#include "bitnet/Pipelines/Pipelines.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bitnet_test {

using namespace mlir;

/// A memref descriptor over a host vector (identity layout, row-major).
template <typename T, int Rank>
StridedMemRefType<T, Rank> view(std::vector<T> &data,
                                const std::array<int64_t, Rank> &shape) {
  StridedMemRefType<T, Rank> ref{};
  ref.basePtr = ref.data = data.data();
  ref.offset = 0;
  int64_t stride = 1;
  for (int d = Rank - 1; d >= 0; --d) {
    ref.sizes[d] = shape[d];
    ref.strides[d] = stride;
    stride *= shape[d];
  }
  return ref;
}

inline StridedMemRefType<float, 0> viewScalar(float &value) {
  return StridedMemRefType<float, 0>{&value, &value, 0};
}

/// Copies a 2-D result that the compiled code allocated, then frees it.
template <typename T>
inline std::vector<T> take(StridedMemRefType<T, 2> &result) {
  EXPECT_EQ(result.strides[1], 1);
  std::vector<T> out(result.sizes[0] * result.sizes[1]);
  for (int64_t i = 0; i < result.sizes[0]; ++i)
    for (int64_t j = 0; j < result.sizes[1]; ++j)
      out[i * result.sizes[1] + j] =
          result.data[result.offset + i * result.strides[0] + j];
  std::free(result.basePtr);
  return out;
}

/// The model at `path` as bitnet-compile imports it (importForCompile),
/// with C interfaces; null, with the problem on stderr, when it does not
/// import (CompiledModule then reports "no module").
inline OwningOpRef<ModuleOp> importForTest(const std::string &path,
                                           MLIRContext *context) {
  bitnet::compiler::ImportRequest request;
  request.path = path;
  request.import.emitCInterface = true;
  auto module = bitnet::compiler::importForCompile(request, context);
  if (!module) {
    llvm::errs() << path << ": " << llvm::toString(module.takeError()) << "\n";
    return nullptr;
  }
  return std::move(*module);
}

/// A module compiled through `bitnet-to-llvm` (or `pipeline`) and
/// bitnet-compile's back end, for its #llvm.target (the host without one).
class CompiledModule {
public:
  using BuildFn = std::function<OwningOpRef<ModuleOp>(MLIRContext *)>;
  using PipelineFn = std::function<void(OpPassManager &)>;

  explicit CompiledModule(const std::string &source)
      : CompiledModule([&](MLIRContext *ctx) {
          return parseSourceString<ModuleOp>(source, ParserConfig(ctx));
        }) {
    if (!jit && error == "no module")
      error = "failed to parse:\n" + source;
  }

  /// Compiles the module that `build` creates in this module's context,
  /// with `pipeline` (by default `bitnet-to-llvm`).
  explicit CompiledModule(const BuildFn &build,
                          const PipelineFn &pipeline =
                              [](OpPassManager &pm) {
                                bitnet::buildBitNetToLLVMPipeline(pm);
                              }) {
    DialectRegistry registry;
    bitnet::registerAllDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();

    OwningOpRef<ModuleOp> module = build(&context);
    if (!module) {
      error = "no module";
      return;
    }
    PassManager pm(&context);
    pipeline(pm);
    if (failed(pm.run(*module))) {
      error = "bitnet-to-llvm failed";
      return;
    }
    // memref.copy of strided views calls MLIR's C runner utils, the
    // kernels' parallel loops the OpenMP runtime (JitOptions' defaults).
    auto created = bitnet::compiler::JitModule::create(*module);
    if (!created) {
      error = llvm::toString(created.takeError());
      return;
    }
    jit = std::move(*created);
  }

  bool ok() const { return jit != nullptr; }

  /// The C interface wrapper `_mlir_ciface_<name>` as a function pointer.
  template <typename Fn> Fn lookup(const std::string &name) {
    auto symbol = jit->lookup("_mlir_ciface_" + name);
    if (!symbol) {
      ADD_FAILURE() << llvm::toString(symbol.takeError());
      return nullptr;
    }
    return reinterpret_cast<Fn>(*symbol);
  }

  std::string error;

private:
  MLIRContext context;
  std::unique_ptr<bitnet::compiler::JitModule> jit;
};

inline void expectRelativelyClose(const std::vector<float> &actual,
                                  const std::vector<float> &expected,
                                  float relative = 1e-6f) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    float tolerance = relative * std::fabs(expected[i]);
    ASSERT_LE(std::fabs(actual[i] - expected[i]), tolerance)
        << "element " << i << ": " << actual[i] << " vs " << expected[i];
  }
}

using Acc2D = StridedMemRefType<int32_t, 2>;
using F32_2D = StridedMemRefType<float, 2>;
using I8_2D = StridedMemRefType<int8_t, 2>;
using F32_0D = StridedMemRefType<float, 0>;

/// A module with three C-callable functions over x [n, k] and weights
/// [m, k] with `bits`-bit activations:
///   @accumulate(x, w ternary i8) -> i32 [n, m]      quantize + ternary_matmul
///   @bitlinear(x, w ternary i8, gamma) -> f32 [n, m]
///   @bitlinear_float(x, w f32) -> f32 [n, m]       ternarized in the code
inline std::string bitLinearModuleSource(int64_t n, int64_t m, int64_t k,
                                         int bits) {
  return llvm::formatv(R"mlir(
    func.func @accumulate(%x: tensor<{0}x{2}xf32>, %w: tensor<{1}x{2}xi8>)
        -> tensor<{0}x{1}xi32> attributes {{llvm.emit_c_interface} {
      %q, %s = bitnet.quantize %x bits {3} : tensor<{0}x{2}xf32> -> tensor<{0}x{2}xi8>, tensor<{0}xf32>
      %acc = bitnet.ternary_matmul %q, %w : tensor<{0}x{2}xi8>, tensor<{1}x{2}xi8> -> tensor<{0}x{1}xi32>
      return %acc : tensor<{0}x{1}xi32>
    }
    func.func @bitlinear(%x: tensor<{0}x{2}xf32>, %w: tensor<{1}x{2}xi8>, %g: tensor<f32>)
        -> tensor<{0}x{1}xf32> attributes {{llvm.emit_c_interface} {
      %y = bitnet.bitlinear %x, %w, %g act_bits {3} : tensor<{0}x{2}xf32>, tensor<{1}x{2}xi8>, tensor<f32> -> tensor<{0}x{1}xf32>
      return %y : tensor<{0}x{1}xf32>
    }
    func.func @bitlinear_float(%x: tensor<{0}x{2}xf32>, %w: tensor<{1}x{2}xf32>)
        -> tensor<{0}x{1}xf32> attributes {{llvm.emit_c_interface} {
      %y = bitnet.bitlinear %x, %w act_bits {3} : tensor<{0}x{2}xf32>, tensor<{1}x{2}xf32> -> tensor<{0}x{1}xf32>
      return %y : tensor<{0}x{1}xf32>
    }
  )mlir", n, m, k, bits).str();
}

using AccumulateFn = void (*)(Acc2D *, F32_2D *, I8_2D *);
using BitLinearFn = void (*)(F32_2D *, F32_2D *, I8_2D *, F32_0D *);
using BitLinearFloatFn = void (*)(F32_2D *, F32_2D *, F32_2D *);

} // namespace bitnet_test

#endif // BITNET_TEST_UNITTESTS_EXECUTIONENGINE_JITTESTUTILS_H
