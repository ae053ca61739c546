#!/usr/bin/env python3
"""ONNX Runtime's n-bit weights (com.microsoft MatMulNBits) end to end:
each model compiled with `bitnet-compile --emit=lib`, run with `bitnet-run`
and compared with onnxruntime on the same file.

Usage: run_matmul_nbits.py BITNET_COMPILE BITNET_RUN WORK_DIR   (the venv's python)

Models: the onnx.helper cases of onnx_models.py (matmul_nbits_*) and the
files ONNX Runtime's own quantizer wrote (test/Target/ONNX/Inputs/
ort-nbits-*.onnx, make_ort_nbits_fixtures.py). For each, the number of
layers raised to bitnet.bitlinear (`--stop-after=raise`) must be the one
expected, and the outputs must match:

* onnxruntime computing in float32 (the file with accuracy_level removed:
  its CompFp32 path dequantizes B exactly as the spec says): relative L2
  <= 1e-5 (float32 summation order; a raised layer computes the int8 codes
  of the graph's own fake quantization, so the same values);
* onnxruntime on the file as it is: where accuracy_level = 4, onnxruntime
  quantizes A to int8 per block of K (its CompInt8 kernels), a different
  product: relative L2 <= 2e-2 (measured ~5e-3); otherwise 1e-5;
* numpy: A times the weights dequantized from the file (an oracle
  independent of onnxruntime and of the compiler), <= 1e-5 for float
  cases. float16 cases: 2e-3 against all three (outputs rounded to f16).
"""

import os
import re
import subprocess
import sys
import zlib

import numpy as np
import onnx
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import onnx_models  # noqa: E402

INPUTS = os.path.join(REPO, "test", "Target", "ONNX", "Inputs")

# (name, expected raised layers)
GENERATED = [("matmul_nbits_ternary", 1), ("matmul_nbits_ternary_float_act", 0),
             ("matmul_nbits_ternary_rows", 1), ("matmul_nbits_ternary_blocks", 0),
             ("matmul_nbits_2bit", 0), ("matmul_nbits_4bit", 0),
             ("matmul_nbits_4bit_float_zp", 0), ("matmul_nbits_8bit", 0),
             ("matmul_nbits_f16", 0)]
ORT_FILES = [("ort-nbits-bitnet-asym", 2), ("ort-nbits-bitnet-sym", 0),
             ("ort-nbits-float-4bit", 0), ("ort-nbits-float-2bit", 0)]


def run(cmd):
    result = subprocess.run(cmd, text=True, capture_output=True)
    if result.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{result.stdout}{result.stderr}")
    return result


def dequantized(node, inits):
    """W^T [K, N] of a MatMulNBits node, in numpy from the spec."""
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    k, n, bits, block = attrs["K"], attrs["N"], attrs.get("bits", 4), attrs["block_size"]
    blocks = -(-k // block)
    packed = inits[node.input[1]].reshape(n, blocks, -1)
    per = 8 // bits
    codes = np.zeros((n, blocks, block), np.uint8)
    for j in range(per):
        codes[:, :, j::per] = (packed >> (bits * j)) & ((1 << bits) - 1)
    zp = np.full((n, blocks), 1 << (bits - 1), np.float32)
    if len(node.input) > 3 and node.input[3]:
        z = inits[node.input[3]]
        if z.dtype == np.uint8:
            z = z.reshape(n, -1)
            unpacked = np.zeros((n, z.shape[1] * per), np.float32)
            for j in range(per):
                unpacked[:, j::per] = (z >> (bits * j)) & ((1 << bits) - 1)
            zp = unpacked[:, :blocks]
        else:
            zp = z.astype(np.float32).reshape(n, blocks)
    scales = inits[node.input[2]].astype(np.float32).reshape(n, blocks)
    w = (codes.reshape(n, blocks, block).astype(np.float32) - zp[:, :, None]) * scales[:, :, None]
    return w.reshape(n, -1)[:, :k].T


def numpy_reference(model, x):
    """The graph evaluated with onnxruntime except each MatMulNBits node,
    which numpy computes from the dequantized weights: only single-node
    graphs after the input here (onnx_models' cases without fake
    quantization); None otherwise."""
    nodes = [n for n in model.graph.node if n.op_type != "Identity"]
    if len(nodes) != 1 or nodes[0].op_type != "MatMulNBits":
        return None
    node = nodes[0]
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    y = x.astype(np.float32) @ dequantized(node, inits)
    if len(node.input) > 5 and node.input[5]:
        y = y + inits[node.input[5]].astype(np.float32)
    return y


def without_accuracy_level(path, out_path):
    model = onnx.load(path)
    for node in model.graph.node:
        kept = [a for a in node.attribute if a.name != "accuracy_level"]
        del node.attribute[:]
        node.attribute.extend(kept)
    onnx.save(model, out_path)
    return out_path


def relative_l2(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def check_case(name, path, expected_raised, work_dir, bitnet_compile, bitnet_run, ort):
    model = onnx.load(path)
    (graph_input,) = model.graph.input
    elem = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[graph_input.type.tensor_type.elem_type]
    shape = [d.dim_value for d in graph_input.type.tensor_type.shape.dim]
    x = np.random.default_rng(zlib.crc32(name.encode())).standard_normal(shape).astype(elem)
    x_path = os.path.join(work_dir, f"{name}.x.npy")
    np.save(x_path, x)
    levels = {helper.get_attribute_value(a) for n in model.graph.node
              for a in n.attribute if a.name == "accuracy_level"}

    raised_mlir = os.path.join(work_dir, f"{name}.raise.mlir")
    compiled = run([bitnet_compile, path, "--stop-after=raise", "-o", raised_mlir])
    remarks = [l for l in compiled.stderr.splitlines() if "remark" in l]
    with open(raised_mlir) as f:
        raised = len(re.findall(r"= bitnet\.bitlinear ", f.read()))
    library = os.path.join(work_dir, f"{name}.so")
    run([bitnet_compile, path, "--emit=lib", "-o", library])
    out_dir = os.path.join(work_dir, f"{name}.out")
    run([bitnet_run, library, "--input", f"{graph_input.name}={x_path}",
         "--output-dir", out_dir, "--threads", "2"])
    y = np.load(os.path.join(out_dir, f"{model.graph.output[0].name}.npy"))

    def session(file):
        return ort.InferenceSession(file, providers=["CPUExecutionProvider"]).run(
            None, {graph_input.name: x})[0]

    narrow = elem != np.float32
    exact_tol = 2e-3 if narrow else 1e-5
    checks = []
    fp32_path = without_accuracy_level(path, os.path.join(work_dir, f"{name}.fp32.onnx"))
    checks.append(("onnxruntime float32", session(fp32_path), exact_tol))
    if levels - {0}:
        checks.append((f"onnxruntime accuracy_level={max(levels)}", session(path),
                       2e-2 if 4 in levels else exact_tol))
    reference = numpy_reference(model, x)
    if reference is not None:
        checks.append(("numpy", reference, exact_tol))

    ok = raised == expected_raised
    print(f"{name}: raised {raised} of {sum(n.op_type == 'MatMulNBits' for n in model.graph.node)}"
          f" MatMulNBits (expected {expected_raised}), {len(remarks)} remarks")
    for remark in remarks:
        print("   ", remark.split(": remark: ", 1)[-1][:160])
    for label, expected, tol in checks:
        if y.shape != expected.shape:
            print(f"  vs {label}: shape {y.shape} != {expected.shape}")
            ok = False
            continue
        error = relative_l2(y, expected)
        good = error <= tol
        ok &= good
        print(f"  vs {label}: relative L2 {error:.2e} (tolerance {tol:g})"
              f"{'' if good else '  <-- FAILED'}")
    return ok


def main(bitnet_compile, bitnet_run, work_dir):
    try:
        import onnxruntime as ort
    except ImportError:
        sys.exit("onnxruntime is missing: run this with the project's venv")
    os.makedirs(work_dir, exist_ok=True)
    cases = []
    for name, raised in GENERATED:
        path = os.path.join(work_dir, f"{name}.onnx")
        onnx.save(onnx_models.MODELS[name](), path)
        cases.append((name, path, raised))
    for name, raised in ORT_FILES:
        cases.append((name, os.path.join(INPUTS, f"{name}.onnx"), raised))
    failed = [name for name, path, raised in cases
              if not check_case(name, path, raised, work_dir, bitnet_compile, bitnet_run, ort)]
    if failed:
        sys.exit("FAILED: " + " ".join(failed))
    print(f"OK: {len(cases)} MatMulNBits models")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
