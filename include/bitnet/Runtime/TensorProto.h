//===- TensorProto.h - ONNX TensorProto files as raw bytes -------*- C++ -*-===//
//
// Reads a serialized onnx.TensorProto (the `input_0.pb` files of ONNX's test
// data sets) into the same raw form as .npy files, with a small protobuf
// wire-format reader: bitnet-run stays free of protobuf and ONNX.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_RUNTIME_TENSORPROTO_H
#define BITNET_RUNTIME_TENSORPROTO_H

#include "bitnet/Runtime/Npy.h"

#include <string>

namespace bitnet::tensorproto {

/// Reads `path` into `out` (numpy dtype string, shape, little-endian
/// bytes) and the tensor's `name`; false with `error` set on a file that is
/// not a TensorProto of a supported type (float, double, float16, bfloat16,
/// int8/16/32/64, uint8, bool), or whose data does not match its dims.
bool read(const std::string &path, npy::Array &out, std::string &name,
          std::string &error);

} // namespace bitnet::tensorproto

#endif // BITNET_RUNTIME_TENSORPROTO_H
