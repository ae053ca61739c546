#!/usr/bin/env python3
"""Makes the MatMulNBits files that ONNX Runtime's own quantizer writes
(test/Target/ONNX/Inputs/ort-nbits-*.onnx, committed: the project's venv
lacks what the quantizer imports).

Usage: make_ort_nbits_fixtures.py OUT_DIR

onnxruntime.quantization.matmul_nbits_quantizer.MatMulNBitsQuantizer
(onnxruntime 1.32) needs ml_dtypes, onnx >= 1.16 (onnx.reference), onnx_ir
and typing_extensions >= 4.10 besides the venv's onnxruntime and numpy. They
were installed next to the venv, not into it (the venv keeps Debian's onnx
1.12 that the other tests use):

    .venv/bin/pip install --no-deps --target /tmp/ortq ml_dtypes==0.5.4 \\
        onnx==1.16.2 onnx_ir typing_extensions
    PYTHONPATH=/tmp/ortq .venv/bin/python python/tests/make_ort_nbits_fixtures.py \\
        test/Target/ONNX/Inputs

The source models are written here with onnx.helper; the quantizer replaces
each MatMul with a constant weight by a com.microsoft MatMulNBits node:

* bitnet-asym: two BitLinear layers as BitNet exports them (per-token absmax
  int8 fake quantization of the activations, then a MatMul by ternary-valued
  weights {-g, 0, +g}), quantized to 2 bits, asymmetric, blocks of 32,
  accuracy_level 4. Asymmetric 2-bit quantization of {-g, 0, +g} gives the
  codes 1, 2, 3 around the zero point 2 with the scale 2g/3 in every block:
  ternary weights with one scale per tensor (ONNX Runtime's rounding shrinks
  g to 2g/3; the file, and onnxruntime on it, compute with 2g/3).
* bitnet-sym: the same, symmetric: the levels -2s, -s, 0, s with s = g/2,
  so +g becomes s: not ternary, a float product.
* float-4bit: a float MLP (random weights, no activation quantization)
  quantized to 4 bits, asymmetric, blocks of 32, accuracy_level 4.
* float-2bit: the same MLP to 2 bits, symmetric, no accuracy_level.
"""

import copy
import logging
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT


def fake_quant(nodes, inits, x, out, tag):
    """BitNet's per-token absmax int8 fake quantization (Div form)."""
    N = helper.make_node
    inits += [numpy_helper.from_array(np.float32(v), f"{tag}_{name}") for name, v in
              [("c127", 127.0), ("floor", 1e-5), ("lo", -128.0), ("hi", 127.0)]]
    nodes += [N("Abs", [x], [f"{tag}_ax"], name=f"{tag}_abs"),
              N("ReduceMax", [f"{tag}_ax"], [f"{tag}_mx"], name=f"{tag}_max", axes=[-1],
                keepdims=1),
              N("Clip", [f"{tag}_mx", f"{tag}_floor"], [f"{tag}_mc"], name=f"{tag}_floor"),
              N("Div", [f"{tag}_c127", f"{tag}_mc"], [f"{tag}_s"], name=f"{tag}_scale"),
              N("Mul", [x, f"{tag}_s"], [f"{tag}_xs"], name=f"{tag}_mul"),
              N("Round", [f"{tag}_xs"], [f"{tag}_xr"], name=f"{tag}_round"),
              N("Clip", [f"{tag}_xr", f"{tag}_lo", f"{tag}_hi"], [f"{tag}_xc"],
                name=f"{tag}_clip"),
              N("Div", [f"{tag}_xc", f"{tag}_s"], [out], name=f"{tag}_dequant")]


def mlp(dims, x_shape, bitnet, seed):
    """x -> [fake quant] -> MatMul -> (Relu -> [fake quant] -> MatMul)..."""
    rng = np.random.default_rng(seed)
    nodes, inits, x = [], [], "x"
    for i, (k, n) in enumerate(zip(dims, dims[1:])):
        if i:
            nodes.append(helper.make_node("Relu", [x], [f"relu{i}"], name=f"relu{i}"))
            x = f"relu{i}"
        if bitnet:
            gamma = 0.05 / (i + 1)
            w = (rng.integers(-1, 2, size=(k, n)) * gamma).astype(np.float32)
            fake_quant(nodes, inits, x, f"xq{i}", f"act{i}")
            x = f"xq{i}"
        else:
            w = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
        inits.append(numpy_helper.from_array(w, f"w{i}"))
        nodes.append(helper.make_node("MatMul", [x, f"w{i}"], [f"y{i}"], name=f"proj{i}"))
        x = f"y{i}"
    nodes.append(helper.make_node("Identity", [x], ["y"], name="out"))
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", F, x_shape)],
                              [helper.make_tensor_value_info("y", F, x_shape[:-1] + [dims[-1]])],
                              inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def main(out_dir):
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
    logging.disable(logging.INFO)
    os.makedirs(out_dir, exist_ok=True)
    bitnet = mlp([96, 64, 32], [1, 4, 96], bitnet=True, seed=21)
    plain = mlp([64, 48, 16], [2, 5, 64], bitnet=False, seed=22)
    cases = [("bitnet-asym", bitnet, dict(bits=2, block_size=32, is_symmetric=False,
                                          accuracy_level=4)),
             ("bitnet-sym", bitnet, dict(bits=2, block_size=32, is_symmetric=True,
                                         accuracy_level=4)),
             ("float-4bit", plain, dict(bits=4, block_size=32, is_symmetric=False,
                                        accuracy_level=4)),
             ("float-2bit", plain, dict(bits=2, block_size=32, is_symmetric=True))]
    for name, source, options in cases:
        quantizer = MatMulNBitsQuantizer(copy.deepcopy(source), **options)
        quantizer.process()
        model = quantizer.model.model
        assert sum(n.op_type == "MatMulNBits" for n in model.graph.node) == 2, name
        path = os.path.join(out_dir, f"ort-nbits-{name}.onnx")
        onnx.save(model, path)
        print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
