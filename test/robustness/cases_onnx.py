"""Surface 1: malformed and hostile ONNX files.

Importer-only cases run `bitnet-translate --import-onnx` (fast).  Cases whose
model is legal (expect "either" or "ok" with `run=`) are compiled with
`bitnet-compile --emit=lib` and run with `bitnet-run`, and their outputs
compared with numpy.

Add a case: call `add(name, build, ...)` below, where `build(d)` returns an
onnx.ModelProto, raw bytes, or the path of a file it wrote under `d`.
"""

import os

import numpy as np
import onnx
from onnx import AttributeProto, TensorProto, helper, numpy_helper

from rbcore import Case, safe_name

F, I64, I32, B, U8 = (TensorProto.FLOAT, TensorProto.INT64, TensorProto.INT32,
                      TensorProto.BOOL, TensorProto.UINT8)
I64MIN, I64MAX = -2**63, 2**63 - 1
I32MIN = -2**31

_CASES = []


def cases():
    return list(_CASES)


# ---------------------------------------------------------------- helpers --

def vi(name, shape, t=F):
    return helper.make_tensor_value_info(name, t, shape)


def node(op, ins, outs, name, domain=None, **attrs):
    n = helper.make_node(op, ins, outs, name=name, **attrs)
    if domain is not None:
        n.domain = domain
    return n


def const(name, array, dtype=None):
    return numpy_helper.from_array(np.asarray(array, dtype=dtype), name)


def model(nodes, inputs, outputs, inits=(), opset=17, ir=8, extra_opsets=()):
    g = helper.make_graph(list(nodes), "g", list(inputs), list(outputs), list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)] +
                          [helper.make_opsetid(d, v) for d, v in extra_opsets])
    m.ir_version = ir
    return m


def one_op(op, attrs=None, ins=("x",), in_shapes=((2, 3),), in_types=None, out_shape=(2, 3),
           out_type=F, inits=(), opset=17, name=None, n_out=1):
    """A graph around one node called `name` (default suspect_<op>)."""
    name = name or f"suspect_{op.lower()}"
    in_types = in_types or [F] * len(in_shapes)
    outs = ["y"] if n_out == 1 else [f"y{i}" for i in range(n_out)]
    inputs = [vi(i, s, t) for i, s, t in zip(ins, in_shapes, in_types) if i]
    n = node(op, list(ins) + [], outs, name, **(attrs or {}))
    return model([n], inputs, [vi(o, out_shape, out_type) for o in outs], inits, opset)


def add(name, build, mention=None, expect="error", run=None, timeout=60, tool="translate",
        args=(), max_lines=12, node_name=None):
    """Registers `onnx/<name>`.  mention: strings any of which the error must
    contain (default: the node `node_name`, else the model's file name)."""
    full = f"onnx/{name}"
    if mention is None:
        mention = [node_name] if node_name else ["FILE"]
    if run is not None:
        tool = "compile"
    case = Case(full, "onnx", expect=expect, timeout=timeout, max_lines=max_lines)

    def steps(ctx, case=case, build=build, name=name, run=run, tool=tool, args=args):
        d = os.path.join(ctx.work, "onnx", safe_name(name))
        os.makedirs(d, exist_ok=True)
        m = build(d)
        if isinstance(m, onnx.ModelProto):
            path = os.path.join(d, safe_name(name) + ".onnx")
            with open(path, "wb") as f:
                f.write(m.SerializeToString())
        elif isinstance(m, (bytes, bytearray)):
            path = os.path.join(d, safe_name(name) + ".onnx")
            with open(path, "wb") as f:
                f.write(m)
        else:
            path = m
        case.mention = [os.path.basename(path) if x == "FILE" else x for x in mention]
        if tool == "translate":
            return [[ctx.translate, "--import-onnx", path, "-o", os.path.join(d, "out.mlir"),
                     *args]]
        so = os.path.join(d, "model.so")
        steps = [[ctx.compile, path, "--emit=lib", "-o", so, *args]]
        if run is not None:
            out = os.path.join(d, "out")
            argv = [ctx.run, so, "--output-dir", out]
            for k, v in run.get("inputs", {}).items():
                p = os.path.join(d, f"in_{len(argv)}.npy")
                np.save(p, v)
                argv += ["--input", f"{k}={p}"]
            steps.append(argv)
            case.check = lambda ctx, case, res, d=d, run=run: check_outputs(d, run)
        return steps

    case.steps = steps
    _CASES.append(case)


def check_outputs(d, run):
    """Compares out/<name>.npy with run['expected'] (exact for integers), or
    calls run['check'](d)."""
    if "check" in run:
        return run["check"](d)
    for name, want in run.get("expected", {}).items():
        p = os.path.join(d, "out", name + ".npy")
        if not os.path.exists(p):
            return f"no output {name}.npy"
        got = np.load(p)
        want = np.asarray(want)
        if got.shape != want.shape:
            return f"{name}: shape {got.shape}, expected {want.shape}"
        if want.dtype.kind in "iub":
            if not np.array_equal(got, want):
                return f"{name}: {got.ravel()[:6]} != {want.ravel()[:6]}"
        elif not np.allclose(got, want, rtol=1e-5, atol=1e-6, equal_nan=True):
            return f"{name}: {got.ravel()[:6]} != {want.ravel()[:6]}"
    return None


# Valid bytes to truncate: a model with an initializer (so the cut falls in
# data, in the graph and in the header).
def _medium():
    w = np.arange(64, dtype=np.float32).reshape(8, 8)
    return model([node("MatMul", ["x", "w"], ["y"], "mm")], [vi("x", [2, 8])],
                 [vi("y", [2, 8])], [const("w", w)]).SerializeToString()


MEDIUM = _medium()

# ----------------------------------------------------------- file level --

add("file-empty", lambda d: b"")
add("file-garbage-text", lambda d: b"garbage\n")
for n in (1, 10, 40, len(MEDIUM) // 2, len(MEDIUM) - 1):
    add(f"file-truncated-{n}", lambda d, n=n: MEDIUM[:n])
for seed in range(4):
    add(f"file-random-bytes-{seed}",
        lambda d, seed=seed: np.random.RandomState(seed).bytes(300))
add("file-flipped-bytes", lambda d: bytes(b ^ 0x5A if i % 7 == 3 else b
                                          for i, b in enumerate(MEDIUM)))
add("file-missing", lambda d: os.path.join(d, "no-such-model.onnx"))


def _dir_model(d):
    p = os.path.join(d, "model-is-a-dir.onnx")
    os.makedirs(p, exist_ok=True)
    return p


add("file-is-directory", _dir_model)


def _fifo_model(d):
    p = os.path.join(d, "fifo.onnx")
    if not os.path.exists(p):
        os.mkfifo(p)
    return p


add("file-is-fifo", _fifo_model, timeout=10)
add("file-dev-null", lambda d: "/dev/null", mention=["/dev/null"])
add("file-no-graph", lambda d: onnx.ModelProto(
    ir_version=8, opset_import=[helper.make_opsetid("", 17)]))


def _no_opset(d):
    m = one_op("Relu")
    del m.opset_import[:]
    return m


add("file-no-opset-import", _no_opset)
for v in (1, 7, 12, 22, 99999, -1):
    add(f"opset-{v}".replace("-" + str(v), f"-{v}" if v >= 0 else f"-minus{-v}"),
        lambda d, v=v: one_op("Relu", opset=v))


def _ir(v):
    def b(d):
        m = one_op("Relu")
        m.ir_version = v
        return m
    return b


add("ir-version-0", _ir(0), expect="either")
add("ir-version-huge", _ir(2**62), expect="either")
# Hand-made wire format: field 7 (graph), length-delimited, with a length far
# beyond the file; the same field as a varint; a deeply nested message.
add("wire-length-4g", lambda d: b"\x08\x08\x3a\xff\xff\xff\xff\x0f" + b"\x0a\x01x")
add("wire-length-2g", lambda d: b"\x08\x08\x3a\xff\xff\xff\xff\x07" + b"\x00" * 16)
add("wire-graph-as-varint", lambda d: b"\x08\x08\x38\x05")
add("wire-bad-tag-zero", lambda d: b"\x00\x00\x00\x00")
add("wire-unterminated-varint", lambda d: b"\x08" + b"\xff" * 12)


def _nested_ifs(depth):
    def b(d):
        leaf = helper.make_graph([node("Identity", ["x"], ["y"], "leaf")], "leaf", [],
                                 [vi("y", [2, 3])])
        inner = leaf
        for i in range(depth):
            # Only the then-branch nests (both would double the size per level).
            n = node("If", ["c"], ["y"], f"suspect_if_{depth - 1 - i}",
                     then_branch=inner, else_branch=leaf)
            inner = helper.make_graph([n], f"g{i}", [], [vi("y", [2, 3])])
        outer = inner.node[0]
        return model([outer], [vi("c", [], B), vi("x", [2, 3])], [vi("y", [2, 3])])
    return b


add("nested-if-depth-3", _nested_ifs(3), node_name="suspect_if_0")
add("nested-if-depth-150", _nested_ifs(150), mention=["suspect_if_0", "FILE"])

# ------------------------------------------------------- graph structure --

R = lambda i, o, n: node("Relu", [i], [o], n)  # noqa: E731

add("two-producers-of-one-value",
    lambda d: model([R("x", "dup_value", "suspect_p1"), node("Neg", ["x"], ["dup_value"], "suspect_p2"),
                     node("Identity", ["dup_value"], ["y"], "id")],
                    [vi("x", [2, 3])], [vi("y", [2, 3])]),
    mention=["dup_value", "suspect_p2", "suspect_p1"])
add("two-inputs-one-name",
    lambda d: model([node("Add", ["twin_input", "twin_input"], ["y"], "add")],
                    [vi("twin_input", [2, 3]), vi("twin_input", [4])], [vi("y", [2, 3])]),
    mention=["twin_input"])
add("initializer-and-input-same-name-mismatched-shape",
    lambda d: model([node("Relu", ["shadowed"], ["y"], "relu")], [vi("shadowed", [2, 3])],
                    [vi("y", [2, 3])], [const("shadowed", np.ones(5, np.float32))]),
    mention=["shadowed"])
add("initializer-shadows-input-import",
    lambda d: model([node("Add", ["shadowed", "one"], ["y"], "add")], [vi("shadowed", [2, 3])],
                    [vi("y", [2, 3])], [const("shadowed", np.ones((2, 3), np.float32)),
                                        const("one", np.float32(1))]),
    expect="either", mention=["shadowed"])
# ONNX: an initializer with an input's name is that input's default; a
# caller's value must win.  Either refused, or run with x = 5: y = 6.
add("initializer-shadows-input-run",
    lambda d: model([node("Add", ["shadowed", "one"], ["y"], "add")], [vi("shadowed", [2, 3])],
                    [vi("y", [2, 3])], [const("shadowed", np.ones((2, 3), np.float32)),
                                        const("one", np.float32(1))]),
    expect="either", mention=["shadowed"],
    run={"inputs": {"shadowed": np.full((2, 3), 5, np.float32)},
         "expected": {"y": np.full((2, 3), 6, np.float32)}})
add("undefined-node-input",
    lambda d: model([R("nowhere", "y", "suspect_relu")], [vi("x", [2, 3])], [vi("y", [2, 3])]),
    mention=["nowhere", "suspect_relu"])
add("graph-output-not-produced",
    lambda d: model([R("x", "y", "relu")], [vi("x", [2, 3])], [vi("y", [2, 3]), vi("ghost", [2, 3])]),
    mention=["ghost"])
add("node-output-empty-name",
    lambda d: model([R("x", "", "suspect_relu")], [vi("x", [2, 3])], [vi("", [2, 3])]),
    mention=["suspect_relu", "''"])
add("node-required-input-empty-name",
    lambda d: model([node("Add", ["", "x"], ["y"], "suspect_add")], [vi("x", [2, 3])],
                    [vi("y", [2, 3])]), node_name="suspect_add")
add("cycle-two-nodes",
    lambda d: model([R("b_val", "a_val", "suspect_c1"), R("a_val", "b_val", "suspect_c2"),
                     node("Identity", ["b_val"], ["y"], "id")], [vi("x", [2, 3])], [vi("y", [2, 3])]),
    mention=["suspect_c1", "suspect_c2", "a_val", "b_val"])
add("cycle-self-loop",
    lambda d: model([R("loop_val", "loop_val", "suspect_self"), node("Identity", ["loop_val"], ["y"], "id")],
                    [vi("x", [2, 3])], [vi("y", [2, 3])]),
    mention=["suspect_self", "loop_val"])
add("graph-without-outputs", lambda d: model([R("x", "y", "relu")], [vi("x", [2, 3])], []),
    expect="either")
add("graph-output-is-input",
    lambda d: model([], [vi("x", [2, 3])], [vi("x", [2, 3])]), expect="either", mention=["x"],
    run={"inputs": {"x": np.arange(6, dtype=np.float32).reshape(2, 3)},
         "expected": {"x": np.arange(6, dtype=np.float32).reshape(2, 3)}})
add("graph-output-is-initializer",
    lambda d: model([R("x", "y", "relu")], [vi("x", [2, 3])], [vi("y", [2, 3]), vi("w_out", [3])],
                    [const("w_out", np.array([1.5, -2, 3], np.float32))]),
    expect="either", mention=["w_out"],
    run={"inputs": {"x": np.full((2, 3), -1, np.float32)},
         "expected": {"y": np.zeros((2, 3), np.float32),
                      "w_out": np.array([1.5, -2, 3], np.float32)}})
add("graph-output-twice",
    lambda d: model([R("x", "y", "relu")], [vi("x", [2, 3])], [vi("y", [2, 3]), vi("y", [2, 3])]),
    expect="either", mention=["'y'"])
add("duplicate-node-names",
    lambda d: model([R("x", "t", "same"), R("t", "y", "same")], [vi("x", [2, 3])], [vi("y", [2, 3])]),
    expect="either")
add("unnamed-unknown-node",
    lambda d: model([helper.make_node("Foo", ["x"], ["y"])], [vi("x", [2, 3])], [vi("y", [2, 3])]),
    mention=["Foo"])
add("value-info-contradicts-shape",
    lambda d: model([R("x", "y", "relu")], [vi("x", [2, 3])], [vi("y", [7, 7, 7])]),
    expect="either", mention=["'y'", "relu"])
add("output-type-contradicts",
    lambda d: model([R("x", "y", "relu")], [vi("x", [2, 3])], [vi("y", [2, 3], I64)]),
    expect="either", mention=["'y'", "relu"])


# Hostile output and input names: must not escape --output-dir or break the
# one-line-per-tensor signature record.
def _named_out(outname):
    return lambda d: model([R("x", outname, "relu")], [vi("x", [2, 3])], [vi(outname, [2, 3])])


def _no_escape(d, want):
    outside = [f for f in os.listdir(d) if (f.endswith(".npy") and not f.startswith("in_"))
               or f in ("escape", "abs_out")]
    if outside:
        return f"wrote {outside} outside --output-dir"
    if os.path.exists("/abs_out.npy"):
        return "wrote /abs_out.npy"
    found = []
    for root, _, files in os.walk(os.path.join(d, "out")):
        for f in files:
            if f.endswith(".npy"):
                found.append(os.path.join(root, f))
    for p in found:
        try:
            if np.array_equal(np.load(p), want):
                return None
        except Exception:
            pass
    return f"no output file holds the result (found {[os.path.relpath(p, d) for p in found]})"


XS = np.arange(-3, 3, dtype=np.float32).reshape(2, 3)
for label, outname in [("dotdot-escape", "../escape"), ("spaces", "a b c"),
                       ("newline", "a\nb"), ("slash", "sub/out"), ("absolute", "/abs_out"),
                       ("dot", "."), ("dotdot", ".."), ("long-5000", "o" * 5000),
                       ("tab-and-quote", "a\t\"b'"), ("percent-format", "%s%n%x")]:
    add(f"output-name-{label}-import", _named_out(outname), expect="either",
        mention=[outname[:40], "output"])
    add(f"output-name-{label}-run", _named_out(outname), expect="either",
        mention=[outname[:40], "output"],
        run={"inputs": {"x": XS}, "check": lambda d: _no_escape(d, np.maximum(XS, 0))})
add("output-name-empty", _named_out(""), mention=["''", "output", "relu"])


def _named_in(inname):
    return lambda d: model([R(inname, "y", "relu")], [vi(inname, [2, 3])], [vi("y", [2, 3])])


for label, inname in [("spaces", "in put"), ("newline", "in\nput x f32 2x3"),
                      ("unicode", "\u03b4x"), ("equals", "a=b")]:
    add(f"input-name-{label}-run", _named_in(inname), expect="either",
        mention=[inname[:20], "input"],
        run={"inputs": {inname: XS}, "expected": {"y": np.maximum(XS, 0)}})
add("input-name-empty", _named_in(""), mention=["''", "input", "relu"])

# ----------------------------------------------------- unknown ops, counts --

add("unknown-op", lambda d: one_op("Foo", name="suspect_foo"), node_name="suspect_foo")
add("unknown-op-lowercase", lambda d: one_op("relu", name="suspect_lc"), node_name="suspect_lc")
add("unknown-op-empty-type", lambda d: one_op("", name="suspect_empty"), node_name="suspect_empty")
add("op-other-domain",
    lambda d: model([node("Gelu", ["x"], ["y"], "suspect_gelu", domain="com.microsoft")],
                    [vi("x", [2, 3])], [vi("y", [2, 3])], extra_opsets=[("com.microsoft", 1)]),
    node_name="suspect_gelu")
add("op-domain-without-opset",
    lambda d: model([node("Relu", ["x"], ["y"], "suspect_dom", domain="my.domain")],
                    [vi("x", [2, 3])], [vi("y", [2, 3])]), node_name="suspect_dom")
for op in ["LSTM", "Loop", "Scan", "NonZero", "Resize", "TopK", "Mod", "Einsum", "Tile",
           "Pad", "ScatterND", "Conv", "LayerNormalization", "RandomNormal", "Unique"]:
    add(f"unsupported-op-{op}", lambda d, op=op: one_op(op, name=f"suspect_{op}"),
        node_name=f"suspect_{op}")

# Wrong input / output counts: (op, inputs, attrs, opset, outputs).
COUNTS = [
    ("Add", 1), ("Add", 3), ("Sub", 3), ("Div", 1), ("Pow", 1), ("Relu", 0), ("Relu", 2),
    ("Neg", 2), ("Sqrt", 2), ("Identity", 0), ("MatMul", 1), ("MatMul", 3), ("Gemm", 1),
    ("Where", 2), ("Equal", 1), ("Transpose", 2), ("Reshape", 1), ("Gather", 1),
    ("Softmax", 0), ("Clip", 4), ("Cast", 2), ("Range", 2), ("ConstantOfShape", 0),
    ("Expand", 1), ("Unsqueeze", 1), ("Squeeze", 3), ("Slice", 2), ("Slice", 6),
    ("Trilu", 3), ("BitShift", 1), ("BitwiseAnd", 1), ("ReduceSum", 3), ("QuantizeLinear", 1),
    ("DequantizeLinear", 1), ("MatMulInteger", 1), ("Shape", 0), ("Max", 0), ("Min", 0),
    ("Split", 0), ("Concat", 0), ("Erf", 3), ("Tanh", 2),
]
ATTRS = {"Cast": {"to": F}, "Concat": {"axis": 0}, "BitShift": {"direction": "LEFT"},
         "Softmax": {"axis": -1}}


def _count_model(op, k, nout=1):
    names = ["x", "x2", "x3", "x4", "x5", "x6"][:k]
    ins = [vi(n, [2, 3]) for n in names]
    n = node(op, names, ["y"] if nout == 1 else [f"y{i}" for i in range(nout)],
             f"suspect_{op}_{k}in", **ATTRS.get(op, {}))
    outs = [vi(o, [2, 3]) for o in n.output if o]
    return model([n], ins, outs, opset=18 if op in ("BitShift", "BitwiseAnd") else 17)


for op, k in COUNTS:
    add(f"inputs-{op}-{k}", lambda d, op=op, k=k: _count_model(op, k),
        node_name=f"suspect_{op}_{k}in")
for op, nout in [("Relu", 2), ("Add", 0), ("Softmax", 2), ("Shape", 2), ("MatMul", 2)]:
    def _outs(d, op=op, nout=nout):
        ins = ["x", "x2"] if op in ("Add", "MatMul") else ["x"]
        n = node(op, ins, [f"y{i}" for i in range(nout)], f"suspect_{op}_{nout}out",
                 **ATTRS.get(op, {}))
        return model([n], [vi(i, [3, 3]) for i in ins], [vi(o, [3, 3]) for o in n.output] or
                     [vi("x", [3, 3])])
    add(f"outputs-{op}-{nout}", _outs, node_name=f"suspect_{op}_{nout}out")

# ------------------------------------------------------------ attributes --

T = "suspect_transpose"
for label, perm in [("floats", [1.0, 0.0]), ("string", "10"), ("short", [0]), ("long", [0, 1, 2]),
                    ("repeated", [0, 0]), ("out-of-range", [0, 5]), ("negative", [-1, 0]),
                    ("scalar-int", 1), ("huge", [0, 2**40]), ("int64min", [I64MIN, 0]),
                    ("empty", [])]:
    add(f"transpose-perm-{label}",
        lambda d, perm=perm: one_op("Transpose", {"perm": perm}, out_shape=[3, 2], name=T),
        node_name=T)
S = "suspect_softmax"
for label, axis in [("string", "1"), ("float", 1.0), ("ints", [0, 1]), ("5", 5), ("minus5", -5),
                    ("int64min", I64MIN), ("int64max", I64MAX), ("2pow32", 2**32)]:
    add(f"softmax-axis-{label}", lambda d, axis=axis: one_op("Softmax", {"axis": axis}, name=S),
        node_name=S)
add("softmax-on-int64", lambda d: one_op("Softmax", in_types=[I64], out_type=I64, name=S),
    node_name=S)
C2 = dict(ins=("x", "x2"), in_shapes=((2, 3), (2, 3)), out_shape=(4, 3), name="suspect_concat")
add("concat-without-axis", lambda d: one_op("Concat", **C2), node_name="suspect_concat")
for label, axis in [("string", "0"), ("7", 7), ("minus7", -7), ("float", 0.5)]:
    add(f"concat-axis-{label}", lambda d, axis=axis: one_op("Concat", {"axis": axis}, **C2),
        node_name="suspect_concat")
add("concat-shape-mismatch",
    lambda d: one_op("Concat", {"axis": 0}, ins=("x", "x2"), in_shapes=((2, 3), (2, 4)),
                     out_shape=(4, 3), name="suspect_concat"), node_name="suspect_concat")
add("concat-rank-mismatch",
    lambda d: one_op("Concat", {"axis": 0}, ins=("x", "x2"), in_shapes=((2, 3), (2, 3, 1)),
                     out_shape=(4, 3), name="suspect_concat"), node_name="suspect_concat")
add("concat-type-mismatch",
    lambda d: one_op("Concat", {"axis": 0}, ins=("x", "x2"), in_shapes=((2, 3), (2, 3)),
                     in_types=[F, I64], out_shape=(4, 3), name="suspect_concat"),
    node_name="suspect_concat")
BS = dict(ins=("p", "two"), in_shapes=((4,), (4,)), in_types=[U8, U8], out_shape=(4,),
          out_type=U8, opset=18, name="suspect_shift")
add("bitshift-without-direction", lambda d: one_op("BitShift", **BS), node_name="suspect_shift")
for label, direction in [("up", "UP"), ("lowercase", "left"), ("int", 1), ("empty", "")]:
    add(f"bitshift-direction-{label}",
        lambda d, direction=direction: one_op("BitShift", {"direction": direction}, **BS),
        node_name="suspect_shift")
add("bitshift-on-float",
    lambda d: one_op("BitShift", {"direction": "LEFT"}, ins=("x", "x2"), in_shapes=((4,), (4,)),
                     out_shape=(4,), opset=18, name="suspect_shift"), node_name="suspect_shift")
G = "suspect_gather"
GI = dict(ins=("x", "idx"), in_shapes=((5, 3), (2,)), in_types=[F, I64], out_shape=(2, 3), name=G)
for label, axis in [("3", 3), ("minus3", -3), ("string", "0")]:
    add(f"gather-axis-{label}", lambda d, axis=axis: one_op("Gather", {"axis": axis}, **GI),
        node_name=G)
add("gather-indices-float",
    lambda d: one_op("Gather", {"axis": 0}, ins=("x", "idx"), in_shapes=((5, 3), (2,)),
                     in_types=[F, F], out_shape=(2, 3), name=G), node_name=G)
CA = "suspect_cast"
for label, to in [("999", 999), ("string", TensorProto.STRING), ("undefined", 0),
                  ("float-attr", 1.0), ("negative", -1), ("complex64", TensorProto.COMPLEX64)]:
    add(f"cast-to-{label}", lambda d, to=to: one_op("Cast", {"to": to}, name=CA), node_name=CA)
add("cast-without-to", lambda d: one_op("Cast", name=CA), node_name=CA)
SP = "suspect_split"
add("split-axis-9", lambda d: one_op("Split", {"axis": 9}, n_out=2, out_shape=(1, 3), name=SP),
    node_name=SP)
add("split-num-outputs-mismatch",
    lambda d: one_op("Split", {"axis": 0, "num_outputs": 3}, n_out=2, out_shape=(1, 3), opset=18,
                     name=SP), node_name=SP)
add("split-num-outputs-zero",
    lambda d: one_op("Split", {"axis": 0, "num_outputs": 0}, n_out=2, out_shape=(1, 3), opset=18,
                     name=SP), node_name=SP)
GE = "suspect_gemm"
GEI = dict(ins=("a", "b"), in_shapes=((2, 3), (3, 4)), out_shape=(2, 4), name=GE)
add("gemm-transA-string", lambda d: one_op("Gemm", {"transA": "yes"}, **GEI), node_name=GE)
add("gemm-alpha-string", lambda d: one_op("Gemm", {"alpha": "2"}, **GEI), node_name=GE)
add("gemm-shape-mismatch",
    lambda d: one_op("Gemm", {}, ins=("a", "b"), in_shapes=((2, 3), (5, 4)), out_shape=(2, 4),
                     name=GE), node_name=GE)
add("gemm-bad-bias-broadcast",
    lambda d: one_op("Gemm", {}, ins=("a", "b", "c"), in_shapes=((2, 3), (3, 4), (3,)),
                     out_shape=(2, 4), name=GE), node_name=GE)
add("matmul-shape-mismatch",
    lambda d: one_op("MatMul", ins=("a", "b"), in_shapes=((2, 3), (4, 5)), out_shape=(2, 5),
                     name="suspect_mm"), node_name="suspect_mm")
add("add-type-mismatch",
    lambda d: one_op("Add", ins=("a", "b"), in_shapes=((2, 3), (2, 3)), in_types=[F, I64],
                     name="suspect_add"), node_name="suspect_add")
add("add-broadcast-mismatch",
    lambda d: one_op("Add", ins=("a", "b"), in_shapes=((2, 3), (4,)), name="suspect_add"),
    node_name="suspect_add")
add("sqrt-on-int64",
    lambda d: one_op("Sqrt", in_types=[I64], out_type=I64, name="suspect_sqrt"),
    node_name="suspect_sqrt")
RS = "suspect_reduce"
add("reducesum-keepdims-string",
    lambda d: one_op("ReduceSum", {"keepdims": "yes"}, out_shape=(1, 1), name=RS), node_name=RS)
for label, axes in [("out-of-range", [5]), ("duplicate", [0, 0]), ("int64min", [I64MIN])]:
    add(f"reducesum-axes-{label}",
        lambda d, axes=axes: one_op("ReduceSum", ins=("x", "axes"), in_shapes=((2, 3),),
                                    out_shape=(1, 3), name=RS,
                                    inits=[const("axes", np.array(axes, np.int64))]),
        node_name=RS)
add("reducemean-axes-attr-out-of-range",
    lambda d: one_op("ReduceMean", {"axes": [7]}, out_shape=(1, 3), name=RS, opset=13),
    node_name=RS)


def _attr_model(attr):
    def b(d):
        m = one_op("Softmax", {"axis": 1}, name=S)
        m.graph.node[0].attribute.append(attr)
        return m
    return b


add("attr-type-undefined", _attr_model(AttributeProto(name="extra", type=0)), node_name=S)
add("attr-duplicate-axis",
    _attr_model(AttributeProto(name="axis", type=AttributeProto.INT, i=0)), node_name=S)
add("attr-ref-attr-name",
    _attr_model(AttributeProto(name="axis2", type=AttributeProto.INT, ref_attr_name="outer")),
    node_name=S, expect="either")
def _int_attr_in_string_field(d):
    m = one_op("Softmax", name=S)
    m.graph.node[0].attribute.append(AttributeProto(name="axis", type=AttributeProto.INT, s=b"1"))
    return m


add("attr-int-field-mismatch", _int_attr_in_string_field, node_name=S, expect="either")
K = "suspect_constant"


def _const_model(**attrs):
    def b(d):
        n = node("Constant", [], ["c"], K)
        for k, v in attrs.items():
            n.attribute.append(v if isinstance(v, AttributeProto) else helper.make_attribute(k, v))
        return model([n, node("Add", ["x", "c"], ["y"], "add")], [vi("x", [2, 3])], [vi("y", [2, 3])])
    return b


add("constant-without-value", _const_model(), node_name=K)
add("constant-two-values", _const_model(value_float=1.0, value_int=2), node_name=K)
add("constant-value-string", _const_model(value_string="abc"), node_name=K)
add("constant-value-strings", _const_model(value_strings=["a", "b"]), node_name=K)
add("constant-sparse-value",
    _const_model(sparse_value=AttributeProto(name="sparse_value", type=AttributeProto.SPARSE_TENSOR)),
    node_name=K)
add("constant-value-floats-valid", _const_model(value_floats=[1.0, 2.0, 3.0]), expect="either",
    node_name=K, run={"inputs": {"x": XS}, "expected": {"y": XS + np.array([1, 2, 3], np.float32)}})
RE = "suspect_reshape"


def _reshape(shape, in_shape=(2, 3), dtype=np.int64, attrs=None):
    return lambda d: one_op("Reshape", attrs, ins=("x", "shape"), in_shapes=(in_shape,),
                            out_shape=(6,), name=RE,
                            inits=[const("shape", np.array(shape, dtype))])


for label, shape in [("two-minus1", [-1, -1]), ("minus2", [-2, 3]), ("mismatch", [4, 2]),
                     ("overflow", [2**32, 2**32, 4]), ("int64min", [I64MIN, -1]),
                     ("zero-copies-missing-dim", [0, 0, 0]), ("huge-minus1", [2**62, -1])]:
    add(f"reshape-{label}", _reshape(shape), node_name=RE)
add("reshape-shape-float", _reshape([6.0], dtype=np.float32), node_name=RE)
add("reshape-shape-2d", _reshape([[6]]), node_name=RE)
add("reshape-allowzero-string", _reshape([6], attrs={"allowzero": "yes"}), node_name=RE)
add("clip-min-above-max",
    lambda d: one_op("Clip", ins=("x", "lo", "hi"), in_shapes=((2, 3),), name="clip",
                     inits=[const("lo", np.float32(2)), const("hi", np.float32(-1))]),
    expect="either", node_name="clip",
    run={"inputs": {"x": XS}, "expected": {"y": np.full((2, 3), -1, np.float32)}})
add("clip-bounds-not-scalar",
    lambda d: one_op("Clip", ins=("x", "lo"), in_shapes=((2, 3),), name="suspect_clip",
                     inits=[const("lo", np.zeros(3, np.float32))]), node_name="suspect_clip")
add("trilu-upper-string",
    lambda d: one_op("Trilu", {"upper": "yes"}, in_shapes=((3, 3),), out_shape=(3, 3),
                     name="suspect_trilu"), node_name="suspect_trilu")
add("trilu-on-rank1",
    lambda d: one_op("Trilu", in_shapes=((3,),), out_shape=(3,), name="suspect_trilu"),
    node_name="suspect_trilu")

# ------------------------------------------------------------- tensors --

for label, shape in [("negative", [-3, 2]), ("huge-2pow31", [2**31, 2**31]),
                     ("huge-2pow62", [2**62, 4]), ("overflow-product", [2**32, 2**32, 2**32]),
                     ("int64min", [I64MIN, 2])]:
    add(f"input-dims-{label}",
        lambda d, shape=shape: model([R("x_dims", "y", "relu")], [vi("x_dims", shape)],
                                     [vi("y", shape)]),
        mention=["x_dims"])
add("input-dim-zero",
    lambda d: model([R("x_dims", "y", "relu")], [vi("x_dims", [0, 3])], [vi("y", [0, 3])]),
    mention=["x_dims", "relu"], expect="either")
add("input-rank-100",
    lambda d: model([R("x_dims", "y", "relu")], [vi("x_dims", [1] * 100)], [vi("y", [1] * 100)]),
    mention=["x_dims"], expect="either")


def _input_type(make):
    def b(d):
        m = model([R("x_typed", "y", "relu")], [vi("x_typed", [2, 3])], [vi("y", [2, 3])])
        make(m.graph.input[0])
        return m
    return b


add("input-without-type", _input_type(lambda v: v.ClearField("type")), mention=["x_typed"])
add("input-sequence-type", _input_type(lambda v: v.type.CopyFrom(
    helper.make_sequence_type_proto(helper.make_tensor_type_proto(F, [2, 3])))),
    mention=["x_typed"])
add("input-elem-undefined", _input_type(lambda v: setattr(v.type.tensor_type, "elem_type", 0)),
    mention=["x_typed"])
add("input-elem-999", _input_type(lambda v: setattr(v.type.tensor_type, "elem_type", 999)),
    mention=["x_typed"])
for label, t in [("string", TensorProto.STRING), ("complex64", TensorProto.COMPLEX64),
                 ("uint16", TensorProto.UINT16), ("uint64", TensorProto.UINT64)]:
    add(f"input-elem-{label}",
        _input_type(lambda v, t=t: setattr(v.type.tensor_type, "elem_type", t)),
        mention=["x_typed", "relu"])
add("input-without-shape", _input_type(lambda v: v.type.tensor_type.ClearField("shape")),
    mention=["x_typed"])


def _init(make, expect_mention=("w_bad",)):
    def b(d):
        t = TensorProto(name="w_bad")
        make(t)
        return model([node("Add", ["x", "w_bad"], ["y"], "add")], [vi("x", [4])], [vi("y", [4])], [t])
    return b


def _set(**kw):
    def f(t):
        for k, v in kw.items():
            if isinstance(v, list):
                getattr(t, k).extend(v)
            else:
                setattr(t, k, v)
    return f


INIT_CASES = [
    ("init-huge-dims-no-data", _set(data_type=F, dims=[2**32, 2**32])),
    ("init-huge-dims-some-data", _set(data_type=F, dims=[2**62, 2**62], raw_data=b"\0" * 16)),
    ("init-negative-dims-with-data", _set(data_type=F, dims=[-1], float_data=[1, 2, 3, 4])),
    ("init-raw-short", _set(data_type=F, dims=[4], raw_data=b"\0" * 8)),
    ("init-raw-long", _set(data_type=F, dims=[4], raw_data=b"\0" * 32)),
    ("init-raw-odd-bytes", _set(data_type=F, dims=[4], raw_data=b"\0" * 15)),
    ("init-float-data-short", _set(data_type=F, dims=[4], float_data=[1, 2, 3])),
    ("init-float-data-long", _set(data_type=F, dims=[4], float_data=[1, 2, 3, 4, 5])),
    ("init-no-data", _set(data_type=F, dims=[4])),
    ("init-int64-data-for-float", _set(data_type=F, dims=[4], int64_data=[1, 2, 3, 4])),
    ("init-data-type-undefined", _set(data_type=0, dims=[4], raw_data=b"\0" * 16)),
    ("init-data-type-999", _set(data_type=999, dims=[4], raw_data=b"\0" * 16)),
    ("init-data-type-string", _set(data_type=TensorProto.STRING, dims=[4],
                                   string_data=[b"a", b"b", b"c", b"d"])),
    ("init-data-type-complex", _set(data_type=TensorProto.COMPLEX64, dims=[4],
                                    raw_data=b"\0" * 32)),
    ("init-raw-and-float-data", _set(data_type=F, dims=[4], raw_data=b"\0" * 16,
                                     float_data=[1, 2, 3, 4])),
    ("init-segment-field", lambda t: (_set(data_type=F, dims=[4], float_data=[1, 2, 3, 4])(t),
                                      t.segment.MergeFrom(TensorProto.Segment(begin=0, end=2)))),
]
for label, make in INIT_CASES:
    add(label, _init(make), mention=["w_bad"])
add("init-rank-mismatch-with-use",
    _init(_set(data_type=F, dims=[2, 2], float_data=[1, 2, 3, 4])), mention=["w_bad", "add"],
    expect="either")
add("init-duplicate-name",
    lambda d: model([node("Add", ["x", "w_dup"], ["y"], "add")], [vi("x", [4])], [vi("y", [4])],
                    [const("w_dup", np.ones(4, np.float32)), const("w_dup", np.zeros(4, np.float32))]),
    mention=["w_dup"])
add("init-empty-name",
    lambda d: model([R("x", "y", "relu")], [vi("x", [4])], [vi("y", [4])],
                    [const("", np.ones(4, np.float32))]), expect="either", mention=["''"])
add("init-bool-value-2",
    lambda d: model([node("Where", ["c", "x", "x2"], ["y"], "where")],
                    [vi("x", [4]), vi("x2", [4])], [vi("y", [4])],
                    [TensorProto(name="c", data_type=B, dims=[4], raw_data=b"\x02\x00\x01\xff")]),
    expect="either", mention=["'c'", "where"],
    run={"inputs": {"x": np.ones(4, np.float32), "x2": np.zeros(4, np.float32)},
         "expected": {"y": np.array([1, 0, 1, 1], np.float32)}})
add("init-float16-int32-data",
    lambda d: model([node("Cast", ["h"], ["hf"], "cast", to=F), node("Add", ["x", "hf"], ["y"], "add")],
                    [vi("x", [2])], [vi("y", [2])],
                    [TensorProto(name="h", data_type=TensorProto.FLOAT16, dims=[2],
                                 int32_data=[0x3C00, 0xC000])]),
    expect="either", mention=["'h'"],
    run={"inputs": {"x": np.zeros(2, np.float32)}, "expected": {"y": np.array([1, -2], np.float32)}})

# --------------------------------------------------------- external data --

EXT_VALUES = np.array([1, 2, 3, 4], np.float32)


def _ext(entries, files=None, links=None, dirs=(), fifo=None, extra=None, raw_too=False,
         location_flag=True, up_file=False):
    """A model y = x + w_ext, w_ext float[4] with external data `entries`
    (key -> value) in directory d/m/, with `files` (name -> bytes), symlinks
    (name -> target), directories and a FIFO there."""
    def b(d):
        md = os.path.join(d, "m")
        os.makedirs(md, exist_ok=True)
        for name in dirs:
            os.makedirs(os.path.join(md, name), exist_ok=True)
        for name, data in (files or {}).items():
            with open(os.path.join(md, name), "wb") as f:
                f.write(data)
        for name, target in (links or {}).items():
            p = os.path.join(md, name)
            if not os.path.lexists(p):
                os.symlink(target, p)
        if fifo and not os.path.exists(os.path.join(md, fifo)):
            os.mkfifo(os.path.join(md, fifo))
        if up_file:
            with open(os.path.join(d, "w.bin"), "wb") as f:
                f.write(EXT_VALUES.tobytes())
        t = TensorProto(name="w_ext", data_type=F, dims=[4])
        if location_flag:
            t.data_location = TensorProto.EXTERNAL
        for k, v in entries:
            e = t.external_data.add()
            e.key, e.value = k, v
        if raw_too:
            t.raw_data = EXT_VALUES.tobytes()
        m = model([node("Add", ["x", "w_ext"], ["y"], "add")], [vi("x", [4])], [vi("y", [4])], [t])
        p = os.path.join(md, "model.onnx")
        with open(p, "wb") as f:
            f.write(m.SerializeToString())
        return p
    return b


W = {"w.bin": EXT_VALUES.tobytes()}
W64 = {"w.bin": bytes(48) + EXT_VALUES.tobytes()}
L16 = ("length", "16")
EXT = [
    ("symlink-to-etc-passwd", _ext([("location", "w.bin"), L16], links={"w.bin": "/etc/passwd"})),
    ("symlinked-folder", _ext([("location", "sub/passwd"), L16], links={"sub": "/etc"})),
    ("symlink-to-dev-zero", _ext([("location", "z.bin"), L16], links={"z.bin": "/dev/zero"})),
    ("symlink-to-parent-file", _ext([("location", "w.bin"), L16], links={"w.bin": "../w.bin"},
                                    up_file=True)),
    ("absolute-etc-passwd", _ext([("location", "/etc/passwd"), L16])),
    ("dotdot", _ext([("location", "../w.bin")], up_file=True)),
    ("dotdot-nested", _ext([("location", "a/../../w.bin")], dirs=["a"], up_file=True)),
    ("dot-slash-dotdot", _ext([("location", "./../w.bin")], up_file=True)),
    ("backslash-dotdot", _ext([("location", "..\\w.bin")], up_file=True)),
    ("location-empty", _ext([("location", "")])),
    ("location-directory", _ext([("location", "subdir"), L16], dirs=["subdir"])),
    ("location-nul-byte", _ext([("location", "w.bin\0../../etc/passwd")], files=W)),
    ("location-long-5000", _ext([("location", "w" * 5000)])),
    ("location-missing-file", _ext([("location", "no-such.bin")])),
    ("no-location-key", _ext([("offset", "0"), L16], files=W)),
    ("offset-not-a-number", _ext([("location", "w.bin"), ("offset", "abc")], files=W)),
    ("offset-negative", _ext([("location", "w.bin"), ("offset", "-4")], files=W)),
    ("offset-uint64-max", _ext([("location", "w.bin"), ("offset", "18446744073709551615")], files=W)),
    ("offset-overflow-digits", _ext([("location", "w.bin"), ("offset", "9" * 30)], files=W)),
    ("offset-float", _ext([("location", "w.bin"), ("offset", "1e3")], files=W)),
    ("offset-empty", _ext([("location", "w.bin"), ("offset", "")], files=W)),
    ("offset-trailing-junk", _ext([("location", "w.bin"), ("offset", "0abc")], files=W)),
    ("offset-leading-space", _ext([("location", "w.bin"), ("offset", " 0")], files=W),
     "either"),
    ("offset-hex", _ext([("location", "w.bin"), ("offset", "0x10")], files=W64)),
    ("offset-beyond-file", _ext([("location", "w.bin"), ("offset", "1000")], files=W)),
    ("offset-plus-length-overflow", _ext([("location", "w.bin"), ("offset", str(2**63)),
                                          ("length", str(2**63))], files=W)),
    ("offset-unaligned", _ext([("location", "w.bin"), ("offset", "3"), L16],
                              files={"w.bin": b"abc" + EXT_VALUES.tobytes()}), "either"),
    ("length-not-a-number", _ext([("location", "w.bin"), ("length", "x")], files=W)),
    ("length-beyond-file", _ext([("location", "w.bin"), ("length", "64")], files=W)),
    ("length-uint64-max", _ext([("location", "w.bin"), ("length", "18446744073709551615")],
                               files=W)),
    ("length-smaller-than-dims", _ext([("location", "w.bin"), ("length", "8")], files=W)),
    ("length-negative", _ext([("location", "w.bin"), ("length", "-16")], files=W)),
    ("file-shorter-than-dims", _ext([("location", "w.bin")], files={"w.bin": b"\0" * 10})),
    ("location-fifo", _ext([("location", "pipe"), L16], fifo="pipe")),
    ("location-is-the-model", _ext([("location", "model.onnx"), L16]), "any"),
    ("unknown-key", _ext([("location", "w.bin"), ("colour", "blue")], files=W), "either"),
    ("checksum-key", _ext([("location", "w.bin"), ("checksum", "0" * 40)], files=W), "either"),
    ("duplicate-location-key", _ext([("location", "w.bin"), ("location", "../w.bin")], files=W,
                                    up_file=True)),
    ("raw-data-too", _ext([("location", "w.bin")], files=W, raw_too=True), "either"),
    ("entries-without-external-flag", _ext([("location", "w.bin")], files=W,
                                           location_flag=False), "either"),
    ("external-flag-without-entries", _ext([])),
]
for label, build, *exp in EXT:
    expect = exp[0] if exp else "error"
    fifo = "fifo" in label
    # "any": legal, whatever bytes it reads (the model file's own).
    run = None if expect == "error" else \
        {"inputs": {"x": np.zeros(4, np.float32)}, "expected": {"y": EXT_VALUES}}
    if expect == "any":
        expect, run = "either", {"inputs": {"x": np.zeros(4, np.float32)}, "check": lambda d: None}
    add(f"external-{label}", build, mention=["w_ext"], expect=expect,
        timeout=10 if fifo else 60, run=run)
# Legal external data: the values must arrive.
add("external-valid", _ext([("location", "w.bin")], files=W), expect="ok",
    run={"inputs": {"x": np.ones(4, np.float32)}, "expected": {"y": EXT_VALUES + 1}})
add("external-valid-offset-length", _ext([("location", "w.bin"), ("offset", "48"), L16],
                                          files=W64), expect="ok",
    run={"inputs": {"x": np.ones(4, np.float32)}, "expected": {"y": EXT_VALUES + 1}})
add("external-valid-subdirectory", _ext([("location", "data/w.bin")],
                                         files={"data/w.bin": EXT_VALUES.tobytes()}, dirs=["data"]),
    expect="ok",
    run={"inputs": {"x": np.ones(4, np.float32)}, "expected": {"y": EXT_VALUES + 1}})

# ------------------------------------------------ constant-folding hazards --
# y = x + folded(...), x int64 zeros at run time: the folded value is y.


def _fold(nodes, inits, out_shape, dtype=I64, opset=17):
    return lambda d: model(list(nodes) + [node("Add", ["x", "c"], ["y"], "add_x")],
                           [vi("x", out_shape, dtype)], [vi("y", out_shape, dtype)],
                           [const(k, v) for k, v in inits.items()], opset)


def fold_case(name, nodes, inits, out_shape, expected=None, dtype=I64, np_dtype=np.int64,
              expect="either", node_name=None, opset=17, compile_and_run=True):
    b = _fold(nodes, inits, out_shape, dtype, opset)
    run = None
    if expect != "error" and compile_and_run:
        run = {"inputs": {"x": np.zeros(out_shape, np_dtype)}}
        if expected is not None:
            run["expected"] = {"y": np.asarray(expected, np_dtype).reshape(out_shape)}
        else:
            run["check"] = lambda d: None  # any value: the point is no crash
    add(name, b, expect=expect, node_name=node_name, run=run)


N = node
a64 = lambda *v: np.array(v, np.int64)  # noqa: E731
a32 = lambda *v: np.array(v, np.int32)  # noqa: E731

fold_case("fold-div-int64min-by-minus1", [N("Div", ["a", "b"], ["c"], "suspect_div")],
          {"a": a64(I64MIN), "b": a64(-1)}, [1], expected=[I64MIN], node_name="suspect_div")
fold_case("fold-div-int32min-by-minus1", [N("Div", ["a", "b"], ["c"], "suspect_div")],
          {"a": a32(I32MIN), "b": a32(-1)}, [1], expected=[I32MIN], dtype=I32, np_dtype=np.int32,
          node_name="suspect_div")
fold_case("fold-div-int64-by-zero", [N("Div", ["a", "b"], ["c"], "suspect_div")],
          {"a": a64(7), "b": a64(0)}, [1], node_name="suspect_div")
fold_case("fold-div-int32-by-zero-broadcast", [N("Div", ["a", "b"], ["c"], "suspect_div")],
          {"a": a32(1, 2, 3), "b": a32(0)}, [3], dtype=I32, np_dtype=np.int32,
          node_name="suspect_div")
fold_case("fold-mul-int64-overflow", [N("Mul", ["a", "b"], ["c"], "suspect_mul")],
          {"a": a64(I64MAX), "b": a64(2)}, [1], expected=[-2], node_name="suspect_mul")
fold_case("fold-add-int64-overflow", [N("Add", ["a", "b"], ["c"], "suspect_addc")],
          {"a": a64(I64MAX), "b": a64(1)}, [1], expected=[I64MIN], node_name="suspect_addc")
fold_case("fold-sub-int64-overflow", [N("Sub", ["a", "b"], ["c"], "suspect_sub")],
          {"a": a64(I64MIN), "b": a64(1)}, [1], expected=[I64MAX], node_name="suspect_sub")
fold_case("fold-neg-int64min", [N("Neg", ["a"], ["c"], "suspect_neg")],
          {"a": a64(I64MIN)}, [1], expected=[I64MIN], node_name="suspect_neg")
fold_case("fold-abs-int64min", [N("Abs", ["a"], ["c"], "suspect_abs")],
          {"a": a64(I64MIN)}, [1], expected=[I64MIN], node_name="suspect_abs")
fold_case("fold-cast-int64-to-int32-wraps",
          [N("Cast", ["a"], ["c"], "suspect_cast", to=I32)],
          {"a": a64(2**32 + 5, -2**31 - 1)}, [2], expected=[5, 2**31 - 1], dtype=I32,
          np_dtype=np.int32, node_name="suspect_cast")
fold_case("fold-where-float-condition",
          [N("Where", ["cond", "a", "b"], ["c"], "suspect_where")],
          {"cond": np.array([1.0, 0.0], np.float32), "a": a64(1, 1), "b": a64(2, 2)}, [2],
          expect="error", node_name="suspect_where")
fold_case("fold-where-int-condition",
          [N("Where", ["cond", "a", "b"], ["c"], "suspect_where")],
          {"cond": a64(1, 0), "a": a64(1, 1), "b": a64(2, 2)}, [2],
          expect="error", node_name="suspect_where")
add("where-float-condition-runtime",
    lambda d: one_op("Where", ins=("cond", "a", "b"), in_shapes=((2,), (2,), (2,)),
                     out_shape=(2,), name="suspect_where"), node_name="suspect_where")
RG = "suspect_range"
for label, (start, limit, delta), exp in [
        ("mixed-types", (a64(0), np.float32(4), a32(1)), "error"),
        ("delta-zero-int", (a64(0), a64(4), a64(0)), "error"),
        ("delta-zero-float", (np.float32(0), np.float32(4), np.float32(0)), "error"),
        ("2pow31-elements", (a64(0), a64(2**31), a64(1)), "either"),
        ("2pow40-elements", (a64(0), a64(2**40), a64(1)), "either"),
        ("2pow62-elements", (a64(-2**62), a64(2**62), a64(2)), "either"),
        ("count-overflows-int64", (a64(I64MIN), a64(I64MAX), a64(1)), "either"),
        ("float-1e30-elements", (np.float32(0), np.float32(1e30), np.float32(1)), "either"),
        ("float-nan-limit", (np.float32(0), np.float32("nan"), np.float32(1)), "either"),
        ("float-inf-limit", (np.float32(0), np.float32("inf"), np.float32(1)), "either"),
        ("not-scalar", (a64(0, 1), a64(4), a64(1)), "error")]:
    s, l, dl = (np.asarray(v).reshape(()) if np.asarray(v).size == 1 else np.asarray(v)
                for v in (start, limit, delta))
    add(f"fold-range-{label}",
        lambda d, s=s, l=l, dl=dl: model(
            [N("Range", ["s", "l", "dl"], ["y"], RG)], [], [vi("y", [4], I64)],
            [const("s", s), const("l", l), const("dl", dl)]),
        expect=exp, node_name=RG)
add("fold-range-empty", lambda d: model(
    [N("Range", ["s", "l", "dl"], ["y"], RG)], [], [vi("y", [0], I64)],
    [const("s", np.int64(10)), const("l", np.int64(0)), const("dl", np.int64(1))]),
    expect="either", node_name=RG)
CS = "suspect_cos"
for label, shape, exp in [("negative", a64(-1, 3), "error"), ("huge", a64(2**31, 2**31), "either"),
                          ("overflow", a64(2**32, 2**32, 2**32), "either"),
                          ("int64min", a64(I64MIN), "error"),
                          ("float-shape", np.array([2.0, 3.0], np.float32), "error"),
                          ("2d-shape", np.array([[2, 3]], np.int64), "error")]:
    add(f"fold-constantofshape-{label}",
        lambda d, shape=shape: model([N("ConstantOfShape", ["shape"], ["y"], CS)], [],
                                     [vi("y", [2, 3])], [const("shape", shape)]),
        expect=exp, node_name=CS)
add("fold-constantofshape-value-2-elements",
    lambda d: model([N("ConstantOfShape", ["shape"], ["y"], CS,
                       value=numpy_helper.from_array(np.array([1.0, 2.0], np.float32)))], [],
                    [vi("y", [2, 3])], [const("shape", a64(2, 3))]), node_name=CS)
EX = "suspect_expand"
for label, shape, exp in [("negative", a64(-2, 3), "error"), ("huge", a64(2**40, 3), "either"),
                          ("incompatible", a64(5), "error"),
                          ("overflow", a64(2**32, 2**32, 2**32, 3), "either"),
                          ("int64min", a64(I64MIN, 3), "error")]:
    add(f"fold-expand-{label}",
        lambda d, shape=shape: model([N("Expand", ["x", "shape"], ["y"], EX)], [vi("x", [3])],
                                     [vi("y", [2, 3])], [const("shape", shape)]),
        expect=exp, node_name=EX)
add("fold-expand-constant-data-huge",
    lambda d: model([N("Expand", ["v", "shape"], ["y"], EX)], [], [vi("y", [2, 3], I64)],
                    [const("v", a64(1, 2, 3)), const("shape", a64(2**20, 2**20, 3))]),
    expect="either", node_name=EX)
SPL = "suspect_split"
for label, sizes in [("negative", [-1, 4]), ("larger-than-input", [10, 10]),
                     ("sum-wraps-int64", [I64MAX, I64MIN + 4]), ("sum-mismatch", [1, 1]),
                     ("huge", [2**62, 2**62]), ("int64min", [I64MIN, 3])]:
    add(f"fold-split-sizes-{label}",
        lambda d, sizes=sizes: model([N("Split", ["x", "sizes"], ["y0", "y1"], SPL, axis=0)],
                                     [vi("x", [3])], [vi("y0", [1]), vi("y1", [2])],
                                     [const("sizes", np.array(sizes, np.int64))]),
        node_name=SPL)
add("fold-split-constant-data-sizes-too-large",
    lambda d: model([N("Split", ["v", "sizes"], ["y0", "y1"], SPL, axis=0)], [],
                    [vi("y0", [1], I64), vi("y1", [2], I64)],
                    [const("v", a64(1, 2, 3)), const("sizes", a64(2, 5))]), node_name=SPL)
add("fold-split-zero-size-part",
    lambda d: model([N("Split", ["x", "sizes"], ["y0", "y1"], SPL, axis=0)],
                    [vi("x", [3])], [vi("y0", [0]), vi("y1", [3])],
                    [const("sizes", a64(0, 3))]), node_name=SPL, expect="either")
US = "suspect_unsqueeze"
for label, axes, in_shape in [("repeated", [1, 1], [3]), ("out-of-range", [5], [3]),
                              ("negative-duplicate", [-1, 2], [3]), ("int64min", [I64MIN], [3]),
                              ("huge", [2**40], [3])]:
    add(f"fold-unsqueeze-axes-{label}",
        lambda d, axes=axes, in_shape=in_shape: model(
            [N("Unsqueeze", ["x", "axes"], ["y"], US)], [vi("x", in_shape)], [vi("y", [1, 3, 1])],
            [const("axes", np.array(axes, np.int64))]), node_name=US)
add("fold-unsqueeze-constant-data-repeated-axes",
    lambda d: model([N("Unsqueeze", ["v", "axes"], ["y"], US)], [], [vi("y", [1, 3, 1], I64)],
                    [const("v", a64(1, 2, 3)), const("axes", a64(0, 0))]), node_name=US)
SQ = "suspect_squeeze"
for label, axes in [("repeated", [0, 0]), ("not-size-one", [1]), ("out-of-range", [4])]:
    add(f"fold-squeeze-axes-{label}",
        lambda d, axes=axes: model([N("Squeeze", ["x", "axes"], ["y"], SQ)], [vi("x", [1, 3])],
                                   [vi("y", [3])], [const("axes", np.array(axes, np.int64))]),
        node_name=SQ)
GA = "suspect_gather"
for label, idx in [("10", 10), ("minus6", -6), ("int64min", I64MIN), ("2pow32", 2**32),
                   ("int64max", I64MAX)]:
    add(f"fold-gather-constant-index-{label}",
        lambda d, idx=idx: model([N("Gather", ["v", "i"], ["c"], GA, axis=0),
                                  N("Add", ["x", "c"], ["y"], "add_x")],
                                 [vi("x", [1], I64)], [vi("y", [1], I64)],
                                 [const("v", a64(1, 2, 3, 4, 5)), const("i", a64(idx))]),
        node_name=GA)
    add(f"gather-runtime-data-constant-index-{label}",
        lambda d, idx=idx: model([N("Gather", ["x", "i"], ["y"], GA, axis=0)],
                                 [vi("x", [5, 3])], [vi("y", [1, 3])], [const("i", a64(idx))]),
        node_name=GA)
fold_case("fold-gather-negative-index-valid",
          [N("Gather", ["v", "i"], ["c"], "gather", axis=0)],
          {"v": a64(1, 2, 3, 4, 5), "i": a64(-1, -5)}, [2], expected=[5, 1], expect="ok")
add("fold-shape-then-gather-out-of-range",
    lambda d: model([N("Shape", ["x"], ["s"], "shape"), N("Gather", ["s", "i"], ["y"], GA, axis=0)],
                    [vi("x", [2, 3])], [vi("y", [], I64)], [const("i", np.int64(5))]),
    node_name=GA)
SL = "suspect_slice"


def _slice(starts, ends, axes=None, steps=None, in_shape=(4, 5), out_shape=(4, 5)):
    inits = {"st": a64(*starts), "en": a64(*ends)}
    ins = ["x", "st", "en"]
    if axes is not None:
        inits["ax"] = a64(*axes)
        ins.append("ax")
    if steps is not None:
        if axes is None:
            inits["ax"] = a64(*range(len(starts)))
            ins.append("ax")
        inits["sp"] = a64(*steps)
        ins.append("sp")
    return lambda d: model([N("Slice", ins, ["y"], SL)], [vi("x", list(in_shape))],
                           [vi("y", list(out_shape))], [const(k, v) for k, v in inits.items()])


add("slice-step-zero", _slice([0], [4], [0], [0]), node_name=SL)
add("slice-axes-repeated", _slice([0, 1], [4, 3], [0, 0]), node_name=SL)
add("slice-axes-out-of-range", _slice([0], [4], [5]), node_name=SL)
add("slice-step-int64min", _slice([3], [0], [0], [I64MIN]), node_name=SL)
add("slice-starts-after-ends", _slice([3], [1], [0], out_shape=(0, 5)), node_name=SL,
    expect="either")
X45 = np.arange(20, dtype=np.float32).reshape(4, 5)
add("slice-int64-extremes-valid", _slice([I64MIN, I64MIN], [I64MAX, I64MAX]), node_name=SL,
    expect="ok", run={"inputs": {"x": X45}, "expected": {"y": X45}})
add("slice-negative-starts-valid", _slice([-2], [I64MAX], [1], out_shape=(4, 2)), node_name=SL,
    expect="ok", run={"inputs": {"x": X45}, "expected": {"y": X45[:, -2:]}})
TR = "suspect_trilu"
for label, k, want in [("int64min", I64MIN, np.ones((3, 3), np.int64)),
                       ("int64max", I64MAX, np.zeros((3, 3), np.int64))]:
    fold_case(f"fold-trilu-k-{label}", [N("Trilu", ["v", "k"], ["c"], TR, upper=1)],
              {"v": np.ones((3, 3), np.int64), "k": np.int64(k)}, [3, 3], expected=want,
              node_name=TR)
fold_case("fold-bitshift-by-8-and-255",
          [N("BitShift", ["v", "s"], ["c"], "suspect_shift", direction="LEFT")],
          {"v": np.array([1, 255, 3], np.uint8), "s": np.array([8, 255, 1], np.uint8)}, [3],
          expected=[0, 0, 6], dtype=U8, np_dtype=np.uint8, opset=18, node_name="suspect_shift")
fold_case("fold-bitshift-right-by-200",
          [N("BitShift", ["v", "s"], ["c"], "suspect_shift", direction="RIGHT")],
          {"v": np.array([128, 255], np.uint8), "s": np.array([200, 7], np.uint8)}, [2],
          expected=[0, 1], dtype=U8, np_dtype=np.uint8, opset=18, node_name="suspect_shift")
fold_case("fold-concat-rank-mismatch", [N("Concat", ["a", "b"], ["c"], "suspect_concat", axis=0)],
          {"a": a64(1, 2), "b": np.array([[3]], np.int64)}, [3], expect="error",
          node_name="suspect_concat")
fold_case("fold-equal-broadcast-mismatch",
          [N("Equal", ["a", "b"], ["e"], "suspect_equal"), N("Cast", ["e"], ["c"], "cast", to=I64)],
          {"a": a64(1, 2, 3), "b": a64(1, 2)}, [3], expect="error", node_name="suspect_equal")
fold_case("fold-reshape-constant-bad-size",
          [N("Reshape", ["v", "s"], ["c"], "suspect_reshape")],
          {"v": a64(1, 2, 3), "s": a64(2, 2)}, [2, 2], expect="error", node_name="suspect_reshape")
fold_case("fold-matmul-int64-rank1",
          [N("MatMul", ["a", "b"], ["c"], "mm")],
          {"a": a64(1, 2, 3), "b": a64(4, 5, 6)}, [], expected=32, expect="either")
