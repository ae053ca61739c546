#!/usr/bin/env python3
"""ONNX node tests through the product's tools, as a user would run them:
`bitnet-compile model.onnx --emit=lib`, then `bitnet-run` with the test's
own `input_<i>.pb` files (read by the runtime's TensorProto reader), the
outputs compared with `output_<i>.pb`.

Usage: run_node_tests_compiled.py BITNET_COMPILE BITNET_RUN WORK_DIR

A fixed selection covering the element types and op families (the full
allow-list runs through the JIT in OnnxNodeTestsJit). Integers and bools
must match exactly; floats to 1e-5 relative (plus 1e-6 absolute), which
is what libm's transcendental functions leave.
"""

import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

NODE_TESTS = "/usr/share/libonnx-testdata/data/node"
SELECTION = [
    "test_add", "test_add_uint8", "test_sub_bcast", "test_mul", "test_div",
    "test_pow", "test_matmul_2d", "test_matmul_4d", "test_relu",
    "test_sigmoid", "test_tanh", "test_softmax_axis_1", "test_erf",
    "test_sqrt", "test_reciprocal", "test_where_example", "test_equal",
    "test_cast_FLOAT_to_DOUBLE", "test_cast_FLOAT_to_FLOAT16",
    "test_transpose_all_permutations_0", "test_concat_3d_axis_1",
    "test_reduce_mean_keepdims_example", "test_reduce_max_default_axes_keepdim_example",
    "test_clip_example", "test_neg", "test_abs", "test_exp", "test_gather_0",
]


def load_pb(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def check(name, bitnet_compile, bitnet_run, work_dir):
    test_dir = os.path.join(NODE_TESTS, name)
    data = os.path.join(test_dir, "test_data_set_0")
    library = os.path.join(work_dir, name + ".so")
    compiled = subprocess.run([bitnet_compile, os.path.join(test_dir, "model.onnx"),
                               "--emit=lib", "-o", library], capture_output=True, text=True)
    if compiled.returncode != 0:
        return f"bitnet-compile failed: {compiled.stderr.strip()}"
    model = onnx.load(os.path.join(test_dir, "model.onnx"))
    initializers = {i.name for i in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in initializers]
    args = [bitnet_run, library, "--output-dir", os.path.join(work_dir, name)]
    for i, input_name in enumerate(inputs):
        args += ["--input", f"{input_name}={os.path.join(data, f'input_{i}.pb')}"]
    ran = subprocess.run(args, capture_output=True, text=True)
    if ran.returncode != 0:
        return f"bitnet-run failed: {ran.stderr.strip()}"
    for j, output in enumerate(model.graph.output):
        expected = load_pb(os.path.join(data, f"output_{j}.pb"))
        actual = np.load(os.path.join(work_dir, name, output.name + ".npy"))
        if expected.dtype == np.uint8:
            actual = actual.view(np.uint8)  # uint8 tensors are i8 in the model
        if actual.shape != expected.shape:
            return f"output {output.name}: shape {actual.shape}, expected {expected.shape}"
        if np.issubdtype(expected.dtype, np.floating):
            close = np.allclose(actual.astype(np.float64), expected.astype(np.float64),
                                rtol=1e-5, atol=1e-6)
        else:
            close = np.array_equal(actual, expected)
        if not close:
            return f"output {output.name} differs from output_{j}.pb"
    return None


def main(bitnet_compile, bitnet_run, work_dir):
    os.makedirs(work_dir, exist_ok=True)
    failures = 0
    for name in SELECTION:
        problem = check(name, bitnet_compile, bitnet_run, work_dir)
        print(f"{name:45s} {'ok' if problem is None else 'FAILED: ' + problem}")
        failures += problem is not None
    print(f"{len(SELECTION) - failures} of {len(SELECTION)} node tests compiled, "
          f"ran from their .pb files and matched")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
