//===- OnnxDecoderJitTest.cpp - imported PyTorch decoder vs PyTorch ---===//
//
// python/tests/make_tiny_decoder_case.py exports the tiny BitNet decoder
// (python/bitnet_mlir/tiny_decoder.py) with torch.onnx.export and saves
// PyTorch's logits. Here the ONNX file is imported, compiled through
// `bitnet-to-llvm`, executed, and compared with PyTorch: relative L2 error of
// the logits <= 1e-3 and the same greedy token at every position.
//
//===----------------------------------------------------------------------===//

#include "JitTestUtils.h"
#include "Npy.h"

#include "bitnet/Dialect/BitNet/Transforms/Passes.h"
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

/// Imports the tiny decoder, optionally raises its BitLinear layers (and
/// fuses their activation quantization with the RMSNorms before them), and
/// compares the compiled model's logits with PyTorch's.
void checkTinyDecoder(bool raise, bool quantizeActivations = false) {
  auto ids = loadCase<int64_t>("input_ids.npy");
  auto expected = loadCase<float>("logits.npy");
  ASSERT_EQ(ids.shape.size(), 2u);
  ASSERT_EQ(expected.shape.size(), 3u);

  onnx::ImportOptions options;
  options.emitCInterface = true;
  int64_t raised = 0, fusedNorms = 0;
  CompiledModule compiled([&](MLIRContext *ctx) {
    OwningOpRef<ModuleOp> module =
        onnx::importModelFile(kCaseDir + "/tiny_decoder.onnx", ctx, options);
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

  double diff = 0, norm = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    diff += (logits[i] - expected.data[i]) * double(logits[i] - expected.data[i]);
    norm += expected.data[i] * double(expected.data[i]);
  }
  double relativeL2 = std::sqrt(diff / norm);
  EXPECT_LE(relativeL2, 1e-3);
  std::cout << (quantizeActivations ? "fused" : raise ? "raised" : "imported")
            << " decoder: relative L2 error of the logits vs PyTorch: "
            << relativeL2 << "\n";
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

} // namespace
