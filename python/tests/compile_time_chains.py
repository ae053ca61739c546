#!/usr/bin/env python3
"""Compile time stays near-linear in graph size: a chain of 2,000 float
MatMul nodes ([1, 64] x [64, 64]) and one of 10,000 Add nodes ([1, 64]),
each compiled by `bitnet-compile --emit=lib`, must take under LIMIT seconds
of CPU time each (30 by default; CPU time of the compiler process, not wall
time, so that a loaded machine does not fail it). Each library is then run
by bitnet-run and must give numpy's result exactly: the weights are
permutation matrices and the addends small integers, so every float
operation is exact.

Usage: compile_time_chains.py BITNET_COMPILE BITNET_RUN WORK_DIR [LIMIT]
"""

import os
import resource
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CHAINS = [("matmul", 2000), ("add", 10000)]


def make_chain(kind, count, path):
    """x [1, 64] through `count` MatMul or Add nodes; returns the result
    numpy computes for the input `x = arange(64)`."""
    rng = np.random.default_rng(0)
    nodes, initializers, previous = [], [], "x"
    value = np.arange(64, dtype=np.float32).reshape(1, 64)
    for i in range(count):
        out = "y" if i == count - 1 else f"y{i}"
        if kind == "matmul":
            w = np.eye(64, dtype=np.float32)[rng.permutation(64)]
            value = value @ w
        else:
            w = rng.integers(-2, 3, (1, 64)).astype(np.float32)
            value = value + w
        op = "MatMul" if kind == "matmul" else "Add"
        nodes.append(helper.make_node(op, [previous, f"w{i}"], [out], name=f"{kind}{i}"))
        initializers.append(numpy_helper.from_array(w, f"w{i}"))
        previous = out
    graph = helper.make_graph(
        nodes, kind, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64])], initializers)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return value


def main(bitnet_compile, bitnet_run, work_dir, limit=30.0):
    os.makedirs(work_dir, exist_ok=True)
    x = os.path.join(work_dir, "x.npy")
    np.save(x, np.arange(64, dtype=np.float32).reshape(1, 64))
    ok = True
    for kind, count in CHAINS:
        model = os.path.join(work_dir, f"{kind}{count}.onnx")
        library = os.path.join(work_dir, f"{kind}{count}.so")
        expected = make_chain(kind, count, model)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        compiled = subprocess.run([bitnet_compile, model, "--emit=lib", "-o", library],
                                  text=True, capture_output=True)
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(f"{count} {kind} nodes: {cpu:.1f} s CPU, {wall:.1f} s wall "
              f"(limit {limit:.0f} s CPU)")
        if compiled.returncode != 0:
            print(compiled.stderr)
            ok = False
            continue
        ok &= cpu < limit
        out = os.path.join(work_dir, f"{kind}_out")
        ran = subprocess.run([bitnet_run, library, "--input", f"x={x}", "--output-dir", out],
                             text=True, capture_output=True)
        result = np.load(os.path.join(out, "y.npy")) if ran.returncode == 0 else None
        same = result is not None and np.array_equal(result, expected)
        print(f"  bitnet-run: {'exact' if same else 'WRONG: ' + ran.stderr.strip()}")
        ok &= same
    if not ok:
        sys.exit("FAILED")
    print("OK")


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:4], *(float(a) for a in sys.argv[4:]))
