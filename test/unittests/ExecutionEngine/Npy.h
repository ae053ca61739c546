//===- Npy.h - typed .npy reading for the execution tests --------*- C++ -*-===//
//
// The tests read numpy's .npy files through the runtime's reader
// (bitnet/Runtime/Npy.h, the one bitnet-run uses), either raw or as a
// vector of one expected element type.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_TEST_UNITTESTS_EXECUTIONENGINE_NPY_H
#define BITNET_TEST_UNITTESTS_EXECUTIONENGINE_NPY_H

#include "bitnet/Runtime/Npy.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace bitnet_test {

template <typename T> struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<T> data;
};

template <typename T> constexpr const char *npyDescr();
template <> constexpr const char *npyDescr<float>() { return "<f4"; }
template <> constexpr const char *npyDescr<int32_t>() { return "<i4"; }
template <> constexpr const char *npyDescr<int64_t>() { return "<i8"; }
template <> constexpr const char *npyDescr<int8_t>() { return "|i1"; }

/// An array of any dtype: numpy's `descr` (e.g. "<f4", "|b1"), the shape
/// and the raw little-endian bytes.
using NpyRaw = ::bitnet::npy::Array;

inline bool readNpyRaw(const std::string &path, NpyRaw &out, std::string &error) {
  return ::bitnet::npy::read(path, out, error);
}

/// Reads `path`, which must hold elements of type T; on failure returns
/// false and sets `error`.
template <typename T>
bool readNpy(const std::string &path, NpyArray<T> &out, std::string &error) {
  NpyRaw raw;
  if (!::bitnet::npy::read(path, raw, error))
    return false;
  if (raw.descr != npyDescr<T>()) {
    error = path + ": dtype " + raw.descr + ", expected " + npyDescr<T>();
    return false;
  }
  out.shape = raw.shape;
  out.data.resize(raw.bytes.size() / sizeof(T));
  std::memcpy(out.data.data(), raw.bytes.data(), out.data.size() * sizeof(T));
  return true;
}

} // namespace bitnet_test

#endif // BITNET_TEST_UNITTESTS_EXECUTIONENGINE_NPY_H
