//===- BitNetRuntime.cpp - the C API of compiled models ----------------===//
//
// Plain C++ with no MLIR or LLVM dependency: a program that runs compiled
// models links only this library (and the model's own dependencies, libomp).
//
//===----------------------------------------------------------------------===//

#include "bitnet-c/bitnet.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  bitnet_tensor_info info{};
};

struct DtypeName {
  bitnet_dtype dtype;
  const char *name;
  size_t size;
};

constexpr DtypeName kDtypes[] = {
    {BITNET_DTYPE_F32, "f32", 4},  {BITNET_DTYPE_F16, "f16", 2},
    {BITNET_DTYPE_BF16, "bf16", 2}, {BITNET_DTYPE_F64, "f64", 8},
    {BITNET_DTYPE_I8, "i8", 1},    {BITNET_DTYPE_I16, "i16", 2},
    {BITNET_DTYPE_I32, "i32", 4},  {BITNET_DTYPE_I64, "i64", 8},
    {BITNET_DTYPE_BOOL, "bool", 1},
};

bool parseDtype(const std::string &text, bitnet_dtype &dtype) {
  for (const DtypeName &d : kDtypes)
    if (text == d.name) {
      dtype = d.dtype;
      return true;
    }
  return false;
}

bool parseShape(const std::string &text, std::vector<int64_t> &shape) {
  if (text == "scalar")
    return true;
  std::stringstream in(text);
  std::string dim;
  while (std::getline(in, dim, 'x')) {
    char *end = nullptr;
    long long size = std::strtoll(dim.c_str(), &end, 10);
    if (dim.empty() || *end != '\0' || size < 0)
      return false;
    shape.push_back(size);
  }
  return !shape.empty();
}

/// The weights file's header (docs/abi.md; written by bitnet-compile).
constexpr char kWeightsMagic[8] = {'B', 'I', 'T', 'N', 'E', 'T', 'W', '1'};
constexpr uint32_t kWeightsVersion = 1;
constexpr size_t kWeightsHeaderSize = 64;

uint64_t readLittleEndian(const unsigned char *bytes, unsigned size) {
  uint64_t value = 0;
  for (unsigned i = 0; i < size; ++i)
    value |= uint64_t(bytes[i]) << (8 * i);
  return value;
}

/// A mapped weights file. A library loaded twice in one process is one
/// copy (dlopen counts references), with one @bitnet_weights_base: its
/// mapping is shared, keyed by that global, and unmapped with the last model.
struct WeightsMapping {
  void *address = nullptr;
  size_t length = 0;
  int users = 0;
};
std::mutex weightsMutex;
std::map<void **, WeightsMapping> weightsMappings;

/// Maps `path` and points `*base` at its data, after checking it against the
/// library's size and hash. Empty on success, else the message.
std::string mapWeights(const std::string &path, const std::string &library,
                       void **base, uint64_t size, uint64_t hash) {
  std::lock_guard<std::mutex> lock(weightsMutex);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return "cannot load " + library + ": weights file " + path +
             " not found; it is written next to the library by bitnet-compile "
             "--emit=lib";
    return "cannot load " + library + ": cannot open weights file " + path +
           ": " + std::strerror(errno);
  }
  std::string problem;
  struct stat info {};
  unsigned char header[kWeightsHeaderSize] = {};
  if (fstat(fd, &info) != 0 ||
      pread(fd, header, sizeof header, 0) != static_cast<ssize_t>(sizeof header) ||
      std::memcmp(header, kWeightsMagic, sizeof kWeightsMagic) != 0)
    problem = "is not a BitNet weights file (no BITNETW1 header)";
  else if (readLittleEndian(header + 8, 4) != kWeightsVersion)
    problem = "has version " + std::to_string(readLittleEndian(header + 8, 4)) +
              "; this runtime reads version " + std::to_string(kWeightsVersion);
  else if (readLittleEndian(header + 16, 8) != size ||
           readLittleEndian(header + 24, 8) != hash)
    problem = "does not belong to this library (its size or hash differs from "
              "the one compiled into the library; recompile, or pass the "
              "weights file written with this library)";
  else if (static_cast<uint64_t>(info.st_size) != kWeightsHeaderSize + size)
    problem = "is truncated or has trailing bytes (" +
              std::to_string(info.st_size) + " bytes, expected " +
              std::to_string(kWeightsHeaderSize + size) + ")";
  if (!problem.empty()) {
    close(fd);
    return "cannot load " + library + ": weights file " + path + " " + problem;
  }
  // Already mapped for this library (and checked: the same size and hash).
  auto existing = weightsMappings.find(base);
  if (existing != weightsMappings.end()) {
    close(fd);
    ++existing->second.users;
    return "";
  }
  // Read-only and private: pages come from the page cache on first use and
  // are shared between processes that map the same file.
  size_t length = static_cast<size_t>(info.st_size);
  void *address = mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (address == MAP_FAILED)
    return "cannot load " + library + ": cannot map weights file " + path + ": " +
           std::strerror(errno);
  *base = static_cast<char *>(address) + kWeightsHeaderSize;
  weightsMappings[base] = {address, length, 1};
  return "";
}

void unmapWeights(void **base) {
  std::lock_guard<std::mutex> lock(weightsMutex);
  auto it = weightsMappings.find(base);
  if (it == weightsMappings.end() || --it->second.users > 0)
    return;
  *base = nullptr;
  munmap(it->second.address, it->second.length);
  weightsMappings.erase(it);
}

} // namespace

struct bitnet_model {
  void *library = nullptr;
  void (*run)(void *const *, void *const *) = nullptr;
  void (*setNumThreads)(int) = nullptr;
  /// @bitnet_weights_base of a library compiled with a weights file, once
  /// the file is mapped.
  void **weightsBase = nullptr;
  std::vector<std::unique_ptr<Tensor>> inputs, outputs;

  ~bitnet_model() {
    if (weightsBase)
      unmapWeights(weightsBase);
    if (library)
      dlclose(library);
  }

  /// Parses bitnet_model_info (see bitnet-emit-entry-point); false with
  /// `error` set on a record this runtime does not understand.
  bool parseInfo(const char *text, std::string &error) {
    std::stringstream in(text);
    std::string line;
    if (!std::getline(in, line) || line != "bitnet-model 1") {
      error = "unsupported bitnet_model_info header '" + line + "' (expected 'bitnet-model 1')";
      return false;
    }
    while (std::getline(in, line)) {
      std::stringstream fields(line);
      std::string kind, name, dtype, shape;
      auto tensor = std::make_unique<Tensor>();
      if (!(fields >> kind >> name >> dtype >> shape) ||
          (kind != "input" && kind != "output") ||
          !parseDtype(dtype, tensor->info.dtype) || !parseShape(shape, tensor->shape)) {
        error = "malformed bitnet_model_info line '" + line + "'";
        return false;
      }
      tensor->name = name;
      size_t elements = 1;
      for (int64_t d : tensor->shape)
        elements *= static_cast<size_t>(d);
      tensor->info.name = tensor->name.c_str();
      tensor->info.rank = static_cast<int>(tensor->shape.size());
      tensor->info.shape = tensor->shape.data();
      tensor->info.bytes = elements * bitnet_dtype_size(tensor->info.dtype);
      (kind == "input" ? inputs : outputs).push_back(std::move(tensor));
    }
    return true;
  }
};

extern "C" {

bitnet_model *bitnet_model_load(const char *path, char *error, size_t errorSize) {
  return bitnet_model_load_with_weights(path, nullptr, error, errorSize);
}

bitnet_model *bitnet_model_load_with_weights(const char *path,
                                             const char *weightsPath,
                                             char *error, size_t errorSize) {
  auto fail = [&](const std::string &message) -> bitnet_model * {
    if (error && errorSize > 0)
      std::snprintf(error, errorSize, "%s", message.c_str());
    return nullptr;
  };
  if (!path)
    return fail("no model path");
  auto model = std::make_unique<bitnet_model>();
  // A bare file name is a file here, not a name for the library search path.
  std::string file = std::strchr(path, '/') ? path : std::string("./") + path;
  model->library = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model->library)
    return fail(std::string("cannot load ") + path + ": " + dlerror());
  const char *info =
      static_cast<const char *>(dlsym(model->library, "bitnet_model_info"));
  model->run = reinterpret_cast<void (*)(void *const *, void *const *)>(
      dlsym(model->library, "bitnet_run"));
  if (!info || !model->run)
    return fail(std::string(path) +
                " is not a compiled BitNet model (no bitnet_run / bitnet_model_info; "
                "compile it with bitnet-compile --emit=lib)");
  std::string message;
  if (!model->parseInfo(info, message))
    return fail(std::string(path) + ": " + message);
  // Weights compiled into a side file (bitnet-externalize-weights).
  auto *base = static_cast<void **>(dlsym(model->library, "bitnet_weights_base"));
  if (base) {
    auto *size = static_cast<const uint64_t *>(dlsym(model->library, "bitnet_weights_size"));
    auto *hash = static_cast<const uint64_t *>(dlsym(model->library, "bitnet_weights_hash"));
    if (!size || !hash)
      return fail(std::string(path) +
                  " has bitnet_weights_base but no bitnet_weights_size / "
                  "bitnet_weights_hash");
    std::string weights = weightsPath ? weightsPath : std::string(path) + ".weights";
    message = mapWeights(weights, path, base, *size, *hash);
    if (!message.empty())
      return fail(message);
    model->weightsBase = base;
  } else if (weightsPath) {
    return fail(std::string("cannot load ") + path + " with weights file " +
                weightsPath + ": the library has its weights compiled in");
  }
  // Resolved through the model's own dependencies (libomp), if any.
  model->setNumThreads =
      reinterpret_cast<void (*)(int)>(dlsym(model->library, "omp_set_num_threads"));
  return model.release();
}

void bitnet_model_free(bitnet_model *model) { delete model; }

int bitnet_model_num_inputs(const bitnet_model *model) {
  return model ? static_cast<int>(model->inputs.size()) : 0;
}

int bitnet_model_num_outputs(const bitnet_model *model) {
  return model ? static_cast<int>(model->outputs.size()) : 0;
}

const bitnet_tensor_info *bitnet_model_input(const bitnet_model *model, int index) {
  if (!model || index < 0 || index >= bitnet_model_num_inputs(model))
    return nullptr;
  return &model->inputs[index]->info;
}

const bitnet_tensor_info *bitnet_model_output(const bitnet_model *model, int index) {
  if (!model || index < 0 || index >= bitnet_model_num_outputs(model))
    return nullptr;
  return &model->outputs[index]->info;
}

static int findTensor(const std::vector<std::unique_ptr<Tensor>> &tensors,
                      const char *name) {
  for (size_t i = 0; name && i < tensors.size(); ++i)
    if (tensors[i]->name == name)
      return static_cast<int>(i);
  return -1;
}

int bitnet_model_find_input(const bitnet_model *model, const char *name) {
  return model ? findTensor(model->inputs, name) : -1;
}

int bitnet_model_find_output(const bitnet_model *model, const char *name) {
  return model ? findTensor(model->outputs, name) : -1;
}

int bitnet_model_set_num_threads(bitnet_model *model, int threads) {
  if (!model || !model->setNumThreads || threads < 1)
    return -1;
  model->setNumThreads(threads);
  return 0;
}

int bitnet_model_run(bitnet_model *model, const void *const *inputs,
                     void *const *outputs) {
  if (!model || (!inputs && !model->inputs.empty()) ||
      (!outputs && !model->outputs.empty()))
    return -1;
  for (size_t i = 0; i < model->inputs.size(); ++i)
    if (!inputs[i])
      return -1;
  for (size_t j = 0; j < model->outputs.size(); ++j)
    if (!outputs[j])
      return -1;
  model->run(const_cast<void *const *>(inputs), outputs);
  return 0;
}

size_t bitnet_dtype_size(bitnet_dtype dtype) {
  for (const DtypeName &d : kDtypes)
    if (d.dtype == dtype)
      return d.size;
  return 0;
}

const char *bitnet_dtype_name(bitnet_dtype dtype) {
  for (const DtypeName &d : kDtypes)
    if (d.dtype == dtype)
      return d.name;
  return "?";
}

} // extern "C"
