"""Models the suite compiles once per run and reuses (built in the background
while the importer cases run; a case names the ones it uses in `needs`).

  relu       a valid one-op ONNX file (not compiled): the model for flag cases
  plain      y = Gather(emb[97, 16], ids i64[1, 4]) + x f32[1, 4, 16], compiled
             with bitnet-compile --emit=lib (weights in plain.so.weights);
             input_ids-like bounds: ids must lie in [0, 97)
  plain_exe  the same model as an executable (--emit=exe)
  decoder    the tiny BitNet decoder (1 layer, vocabulary 97) exported with
             key-value caches by python/bitnet_mlir/tiny_decoder.py, compiled
             with --max-context=16 --prefill-tokens=4; PyTorch's greedy tokens
             for the prompt 3,10,17,24,31 are the reference
"""

import os

import numpy as np

from rbcore import must, run_argv

VOCAB = 97
HIDDEN = 16


def plain_embedding():
    return ((np.arange(VOCAB * HIDDEN).reshape(VOCAB, HIDDEN) % 13) - 6).astype(np.float32) * 0.25


def write_relu(path):
    import onnx
    from onnx import TensorProto, helper
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "relu",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)


def build_relu(ctx):
    d = os.path.join(ctx.work, "fixtures")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "relu.onnx")
    write_relu(path)
    return {"onnx": path}


def write_plain(path, emb=None):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    emb = plain_embedding() if emb is None else emb
    nodes = [helper.make_node("Gather", ["emb", "ids"], ["g"], name="embed", axis=0),
             helper.make_node("Add", ["g", "x"], ["y"], name="add")]
    g = helper.make_graph(nodes, "plain",
                          [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, 4]),
                           helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, HIDDEN])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, HIDDEN])],
                          [numpy_helper.from_array(emb, "emb")])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)


def build_plain(ctx):
    d = os.path.join(ctx.work, "fixtures")
    os.makedirs(d, exist_ok=True)
    onnx_path = os.path.join(d, "plain.onnx")
    write_plain(onnx_path)
    so = os.path.join(d, "plain.so")
    must(run_argv([ctx.compile, onnx_path, "--emit=lib", "-o", so], 300), "compile plain.onnx")
    # Valid inputs and the numpy reference.
    ids = np.array([[0, 5, 96, 42]], dtype=np.int64)
    x = np.linspace(-1, 1, 4 * HIDDEN, dtype=np.float32).reshape(1, 4, HIDDEN)
    np.save(os.path.join(d, "ids.npy"), ids)
    np.save(os.path.join(d, "x.npy"), x)
    ref = plain_embedding()[ids] + x
    return {"dir": d, "onnx": onnx_path, "so": so, "weights": so + ".weights",
            "ids": os.path.join(d, "ids.npy"), "x": os.path.join(d, "x.npy"), "ref": ref}


def build_plain_exe(ctx):
    p = ctx.fixture("plain")
    exe = os.path.join(p["dir"], "plain_exe")
    must(run_argv([ctx.compile, p["onnx"], "--emit=exe", "-o", exe], 300), "compile plain_exe")
    return {"exe": exe, "weights": exe + ".weights"}


def build_decoder(ctx):
    d = os.path.join(ctx.work, "fixtures", "decoder")
    os.makedirs(d, exist_ok=True)
    onnx_path = os.path.join(d, "dec.onnx")
    env = {"PYTHONPATH": os.path.join(ctx.src, "python")}
    must(run_argv([ctx.python, "-m", "bitnet_mlir.tiny_decoder", "--kv-cache", "--layers", "1",
                   "--out", onnx_path, "--generate", os.path.join(d, "gen"),
                   "--prompt-len", "5", "--new-tokens", "6"], 300, env=env),
         "export the tiny decoder")
    so = os.path.join(d, "dec.so")
    must(run_argv([ctx.compile, onnx_path, "--emit=lib", "-o", so, "--max-context=16",
                   "--prefill-tokens=4"], 300), "compile dec.onnx")
    with open(os.path.join(d, "gen", "prompt.txt")) as f:
        prompt = f.read().strip()
    with open(os.path.join(d, "gen", "tokens.txt")) as f:
        tokens = [int(t) for t in f.read().replace(",", " ").split()]
    return {"dir": d, "onnx": onnx_path, "so": so, "weights": so + ".weights",
            "prompt": prompt, "tokens": tokens, "max_context": 16}


BUILDERS = {"relu": build_relu, "plain": build_plain, "plain_exe": build_plain_exe,
            "decoder": build_decoder}
# Background build order: the slow ones first.
ORDER = ["decoder", "plain", "relu", "plain_exe"]
