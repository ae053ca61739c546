//===- Passes.td - model-level rewrites and the model ABI ---*- tablegen -*-===//
//
// Passes that see the model as a whole rather than one layer or loop nest:
// graph rewrites of the imported decoder (grouped-query attention, key-value
// caches updated in place, last-token logits, operands read through views
// instead of copies) and the compiled model's interface with the runtime
// (the C entry point, the weights side file; include/bitnet/ABI).
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_MODEL_PASSES_TD
#define BITNET_MODEL_PASSES_TD

include "mlir/Pass/PassBase.td"

def GroupedQueryAttentionPass
    : Pass<"bitnet-grouped-query-attention", "::mlir::func::FuncOp"> {
  let summary = "Multiply grouped-query attention without repeating the "
                "key/value heads";
  let description = [{
    Exported grouped-query attention repeats each of the `kv` key and value
    heads `g` times (`repeat_interleave` / `repeat_kv`: reshape, `tosa.tile`,
    reshape) before the batched products with the `H = kv * g` query heads,
    materialising `g` copies of the keys and values (of the whole cache,
    every decode step). Since query head `h` uses kv head `h / g`, the
    product of `[H, S, a]` queries with the repeated `[H, a, b]` keys is the
    product of the queries viewed as `[kv, g * S, a]` (a free reshape) with
    the `[kv, a, b]` keys. This pass rewrites `tosa.matmul(A, B)` whose `B`
    is such a repetition (optionally transposed in its last two dimensions,
    as `q @ k^T` has it) into that form; the repetition dies if nothing
    else uses it.
  }];
  let dependentDialects = ["::mlir::tosa::TosaDialect"];
}

def KVCacheInPlacePass
    : Pass<"bitnet-kv-cache-in-place", "::mlir::func::FuncOp"> {
  let summary = "Turn a decoder's past/present key-value concatenations into "
                "in-place writes into fixed-capacity cache buffers";
  let description = [{
    A decoder exported with a key-value cache (the Hugging Face /
    onnxruntime-genai signature) computes each `present.N.key|value` output
    as `Concat(past_key_values.N.key|value, new, axis)`, so every decode step
    copies the whole cache into a new, longer tensor. This pass makes the
    cache a fixed-capacity buffer that the caller owns and the model updates
    in place:

    - each input named `<past-prefix>X` whose only use is the first operand
      of the concatenation returned as the output `<present-prefix>X` gets
      the concatenation's type (the capacity `C`: import with a past length
      of `C - S` for `S` new tokens, and the rest of the graph keeps its
      shapes);
    - the concatenation becomes a `tensor.insert_slice` of the new entries
      at a run-time offset, the new trailing input `cache_position`
      (`tensor<1xi64>`: the number of tokens already in the cache);
    - the `present` results are removed, and the cache arguments are marked
      `bitnet.state`: `bitnet-emit-entry-point` describes them as state
      that the caller passes in and the model updates in place
      (bufferization writes into the argument: no copy per step).

    The graph must mask cache slots at or beyond `cache_position + S` itself
    (from `attention_mask` or positions), as any graph run with a padded
    cache does. The caller must keep `cache_position + S <= C`.
    Functions without cache inputs are left unchanged; a cache input whose
    use is not such a concatenation is an error naming it.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"pastPrefix", "past-prefix", "std::string",
           /*default=*/"\"past_key_values.\"",
           "Name prefix of the cache inputs">,
    Option<"presentPrefix", "present-prefix", "std::string",
           /*default=*/"\"present.\"",
           "Name prefix of the updated-cache outputs">,
  ];
}

def CausalMaskFromPositionPass
    : Pass<"bitnet-causal-mask-from-position", "::mlir::func::FuncOp"> {
  let summary = "Causal masks computed from the cache's length in the shapes "
                "become masks from the run-time cache position";
  let description = [{
    transformers' exports without an `attention_mask` input (and other
    exports that do the same) build the causal mask from the past length in
    the cache's shape: key slot `j` is visible to new token `i` when
    `j <= past + i`. With fixed-capacity caches (`bitnet-kv-cache-in-place`)
    the shapes say `past = C - S`, the import folds the mask into a constant
    for that length, and every slot would be visible however short the
    context is. In a function with a `cache_position` input, this pass
    finds each constant added to attention scores right before a softmax
    (a `tosa.add` whose result feeds a `tosa.reduce_max` over the last
    axis) whose `[S, C]` values are exactly that causal mask (0 where
    visible, one value `m <= -1e30` elsewhere; all zeros for `S = 1`), and
    replaces it with the same mask computed from `cache_position`:
    `j <= cache_position + i`. Any other constant is left alone, so a graph
    that masks by `attention_mask` or positions is unchanged.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def LastTokenLogitsPass
    : Pass<"bitnet-last-token-logits", "::mlir::func::FuncOp"> {
  let summary = "A generative prefill computes the logits of one token, not all";
  let description = [{
    Generation needs the logits of the last prompt token only, yet a prefill
    chunk of `S` tokens computes `[1, S, vocab]`: for a 128k vocabulary the
    lm_head is a quarter of the prefill's work. In a function with key-value
    cache state (`bitnet.state` arguments, from `bitnet-kv-cache-in-place`)
    whose output `logits` (`[1, S, V]`, `S > 1`) is a `tosa.matmul` of the
    hidden states, this pass slices that product's left operand to the one
    row at the new input `logits_index` (`tensor<1xi64>`, the last real
    token of a padded chunk) before the product: the output becomes
    `[1, 1, V]`. Functions without state, or whose logits take another
    form, are left unchanged (the runtime reads either form).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def FoldContractionViewsPass : Pass<"bitnet-fold-contraction-views"> {
  let summary = "Read contraction operands through their transposes and widenings instead of copies";
  let description = [{
    A float contraction operand is often a copy of another tensor made
    only to be read by the product: the key cache transposed for Q.K^T (at
    every decode step, the whole cache), a query transposed to head-major
    order, a float16 lm_head table widened to f32 and transposed (ONNX
    `Cast` + `Transpose` of the one stored initializer, kept narrow as the
    reference runtimes' model files have it). For every contraction with
    two inputs, this pass follows each input back through
    `linalg.transpose`, one widening `linalg.generic` (its body a single
    `arith.extf`) and `tensor.expand_shape` / `tensor.collapse_shape` that
    only add or drop unit dimensions, and when a transpose or a widening
    was on the way, rewrites the contraction into a `linalg.generic` that
    reads the underlying tensor through the composed indexing map, with the
    `arith.extf` moved into its body:

    ```
    Kt = transpose(K) ; S[h, m, n] += Q[h, m, k] * Kt[h, k, n]
      ->  S[h, m, n] += Q[h, m, k] * K[h, n, k]
    ```

    The copies are then unused and erased: the decode step no longer
    rewrites its key cache, and the lm_head streams the float16 table (half
    the bytes of an f32 one). A view is folded only if the operand keeps
    reading its contiguous dimension along the same loop or along the
    reduction (the dot form of `bitnet-tile-float-contractions`), so vector
    loads stay contiguous. Values and operations are unchanged (widening is
    exact).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::arith::ArithDialect"];
}

def ShareTransposedWeightsPass : Pass<"bitnet-share-transposed-weights"> {
  let summary = "Read a tied lm_head from the embedding table instead of its transposed copy";
  let description = [{
    Exporters fold the transpose of a tied lm_head (`F.linear(x,
    embed.weight)`): the ONNX file then holds the [vocab x hidden] embedding
    and, as a second initializer, its [hidden x vocab] transpose, and the
    compiled model would carry both (393 of 408 MB of the weights file of
    a 0.7B-shaped model). For every float contraction with a 2-D constant
    operand (possibly expanded with unit dimensions), this pass looks for
    another constant of the function that is its transpose, element by
    element (bitwise), and rewrites the contraction into a `linalg.generic`
    that reads that constant through a transposed indexing map:

    ```
    C[b, m, n] += A[b, m, k] * W[k, n]   ->   C[b, m, n] += A[b, m, k] * E[n, k]
    ```

    The transposed copy is then unused and dropped; each logit is the dot
    product of the activations with a row of the table, the form
    `bitnet-tile-float-contractions` turns into dot-product kernels (and
    the natural matrix-vector form for one token). Results are unchanged
    (same values, same operations).

    Explicit views (a transpose, a widening of a float16 table) are
    `bitnet-fold-contraction-views`' part; this pass handles the copy that
    the exporter already made.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def EmitEntryPointPass : Pass<"bitnet-emit-entry-point", "::mlir::ModuleOp"> {
  let summary = "Give a compiled model a plain C entry point and a signature record";
  let description = [{
    For the function `func` (default `main`, as imported from ONNX), adds

    ```
    void bitnet_run(void *const *inputs, void *const *outputs);
    const char bitnet_model_info[];
    ```

    `bitnet_run` reads each input from the contiguous row-major buffer
    `inputs[i]` and writes each result into the caller's buffer
    `outputs[j]` (no allocation crosses the boundary). `bitnet_model_info`
    describes the signature, one line per tensor:

    ```
    bitnet-model 1
    input input_ids i64 1x7
    output logits f32 1x7x97
    ```

    (`scalar` for rank 0), with the names of `bitnet.input_names` /
    `bitnet.output_names` (set by the ONNX importer; `input0`, `output0`, ...
    otherwise). The C runtime (`include/bitnet-c/bitnet.h`) binds tensors
    by these names. Arguments marked `bitnet.state` (key-value caches, by
    `bitnet-kv-cache-in-place`) are listed as `state` lines, in argument
    order with the inputs: the caller passes their buffers in `inputs` and
    the model updates them in place.

    With `name` set, the symbols are `bitnet_run_<name>` and
    `bitnet_model_info_<name>`: one library can hold several entry points
    (a generative model's `prefill` and `decode`).

    Context buckets: functions marked `bitnet.bucket_of = "<func>"` with a
    capacity `bitnet.context_bucket = B` and the tokens a call appends,
    `bitnet.bucket_new_tokens = S` (default 1) (`decode_ctx<B>`,
    `prefill_ctx<B>`, imported by `bitnet-compile --context-buckets`) stand
    in for `func` when the context is short. Their arguments must be
    `func`'s, or leading blocks of B slots of them (a cache
    `[1, heads, B, head_dim]` of `[1, heads, C, head_dim]`, a mask `[1, B]`
    of `[1, C]`), with the same input names and state arguments. The entry
    point then reads `cache_position` and calls the smallest bucket with
    position + S <= B (else `func`) on
    `tensor.extract_slice`s of the caller's buffers; each bucket argument
    that is such a slice gets `bufferization.buffer_layout` = the strided
    layout of the full buffer, so bufferization passes the caller's buffer
    itself (no copy) and the cache updates land in place. The signature
    record and the C ABI stay `func`'s.

    Runs on tensors, before bufferization: the buffers are
    viewed as memrefs and the results written with
    `bufferization.materialize_in_destination`. Functions with dynamic
    shapes are rejected with an error.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"funcName", "func", "std::string", /*default=*/"\"main\"",
           "The model function to expose">,
    Option<"entryName", "name", "std::string", /*default=*/"\"\"",
           "Suffix of the entry point's symbols (empty: bitnet_run)">,
  ];
}

def ExternalizeWeightsPass
    : Pass<"bitnet-externalize-weights", "::mlir::ModuleOp"> {
  let summary = "Move large constant globals into a memory-mapped weights file";
  let description = [{
    Runs on the LLVM dialect (the end of the CPU pipeline). Every private
    constant `llvm.mlir.global` whose initializer (`dense` or
    `dense_resource` elements of byte-sized ints or floats; packed ternary
    weights are `i8` arrays) is larger than `threshold` bytes is removed;
    its bytes are appended to the weights data at a 64-byte aligned offset,
    and each `llvm.mlir.addressof` of it becomes an `i8` GEP of that offset
    from a pointer loaded (once per function) from
    `@bitnet_weights_base`:

    ```
    %w = llvm.mlir.addressof @__constant_64x512xi8 : !llvm.ptr
      ->
    %0 = llvm.mlir.addressof @bitnet_weights_base : !llvm.ptr
    %1 = llvm.load %0 invariant {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
    %w = llvm.getelementptr inbounds %1[4096] : (!llvm.ptr) -> !llvm.ptr, i8
    ```

    It adds `@bitnet_weights_base` (a mutable external `ptr`, null until
    the runtime maps the file) and the constants `@bitnet_weights_size`
    and `@bitnet_weights_hash` (i64: the data's size and FNV-1a 64 hash),
    which the runtime checks against the file's header. Smaller constants,
    strings and globals used other than by `addressof` in functions stay
    in the module. With `file`, the weights file (header and data, format
    in docs/abi.md) is written there; `bitnet-compile --emit=lib` writes it
    next to the library.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"threshold", "threshold", "int64_t", /*default=*/"4096",
           "Constants larger than this many bytes go to the weights file">,
    Option<"file", "file", "std::string", /*default=*/"\"\"",
           "Where to write the weights file (nothing is written when empty)">,
  ];
}

#endif // BITNET_MODEL_PASSES_TD
