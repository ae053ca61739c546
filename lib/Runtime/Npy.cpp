//===- Npy.cpp - numpy .npy files as raw bytes -------------------------===//

#include "bitnet/Runtime/Npy.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace bitnet::npy {

namespace {

/// The value of `key` in the header dict, e.g. 'descr': '<f4' -> <f4.
std::string headerField(const std::string &header, const std::string &key) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return "";
  size_t colon = header.find(':', at);
  size_t begin = header.find_first_not_of(" ", colon + 1);
  if (begin == std::string::npos)
    return "";
  if (header[begin] == '\'') {
    size_t end = header.find('\'', begin + 1);
    return header.substr(begin + 1, end - begin - 1);
  }
  if (header[begin] == '(') {
    size_t end = header.find(')', begin);
    return header.substr(begin + 1, end - begin - 1);
  }
  size_t end = header.find_first_of(",}", begin);
  return header.substr(begin, end - begin);
}

} // namespace

bool isRegularFile(const std::string &path, std::string &error) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  if (!S_ISREG(info.st_mode)) {
    error = path + " is not a regular file";
    return false;
  }
  return true;
}

bool read(const std::string &path, Array &out, std::string &error) {
  if (!isRegularFile(path, error))
    return false;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  // Sizes in the header are checked against the file before allocating.
  const uint64_t fileSize = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    error = path + " is not a .npy file";
    return false;
  }
  // Format versions 1.0, 2.0 (4-byte header length) and 3.0 (UTF-8).
  if (magic[6] < 1 || magic[6] > 3 || magic[7] != 0) {
    error = path + ": .npy format version " + std::to_string(magic[6]) + "." +
            std::to_string(magic[7]) + " is not 1.0, 2.0 or 3.0";
    return false;
  }
  uint32_t headerLength = 0;
  if (magic[6] == 1) {
    unsigned char length[2];
    in.read(reinterpret_cast<char *>(length), 2);
    headerLength = length[0] | length[1] << 8;
  } else {
    unsigned char length[4];
    in.read(reinterpret_cast<char *>(length), 4);
    headerLength = length[0] | length[1] << 8 | length[2] << 16 | uint32_t(length[3]) << 24;
  }
  if (headerLength > fileSize) {
    error = path + ": header length " + std::to_string(headerLength) +
            " exceeds the file";
    return false;
  }
  std::string header(headerLength, '\0');
  if (!in.read(header.data(), headerLength)) {
    error = path + ": truncated header";
    return false;
  }
  if (header.find('\0') != std::string::npos) {
    error = path + ": the header holds a NUL byte";
    return false;
  }
  out.descr = headerField(header, "descr");
  if (headerField(header, "fortran_order") != "False") {
    error = path + ": only C-ordered arrays are supported";
    return false;
  }
  out.shape.clear();
  std::string dims = headerField(header, "shape");
  size_t elements = 1;
  for (size_t pos = 0; pos < dims.size();) {
    size_t comma = dims.find(',', pos);
    std::string dim = dims.substr(pos, comma == std::string::npos ? std::string::npos
                                                                  : comma - pos);
    if (dim.find_first_not_of(" ") != std::string::npos) {
      char *end = nullptr;
      errno = 0;
      long long size = std::strtoll(dim.c_str(), &end, 10);
      // Digits only (a trailing 'L' of Python 2 headers aside): 1.0 is not a size.
      if (size < 0 || end == dim.c_str() || errno == ERANGE ||
          std::string(end).find_first_not_of(" L") != std::string::npos) {
        error = path + ": bad shape (" + dims + ")";
        return false;
      }
      out.shape.push_back(size);
      if (size > 0 && elements > fileSize / static_cast<uint64_t>(size)) {
        error = path + ": shape (" + dims + ") is larger than the file";
        return false;
      }
      elements *= static_cast<size_t>(size);
    }
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  size_t elementBytes =
      out.descr.size() > 2 ? std::strtoul(out.descr.c_str() + 2, nullptr, 10) : 0;
  if (out.descr.empty() || (out.descr[0] != '<' && out.descr[0] != '|') ||
      elementBytes == 0) {
    error = path + ": unsupported dtype '" + out.descr + "' (little-endian only)";
    return false;
  }
  if (elementBytes > 16 || elements * elementBytes > fileSize) {
    error = path + ": shape (" + dims + ") is larger than the file";
    return false;
  }
  out.bytes.resize(elements * elementBytes);
  if (!in.read(out.bytes.data(), static_cast<std::streamsize>(out.bytes.size()))) {
    error = path + ": truncated data";
    return false;
  }
  return true;
}

bool write(const std::string &path, const Array &array, std::string &error) {
  std::string shape;
  for (int64_t d : array.shape)
    shape += std::to_string(d) + ",";
  if (array.shape.size() > 1)
    shape.pop_back(); // (2, 3) but (2,)
  std::string header = "{'descr': '" + array.descr +
                       "', 'fortran_order': False, 'shape': (" + shape + "), }";
  // Magic (6) + version (2) + length (2) + header + '\n', padded to 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  out.write("\x93NUMPY\x01\x00", 8);
  char length[2] = {static_cast<char>(header.size() & 0xff),
                    static_cast<char>(header.size() >> 8)};
  out.write(length, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(array.bytes.data(), static_cast<std::streamsize>(array.bytes.size()));
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

const char *descrOf(bitnet_dtype dtype) {
  switch (dtype) {
  case BITNET_DTYPE_F32: return "<f4";
  case BITNET_DTYPE_F16: return "<f2";
  case BITNET_DTYPE_BF16: return "<V2"; // numpy has no bfloat16: raw 2-byte values
  case BITNET_DTYPE_F64: return "<f8";
  case BITNET_DTYPE_I8: return "|i1";
  case BITNET_DTYPE_I16: return "<i2";
  case BITNET_DTYPE_I32: return "<i4";
  case BITNET_DTYPE_I64: return "<i8";
  case BITNET_DTYPE_BOOL: return "|b1";
  }
  return "";
}

} // namespace bitnet::npy
