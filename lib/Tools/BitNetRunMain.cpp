//===- BitNetRunMain.cpp - run a compiled model on .npy files ----------===//
//
//   bitnet-run MODEL.so --input NAME=FILE.npy|FILE.pb ... --output-dir DIR
//                       [--threads T] [--repeat N] [--print-info]
//
// Loads the model through the C API (include/bitnet-c/bitnet.h), checks each
// input file against the model's tensor (dtype and shape), runs it, writes
// DIR/<output-name>.npy and prints the run time. Depends on the runtime
// only (LLVM's option registry already owns names such as --threads).
//
//===----------------------------------------------------------------------===//

#include "bitnet/Tools/BitNetRunMain.h"

#include "bitnet-c/bitnet.h"
#include "bitnet/Runtime/Npy.h"
#include "bitnet/Runtime/TensorProto.h"

#include <sys/stat.h>

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::vector<int64_t> shapeOf(const bitnet_tensor_info &info) {
  return std::vector<int64_t>(info.shape, info.shape + info.rank);
}

int fail(const std::string &message) {
  std::fprintf(stderr, "bitnet-run: %s\n", message.c_str());
  return 1;
}

const char *const kUsage =
    "usage: bitnet-run MODEL.so --input NAME=FILE.npy|FILE.pb ... [--output-dir DIR]\n"
    "                  [--threads T] [--repeat N] [--print-info]\n"
    "Runs a model compiled by bitnet-compile --emit=lib.\n";

struct Options {
  std::string model, outputDir;
  std::vector<std::string> inputs;
  int threads = 0, repeat = 1;
  bool printInfo = false;
};

/// Parses `--name value` and `--name=value`; false with `error` set on bad
/// usage.
bool parseOptions(int argc, char **argv, Options &options, std::string &error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    auto takeValue = [&](const char *name) {
      std::string prefix = std::string(name) + "=";
      if (arg.rfind(prefix, 0) == 0) {
        value = arg.substr(prefix.size());
        return true;
      }
      if (arg == name && i + 1 < argc) {
        value = argv[++i];
        return true;
      }
      return false;
    };
    auto positive = [&](const char *name, int &out) {
      char *end = nullptr;
      long v = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || v < 1) {
        error = std::string(name) + " takes a positive integer, not '" + value + "'";
        return false;
      }
      out = static_cast<int>(v);
      return true;
    };
    if (takeValue("--input"))
      options.inputs.push_back(value);
    else if (takeValue("--output-dir"))
      options.outputDir = value;
    else if (takeValue("--threads")) {
      if (!positive("--threads", options.threads))
        return false;
    } else if (takeValue("--repeat")) {
      if (!positive("--repeat", options.repeat))
        return false;
    } else if (arg == "--print-info")
      options.printInfo = true;
    else if (arg.rfind("-", 0) != 0 && options.model.empty())
      options.model = arg;
    else {
      error = "unexpected argument '" + arg + "'";
      return false;
    }
  }
  if (options.model.empty()) {
    error = "no model given";
    return false;
  }
  return true;
}

} // namespace

int bitnet::bitnetRunMain(int argc, char **argv) {
  Options options;
  std::string usageError;
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!parseOptions(argc, argv, options, usageError)) {
    std::fprintf(stderr, "bitnet-run: %s\n%s", usageError.c_str(), kUsage);
    return 1;
  }

  char error[512] = "";
  std::unique_ptr<bitnet_model, void (*)(bitnet_model *)> model(
      bitnet_model_load(options.model.c_str(), error, sizeof(error)), bitnet_model_free);
  if (!model)
    return fail(error);

  int numInputs = bitnet_model_num_inputs(model.get());
  int numOutputs = bitnet_model_num_outputs(model.get());
  if (options.printInfo) {
    auto print = [](const char *kind, const bitnet_tensor_info *info) {
      std::printf("%s %s %s %s\n", kind, info->name, bitnet_dtype_name(info->dtype),
                  shapeText(shapeOf(*info)).c_str());
    };
    for (int i = 0; i < numInputs; ++i)
      print("input", bitnet_model_input(model.get(), i));
    for (int j = 0; j < numOutputs; ++j)
      print("output", bitnet_model_output(model.get(), j));
    return 0;
  }

  // Bind the input files by name, checking dtype and shape.
  std::vector<bitnet::npy::Array> inputs(numInputs);
  std::vector<bool> given(numInputs, false);
  for (const std::string &spec : options.inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos)
      return fail("--input takes NAME=FILE.npy or NAME=FILE.pb, not '" + spec + "'");
    std::string name = spec.substr(0, eq), path = spec.substr(eq + 1);
    int index = bitnet_model_find_input(model.get(), name.c_str());
    if (index < 0)
      return fail("the model has no input '" + name + "' (see --print-info)");
    const bitnet_tensor_info *info = bitnet_model_input(model.get(), index);
    std::string message;
    bool isProto = path.size() > 3 && path.compare(path.size() - 3, 3, ".pb") == 0;
    std::string protoName;
    if (isProto ? !bitnet::tensorproto::read(path, inputs[index], protoName, message)
                : !bitnet::npy::read(path, inputs[index], message))
      return fail(message);
    const bitnet::npy::Array &array = inputs[index];
    // uint8 graph tensors are i8 in the model (same bytes).
    bool sameBytes = array.descr == "|u1" && info->dtype == BITNET_DTYPE_I8;
    if (array.descr != bitnet::npy::descrOf(info->dtype) && !sameBytes)
      return fail("input '" + name + "': " + path + " has dtype " + array.descr +
                  ", the model takes " + bitnet_dtype_name(info->dtype) + " (" +
                  bitnet::npy::descrOf(info->dtype) + ")");
    if (array.shape != shapeOf(*info))
      return fail("input '" + name + "': " + path + " has shape " +
                  shapeText(array.shape) + ", the model takes " +
                  shapeText(shapeOf(*info)));
    given[index] = true;
  }
  for (int i = 0; i < numInputs; ++i)
    if (!given[i])
      return fail(std::string("missing --input ") +
                  bitnet_model_input(model.get(), i)->name + "=FILE.npy");

  if (options.threads > 0 &&
      bitnet_model_set_num_threads(model.get(), options.threads) != 0)
    std::fputs("bitnet-run: the model is single-threaded; --threads ignored\n", stderr);

  std::vector<bitnet::npy::Array> outputs(numOutputs);
  std::vector<const void *> inputData;
  std::vector<void *> outputData;
  for (const bitnet::npy::Array &array : inputs)
    inputData.push_back(array.bytes.data());
  for (int j = 0; j < numOutputs; ++j) {
    const bitnet_tensor_info *info = bitnet_model_output(model.get(), j);
    outputs[j].descr = bitnet::npy::descrOf(info->dtype);
    outputs[j].shape = shapeOf(*info);
    outputs[j].bytes.resize(info->bytes);
    outputData.push_back(outputs[j].bytes.data());
  }

  using Clock = std::chrono::steady_clock;
  double total = 0;
  for (int r = 0; r < options.repeat; ++r) {
    auto start = Clock::now();
    if (bitnet_model_run(model.get(), inputData.data(), outputData.data()) != 0)
      return fail("run failed");
    total += std::chrono::duration<double>(Clock::now() - start).count();
  }
  std::fprintf(stderr, "bitnet-run: %.3f ms per run (mean of %d)\n",
               1e3 * total / options.repeat, options.repeat);

  if (!options.outputDir.empty()) {
    // One directory level, like `mkdir DIR` (an existing one is fine).
    if (mkdir(options.outputDir.c_str(), 0777) != 0 && errno != EEXIST)
      return fail("cannot create " + options.outputDir + ": " + std::strerror(errno));
    for (int j = 0; j < numOutputs; ++j) {
      std::string path =
          options.outputDir + "/" + bitnet_model_output(model.get(), j)->name + ".npy";
      std::string message;
      if (!bitnet::npy::write(path, outputs[j], message))
        return fail(message);
    }
  }
  return 0;
}
