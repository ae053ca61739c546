//===- TuningSpec.cpp - Kernel choices read from a file ---------------===//

#include "bitnet/Target/TuningSpec.h"

#include "bitnet/Dialect/BitNet/IR/KernelConfigLimits.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstdlib>

using namespace mlir::bitnet;

/// Tuning files hold one entry per shape: kilobytes.
static constexpr uint64_t kMaxTuningFileBytes = uint64_t(16) << 20;

const std::vector<std::string> &mlir::bitnet::ternaryKernelFieldNames() {
  static const std::vector<std::string> names = {
      "vector_bytes",      "rows_per_block",   "token_tile",
      "row_tile",          "single_token_row_tile", "prefetch_distance",
      "cache_line_bytes",  "decode_accumulators",   "i16_accumulation"};
  return names;
}

const std::vector<std::string> &mlir::bitnet::floatKernelFieldNames() {
  static const std::vector<std::string> names = {"lanes",    "rows",     "cols",
                                                 "l1_bytes", "l2_bytes", "fma"};
  return names;
}

const FloatTuningEntry *TuningSpec::lookupFloat(int64_t m, int64_t n,
                                               int64_t k) const {
  const FloatTuningEntry *found = nullptr;
  for (const FloatTuningEntry &entry : floatMatmul)
    if (entry.m == m && entry.n == n && entry.k == k)
      found = &entry;
  return found;
}

const TernaryTuningEntry *TuningSpec::lookup(int64_t m, int64_t k,
                                             int64_t n) const {
  const TernaryTuningEntry *found = nullptr;
  for (const TernaryTuningEntry &entry : ternaryMatmul)
    if (entry.m == m && entry.k == k && (!entry.n || *entry.n == n))
      found = &entry;
  return found;
}

namespace {

/// Whether `value` may be field `name` of a kernel configuration: the
/// bounds the attributes' verifiers apply (bitnet/Dialect/BitNet/IR/
/// KernelConfigLimits.h), checked when the file is read, so that an entry
/// no product matches is still an error. Empty when fine, else why not.
std::string checkField(const std::string &name, int64_t value) {
  auto within = [&](int64_t lo, int64_t hi) {
    return value >= lo && value <= hi
               ? std::string()
               : "must be from " + std::to_string(lo) + " to " + std::to_string(hi);
  };
  auto oneOf = [&](std::initializer_list<int64_t> allowed, const char *text) {
    return llvm::is_contained(allowed, value) ? std::string()
                                              : std::string("must be ") + text;
  };
  if (name == "vector_bytes")
    return oneOf({16, 32, 64}, "16, 32 or 64");
  if (name == "lanes")
    return oneOf({4, 8, 16}, "4, 8 or 16");
  if (name == "decode_accumulators")
    return oneOf({1, 2, 4}, "1, 2 or 4");
  if (name == "i16_accumulation" || name == "fma")
    return within(0, 1);
  if (name == "cache_line_bytes")
    return value > 0 && llvm::isPowerOf2_64(value) && value <= kMaxConfigBytes
               ? std::string()
               : "must be a power of two";
  if (name == "rows_per_block")
    return within(1, int64_t(1) << 30);
  if (name == "prefetch_distance")
    return within(0, kMaxConfigBytes);
  if (name == "l1_bytes" || name == "l2_bytes")
    return within(1, kMaxConfigBytes);
  return within(1, kMaxRegisterTile); // the register tiles
}

/// Records kernel-configuration field `name`; false with `error` set when
/// the value is out of its bounds.
bool setField(std::map<std::string, int64_t> &fields, const std::string &name,
              int64_t value, std::string &error) {
  std::string bad = checkField(name, value);
  if (!bad.empty()) {
    error = "\"" + name + "\" " + bad + ", not " + std::to_string(value);
    return false;
  }
  fields[name] = value;
  return true;
}

/// An integer field (true / false count as 1 / 0); nullopt otherwise.
std::optional<int64_t> integerOf(const llvm::json::Value &value) {
  if (std::optional<int64_t> number = value.getAsInteger())
    return number;
  if (std::optional<bool> flag = value.getAsBoolean())
    return *flag;
  return std::nullopt;
}

/// One entry of "ternary_matmul"; false with `error` set.
bool parseEntry(const llvm::json::Object &object, TernaryTuningEntry &entry,
                std::string &error) {
  for (const auto &[key, value] : object) {
    llvm::StringRef name = key;
    if (name == "format") {
      std::optional<llvm::StringRef> text = value.getAsString();
      if (!text || !llvm::is_contained({"i2s", "tl1", "tl2", "t5", "tl2r"}, *text)) {
        error = "\"format\" must be i2s, tl1, tl2, t5 or tl2r";
        return false;
      }
      entry.format = text->str();
      continue;
    }
    if (name == "us" || name == "default_us") {
      std::optional<double> micros = value.getAsNumber();
      if (!micros || *micros < 0) {
        error = "\"" + name.str() + "\" must be a non-negative number";
        return false;
      }
      (name == "us" ? entry.micros : entry.defaultMicros) = *micros;
      continue;
    }
    std::optional<int64_t> number = integerOf(value);
    if (!number) {
      error = "\"" + name.str() + "\" must be an integer";
      return false;
    }
    if (name == "m")
      entry.m = *number;
    else if (name == "k")
      entry.k = *number;
    else if (name == "n")
      entry.n = *number;
    else if (llvm::is_contained(ternaryKernelFieldNames(), name.str())) {
      if (!setField(entry.fields, name.str(), *number, error))
        return false;
    } else {
      error = "unknown key \"" + name.str() + "\" (expected m, k, n, format, us, "
              "default_us or a #bitnet.ternary_kernel field)";
      return false;
    }
  }
  if (entry.m <= 0 || entry.k <= 0 || (entry.n && *entry.n <= 0)) {
    error = "an entry needs positive \"m\" and \"k\" (and \"n\", if given)";
    return false;
  }
  return true;
}

/// One entry of "float_matmul"; false with `error` set.
bool parseEntry(const llvm::json::Object &object, FloatTuningEntry &entry,
                std::string &error) {
  for (const auto &[key, value] : object) {
    llvm::StringRef name = key;
    std::optional<int64_t> number = integerOf(value);
    if (!number) {
      error = "\"" + name.str() + "\" must be an integer";
      return false;
    }
    if (name == "m")
      entry.m = *number;
    else if (name == "n")
      entry.n = *number;
    else if (name == "k")
      entry.k = *number;
    else if (llvm::is_contained(floatKernelFieldNames(), name.str())) {
      if (!setField(entry.fields, name.str(), *number, error))
        return false;
    } else {
      error = "unknown key \"" + name.str() +
              "\" (expected m, n, k or a #bitnet.float_kernel field)";
      return false;
    }
  }
  if (entry.m <= 0 || entry.n <= 0 || entry.k <= 0) {
    error = "an entry needs positive \"m\", \"n\" and \"k\"";
    return false;
  }
  return true;
}

/// The entries of one list into `entries`; false with `error` set.
template <typename Entry>
bool parseEntries(const llvm::json::Value &value, llvm::StringRef section,
                  std::vector<Entry> &entries, std::string &error) {
  const llvm::json::Array *list = value.getAsArray();
  if (!list) {
    error = "\"" + section.str() + "\" must be a list of entries";
    return false;
  }
  for (const llvm::json::Value &item : *list) {
    const llvm::json::Object *object = item.getAsObject();
    Entry entry;
    std::string problem = "an entry must be an object";
    if (!object || !parseEntry(*object, entry, problem)) {
      error = section.str() + " entry " + std::to_string(entries.size()) + ": " + problem;
      return false;
    }
    entries.push_back(std::move(entry));
  }
  return true;
}

/// The "target" object: strings "cpu" and "features".
bool parseTarget(const llvm::json::Value &value, TuningSpec &spec, std::string &error) {
  const llvm::json::Object *object = value.getAsObject();
  if (!object) {
    error = "\"target\" must be an object";
    return false;
  }
  TuningTarget target;
  for (const auto &[key, field] : *object) {
    std::optional<llvm::StringRef> text = field.getAsString();
    if (!text || (key != "cpu" && key != "features")) {
      error = "\"target\" takes the strings \"cpu\" and \"features\"";
      return false;
    }
    (key == "cpu" ? target.cpu : target.features) = text->str();
  }
  spec.target = target;
  return true;
}

} // namespace

void mlir::bitnet::writeTuningSpec(const TuningSpec &spec, llvm::raw_ostream &os) {
  llvm::json::OStream json(os, 2);
  json.object([&] {
    if (spec.target)
      json.attributeObject("target", [&] {
        json.attribute("cpu", spec.target->cpu);
        json.attribute("features", spec.target->features);
      });
    json.attributeArray("ternary_matmul", [&] {
      for (const TernaryTuningEntry &entry : spec.ternaryMatmul)
        json.object([&] {
          json.attribute("m", entry.m);
          json.attribute("k", entry.k);
          if (entry.n)
            json.attribute("n", *entry.n);
          if (entry.format)
            json.attribute("format", *entry.format);
          for (const auto &[name, value] : entry.fields)
            json.attribute(name, value);
          if (entry.micros)
            json.attribute("us", *entry.micros);
          if (entry.defaultMicros)
            json.attribute("default_us", *entry.defaultMicros);
        });
    });
    if (!spec.floatMatmul.empty())
      json.attributeArray("float_matmul", [&] {
        for (const FloatTuningEntry &entry : spec.floatMatmul)
          json.object([&] {
            json.attribute("m", entry.m);
            json.attribute("n", entry.n);
            json.attribute("k", entry.k);
            for (const auto &[name, value] : entry.fields)
              json.attribute(name, value);
          });
      });
  });
  os << "\n";
}

std::string mlir::bitnet::defaultTuningFilePath(llvm::StringRef cpu) {
  llvm::SmallString<256> dir;
  if (const char *override = std::getenv("BITNET_TUNING_DIR"); override && *override) {
    dir = override;
  } else if (const char *cache = std::getenv("XDG_CACHE_HOME"); cache && *cache) {
    dir = cache;
    llvm::sys::path::append(dir, "bitnet-mlir", "tuning");
  } else if (const char *home = std::getenv("HOME"); home && *home) {
    dir = home;
    llvm::sys::path::append(dir, ".cache", "bitnet-mlir", "tuning");
  } else {
    return "";
  }
  llvm::sys::path::append(dir, cpu + ".json");
  return dir.str().str();
}

bool mlir::bitnet::loadTuningSpec(llvm::StringRef path, TuningSpec &spec,
                                  std::string &error) {
  auto fail = [&](const std::string &problem) {
    error = "tuning file " + path.str() + ": " + problem;
    return false;
  };
  // A regular file of sane size: a FIFO would block, /dev/zero never end.
  llvm::sys::fs::file_status status;
  if (std::error_code e = llvm::sys::fs::status(path, status))
    return fail("cannot read it: " + e.message());
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return fail("not a regular file");
  if (status.getSize() > kMaxTuningFileBytes)
    return fail("larger than " + std::to_string(kMaxTuningFileBytes >> 20) + " MiB");
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!file)
    return fail("cannot read it: " + file.getError().message());
  llvm::Expected<llvm::json::Value> json = llvm::json::parse((*file)->getBuffer());
  if (!json)
    return fail(llvm::toString(json.takeError()));
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return fail("expected a JSON object");
  for (const auto &[key, value] : *root) {
    llvm::StringRef section = key;
    std::string problem;
    bool parsed;
    if (section == "ternary_matmul")
      parsed = parseEntries(value, section, spec.ternaryMatmul, problem);
    else if (section == "float_matmul")
      parsed = parseEntries(value, section, spec.floatMatmul, problem);
    else if (section == "target")
      parsed = parseTarget(value, spec, problem);
    else
      return fail("unknown section \"" + section.str() +
                  "\" (expected target, ternary_matmul or float_matmul)");
    if (!parsed)
      return fail(problem);
  }
  return true;
}
