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

TEST(OnnxDecoderJit, ImportedTinyDecoderMatchesPyTorch) {
  auto ids = loadCase<int64_t>("input_ids.npy");
  auto expected = loadCase<float>("logits.npy");
  ASSERT_EQ(ids.shape.size(), 2u);
  ASSERT_EQ(expected.shape.size(), 3u);

  onnx::ImportOptions options;
  options.emitCInterface = true;
  CompiledModule compiled([&](MLIRContext *ctx) {
    return onnx::importModelFile(kCaseDir + "/tiny_decoder.onnx", ctx, options);
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
  std::cout << "relative L2 error of the logits vs PyTorch: " << relativeL2 << "\n";

  for (int64_t t = 0; t < seq; ++t) {
    auto row = [&](const std::vector<float> &v) {
      return std::max_element(v.begin() + t * vocab, v.begin() + (t + 1) * vocab) -
             (v.begin() + t * vocab);
    };
    EXPECT_EQ(row(logits), row(expected.data)) << "greedy token at position " << t;
  }
}

} // namespace
