//===- BitNetAttrs.td - Kernel configurations --------------*- tablegen -*-===//
//
// Code generation as data: each kernel's configuration
// (`#bitnet.ternary_kernel` on ternary products, `#bitnet.float_kernel` on
// float contractions), chosen by bitnet-select-kernel-configs and read by
// the kernel generators. (The module's target is upstream's
// `#llvm.target`, see include/bitnet/Target/TargetInfo.h.)
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_ATTRS_TD
#define BITNET_ATTRS_TD

include "BitNetBase.td"

/// `true` or `false` in the attribute's text.
def BitNet_BoolParameter : AttrParameter<"bool", "true or false"> {
  let parser = [{ ::mlir::bitnet::parseBoolParameter($_parser) }];
  let printer = [{ $_printer << ($_self ? "true" : "false") }];
}

class BitNet_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<BitNet_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def BitNet_TernaryKernelConfigAttr
    : BitNet_Attr<"TernaryKernelConfig", "ternary_kernel"> {
  let summary = "How one bitnet.ternary_matmul is turned into a kernel";
  let description = [{
    The configuration of the multiply-add kernel of one
    `bitnet.ternary_matmul` on packed weights (its `kernel_config`),
    chosen from the target by `bitnet-select-kernel-configs` (or read from
    a tuning file) and applied by `convert-bitnet-ternary-matmul-to-vector`,
    which reads nothing else. Any values the verifier accepts give correct
    code; they differ in speed only. `docs/architecture.md` describes the
    loop nest each field shapes.

    * `vector_bytes`: bytes per weight load and per dot product (16, 32 or
      64).
    * `rows_per_block`: output rows per parallel block (threads).
    * `token_tile`: tokens sharing each decoded weight chunk.
    * `row_tile`: rows per register tile in a token tile;
      `single_token_row_tile`: the same for the tokens left over.
    * `prefetch_distance`: decode (one-token tiles) software-prefetches the
      weights this many bytes ahead (0: none), once per
      `cache_line_bytes`.
    * `decode_accumulators`: accumulators per row in decode (1, 2 or 4).
    * `i16_accumulation`: `bitnet.dot2` into i16 sums widened per group of
      chunks (AVX2-class targets) instead of `bitnet.dot4`.

    Example:

    ```mlir
    %acc = bitnet.ternary_matmul %q, %p format <i2s> {kernel_config = #bitnet.ternary_kernel<
        vector_bytes = 64, rows_per_block = 80, token_tile = 4, row_tile = 4,
        single_token_row_tile = 1, prefetch_distance = 4096, cache_line_bytes = 64,
        decode_accumulators = 4, i16_accumulation = false>}
        : tensor<128x2560xi8>, tensor<2560x640xi8> -> tensor<128x2560xi32>
    ```
  }];
  let parameters = (ins "int64_t":$vector_bytes, "int64_t":$rows_per_block,
                        "int64_t":$token_tile, "int64_t":$row_tile,
                        "int64_t":$single_token_row_tile,
                        "int64_t":$prefetch_distance,
                        "int64_t":$cache_line_bytes,
                        "int64_t":$decode_accumulators,
                        BitNet_BoolParameter:$i16_accumulation);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def BitNet_FloatKernelConfigAttr
    : BitNet_Attr<"FloatKernelConfig", "float_kernel"> {
  let summary = "How one float contraction is turned into a register-blocked kernel";
  let description = [{
    The configuration of the register-blocked FMA kernel of one float
    contraction (attention products, the lm_head), as the discardable
    attribute `bitnet.kernel_config` on its `linalg` op. Chosen from the
    target by `bitnet-select-kernel-configs` (or read from a tuning file)
    and applied by `bitnet-tile-float-contractions`, which reads nothing
    else of the target. Any values the verifier accepts give correct code.

    * `lanes`: f32 lanes of a vector register (4, 8 or 16).
    * `rows`: rows of C per register tile.
    * `cols`: columns per register tile: rows of B when B is transposed
      (NT, the lm_head on an embedding table), else vectors of C's row.
    * `l1_bytes`, `l2_bytes`: the cache budgets the blocks of B and of the
      reduction are sized for.
    * `fma`: one `vector.fma` per step (else a multiply and an add).

    Example:

    ```mlir
    %c = linalg.matmul {bitnet.kernel_config = #bitnet.float_kernel<lanes = 16,
        rows = 4, cols = 5, l1_bytes = 32768, l2_bytes = 1048576, fma = true>}
        ins(%a, %b : tensor<64x256xf32>, tensor<256x128xf32>)
        outs(%init : tensor<64x128xf32>) -> tensor<64x128xf32>
    ```
  }];
  let parameters = (ins "int64_t":$lanes, "int64_t":$rows, "int64_t":$cols,
                        "int64_t":$l1_bytes, "int64_t":$l2_bytes,
                        BitNet_BoolParameter:$fma);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // BITNET_ATTRS_TD
