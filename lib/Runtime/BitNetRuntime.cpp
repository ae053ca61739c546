//===- BitNetRuntime.cpp - the C API of compiled models ----------------===//
//
// Plain C++ with no MLIR or LLVM dependency: a program that runs compiled
// models links only this library (and the model's own dependencies, libomp).
//
//===----------------------------------------------------------------------===//

#include "bitnet-c/bitnet.h"

#include "bitnet/ABI/ModelABI.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <utility>
#include <string>
#include <vector>

namespace abi = ::bitnet::abi;

namespace {

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  bitnet_tensor_info info{};
};

bool parseDtype(const std::string &text, bitnet_dtype &dtype) {
  const abi::DtypeName *found = abi::findDtype(text.c_str());
  if (found)
    dtype = found->dtype;
  return found;
}

bool parseShape(const std::string &text, std::vector<int64_t> &shape) {
  if (text == abi::kScalarShape)
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

/// Copies `message` into the caller's error buffer, if it gave one.
void setError(char *error, size_t errorSize, const std::string &message) {
  if (error && errorSize > 0)
    std::snprintf(error, errorSize, "%s", message.c_str());
}

/// `bounds=LO:HI` of an integer input.
bool parseBounds(const std::string &text, bitnet_tensor_info &info) {
  const size_t prefix = sizeof(abi::kBoundsField) - 1;
  if (text.compare(0, prefix, abi::kBoundsField) != 0)
    return false;
  char *end = nullptr;
  errno = 0;
  long long lower = std::strtoll(text.c_str() + prefix, &end, 10);
  if (*end != ':')
    return false;
  long long upper = std::strtoll(end + 1, &end, 10);
  if (*end != '\0' || errno == ERANGE || lower >= upper)
    return false;
  info.has_bounds = 1;
  info.lower_bound = lower;
  info.upper_bound = upper;
  return true;
}

/// The first element of an input outside its bounds, as a message; empty
/// when all are inside (or the input has none).
std::string checkBounds(const bitnet_tensor_info &info, const void *data) {
  if (!info.has_bounds || !data)
    return "";
  size_t count = info.bytes / std::max<size_t>(1, bitnet_dtype_size(info.dtype));
  auto element = [&](size_t i) -> int64_t {
    switch (info.dtype) {
    case BITNET_DTYPE_I64:
      return static_cast<const int64_t *>(data)[i];
    case BITNET_DTYPE_I32:
      return static_cast<const int32_t *>(data)[i];
    case BITNET_DTYPE_I16:
      return static_cast<const int16_t *>(data)[i];
    default:
      return static_cast<const int8_t *>(data)[i];
    }
  };
  for (size_t i = 0; i < count; ++i) {
    int64_t v = element(i);
    if (v < info.lower_bound || v >= info.upper_bound)
      return "input '" + std::string(info.name) + "' holds " + std::to_string(v) +
             " at element " + std::to_string(i) + ", outside [" +
             std::to_string(info.lower_bound) + ", " +
             std::to_string(info.upper_bound) + ") (it indexes a table of " +
             std::to_string(info.upper_bound) + " rows)";
  }
  return "";
}

/// Whether this CPU has `feature` (an LLVM feature name of
/// abi::kCheckedCpuFeatures); true for names this build cannot test.
bool hostHasCpuFeature(const std::string &feature) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  static const std::pair<const char *, bool> known[] = {
      {"avx", __builtin_cpu_supports("avx")},
      {"avx2", __builtin_cpu_supports("avx2")},
      {"fma", __builtin_cpu_supports("fma")},
      {"f16c", __builtin_cpu_supports("f16c")},
      {"avx512f", __builtin_cpu_supports("avx512f")},
      {"avx512bw", __builtin_cpu_supports("avx512bw")},
      {"avx512dq", __builtin_cpu_supports("avx512dq")},
      {"avx512vl", __builtin_cpu_supports("avx512vl")},
      {"avx512vnni", __builtin_cpu_supports("avx512vnni")},
      {"avx512vbmi", __builtin_cpu_supports("avx512vbmi")},
      {"avx512bf16", __builtin_cpu_supports("avx512bf16")},
      {"avx512fp16", __builtin_cpu_supports("avx512fp16")},
      {"avxvnni", __builtin_cpu_supports("avxvnni")},
  };
  for (const auto &[name, present] : known)
    if (feature == name)
      return present;
#elif defined(__aarch64__)
  unsigned long hwcap = getauxval(AT_HWCAP), hwcap2 = getauxval(AT_HWCAP2);
  if (feature == "neon")
    return hwcap & HWCAP_ASIMD;
  if (feature == "dotprod")
    return hwcap & HWCAP_ASIMDDP;
  if (feature == "fullfp16")
    return hwcap & HWCAP_ASIMDHP;
  if (feature == "i8mm")
    return hwcap2 & HWCAP2_I8MM;
#endif
  return true;
}

/// The features of `bitnet_cpu_features` (comma-separated) this CPU lacks,
/// comma-separated; empty when it has them all.
std::string missingCpuFeatures(const char *required) {
  std::string missing;
  std::stringstream in(required ? required : "");
  std::string feature;
  while (std::getline(in, feature, ','))
    if (!feature.empty() && !hostHasCpuFeature(feature))
      missing += (missing.empty() ? "" : ", ") + feature;
  return missing;
}

/// Checks that every segment of the ELF file `path` lies inside the file:
/// a truncated library is an error here instead of a SIGBUS when dlopen
/// touches its missing pages. Empty on success (and for files that are not
/// 64-bit little-endian ELF, which dlopen then rejects itself).
std::string checkLibraryFile(const std::string &path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return ""; // dlopen says why
  struct stat st {};
  std::string problem;
  Elf64_Ehdr header{};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    problem = "is not a regular file";
  } else if (pread(fd, &header, sizeof header, 0) == static_cast<ssize_t>(sizeof header) &&
             std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 &&
             header.e_ident[EI_CLASS] == ELFCLASS64 &&
             header.e_phentsize == sizeof(Elf64_Phdr)) {
    uint64_t size = static_cast<uint64_t>(st.st_size), needed = 0;
    std::vector<Elf64_Phdr> segments(header.e_phnum);
    size_t tableBytes = segments.size() * sizeof(Elf64_Phdr);
    if (header.e_phoff > size || tableBytes > size - header.e_phoff ||
        pread(fd, segments.data(), tableBytes, static_cast<off_t>(header.e_phoff)) !=
            static_cast<ssize_t>(tableBytes))
      needed = UINT64_MAX;
    for (const Elf64_Phdr &segment : segments)
      if (segment.p_type == PT_LOAD &&
          (segment.p_offset > size || segment.p_filesz > size - segment.p_offset))
        needed = std::max<uint64_t>(needed, segment.p_offset + segment.p_filesz);
    if (needed)
      problem = "is truncated (" + std::to_string(size) +
                " bytes; its segments need more)";
  }
  close(fd);
  return problem;
}

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
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
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
  unsigned char header[abi::kWeightsHeaderSize] = {};
  auto field = [&](size_t offset, unsigned bytes) {
    return readLittleEndian(header + offset, bytes);
  };
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode))
    problem = "is not a regular file";
  else if (pread(fd, header, sizeof header, 0) != static_cast<ssize_t>(sizeof header) ||
      std::memcmp(header, abi::kWeightsMagic, sizeof abi::kWeightsMagic) != 0)
    problem = "is not a BitNet weights file (no BITNETW1 header)";
  else if (field(abi::kWeightsVersionOffset, 4) != abi::kWeightsVersion)
    problem = "has version " + std::to_string(field(abi::kWeightsVersionOffset, 4)) +
              "; this runtime reads version " + std::to_string(abi::kWeightsVersion);
  else if (field(abi::kWeightsHeaderSizeOffset, 4) != abi::kWeightsHeaderSize)
    problem = "has a header of " + std::to_string(field(abi::kWeightsHeaderSizeOffset, 4)) +
              " bytes; this runtime reads " + std::to_string(abi::kWeightsHeaderSize);
  else if (field(abi::kWeightsDataSizeOffset, 8) != size ||
           field(abi::kWeightsHashOffset, 8) != hash)
    problem = "does not belong to this library (its size or hash differs from "
              "the one compiled into the library; recompile, or pass the "
              "weights file written with this library)";
  else if (static_cast<uint64_t>(info.st_size) != abi::kWeightsHeaderSize + size)
    problem = "is truncated or has trailing bytes (" +
              std::to_string(info.st_size) + " bytes, expected " +
              std::to_string(abi::kWeightsHeaderSize + size) + ")";
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
  *base = static_cast<char *>(address) + abi::kWeightsHeaderSize;
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


/// One entry point of a library: `bitnet_run[_<name>]` and the tensors of
/// its `bitnet_model_info[_<name>]` record.
struct Entry {
  void (*run)(void *const *, void *const *) = nullptr;
  /// Inputs in argument order, state (key-value caches) included.
  std::vector<std::unique_ptr<Tensor>> inputs, outputs;

  /// Parses the record (see bitnet-emit-entry-point); false with `error` set
  /// on a record this runtime does not understand.
  bool parseInfo(const char *text, std::string &error) {
    std::stringstream in(text);
    std::string line;
    if (!std::getline(in, line) || line != abi::kModelRecordHeader) {
      error = "unsupported bitnet_model_info header '" + line + "' (expected '" +
              abi::kModelRecordHeader + "')";
      return false;
    }
    while (std::getline(in, line)) {
      std::stringstream fields(line);
      std::string kind, name, dtype, shape;
      auto tensor = std::make_unique<Tensor>();
      if (!(fields >> kind >> name >> dtype >> shape) ||
          (kind != abi::kInputKind && kind != abi::kStateKind &&
           kind != abi::kOutputKind) ||
          !parseDtype(dtype, tensor->info.dtype) || !parseShape(shape, tensor->shape)) {
        error = "malformed bitnet_model_info line '" + line + "'";
        return false;
      }
      std::string extra;
      if (fields >> extra && !parseBounds(extra, tensor->info)) {
        error = "malformed bitnet_model_info line '" + line + "'";
        return false;
      }
      tensor->name = name;
      size_t elements = 1;
      for (int64_t d : tensor->shape)
        if (__builtin_mul_overflow(elements, static_cast<size_t>(d), &elements)) {
          error = "bitnet_model_info line '" + line + "' has an impossible size";
          return false;
        }
      tensor->info.name = tensor->name.c_str();
      tensor->info.rank = static_cast<int>(tensor->shape.size());
      tensor->info.shape = tensor->shape.data();
      tensor->info.bytes = elements * bitnet_dtype_size(tensor->info.dtype);
      tensor->info.state = kind == abi::kStateKind;
      (kind == abi::kOutputKind ? outputs : inputs).push_back(std::move(tensor));
    }
    return true;
  }

  const Tensor *find(const std::vector<std::unique_ptr<Tensor>> &tensors,
                     const std::string &name) const {
    for (const auto &tensor : tensors)
      if (tensor->name == name)
        return tensor.get();
    return nullptr;
  }
};

/// Looks up `bitnet_run[_<entryName>]` and its record in `library`. Returns false
/// when the library has no such entry; sets `error` when its record is bad.
bool loadEntry(void *library, const std::string &entryName, Entry &entry,
               std::string &error) {
  const char *info = static_cast<const char *>(
      dlsym(library, abi::entrySymbol(abi::kModelInfoSymbol, entryName).c_str()));
  entry.run = reinterpret_cast<void (*)(void *const *, void *const *)>(
      dlsym(library, abi::entrySymbol(abi::kRunSymbol, entryName).c_str()));
  if (!info || !entry.run)
    return false;
  return entry.parseInfo(info, error);
}

} // namespace

struct bitnet_model {
  void *library = nullptr;
  void (*setNumThreads)(int) = nullptr;
  /// @bitnet_weights_base of a library compiled with a weights file, once
  /// the file is mapped.
  void **weightsBase = nullptr;
  /// What bitnet_model_run runs: `bitnet_run`, or a generative model's
  /// prefill entry point.
  Entry primary;
  /// A generative model's entry points (docs/abi.md), else not loaded.
  Entry prefill, decode;
  bool generative = false;

  ~bitnet_model() {
    if (weightsBase)
      unmapWeights(weightsBase);
    if (library)
      dlclose(library);
  }
};

namespace {

/// The names a generative model's entry points bind (docs/abi.md).
using abi::kAttentionMask;
using abi::kCachePosition;
using abi::kInputIds;
using abi::kLogits;
using abi::kLogitsIndex;
using abi::kPositionIds;

/// A generative model's cache capacity in tokens: the length of its caches
/// (an attention_mask input, when the graph has one, is as long), or -1.
int64_t cacheCapacity(const Entry &entry) {
  for (const auto &input : entry.inputs)
    if (input->info.state)
      return input->shape.size() == 4 ? input->shape[2] : -1;
  return -1;
}

/// Checks that a generative model's entry point has the signature the
/// session drives; empty on success, else the message.
std::string checkGenerativeEntry(const Entry &entry, const char *name,
                                 int64_t capacity) {
  std::string prefix = std::string(name) + " entry point: ";
  if (entry.outputs.size() != 1 || entry.outputs[0]->name != kLogits ||
      entry.outputs[0]->info.dtype != BITNET_DTYPE_F32 ||
      entry.outputs[0]->shape.size() != 3)
    return prefix + "expected one output, logits f32 [1, tokens, vocab]";
  const Tensor *ids = entry.find(entry.inputs, kInputIds);
  if (!ids || ids->shape.size() != 2)
    return prefix + "expected an input input_ids i64 [1, tokens]";
  int64_t tokens = ids->shape[1];
  // With logits_index, the logits of that one token (bitnet-last-token-logits).
  int64_t logitRows = entry.find(entry.inputs, kLogitsIndex) ? 1 : tokens;
  if (entry.outputs[0]->shape[1] != logitRows)
    return prefix + "logits has " + std::to_string(entry.outputs[0]->shape[1]) +
           " rows; expected " + std::to_string(logitRows);
  for (const auto &input : entry.inputs) {
    const Tensor &t = *input;
    if (t.info.state) {
      if (t.shape.size() != 4 || t.shape[2] != capacity)
        return prefix + "cache " + t.name + " is not [batch, heads, " +
               std::to_string(capacity) + ", head_dim]";
      continue;
    }
    std::vector<int64_t> expected;
    if (t.name == kInputIds || t.name == kPositionIds)
      expected = {1, tokens};
    else if (t.name == kAttentionMask)
      expected = {1, capacity};
    else if (t.name == kCachePosition || t.name == kLogitsIndex)
      expected = {1};
    else
      return prefix + "input " + t.name + " is not one the runtime can fill "
             "(input_ids, attention_mask, position_ids, cache_position, logits_index)";
    if (t.info.dtype != BITNET_DTYPE_I64 || t.shape != expected)
      return prefix + "input " + t.name + " has an unexpected type or shape";
  }
  return "";
}

} // namespace

namespace {
/// Zero-filled memory whose pages the kernel supplies on first write
/// (private anonymous pages read as zero): a session's caches take memory
/// for the slots its context has used, not for the whole capacity (4.8 GB
/// for a 0.7B model with 16384 slots), and cost nothing to create.
class ZeroPages {
public:
  ZeroPages() = default;
  ZeroPages(const ZeroPages &) = delete;
  ZeroPages &operator=(const ZeroPages &) = delete;
  ~ZeroPages() {
    if (address)
      munmap(address, bytes);
  }

  /// Maps `size` bytes; false if the system refuses.
  bool allocate(size_t size) {
    void *mapped = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED)
      return false;
    address = mapped;
    bytes = size;
    return true;
  }
  /// Zero again: the pages go back to the system and read as zero.
  void clear() { madvise(address, bytes, MADV_DONTNEED); }
  void *data() const { return address; }

private:
  void *address = nullptr;
  size_t bytes = 0;
};
} // namespace

/// A generative model's context: its key-value caches and position.
struct bitnet_session {
  bitnet_model *model = nullptr;
  int64_t length = 0;
  /// Set while a call appends: a second thread appending to the same
  /// session at once is refused instead of corrupting the caches.
  std::atomic_flag busy = ATOMIC_FLAG_INIT;
  /// Cache buffers by name, zero-filled (masked slots must hold finite
  /// values: the graph multiplies them by zero weights).
  std::map<std::string, ZeroPages> caches;
  std::vector<unsigned char> logits;

  /// Runs `entry` on `tokens` (at most its token count; the rest is padding)
  /// and copies the last real token's logits to `out`.
  void step(const Entry &entry, const int64_t *tokens, int64_t count,
            float *out) {
    int64_t slots = entry.find(entry.inputs, kInputIds)->shape[1];
    int64_t logitRows = entry.outputs[0]->shape[1];
    int64_t vocab = entry.outputs[0]->shape[2];
    int64_t capacity = cacheCapacity(model->decode);
    std::vector<int64_t> ids(slots, 0), positions(slots), mask(capacity, 0);
    for (int64_t i = 0; i < slots; ++i) {
      ids[i] = i < count ? tokens[i] : 0;
      positions[i] = length + i;
    }
    for (int64_t j = 0; j < length + count; ++j)
      mask[j] = 1;
    int64_t position = length, lastToken = count - 1;
    logits.resize(entry.outputs[0]->info.bytes);
    std::vector<void *> inputs;
    for (const auto &input : entry.inputs) {
      const std::string &name = input->name;
      if (input->info.state)
        inputs.push_back(caches.at(name).data());
      else if (name == kInputIds)
        inputs.push_back(ids.data());
      else if (name == kPositionIds)
        inputs.push_back(positions.data());
      else if (name == kAttentionMask)
        inputs.push_back(mask.data());
      else if (name == kLogitsIndex)
        inputs.push_back(&lastToken);
      else
        inputs.push_back(&position);
    }
    void *outputs[] = {logits.data()};
    entry.run(inputs.data(), outputs);
    length += count;
    int64_t row = logitRows == 1 ? 0 : count - 1;
    if (out)
      std::memcpy(out, logits.data() + row * vocab * sizeof(float),
                  vocab * sizeof(float));
  }
};

namespace {
bitnet_model *loadModel(void *library, const std::string &display,
                        const std::string &weights, bool weightsGiven,
                        char *error, size_t errorSize);
} // namespace

extern "C" {

bitnet_model *bitnet_model_load(const char *path, char *error, size_t errorSize) {
  return bitnet_model_load_with_weights(path, nullptr, error, errorSize);
}

bitnet_model *bitnet_model_load_with_weights(const char *path,
                                             const char *weightsPath,
                                             char *error, size_t errorSize) {
  auto fail = [&](const std::string &message) -> bitnet_model * {
    setError(error, errorSize, message);
    return nullptr;
  };
  if (!path)
    return fail("no model path");
  // A bare file name is a file here, not a name for the library search path.
  std::string file = std::strchr(path, '/') ? path : std::string("./") + path;
  std::string problem = checkLibraryFile(file);
  if (!problem.empty())
    return fail(std::string("cannot load ") + path + ": the library " + problem);
  void *library = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return fail(std::string("cannot load ") + path + ": " + dlerror());
  return loadModel(library, path,
                   weightsPath ? weightsPath : std::string(path) + ".weights",
                   weightsPath != nullptr, error, errorSize);
}

bitnet_model *bitnet_model_load_linked(const char *weightsPath, char *error,
                                       size_t errorSize) {
  // The executable itself (bitnet-compile --emit=exe exports the model's
  // symbols from it).
  char self[4096] = "";
  ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string program = length > 0 ? std::string(self, static_cast<size_t>(length))
                                   : std::string("this program");
  void *library = dlopen(nullptr, RTLD_NOW);
  if (!library) {
    if (error && errorSize > 0)
      std::snprintf(error, errorSize, "cannot open %s: %s", program.c_str(), dlerror());
    return nullptr;
  }
  return loadModel(library, program,
                   weightsPath ? weightsPath : program + ".weights",
                   weightsPath != nullptr, error, errorSize);
}

} // extern "C"

namespace {

/// Loads the model whose symbols `library` (a dlopen handle, owned by the
/// result) has; `display` names it in messages.
bitnet_model *loadModel(void *library, const std::string &display,
                        const std::string &weights, bool weightsGiven,
                        char *error, size_t errorSize) {
  auto fail = [&](const std::string &message) -> bitnet_model * {
    setError(error, errorSize, message);
    return nullptr;
  };
  const char *path = display.c_str();
  const char *weightsPath = weightsGiven ? weights.c_str() : nullptr;
  auto model = std::make_unique<bitnet_model>();
  model->library = library;
  // Before any of its code runs: a CPU without the features it was
  // compiled for would stop at the first such instruction (SIGILL).
  std::string missing = missingCpuFeatures(
      static_cast<const char *>(dlsym(library, abi::kCpuFeaturesSymbol)));
  if (!missing.empty())
    return fail(std::string(path) + " was compiled for a CPU with " + missing +
                ", which this CPU lacks; compile it with bitnet-compile "
                "--mcpu=native (or the CPU it runs on)");
  std::string message;
  bool plain = loadEntry(model->library, "", model->primary, message);
  if (!plain && message.empty()) {
    bool prefill = loadEntry(model->library, abi::kPrefillEntry, model->prefill, message);
    bool decode = message.empty() &&
                  loadEntry(model->library, abi::kDecodeEntry, model->decode, message);
    model->generative = prefill && decode;
    if (model->generative)
      plain = loadEntry(model->library, abi::kPrefillEntry, model->primary, message);
  }
  if (!message.empty())
    return fail(std::string(path) + ": " + message);
  if (!plain)
    return fail(std::string(path) +
                " is not a compiled BitNet model (no bitnet_run / bitnet_model_info; "
                "compile it with bitnet-compile --emit=lib)");
  if (model->generative) {
    int64_t capacity = cacheCapacity(model->decode);
    for (auto [entry, name] : {std::pair<const Entry *, const char *>{&model->prefill, "prefill"},
                               {&model->decode, "decode"}}) {
      message = checkGenerativeEntry(*entry, name, capacity);
      if (!message.empty())
        return fail(std::string(path) + ": " + message);
    }
  }
  // Weights compiled into a side file (bitnet-externalize-weights).
  auto *base = static_cast<void **>(dlsym(model->library, abi::kWeightsBaseSymbol));
  if (base) {
    auto *size =
        static_cast<const uint64_t *>(dlsym(model->library, abi::kWeightsSizeSymbol));
    auto *hash =
        static_cast<const uint64_t *>(dlsym(model->library, abi::kWeightsHashSymbol));
    if (!size || !hash)
      return fail(std::string(path) +
                  " has bitnet_weights_base but no bitnet_weights_size / "
                  "bitnet_weights_hash");
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

} // namespace

extern "C" {

void bitnet_model_free(bitnet_model *model) { delete model; }

int bitnet_model_num_inputs(const bitnet_model *model) {
  return model ? static_cast<int>(model->primary.inputs.size()) : 0;
}

int bitnet_model_num_outputs(const bitnet_model *model) {
  return model ? static_cast<int>(model->primary.outputs.size()) : 0;
}

const bitnet_tensor_info *bitnet_model_input(const bitnet_model *model, int index) {
  if (!model || index < 0 || index >= bitnet_model_num_inputs(model))
    return nullptr;
  return &model->primary.inputs[index]->info;
}

const bitnet_tensor_info *bitnet_model_output(const bitnet_model *model, int index) {
  if (!model || index < 0 || index >= bitnet_model_num_outputs(model))
    return nullptr;
  return &model->primary.outputs[index]->info;
}

static int findTensor(const std::vector<std::unique_ptr<Tensor>> &tensors,
                      const char *name) {
  for (size_t i = 0; name && i < tensors.size(); ++i)
    if (tensors[i]->name == name)
      return static_cast<int>(i);
  return -1;
}

int bitnet_model_find_input(const bitnet_model *model, const char *name) {
  return model ? findTensor(model->primary.inputs, name) : -1;
}

int bitnet_model_find_output(const bitnet_model *model, const char *name) {
  return model ? findTensor(model->primary.outputs, name) : -1;
}

int bitnet_model_set_num_threads(bitnet_model *model, int threads) {
  if (!model || !model->setNumThreads || threads < 1 || threads > BITNET_MAX_THREADS)
    return -1;
  model->setNumThreads(threads);
  return 0;
}

int bitnet_model_run(bitnet_model *model, const void *const *inputs,
                     void *const *outputs) {
  if (!model)
    return -1;
  const Entry &entry = model->primary;
  if ((!inputs && !entry.inputs.empty()) || (!outputs && !entry.outputs.empty()))
    return -1;
  if (bitnet_model_check_inputs(model, inputs, nullptr, 0) != 0)
    return -1;
  for (size_t j = 0; j < entry.outputs.size(); ++j)
    if (!outputs[j])
      return -1;
  entry.run(const_cast<void *const *>(inputs), outputs);
  return 0;
}

int bitnet_model_check_inputs(const bitnet_model *model, const void *const *inputs,
                              char *error, size_t errorSize) {
  auto fail = [&](const std::string &message) {
    setError(error, errorSize, message);
    return -1;
  };
  if (!model)
    return fail("no model");
  const Entry &entry = model->primary;
  if (!inputs && !entry.inputs.empty())
    return fail("no inputs");
  for (size_t i = 0; i < entry.inputs.size(); ++i) {
    if (!inputs[i])
      return fail("input '" + entry.inputs[i]->name + "' is NULL");
    std::string problem = checkBounds(entry.inputs[i]->info, inputs[i]);
    if (!problem.empty())
      return fail(problem);
  }
  return 0;
}

int bitnet_model_verify_weights(const bitnet_model *model, char *error,
                                size_t errorSize) {
  auto fail = [&](const std::string &message) {
    setError(error, errorSize, message);
    return -1;
  };
  if (!model)
    return fail("no model");
  if (!model->weightsBase)
    return 0;
  auto *size = static_cast<const uint64_t *>(dlsym(model->library, abi::kWeightsSizeSymbol));
  auto *hash = static_cast<const uint64_t *>(dlsym(model->library, abi::kWeightsHashSymbol));
  if (!size || !hash || !*model->weightsBase)
    return fail("the library records no weights size or hash");
  uint64_t actual = abi::weightsHash(static_cast<const char *>(*model->weightsBase),
                                     static_cast<size_t>(*size));
  if (actual != *hash)
    return fail("the weights data does not match the library (its hash differs: the "
                "file was modified after it was written)");
  return 0;
}

int bitnet_model_is_generative(const bitnet_model *model) {
  return model && model->generative;
}

int64_t bitnet_model_max_context(const bitnet_model *model) {
  if (!bitnet_model_is_generative(model))
    return 0;
  return cacheCapacity(model->decode);
}

int64_t bitnet_model_vocab_size(const bitnet_model *model) {
  if (!bitnet_model_is_generative(model))
    return 0;
  return model->decode.outputs[0]->shape[2];
}

bitnet_session *bitnet_session_new(bitnet_model *model, char *error,
                                   size_t errorSize) {
  if (!bitnet_model_is_generative(model)) {
    if (error && errorSize > 0)
      std::snprintf(error, errorSize, "%s",
                    "the model has no prefill/decode entry points (compile a "
                    "decoder exported with past_key_values inputs)");
    return nullptr;
  }
  auto session = std::make_unique<bitnet_session>();
  session->model = model;
  for (const auto &input : model->decode.inputs)
    if (input->info.state && !session->caches[input->name].allocate(input->info.bytes)) {
      if (error && errorSize > 0)
        std::snprintf(error, errorSize, "cannot allocate %zu bytes for cache %s: %s",
                      input->info.bytes, input->name.c_str(), std::strerror(errno));
      return nullptr;
    }
  return session.release();
}

void bitnet_session_free(bitnet_session *session) { delete session; }

void bitnet_session_reset(bitnet_session *session) {
  if (!session)
    return;
  session->length = 0;
  for (auto &cache : session->caches)
    cache.second.clear();
}

int64_t bitnet_session_length(const bitnet_session *session) {
  return session ? session->length : 0;
}

int bitnet_session_append(bitnet_session *session, const int64_t *tokens,
                          size_t count, float *logits) {
  if (!session || !tokens || count == 0 || session->busy.test_and_set())
    return -1;
  struct Release {
    std::atomic_flag &flag;
    ~Release() { flag.clear(); }
  } release{session->busy};
  bitnet_model *model = session->model;
  int64_t capacity = bitnet_model_max_context(model);
  int64_t vocab = bitnet_model_vocab_size(model);
  // Unsigned: a count near SIZE_MAX must not wrap past the check.
  if (count > static_cast<uint64_t>(capacity - session->length))
    return -1;
  const Tensor *ids = model->prefill.find(model->prefill.inputs, kInputIds);
  for (size_t i = 0; i < count; ++i)
    if (tokens[i] < 0 || tokens[i] >= vocab ||
        (ids->info.has_bounds && tokens[i] >= ids->info.upper_bound))
      return -1;
  int64_t chunk = model->prefill.find(model->prefill.inputs, kInputIds)->shape[1];
  while (count > 0) {
    // Several tokens go through prefill (padded to its size) while its
    // padding still fits in the cache; single tokens through decode.
    int64_t n = 1;
    const Entry *entry = &model->decode;
    if (count > 1 && session->length + chunk <= capacity) {
      n = std::min<int64_t>(static_cast<int64_t>(count), chunk);
      entry = &model->prefill;
    }
    session->step(*entry, tokens, n, static_cast<int64_t>(count) == n ? logits : nullptr);
    tokens += n;
    count -= static_cast<size_t>(n);
  }
  return 0;
}

size_t bitnet_dtype_size(bitnet_dtype dtype) {
  const abi::DtypeName *found = abi::findDtype(dtype);
  return found ? found->bytes : 0;
}

const char *bitnet_dtype_name(bitnet_dtype dtype) {
  const abi::DtypeName *found = abi::findDtype(dtype);
  return found ? found->name : "?";
}

} // extern "C"
