//===- BitNetRuntime.cpp - the C API of compiled models ----------------===//
//
// Plain C++ with no MLIR or LLVM dependency: a program that runs compiled
// models links only this library (and the model's own dependencies, libomp).
//
//===----------------------------------------------------------------------===//

#include "bitnet-c/bitnet.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <memory>
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

} // namespace

struct bitnet_model {
  void *library = nullptr;
  void (*run)(void *const *, void *const *) = nullptr;
  void (*setNumThreads)(int) = nullptr;
  std::vector<std::unique_ptr<Tensor>> inputs, outputs;

  ~bitnet_model() {
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
