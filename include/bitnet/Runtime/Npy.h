//===- Npy.h - numpy .npy files as raw bytes ---------------------*- C++ -*-===//
//
// Reads and writes little-endian, C-ordered .npy arrays (format versions
// 1-3) as a numpy dtype string ("<f4", "<i8", "|b1", ...), a shape and the
// bytes, which is what bitnet-run moves between files and model buffers.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_RUNTIME_NPY_H
#define BITNET_RUNTIME_NPY_H

#include "bitnet-c/bitnet.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bitnet::npy {

struct Array {
  std::string descr; // numpy dtype, e.g. "<f4"
  std::vector<int64_t> shape;
  std::vector<char> bytes;
};

/// Reads `path`; on failure returns false and sets `error`.
bool read(const std::string &path, Array &out, std::string &error);

/// Whether `path` is a regular file, else false with `error` set: input
/// files are checked first, since opening a FIFO blocks until a writer comes.
bool isRegularFile(const std::string &path, std::string &error);

/// Writes `array` to `path`; on failure returns false and sets `error`.
bool write(const std::string &path, const Array &array, std::string &error);

/// The numpy dtype string of a model element type ("<f4" for f32).
const char *descrOf(bitnet_dtype dtype);

} // namespace bitnet::npy

#endif // BITNET_RUNTIME_NPY_H
