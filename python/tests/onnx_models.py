#!/usr/bin/env python3
"""Small ONNX models, one per importer feature, for the lit tests.

Usage: onnx_models.py NAME OUT.onnx   (run with /usr/bin/python3)
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
MODELS = {}


def model(fn):
    MODELS[fn.__name__] = fn
    return fn


def make(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "test", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def value(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


@model
def binary():
    ops = ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"]
    nodes = [helper.make_node(op, ["a", "b"], [op.lower()], name=f"n_{op.lower()}")
             for op in ops]
    nodes.append(helper.make_node("Equal", ["a", "b"], ["eq"], name="n_equal"))
    nodes.append(helper.make_node("Where", ["eq", "a", "b"], ["where"], name="n_where"))
    outs = [value(op.lower(), [2, 3, 4]) for op in ops] + [value("where", [2, 3, 4])]
    return make(nodes, [value("a", [2, 3, 4]), value("b", [3, 1])], outs)


@model
def bitwise():
    """BitwiseAnd and BitShift on run-time uint8 data (opset 18)."""
    N = helper.make_node
    nodes = [N("BitwiseAnd", ["p", "mask"], ["a"], name="and"),
             N("BitShift", ["a", "two"], ["r"], name="shr", direction="RIGHT"),
             N("BitShift", ["p", "two"], ["l"], name="shl", direction="LEFT")]
    inits = [const("mask", np.uint8(12)), const("two", np.uint8(2))]
    u8 = TensorProto.UINT8
    return make(nodes, [value("p", [4], u8)], [value("r", [4], u8), value("l", [4], u8)],
                inits, opset=18)


@model
def compare():
    """Comparisons to bool and the logical ops on their results (a decoder's
    position-based attention mask)."""
    N = helper.make_node
    nodes = [N("Greater", ["a", "b"], ["gt"], name="gt"),
             N("Less", ["a", "b"], ["lt"], name="lt"),
             N("GreaterOrEqual", ["a", "b"], ["ge"], name="ge"),
             N("LessOrEqual", ["a", "b"], ["le"], name="le"),
             N("Or", ["gt", "lt"], ["or"], name="or"),
             N("And", ["ge", "le"], ["and"], name="and"),
             N("Xor", ["or", "and"], ["xor"], name="xor"),
             N("Not", ["xor"], ["not"], name="not")]
    B = TensorProto.BOOL
    return make(nodes, [value("a", [2, 3]), value("b", [3])], [value("not", [2, 3], B)])


@model
def compare_unsigned():
    u8 = TensorProto.UINT8
    node = helper.make_node("Greater", ["a", "b"], ["gt"], name="gt_u8")
    return make([node], [value("a", [4], u8), value("b", [4], u8)],
                [value("gt", [4], TensorProto.BOOL)])


@model
def kv_cache_graph():
    """The smallest decoder-like graph with a key-value cache: the new
    entries are embeddings of the tokens, appended to the past on axis 2."""
    N = helper.make_node
    table = np.arange(20, dtype=np.float32).reshape(10, 2)
    nodes = [N("Gather", ["table", "input_ids"], ["logits"], name="embed"),
             N("Unsqueeze", ["logits", "one"], ["entries"], name="heads"),
             N("Concat", ["past_key_values.0.key", "entries"], ["present.0.key"],
               name="append", axis=2)]
    I64 = TensorProto.INT64
    return make(nodes,
                [value("input_ids", [1, "seq"], I64),
                 value("past_key_values.0.key", [1, 1, "past", 2])],
                [value("logits", [1, "seq", 2]), value("present.0.key", [1, 1, "total", 2])],
                [const("table", table), const("one", np.array([1], np.int64))])


@model
def unary():
    ops = ["Abs", "Neg", "Reciprocal", "Sqrt", "Exp", "Tanh", "Sigmoid", "Erf",
           "Cos", "Sin", "Round", "Relu", "Identity"]
    nodes = [helper.make_node(op, ["x"], [op.lower()], name=f"n_{op.lower()}")
             for op in ops]
    nodes.append(helper.make_node("Clip", ["x", "lo"], ["clip_min"], name="n_clip_min"))
    nodes.append(helper.make_node("Clip", ["x", "lo", "hi"], ["clip"], name="n_clip"))
    nodes.append(helper.make_node("Cast", ["x"], ["cast"], name="n_cast",
                                  to=TensorProto.INT32))
    outs = [value(op.lower(), [5]) for op in ops]
    outs += [value("clip_min", [5]), value("clip", [5]),
             value("cast", [5], TensorProto.INT32)]
    inits = [const("lo", np.float32(-1.5)), const("hi", np.float32(2.0))]
    return make(nodes, [value("x", [5])], outs, inits)


@model
def matmul():
    w = const("w", np.arange(12, dtype=np.float32).reshape(4, 3))
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"], name="proj"),
             helper.make_node("MatMul", ["q", "k"], ["s"], name="scores")]
    return make(nodes, [value("x", [2, 5, 4]), value("q", [2, 3, 5, 4]),
                        value("k", [2, 3, 4, 5])],
                [value("y", [2, 5, 3]), value("s", [2, 3, 5, 5])], [w])


@model
def layout():
    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], name="swap", perm=[0, 2, 1]),
        helper.make_node("Reshape", ["x", "shape"], ["r"], name="merge"),
        helper.make_node("Constant", [], ["c"], name="cst",
                         value=helper.make_tensor("v", F, [2], [1.0, 2.0])),
    ]
    return make(nodes, [value("x", [2, 3, 4])],
                [value("t", [2, 4, 3]), value("r", [6, 4]), value("c", [2])],
                [const("shape", np.array([6, -1], dtype=np.int64))])


@model
def layout_runtime():
    """Layout ops on run-time data (their shape parameters are constants)."""
    N = helper.make_node
    i64 = lambda name, v: const(name, np.array(v, dtype=np.int64))  # noqa: E731
    nodes = [
        N("Gather", ["table", "ids"], ["emb"], name="embed", axis=0),
        N("Gather", ["x", "cols"], ["picked"], name="pick_cols", axis=1),
        N("Concat", ["x", "x"], ["cat"], name="cat", axis=1),
        N("Slice", ["x", "s_start", "s_end", "s_axes"], ["sl"], name="slice"),
        N("Split", ["x", "split"], ["sp0", "sp1"], name="split", axis=2),
        N("Unsqueeze", ["x", "ax1"], ["un"], name="unsqueeze"),
        N("Squeeze", ["un", "ax1"], ["sq"], name="squeeze"),
        N("Expand", ["row", "target"], ["ex"], name="expand"),
        N("Trilu", ["m"], ["tri"], name="triu", upper=1),
        N("Gemm", ["m", "g"], ["gm"], name="gemm", transB=1, alpha=0.5),
    ]
    inits = [i64("cols", [2, 0]), i64("s_start", [1]), i64("s_end", [3]),
             i64("s_axes", [2]), i64("split", [1, 3]), i64("ax1", [1]),
             i64("target", [3, 4])]
    inputs = [value("table", [10, 4]), value("ids", [2, 3], TensorProto.INT64),
              value("x", [2, 3, 4]), value("row", [1, 4]), value("m", [3, 3]),
              value("g", [2, 3])]
    outputs = [value("emb", [2, 3, 4]), value("picked", [2, 2, 4]),
               value("cat", [2, 6, 4]), value("sl", [2, 3, 2]), value("sp1", [2, 3, 3]),
               value("sq", [2, 3, 4]), value("ex", [3, 4]), value("tri", [3, 3]),
               value("gm", [3, 2])]
    return make(nodes, inputs, outputs, inits)


@model
def reduce():
    axes = const("axes", np.array([-1], dtype=np.int64))
    nodes = [
        helper.make_node("ReduceMean", ["x"], ["mean"], name="mean", axes=[-1]),
        helper.make_node("ReduceMax", ["x"], ["max"], name="max", axes=[1],
                         keepdims=0),
        helper.make_node("ReduceSum", ["x", "axes"], ["sum"], name="sum"),
        helper.make_node("Softmax", ["x"], ["sm"], name="softmax", axis=-1),
    ]
    return make(nodes, [value("x", [2, 3, 4])],
                [value("mean", [2, 3, 1]), value("max", [2, 4]),
                 value("sum", [2, 3, 1]), value("sm", [2, 3, 4])], [axes])


@model
def dynamic_input():
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="act")]
    return make(nodes, [value("x", [1, "seq", 8])], [value("y", [1, "seq", 8])])


@model
def unsupported_op():
    nodes = [helper.make_node("Foo", ["x"], ["y"], name="mystery")]
    return make(nodes, [value("x", [2])], [value("y", [2])])


@model
def custom_domain():
    nodes = [helper.make_node("Gelu", ["x"], ["y"], name="gelu",
                              domain="com.microsoft")]
    return make(nodes, [value("x", [2])], [value("y", [2])])


@model
def old_opset():
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="act")]
    return make(nodes, [value("x", [2])], [value("y", [2])], opset=11)


@model
def reshape_overflow():
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["y"], name="huge")]
    return make(nodes, [value("x", [2])], [value("y", None)],
                [const("shape", np.array([2**40, 2**40], dtype=np.int64))])


@model
def undefined_input():
    nodes = [helper.make_node("Add", ["x", "ghost"], ["y"], name="add")]
    return make(nodes, [value("x", [2])], [value("y", [2])])


@model
def string_initializer():
    t = helper.make_tensor("names", TensorProto.STRING, [1], [b"a"])
    nodes = [helper.make_node("Identity", ["names"], ["y"], name="id")]
    return make(nodes, [], [value("y", [1], TensorProto.STRING)], [t])


@model
def large_weight():
    w = const("big_w", np.ones((64, 32), dtype=np.float32))
    nodes = [helper.make_node("MatMul", ["x", "big_w"], ["y"], name="proj")]
    return make(nodes, [value("x", [1, 64])], [value("y", [1, 32])], [w])


@model
def shape_machinery():
    """The shape arithmetic torch.onnx.export emits around a reshape:
    everything here is computable at import from the static input shape."""
    N = helper.make_node
    def i64(name, v):
        return const(name, np.array(v, dtype=np.int64))
    nodes = [
        N("Shape", ["x"], ["shape"], name="shape"),
        N("Gather", ["shape", "idx1"], ["seq"], name="seq_len", axis=0),
        N("Unsqueeze", ["seq", "axes0"], ["seq1"], name="seq_1d"),
        N("Concat", ["one", "seq1", "minus1"], ["target"], name="target", axis=0),
        N("Equal", ["target", "minus1_3"], ["is_neg"], name="is_neg"),
        N("ConstantOfShape", ["three"], ["ones3"], name="ones",
          value=helper.make_tensor("v", TensorProto.INT64, [1], [1])),
        N("Where", ["is_neg", "ones3", "target"], ["safe"], name="safe"),
        N("Range", ["zero", "seq", "one_s"], ["positions"], name="positions"),
        N("Slice", ["target", "s0", "s2"], ["head"], name="head"),
        N("Split", ["safe", "split"], ["p0", "p1"], name="split", axis=0),
        N("Squeeze", ["seq1", "axes0"], ["seq0"], name="squeeze"),
        N("Reshape", ["x", "target"], ["y"], name="reshape"),
        N("Expand", ["x", "safe"], ["e"], name="expand"),
    ]
    inits = [i64("idx1", 0), i64("axes0", [0]), i64("one", [1]), i64("minus1", [-1]),
             i64("minus1_3", [-1, -1, -1]), i64("three", [3]), i64("zero", 0),
             i64("one_s", 1), i64("s0", [0]), i64("s2", [2]), i64("split", [2, 1])]
    outs = [value("y", [1, 5, 6]), value("positions", [5], TensorProto.INT64),
            value("head", [2], TensorProto.INT64), value("p1", [1], TensorProto.INT64),
            value("seq0", [], TensorProto.INT64), value("e", [1, 5, 6])]
    return make(nodes, [value("x", [5, 6])], outs, inits)


@model
def quantization():
    """QuantizeLinear to uint8 (default) and int8, DequantizeLinear, and
    MatMulInteger of uint8 x int8 with zero points."""
    N = helper.make_node
    nodes = [
        N("QuantizeLinear", ["x", "scale"], ["qu8"], name="quant_u8"),
        N("QuantizeLinear", ["x", "scale", "zp_i8"], ["qi8"], name="quant_i8"),
        N("DequantizeLinear", ["qu8", "scale", "zp_u8"], ["deq"], name="dequant"),
        N("MatMulInteger", ["a", "b", "a_zp", "b_zp"], ["mm"], name="mmint"),
    ]
    inits = [const("scale", np.float32(0.5)), const("zp_i8", np.int8(-3)),
             const("zp_u8", np.uint8(128)), const("a_zp", np.uint8(12)),
             const("b_zp", np.int8(0))]
    return make(nodes, [value("x", [2, 4]), value("a", [2, 3], TensorProto.UINT8),
                        value("b", [3, 5], TensorProto.INT8)],
                [value("qu8", [2, 4], TensorProto.UINT8),
                 value("qi8", [2, 4], TensorProto.INT8), value("deq", [2, 4]),
                 value("mm", [2, 5], TensorProto.INT32)], inits)


def bitlinear_graph(act_form="reciprocal", weight_form="fake_quant",
                    act_bounds=(-128.0, 127.0), ste=True, scale_after=None):
    """One BitLinear y = x W^T with x [1, 3, 8], W [5, 8], in a chosen form.

    act_form: "reciprocal" (torch: 127 * 1/clip) or "div" (127 / clip).
    weight_form: "fake_quant" (absmean ternarization of W), "ternary"
    (W^T already ternary-valued, [in, out]), "ternary_t" (ternary-valued W
    behind a Transpose) or "plain" (an ordinary float weight).
    """
    rng = np.random.default_rng(5)
    w = (rng.standard_normal((5, 8)) * 0.1).astype(np.float32)
    nodes, inits = [], [const("w", w), const("c127", np.float32(127.0)),
                        const("floor", np.float32(1e-5)),
                        const("lo", np.float32(act_bounds[0])),
                        const("hi", np.float32(act_bounds[1])),
                        const("one", np.float32(1.0)),
                        const("m1", np.float32(-1.0))]
    N = helper.make_node
    nodes += [N("Abs", ["x"], ["ax"], name="act_abs"),
              N("ReduceMax", ["ax"], ["mx"], name="act_max", axes=[-1], keepdims=1),
              N("Clip", ["mx", "floor"], ["mc"], name="act_floor")]
    if act_form == "div":
        nodes.append(N("Div", ["c127", "mc"], ["s"], name="act_scale"))
    else:
        nodes += [N("Reciprocal", ["mc"], ["rs"], name="act_recip"),
                  N("Mul", ["rs", "c127"], ["s"], name="act_scale")]
    nodes += [N("Mul", ["x", "s"], ["xs"], name="act_mul"),
              N("Round", ["xs"], ["xr"], name="act_round"),
              N("Clip", ["xr", "lo", "hi"], ["xc"], name="act_clip"),
              N("Div", ["xc", "s"], ["xq"], name="act_dequant")]
    if ste:
        nodes += [N("Sub", ["xq", "x"], ["xd"], name="act_ste_sub"),
                  N("Add", ["x", "xd"], ["xa"], name="act_ste")]
    else:
        nodes.append(N("Identity", ["xq"], ["xa"], name="act_out"))

    if weight_form == "fake_quant":
        nodes += [N("Abs", ["w"], ["aw"], name="w_abs"),
                  N("ReduceMean", ["aw"], ["mw"], name="w_mean", keepdims=0),
                  N("Clip", ["mw", "floor"], ["cw"], name="w_floor"),
                  N("Reciprocal", ["cw"], ["gw"], name="w_scale"),
                  N("Mul", ["w", "gw"], ["ws"], name="w_mul"),
                  N("Round", ["ws"], ["wr"], name="w_round"),
                  N("Clip", ["wr", "m1", "one"], ["wc"], name="w_clip"),
                  N("Div", ["wc", "gw"], ["wq"], name="w_dequant"),
                  N("Sub", ["wq", "w"], ["wd"], name="w_ste_sub"),
                  N("Add", ["w", "wd"], ["wa"], name="w_ste"),
                  N("Transpose", ["wa"], ["wt"], name="w_t", perm=[1, 0])]
    elif weight_form == "ternary":
        t = np.sign(np.round(w / np.abs(w).mean())).astype(np.float32) * 0.25
        inits.append(const("wtern", t.T.copy()))
        nodes.append(N("Identity", ["wtern"], ["wt"], name="w_id"))
    elif weight_form == "ternary_t":
        t = np.sign(np.round(w / np.abs(w).mean())).astype(np.float32) * 0.25
        inits.append(const("wtern", t))
        nodes.append(N("Transpose", ["wtern"], ["wt"], name="w_t", perm=[1, 0]))
    else:
        nodes.append(N("Transpose", ["w"], ["wt"], name="w_t", perm=[1, 0]))
    if scale_after is None:
        nodes.append(N("MatMul", ["xa", "wt"], ["y"], name="proj"))
    else:
        # AutoBitLinear offline: the product times weight_scale.
        inits.append(const("weight_scale", np.array([scale_after], np.float32)))
        nodes += [N("MatMul", ["xa", "wt"], ["p"], name="proj"),
                  N("Mul", ["p", "weight_scale"], ["y"], name="scale")]
    return make(nodes, [value("x", [1, 3, 8])], [value("y", [1, 3, 5])], inits)


@model
def ffn_2b4t_form(d=16, f=40, tokens=3, seed=11):
    """A BitNet FFN block written by hand the way 2B4T's reference code
    reads (not torch's export): RMSNorm as x / sqrt(mean(x*x) + eps); one
    int8 fake quantization feeding gate and up; weights fake-quantized in
    the graph as clip(round(W / g), -1, 1) * g with g = clip(mean|W| over
    all axes, keepdims 0, min only); ReLU^2 GLU; the down projection with
    its own activation quantization; the residual."""
    rng = np.random.default_rng(seed)
    N = helper.make_node
    nodes = []
    inits = [const("eps", np.float32(1e-5)), const("floor", np.float32(1e-5)),
             const("c127", np.float32(127.0)), const("lo", np.float32(-128.0)),
             const("hi", np.float32(127.0)), const("one", np.float32(1.0)),
             const("m1", np.float32(-1.0)), const("two", np.float32(2.0)),
             const("norm_w", (1 + 0.1 * rng.standard_normal(d)).astype(np.float32))]

    def act_quant(x, out):
        nodes.extend([
            N("Abs", [x], [x + "_abs"]),
            N("ReduceMax", [x + "_abs"], [x + "_max"], axes=[-1], keepdims=1),
            N("Clip", [x + "_max", "floor"], [x + "_m"]),
            N("Div", ["c127", x + "_m"], [x + "_s"]),
            N("Mul", [x, x + "_s"], [x + "_xs"]),
            N("Round", [x + "_xs"], [x + "_r"]),
            N("Clip", [x + "_r", "lo", "hi"], [x + "_q"]),
            N("Div", [x + "_q", x + "_s"], [out])])

    def weight(name, shape):
        inits.append(const(name, (0.05 * rng.standard_normal(shape)).astype(np.float32)))
        nodes.extend([
            N("Abs", [name], [name + "_abs"]),
            N("ReduceMean", [name + "_abs"], [name + "_mean"], keepdims=0),
            N("Clip", [name + "_mean", "floor"], [name + "_g"]),
            N("Div", [name, name + "_g"], [name + "_d"]),
            N("Round", [name + "_d"], [name + "_r"]),
            N("Clip", [name + "_r", "m1", "one"], [name + "_t"]),
            N("Mul", [name + "_t", name + "_g"], [name + "_q"]),
            N("Transpose", [name + "_q"], [name + "_qt"], perm=[1, 0])])
        return name + "_qt"

    nodes += [N("Mul", ["x", "x"], ["sq"]),
              N("ReduceMean", ["sq"], ["ms"], axes=[-1], keepdims=1),
              N("Add", ["ms", "eps"], ["mse"]),
              N("Sqrt", ["mse"], ["rms"]),
              N("Div", ["x", "rms"], ["xn"]),
              N("Mul", ["xn", "norm_w"], ["h"])]
    act_quant("h", "hq")
    gate, up, down = weight("w_gate", (f, d)), weight("w_up", (f, d)), weight("w_down", (d, f))
    nodes += [N("MatMul", ["hq", gate], ["g"], name="gate_proj"),
              N("MatMul", ["hq", up], ["u"], name="up_proj"),
              N("Relu", ["g"], ["gr"]),
              N("Pow", ["gr", "two"], ["g2"]),
              N("Mul", ["g2", "u"], ["glu"])]
    act_quant("glu", "gluq")
    nodes += [N("MatMul", ["gluq", down], ["dn"], name="down_proj"),
              N("Add", ["x", "dn"], ["y"])]
    return make(nodes, [value("x", [1, tokens, d])], [value("y", [1, tokens, d])], inits)


def scatternd_graph(indices, reduction="none", runtime_indices=False):
    """ScatterND into run-time data [4, 3] (the importer's errors)."""
    N = helper.make_node
    indices = np.asarray(indices, np.int64)
    inputs = [value("data", [4, 3]), value("updates", list(indices.shape[:-1]) + [3])]
    inits = []
    if runtime_indices:
        inputs.append(value("idx", list(indices.shape), TensorProto.INT64))
    else:
        inits.append(const("idx", indices))
    node = N("ScatterND", ["data", "idx", "updates"], ["y"], name="scatter",
             reduction=reduction)
    return make([node], inputs, [value("y", [4, 3])], inits, opset=18)


@model
def scatternd_runtime_indices():
    return scatternd_graph([[1]], runtime_indices=True)


@model
def scatternd_reduction():
    return scatternd_graph([[1]], reduction="add")


@model
def scatternd_out_of_range():
    return scatternd_graph([[1], [4]])


@model
def scatternd_rows():
    """Rows 3, 0, 1 and -2 (= 2): a single row, then one run of three."""
    return scatternd_graph([[3], [0], [1], [-2]])


@model
def bitlinear_torch_form():
    return bitlinear_graph()


@model
def bitlinear_div_form():
    return bitlinear_graph(act_form="div", ste=False)


@model
def bitlinear_ternary_weight():
    return bitlinear_graph(weight_form="ternary")


@model
def bitlinear_autobitlinear_offline():
    """Ternary-valued weight (gamma 0.25), the product multiplied by
    weight_scale 2 afterwards, as transformers' AutoBitLinear (offline)."""
    return bitlinear_graph(weight_form="ternary", scale_after=2.0)


@model
def bitlinear_ternary_transposed():
    return bitlinear_graph(weight_form="ternary_t")


@model
def bitlinear_wrong_clip():
    return bitlinear_graph(act_bounds=(-127.0, 127.0))


@model
def bitlinear_float_weight():
    return bitlinear_graph(weight_form="plain")


def hf_packed_weights(m=12, k=8, seed=3):
    """Ternary W [m, k] and its Hugging Face packing: uint8 [m/4, k] where
    bits 2i..2i+1 of packed[r, c] hold W[i*(m/4) + r, c] + 1 (DESIGN 4)."""
    rng = np.random.default_rng(seed)
    w = rng.integers(-1, 2, size=(m, k)).astype(np.int8)
    rows = m // 4
    packed = np.zeros((rows, k), dtype=np.uint8)
    for i in range(4):
        packed |= ((w[i * rows:(i + 1) * rows] + 1).astype(np.uint8) << (2 * i))
    return w, packed


@model
def bitlinear_hf_packed(m=12, k=8, unpack="concat"):
    """Form (c): a Hugging Face BitLinear (transformers integrations/bitnet.py)
    as a current exporter writes it: the packed uint8 weight is unpacked with
    BitwiseAnd/BitShift/Concat (`unpack="scatter"`: as torch's dynamo
    exporter writes the slice assignments, see bitlinear_hf_scatter),
    activations are int8 codes, and the product is divided by (input_scale *
    weight_scale), weight_scale = 1/gamma."""
    w, packed = hf_packed_weights(m, k)
    N = helper.make_node
    inits = [const("packed", packed), const("weight_scale", np.array([8.0], np.float32)),
             const("c127", np.float32(127.0)), const("floor", np.float32(1e-5)),
             const("lo", np.float32(-128.0)), const("hi", np.float32(127.0)),
             const("one", np.float32(1.0))]
    nodes, parts = [], []
    for i in range(4):
        inits += [const(f"mask{i}", np.uint8(3 << (2 * i))), const(f"shift{i}", np.uint8(2 * i))]
        nodes += [N("BitwiseAnd", ["packed", f"mask{i}"], [f"and{i}"], name=f"unpack_and{i}"),
                  N("BitShift", [f"and{i}", f"shift{i}"], [f"sh{i}"], name=f"unpack_shift{i}",
                    direction="RIGHT")]
        parts.append(f"sh{i}")
    if unpack == "concat":
        nodes.append(N("Concat", parts, ["codes"], name="unpack_concat", axis=0))
    else:
        # codes = zeros; codes[i*rows:(i+1)*rows] = part i, as ScatterND with
        # int8 updates into uint8 data; the exporter's emulation of a signed
        # shift (Where(x < 0, (x >> s) | high_bits, x >> s)) on uint8 data;
        # the last part already folded by the exporter into an int8 constant.
        rows = m // 4
        inits += [const("zeros", np.zeros((m, k), np.uint8)), const("zero_u8", np.uint8(0))]
        previous = "zeros"
        for i in range(4):
            inits.append(const(f"rows{i}", np.arange(i * rows, (i + 1) * rows,
                                                     dtype=np.int64)[:, None]))
            if i == 3:
                inits.append(const("part3", (w[3 * rows:] + 1).astype(np.int8)))
                update = "part3"
            else:
                inits.append(const(f"high{i}", np.uint8((0xFF << (8 - 2 * i)) & 0xFF)))
                nodes += [N("Less", [f"and{i}", "zero_u8"], [f"neg{i}"]),
                          N("BitwiseOr", [f"sh{i}", f"high{i}"], [f"ext{i}"]),
                          N("Cast", [f"ext{i}"], [f"ext_s{i}"], to=TensorProto.INT8),
                          N("Cast", [f"sh{i}"], [f"sh_s{i}"], to=TensorProto.INT8),
                          N("Where", [f"neg{i}", f"ext_s{i}", f"sh_s{i}"], [f"part{i}"])]
                update = f"part{i}"
            nodes.append(N("ScatterND", [previous, f"rows{i}", update], [f"scatter{i}"],
                           name=f"unpack_scatter{i}"))
            previous = f"scatter{i}"
        nodes.append(N("Identity", [previous], ["codes"]))
    nodes += [N("Cast", ["codes"], ["codes_f"], name="unpack_cast", to=TensorProto.FLOAT),
              N("Sub", ["codes_f", "one"], ["w"], name="unpack_sub"),
              N("Transpose", ["w"], ["wt"], name="w_t", perm=[1, 0]),
              N("Abs", ["x"], ["ax"], name="act_abs"),
              N("ReduceMax", ["ax"], ["mx"], name="act_max", axes=[-1], keepdims=1),
              N("Clip", ["mx", "floor"], ["mc"], name="act_floor"),
              N("Div", ["c127", "mc"], ["s"], name="act_scale"),
              N("Mul", ["x", "s"], ["xs"], name="act_mul"),
              N("Round", ["xs"], ["xr"], name="act_round"),
              N("Clip", ["xr", "lo", "hi"], ["xc"], name="act_clip"),
              N("Cast", ["xc"], ["q"], name="act_codes", to=TensorProto.INT8),
              N("Cast", ["q"], ["qf"], name="act_codes_f", to=TensorProto.FLOAT),
              N("MatMul", ["qf", "wt"], ["acc"], name="proj"),
              N("Mul", ["s", "weight_scale"], ["denom"], name="rescale_denom"),
              N("Div", ["acc", "denom"], ["y"], name="rescale")]
    return make(nodes, [value("x", [1, 3, k])], [value("y", [1, 3, m])], inits,
                opset=18)


@model
def bitlinear_hf_packed_resource():
    """Form (c) with a packed weight over the importer's 1 KiB limit for
    plain constants (16 x 80 bytes): it stays a dense_resource and its
    unpacking stays in the IR for the raise pass to read."""
    return bitlinear_hf_packed(m=64, k=80)


@model
def bitlinear_hf_scatter():
    """Form (c) unpacked the way PyTorch 2.11's dynamo exporter writes
    transformers' BitLinear (test/fixtures/hf_bitnet, hf_packed): slice
    assignments as ScatterND of int8 updates into uint8 data, a signed-shift
    emulation with Less/BitwiseOr/Where on uint8, one part folded by the
    exporter; over 1 KiB, so the raise reads it from the packed bytes."""
    return bitlinear_hf_packed(m=64, k=80, unpack="scatter")



# ONNX Runtime's n-bit weights: com.microsoft MatMulNBits (docs/importer.md).

def pack_nbits(codes, bits, block_size):
    """Codes uint8 [N, K] -> MatMulNBits' B [N, n_blocks, blob_size]: each
    block padded to block_size with zeros, codes packed little-endian (code
    j of a byte in bits j*bits .. j*bits + bits - 1)."""
    n, k = codes.shape
    blocks = -(-k // block_size)
    padded = np.zeros((n, blocks * block_size), np.uint8)
    padded[:, :k] = codes
    per = 8 // bits
    grouped = padded.reshape(n, blocks, block_size // per, per)
    packed = np.zeros((n, blocks, block_size // per), np.uint8)
    for j in range(per):
        packed |= (grouped[..., j] << (bits * j)).astype(np.uint8)
    return packed


def pack_zero_points(zp, bits):
    """Zero points uint8 [N, n_blocks] -> [N * ceil(n_blocks * bits / 8)],
    packed per row like the codes."""
    n, blocks = zp.shape
    per = 8 // bits
    padded = np.zeros((n, -(-blocks // per) * per), np.uint8)
    padded[:, :blocks] = zp
    grouped = padded.reshape(n, -1, per)
    packed = np.zeros(grouped.shape[:2], np.uint8)
    for j in range(per):
        packed |= (grouped[..., j] << (bits * j)).astype(np.uint8)
    return packed.reshape(-1)


def dequantize_nbits(codes, scales, zero_points, block_size):
    """The dequantized weight [N, K] of MatMulNBits (numpy, for tests):
    (code - zero_point) * scale per block."""
    n, k = codes.shape
    col_block = np.arange(k) // block_size
    zp = np.asarray(zero_points, np.float32).reshape(n, -1)[:, col_block]
    s = np.asarray(scales, np.float32).reshape(n, -1)[:, col_block]
    return ((codes.astype(np.float32) - zp) * s).astype(np.float32)


def act_fake_quant(nodes, inits, x, out):
    """BitNet's per-token absmax int8 fake quantization of x (the Div form
    bitnet-raise-bitlinear recognises)."""
    N = helper.make_node
    inits += [const("c127", np.float32(127.0)), const("floor", np.float32(1e-5)),
              const("lo", np.float32(-128.0)), const("hi", np.float32(127.0))]
    nodes += [N("Abs", [x], ["ax"], name="act_abs"),
              N("ReduceMax", ["ax"], ["mx"], name="act_max", axes=[-1], keepdims=1),
              N("Clip", ["mx", "floor"], ["mc"], name="act_floor"),
              N("Div", ["c127", "mc"], ["s"], name="act_scale"),
              N("Mul", [x, "s"], ["xs"], name="act_mul"),
              N("Round", ["xs"], ["xr"], name="act_round"),
              N("Clip", ["xr", "lo", "hi"], ["xc"], name="act_clip"),
              N("Div", ["xc", "s"], [out], name="act_dequant")]


def nbits_graph(codes, scales, bits=2, block_size=32, zero_points=None,
                fake_quant=False, bias=None, a_shape=None, elem=F, attrs=None,
                as_inputs=(), extra_inputs=(), k_attr=None):
    """x -> [BitNet activation fake quantization] -> MatMulNBits -> y, with
    B packed from `codes` [N, K], and `scales` / `zero_points` [N, n_blocks]
    (uint8 zero points are packed, float ones are not)."""
    n, k = codes.shape
    a_shape = a_shape or [1, 3, k]
    np_elem = np.float16 if elem == TensorProto.FLOAT16 else np.float32
    nodes, inits = [], [const("B", pack_nbits(codes, bits, block_size)),
                        const("scales", np.asarray(scales, np_elem).reshape(-1))]
    inputs = ["a", "B", "scales", "", "", ""]
    if zero_points is not None:
        zp = np.asarray(zero_points)
        if zp.dtype == np.uint8:
            zp = pack_zero_points(zp, bits)
        elif zp.dtype.kind == "f":
            zp = zp.astype(np_elem).reshape(-1)
        inits.append(const("zero_points", zp))
        inputs[3] = "zero_points"
    if bias is not None:
        inits.append(const("bias", np.asarray(bias, np_elem)))
        inputs[5] = "bias"
    for i, name in extra_inputs:
        inputs[i] = name
    while inputs[-1] == "":
        inputs.pop()
    if fake_quant:
        act_fake_quant(nodes, inits, "x", "a")
    else:
        nodes.append(helper.make_node("Identity", ["x"], ["a"], name="a_id"))
    attributes = dict(K=k if k_attr is None else k_attr, N=n, bits=bits,
                      block_size=block_size)
    attributes.update(attrs or {})
    attributes = {key: v for key, v in attributes.items() if v is not None}
    nodes.append(helper.make_node("MatMulNBits", inputs, ["y"], name="proj",
                                  domain="com.microsoft", **attributes))
    graph_inputs = [value("x", a_shape, elem)]
    for name in as_inputs:  # initializers made graph inputs (run-time values)
        (init,) = [i for i in inits if i.name == name]
        inits.remove(init)
        graph_inputs.append(value(name, list(init.dims), init.data_type))
    graph = helper.make_graph(nodes, "test", graph_inputs,
                              [value("y", a_shape[:-1] + [n], elem)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                   helper.make_opsetid("com.microsoft", 1)])


def ternary_codes(n=16, k=64, seed=7):
    """Codes 1, 2, 3 (= -1, 0, +1 around the default zero point 2)."""
    rng = np.random.default_rng(seed)
    return (rng.integers(-1, 2, size=(n, k)) + 2).astype(np.uint8)


@model
def matmul_nbits_ternary():
    """2-bit ternary weights, one scale (0.25) for the whole tensor, behind
    BitNet's activation fake quantization: raised to bitnet.bitlinear."""
    codes = ternary_codes()
    return nbits_graph(codes, np.full((16, 2), 0.25), fake_quant=True)


@model
def matmul_nbits_ternary_float_act():
    """The same weights on float activations (and a bias): a float product."""
    codes = ternary_codes()
    bias = np.linspace(-1, 1, 16).astype(np.float32)
    return nbits_graph(codes, np.full((16, 2), 0.25), bias=bias)


@model
def matmul_nbits_ternary_rows():
    """Ternary weights with one scale per output row and explicit (packed)
    zero points: bitnet.bitlinear with scale 1, then a multiply per row."""
    codes = ternary_codes(seed=8)
    scales = np.repeat(np.linspace(0.1, 0.4, 16, dtype=np.float32)[:, None], 2, 1)
    return nbits_graph(codes, scales, zero_points=np.full((16, 2), 2, np.uint8),
                       fake_quant=True)


@model
def matmul_nbits_ternary_blocks():
    """Ternary within each block, but the scale changes along K."""
    codes = ternary_codes(seed=9)
    scales = np.tile(np.array([[0.25, 0.5]], np.float32), (16, 1))
    return nbits_graph(codes, scales, fake_quant=True)


def random_nbits(seed, n, k, bits, block_size, scale=(0.01, 0.1)):
    """Random codes [n, k] of `bits` bits and scales [n, n_blocks]."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 1 << bits, size=(n, k)).astype(np.uint8)
    scales = rng.uniform(*scale, size=(n, -(-k // block_size))).astype(np.float32)
    return rng, codes, scales


@model
def matmul_nbits_2bit():
    """General 2-bit weights (4 levels), packed zero points, K=80 (the last
    block padded), a bias and a 2-D A: a float product."""
    rng, codes, scales = random_nbits(11, 24, 80, bits=2, block_size=32)
    zp = rng.integers(0, 4, size=(24, 3)).astype(np.uint8)
    bias = rng.standard_normal(24).astype(np.float32)
    return nbits_graph(codes, scales, zero_points=zp, bias=bias, a_shape=[5, 80])


@model
def matmul_nbits_4bit():
    """4-bit weights, blocks of 16, packed zero points, accuracy_level 4."""
    rng, codes, scales = random_nbits(12, 20, 48, bits=4, block_size=16)
    zp = rng.integers(0, 16, size=(20, 3)).astype(np.uint8)
    return nbits_graph(codes, scales, bits=4, block_size=16, zero_points=zp,
                       attrs=dict(accuracy_level=4))


@model
def matmul_nbits_4bit_float_zp():
    """4-bit weights with float zero points (not packed)."""
    rng, codes, scales = random_nbits(13, 8, 32, bits=4, block_size=16)
    zp = rng.uniform(6, 9, size=(8, 2)).astype(np.float32)
    return nbits_graph(codes, scales, bits=4, block_size=16, zero_points=zp)


@model
def matmul_nbits_8bit():
    """8-bit weights, the default zero point 128, a 4-D A."""
    _, codes, scales = random_nbits(14, 12, 64, bits=8, block_size=32, scale=(0.001, 0.01))
    return nbits_graph(codes, scales, bits=8, a_shape=[2, 1, 3, 64])


@model
def matmul_nbits_f16():
    """float16 A, scales and bias with 4-bit weights."""
    _, codes, scales = random_nbits(15, 8, 32, bits=4, block_size=32)
    return nbits_graph(codes, scales, bits=4, bias=np.ones(8), elem=TensorProto.FLOAT16)


def _nbits_bad(**kw):
    return nbits_graph(ternary_codes(), np.full((16, 2), 0.25), **kw)


@model
def matmul_nbits_bad_bits():
    return nbits_graph(ternary_codes(), np.full((16, 2), 0.25), attrs=dict(bits=3))


@model
def matmul_nbits_bad_block_size():
    return nbits_graph(ternary_codes(), np.full((16, 2), 0.25), attrs=dict(block_size=24))


@model
def matmul_nbits_missing_k():
    return _nbits_bad(attrs=dict(K=None))


@model
def matmul_nbits_k_mismatch():
    return _nbits_bad(a_shape=[1, 3, 60], k_attr=64)


@model
def matmul_nbits_b_shape():
    """B packed for block_size 32, the attribute says 16."""
    return _nbits_bad(attrs=dict(block_size=16))


@model
def matmul_nbits_scales_count():
    return nbits_graph(ternary_codes(), np.full((16, 3), 0.25))


@model
def matmul_nbits_zero_points_count():
    return _nbits_bad(zero_points=np.full((16, 2), 2.0, np.float32).reshape(-1)[:20])


@model
def matmul_nbits_runtime_b():
    return _nbits_bad(as_inputs=("B",))


@model
def matmul_nbits_g_idx():
    m = _nbits_bad(extra_inputs=[(4, "g_idx")])
    m.graph.initializer.append(const("g_idx", np.arange(64, dtype=np.int32) // 32))
    return m


@model
def matmul_nbits_bad_attr_kind():
    return _nbits_bad(attrs=dict(bits=2.0))


@model
def matmul_nbits_bad_k():
    return _nbits_bad(k_attr=0)


@model
def matmul_nbits_too_many_inputs():
    m = _nbits_bad(bias=np.zeros(16), extra_inputs=[(4, "")])
    m.graph.node[-1].input.append("bias")
    return m


@model
def matmul_nbits_int_a():
    return _nbits_bad(elem=TensorProto.INT32)


@model
def matmul_nbits_scales_type():
    m = _nbits_bad()
    scales = [i for i in m.graph.initializer if i.name == "scales"][0]
    scales.CopyFrom(const("scales", np.full(32, 0.25, np.float16)))
    return m


@model
def matmul_nbits_runtime_scales():
    return _nbits_bad(as_inputs=("scales",))


@model
def matmul_nbits_runtime_zero_points():
    return _nbits_bad(zero_points=np.full((16, 2), 2, np.uint8), as_inputs=("zero_points",))


@model
def matmul_nbits_zero_points_packed_count():
    return nbits_graph(ternary_codes(), np.full((16, 2), 0.25),
                       zero_points=np.full((16, 5), 2, np.uint8))


@model
def matmul_nbits_zero_points_type():
    return _nbits_bad(zero_points=np.full(32, 2, np.int32))


@model
def matmul_nbits_bias_shape():
    return _nbits_bad(bias=np.zeros(15))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MODELS:
        sys.exit(__doc__ + "models: " + " ".join(sorted(MODELS)))
    name, out = sys.argv[1], sys.argv[2]
    m = MODELS[name]()
    if name == "large_weight" and out.endswith(".escape.onnx"):
        # External data that points outside the model's directory.
        onnx.save(m, out, save_as_external_data=True, all_tensors_to_one_file=True,
                  location=os.path.basename(out) + ".data", size_threshold=0)
        m = onnx.load(out, load_external_data=False)
        for entry in m.graph.initializer[0].external_data:
            if entry.key == "location":
                entry.value = "../escape.data"
        onnx.save(m, out)
    elif name == "large_weight" and out.endswith(".external.onnx"):
        onnx.save(m, out, save_as_external_data=True, all_tensors_to_one_file=True,
                  location=os.path.basename(out) + ".data", size_threshold=0)
    else:
        onnx.save(m, out)


if __name__ == "__main__":
    main()
