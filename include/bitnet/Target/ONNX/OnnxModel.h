//===- OnnxModel.h - An ONNX model as plain C++ data -------------*- C++ -*-===//
//
// The ONNX loader (lib/Target/ONNX/OnnxLoader.cpp, the only code that sees
// protobuf and ONNX's exception-using headers) produces this description;
// the MLIR importer consumes it. Tensor bytes are never copied: inline
// `raw_data` is moved out of the parsed protobuf, external data is
// memory-mapped.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_TARGET_ONNX_ONNXMODEL_H
#define BITNET_TARGET_ONNX_ONNXMODEL_H

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::bitnet::onnx {

/// ONNX TensorProto.DataType values the importer may meet.
enum class DataType : int {
  Undefined = 0,
  Float = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  UInt32 = 12,
  UInt64 = 13,
  BFloat16 = 16,
};

/// Name of an ONNX data type ("FLOAT", "INT64", ...), or "TYPE<n>".
std::string dataTypeName(int type);

/// Bytes per element of a fixed-size data type, 0 for others.
int64_t dataTypeSize(int type);

/// The number of elements of a tensor with sizes `dims`; nothing when a size
/// is negative or the product overflows int64. Every size read from a file
/// goes through this before anything is allocated.
template <typename Dims>
std::optional<int64_t> checkedElementCount(const Dims &dims) {
  int64_t count = 1;
  for (int64_t d : dims)
    if (d < 0 || __builtin_mul_overflow(count, d, &count))
      return std::nullopt;
  return count;
}

/// Immutable bytes with an owner (a moved-out protobuf string or a mapping).
class TensorBytes {
public:
  virtual ~TensorBytes() = default;
  virtual const char *data() const = 0;
  virtual size_t size() const = 0;
};

/// An initializer or a tensor-valued attribute.
struct Tensor {
  std::string name;
  int type = 0;                 // DataType
  std::vector<int64_t> dims;
  std::shared_ptr<const TensorBytes> bytes; // little-endian, row-major

  int64_t numElements() const;
};

/// One dimension of a graph input/output: a size, or a symbolic name, or
/// unknown (value < 0 and empty param).
struct Dimension {
  int64_t value = -1;
  std::string param;
};

struct ValueInfo {
  std::string name;
  int type = 0; // DataType of the tensor elements
  bool hasShape = false;
  std::vector<Dimension> dims;
};

struct NodeAttribute {
  enum class Kind { Float, Int, String, Tensor, Floats, Ints, Strings, Other };
  std::string name;
  Kind kind = Kind::Other;
  float f = 0;
  int64_t i = 0;
  std::string s;
  std::shared_ptr<Tensor> t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
};

struct Node {
  std::string name;
  std::string opType;
  std::string domain; // "" is the default ai.onnx domain
  std::vector<std::string> inputs;  // "" marks an omitted optional input
  std::vector<std::string> outputs;
  std::vector<NodeAttribute> attributes;

  const NodeAttribute *getAttribute(const std::string &attrName) const;
};

struct Graph {
  std::string name;
  std::vector<ValueInfo> inputs;  // graph inputs that are not initializers
  std::vector<ValueInfo> outputs;
  std::vector<Tensor> initializers;
  std::vector<Node> nodes; // in topological order, as ONNX requires
};

struct Model {
  int64_t irVersion = 0;
  std::string producerName;
  std::map<std::string, int64_t> opsets; // domain -> version
  Graph graph;

  /// The opset of the default domain (ai.onnx), 0 when absent.
  int64_t defaultOpset() const;
};

/// Loads `path` (a .onnx file; external data relative to its directory).
/// Returns null and sets `error` to one line on failure. Never throws.
std::unique_ptr<Model> loadModel(const std::string &path, std::string &error);

/// Loads a model from `size` bytes in memory (external data, if any, is
/// looked up relative to `modelDir`). Never throws.
std::unique_ptr<Model> loadModelFromMemory(const void *data, size_t size,
                                           const std::string &modelDir,
                                           std::string &error);

} // namespace mlir::bitnet::onnx

#endif // BITNET_TARGET_ONNX_ONNXMODEL_H
