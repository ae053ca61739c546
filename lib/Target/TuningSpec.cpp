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

const TernaryTuningEntry *TuningSpec::lookup(int64_t m, int64_t k,
                                             int64_t n) const {
  const TernaryTuningEntry *found = nullptr;
  for (const TernaryTuningEntry &entry : ternaryMatmul)
    if (entry.m == m && entry.k == k && (!entry.n || *entry.n == n))
      found = &entry;
  return found;
}

namespace {

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
    std::optional<int64_t> number = value.getAsInteger();
    if (name == "i16_accumulation" && !number)
      if (std::optional<bool> flag = value.getAsBoolean())
        number = *flag;
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
    if (llvm::StringRef(key) != "ternary_matmul")
      return fail("unknown section \"" + llvm::StringRef(key).str() +
                  "\" (expected ternary_matmul)");
    const llvm::json::Array *entries = value.getAsArray();
    if (!entries)
      return fail("\"ternary_matmul\" must be a list of entries");
    for (const llvm::json::Value &item : *entries) {
      const llvm::json::Object *object = item.getAsObject();
      TernaryTuningEntry entry;
      std::string problem = "an entry must be an object";
      if (!object || !parseEntry(*object, entry, problem))
        return fail("ternary_matmul entry " +
                    std::to_string(spec.ternaryMatmul.size()) + ": " + problem);
      spec.ternaryMatmul.push_back(std::move(entry));
    }
  }
  return true;
}
