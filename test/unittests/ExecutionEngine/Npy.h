//===- Npy.h - minimal reader for numpy .npy files ---------------*- C++ -*-===//
//
// Reads little-endian, C-ordered .npy arrays (format versions 1-3) of one
// expected dtype. Enough for test inputs written by numpy.save.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_TEST_UNITTESTS_EXECUTIONENGINE_NPY_H
#define BITNET_TEST_UNITTESTS_EXECUTIONENGINE_NPY_H

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace bitnet_test {

template <typename T> struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<T> data;
};

template <typename T> constexpr const char *npyDescr();
template <> constexpr const char *npyDescr<float>() { return "'<f4'"; }
template <> constexpr const char *npyDescr<int32_t>() { return "'<i4'"; }
template <> constexpr const char *npyDescr<int64_t>() { return "'<i8'"; }
template <> constexpr const char *npyDescr<int8_t>() { return "'|i1'"; }

/// Reads `path`; on failure returns false and sets `error`.
template <typename T>
bool readNpy(const std::string &path, NpyArray<T> &out, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    error = path + ": not an .npy file";
    return false;
  }
  uint32_t headerLength = 0;
  unsigned char lengthBytes[4] = {0, 0, 0, 0};
  int lengthSize = magic[6] == 1 ? 2 : 4;
  in.read(reinterpret_cast<char *>(lengthBytes), lengthSize);
  for (int i = lengthSize - 1; i >= 0; --i)
    headerLength = headerLength * 256 + lengthBytes[i];
  std::string header(headerLength, '\0');
  if (!in.read(header.data(), headerLength)) {
    error = path + ": truncated header";
    return false;
  }
  if (header.find(std::string("'descr': ") + npyDescr<T>()) == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos) {
    error = path + ": unexpected dtype or order in header " + header;
    return false;
  }
  size_t open = header.find('('), close = header.find(')');
  std::string dims = header.substr(open + 1, close - open - 1);
  out.shape.clear();
  int64_t count = 1;
  std::stringstream stream(dims);
  std::string dim;
  while (std::getline(stream, dim, ','))
    if (dim.find_first_not_of(' ') != std::string::npos) {
      out.shape.push_back(std::stoll(dim));
      count *= out.shape.back();
    }
  out.data.resize(count);
  if (!in.read(reinterpret_cast<char *>(out.data.data()), count * sizeof(T))) {
    error = path + ": truncated data";
    return false;
  }
  return true;
}

/// An array of any dtype: the header's `descr` (e.g. "<f4", "|b1"), the
/// shape and the raw little-endian bytes.
struct NpyRaw {
  std::string descr;
  std::vector<int64_t> shape;
  std::vector<char> bytes;
};

inline bool readNpyRaw(const std::string &path, NpyRaw &out, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  char magic[8];
  if (!in || !in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    error = "cannot read .npy file " + path;
    return false;
  }
  int lengthSize = magic[6] == 1 ? 2 : 4;
  unsigned char lengthBytes[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char *>(lengthBytes), lengthSize);
  uint32_t headerLength = 0;
  for (int i = lengthSize - 1; i >= 0; --i)
    headerLength = headerLength * 256 + lengthBytes[i];
  std::string header(headerLength, '\0');
  in.read(header.data(), headerLength);
  size_t d = header.find("'descr': '");
  if (d == std::string::npos || header.find("'fortran_order': False") == std::string::npos) {
    error = path + ": unsupported header " + header;
    return false;
  }
  d += 10;
  out.descr = header.substr(d, header.find('\'', d) - d);
  size_t open = header.find('('), close = header.find(')');
  std::stringstream dims(header.substr(open + 1, close - open - 1));
  std::string dim;
  out.shape.clear();
  while (std::getline(dims, dim, ','))
    if (dim.find_first_not_of(' ') != std::string::npos)
      out.shape.push_back(std::stoll(dim));
  out.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

} // namespace bitnet_test

#endif // BITNET_TEST_UNITTESTS_EXECUTIONENGINE_NPY_H
