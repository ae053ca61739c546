//===- OnnxNodeTestsJit.cpp - ONNX node tests: import, compile, execute ---===//
//
// Runs the ONNX node tests of the importer's allow-list end to end: each
// model is imported, compiled through `bitnet-to-llvm`, executed on the
// test's inputs and compared with its expected outputs (floats within
// rtol 1e-3 / atol 1e-5 as ONNX's own runner; integers and bools exactly).
// The cases are exported by python/tests/make_node_test_cases.py.
//
//===----------------------------------------------------------------------===//

#include "JitTestUtils.h"
#include "Npy.h"

#include "bitnet/Target/ONNX/ImportONNX.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cstring>
#include <fstream>
#include <map>

using namespace bitnet_test;
namespace onnx = mlir::bitnet::onnx;

namespace {

const std::string kCasesDir = BITNET_NODE_TEST_CASES_DIR;

/// Node tests whose expected data we deliberately do not reproduce.
const std::map<std::string, std::string> kKnownDifferences = {
    {"test_cast_FLOAT_to_BFLOAT16",
     "ONNX 1.12's expected data truncates to bfloat16; we round to nearest "
     "even, as PyTorch and later ONNX releases do"},
    {"test_castlike_FLOAT_to_BFLOAT16_expanded",
     "as test_cast_FLOAT_to_BFLOAT16"},
};

/// A strided memref descriptor of any rank, as the words LLVM lays it out
/// in: allocated and aligned pointers, offset, sizes, strides.
std::vector<int64_t> descriptorFor(void *data, const std::vector<int64_t> &shape) {
  std::vector<int64_t> words = {reinterpret_cast<int64_t>(data),
                                reinterpret_cast<int64_t>(data), 0};
  words.insert(words.end(), shape.begin(), shape.end());
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  words.insert(words.end(), strides.begin(), strides.end());
  return words;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
  float value;
  if (exponent == 0)
    value = std::ldexp(static_cast<float>(mantissa), -24);
  else if (exponent == 31)
    value = mantissa ? NAN : INFINITY;
  else
    value = std::ldexp(static_cast<float>(mantissa | 0x400), int(exponent) - 25);
  return sign ? -value : value;
}

/// Element `i` of a float array of numpy dtype `descr`, widened to double.
double floatAt(const std::string &descr, const char *data, int64_t i) {
  if (descr == "<f4") {
    float v;
    std::memcpy(&v, data + 4 * i, 4);
    return v;
  }
  if (descr == "<f8") {
    double v;
    std::memcpy(&v, data + 8 * i, 8);
    return v;
  }
  uint16_t h;
  std::memcpy(&h, data + 2 * i, 2);
  return halfToFloat(h);
}

int64_t elementBytes(const std::string &descr) {
  return std::stoll(descr.substr(2));
}

/// Compares a result (at `data`, `shape`) with the expected array; returns
/// an empty string or what differs.
std::string compare(const NpyRaw &expected, const char *data,
                    const std::vector<int64_t> &shape) {
  if (shape != expected.shape)
    return "shape differs";
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  const std::string &descr = expected.descr;
  if (descr[1] == 'f') {
    for (int64_t i = 0; i < count; ++i) {
      double got = floatAt(descr, data, i), want = floatAt(descr, expected.bytes.data(), i);
      if (std::isnan(want) && std::isnan(got))
        continue;
      if (std::isinf(want) && got == want)
        continue;
      if (!(std::fabs(got - want) <= 1e-5 + 1e-3 * std::fabs(want)))
        return "element " + std::to_string(i) + ": " + std::to_string(got) +
               " vs " + std::to_string(want);
    }
    return "";
  }
  int64_t bytes = count * elementBytes(descr);
  if (std::memcmp(data, expected.bytes.data(), bytes) != 0)
    return "integer/bool data differs";
  return "";
}

/// Calls `fn`, a C interface wrapper taking only memref descriptor
/// pointers (the results' first), with `args`; false for more arguments
/// than it handles.
bool callWithPointers(void *fn, const std::vector<void *> &args) {
  using P = void *;
  const std::vector<void *> &a = args;
  switch (args.size()) {
  case 1:
    reinterpret_cast<void (*)(P)>(fn)(a[0]);
    return true;
  case 2:
    reinterpret_cast<void (*)(P, P)>(fn)(a[0], a[1]);
    return true;
  case 3:
    reinterpret_cast<void (*)(P, P, P)>(fn)(a[0], a[1], a[2]);
    return true;
  case 4:
    reinterpret_cast<void (*)(P, P, P, P)>(fn)(a[0], a[1], a[2], a[3]);
    return true;
  case 5:
    reinterpret_cast<void (*)(P, P, P, P, P)>(fn)(a[0], a[1], a[2], a[3], a[4]);
    return true;
  case 6:
    reinterpret_cast<void (*)(P, P, P, P, P, P)>(fn)(a[0], a[1], a[2], a[3], a[4],
                                                     a[5]);
    return true;
  case 7:
    reinterpret_cast<void (*)(P, P, P, P, P, P, P)>(fn)(a[0], a[1], a[2], a[3],
                                                        a[4], a[5], a[6]);
    return true;
  case 8:
    reinterpret_cast<void (*)(P, P, P, P, P, P, P, P)>(fn)(a[0], a[1], a[2], a[3],
                                                           a[4], a[5], a[6], a[7]);
    return true;
  default:
    return false;
  }
}

/// Imports, compiles and runs one case; returns an empty string on success.
std::string runCase(const std::string &name) {
  std::string dir = kCasesDir + "/" + name;
  unsigned numResults = 0;
  std::vector<std::vector<int64_t>> resultShapes;
  CompiledModule compiled([&](MLIRContext *ctx) {
    OwningOpRef<ModuleOp> module = importForTest(dir + "/model.onnx", ctx);
    if (module)
      module->walk([&](func::FuncOp f) {
        numResults = f.getNumResults();
        for (Type t : f.getResultTypes())
          resultShapes.emplace_back(cast<RankedTensorType>(t).getShape().begin(),
                                    cast<RankedTensorType>(t).getShape().end());
      });
    return module;
  });
  if (!compiled.ok())
    return "does not compile: " + compiled.error;

  // Inputs: descriptors over the .npy data (kept alive here).
  std::vector<NpyRaw> inputs;
  for (unsigned i = 0;; ++i) {
    std::string path = dir + "/input_" + std::to_string(i) + ".npy";
    if (!std::ifstream(path))
      break;
    NpyRaw raw;
    std::string error;
    if (!readNpyRaw(path, raw, error))
      return error;
    inputs.push_back(std::move(raw));
  }
  std::vector<std::vector<int64_t>> descriptors;
  for (NpyRaw &raw : inputs)
    descriptors.push_back(descriptorFor(raw.bytes.data(), raw.shape));

  // Results: one buffer holding every result descriptor back to back (the
  // C interface returns them through its first argument).
  size_t resultWords = 0;
  for (const auto &shape : resultShapes)
    resultWords += 3 + 2 * shape.size();
  std::vector<int64_t> results(resultWords, 0);

  std::vector<void *> descriptorPtrs;
  void *resultPtr = results.data();
  descriptorPtrs.push_back(resultPtr);
  for (auto &desc : descriptors)
    descriptorPtrs.push_back(desc.data());
  if (numResults == 0)
    return "the model has no result";
  // A single result is returned through the first argument as well.
  if (!callWithPointers(compiled.lookup<void *>("main"), descriptorPtrs))
    return "cannot run: " + std::to_string(descriptorPtrs.size()) +
           " arguments are more than the test calls with";

  // Results are not freed: they may be globals or alias inputs.
  size_t offset = 0;
  for (unsigned r = 0; r < numResults; ++r) {
    const std::vector<int64_t> &shape = resultShapes[r];
    const int64_t *desc = results.data() + offset;
    offset += 3 + 2 * shape.size();
    NpyRaw expected;
    std::string error;
    if (!readNpyRaw(dir + "/output_" + std::to_string(r) + ".npy", expected, error))
      return error;
    const char *data = reinterpret_cast<const char *>(desc[1]) +
                       desc[2] * elementBytes(expected.descr);
    std::string diff = compare(expected, data, shape);
    if (!diff.empty())
      return "output " + std::to_string(r) + ": " + diff;
  }
  return "";
}

TEST(OnnxNodeTestsJit, AllowListedNodeTestsExecute) {
  std::ifstream manifest(kCasesDir + "/manifest.txt");
  std::vector<std::string> names;
  for (std::string line; std::getline(manifest, line);)
    if (!line.empty())
      names.push_back(line);
  ASSERT_FALSE(names.empty()) << "no cases in " << kCasesDir
                              << "; the node-test-cases fixture makes them";
  int passed = 0, known = 0;
  for (const std::string &name : names) {
    std::string failure = runCase(name);
    auto difference = kKnownDifferences.find(name);
    if (difference != kKnownDifferences.end()) {
      ++known;
      std::cout << name << ": known difference (" << difference->second << ")\n";
    } else if (failure.empty()) {
      ++passed;
    } else {
      ADD_FAILURE() << name << ": " << failure;
    }
  }
  std::cout << passed << " of " << names.size()
            << " allow-listed ONNX node tests execute and match; " << known
            << " known differences\n";
}

} // namespace
