//===- OnnxDecoderJitTest.cpp - imported PyTorch decoder vs PyTorch ---===//
//
// python/tests/make_tiny_decoder_case.py exports the tiny BitNet decoder
// (python/bitnet_mlir/tiny_decoder.py) with torch.onnx.export and saves
// PyTorch's logits, and onnxruntime's for the same file (the runtime users
// would otherwise pick). Here the ONNX file is imported, compiled through
// `bitnet-to-llvm` or `bitnet-cpu-pipeline` (the host's kernels), executed,
// and compared with both: relative L2 error of the logits <= 1e-3 and the
// same greedy token at every position.
//
//===----------------------------------------------------------------------===//

#include "JitTestUtils.h"
#include "Npy.h"

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"
#include "bitnet/Pipelines/Pipelines.h"
#include "bitnet/Target/ONNX/ImportONNX.h"

using namespace bitnet_test;
namespace onnx = mlir::bitnet::onnx;

namespace {

const std::string kCaseDir = BITNET_TINY_DECODER_DIR;

template <typename T> NpyArray<T> loadCase(const std::string &name) {
  NpyArray<T> array;
  std::string error;
  EXPECT_TRUE(readNpy(kCaseDir + "/" + name, array, error)) << error;
  return array;
}

/// Relative L2 error of `actual` against `expected`.
double relativeL2(const std::vector<float> &actual, const std::vector<float> &expected) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    diff += (actual[i] - expected[i]) * double(actual[i] - expected[i]);
    norm += expected[i] * double(expected[i]);
  }
  return std::sqrt(diff / norm);
}

/// Imports the tiny decoder, optionally raises its BitLinear layers (and
/// fuses their activation quantization with the RMSNorms before them),
/// compiles it (portable loops, or the host's kernels with `cpuKernels`)
/// and compares the logits with PyTorch's and onnxruntime's.
void checkTinyDecoder(bool raise, bool quantizeActivations = false,
                      bool cpuKernels = false) {
  auto ids = loadCase<int64_t>("input_ids.npy");
  auto expected = loadCase<float>("logits.npy");
  auto onnxruntime = loadCase<float>("ort_logits.npy");
  ASSERT_EQ(ids.shape.size(), 2u);
  ASSERT_EQ(expected.shape.size(), 3u);

  int64_t raised = 0, fusedNorms = 0;
  CompiledModule compiled([&](MLIRContext *ctx) {
    OwningOpRef<ModuleOp> module = importForTest(kCaseDir + "/tiny_decoder.onnx", ctx);
    if (module && raise) {
      PassManager pm(ctx);
      pm.addPass(mlir::bitnet::createRaiseBitLinearPass());
      if (failed(pm.run(*module)))
        return OwningOpRef<ModuleOp>();
      module->walk([&](mlir::bitnet::BitLinearOp) { ++raised; });
      if (quantizeActivations) {
        PassManager fuse(ctx);
        fuse.addPass(mlir::bitnet::createQuantizeActivationsPass());
        if (failed(fuse.run(*module)))
          return OwningOpRef<ModuleOp>();
        module->walk([&](mlir::bitnet::RmsNormQuantizeOp) { ++fusedNorms; });
      }
    }
    return module;
  }, [&](OpPassManager &pm) {
    if (!cpuKernels)
      return mlir::bitnet::buildBitNetToLLVMPipeline(pm);
    mlir::bitnet::PipelineOptions native;
    native.mcpu = "native";
    mlir::bitnet::buildBitNetCpuPipeline(pm, native);
  });
  ASSERT_TRUE(compiled.ok()) << compiled.error;

  using MainFn = void (*)(StridedMemRefType<float, 3> *,
                          StridedMemRefType<int64_t, 2> *);
  auto run = compiled.lookup<MainFn>("main");
  ASSERT_NE(run, nullptr);
  auto idsRef = view<int64_t, 2>(ids.data, {ids.shape[0], ids.shape[1]});
  StridedMemRefType<float, 3> result{};
  run(&result, &idsRef);
  int64_t seq = expected.shape[1], vocab = expected.shape[2];
  ASSERT_EQ(result.sizes[1], seq);
  ASSERT_EQ(result.sizes[2], vocab);
  std::vector<float> logits(result.data + result.offset,
                            result.data + result.offset + seq * vocab);
  std::free(result.basePtr);

  double vsTorch = relativeL2(logits, expected.data);
  double vsOnnxRuntime = relativeL2(logits, onnxruntime.data);
  EXPECT_LE(vsTorch, 1e-3);
  EXPECT_LE(vsOnnxRuntime, 1e-3);
  std::cout << (quantizeActivations ? "fused" : raise ? "raised" : "imported")
            << (cpuKernels ? " (host kernels)" : "")
            << " decoder: relative L2 error of the logits vs PyTorch " << vsTorch
            << ", vs onnxruntime " << vsOnnxRuntime << "\n";
  if (raise)
    EXPECT_EQ(raised, 14) << "7 BitLinear layers per layer, 2 layers";
  if (quantizeActivations)
    EXPECT_EQ(fusedNorms, 8) << "4 norms before BitLinear layers per layer";

  for (int64_t t = 0; t < seq; ++t) {
    auto row = [&](const std::vector<float> &v) {
      return std::max_element(v.begin() + t * vocab, v.begin() + (t + 1) * vocab) -
             (v.begin() + t * vocab);
    };
    EXPECT_EQ(row(logits), row(expected.data)) << "greedy token at position " << t;
  }
}

TEST(OnnxDecoderJit, ImportedTinyDecoderMatchesPyTorch) { checkTinyDecoder(false); }

// With bitnet.bitlinear the weights are ternarized at compile time and the
// activations quantized with the compiler's numerics (docs/numerics.md).
TEST(OnnxDecoderJit, RaisedTinyDecoderMatchesPyTorch) { checkTinyDecoder(true); }

// With bitnet-quantize-activations every BitLinear input is quantized by a
// bitnet.rms_norm_quantize fused with the norm before it.
TEST(OnnxDecoderJit, FusedNormTinyDecoderMatchesPyTorch) {
  checkTinyDecoder(true, /*quantizeActivations=*/true);
}

// The whole bitnet-cpu-pipeline for the host: weights packed at compile
// time, every BitLinear layer through the host's SIMD kernel on OpenMP
// threads.
TEST(OnnxDecoderJit, HostKernelTinyDecoderMatchesPyTorch) {
  checkTinyDecoder(true, /*quantizeActivations=*/false, /*cpuKernels=*/true);
}

} // namespace
