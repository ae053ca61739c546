//===- FunctionAttrs.h - Names the compiler puts on model functions -*- C++ -*-===//
//
// Attribute and input names that the importer and the passes agree on. No
// generated headers: the ONNX importer uses them without depending on the
// dialect's TableGen output.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_DIALECT_BITNET_IR_FUNCTIONATTRS_H
#define BITNET_DIALECT_BITNET_IR_FUNCTIONATTRS_H

namespace mlir::bitnet {

/// Argument attribute of a tensor the model updates in place (a key-value
/// cache, set by `bitnet-kv-cache-in-place`). The names of the inputs the
/// passes add (cache_position, logits_index) are part of the runtime's
/// contract: bitnet/ABI/ModelABI.h.
constexpr char kStateArgAttr[] = "bitnet.state";
/// Attributes of a function that stands in for another one (`decode`,
/// `prefill`) when the context fits a smaller cache capacity
/// (`decode_ctx<B>`, `prefill_ctx<B>`, imported by onnx::importDecoder): the
/// function's name, the capacity B, and the tokens S a call appends (1 if
/// absent). Its inputs are the first B slots of the other's;
/// bitnet-emit-entry-point dispatches to it when cache_position + S <= B.
/// Dictionary from the name of an integer graph input that indexes a table
/// (input_ids into the embedding) to the bounds [lo, hi) of its elements
/// (ONNX Gather: [-rows, rows)); bitnet-emit-entry-point writes them into
/// the model record and the runtime checks inputs against them.
constexpr char kIndexBoundsAttr[] = "bitnet.index_bounds";
constexpr char kBucketOfAttr[] = "bitnet.bucket_of";
constexpr char kContextBucketAttr[] = "bitnet.context_bucket";
constexpr char kBucketNewTokensAttr[] = "bitnet.bucket_new_tokens";

} // namespace mlir::bitnet

#endif // BITNET_DIALECT_BITNET_IR_FUNCTIONATTRS_H
