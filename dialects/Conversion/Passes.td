//===- Passes.td - Conversions out of the bitnet dialect ---*- tablegen -*-===//

#ifndef BITNET_CONVERSION_PASSES_TD
#define BITNET_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

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

def ConvertTernaryMatmulToVectorPass
    : Pass<"convert-bitnet-ternary-matmul-to-vector"> {
  let summary = "Generate SIMD kernels for bitnet.ternary_matmul on i2s weights";
  let description = [{
    Lowers `bitnet.ternary_matmul` with `i2s` weights to vector code for the
    target's dot-product instruction (`CpuTargetInfo::dotProduct`): AVX-512
    VNNI, AVX2 / AVX-512BW `vpmaddubsw`, AArch64 `sdot`, plain NEON. Targets
    without integer SIMD keep the op for `convert-bitnet-to-linalg`. The
    multiply-adds are `bitnet.dot4` ops, lowered late by
    `convert-bitnet-dot4-to-llvm`.

    The kernel reads the weights as unsigned 2-bit codes `c = w + 1` and
    computes `sum(c * q) - sum(q)` per output. The activation codes are
    first permuted, per token, so that each V-byte load of packed weights
    (V = the vector width: 64, 32 or 16 bytes) meets four contiguous V-byte
    activation slices: one load, four shift-and-mask decodes and four
    `bitnet.dot4` per 4V weights and token. Where the dot product is
    AVX2's `vpmaddubsw` (no VNNI), they are `bitnet.dot2` into i16
    accumulators instead, widened by `bitnet.add_pairs` into the i32 sums
    once per group of chunks (few enough that i16 cannot overflow): one
    multiply-port op per product instead of two.

    Loop nest: an `scf.forall` over blocks of output rows (threads, via
    OpenMP after bufferization; a block's weights fill at most half of L2),
    then tokens in tiles that share each decoded chunk (as many as keep their
    activations in L1d, up to a quarter of the vector registers), then the
    rows of the block, then the chunks. `rows-per-block` and `token-tile`
    override the derived sizes.

    Decode (one-token tiles) reads each weight byte once, from DRAM in a
    real model. With a prefetch distance D (`prefetch-distance`, by default
    the target's `CpuTargetInfo::prefetchDistance`, 4 KiB), the chunk loop
    steps one cache line at a time (several chunks per step where V is
    narrower than a line) and each step issues a `memref.prefetch` of the
    weight byte D ahead in memory order (through a read-only
    `bufferization.to_buffer` of the weights, so no copy), and each row
    keeps one accumulator per code plane (`decode-accumulators`), which
    breaks the `dot4` latency chain (2x faster hot with AVX2, 1.7x with
    VNNI). Without the prefetch VNNI keeps the chain: on Zen 5 the faster
    demand loads alone outran the hardware prefetchers and read DRAM
    slower; AVX2's chain is slower than DRAM, so it splits either way.
  }];
  let dependentDialects = [
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
    Option<"target", "target", "std::string", /*default=*/"\"x86_64\"",
           "Target architecture: x86_64 or aarch64">,
    Option<"mcpu", "mcpu", "std::string", /*default=*/"\"native\"",
           "Target CPU: an LLVM CPU name, or native">,
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
  ];
}

def ConvertDot4ToLLVMPass : Pass<"convert-bitnet-dot4-to-llvm"> {
  let summary = "Lower bitnet.dot4, dot2 and add_pairs to the target's instructions or to portable vector code";
  let description = [{
    Picks the instruction from the target's `CpuTargetInfo::dotProduct`:

    * AVX-512 VNNI: `vpdpbusd` on 4, 8 or 16 lanes
      (`llvm.x86.avx512.vpdpbusd.{128,256,512}`).
    * AVX2 (and AVX-512BW without VNNI): `vpmaddubsw` then `vpmaddwd` by
      ones, added to the accumulator; only for `a_fits_i8` dot products
      (otherwise the i16 pair sums could saturate).
    * AArch64 dotprod: `sdot` on 2 or 4 lanes, only for `a_fits_i8`.
    * Otherwise, or without `target`: widening multiplies and a reduction
      over groups of four (correct on any target; LLVM picks the
      instructions).

    `bitnet.dot2` and `bitnet.add_pairs` (the i16 accumulation of AVX2
    kernels) likewise: on AVX2 / AVX-512BW `vpmaddubsw` + `vpaddw` (for
    `a_fits_i8`) and `vpmaddwd` by ones + `vpaddd`; elsewhere widening
    multiplies and shuffled adds.

    Runs after bufferization: the LLVM intrinsic calls are opaque to it.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::vector::VectorDialect"];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Target architecture (x86_64 or aarch64); empty: portable code">,
    Option<"mcpu", "mcpu", "std::string", /*default=*/"\"native\"",
           "Target CPU: an LLVM CPU name, or native">,
  ];
}

#endif // BITNET_CONVERSION_PASSES_TD
