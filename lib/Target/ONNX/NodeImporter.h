//===- NodeImporter.h - What an ONNX op handler sees -------------*- C++ -*-===//
//
// Internal to the ONNX importer. Each op handler gets a NodeImporter: the
// node, a builder at the node's location (its ONNX name), typed access to
// inputs and attributes, and result binding. Errors name the node.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_LIB_TARGET_ONNX_NODEIMPORTER_H
#define BITNET_LIB_TARGET_ONNX_NODEIMPORTER_H

#include "bitnet/Target/ONNX/OnnxModel.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"

#include <optional>

namespace mlir::bitnet::onnx {

/// The largest tensor (in elements) the importer creates: 2^32, far above
/// any BitNet activation or weight (2B4T's embedding has 2^28.3), so that a
/// hostile shape is an error at its node instead of an allocation failure.
inline constexpr int64_t kMaxTensorElements = int64_t(1) << 32;

class NodeImporter {
public:
  NodeImporter(const Node &node, llvm::StringRef name, Location loc,
               OpBuilder &builder, llvm::StringMap<Value> &values,
               llvm::DenseSet<Value> &unsignedValues, int64_t opset)
      : node(node), name(name.str()), b(loc, builder), values(values),
        unsignedValues(unsignedValues), opset(opset) {}

  const Node &node;
  /// The node's name, or `<OpType>_<index>` for an unnamed node.
  const std::string name;
  ImplicitLocOpBuilder b;

  Location loc() const { return b.getLoc(); }
  int64_t getOpset() const { return opset; }

  /// Number of inputs given (trailing omitted inputs not counted).
  unsigned numInputs() const;
  bool hasInput(unsigned i) const;
  /// Input `i`; null if omitted (after an error when `required`).
  Value input(unsigned i, bool required = true);
  RankedTensorType inputType(unsigned i);
  /// The constant value of input `i`, if it is produced by a constant.
  DenseElementsAttr constantInput(unsigned i);
  /// Integer values of a constant input (e.g. shapes, axes), if constant.
  std::optional<SmallVector<int64_t>> constantInts(unsigned i);

  /// Attribute accessors return the default when the attribute is absent;
  /// one of another kind (`perm` as floats, `axis` as a string) is an error
  /// at the node, reported by the first access (see badAttribute()).
  bool hasAttr(llvm::StringRef name) const;
  int64_t intAttr(llvm::StringRef name, int64_t defaultValue) const;
  float floatAttr(llvm::StringRef name, float defaultValue) const;
  std::string stringAttr(llvm::StringRef name, llvm::StringRef defaultValue) const;
  std::optional<SmallVector<int64_t>> intsAttr(llvm::StringRef name) const;
  const Tensor *tensorAttr(llvm::StringRef name) const;

  /// Whether an accessor met an attribute of the wrong kind.
  bool badAttribute() const { return sawBadAttribute; }

  /// Binds output `i` of the node; `isUnsigned` marks ONNX uint8 data.
  void setResult(unsigned i, Value value, bool isUnsigned = false);

  /// Whether input `i` holds ONNX unsigned data. The IR uses signless
  /// integers (as TOSA and arith require); the importer remembers which
  /// values are unsigned so that the ops where it matters (Cast, Div,
  /// QuantizeLinear, DequantizeLinear, MatMulInteger) use unsigned
  /// arithmetic.
  bool isUnsigned(unsigned i);

  /// An error at the node ("node 'n' (Op): ...").
  InFlightDiagnostic error();
  LogicalResult failure(const llvm::Twine &message);

  /// A rank-checked axis (negative counts from the end); error if invalid.
  std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

private:
  /// The attribute `name` if it has `kind`; null if absent or (after an
  /// error) of another kind.
  const NodeAttribute *attrOfKind(llvm::StringRef name,
                                  NodeAttribute::Kind kind) const;

  mutable bool sawBadAttribute = false;
  llvm::StringMap<Value> &values;
  llvm::DenseSet<Value> &unsignedValues;
  int64_t opset;
};

using OpImportFn = LogicalResult (*)(NodeImporter &);
using OpImportRegistry = llvm::StringMap<OpImportFn>;

/// Handlers of the default ONNX domain, grouped by kind (one file each).
void registerElementwiseImporters(OpImportRegistry &registry);
void registerTensorImporters(OpImportRegistry &registry);
void registerShapeImporters(OpImportRegistry &registry);
void registerQuantizationImporters(OpImportRegistry &registry);
/// Ops of other domains, registered as "domain.OpType": com.microsoft's
/// MatMulNBits (ONNX Runtime's n-bit weights).
void registerMatMulNBitsImporters(OpImportRegistry &registry);

/// Shape of ONNX's multidirectional (numpy-style) broadcast of `values`;
/// an error at the node if they do not broadcast.
FailureOr<SmallVector<int64_t>> broadcastShape(NodeImporter &n, ValueRange values);

/// `v` viewed with `shape`: a new constant when `v` is one (so shape
/// computations keep folding), tosa.reshape otherwise.
Value reshapeTo(ImplicitLocOpBuilder &b, Value v, ArrayRef<int64_t> shape);

/// Reshapes `v` to `rank` by prepending unit dimensions (tosa.reshape).
Value padRank(ImplicitLocOpBuilder &b, Value v, int64_t rank);

/// A linalg.generic over the broadcast shape of `inputs` that computes
/// `body(elements)` per element; for ops TOSA has no exact counterpart of.
FailureOr<Value>
broadcastGeneric(NodeImporter &n, ValueRange inputs, Type resultElementType,
                 function_ref<Value(OpBuilder &, Location, ValueRange)> body);

/// Part sizes of a Split of an axis of size `dim`: the constant `split`
/// input (opset >= 13), the `split` attribute, or `num_outputs` (opset 18) /
/// the number of outputs in equal parts. An error at the node when the
/// sizes are a run-time input, negative, do not add up to `dim`, or do not
/// match the outputs.
FailureOr<SmallVector<int64_t>> splitSizes(NodeImporter &n, int64_t dim);

/// ONNX MatMul of `a` [..., M, K] and `b` [K, N] (or equal batch shapes) as
/// tosa.matmul on 3-D views.
FailureOr<Value> emitMatMul(NodeImporter &n, Value a, Value b);

/// Evaluates the node on the host when all its inputs are small constants
/// and the op is integer arithmetic or data movement (ConstantFolding.cpp);
/// sets `folded` when the results were bound.
LogicalResult tryFoldNode(NodeImporter &n, bool &folded);

/// MLIR element type of an ONNX data type, or null if unsupported. ONNX
/// uint8 becomes signless i8 (see NodeImporter::isUnsigned).
Type convertDataType(int type, MLIRContext *context);

/// Whether an ONNX data type is an unsigned integer type.
bool isUnsignedDataType(int type);

/// A constant attribute holding `tensor`'s bytes: dense_resource (no copy)
/// above `resourceThreshold` bytes, plain dense below.
ElementsAttr constantAttr(const Tensor &tensor, RankedTensorType type,
                          int64_t resourceThreshold);

} // namespace mlir::bitnet::onnx

#endif // BITNET_LIB_TARGET_ONNX_NODEIMPORTER_H
