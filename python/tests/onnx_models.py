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
def string_initializer():
    t = helper.make_tensor("names", TensorProto.STRING, [1], [b"a"])
    nodes = [helper.make_node("Identity", ["names"], ["y"], name="id")]
    return make(nodes, [], [value("y", [1], TensorProto.STRING)], [t])


@model
def large_weight():
    w = const("big_w", np.ones((64, 32), dtype=np.float32))
    nodes = [helper.make_node("MatMul", ["x", "big_w"], ["y"], name="proj")]
    return make(nodes, [value("x", [1, 64])], [value("y", [1, 32])], [w])


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MODELS:
        sys.exit(__doc__ + "models: " + " ".join(sorted(MODELS)))
    name, out = sys.argv[1], sys.argv[2]
    m = MODELS[name]()
    if name == "large_weight" and out.endswith(".external.onnx"):
        onnx.save(m, out, save_as_external_data=True, all_tensors_to_one_file=True,
                  location=os.path.basename(out) + ".data", size_threshold=0)
    else:
        onnx.save(m, out)


if __name__ == "__main__":
    main()
