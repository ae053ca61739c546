//===- Passes.td - target-independent code generation ------*- tablegen -*-===//
//
// Loop-level code generation that every target shares: the portable
// lowering of bitnet ops to linalg, loop order, threads over parallel loops,
// elementwise fusion, and the function-level passes that keep LLVM's input
// small (outlining, merging). CPU and GPU pipelines both build on these.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_CODEGEN_COMMON_PASSES_TD
#define BITNET_CODEGEN_COMMON_PASSES_TD

include "mlir/Pass/PassBase.td"

def SetTargetPass : Pass<"bitnet-set-target", "::mlir::ModuleOp"> {
  let summary = "Record the machine the module is compiled for (#llvm.target)";
  let description = [{
    Sets the module's `llvm.target` attribute (upstream's
    `#llvm.target<triple, chip, features>`, which every MLIR tool reads),
    and every target-dependent pass reads it (`docs/architecture.md`).
    `target` and `mcpu` name the machine (`mcpu=native`: the host, recorded
    as its CPU name and the features in which it differs from that CPU; only
    `target`: its baseline CPU); either may be given alone. With neither, a
    module that has the attribute keeps it and one without gets the host.

    `bitnet-cpu-pipeline` starts with this pass; `bitnet-compile` sets the
    attribute itself right after the import. Running passes one by one in
    `bitnet-opt` on a module with the attribute targets the same machine as
    the pipeline.
  }];
  // The module's target is an #llvm.target.
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Architecture: x86_64, aarch64 or nvptx (empty: the module's, else the host's)">,
    Option<"mcpu", "mcpu", "std::string", /*default=*/"\"\"",
           "CPU: an LLVM CPU name or native, or a GPU: sm_80, sm_90, sm_90a (empty: the module's, else the "
           "architecture's baseline or the host)">,
  ];
}

def ConvertBitNetToLinalgPass : Pass<"convert-bitnet-to-linalg"> {
  let summary = "Lower bitnet ops to linalg.generic on tensors (portable reference kernels)";
  let description = [{
    Lowers `bitnet.ternarize`, `bitnet.quantize`, `bitnet.dequantize`,
    `bitnet.topk_sparsify`, `bitnet.pack` and `bitnet.ternary_matmul`
    (unpacked and every packed format, decoding the weight bits in the loop
    body) into `linalg.generic` ops over tensors. The result is plain
    loops after bufferization: a correct, target-independent path that
    fast target kernels are tested against. `bitnet.bitlinear` must be
    decomposed first (`bitnet-decompose-bitlinear`).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
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

#endif // BITNET_CODEGEN_COMMON_PASSES_TD
