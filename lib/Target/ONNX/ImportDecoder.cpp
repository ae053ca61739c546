//===- ImportDecoder.cpp - prefill and decode functions from one ONNX decoder ===//
//
// A decoder exported with key-value caches has dynamic sequence and past
// lengths; the compiler wants static shapes. We import the graph twice, for
// a prompt chunk and for one token, with the caches sized to one capacity so
// that both functions can run in place on the same cache buffers.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Target/ONNX/ImportONNX.h"
#include "bitnet/ABI/ModelABI.h"
#include "bitnet/Dialect/BitNet/IR/FunctionAttrs.h"
#include "bitnet/Target/ONNX/OnnxModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
namespace abi = ::bitnet::abi;
using namespace mlir::bitnet::onnx;

bool mlir::bitnet::onnx::isGenerativeModel(const Model &model,
                                           const DecoderImportOptions &options) {
  // A cache whose past length is fixed (an export traced for one step on a
  // given past) is an ordinary input: the graph runs that one step.
  return llvm::any_of(model.graph.inputs, [&](const ValueInfo &input) {
    return llvm::StringRef(input.name).starts_with(options.pastPrefix) &&
           (!input.hasShape || input.dims.size() != 4 || input.dims[2].value < 0);
  });
}

namespace {

/// The static shape of graph input `input` for a call with `newTokens` new
/// tokens, or an error naming the input.
FailureOr<std::vector<int64_t>> inputShape(const ValueInfo &input,
                                           int64_t newTokens, int64_t capacity,
                                           const DecoderImportOptions &options,
                                           Location loc) {
  llvm::StringRef name = input.name;
  // Which dimension is the dynamic length, and its size.
  int64_t lengthDim, length;
  if (name.starts_with(options.pastPrefix)) {
    lengthDim = 2; // [batch, kv_heads, past, head_dim]
    length = capacity - newTokens;
  } else if (name == abi::kAttentionMask) {
    lengthDim = 1; // [batch, past + new]
    length = capacity;
  } else if (name == abi::kInputIds || name == abi::kPositionIds) {
    lengthDim = 1; // [batch, new]
    length = newTokens;
  } else {
    lengthDim = -1;
    length = 0;
  }
  if (!input.hasShape ||
      (lengthDim >= 0 && static_cast<int64_t>(input.dims.size()) <= lengthDim)) {
    emitError(loc) << "generative model input '" << name << "' has "
                   << (input.hasShape ? "rank " + std::to_string(input.dims.size())
                                      : std::string("no shape"))
                   << "; expected input_ids/position_ids [batch, sequence], "
                      "attention_mask [batch, total_sequence], and caches "
                      "[batch, heads, past_sequence, head_dim]";
    return failure();
  }
  std::vector<int64_t> shape;
  for (auto [d, dim] : llvm::enumerate(input.dims)) {
    if (dim.value >= 0) {
      shape.push_back(dim.value);
    } else if (static_cast<int64_t>(d) == lengthDim) {
      shape.push_back(length);
    } else if (d == 0) {
      shape.push_back(1); // batch
    } else {
      emitError(loc) << "generative model input '" << name << "': cannot size "
                     << "dimension " << d << " ('" << dim.param << "'); "
                     << "expected input_ids/position_ids [batch, sequence], "
                        "attention_mask [batch, total_sequence], and caches "
                        "[batch, heads, past_sequence, head_dim]";
      return failure();
    }
  }
  return shape;
}

} // namespace

std::vector<int64_t> mlir::bitnet::onnx::defaultContextBuckets(int64_t maxContext) {
  std::vector<int64_t> buckets;
  if (maxContext < 1024)
    return buckets;
  for (int64_t bucket = 256; bucket <= maxContext / 2; bucket *= 4)
    buckets.push_back(bucket);
  return buckets;
}

OwningOpRef<ModuleOp> mlir::bitnet::onnx::importDecoder(
    const Model &model, MLIRContext *context, const ImportOptions &options,
    const DecoderImportOptions &decoder, llvm::StringRef fileName) {
  Location loc = FileLineColLoc::get(context, fileName, 0, 0);
  // Every input's shape follows from the token counts and the capacity.
  if (!options.inputShapes.empty()) {
    emitError(loc) << "--input-shape does not apply to a model with key-value "
                      "caches; its shapes come from --prefill-tokens and "
                      "--max-context";
    return nullptr;
  }
  if (decoder.prefillTokens < 1 || decoder.maxContext <= decoder.prefillTokens) {
    emitError(loc) << "a generative model needs 1 <= prefill tokens ("
                   << decoder.prefillTokens << ") < maximum context ("
                   << decoder.maxContext << ")";
    return nullptr;
  }
  int64_t previous = 1;
  for (int64_t bucket : decoder.contextBuckets) {
    if (bucket <= previous || bucket >= decoder.maxContext) {
      emitError(loc) << "context buckets must ascend, each in (1, maximum context "
                     << decoder.maxContext << "); got " << bucket;
      return nullptr;
    }
    previous = bucket;
  }
  struct Function {
    std::string name;
    int64_t newTokens, capacity;
    std::string bucketOf; // empty: an entry point's own function
  };
  std::vector<Function> functions = {{"prefill", decoder.prefillTokens, decoder.maxContext, ""},
                                     {"decode", 1, decoder.maxContext, ""}};
  // Each bucket stands in for decode, and for prefill where a chunk fits.
  for (int64_t bucket : decoder.contextBuckets) {
    if (bucket > decoder.prefillTokens)
      functions.push_back({"prefill_ctx" + std::to_string(bucket), decoder.prefillTokens,
                           bucket, "prefill"});
    functions.push_back({"decode_ctx" + std::to_string(bucket), 1, bucket, "decode"});
  }

  std::map<std::string, ElementsAttr> shared;
  OwningOpRef<ModuleOp> module;
  for (const Function &function : functions) {
    ImportOptions entry = options;
    entry.functionName = function.name;
    entry.sharedInitializers = &shared;
    entry.inputShapes.clear();
    for (const ValueInfo &input : model.graph.inputs) {
      FailureOr<std::vector<int64_t>> shape =
          inputShape(input, function.newTokens, function.capacity, decoder, loc);
      if (failed(shape))
        return nullptr;
      entry.inputShapes[input.name] = *shape;
    }
    OwningOpRef<ModuleOp> imported = importModel(model, context, entry, fileName);
    if (!imported)
      return nullptr;
    if (!function.bucketOf.empty()) {
      // Called by prefill's or decode's entry point only: private, no C
      // interface.
      auto func = imported->lookupSymbol<func::FuncOp>(function.name);
      assert(func && "importModel names the function as asked");
      auto i64 = IntegerType::get(context, 64);
      func.setPrivate();
      func->removeAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName());
      func->setAttr(kBucketOfAttr, StringAttr::get(context, function.bucketOf));
      func->setAttr(kContextBucketAttr, IntegerAttr::get(i64, function.capacity));
      func->setAttr(kBucketNewTokensAttr, IntegerAttr::get(i64, function.newTokens));
    }
    if (!module) {
      module = std::move(imported);
      continue;
    }
    for (Operation &op : llvm::make_early_inc_range(*imported->getBody())) {
      op.remove();
      module->getBody()->push_back(&op);
    }
  }
  return module;
}
