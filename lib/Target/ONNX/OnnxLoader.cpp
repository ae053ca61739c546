//===- OnnxLoader.cpp - ONNX protobuf -> plain model description ------===//
//
// The only translation unit that includes protobuf/ONNX headers. It is built
// with exceptions (its own library); every entry point catches them and
// returns one line of error text instead.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Target/ONNX/OnnxModel.h"

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <set>

namespace proto = ::onnx;

namespace mlir::bitnet::onnx {

std::string dataTypeName(int type) {
  if (proto::TensorProto_DataType_IsValid(type))
    return proto::TensorProto_DataType_Name(
        static_cast<proto::TensorProto_DataType>(type));
  return "TYPE" + std::to_string(type);
}

int64_t dataTypeSize(int type) {
  switch (static_cast<DataType>(type)) {
  case DataType::Bool:
  case DataType::Int8:
  case DataType::UInt8:
    return 1;
  case DataType::Int16:
  case DataType::UInt16:
  case DataType::Float16:
  case DataType::BFloat16:
    return 2;
  case DataType::Float:
  case DataType::Int32:
  case DataType::UInt32:
    return 4;
  case DataType::Double:
  case DataType::Int64:
  case DataType::UInt64:
    return 8;
  default:
    return 0;
  }
}

int64_t Tensor::numElements() const {
  // Checked when loaded (Loader::convertTensor).
  return checkedElementCount(dims).value_or(-1);
}

const NodeAttribute *Node::getAttribute(const std::string &attrName) const {
  for (const NodeAttribute &a : attributes)
    if (a.name == attrName)
      return &a;
  return nullptr;
}

int64_t Model::defaultOpset() const {
  for (const char *domain : {"", "ai.onnx"}) {
    auto it = opsets.find(domain);
    if (it != opsets.end())
      return it->second;
  }
  return 0;
}

namespace {

/// Thrown inside the loader, turned into the returned error line.
struct LoadError {
  std::string message;
};

class StringBytes final : public TensorBytes {
public:
  explicit StringBytes(std::string &&bytes) : bytes(std::move(bytes)) {}
  const char *data() const override { return bytes.data(); }
  size_t size() const override { return bytes.size(); }

private:
  std::string bytes;
};

/// A read-only mapping of a whole external-data file.
class FileMapping {
public:
  FileMapping(void *base, size_t length) : base(base), length(length) {}
  ~FileMapping() {
    if (base && length)
      munmap(base, length);
  }
  const char *data() const { return static_cast<const char *>(base); }
  size_t size() const { return length; }

private:
  void *base;
  size_t length;
};

class MappedBytes final : public TensorBytes {
public:
  MappedBytes(std::shared_ptr<FileMapping> file, size_t offset, size_t length)
      : file(std::move(file)), offset(offset), length(length) {}
  const char *data() const override { return file->data() + offset; }
  size_t size() const override { return length; }

private:
  std::shared_ptr<FileMapping> file;
  size_t offset, length;
};

class Loader {
public:
  explicit Loader(std::string modelDir) : modelDir(std::move(modelDir)) {}

  Tensor convertTensor(proto::TensorProto &t, const std::string &what) {
    Tensor out;
    out.name = t.name();
    out.type = t.data_type();
    out.dims.assign(t.dims().begin(), t.dims().end());
    for (int64_t d : out.dims)
      if (d < 0)
        throw LoadError{what + " has a negative dimension"};
    int64_t elementSize = dataTypeSize(out.type);
    if (elementSize == 0)
      throw LoadError{what + " has element type " + dataTypeName(out.type) +
                      ", which the compiler does not handle"};
    std::optional<int64_t> count = checkedElementCount(out.dims);
    int64_t bytes;
    if (!count || __builtin_mul_overflow(*count, elementSize, &bytes))
      throw LoadError{what + " has dimensions whose product overflows"};
    size_t expected = static_cast<size_t>(bytes);

    if (t.has_segment())
      throw LoadError{what + " is a segment of a larger tensor, which the "
                             "compiler does not handle"};
    bool typedData = t.float_data_size() || t.int32_data_size() ||
                     t.int64_data_size() || t.double_data_size() ||
                     t.uint64_data_size() || t.string_data_size();
    if (typedData + t.has_raw_data() +
            (t.data_location() == proto::TensorProto_DataLocation_EXTERNAL) > 1)
      throw LoadError{what + " holds its data in more than one place (raw_data, "
                             "a typed field or external data)"};

    if (t.data_location() == proto::TensorProto_DataLocation_EXTERNAL) {
      out.bytes = externalBytes(t, what, expected);
    } else if (t.has_raw_data()) {
      std::string raw;
      raw.swap(*t.mutable_raw_data()); // no copy of the weights
      out.bytes = std::make_shared<StringBytes>(std::move(raw));
    } else {
      out.bytes = std::make_shared<StringBytes>(typedFieldBytes(t, out.type));
    }
    if (out.bytes->size() != expected)
      throw LoadError{what + " holds " + std::to_string(out.bytes->size()) +
                      " bytes, but its type and shape need " +
                      std::to_string(expected)};
    return out;
  }

private:
  /// Data stored in the typed repeated fields (float_data, int64_data, ...),
  /// serialized as little-endian bytes.
  static std::string typedFieldBytes(const proto::TensorProto &t, int type) {
    std::string bytes;
    auto append = [&](const void *p, size_t n) {
      bytes.append(static_cast<const char *>(p), n);
    };
    switch (static_cast<DataType>(type)) {
    case DataType::Float:
      append(t.float_data().data(), t.float_data_size() * sizeof(float));
      break;
    case DataType::Double:
      append(t.double_data().data(), t.double_data_size() * sizeof(double));
      break;
    case DataType::Int64:
      append(t.int64_data().data(), t.int64_data_size() * sizeof(int64_t));
      break;
    case DataType::UInt32:
    case DataType::UInt64:
      for (uint64_t v : t.uint64_data()) {
        if (type == static_cast<int>(DataType::UInt32)) {
          uint32_t narrow = static_cast<uint32_t>(v);
          append(&narrow, sizeof(narrow));
        } else {
          append(&v, sizeof(v));
        }
      }
      break;
    default: {
      // int32_data carries every type of 32 bits or fewer.
      int64_t size = dataTypeSize(type);
      for (int32_t v : t.int32_data())
        append(&v, static_cast<size_t>(size)); // little-endian truncation
      break;
    }
    }
    return bytes;
  }

  /// A byte count of an external-data entry: decimal digits only.
  static size_t byteCount(const std::string &value, const std::string &what,
                          const std::string &field) {
    size_t result = 0;
    bool valid = !value.empty();
    for (char c : value)
      valid = valid && c >= '0' && c <= '9' &&
              !__builtin_mul_overflow(result, 10, &result) &&
              !__builtin_add_overflow(result, static_cast<size_t>(c - '0'), &result);
    if (!valid)
      throw LoadError{what + ": external data field '" + field + "' is '" +
                      value + "', not a byte count"};
    return result;
  }

  std::shared_ptr<const TensorBytes>
  externalBytes(const proto::TensorProto &t, const std::string &what,
                size_t expected) {
    std::string location;
    size_t offset = 0, length = expected;
    for (const auto &entry : t.external_data()) {
      if (entry.key() == "location")
        location = entry.value();
      else if (entry.key() == "offset")
        offset = byteCount(entry.value(), what, "offset");
      else if (entry.key() == "length")
        length = byteCount(entry.value(), what, "length");
    }
    if (location.empty())
      throw LoadError{what + " has external data without a location"};
    std::string path = confinedPath(location, what);
    std::shared_ptr<FileMapping> file = mapFile(path, what);
    if (offset > file->size() || length > file->size() - offset)
      throw LoadError{what + ": external data '" + location + "' is " +
                      std::to_string(file->size()) + " bytes, too short for offset " +
                      std::to_string(offset) + " + length " +
                      std::to_string(length)};
    return std::make_shared<MappedBytes>(file, offset, length);
  }

  /// Like onnxruntime, external data stays inside the model's directory:
  /// `location` is resolved (symbolic links included) and must name a
  /// regular file below the directory's own resolved path.
  std::string confinedPath(const std::string &location, const std::string &what) {
    auto outside = [&](const std::string &why) {
      return LoadError{what + ": external data location '" + location +
                       "' must be a file inside the model's directory (" + why + ")"};
    };
    // Refused as written first (the file need not exist), then as resolved.
    if (location[0] == '/' || location == ".." || location.rfind("../", 0) == 0 ||
        location.find("/../") != std::string::npos ||
        (location.size() >= 3 && location.compare(location.size() - 3, 3, "/..") == 0))
      throw LoadError{what + ": external data location '" + location +
                      "' must be a relative path inside the model's directory"};
    if (resolvedDir.empty()) {
      char *dir = ::realpath(modelDir.empty() ? "." : modelDir.c_str(), nullptr);
      if (!dir)
        throw LoadError{what + ": cannot resolve the model's directory: " +
                        std::strerror(errno)};
      resolvedDir = std::string(dir) + "/";
      ::free(dir);
    }
    char *resolved = ::realpath((modelDir + location).c_str(), nullptr);
    if (!resolved)
      throw LoadError{what + ": external data file '" + modelDir + location +
                      "' cannot be opened: " + std::strerror(errno)};
    std::string path(resolved);
    ::free(resolved);
    if (path.compare(0, resolvedDir.size(), resolvedDir) != 0)
      throw outside("it resolves to " + path);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      throw outside("it is not a regular file");
    return path;
  }

  std::shared_ptr<FileMapping> mapFile(const std::string &path,
                                       const std::string &what) {
    auto it = mappings.find(path);
    if (it != mappings.end())
      return it->second;
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
    if (fd < 0)
      throw LoadError{what + ": external data file '" + path +
                      "' cannot be opened: " + std::strerror(errno)};
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      throw LoadError{what + ": external data file '" + path +
                      "' is not a regular file"};
    }
    size_t length = static_cast<size_t>(st.st_size);
    void *base = length ? ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0)
                        : nullptr;
    ::close(fd);
    if (base == MAP_FAILED)
      throw LoadError{what + ": cannot map external data file '" + path + "'"};
    auto file = std::make_shared<FileMapping>(base, length);
    mappings.emplace(path, file);
    return file;
  }

  std::string modelDir;
  std::string resolvedDir; // realpath of modelDir with a trailing '/'
  std::map<std::string, std::shared_ptr<FileMapping>> mappings;
};

ValueInfo convertValueInfo(const proto::ValueInfoProto &v) {
  ValueInfo info;
  info.name = v.name();
  if (!v.type().has_tensor_type())
    throw LoadError{"graph input/output '" + v.name() +
                    "' is not a tensor (sequences and maps are not supported)"};
  const auto &tensorType = v.type().tensor_type();
  info.type = tensorType.elem_type();
  info.hasShape = tensorType.has_shape();
  for (const auto &d : tensorType.shape().dim()) {
    Dimension dim;
    if (d.has_dim_value() && d.dim_value() < 0)
      throw LoadError{"graph input/output '" + v.name() + "' has a negative size " +
                      std::to_string(d.dim_value())};
    if (d.has_dim_value())
      dim.value = d.dim_value();
    else if (d.has_dim_param())
      dim.param = d.dim_param();
    info.dims.push_back(dim);
  }
  return info;
}

NodeAttribute convertAttribute(proto::AttributeProto &a, Loader &loader,
                           const std::string &nodeName) {
  NodeAttribute out;
  out.name = a.name();
  switch (a.type()) {
  case proto::AttributeProto_AttributeType_FLOAT:
    out.kind = NodeAttribute::Kind::Float;
    out.f = a.f();
    break;
  case proto::AttributeProto_AttributeType_INT:
    out.kind = NodeAttribute::Kind::Int;
    out.i = a.i();
    break;
  case proto::AttributeProto_AttributeType_STRING:
    out.kind = NodeAttribute::Kind::String;
    out.s = a.s();
    break;
  case proto::AttributeProto_AttributeType_TENSOR:
    out.kind = NodeAttribute::Kind::Tensor;
    out.t = std::make_shared<Tensor>(loader.convertTensor(
        *a.mutable_t(), "attribute '" + a.name() + "' of node '" + nodeName + "'"));
    break;
  case proto::AttributeProto_AttributeType_FLOATS:
    out.kind = NodeAttribute::Kind::Floats;
    out.floats.assign(a.floats().begin(), a.floats().end());
    break;
  case proto::AttributeProto_AttributeType_INTS:
    out.kind = NodeAttribute::Kind::Ints;
    out.ints.assign(a.ints().begin(), a.ints().end());
    break;
  case proto::AttributeProto_AttributeType_STRINGS:
    out.kind = NodeAttribute::Kind::Strings;
    out.strings.assign(a.strings().begin(), a.strings().end());
    break;
  default:
    out.kind = NodeAttribute::Kind::Other;
    break;
  }
  return out;
}

/// Checks a node of the default domain against ONNX's schema of its op:
/// the number of inputs and outputs, the kinds of its attributes, the
/// required ones, no unknown or repeated ones. Only for opsets that the
/// onnx library this is built with knows (an older schema would misjudge
/// a newer node); unknown ops are the importer's to report.
void verifyNodeSchema(const proto::NodeProto &node, int64_t opset) {
  const std::string &domain = node.domain() == "ai.onnx" ? "" : node.domain();
  std::string label = "node '" + (node.name().empty() ? node.op_type() : node.name()) +
                      "' (" + node.op_type() + "): ";
  std::set<std::string> names;
  for (const auto &attribute : node.attribute())
    if (!names.insert(attribute.name()).second)
      throw LoadError{label + "attribute '" + attribute.name() + "' is given twice"};
  const auto &versions = proto::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto known = versions.find(domain);
  if (!domain.empty() || known == versions.end() || opset > known->second.second)
    return;
  const proto::OpSchema *schema =
      proto::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(opset), domain);
  if (!schema)
    return;
  try {
    schema->Verify(node);
  } catch (const std::exception &e) {
    // ONNX's message, first line only: "... ==> Context: <node dump>".
    std::string message = e.what();
    message = message.substr(0, message.find('\n'));
    message = message.substr(0, message.find(" ==> Context"));
    throw LoadError{label + message};
  }
}

/// Parses a model from `stream`; `name` is used in errors.
bool parseModel(google::protobuf::io::ZeroCopyInputStream &stream,
                proto::ModelProto &modelProto) {
  google::protobuf::io::CodedInputStream coded(&stream);
  coded.SetTotalBytesLimit(INT32_MAX);
  return modelProto.ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
}

/// The model description of a parsed protobuf; `name` is used in errors.
std::unique_ptr<Model> convertModel(proto::ModelProto &modelProto,
                                    const std::string &name,
                                    const std::string &modelDir) {
  if (!modelProto.has_graph())
    throw LoadError{name + ": the model has no graph"};
  Loader loader(modelDir);
  auto model = std::make_unique<Model>();
  model->irVersion = modelProto.ir_version();
  model->producerName = modelProto.producer_name();
  for (const auto &opset : modelProto.opset_import())
    model->opsets[opset.domain()] = opset.version();

  proto::GraphProto &graph = *modelProto.mutable_graph();
  Graph &out = model->graph;
  out.name = graph.name();
  std::map<std::string, const Tensor *> initializers;
  out.initializers.reserve(graph.initializer_size());
  for (auto &init : *graph.mutable_initializer()) {
    out.initializers.push_back(
        loader.convertTensor(init, "initializer '" + init.name() + "'"));
    if (!initializers.emplace(init.name(), &out.initializers.back()).second)
      throw LoadError{name + ": two initializers are named '" + init.name() + "'"};
  }
  for (const auto &input : graph.input()) {
    ValueInfo info = convertValueInfo(input);
    // An initializer listed as a graph input (keep_initializers_as_inputs)
    // is ONNX's default value: the compiler keeps it as a constant, so it
    // must match what the input declares.
    auto init = initializers.find(info.name);
    if (init == initializers.end()) {
      out.inputs.push_back(std::move(info));
      continue;
    }
    bool sameShape = !info.hasShape || info.dims.size() == init->second->dims.size();
    for (size_t d = 0; sameShape && info.hasShape && d < info.dims.size(); ++d)
      sameShape = info.dims[d].value < 0 || info.dims[d].value == init->second->dims[d];
    if (info.type != init->second->type || !sameShape)
      throw LoadError{name + ": graph input '" + info.name +
                      "' is also an initializer of another type or shape"};
  }
  for (const auto &output : graph.output())
    out.outputs.push_back(convertValueInfo(output));
  int64_t opset = model->defaultOpset();
  for (auto &nodeProto : *graph.mutable_node()) {
    verifyNodeSchema(nodeProto, opset);
    Node node;
    node.name = nodeProto.name();
    node.opType = nodeProto.op_type();
    node.domain = nodeProto.domain() == "ai.onnx" ? "" : nodeProto.domain();
    node.inputs.assign(nodeProto.input().begin(), nodeProto.input().end());
    node.outputs.assign(nodeProto.output().begin(), nodeProto.output().end());
    std::string label = node.name.empty() ? node.opType : node.name;
    for (auto &attr : *nodeProto.mutable_attribute())
      node.attributes.push_back(convertAttribute(attr, loader, label));
    out.nodes.push_back(std::move(node));
  }
  return model;
}

std::unique_ptr<Model> load(const std::string &path) {
  // O_NONBLOCK: a FIFO given as the model fails below instead of hanging.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  if (fd < 0)
    throw LoadError{path + ": cannot open: " + std::strerror(errno)};
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw LoadError{path + ": not a regular file"};
  }
  proto::ModelProto modelProto;
  bool parsed;
  {
    google::protobuf::io::FileInputStream stream(fd);
    parsed = parseModel(stream, modelProto);
  }
  ::close(fd);
  if (!parsed)
    throw LoadError{path + ": not a valid ONNX model (malformed or truncated "
                           "protobuf)"};
  size_t slash = path.find_last_of('/');
  return convertModel(modelProto, path,
                      slash == std::string::npos ? "" : path.substr(0, slash + 1));
}

} // namespace

std::unique_ptr<Model> loadModel(const std::string &path, std::string &error) {
  try {
    return load(path);
  } catch (const LoadError &e) {
    error = e.message;
  } catch (const std::exception &e) {
    error = path + ": " + e.what();
  } catch (...) {
    error = path + ": unknown error while reading the model";
  }
  return nullptr;
}

std::unique_ptr<Model> loadModelFromMemory(const void *data, size_t size,
                                           const std::string &modelDir,
                                           std::string &error) {
  try {
    proto::ModelProto modelProto;
    google::protobuf::io::ArrayInputStream stream(data, static_cast<int>(size));
    if (size > INT32_MAX || !parseModel(stream, modelProto))
      throw LoadError{"<memory>: not a valid ONNX model (malformed or "
                      "truncated protobuf)"};
    std::string dir = modelDir.empty() || modelDir.back() == '/' ? modelDir
                                                                 : modelDir + "/";
    return convertModel(modelProto, "<memory>", dir);
  } catch (const LoadError &e) {
    error = e.message;
  } catch (const std::exception &e) {
    error = std::string("<memory>: ") + e.what();
  } catch (...) {
    error = "<memory>: unknown error while reading the model";
  }
  return nullptr;
}

} // namespace mlir::bitnet::onnx
