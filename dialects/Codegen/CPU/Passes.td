//===- Passes.td - CPU code generation ---------------------*- tablegen -*-===//
//
// Kernels for CPUs, shaped by CpuTargetInfo: each ternary product's kernel
// configuration, the SIMD multiply-add kernels, register-blocked float
// contractions, and the dot-product instructions.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_CODEGEN_CPU_PASSES_TD
#define BITNET_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def SelectKernelConfigsPass : Pass<"bitnet-select-kernel-configs"> {
  let summary = "Choose each kernel's configuration for the target";
  let description = [{
    Records on every `bitnet.ternary_matmul` of packed `i2s` or `t5` weights with
    static shapes the configuration of its kernel
    (`kernel_config = #bitnet.ternary_kernel<...>`): vector width, rows per
    parallel block, token and register tiles, decode prefetch distance and
    accumulators, i16 accumulation; and on every float contraction the
    register-blocked kernels cover (`linalg` ops: attention products, the
    lm_head) its `bitnet.kernel_config = #bitnet.float_kernel<...>`: vector
    lanes, register tile, cache budgets, FMA. The values come from the
    module's target (`CpuTargetInfo`: vector width and registers, L1d and
    L2, prefetch distance, dot-product instruction), computed in one place
    (`lib/Codegen/CPU/KernelConfig.cpp`);
    `convert-bitnet-ternary-matmul-to-vector` and
    `bitnet-tile-float-contractions` read nothing else.

    The options replace single fields for every ternary product;
    `tuning-file` replaces fields per shape (`ternary_matmul` entries by
    weight `m`, `k` and optionally the token count `n`; `float_matmul`
    entries by `m`, `n`, `k`), the results of a tuner (format in
    `docs/architecture.md`). An op that already has a configuration keeps
    it. Products with no kernel on the target (no byte dot product, as on
    baseline x86-64) get none and take the portable loops. The CPU pipeline
    runs this pass in its tile stage and again right before
    `bitnet-tile-float-contractions`, for the contractions the view passes
    rewrote.
  }];
  // The module's target is an #llvm.target.
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::bitnet::BitNetDialect"];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Architecture override (empty: the module's #llvm.target, else the host)">,
    Option<"mcpu", "mcpu", "std::string", /*default=*/"\"\"",
           "CPU override: an LLVM CPU name, or native">,
    Option<"rowsPerBlock", "rows-per-block", "int64_t", /*default=*/"0",
           "Output rows per parallel block (0: derived from L2)">,
    Option<"tokenTile", "token-tile", "int64_t", /*default=*/"0",
           "Tokens sharing each decoded weight chunk (0: derived from L1d "
           "and the register count)">,
    Option<"rowTile", "row-tile", "int64_t", /*default=*/"0",
           "Output rows sharing each activation slice (0: as many as the "
           "registers hold)">,
    Option<"prefetchDistance", "prefetch-distance", "int64_t", /*default=*/"-1",
           "Decode: bytes ahead of the weight loads to software-prefetch "
           "(-1: the target's CpuTargetInfo::prefetchDistance, 0: none)">,
    Option<"decodeAccumulators", "decode-accumulators", "int64_t",
           /*default=*/"0",
           "Decode: accumulators per row, 1, 2 or 4 (0: 4, except 1 for VNNI "
           "without the software prefetch)">,
    Option<"tuningFile", "tuning-file", "std::string", /*default=*/"\"\"",
           "JSON file of configurations by weight shape, applied last">,
  ];
}

def ConvertTernaryMatmulToVectorPass
    : Pass<"convert-bitnet-ternary-matmul-to-vector"> {
  let summary = "Generate SIMD kernels for bitnet.ternary_matmul on i2s, t5 and tl2r weights";
  let description = [{
    Lowers `bitnet.ternary_matmul` with `i2s`, `t5` or `tl2r` weights to vector code for the
    target's dot-product instruction (`CpuTargetInfo::dotProduct`): AVX-512
    VNNI, AVX2 / AVX-512BW `vpmaddubsw`, AArch64 `sdot`, plain NEON. Targets
    without integer SIMD keep the op for `convert-bitnet-to-linalg`. The
    multiply-adds are `bitnet.dot4` ops, lowered late by
    `convert-bitnet-dot4-to-llvm`.

    The kernel reads the weights as unsigned codes `c = w + 1` and
    computes `sum(c * q) - sum(q)` per output. A packed byte holds P code
    planes (i2s: 4, at shifts 6, 4, 2, 0; t5: 5, the base-3 digits of a
    fixed-point byte, each the carry out of tripling the byte with byte
    adds). The activation codes are first permuted, per token, so that
    each V-byte load of packed weights (V = the vector width: 64, 32 or 16
    bytes) meets P contiguous V-byte activation slices: one load, P decodes
    and P `bitnet.dot4` per PV weights and token.

    `tl2r` weights get the lookup-table kernel where the target has AVX-512
    VBMI (`lib/Codegen/CPU/TernaryLookupKernel.cpp`, docs/formats.md):
    per token, tables of the activations' partial sums for every triple of
    weights (split into low and high nibbles so that every entry is an
    exact int8), then 16-row tiles whose packed triples index them
    (`bitnet.lookup`: `vpermb`), the signs applied by masked negation and
    the sums added by `bitnet.dot4`. Where the dot product is
    AVX2's `vpmaddubsw` (no VNNI), they are `bitnet.dot2` into i16
    accumulators instead, widened by `bitnet.add_pairs` into the i32 sums
    once per group of chunks (few enough that i16 cannot overflow): one
    multiply-port op per product instead of two.

    The kernel's shape is the product's `kernel_config`
    (`#bitnet.ternary_kernel`, chosen by `bitnet-select-kernel-configs`);
    a product without one gets what that pass would choose for the
    module's target. Loop nest: an `scf.forall` over blocks of
    `rows_per_block` output rows (threads, via OpenMP after bufferization),
    then tokens in tiles of `token_tile` that share each decoded chunk,
    then register tiles of `row_tile` rows of the block, then the chunks.

    Decode (one-token tiles) reads each weight byte once, from DRAM in a
    real model. With a prefetch distance D (`prefetch_distance`), the chunk loop
    steps one cache line at a time (several chunks per step where V is
    narrower than a line) and each step issues a `memref.prefetch` of the
    weight byte D ahead in memory order (through a read-only
    `bufferization.to_buffer` of the weights, so no copy), and each row
    keeps one accumulator per code plane (`decode_accumulators`), which
    breaks the `dot4` latency chain (2x faster hot with AVX2, 1.7x with
    VNNI). Without the prefetch VNNI keeps the chain: on Zen 5 the faster
    demand loads alone outran the hardware prefetchers and read DRAM
    slower; AVX2's chain is slower than DRAM, so it splits either way.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::bitnet::BitNetDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Architecture override for products without a kernel_config "
           "(empty: the module's #llvm.target, else the host)">,
    Option<"mcpu", "mcpu", "std::string", /*default=*/"\"\"",
           "CPU override for products without a kernel_config">,
  ];
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
       the target's vector registers (4 x 5 with 32 registers, 2 x 4 with
       16; NN: 4 x up to 5 vectors).
    4. **Kernel**: an `scf.for` over k whose loop-carried vectors are the
       tile's accumulators, updated with `vector.fma` (a multiply and an
       add where the target has no FMA: baseline x86-64). NT (dot form): one
       vector of V partial sums along k per (row, column), V = the
       target's f32 lanes, a masked (zero-padded) last step when V does not
       divide k, and one `vector.reduction` (reassociating) per element at
       the end. NN (outer-product form): vectors of C columns, one
       broadcast element of A per row and k.

    Every size and the FMA choice come from the contraction's
    `bitnet.kernel_config` (`#bitnet.float_kernel`, chosen by
    `bitnet-select-kernel-configs`); a contraction without one gets what
    that pass would choose for the module's target, with `rows` and `cols`
    as overrides. A `linalg.fill` initial value is folded into the kernels
    (C is then written, not read). The register tile itself is emitted as vector ops,
    not through `linalg::vectorize` and `vector.contract` lowering: a
    vectorized k-tile of the dot form reduces horizontally at every step,
    and C stays in registers only as loop-carried vectors, which the tiled
    linalg form would keep in memory. The tiling uses MLIR's TilingInterface
    (`scf::tileUsingSCF`); NN columns that are not a multiple of V are
    left to `bitnet-interchange-matmul-loops`. The summation order changes
    (FMA; NT: V interleaved partial sums, then a tree): results are within
    float rounding of the sequential sums (docs/numerics.md).
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::bitnet::BitNetDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Architecture override (empty: the module's #llvm.target, else "
           "the host)">,
    Option<"mcpu", "mcpu", "std::string", /*default=*/"\"\"",
           "CPU override: an LLVM CPU name, or native">,
    Option<"tiles", "tiles", "int64_t", /*default=*/"8",
           "Most scf.forall pieces per contraction (1: no forall)">,
    Option<"rows", "rows", "int64_t", /*default=*/"0",
           "Register tile rows of C for contractions without a kernel_config "
           "(0: from the target)">,
    Option<"cols", "cols", "int64_t", /*default=*/"0",
           "Register tile columns, rows of B (NT) or vectors (NN), for "
           "contractions without a kernel_config (0: from the target)">,
  ];
}

def ConvertDot4ToLLVMPass : Pass<"convert-bitnet-dot4-to-llvm"> {
  let summary = "Lower bitnet.dot4, dot2, add_pairs and lookup to the target's instructions or to portable vector code";
  let description = [{
    Picks the instruction from the module's target (`#llvm.target`;
    `CpuTargetInfo::dotProduct`):

    * AVX-512 VNNI: `vpdpbusd` on 4, 8 or 16 lanes
      (`llvm.x86.avx512.vpdpbusd.{128,256,512}`).
    * AVX2 (and AVX-512BW without VNNI): `vpmaddubsw` then `vpmaddwd` by
      ones, added to the accumulator; only for `a_fits_i8` dot products
      (otherwise the i16 pair sums could saturate).
    * AArch64 dotprod: `sdot` on 2 or 4 lanes, only for `a_fits_i8`.
    * Otherwise, or with `portable`: widening multiplies and a reduction
      over groups of four (correct on any target; LLVM picks the
      instructions).

    `bitnet.dot2` and `bitnet.add_pairs` (the i16 accumulation of AVX2
    kernels) likewise: on AVX2 / AVX-512BW `vpmaddubsw` + `vpaddw` (for
    `a_fits_i8`) and `vpmaddwd` by ones + `vpaddd`; elsewhere widening
    multiplies and shuffled adds.

    `bitnet.lookup` on 64 lanes with AVX-512 VBMI: `vpermb` (tables of up
    to 64 bytes), `vpermi2b` (128), two `vpermi2b` and a blend on the
    index's bit 7 (256); on 16 lanes with NEON: `tbl` with one, two or
    four table registers (tables of up to 64 bytes); elsewhere one lane at
    a time.

    Runs after bufferization: the LLVM intrinsic calls are opaque to it.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Architecture override (empty: the module's #llvm.target, else "
           "the host)">,
    Option<"mcpu", "mcpu", "std::string", /*default=*/"\"\"",
           "CPU override: an LLVM CPU name, or native">,
    Option<"portable", "portable", "bool", /*default=*/"false",
           "Only the portable vector form, whatever the target (the "
           "bitnet-to-llvm pipeline)">,
  ];
}

#endif // BITNET_CODEGEN_CPU_PASSES_TD
