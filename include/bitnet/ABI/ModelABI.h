//===- ModelABI.h - The contract between compiler and runtime ---*- C++ -*-===//
//
// Every name and number that a compiled model and the runtime that loads it
// must agree on, in one header with no LLVM or MLIR dependency: the compiler
// (bitnet-emit-entry-point, bitnet-externalize-weights, the ONNX importer's
// decoder policy) writes them, lib/Runtime reads them. docs/abi.md describes
// the contract for users; this header is its single definition in code.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_ABI_MODELABI_H
#define BITNET_ABI_MODELABI_H

#include "bitnet-c/bitnet.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace bitnet::abi {

//===----------------------------------------------------------------------===//
// Symbols of a compiled model
//===----------------------------------------------------------------------===//

/// `void bitnet_run<suffix>(void *const *inputs, void *const *outputs)` and
/// its record `const char bitnet_model_info<suffix>[]`; the suffix is empty
/// for a plain model and `_<entry>` for the entries of a generative one.
inline constexpr char kRunSymbol[] = "bitnet_run";
inline constexpr char kModelInfoSymbol[] = "bitnet_model_info";
/// A generative model's two entry points (and the functions they call).
inline constexpr char kPrefillEntry[] = "prefill";
inline constexpr char kDecodeEntry[] = "decode";

/// `bitnet_run` or `bitnet_run_<entry>`; likewise for the record.
inline std::string entrySymbol(const char *base, const std::string &entry) {
  return entry.empty() ? std::string(base) : std::string(base) + "_" + entry;
}

/// `const char bitnet_cpu_features[]`: the CPU features the library's code
/// uses, of those the runtime can test on the host (kCheckedCpuFeatures),
/// comma-separated in LLVM's names. Loading refuses a library whose
/// features the host lacks, instead of a SIGILL in the first call.
inline constexpr char kCpuFeaturesSymbol[] = "bitnet_cpu_features";
/// x86-64 and AArch64 features, in LLVM's names, that decide whether the
/// kernels run; the runtime tests each (cpuid / HWCAP).
inline constexpr const char *kCheckedCpuFeatures[] = {
    "avx",        "avx2",       "fma",        "f16c",       "avx512f",
    "avx512bw",   "avx512dq",   "avx512vl",   "avx512vnni", "avx512vbmi",
    "avx512bf16", "avx512fp16", "avxvnni",    "neon",       "dotprod",
    "i8mm",       "fullfp16"};

/// The weights side file's data address (set by the runtime once mapped),
/// its size in bytes and its hash, added by bitnet-externalize-weights.
inline constexpr char kWeightsBaseSymbol[] = "bitnet_weights_base";
inline constexpr char kWeightsSizeSymbol[] = "bitnet_weights_size";
inline constexpr char kWeightsHashSymbol[] = "bitnet_weights_hash";

//===----------------------------------------------------------------------===//
// The model record (bitnet_model_info)
//===----------------------------------------------------------------------===//

/// The record's first line; then one line per tensor:
/// `<kind> <name> <dtype> <shape>[ bounds=<lo>:<hi>]` with the shape as
/// `D0xD1x...` or `scalar`, and the bounds [lo, hi) that every element of an
/// integer input used as an index must lie in.
inline constexpr char kModelRecordHeader[] = "bitnet-model 1";
inline constexpr char kInputKind[] = "input";
inline constexpr char kStateKind[] = "state"; // an input updated in place
inline constexpr char kOutputKind[] = "output";
inline constexpr char kScalarShape[] = "scalar";
inline constexpr char kBoundsField[] = "bounds=";

/// Whether `name` fits a record line: non-empty, no spaces or control
/// characters (UTF-8 beyond ASCII is kept).
inline bool isRecordableName(const std::string &name) {
  if (name.empty())
    return false;
  for (unsigned char c : name)
    if (c <= ' ' || c == 0x7f)
      return false;
  return true;
}

/// Element types: the C API's enum, the record's name and the size.
struct DtypeName {
  bitnet_dtype dtype;
  const char *name;
  size_t bytes;
};
inline constexpr DtypeName kDtypes[] = {
    {BITNET_DTYPE_F32, "f32", 4},   {BITNET_DTYPE_F16, "f16", 2},
    {BITNET_DTYPE_BF16, "bf16", 2}, {BITNET_DTYPE_F64, "f64", 8},
    {BITNET_DTYPE_I8, "i8", 1},     {BITNET_DTYPE_I16, "i16", 2},
    {BITNET_DTYPE_I32, "i32", 4},   {BITNET_DTYPE_I64, "i64", 8},
    {BITNET_DTYPE_BOOL, "bool", 1},
};

/// The entry of `dtype`, or null.
inline const DtypeName *findDtype(bitnet_dtype dtype) {
  for (const DtypeName &d : kDtypes)
    if (d.dtype == dtype)
      return &d;
  return nullptr;
}

/// The entry named `name` in the record, or null.
inline const DtypeName *findDtype(const char *name) {
  for (const DtypeName &d : kDtypes)
    if (std::strcmp(d.name, name) == 0)
      return &d;
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Tensors a generative model's entry points bind
//===----------------------------------------------------------------------===//

inline constexpr char kInputIds[] = "input_ids";
inline constexpr char kAttentionMask[] = "attention_mask";
inline constexpr char kPositionIds[] = "position_ids";
/// Added by bitnet-kv-cache-in-place: the tokens already in the caches.
inline constexpr char kCachePosition[] = "cache_position";
/// Added by bitnet-last-token-logits: the token whose logits a prefill
/// returns.
inline constexpr char kLogitsIndex[] = "logits_index";
inline constexpr char kLogits[] = "logits";

//===----------------------------------------------------------------------===//
// The weights side file
//===----------------------------------------------------------------------===//

/// A 64-byte little-endian header, then the data (every blob in it 64-byte
/// aligned, so vector loads of weights stay aligned):
///   offset 0   magic "BITNETW1"      offset 16  data size (u64)
///   offset 8   version (u32)         offset 24  data hash (u64, FNV-1a)
///   offset 12  header size (u32)     the rest   zero
inline constexpr char kWeightsMagic[8] = {'B', 'I', 'T', 'N', 'E', 'T', 'W', '1'};
inline constexpr uint32_t kWeightsVersion = 1;
inline constexpr uint32_t kWeightsHeaderSize = 64;
inline constexpr size_t kWeightsVersionOffset = 8;
inline constexpr size_t kWeightsHeaderSizeOffset = 12;
inline constexpr size_t kWeightsDataSizeOffset = 16;
inline constexpr size_t kWeightsHashOffset = 24;
inline constexpr uint64_t kWeightsBlobAlignment = 64;

/// FNV-1a 64 of the data: in the file's header and compiled into the
/// library, so a runtime can tell a weights file that belongs to another
/// build.
inline uint64_t weightsHash(const char *data, size_t size) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

} // namespace bitnet::abi

#endif // BITNET_ABI_MODELABI_H
