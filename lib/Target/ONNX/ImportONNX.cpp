//===- ImportONNX.cpp - ONNX graph -> func + tosa/tensor/arith --------===//
//
// Walks the graph in order and hands each node to the handler registered for
// its op type. Every op gets a location `"node-name"("file":0:0)`, so errors
// and later passes name the ONNX node. Weights become constants that
// reference the loaded bytes (dense_resource) instead of copying them.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Target/ONNX/ImportONNX.h"

#include "NodeImporter.h"

#include "bitnet/ABI/ModelABI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::bitnet::onnx;

//===----------------------------------------------------------------------===//
// NodeImporter
//===----------------------------------------------------------------------===//

unsigned NodeImporter::numInputs() const { return node.inputs.size(); }

bool NodeImporter::hasInput(unsigned i) const {
  return i < node.inputs.size() && !node.inputs[i].empty();
}

Value NodeImporter::input(unsigned i, bool required) {
  if (!hasInput(i)) {
    if (required)
      (void)failure("input " + llvm::Twine(i) + " is required");
    return nullptr;
  }
  auto it = values.find(node.inputs[i]);
  if (it == values.end()) {
    (void)failure("input '" + node.inputs[i] + "' is not defined");
    return nullptr;
  }
  return it->second;
}

RankedTensorType NodeImporter::inputType(unsigned i) {
  Value v = input(i);
  return v ? dyn_cast<RankedTensorType>(v.getType()) : nullptr;
}

DenseElementsAttr NodeImporter::constantInput(unsigned i) {
  Value v = hasInput(i) ? input(i) : nullptr;
  DenseElementsAttr attr;
  if (v && matchPattern(v, m_Constant(&attr)))
    return attr;
  return nullptr;
}

std::optional<SmallVector<int64_t>> NodeImporter::constantInts(unsigned i) {
  // Index lists over 1 KiB (ScatterND's row indices) are resource blobs.
  ElementsAttr any;
  if (Value v = hasInput(i) ? input(i) : nullptr;
      v && matchPattern(v, m_Constant(&any))) {
    if (auto i64 = dyn_cast<DenseI64ResourceElementsAttr>(any))
      if (std::optional<ArrayRef<int64_t>> data = i64.tryGetAsArrayRef())
        return SmallVector<int64_t>(*data);
    if (auto i32 = dyn_cast<DenseI32ResourceElementsAttr>(any))
      if (std::optional<ArrayRef<int32_t>> data = i32.tryGetAsArrayRef())
        return SmallVector<int64_t>(data->begin(), data->end());
  }
  DenseElementsAttr attr = constantInput(i);
  if (!attr || !attr.getElementType().isInteger())
    return std::nullopt;
  SmallVector<int64_t> out;
  for (const APInt &v : attr.getValues<APInt>())
    out.push_back(v.getSExtValue());
  return out;
}

static const NodeAttribute *findAttr(const Node &node, llvm::StringRef name) {
  return node.getAttribute(name.str());
}

bool NodeImporter::hasAttr(llvm::StringRef name) const {
  return findAttr(node, name) != nullptr;
}

static const char *attributeKindName(NodeAttribute::Kind kind) {
  switch (kind) {
  case NodeAttribute::Kind::Float:
    return "a float";
  case NodeAttribute::Kind::Int:
    return "an int";
  case NodeAttribute::Kind::String:
    return "a string";
  case NodeAttribute::Kind::Tensor:
    return "a tensor";
  case NodeAttribute::Kind::Floats:
    return "a list of floats";
  case NodeAttribute::Kind::Ints:
    return "a list of ints";
  case NodeAttribute::Kind::Strings:
    return "a list of strings";
  case NodeAttribute::Kind::Other:
    break;
  }
  return "an unsupported kind";
}

const NodeAttribute *NodeImporter::attrOfKind(llvm::StringRef name,
                                              NodeAttribute::Kind kind) const {
  const NodeAttribute *a = findAttr(node, name);
  if (!a || a->kind == kind)
    return a;
  if (!sawBadAttribute)
    mlir::emitError(b.getLoc())
        << "node '" << this->name << "' (" << node.opType << "): attribute '"
        << name << "' must be " << attributeKindName(kind) << ", not "
        << attributeKindName(a->kind);
  sawBadAttribute = true;
  return nullptr;
}

int64_t NodeImporter::intAttr(llvm::StringRef name, int64_t defaultValue) const {
  const NodeAttribute *a = attrOfKind(name, NodeAttribute::Kind::Int);
  return a ? a->i : defaultValue;
}

float NodeImporter::floatAttr(llvm::StringRef name, float defaultValue) const {
  const NodeAttribute *a = attrOfKind(name, NodeAttribute::Kind::Float);
  return a ? a->f : defaultValue;
}

std::string NodeImporter::stringAttr(llvm::StringRef name,
                                     llvm::StringRef defaultValue) const {
  const NodeAttribute *a = attrOfKind(name, NodeAttribute::Kind::String);
  return a ? a->s : defaultValue.str();
}

std::optional<SmallVector<int64_t>>
NodeImporter::intsAttr(llvm::StringRef name) const {
  const NodeAttribute *a = attrOfKind(name, NodeAttribute::Kind::Ints);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints.begin(), a->ints.end());
}

const Tensor *NodeImporter::tensorAttr(llvm::StringRef name) const {
  const NodeAttribute *a = attrOfKind(name, NodeAttribute::Kind::Tensor);
  return a ? a->t.get() : nullptr;
}

void NodeImporter::setResult(unsigned i, Value value, bool isUnsigned) {
  if (i < node.outputs.size() && !node.outputs[i].empty()) {
    values[node.outputs[i]] = value;
    if (isUnsigned)
      unsignedValues.insert(value);
  }
}

bool NodeImporter::isUnsigned(unsigned i) {
  Value v = hasInput(i) ? input(i) : nullptr;
  return v && unsignedValues.contains(v);
}

InFlightDiagnostic NodeImporter::error() {
  return mlir::emitError(loc()) << "node '" << name << "' ("
                                << node.opType << "): ";
}

LogicalResult NodeImporter::failure(const llvm::Twine &message) {
  error() << message;
  return mlir::failure();
}

std::optional<int64_t> NodeImporter::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    (void)failure("axis " + llvm::Twine(axis) + " is out of range for rank " +
                  llvm::Twine(rank));
    return std::nullopt;
  }
  return axis < 0 ? axis + rank : axis;
}

//===----------------------------------------------------------------------===//
// Types and constants
//===----------------------------------------------------------------------===//

Type mlir::bitnet::onnx::convertDataType(int type, MLIRContext *context) {
  Builder b(context);
  switch (static_cast<DataType>(type)) {
  case DataType::Float:
    return b.getF32Type();
  case DataType::Float16:
    return b.getF16Type();
  case DataType::BFloat16:
    return b.getBF16Type();
  case DataType::Double:
    return b.getF64Type();
  case DataType::Bool:
    return b.getI1Type();
  case DataType::Int8:
    return b.getI8Type();
  case DataType::Int16:
    return b.getI16Type();
  case DataType::Int32:
    return b.getI32Type();
  case DataType::Int64:
    return b.getI64Type();
  case DataType::UInt8:
    return b.getI8Type();
  default:
    return nullptr;
  }
}

bool mlir::bitnet::onnx::isUnsignedDataType(int type) {
  return type == static_cast<int>(DataType::UInt8);
}

ElementsAttr mlir::bitnet::onnx::constantAttr(const Tensor &tensor,
                                              RankedTensorType type,
                                              int64_t resourceThreshold) {
  llvm::ArrayRef<char> bytes(tensor.bytes->data(), tensor.bytes->size());
  if (type.getElementType().isInteger(1)) {
    // ONNX stores one byte per bool; MLIR's dense bools are bit-packed.
    SmallVector<bool> bits(bytes.begin(), bytes.end());
    return DenseElementsAttr::get(type, llvm::ArrayRef<bool>(bits));
  }
  if (static_cast<int64_t>(bytes.size()) <= resourceThreshold)
    return DenseElementsAttr::getFromRawBuffer(type, bytes);

  // Keep the loaded bytes alive for as long as the blob lives.
  size_t align = static_cast<size_t>(dataTypeSize(tensor.type));
  std::string name = tensor.name.empty() ? "onnx_tensor" : tensor.name;
  if (!llvm::isAddrAligned(llvm::Align(align), bytes.data()))
    return DenseResourceElementsAttr::get(
        type, name, HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align));
  std::shared_ptr<const TensorBytes> owner = tensor.bytes;
  return DenseResourceElementsAttr::get(
      type, name,
      UnmanagedAsmResourceBlob::allocateWithAlign(
          bytes, align, [owner](void *, size_t, size_t) mutable { owner.reset(); }));
}

//===----------------------------------------------------------------------===//
// Graph import
//===----------------------------------------------------------------------===//

namespace {

class GraphImporter {
public:
  GraphImporter(const Model &model, MLIRContext *context,
                const ImportOptions &options, llvm::StringRef fileName)
      : model(model), context(context), options(options),
        fileName(fileName.str()), builder(context) {
    registerElementwiseImporters(registry);
    registerTensorImporters(registry);
    registerShapeImporters(registry);
    registerQuantizationImporters(registry);
    registerMatMulNBitsImporters(registry);
  }

  OwningOpRef<ModuleOp> run();

private:
  Location nodeLoc(llvm::StringRef name) {
    return NameLoc::get(StringAttr::get(context, name),
                        FileLineColLoc::get(context, fileName, 0, 0));
  }
  FailureOr<RankedTensorType> inputType(const ValueInfo &info);
  FailureOr<RankedTensorType> checkedShape(Location loc, llvm::StringRef name,
                                           ArrayRef<int64_t> shape,
                                           Type elementType);
  LogicalResult checkGraphNames(Location fileLoc);
  LogicalResult importNode(const Node &node, size_t index);

  const Model &model;
  MLIRContext *context;
  const ImportOptions &options;
  std::string fileName;
  OpBuilder builder;
  OpImportRegistry registry;
  llvm::StringMap<Value> values;
  llvm::DenseSet<Value> unsignedValues;
};

FailureOr<RankedTensorType> GraphImporter::inputType(const ValueInfo &info) {
  Location loc = nodeLoc(info.name);
  Type elementType = convertDataType(info.type, context);
  if (!elementType)
    return emitError(loc) << "graph input '" << info.name << "' has element type "
                          << dataTypeName(info.type)
                          << ", which the compiler does not handle";
  auto given = options.inputShapes.find(info.name);
  if (given != options.inputShapes.end()) {
    if (info.hasShape && given->second.size() != info.dims.size())
      return emitError(loc) << "--input-shape for '" << info.name << "' has rank "
                            << given->second.size() << ", the model says "
                            << info.dims.size();
    for (auto [i, dim] : llvm::enumerate(info.dims))
      if (dim.value >= 0 && dim.value != given->second[i])
        return emitError(loc) << "--input-shape for '" << info.name
                              << "' sets dimension " << i << " to "
                              << given->second[i] << ", the model fixes it to "
                              << dim.value;
    return checkedShape(loc, info.name, given->second, elementType);
  }
  if (!info.hasShape)
    return emitError(loc) << "graph input '" << info.name
                          << "' has no shape; give one with --input-shape "
                          << info.name << "=<d0>x<d1>...";
  SmallVector<int64_t> shape;
  for (auto [i, dim] : llvm::enumerate(info.dims)) {
    if (dim.value >= 0) {
      shape.push_back(dim.value);
      continue;
    }
    // A symbolic dimension: its size by symbol (`--input-shape seq=13`), or
    // a stated default.
    auto bySymbol = dim.param.empty() ? options.inputShapes.end()
                                      : options.inputShapes.find(dim.param);
    if (bySymbol != options.inputShapes.end() && bySymbol->second.size() == 1) {
      shape.push_back(bySymbol->second[0]);
      continue;
    }
    int64_t size = i == 0 ? 1 : options.defaultDynamicSize;
    if (size < 1)
      return emitError(loc)
             << "graph input '" << info.name << "' has dynamic dimension " << i
             << (dim.param.empty() ? "" : " ('" + dim.param + "')")
             << "; give its size with --input-shape " << info.name
             << "=<d0>x<d1>..." << (dim.param.empty() ? "" : " or " + dim.param + "=N");
    emitRemark(loc) << "graph input '" << info.name << "': dynamic dimension " << i
                    << (dim.param.empty() ? "" : " ('" + dim.param + "')")
                    << " compiled as " << size << "; choose with --input-shape "
                    << (dim.param.empty() ? info.name + "=<d0>x<d1>..."
                                          : dim.param + "=N");
    shape.push_back(size);
  }
  return checkedShape(loc, info.name, shape, elementType);
}

FailureOr<RankedTensorType>
GraphImporter::checkedShape(Location loc, llvm::StringRef name,
                            ArrayRef<int64_t> shape, Type elementType) {
  std::optional<int64_t> count = checkedElementCount(shape);
  if (!count || *count > kMaxTensorElements)
    return emitError(loc) << "graph input '" << name
                          << "' would have more than the 2^32 elements a "
                             "tensor may hold";
  return RankedTensorType::get(shape, elementType);
}

LogicalResult GraphImporter::checkGraphNames(Location fileLoc) {
  const Graph &graph = model.graph;
  // Names of graph inputs and outputs go into the library's model record
  // and become file names in bitnet-run --output-dir.
  for (const auto *list : {&graph.inputs, &graph.outputs})
    for (const ValueInfo &info : *list)
      if (!::bitnet::abi::isRecordableName(info.name))
        return emitError(fileLoc)
               << "graph " << (list == &graph.inputs ? "input" : "output")
               << " name '" << info.name
               << "' is empty or holds spaces or control characters";
  llvm::StringSet<> names;
  for (const ValueInfo &info : graph.inputs)
    if (!names.insert(info.name).second)
      return emitError(fileLoc) << "two graph inputs are named '" << info.name
                                << "'";
  return success();
}

LogicalResult GraphImporter::importNode(const Node &node, size_t index) {
  std::string name =
      node.name.empty() ? node.opType + "_" + std::to_string(index) : node.name;
  Location loc = nodeLoc(name);
  // Ops of other domains are registered as "domain.OpType".
  auto it = registry.find(node.domain.empty() ? node.opType
                                              : node.domain + "." + node.opType);
  if (it == registry.end() && !node.domain.empty())
    return emitError(loc) << "node '" << name << "': unsupported op '"
                          << node.opType << "' of domain '" << node.domain << "'";
  if (it == registry.end())
    return emitError(loc) << "node '" << name << "': unsupported op '"
                          << node.opType << "' of domain 'ai.onnx'";
  // Handlers may then take every named input for granted.
  for (const std::string &input : node.inputs)
    if (!input.empty() && !values.count(input))
      return emitError(loc) << "node '" << name << "' (" << node.opType
                            << "): input '" << input
                            << "' is not defined (no graph input, initializer "
                               "or earlier node produces it)";
  // SSA: one producer per value, whether graph input, initializer or node.
  llvm::StringSet<> outputs;
  for (const std::string &output : node.outputs)
    if (!output.empty() && (values.count(output) || !outputs.insert(output).second))
      return emitError(loc) << "node '" << name << "' (" << node.opType
                            << "): output '" << output
                            << "' has another producer (a node, a graph input "
                               "or an initializer)";
  NodeImporter importer(node, name, loc, builder, values, unsignedValues,
                        model.defaultOpset());
  bool folded = false;
  if (failed(tryFoldNode(importer, folded)) || importer.badAttribute())
    return failure();
  if (!folded && (failed(it->second(importer)) || importer.badAttribute()))
    return failure();
  // Data movement keeps the signedness of its data input.
  static const llvm::StringSet<> movesData = {
      "Identity", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Concat",
      "Slice", "Split", "Expand", "Gather", "Trilu", "Where"};
  unsigned dataInput = node.opType == "Where" ? 1 : 0;
  if (movesData.contains(node.opType) && importer.isUnsigned(dataInput))
    for (const std::string &output : node.outputs)
      if (!output.empty() && values.count(output))
        unsignedValues.insert(values[output]);

  for (const std::string &output : node.outputs) {
    if (output.empty())
      continue;
    auto produced = values.find(output);
    if (produced == values.end())
      return importer.failure("output '" + output + "' was not produced");
    auto type = dyn_cast<RankedTensorType>(produced->second.getType());
    if (type && llvm::is_contained(type.getShape(), 0))
      return importer.failure("output '" + output +
                              "' is an empty tensor; zero-size tensors are "
                              "not supported");
    std::optional<int64_t> count =
        type ? checkedElementCount(type.getShape()) : std::nullopt;
    if (type && type.hasStaticShape() && (!count || *count > kMaxTensorElements))
      return importer.failure("output '" + output +
                              "' would have more than the 2^32 elements a "
                              "tensor may hold");
  }
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  context->loadDialect<arith::ArithDialect, func::FuncDialect,
                       tensor::TensorDialect, tosa::TosaDialect>();
  Location fileLoc = FileLineColLoc::get(context, fileName, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  const Graph &graph = model.graph;

  int64_t opset = model.defaultOpset();
  if (opset < 13 || opset > 21) {
    emitError(fileLoc) << "the model uses opset " << opset
                       << " of ai.onnx; supported opsets are 13 to 21";
    return nullptr;
  }

  if (failed(checkGraphNames(fileLoc)))
    return nullptr;

  for (const auto &entry : options.inputShapes) {
    const std::string &name = entry.first;
    bool isSymbol = entry.second.size() == 1 &&
                    llvm::any_of(graph.inputs, [&](const ValueInfo &v) {
                      return llvm::any_of(v.dims, [&](const Dimension &d) {
                        return d.value < 0 && d.param == name;
                      });
                    });
    if (!isSymbol && llvm::none_of(graph.inputs,
                                   [&](const ValueInfo &v) { return v.name == name; })) {
      emitError(fileLoc) << "--input-shape names '" << name
                         << "', which is neither an input of the graph nor the "
                            "name of a dynamic dimension";
      return nullptr;
    }
  }

  SmallVector<Type> argTypes;
  for (const ValueInfo &info : graph.inputs) {
    FailureOr<RankedTensorType> type = inputType(info);
    if (failed(type))
      return nullptr;
    argTypes.push_back(*type);
  }
  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, fileLoc, options.functionName,
                                   builder.getFunctionType(argTypes, {}));
  if (options.emitCInterface)
    func->setAttr("llvm.emit_c_interface", builder.getUnitAttr());
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToStart(body);
  for (auto [info, arg] : llvm::zip_equal(graph.inputs, body->getArguments())) {
    values[info.name] = arg;
    if (isUnsignedDataType(info.type))
      unsignedValues.insert(arg);
  }

  for (const Tensor &init : graph.initializers) {
    Location loc = nodeLoc(init.name);
    Type elementType = convertDataType(init.type, context);
    if (!elementType) {
      emitError(loc) << "initializer '" << init.name << "' has element type "
                     << dataTypeName(init.type)
                     << ", which the compiler does not handle";
      return nullptr;
    }
    auto type = RankedTensorType::get(init.dims, elementType);
    ElementsAttr value;
    if (options.sharedInitializers) {
      ElementsAttr &shared = (*options.sharedInitializers)[init.name];
      if (!shared || shared.getType() != type)
        shared = constantAttr(init, type, options.resourceThresholdBytes);
      value = shared;
    } else {
      value = constantAttr(init, type, options.resourceThresholdBytes);
    }
    Value constant = arith::ConstantOp::create(builder, loc, type, value);
    values[init.name] = constant;
    if (isUnsignedDataType(init.type))
      unsignedValues.insert(constant);
  }

  for (auto [index, node] : llvm::enumerate(graph.nodes))
    if (failed(importNode(node, index)))
      return nullptr;

  SmallVector<Value> results;
  for (const ValueInfo &info : graph.outputs) {
    auto it = values.find(info.name);
    if (it == values.end()) {
      emitError(fileLoc) << "graph output '" << info.name << "' is never produced";
      return nullptr;
    }
    results.push_back(it->second);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  // Shape computations folded at import leave constants nobody uses.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
    if (isa<arith::ConstantOp>(op) && op.use_empty())
      op.erase();
  func.setType(builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  // The graph's input and output names, for drivers and runtimes that bind
  // tensors by name (bitnet-run, the C ABI).
  auto names = [&](const std::vector<ValueInfo> &values) {
    SmallVector<Attribute> list;
    for (const ValueInfo &info : values)
      list.push_back(builder.getStringAttr(info.name));
    return builder.getArrayAttr(list);
  };
  func->setAttr("bitnet.input_names", names(graph.inputs));
  func->setAttr("bitnet.output_names", names(graph.outputs));
  // A model that breaks an op's type rules can still slip past the handlers;
  // the verifier reports it at the node's location instead of handing on
  // invalid IR.
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

} // namespace

OwningOpRef<ModuleOp> mlir::bitnet::onnx::importModel(const Model &model,
                                                      MLIRContext *context,
                                                      const ImportOptions &options,
                                                      llvm::StringRef fileName) {
  return GraphImporter(model, context, options, fileName).run();
}

OwningOpRef<ModuleOp>
mlir::bitnet::onnx::importModelFile(llvm::StringRef path, MLIRContext *context,
                                    const ImportOptions &options) {
  std::string error;
  std::unique_ptr<Model> model = loadModel(path.str(), error);
  if (!model) {
    emitError(UnknownLoc::get(context)) << error;
    return nullptr;
  }
  return importModel(*model, context, options, path);
}

void mlir::bitnet::onnx::printNodeDiagnostic(llvm::raw_ostream &os,
                                             llvm::StringRef fileName,
                                             Diagnostic &diag) {
  llvm::StringRef severity =
      diag.getSeverity() == DiagnosticSeverity::Error     ? "error"
      : diag.getSeverity() == DiagnosticSeverity::Warning ? "warning"
      : diag.getSeverity() == DiagnosticSeverity::Remark  ? "remark"
                                                          : "note";
  os << fileName << ": " << severity << ": ";
  std::string message = diag.str();
  if (auto name = dyn_cast<NameLoc>(diag.getLocation());
      name && message.find("'" + name.getName().str() + "'") == std::string::npos)
    os << "node '" << name.getName().getValue() << "': ";
  os << message << "\n";
}

bool mlir::bitnet::onnx::parseInputShape(llvm::StringRef spec,
                                         ImportOptions &options) {
  auto [name, dims] = spec.rsplit('=');
  if (name.empty() || dims.empty())
    return false;
  std::vector<int64_t> shape;
  SmallVector<llvm::StringRef> parts;
  dims.split(parts, 'x');
  for (llvm::StringRef part : parts) {
    int64_t d;
    if (part.getAsInteger(10, d) || d < 0)
      return false;
    shape.push_back(d);
  }
  options.inputShapes[name.str()] = shape;
  return true;
}
