//===- TensorProto.cpp - ONNX TensorProto files as raw bytes -----------===//
//
// The fields read (onnx.proto3): 1 dims (repeated int64), 2 data_type,
// 4 float_data, 5 int32_data, 7 int64_data, 8 name, 9 raw_data,
// 10 double_data. Others are skipped by wire type.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Runtime/TensorProto.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace bitnet::tensorproto {

namespace {

/// A cursor over protobuf wire-format bytes.
struct Wire {
  const unsigned char *at, *end;

  bool varint(uint64_t &value) {
    value = 0;
    for (int shift = 0; shift < 64 && at < end; shift += 7) {
      uint8_t byte = *at++;
      value |= uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80))
        return true;
    }
    return false;
  }
  bool bytes(size_t size, const unsigned char *&data) {
    if (size > size_t(end - at))
      return false;
    data = at;
    at += size;
    return true;
  }
};

struct ElementType {
  int onnxType;
  const char *descr;
  size_t size;
};

// onnx.TensorProto.DataType values.
constexpr ElementType kTypes[] = {
    {1, "<f4", 4},  {2, "|u1", 1}, {3, "|i1", 1}, {5, "<i2", 2},
    {6, "<i4", 4},  {7, "<i8", 8}, {9, "|b1", 1}, {10, "<f2", 2},
    {11, "<f8", 8}, {16, "<V2", 2},
};

} // namespace

bool read(const std::string &path, npy::Array &out, std::string &name,
          std::string &error) {
  if (!npy::isRegularFile(path, error))
    return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Wire wire{reinterpret_cast<const unsigned char *>(file.data()),
            reinterpret_cast<const unsigned char *>(file.data()) + file.size()};
  auto bad = [&](const std::string &why) {
    error = path + ": not a readable onnx.TensorProto (" + why + ")";
    return false;
  };

  int64_t dataType = 0;
  out.shape.clear();
  out.bytes.clear();
  std::vector<char> typed; // float_data / int32_data / int64_data / double_data
  int typedField = 0;
  while (wire.at < wire.end) {
    uint64_t key, value;
    if (!wire.varint(key))
      return bad("truncated field key");
    unsigned field = key >> 3, type = key & 7;
    const unsigned char *data = nullptr;
    if (type == 0) { // varint
      if (!wire.varint(value))
        return bad("truncated varint");
      if (field == 1)
        out.shape.push_back(static_cast<int64_t>(value));
      else if (field == 2)
        dataType = static_cast<int64_t>(value);
      else if (field == 5 || field == 7) { // unpacked int32/int64 data
        typedField = field;
        int64_t v = static_cast<int64_t>(value);
        typed.insert(typed.end(), reinterpret_cast<char *>(&v),
                     reinterpret_cast<char *>(&v) + (field == 7 ? 8 : 4));
      }
    } else if (type == 2) { // length-delimited
      if (!wire.varint(value) || !wire.bytes(value, data))
        return bad("truncated bytes");
      if (field == 8) {
        name.assign(reinterpret_cast<const char *>(data), value);
      } else if (field == 9) {
        out.bytes.assign(data, data + value);
      } else if (field == 1) { // packed dims
        Wire dims{data, data + value};
        while (dims.at < dims.end) {
          uint64_t d;
          if (!dims.varint(d))
            return bad("truncated dims");
          out.shape.push_back(static_cast<int64_t>(d));
        }
      } else if (field == 4 || field == 10) { // packed float / double
        typedField = field;
        typed.insert(typed.end(), data, data + value);
      } else if (field == 5 || field == 7) { // packed int32 / int64 varints
        typedField = field;
        Wire values{data, data + value};
        while (values.at < values.end) {
          uint64_t v;
          if (!values.varint(v))
            return bad("truncated integer data");
          int64_t wide = static_cast<int64_t>(v);
          if (field == 5) {
            int32_t narrow = static_cast<int32_t>(wide);
            typed.insert(typed.end(), reinterpret_cast<char *>(&narrow),
                         reinterpret_cast<char *>(&narrow) + 4);
          } else {
            typed.insert(typed.end(), reinterpret_cast<char *>(&wide),
                         reinterpret_cast<char *>(&wide) + 8);
          }
        }
      }
    } else if (type == 5) { // 32-bit: unpacked float_data
      if (!wire.bytes(4, data))
        return bad("truncated fixed32");
      if (field == 4) {
        typedField = 4;
        typed.insert(typed.end(), data, data + 4);
      }
    } else if (type == 1) { // 64-bit: unpacked double_data
      if (!wire.bytes(8, data))
        return bad("truncated fixed64");
      if (field == 10) {
        typedField = 10;
        typed.insert(typed.end(), data, data + 8);
      }
    } else {
      return bad("unsupported wire type " + std::to_string(type));
    }
  }

  const ElementType *element = nullptr;
  for (const ElementType &t : kTypes)
    if (t.onnxType == dataType)
      element = &t;
  if (!element)
    return bad("unsupported data_type " + std::to_string(dataType));
  out.descr = element->descr;
  size_t elements = 1;
  for (int64_t d : out.shape)
    elements *= static_cast<size_t>(d);

  if (out.bytes.empty() && typedField != 0) {
    // int32_data holds every type up to 32 bits (int8, uint8, bool, int16,
    // float16 bits): narrow each value to the element size.
    size_t from = typedField == 7 || typedField == 10 ? 8 : 4;
    if (element->size > from)
      return bad("its data field is narrower than data_type " + std::to_string(dataType));
    if (from == element->size || typedField == 4 || typedField == 10) {
      out.bytes = typed;
    } else {
      for (size_t i = 0; i + from <= typed.size(); i += from)
        out.bytes.insert(out.bytes.end(), typed.begin() + i,
                         typed.begin() + i + element->size);
    }
  }
  if (out.bytes.size() != elements * element->size)
    return bad("data has " + std::to_string(out.bytes.size()) + " bytes, dims need " +
               std::to_string(elements * element->size));
  return true;
}

} // namespace bitnet::tensorproto
