//===- BitNetBase.td - BitNet dialect and attributes -------*- tablegen -*-===//
//
// The `bitnet` dialect models ternary-weight ("1.58-bit") linear layers and
// the quantizers around them, from the recognised BitLinear layer down to
// integer kernels over packed weights.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_BASE_TD
#define BITNET_BASE_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/OpBase.td"

def BitNet_Dialect : Dialect {
  let name = "bitnet";
  let cppNamespace = "::mlir::bitnet";
  let summary = "Ternary-weight (BitNet b1.58 / a4.8) linear layers and quantizers";
  let description = [{
    The `bitnet` dialect sits between imported ONNX graphs and code
    generation. Its ops carry the exact numerics of BitNet (see
    `docs/numerics.md`):

    * `bitnet.bitlinear` is a whole BitLinear layer: per-token activation
      quantization, ternary weights with a per-tensor scale, an integer
      matrix product and the rescale back to floating point.
    * `bitnet.ternarize`, `bitnet.quantize`, `bitnet.dequantize` and
      `bitnet.topk_sparsify` are its numerical building blocks.
    * `bitnet.pack` and `bitnet.ternary_matmul` are the integer kernel level:
      ternary weights in a packed format (`#bitnet.format<...>`, bit layouts
      in `docs/formats.md`) times int8 activation codes, accumulated in i32.

    Weights follow PyTorch's `nn.Linear` layout: `[out_features, in_features]`
    (`M x K`); activations have the reduction dimension `K` last.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 1;
}

def BitNet_PackedFormat : I32EnumAttr<"PackedFormat",
    "layout of packed ternary weights", [
  I32EnumAttrCase<"i2s", 0>,
  I32EnumAttrCase<"tl1", 1>,
  I32EnumAttrCase<"tl2", 2>,
  I32EnumAttrCase<"t5", 3>,
  I32EnumAttrCase<"tl2r", 4>
]> {
  let cppNamespace = "::mlir::bitnet";
  let genSpecializedAttr = 0;
}

def BitNet_PackedFormatAttr : EnumAttr<BitNet_Dialect, BitNet_PackedFormat,
                                       "format"> {
  let summary = "Packed ternary weight format (i2s | tl1 | tl2 | t5 | tl2r)";
  let description = [{
    * `i2s`: 2 bits per weight, blocks of 128 weights along K as in
      bitnet.cpp's x86 I2_S; multiply-add kernels.
    * `tl1`: 2 bits per weight, one 4-bit index per pair of weights;
      lookup-table kernels.
    * `tl2`: 5/3 bits per weight, a sign bit and a 4-bit index per triple of
      weights; lookup-table kernels with mirror consolidation.
    * `t5`: 1.6 bits per weight, five weights per byte as a base-3 number in
      fixed point, blocks of 160 weights along K; multiply-add kernels that
      decode with byte adds (or a table lookup where the target has one).
    * `tl2r`: tl2's triples with 16 rows interleaved (one row per 32-bit
      lane); lookup-table kernels that read activation partial sums from
      tables indexed by the weights.

    Every layout is documented bit by bit in `docs/formats.md`.
  }];
  let assemblyFormat = "`<` $value `>`";
}

#endif // BITNET_BASE_TD
