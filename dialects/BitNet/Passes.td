//===- Passes.td - BitNet dialect transformation passes ----*- tablegen -*-===//

#ifndef BITNET_PASSES_TD
#define BITNET_PASSES_TD

include "mlir/Pass/PassBase.td"

def DecomposeBitLinearPass : Pass<"bitnet-decompose-bitlinear"> {
  let summary = "Expand bitnet.bitlinear into its quantize / matmul / rescale steps";
  let description = [{
    Rewrites every `bitnet.bitlinear` into the integer pipeline it stands for:

    ```
    [bitnet.ternarize]          only for float weights
    [bitnet.topk_sparsify]      only when `topk` is set
    bitnet.quantize bits N      per-token activation codes and scales
    bitnet.ternary_matmul       i32 accumulators
    bitnet.dequantize           (acc * gamma) / s
    ```

    Inputs of rank > 2 are collapsed to `[tokens, K]` around the integer
    part and expanded back afterwards. A float weight that is a constant is
    ternarized by the folder, so no ternarization is left at run time.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def RaiseBitLinearPass : Pass<"bitnet-raise-bitlinear"> {
  let summary = "Recognise BitLinear layers in imported graphs as bitnet.bitlinear";
  let description = [{
    Finds matrix products (`tosa.matmul`, as imported from ONNX MatMul) whose
    activation operand is per-token absmax int8 fake quantization

    ```
    s  = 127 / clamp(reduce_max(|x|, last axis), min = 1e-5)
         (as a division, or reciprocal then multiply)
    xq = clamp(round(x * s), -128, 127) / s
         (optionally in straight-through form x + (xq - x))
    ```

    and whose weight operand is either per-tensor absmean ternarization of a
    constant `W` (`[out, in]`, possibly transposed):

    ```
    g  = 1 / clamp(mean(|W|), min = 1e-5)
    Wq = clamp(round(W * g), -1, 1) / g     (optionally straight-through)
    ```

    or a constant whose values are all in {-gamma, 0, +gamma}. It also
    recognises Hugging Face's BitLinear: int8 activation codes times
    `float(codes) - 1` of constant unpacked weight codes in {0, 1, 2}, the
    product divided by `s * weight_scale` (gamma = 1 / weight_scale).
    Each match becomes one `bitnet.bitlinear` on `x` (float weights, or i8
    ternary weights with their scale); the fake-quantization ops die with it.
    Products that look like a BitLinear (they quantize with round and clamp)
    but do not match exactly are left alone with a remark saying why.
    With `print-stats`, a remark reports how many layers were raised.
  }];
  let dependentDialects = ["::mlir::bitnet::BitNetDialect",
                           "::mlir::tosa::TosaDialect"];
  let options = [
    Option<"printStats", "print-stats", "bool", /*default=*/"false",
           "Report the number of raised layers and look-alikes as a remark">,
  ];
}

def PackTernaryPass : Pass<"bitnet-pack-ternary"> {
  let summary = "Pack constant ternary weights of bitnet.ternary_matmul at compile time";
  let description = [{
    Gives every `bitnet.ternary_matmul` whose unpacked weight is a constant
    a packed weight in `format` (`i2s`, `tl1` or `tl2`; by default the
    target's preferred format, see `CpuTargetInfo`). The packing is done by
    folding `bitnet.pack` with the reference packer; large results go
    straight into a `dense_resource` blob without an extra copy. Products
    whose weight is not a constant are left unpacked (and get a remark).
  }];
  let options = [
    Option<"format", "format", "std::string", /*default=*/"\"\"",
           "Packed format: i2s, tl1 or tl2 (default: the target's)">,
    Option<"target", "target", "std::string", /*default=*/"\"x86_64\"",
           "Target architecture: x86_64 or aarch64">,
    Option<"mcpu", "mcpu", "std::string", /*default=*/"\"\"",
           "Target CPU: an LLVM CPU name, or native">,
  ];
}

def QuantizeActivationsPass : Pass<"bitnet-quantize-activations"> {
  let summary = "Set the activation bit width and fuse RMSNorm into quantization";
  let description = [{
    Materialises the per-token activation quantization of BitLinear layers
    (int8 absmax or int4 absmean, see `bitnet.quantize`):

    * With `bits=8` or `bits=4`, every `bitnet.bitlinear` gets that
      `act_bits` and every `bitnet.quantize` that `bits`; `bits=0` keeps
      each op's own width.
    * A quantization whose input is an RMSNorm,

      ```
      x * rsqrt(mean(x * x, last axis) + eps) * gamma
      ```

      as imported from ONNX (`tosa.mul`/`tosa.pow` for the square,
      `tosa.reduce_sum` then a division or a multiplication by `1/K` for
      the mean, a constant `eps`, `tosa.rsqrt`, an optional `gamma` of
      shape `[K]` up to unit dimensions, constant or not), becomes one
      `bitnet.rms_norm_quantize`. A `bitnet.bitlinear` fed by an RMSNorm
      is decomposed (as `bitnet-decompose-bitlinear` does) so that its
      quantization can be fused; all layers reading the same norm share
      one fused op. The float norm is erased when nothing else reads it.

    The pass runs after `bitnet-raise-bitlinear` and before TOSA is
    lowered: the norm is recognised in its imported TOSA form, which the
    front end of the lowering pipelines turns into linalg. It also accepts
    already-decomposed IR (`bitnet.quantize`, possibly through the
    `tensor.collapse_shape` of the decomposition).

    Norms that almost match (an `rsqrt` of a mean of squares, but another
    axis, a non-constant `eps`, a TopK between norm and quantization, ...)
    are left alone with a remark naming the location and the reason. With
    `print-stats`, a remark reports how many quantizations were fused.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let options = [
    Option<"bits", "bits", "int64_t", /*default=*/"0",
           "Activation bit width: 8 (int8 absmax), 4 (int4 absmean), or 0 "
           "to keep each op's own">,
    Option<"fuseRmsNorm", "fuse-rms-norm", "bool", /*default=*/"true",
           "Fuse an RMSNorm producer into the quantization">,
    Option<"printStats", "print-stats", "bool", /*default=*/"false",
           "Report the number of fused quantizations as a remark">,
  ];
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

def OutlineLoopNestsPass
    : Pass<"bitnet-outline-loop-nests", "::mlir::ModuleOp"> {
  let summary = "Move each top-level loop nest of a function into its own function";
  let description = [{
    A decoder's entry point is one function holding every layer's loops
    (thousands of loop nests for a 30-layer model). LLVM's function passes
    are superlinear in a function's size (the loop vectorizer updates the
    dominator tree of the whole function for each loop it versions), so
    compile time grew quadratically with the layer count. This pass, run on
    buffers, moves each top-level op with regions (a loop nest, a
    `linalg` op on memrefs) of a function (public or private: a decoder's
    context buckets are private) into a private `noinline` function called
    in its place; captured constants and globals are cloned in (loop bounds
    stay constant), other captured values become arguments. Ops with
    results, functions with fewer than `min-ops` such ops, and the
    functions the pass itself creates are left alone.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"minOps", "min-ops", "int64_t", /*default=*/"2",
           "Outline only in functions with at least this many loop nests">,
  ];
}

def SplitEmptyTensorsPass : Pass<"bitnet-split-empty-tensors"> {
  let summary = "Bound the number of uses of each tensor.empty, before bufferization";
  let description = [{
    CSE merges identical `tensor.empty` ops, so in a decoder one empty
    tensor is the destination of ops in every layer. One-shot bufferization
    treats every op that writes into it as an alias of the others and
    checks each write against all their reads: quadratic in the layer count
    (7.1 of the 12.4 s of a 24-layer 0.7B model's llvm stage). The sharing
    is also how bufferization reuses one buffer for ops that write one
    after another: an op per use made that model's prefill 3x slower at a
    2048-token context (a fresh 16 MB attention buffer per layer). So the
    pass gives each run of `max-uses` consecutive uses (in program order)
    its own op: 32 keeps the reuse (prefill within 1%) and takes
    bufferization to 0.96 s.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let options = [
    Option<"maxUses", "max-uses", "int64_t", /*default=*/"32",
           "Uses of one tensor.empty op at most (1: an op per use)">,
  ];
}

def MergeFunctionsPass
    : Pass<"bitnet-merge-functions", "::mlir::ModuleOp"> {
  let summary = "Merge private functions that differ only in the globals and float constants they read";
  let description = [{
    After `bitnet-outline-loop-nests`, each of a decoder's layers has its
    own copy of every loop nest, the same code reading other weights
    (`memref.get_global`) and scales (float `arith.constant`s). This pass
    groups the private functions that are only called directly and that
    have the same body up to those values (ops, types, attributes, operands
    and blocks compared after a hash), keeps the first of each group, makes
    each value that differs within the group a trailing argument, passes
    each caller's own value (the global or constant cloned before the
    call), and erases the others. Integer and index constants must match:
    they are loop bounds and shapes LLVM optimizes on. Exact duplicates
    merge with no new argument. So LLVM compiles each distinct loop nest
    once instead of once per layer (and per prefill/decode function and
    context bucket where their shapes agree).
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
  let options = [
    Option<"printStats", "print-stats", "bool", /*default=*/"false",
           "Report the number of merged functions as a remark">,
  ];
}

def FuseElementwisePass : Pass<"bitnet-fuse-elementwise"> {
  let summary = "Fuse chains of elementwise linalg.generic ops into one loop nest";
  let description = [{
    An imported decoder computes its elementwise math one ONNX node at a
    time: RoPE (multiplies, a negation, adds), the attention scale and
    mask (divide, select), softmax's subtract and exp, ReLU² (max, pow),
    the GLU product, residual adds, casts. Each is a loop nest that writes
    a temporary the next one reads. This pass fuses such chains with MLIR's
    linalg elementwise fusion (`linalg::populateElementwiseOpsFusionPatterns`),
    controlled so that it only fuses what pays on a CPU:

    * producer and consumer are both `linalg.generic`s whose loops are all
      parallel: reductions (softmax's max and sum, norms) and contractions
      keep their own loops and kernels;
    * the producer has no other reader: nothing is computed twice.

    ```
    %a = linalg.generic {mulf} ins(%x, %cos)      %r = linalg.generic ins(%x, %cos, %y, %sin)
    %b = linalg.generic {mulf} ins(%y, %sin)  ->      { mulf, mulf, addf }
    %r = linalg.generic {addf} ins(%a, %b)
    ```

    Values and operation order per element are unchanged (each element is
    computed by the same scalar ops, in the same order); only the
    temporaries and the loop nests disappear (fewer nests also mean less
    for LLVM to compile).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def InterchangeMatmulLoopsPass : Pass<"bitnet-interchange-matmul-loops"> {
  let summary = "Put the reduction loop of float matrix products outside the output's innermost loop";
  let description = [{
    The float matrix products of a decoder (attention scores and values, a
    float lm_head: `linalg.matmul`, `linalg.batch_matmul` and other
    contractions) lower to loops whose innermost loop is the reduction: a
    chain of dependent scalar FMAs that LLVM cannot vectorize without
    reassociating. This pass generalizes each contraction and moves its
    reduction loops just outside the loop over the output's innermost
    dimension:

    ```
    (b, m, n, k): C[b,m,n] += A[b,m,k] * B[b,k,n]   ->   (b, m, k, n)
    ```

    The innermost loop then updates a contiguous row of C from a contiguous
    row of B, which the loop vectorizer turns into vector FMAs. Every output
    element still adds its products in the same order (k ascending), so
    results are bit-identical. Contractions where no input is contiguous
    along the output's innermost dimension (a matrix-vector product) are
    left alone: the new inner loop would stride them. In the CPU pipeline
    `bitnet-tile-float-contractions` runs first and turns the static f32
    contractions into register-blocked kernels; this pass gets what it
    leaves (and every contraction of the portable `bitnet-to-llvm`).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def ParallelizeRowsPass : Pass<"bitnet-parallelize-rows"> {
  let summary = "Split large loop nests that are not contractions over threads (scf.forall)";
  let description = [{
    What a prefill step runs outside the ternary kernels and the float
    contractions ran on one thread while the other waited: RMSNorm's sums of
    squares (one f64 chain per row), dequantization, the attention scale,
    mask and softmax, and the fused elementwise chains. This pass tiles each
    linalg op on tensors that is not a contraction, is not already inside
    an `scf.forall`, has static loop ranges and at least `min-iterations`
    iterations in all, along its outermost parallel loop of size > 1, into
    at most `tiles` pieces of an `scf.forall` (OpenMP threads in the CPU
    pipeline). Reductions stay inside a piece, so each result is computed
    in the same order and is bit-identical. Smaller ops (decode's: one
    token) stay whole, since a fork and join costs about 1 µs.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"tiles", "tiles", "int64_t", /*default=*/"8",
           "Most pieces per op (a few per thread balances them)">,
    Option<"minIterations", "min-iterations", "int64_t", /*default=*/"65536",
           "Ops with fewer iterations in all stay on one thread">,
  ];
}

def ParallelizeContractionsPass : Pass<"bitnet-parallelize-contractions"> {
  let summary = "Split float matrix products over threads (scf.forall)";
  let description = [{
    Tiles every contraction (`linalg.matmul`, `linalg.batch_matmul`,
    generic contractions such as those `bitnet-interchange-matmul-loops`
    produces) along its outermost parallel loop of static size > 1 into at
    most `tiles` pieces of an `scf.forall`, which the CPU pipeline runs on
    OpenMP threads like the ternary kernels' row blocks: the attention
    products split over heads, the lm_head over tokens (or, for one token,
    over the vocabulary). Inside each piece, the output's two innermost
    dimensions are tiled by 8 x 512 (`scf.for`) and, in the tile, the
    reduction moves outside both: a 16 KiB block of C stays in L1 while
    each row of the other operand is read once for all 8 rows (0.7B-shaped
    lm_head: 1035 -> 507 ms per 128-token prompt on one thread). Each
    output element still adds its products in the same order, so results
    are bit-identical. Contractions already inside an `scf.forall` (those
    of `bitnet-tile-float-contractions`, which runs before it in the CPU
    pipeline) are left alone.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"tiles", "tiles", "int64_t", /*default=*/"8",
           "Most pieces per contraction (a few per thread balances them)">,
  ];
}

def FuseSiblingMatmulsPass : Pass<"bitnet-fuse-sibling-matmuls"> {
  let summary = "One packed ternary product for the sibling layers of a shared activation";
  let description = [{
    A decoder layer multiplies one quantized activation by several weights:
    q, k and v after the attention norm, gate and up after the FFN norm.
    Each `bitnet.ternary_matmul` is a parallel kernel call, and the short
    ones (k and v: 640 rows for 2B4T) cost more in fork/join and prefetch
    ramp-up than in streaming. Packed layouts are row by row (every format
    pads K per row), so the siblings' packed weights, rows concatenated, are
    one packed weight: this pass replaces packed products of one activation
    (same block, same format, constant weights) by one product over the
    concatenated weight, and each former result by a `tensor.extract_slice`
    of its columns:

    ```
    %q = bitnet.ternary_matmul %x, %wq format <i2s> : ... -> tensor<1x2560xi32>
    %k = bitnet.ternary_matmul %x, %wk format <i2s> : ... -> tensor<1x640xi32>
      ->
    %qk = bitnet.ternary_matmul %x, %wqk format <i2s> : ... -> tensor<1x3200xi32>
    %q = tensor.extract_slice %qk[0, 0] [1, 2560] [1, 1]
    %k = tensor.extract_slice %qk[0, 2560] [1, 640] [1, 1]
    ```

    Results are bit-identical (integer sums). Functions that share the
    weights (a generative model's prefill and decode) share the fused
    weight; the parts are released once no function holds them, so the
    weights take no more memory than before.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::tensor::TensorDialect"];
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

def TileFloatContractionsPass : Pass<"bitnet-tile-float-contractions"> {
  let summary = "Register-blocked, cache-tiled, threaded kernels for float matrix products";
  let description = [{
    Turns every static f32 contraction `C[b.., m, n] += A[b.., m, k] *
    B[b.., k, n]` (NN) or `* B[b.., n, k]` (NT, a matmul with transposed
    B: the lm_head on its [vocab x hidden] table, see
    `bitnet-share-transposed-weights`) — `linalg.matmul`,
    `linalg.batch_matmul` and generic contractions, with any loops of size
    1 — into register-blocked vector kernels. An input may be stored as
    f16 or bf16 and widened in the body (`arith.extf`: the float16 lm_head
    table): the kernel then reads vectors of the narrow type and widens
    them in registers (`vcvtph2ps` with F16C, `fcvtl` on AArch64). The
    body must be exactly that: widenings of inputs, one `mulf`, one `addf`
    (the contraction interface alone would also accept, say, a negation).

    1. **Threads**: an `scf.forall` (OpenMP threads in the CPU pipeline)
       with one piece per batch element (attention heads), else at most
       `tiles` blocks of n (NT: each thread streams its part of the
       table once; also for one row) or of m (NN with many rows), in whole
       register tiles; the rest of the dimension (less than one register
       tile per piece) follows the forall.
    2. **Cache blocks** of n: a block of B of at most half of the target's
       L2, reused by every row tile (`scf.for`); for NT with several row
       tiles, also blocks of k so that a tile's rows of A and B fit in two
       thirds of L1d (`linalg::splitOp` on the reduction: the first block
       starts from C's initial value, an `scf.for` over the others adds to
       C; 0.7B lm_head, k = 1536: two blocks of 768, 11% faster).
    3. **Register tiles** (`scf.for` over m, then n; edges split off with
       `linalg::splitOp` into smaller tiles): rows x cols of C, sized from
       the target's vector registers (`CpuTargetInfo`: 4 x 5 with 32
       registers, 2 x 4 with 16; NN: 4 x up to 5 vectors).
    4. **Kernel**: an `scf.for` over k whose loop-carried vectors are the
       tile's accumulators, updated with `vector.fma` (a multiply and an
       add where the target has no FMA: baseline x86-64). NT (dot form): one
       vector of V partial sums along k per (row, column), V = the
       target's f32 lanes, a masked (zero-padded) last step when V does not
       divide k, and one `vector.reduction` (reassociating) per element at
       the end. NN (outer-product form): vectors of C columns, one
       broadcast element of A per row and k.

    A `linalg.fill` initial value is folded into the kernels (C is then
    written, not read). The register tile itself is emitted as vector ops,
    not through `linalg::vectorize` and `vector.contract` lowering: a
    vectorized k-tile of the dot form reduces horizontally at every step,
    and C stays in registers only as loop-carried vectors, which the tiled
    linalg form would keep in memory. The tiling uses MLIR's TilingInterface
    (`scf::tileUsingSCF`); NN columns that are not a multiple of V are
    left to `bitnet-interchange-matmul-loops`. The summation order changes
    (FMA; NT: V interleaved partial sums, then a tree): results are within
    float rounding of the sequential sums (docs/numerics.md).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"x86_64\"",
           "Target architecture: x86_64 or aarch64">,
    Option<"mcpu", "mcpu", "std::string", /*default=*/"\"\"",
           "Target CPU: an LLVM CPU name, or native">,
    Option<"tiles", "tiles", "int64_t", /*default=*/"8",
           "Most scf.forall pieces per contraction (1: no forall)">,
    Option<"rows", "rows", "int64_t", /*default=*/"0",
           "Register tile rows of C (0: from the target)">,
    Option<"cols", "cols", "int64_t", /*default=*/"0",
           "Register tile columns: rows of B (NT) or vectors (NN); 0: from the target">,
  ];
}

#endif // BITNET_PASSES_TD
