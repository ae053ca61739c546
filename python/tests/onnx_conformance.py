#!/usr/bin/env python3
"""Runs ONNX's node tests (Debian libonnx-testdata) through bitnet-translate.

Usage: onnx_conformance.py BITNET_TRANSLATE ALLOWLIST [--update] [--report FILE]

Considers the node tests whose op is in OPS (the ops the importer covers, as
listed in issue 4 / docs/importer.md) and whose opset is one the importer
supports (13..21). Integer graph inputs (shape parameters such as axes,
target shapes, starts, k, indices) are bound to the values of the test's
test_data_set_0, since the compiler folds shape computations at import;
float inputs stay run-time inputs. Each model must import (exit 0,
verified IR). The run fails if a test on the allow-list fails, or if
the allow-list covers less than 90% of the considered tests. --update
rewrites the allow-list with the tests that pass now.
"""

import os
import re
import subprocess
import sys

NODE_TESTS = "/usr/share/libonnx-testdata/data/node"

OPS = ["Constant", "ConstantOfShape", "Shape", "Gather", "Unsqueeze", "Squeeze",
       "Concat", "Reshape", "Transpose", "Slice", "Split", "Expand", "Where",
       "Equal", "Trilu", "Cast", "Range", "MatMul", "Gemm", "Add", "Sub", "Mul",
       "Div", "Pow", "Sqrt", "Reciprocal", "Neg", "Abs", "Round", "Clip", "Relu",
       "Sigmoid", "Softmax", "ReduceMean", "ReduceMax", "ReduceSum", "Max", "Min",
       "Cos", "Sin", "Tanh", "Erf", "QuantizeLinear", "DequantizeLinear",
       "MatMulInteger", "Greater", "Less", "GreaterOrEqual", "LessOrEqual",
       "And", "Or", "Xor", "Not"]


def node_op(model_path):
    """The op type of the (single-node) test model, read without onnx."""
    import onnx
    model = onnx.load(model_path, load_external_data=False)
    types = {n.op_type for n in model.graph.node}
    return types.pop() if len(types) == 1 else None


def opset(model_path):
    import onnx
    model = onnx.load(model_path, load_external_data=False)
    return max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
               default=0)


def considered_tests():
    tests = []
    for name in sorted(os.listdir(NODE_TESTS)):
        model = os.path.join(NODE_TESTS, name, "model.onnx")
        if (os.path.exists(model) and node_op(model) in OPS
                and 13 <= opset(model) <= 21):
            tests.append(name)
    return tests


def bind_integer_inputs(name, out_path):
    """Writes the test model with its integer inputs turned into initializers."""
    import onnx
    from onnx import TensorProto
    test_dir = os.path.join(NODE_TESTS, name)
    model = onnx.load(os.path.join(test_dir, "model.onnx"))
    integer = {TensorProto.INT64, TensorProto.INT32}
    data_dir = os.path.join(test_dir, "test_data_set_0")
    kept = []
    for i, inp in enumerate(model.graph.input):
        path = os.path.join(data_dir, f"input_{i}.pb")
        if inp.type.tensor_type.elem_type in integer and os.path.exists(path):
            tensor = onnx.TensorProto()
            with open(path, "rb") as f:
                tensor.ParseFromString(f.read())
            tensor.name = inp.name
            model.graph.initializer.append(tensor)
        else:
            kept.append(inp)
    del model.graph.input[:]
    model.graph.input.extend(kept)
    onnx.save(model, out_path)


def run(translate, name, scratch):
    model = os.path.join(scratch, name + ".onnx")
    bind_integer_inputs(name, model)
    proc = subprocess.run([translate, "--import-onnx", model, "-o", os.devnull],
                          capture_output=True, text=True, timeout=60)
    message = proc.stderr.strip().splitlines()[0] if proc.stderr.strip() else ""
    return proc.returncode == 0, message


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    translate, allowlist_path = args[0], args[1]
    update = "--update" in args
    report = args[args.index("--report") + 1] if "--report" in args else None

    import tempfile
    tests = considered_tests()
    with tempfile.TemporaryDirectory() as scratch:
        results = {name: run(translate, name, scratch) for name in tests}
    passed = [n for n in tests if results[n][0]]
    allowed = []
    if os.path.exists(allowlist_path):
        allowed = [l.strip() for l in open(allowlist_path)
                   if l.strip() and not l.startswith("#")]
    if update:
        with open(allowlist_path, "w") as f:
            f.write("# ONNX node tests that must import (python/tests/onnx_conformance.py).\n")
            f.write("\n".join(passed) + "\n")
        allowed = passed

    regressions = [n for n in allowed if n in results and not results[n][0]]
    unknown = [n for n in allowed if n not in results]
    coverage = len(allowed) / max(len(tests), 1)
    per_op = {}
    for n in tests:
        op = node_op(os.path.join(NODE_TESTS, n, "model.onnx"))
        ok, total = per_op.get(op, (0, 0))
        per_op[op] = (ok + results[n][0], total + 1)

    lines = [f"{len(passed)} of {len(tests)} node tests import; allow-list "
             f"{len(allowed)} ({coverage:.1%})"]
    for op in OPS:
        if op in per_op:
            lines.append(f"  {op:18s} {per_op[op][0]:3d} / {per_op[op][1]:3d}")
    failing = [n for n in tests if not results[n][0]]
    lines.append("not imported:")
    lines += [f"  {n}: {results[n][1]}" for n in failing]
    print("\n".join(lines))
    if report:
        with open(report, "w") as f:
            f.write("\n".join(lines) + "\n")
    for n in regressions:
        print(f"REGRESSION: {n}: {results[n][1]}")
    for n in unknown:
        print(f"UNKNOWN allow-list entry: {n}")
    if regressions or unknown or coverage < 0.9:
        print(f"{len(allowed) - len(regressions)} passed, {len(regressions)} failed")
        sys.exit(1)
    print(f"{len(allowed)} passed, 0 failed")


if __name__ == "__main__":
    main()
