//===- TuningSpec.cpp - Kernel choices read from a file ---------------===//

#include "bitnet/Target/TuningSpec.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir::bitnet;

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
      if (!text) {
        error = "\"format\" must be a string (i2s, tl1 or tl2)";
        return false;
      }
      entry.format = text->str();
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
    else if (llvm::is_contained(ternaryKernelFieldNames(), name.str()))
      entry.fields[name.str()] = *number;
    else {
      error = "unknown key \"" + name.str() + "\" (expected m, k, n, format or a "
              "#bitnet.ternary_kernel field)";
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
    else if (llvm::is_contained(floatKernelFieldNames(), name.str()))
      entry.fields[name.str()] = *number;
    else {
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

} // namespace

bool mlir::bitnet::loadTuningSpec(llvm::StringRef path, TuningSpec &spec,
                                  std::string &error) {
  auto fail = [&](const std::string &problem) {
    error = "tuning file " + path.str() + ": " + problem;
    return false;
  };
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
    else
      return fail("unknown section \"" + section.str() +
                  "\" (expected ternary_matmul or float_matmul)");
    if (!parsed)
      return fail(problem);
  }
  return true;
}
