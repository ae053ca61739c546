#!/usr/bin/env python3
"""Exports allow-listed ONNX node tests as execution cases.

Usage: make_node_test_cases.py ALLOWLIST OUT_DIR

For each test of the allow-list (see onnx_conformance.py), writes
OUT_DIR/<test>/model.onnx (integer inputs bound as initializers, as the
conformance run does), input_<i>.npy for the remaining inputs and
output_<i>.npy for the expected outputs of test_data_set_0, and lists the
tests in OUT_DIR/manifest.txt.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import onnx_conformance  # noqa: E402


def load_pb(path):
    import onnx
    from onnx import numpy_helper
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def main(allowlist, out_dir):
    import onnx
    from onnx import TensorProto
    names = [l.strip() for l in open(allowlist) if l.strip() and not l.startswith("#")]
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name in names:
        case = os.path.join(out_dir, name)
        os.makedirs(case, exist_ok=True)
        onnx_conformance.bind_integer_inputs(name, os.path.join(case, "model.onnx"))
        src = os.path.join(onnx_conformance.NODE_TESTS, name)
        model = onnx.load(os.path.join(src, "model.onnx"))
        data = os.path.join(src, "test_data_set_0")
        integer = {TensorProto.INT64, TensorProto.INT32}
        k = 0
        for i, inp in enumerate(model.graph.input):
            path = os.path.join(data, f"input_{i}.pb")
            if inp.type.tensor_type.elem_type in integer and os.path.exists(path):
                continue  # bound into the model
            np.save(os.path.join(case, f"input_{k}.npy"), load_pb(path))
            k += 1
        for i in range(len(model.graph.output)):
            np.save(os.path.join(case, f"output_{i}.npy"),
                    load_pb(os.path.join(data, f"output_{i}.pb")))
        written.append(name)
    with open(os.path.join(out_dir, "manifest.txt"), "w") as f:
        f.write("\n".join(written) + "\n")
    print(f"wrote {len(written)} node-test cases to {out_dir}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
