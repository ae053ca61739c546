//===- BitNetRunMain.cpp - run a compiled model on .npy files ----------===//
//
//   bitnet-run MODEL.so --input NAME=FILE.npy|FILE.pb ... --output-dir DIR
//                       [--threads T] [--repeat N] [--print-info] [--weights FILE]
//                       [--verify-weights]
//   bitnet-run MODEL.so --generate --prompt-ids 1,2,3 --max-new-tokens N
//                       [--threads T] [--logits-out FILE.npy]
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

#include <malloc.h>
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

/// The compiled code mallocs its large temporaries (a layer's activations:
/// megabytes in prefill) and frees them within the call. By default glibc
/// serves such blocks with fresh mappings or trims them back to the
/// system, so every call faults their pages in again; a runner that calls
/// the model over and over keeps them (2B4T prefill +5-10%, decode +2-8%).
void keepFreedMemory() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

std::vector<int64_t> shapeOf(const bitnet_tensor_info &info) {
  return std::vector<int64_t>(info.shape, info.shape + info.rank);
}

/// The file name of an output in --output-dir: its name with every '/' and
/// a leading '.' as '_', so that every output lands inside the folder
/// (`../escape` is written as `_._escape.npy`).
std::string fileNameOf(std::string name) {
  std::replace(name.begin(), name.end(), '/', '_');
  if (!name.empty() && name[0] == '.')
    name[0] = '_';
  return name;
}

int fail(const std::string &message) {
  std::fprintf(stderr, "bitnet-run: %s\n", message.c_str());
  return 1;
}

const char *const kUsage =
    "usage: bitnet-run MODEL.so --input NAME=FILE.npy|FILE.pb ... [--output-dir DIR]\n"
    "                  [--threads T] [--repeat N] [--print-info] [--weights FILE]\n"
    "                  [--verify-weights]\n"
    "       bitnet-run MODEL.so --generate --prompt-ids 1,2,3 --max-new-tokens N\n"
    "                  [--threads T] [--logits-out FILE.npy]\n"
    "Runs a model compiled by bitnet-compile --emit=lib. --generate decodes\n"
    "greedily with a generative model (one compiled from a decoder with\n"
    "past_key_values inputs) and prints the new token ids and tokens/s.\n";

struct Options {
  std::string model, outputDir, logitsOut, weights;
  bool linkedModel = false;
  std::vector<std::string> inputs;
  std::vector<int64_t> promptIds;
  int threads = 0, repeat = 1, maxNewTokens = 16;
  bool printInfo = false, generate = false, verifyWeights = false;
};

/// Parses `1,2,3`; false on anything else.
bool parseIds(const std::string &text, std::vector<int64_t> &ids) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, comma - start);
    char *end = nullptr;
    errno = 0;
    long long id = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || id < 0 || errno == ERANGE)
      return false;
    ids.push_back(id);
    start = comma + 1;
  }
  return !ids.empty();
}

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
    // An integer in [1, max]; anything else (overflow included) is an error.
    auto positive = [&](const char *name, int &out, long max) {
      char *end = nullptr;
      errno = 0;
      long v = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || v < 1 || v > max || errno == ERANGE) {
        error = std::string(name) + " takes an integer from 1 to " +
                std::to_string(max) + ", not '" + value + "'";
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
      if (!positive("--threads", options.threads, BITNET_MAX_THREADS))
        return false;
    } else if (takeValue("--repeat")) {
      if (!positive("--repeat", options.repeat, 1000000000))
        return false;
    } else if (takeValue("--max-new-tokens")) {
      if (!positive("--max-new-tokens", options.maxNewTokens, 1 << 30))
        return false;
    } else if (takeValue("--prompt-ids")) {
      if (!parseIds(value, options.promptIds)) {
        error = "--prompt-ids takes token ids like 1,2,3, not '" + value + "'";
        return false;
      }
    } else if (takeValue("--weights"))
      options.weights = value;
    else if (takeValue("--logits-out"))
      options.logitsOut = value;
    else if (arg == "--generate")
      options.generate = true;
    else if (arg == "--print-info")
      options.printInfo = true;
    else if (arg == "--verify-weights")
      options.verifyWeights = true;
    else if (arg.rfind("-", 0) != 0 && options.model.empty() && !options.linkedModel)
      options.model = arg;
    else {
      error = "unexpected argument '" + arg + "'";
      return false;
    }
  }
  if (options.model.empty() && !options.linkedModel) {
    error = "no model given";
    return false;
  }
  if (options.generate && options.promptIds.empty()) {
    error = "--generate needs --prompt-ids";
    return false;
  }
  if (options.generate && !options.inputs.empty()) {
    error = "--generate feeds the model itself; --input is for single runs";
    return false;
  }
  return true;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// --generate: greedy decoding in a session (the runtime owns the caches).
int generate(bitnet_model *model, const Options &options) {
  char error[512] = "";
  std::unique_ptr<bitnet_session, void (*)(bitnet_session *)> session(
      bitnet_session_new(model, error, sizeof(error)), bitnet_session_free);
  if (!session)
    return fail(options.model + ": " + error);
  int64_t vocab = bitnet_model_vocab_size(model);
  int64_t capacity = bitnet_model_max_context(model);
  const std::vector<int64_t> &prompt = options.promptIds;
  for (int64_t id : prompt)
    if (id >= vocab)
      return fail("prompt token " + std::to_string(id) + " is outside the vocabulary (" +
                  std::to_string(vocab) + " tokens)");
  int64_t newTokens = std::min<int64_t>(options.maxNewTokens,
                                        capacity - static_cast<int64_t>(prompt.size()) + 1);
  if (newTokens < 1)
    return fail("the prompt (" + std::to_string(prompt.size()) +
                " tokens) does not fit the model's context of " +
                std::to_string(capacity) + " tokens (bitnet-compile --max-context)");
  if (newTokens < options.maxNewTokens)
    std::fprintf(stderr, "bitnet-run: the context holds %lld tokens: generating %lld\n",
                 static_cast<long long>(capacity), static_cast<long long>(newTokens));

  // Row t: the logits that chose new token t.
  bitnet::npy::Array logits;
  logits.descr = "<f4";
  logits.shape = {newTokens, vocab};
  logits.bytes.resize(static_cast<size_t>(newTokens * vocab) * sizeof(float));
  auto row = [&](int64_t t) {
    return reinterpret_cast<float *>(logits.bytes.data()) + t * vocab;
  };
  auto argmax = [&](const float *values) {
    return static_cast<int64_t>(std::max_element(values, values + vocab) - values);
  };

  std::vector<int64_t> tokens;
  auto start = std::chrono::steady_clock::now();
  if (bitnet_session_append(session.get(), prompt.data(), prompt.size(), row(0)) != 0)
    return fail("prefill failed");
  double promptSeconds = secondsSince(start);
  tokens.push_back(argmax(row(0)));
  start = std::chrono::steady_clock::now();
  for (int64_t t = 1; t < newTokens; ++t) {
    if (bitnet_session_append(session.get(), &tokens.back(), 1, row(t)) != 0)
      return fail("decode step failed");
    tokens.push_back(argmax(row(t)));
  }
  double decodeSeconds = secondsSince(start);

  for (size_t i = 0; i < tokens.size(); ++i)
    std::printf("%s%lld", i ? "," : "", static_cast<long long>(tokens[i]));
  std::printf("\n");
  std::fprintf(stderr, "bitnet-run: prompt %zu tokens in %.3f ms (%.1f tokens/s)\n",
               prompt.size(), 1e3 * promptSeconds, prompt.size() / promptSeconds);
  if (newTokens > 1)
    std::fprintf(stderr, "bitnet-run: decode %lld tokens in %.3f ms (%.1f tokens/s)\n",
                 static_cast<long long>(newTokens - 1), 1e3 * decodeSeconds,
                 (newTokens - 1) / decodeSeconds);
  std::string message;
  if (!options.logitsOut.empty() && !bitnet::npy::write(options.logitsOut, logits, message))
    return fail(message);
  return 0;
}

} // namespace

int bitnet::bitnetRunMain(int argc, char **argv, bool linkedModel) {
  Options options;
  options.linkedModel = linkedModel;
  std::string usageError;
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    if (linkedModel)
      std::printf("%s: a model compiled by bitnet-compile --emit=exe, run like bitnet-run "
                  "without the MODEL.so argument:\n", argv[0]);
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!parseOptions(argc, argv, options, usageError)) {
    std::fprintf(stderr, "bitnet-run: %s\n%s", usageError.c_str(), kUsage);
    return 1;
  }

  keepFreedMemory();
  char error[512] = "";
  const char *weights = options.weights.empty() ? nullptr : options.weights.c_str();
  std::unique_ptr<bitnet_model, void (*)(bitnet_model *)> model(
      linkedModel ? bitnet_model_load_linked(weights, error, sizeof(error))
                  : bitnet_model_load_with_weights(options.model.c_str(), weights, error,
                                                   sizeof(error)),
      bitnet_model_free);
  if (!model)
    return fail(error);

  if (options.verifyWeights &&
      bitnet_model_verify_weights(model.get(), error, sizeof(error)) != 0)
    return fail(options.model + ": " + error);
  if (options.threads > 0 &&
      bitnet_model_set_num_threads(model.get(), options.threads) != 0)
    std::fputs("bitnet-run: the model is single-threaded; --threads ignored\n", stderr);
  if (options.generate)
    return generate(model.get(), options);

  int numInputs = bitnet_model_num_inputs(model.get());
  int numOutputs = bitnet_model_num_outputs(model.get());
  if (options.printInfo) {
    auto print = [](const char *kind, const bitnet_tensor_info *info) {
      std::printf("%s %s %s %s\n", kind, info->name, bitnet_dtype_name(info->dtype),
                  shapeText(shapeOf(*info)).c_str());
    };
    if (bitnet_model_is_generative(model.get()))
      std::printf("generative: context %lld tokens, vocabulary %lld; prefill entry point:\n",
                  static_cast<long long>(bitnet_model_max_context(model.get())),
                  static_cast<long long>(bitnet_model_vocab_size(model.get())));
    for (int i = 0; i < numInputs; ++i) {
      const bitnet_tensor_info *info = bitnet_model_input(model.get(), i);
      print(info->state ? "state" : "input", info);
    }
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
    if (name.empty() || path.empty())
      return fail("--input takes NAME=FILE.npy or NAME=FILE.pb, not '" + spec + "'");
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

  if (bitnet_model_check_inputs(model.get(), inputData.data(), error, sizeof(error)) != 0)
    return fail(error);

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
          options.outputDir + "/" + fileNameOf(bitnet_model_output(model.get(), j)->name) +
          ".npy";
      std::string message;
      if (!bitnet::npy::write(path, outputs[j], message))
        return fail(message);
    }
  }
  return 0;
}
