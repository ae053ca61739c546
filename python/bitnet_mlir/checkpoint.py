"""A Hugging Face BitNet checkpoint directory as an ONNX decoder with a KV cache.

    python -m bitnet_mlir.checkpoint DIR                 # writes DIR/bitnet.onnx
    python -m bitnet_mlir.checkpoint DIR -o model.onnx   # or elsewhere
    bitnet-compile DIR --emit=lib -o model.so            # compiles DIR/bitnet.onnx

DIR holds what `BitNetForCausalLM.from_pretrained` reads: `config.json`
(`model_type: bitnet`, `quantization_config` with `quant_method: bitnet`,
`linear_class` `bitlinear` or `autobitlinear`, `quantization_mode` `offline`
or `online`) and `model.safetensors`, or shards listed in
`model.safetensors.index.json`.

The graph is the tiny decoder's (`tiny_decoder.TinyBitNetWithCache`: the
Hugging Face past/present cache interface that `bitnet-compile` turns into
prefill and decode entry points), traced once with the checkpoint's sizes
and no weights (each weight a graph input while tracing); the weights are
then attached as ONNX external data:

* packed uint8 `[out/4, in]` weights (`bitlinear`, and `autobitlinear`
  offline, which stores the same packed codes) and the embedding are not
  copied: the initializers point at their bytes inside the safetensors
  files when those lie in the output's directory (the ONNX loaders, ours
  and onnxruntime's, only read external data there); otherwise they are
  copied, one tensor at a time, into `OUTPUT.data`;
* `online` checkpoints store float weights: each is ternarized here as
  transformers' `WeightQuant` does (float32, r = 1 / max(mean|W|, 1e-5),
  codes clamp(round(W * r), -1, 1)), packed, and written to `OUTPUT.data`;
* weight scales become the tiny decoder's `weight_scale` (the product is
  divided by `s_x * weight_scale`): `bitlinear` stores exactly that (1/gamma);
  `autobitlinear` offline multiplies by gamma, so 1/gamma is stored (float32);
  online: r.

Memory: the safetensors files are memory-mapped and read one tensor at a
time; the traced model holds no weights (uninitialized tensors, never
written), so conversion needs little more than one layer's float weights
(online) and the lm_head's float copy during tracing.
"""

import argparse
import json
import os
import struct
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np

# safetensors dtype -> (numpy dtype or None, ONNX TensorProto data type, bytes)
_ST_TYPES = {
    "F32": (np.float32, 1, 4), "F16": (np.float16, 10, 2), "BF16": (None, 16, 2),
    "U8": (np.uint8, 2, 1), "I8": (np.int8, 3, 1), "F64": (np.float64, 11, 8),
}
_EMBED_DTYPES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}
_PROJECTIONS = [("self_attn", "q_proj", "attn"), ("self_attn", "k_proj", "attn"),
                ("self_attn", "v_proj", "attn"), ("self_attn", "o_proj", "attn"),
                ("mlp", "gate_proj", "mlp"), ("mlp", "up_proj", "mlp"),
                ("mlp", "down_proj", "mlp")]


class CheckpointError(Exception):
    """A checkpoint this converter does not handle, with the reason."""


@dataclass
class StoredTensor:
    name: str
    path: str      # the shard file
    dtype: str     # safetensors dtype name
    shape: tuple
    offset: int    # of the first byte in the file
    length: int


@dataclass
class Checkpoint:
    directory: str
    config: dict
    tensors: dict = field(default_factory=dict)

    def tensor(self, name):
        if name not in self.tensors:
            raise CheckpointError(f"tensor '{name}' is not in the checkpoint")
        return self.tensors[name]


def read_safetensors_header(path):
    """The tensors of one safetensors file: name -> StoredTensor (format:
    u64 little-endian header size, a JSON header, then the data)."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise CheckpointError(f"{path}: not a safetensors file (shorter than 8 bytes)")
        (size,) = struct.unpack("<Q", head)
        if size > 100 << 20:
            raise CheckpointError(f"{path}: safetensors header of {size} bytes")
        header = json.loads(f.read(size))
        file_size = os.fstat(f.fileno()).st_size
    start = 8 + size
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = entry["dtype"]
        if dtype not in _ST_TYPES:
            raise CheckpointError(f"{path}: tensor '{name}' has dtype {dtype}, not handled")
        begin, end = entry["data_offsets"]
        shape = tuple(entry["shape"])
        if end - begin != int(np.prod(shape, dtype=np.int64)) * _ST_TYPES[dtype][2] or \
                start + end > file_size:
            raise CheckpointError(f"{path}: tensor '{name}' has inconsistent offsets")
        tensors[name] = StoredTensor(name, path, dtype, shape, start + begin, end - begin)
    return tensors


def open_checkpoint(directory):
    """config.json and the tensor table of every shard (headers only)."""
    config_path = os.path.join(directory, "config.json")
    if not os.path.isfile(config_path):
        raise CheckpointError(f"{directory}: no config.json (not a Hugging Face model directory)")
    with open(config_path) as f:
        config = json.load(f)
    single = os.path.join(directory, "model.safetensors")
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.isfile(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        shards = sorted(set(weight_map.values()))
    elif os.path.isfile(single):
        weight_map, shards = None, ["model.safetensors"]
    else:
        raise CheckpointError(f"{directory}: neither model.safetensors nor "
                              "model.safetensors.index.json (only safetensors weights are read)")
    ckpt = Checkpoint(directory, config)
    for shard in shards:
        if os.path.isabs(shard) or ".." in shard.split("/"):
            raise CheckpointError(f"{index}: shard '{shard}' is outside the directory")
        for name, t in read_safetensors_header(os.path.join(directory, shard)).items():
            if weight_map is not None and weight_map.get(name) != shard:
                raise CheckpointError(f"tensor '{name}' is in {shard}, but the index says "
                                      f"{weight_map.get(name)}")
            ckpt.tensors[name] = t
    if weight_map is not None:
        missing = sorted(set(weight_map) - set(ckpt.tensors))
        if missing:
            raise CheckpointError(f"the index lists tensors no shard holds: {missing[:3]}")
    return ckpt


def load_array(t):
    """The stored tensor as a float32 / uint8 numpy array, memory-mapped
    (bfloat16 widened to float32, exactly)."""
    np_type = _ST_TYPES[t.dtype][0]
    if t.dtype == "BF16":
        raw = np.memmap(t.path, np.uint16, "r", t.offset, t.shape) if t.length else \
            np.zeros(t.shape, np.uint16)
        return (raw.astype(np.uint32) << 16).view(np.float32)
    return np.memmap(t.path, np_type, "r", t.offset, t.shape)


# -- config.json ------------------------------------------------------------

@dataclass
class Quantization:
    linear_class: str   # "bitlinear" or "autobitlinear"
    mode: str           # "offline" or "online"


def decoder_config(ckpt):
    """The tiny decoder's TinyConfig and the quantization form, or a
    CheckpointError naming what is not supported."""
    from bitnet_mlir.tiny_decoder import TinyConfig
    c = ckpt.config
    if c.get("model_type") != "bitnet":
        raise CheckpointError(f"config.json: model_type is {c.get('model_type')!r}; "
                              "only 'bitnet' (BitNetForCausalLM) is supported")
    q = c.get("quantization_config")
    if not q or q.get("quant_method") != "bitnet":
        raise CheckpointError("config.json: no quantization_config with quant_method 'bitnet'")
    quant = Quantization(q.get("linear_class", "bitlinear"), q.get("quantization_mode", "offline"))
    if quant.linear_class not in ("bitlinear", "autobitlinear"):
        raise CheckpointError(f"quantization_config.linear_class {quant.linear_class!r} "
                              "is not bitlinear or autobitlinear")
    if quant.mode not in ("offline", "online"):
        raise CheckpointError(f"quantization_config.quantization_mode {quant.mode!r} "
                              "is not offline or online")
    if quant.linear_class == "bitlinear" and quant.mode == "online":
        raise CheckpointError("quantization_mode 'online' applies to autobitlinear only")
    if q.get("use_rms_norm"):
        raise CheckpointError("quantization_config.use_rms_norm (an RMSNorm inside each "
                              "BitLinear) is not supported")
    extra = set(q.get("modules_to_not_convert") or []) - {"lm_head"}
    if extra:
        raise CheckpointError(f"quantization_config.modules_to_not_convert {sorted(extra)}: "
                              "float linear layers other than lm_head are not supported")
    act = c.get("hidden_act", "relu2")
    if act != "relu2":
        raise CheckpointError(f"hidden_act {act!r}: only relu2 is supported")
    for flag in ("attention_bias", "mlp_bias"):
        if c.get(flag):
            raise CheckpointError(f"{flag}: biases are not supported")
    if c.get("rope_scaling") and c["rope_scaling"].get("rope_type", "default") != "default":
        raise CheckpointError(f"rope_scaling {c['rope_scaling']}: only plain RoPE is supported")
    hidden, heads = c["hidden_size"], c["num_attention_heads"]
    kv_heads = c.get("num_key_value_heads") or heads
    if hidden % heads or heads % kv_heads:
        raise CheckpointError(f"hidden_size {hidden}, {heads} heads, {kv_heads} key-value "
                              "heads: heads must divide hidden_size and kv heads divide heads")
    head_dim = c.get("head_dim") or hidden // heads
    if head_dim != hidden // heads:
        raise CheckpointError(f"head_dim {head_dim} != hidden_size / num_attention_heads")
    if not c.get("tie_word_embeddings", False):
        raise CheckpointError("tie_word_embeddings is false: an untied lm_head is not "
                              "supported yet")
    embed = ckpt.tensor("model.embed_tokens.weight")
    if embed.dtype not in _EMBED_DTYPES:
        raise CheckpointError(f"model.embed_tokens.weight has dtype {embed.dtype}")
    cfg = TinyConfig(vocab=c["vocab_size"], hidden=hidden, layers=c["num_hidden_layers"],
                     heads=heads, kv_heads=kv_heads, ffn=c["intermediate_size"],
                     rope_theta=float(c.get("rope_theta", 500000.0)),
                     eps=float(c.get("rms_norm_eps", 1e-5)), packed_weights=True,
                     embed_dtype=_EMBED_DTYPES[embed.dtype])
    if embed.shape != (cfg.vocab, cfg.hidden):
        raise CheckpointError(f"model.embed_tokens.weight is {list(embed.shape)}, "
                              f"config says [{cfg.vocab}, {cfg.hidden}]")
    for f in (cfg.hidden, kv_heads * head_dim, cfg.ffn):
        if f % 4:
            raise CheckpointError(f"output size {f} is not a multiple of 4 (packed rows)")
    biases = [n for n in ckpt.tensors if n.endswith(".bias")]
    if biases:
        raise CheckpointError(f"biases are not supported ({biases[0]})")
    return cfg, quant


# -- the graph --------------------------------------------------------------

def _unpack_for_trace():
    """An autograd Function standing in for PackedBitLinear's unpacking
    while tracing: its ONNX form is the one PackedBitLinear.forward
    exports (BitwiseAnd / BitShift by uint8 constants, Concat on axis 0,
    Cast to float, Sub 1), but tracing computes nothing: the traced value
    is a broadcast zero of the unpacked shape. (Traced for real, an 8B
    model's unpacking took 3 s and kept 0.34 GB a layer.)"""
    import torch
    from bitnet_mlir.tiny_decoder import _BIT_OPS_DOMAIN

    class UnpackPacked(torch.autograd.Function):
        @staticmethod
        def forward(ctx, packed):
            return torch.zeros((), dtype=torch.float32).expand(4 * packed.shape[0],
                                                               packed.shape[1])

        @staticmethod
        def symbolic(g, packed):
            parts = []
            for i in range(4):
                mask = g.op("Constant", value_t=torch.tensor(3 << (2 * i), dtype=torch.uint8))
                shift = g.op("Constant", value_t=torch.tensor(2 * i, dtype=torch.uint8))
                masked = g.op(f"{_BIT_OPS_DOMAIN}::BitwiseAnd", packed, mask)
                parts.append(g.op(f"{_BIT_OPS_DOMAIN}::BitShift", masked, shift,
                                  direction_s="RIGHT"))
            codes = g.op("Concat", *parts, axis_i=0)
            widened = g.op("Cast", codes, to_i=1)  # FLOAT
            return g.op("Sub", widened, g.op("Constant", value_t=torch.tensor(1.0)))

    return UnpackPacked


def _traced_packed_bitlinear(unpack):
    """PackedBitLinear with the unpacking as `unpack`."""
    from bitnet_mlir import tiny_decoder as td

    class TracedPackedBitLinear(td.PackedBitLinear):
        def unpacked_weight(self, dtype):
            assert dtype == td.torch.float32
            return unpack.apply(self.weight)

    return TracedPackedBitLinear


# The vocabulary the graph is traced with: no constant of the graph holds
# it (the table is read by Gather and, transposed, by the lm_head MatMul),
# so the real table replaces the traced one, and the logits' declared
# shape is set afterwards. Traced at 128256 x 4096, the tied lm_head's float
# copy and its transpose were computed and constant-folded: 8 GB.
_TRACE_VOCAB = 64


def _empty_model(cfg, max_positions):
    """TinyBitNetWithCache with cfg's sizes (but a _TRACE_VOCAB-row table)
    whose tensors are uninitialized (torch.empty: no pages touched, but for
    one marker each), built one block at a time."""
    import dataclasses
    import torch
    from bitnet_mlir import tiny_decoder as td

    def emptied(module):
        for sub in module.modules():
            for name, t in list(sub._parameters.items()) + list(sub._buffers.items()):
                if t is None:
                    continue
                fresh = torch.empty(t.shape, dtype=t.dtype)
                if name in sub._parameters:
                    sub._parameters[name] = torch.nn.Parameter(fresh, requires_grad=False)
                else:
                    sub._buffers[name] = fresh
        return module

    small = dataclasses.replace(cfg, layers=0, vocab=1, embed_dtype="float32")
    model = td.TinyBitNet(small)
    model.cfg = cfg
    model.embed = torch.nn.Embedding(
        _TRACE_VOCAB, cfg.hidden,
        _weight=torch.empty(_TRACE_VOCAB, cfg.hidden, dtype=getattr(torch, cfg.embed_dtype)))
    traced_class = _traced_packed_bitlinear(_unpack_for_trace())
    for _ in range(cfg.layers):
        block = emptied(td.Block(cfg))
        for sub in block.modules():
            if isinstance(sub, td.PackedBitLinear):
                sub.__class__ = traced_class
        model.blocks.append(block)
    wrapper = td.TinyBitNetWithCache(model, max_positions=max_positions).eval()
    # torch.onnx merges parameters of equal values into one graph input:
    # a distinct first element each keeps them apart (one page written).
    with torch.no_grad():
        for i, t in enumerate(list(wrapper.parameters()) + list(wrapper.buffers())):
            t.requires_grad_(False)
            flat = t.view(-1)
            if t.dtype == torch.uint8:
                flat[0], flat[1] = i & 255, i >> 8
            else:
                flat[0] = 1.0 + i / 4096
    return wrapper


def _trace(wrapper, cfg, path):
    """torch.onnx.export of the cache form with the parameters as graph
    inputs (export_params=False): only the graph, a few hundred KB.
    Returns the parameters' names. (As inputs of a wrapper's forward
    instead, torch.onnx clones every input: GBs at 8B.)"""
    import torch
    from bitnet_mlir import tiny_decoder as td

    td._bit_op_symbolics(register=True)
    try:
        args, names = td.cache_trace_args(cfg)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(wrapper, args, path, **names,
                              opset_version=17, export_params=False,
                              keep_initializers_as_inputs=False,
                              custom_opsets={td._BIT_OPS_DOMAIN: 1})
    finally:
        td._bit_op_symbolics(register=False)
    named = [n for n, _ in wrapper.named_parameters()] + [n for n, _ in wrapper.named_buffers()]
    return named


# -- the weights ------------------------------------------------------------

class WeightWriter:
    """Initializers as external data: references into the checkpoint's
    files where the ONNX loaders can read them, else bytes appended to
    OUTPUT.data."""

    def __init__(self, out_path, copy_all):
        self.out_dir = os.path.realpath(os.path.dirname(os.path.abspath(out_path)))
        self.data_name = os.path.basename(out_path) + ".data"
        self.data_path = os.path.join(self.out_dir, self.data_name)
        self.copy_all = copy_all
        self.data = None
        self.size = 0
        self.referenced = 0
        self.written = 0

    def _append(self, chunks):
        if self.data is None:
            self.data = open(self.data_path, "wb")
        pad = -self.size % 64
        self.data.write(b"\0" * pad)
        self.size += pad
        begin = self.size
        for chunk in chunks:
            b = memoryview(chunk).cast("B")
            self.data.write(b)
            self.size += len(b)
        self.written += self.size - begin
        return self.data_name, begin, self.size - begin

    def _reference(self, stored):
        """A location for `stored`'s bytes relative to the output, or None."""
        if self.copy_all:
            return None
        real = os.path.realpath(stored.path)
        rel = os.path.relpath(real, self.out_dir)
        if os.path.isabs(rel) or rel == ".." or rel.startswith("../"):
            return None
        return rel

    def tensor(self, name, data_type, shape, stored=None, array=None):
        import onnx
        t = onnx.TensorProto()
        t.name, t.data_type = name, data_type
        t.dims.extend(shape)
        if array is not None and array.nbytes <= 64 << 10:
            t.raw_data = np.ascontiguousarray(array).tobytes()
            return t
        if stored is not None and (where := self._reference(stored)) is not None:
            location, offset, length = where, stored.offset, stored.length
            self.referenced += length
        elif stored is not None:
            raw = np.memmap(stored.path, np.uint8, "r", stored.offset, (stored.length,)) \
                if stored.length else np.zeros(0, np.uint8)
            step = 64 << 20
            location, offset, length = self._append(
                raw[i:i + step] for i in range(0, stored.length, step))
        else:
            location, offset, length = self._append([np.ascontiguousarray(array)])
        t.data_location = onnx.TensorProto.EXTERNAL
        for key, value in (("location", location), ("offset", str(offset)),
                           ("length", str(length))):
            entry = t.external_data.add()
            entry.key, entry.value = key, value
        return t

    def close(self):
        if self.data is not None:
            self.data.close()
        elif os.path.exists(self.data_path):
            os.remove(self.data_path)


def pack_codes(trits):
    """Hugging Face's packing of ternary [out, in] values: uint8
    [out/4, in], bits 2i..2i+1 of row r hold trits[i*(out/4) + r] + 1."""
    codes = (trits + 1).astype(np.uint8)
    rows = codes.shape[0] // 4
    packed = np.zeros((rows, codes.shape[1]), np.uint8)
    for i in range(4):
        packed |= codes[i * rows:(i + 1) * rows] << (2 * i)
    return packed


def ternarize_online(w):
    """transformers' WeightQuant in float32 (torch, as it computes it):
    r = 1 / max(mean|W|, 1e-5); codes clamp(round(W * r), -1, 1). Returns
    (codes as int8 [out, in], r as float32)."""
    import torch
    w = torch.from_numpy(np.array(w, np.float32))  # a writable float32 copy
    r = 1.0 / w.abs().mean().clamp_(min=1e-5)
    codes = (w * r).round().clamp(-1, 1).to(torch.int8)
    return codes.numpy(), np.float32(r.item())


def _scalar(t):
    a = np.asarray(load_array(t), np.float32).reshape(-1)
    if a.size != 1:
        raise CheckpointError(f"'{t.name}' has {a.size} elements; expected one per-tensor scale")
    return a[0]


def _projection(ckpt, quant, prefix, out_features, in_features, writer, graph_name):
    """The initializers (packed weight, weight_scale) of one BitLinear."""
    weight = ckpt.tensor(prefix + ".weight")
    if quant.mode == "online":
        if weight.shape != (out_features, in_features) or weight.dtype not in ("F32", "F16", "BF16"):
            raise CheckpointError(f"'{weight.name}' is {weight.dtype} {list(weight.shape)}; "
                                  f"online mode expects float [{out_features}, {in_features}]")
        codes, r = ternarize_online(load_array(weight))
        packed = pack_codes(codes)
        w = writer.tensor(graph_name + ".weight", 2, packed.shape, array=packed)
        scale = r
    else:
        if weight.dtype != "U8" or weight.shape != (out_features // 4, in_features):
            raise CheckpointError(f"'{weight.name}' is {weight.dtype} {list(weight.shape)}; "
                                  f"expected packed U8 [{out_features // 4}, {in_features}]")
        w = writer.tensor(graph_name + ".weight", 2, weight.shape, stored=weight)
        stored_scale = _scalar(ckpt.tensor(prefix + ".weight_scale"))
        if not np.isfinite(stored_scale) or stored_scale == 0:
            raise CheckpointError(f"'{prefix}.weight_scale' is {stored_scale}")
        # bitlinear divides by weight_scale (1/gamma), as the tiny decoder
        # does; autobitlinear offline multiplies by it (gamma).
        scale = stored_scale if quant.linear_class == "bitlinear" else \
            np.float32(1.0) / np.float32(stored_scale)
    s = writer.tensor(graph_name + ".weight_scale", 1, [1],
                      array=np.array([scale], np.float32))
    return [w, s]


def _lm_head_from_table(m, provided, cfg):
    """torch.onnx folds the tied lm_head's Cast / Transpose of the table
    into a parameter of its own (a graph input here, with no checkpoint
    tensor): the lm_head MatMul reads the one stored table through Cast
    (narrow tables) and Transpose instead, as the PyTorch model does."""
    import onnx
    from onnx import helper
    from bitnet_mlir.tiny_decoder import cache_names
    past, _ = cache_names(cfg.layers)
    user = {"input_ids", "attention_mask", "position_ids", *past}
    extra = [i.name for i in m.graph.input if i.name not in provided and i.name not in user]
    lm_head = next(n for n in m.graph.node if n.op_type == "MatMul" and n.output[0] == "logits")
    if extra != [lm_head.input[1]]:
        raise RuntimeError(f"internal: unexpected graph inputs {extra}")
    table = "model.embed.weight"
    index = list(m.graph.node).index(lm_head)
    source = table
    nodes = []
    if cfg.embed_dtype != "float32":
        source = f"{table}.widened"
        nodes.append(helper.make_node("Cast", [table], [source], name="/lm_head/Cast",
                                      to=onnx.TensorProto.FLOAT))
    nodes.append(helper.make_node("Transpose", [source], [f"{table}.transposed"],
                                  name="/lm_head/Transpose", perm=[1, 0]))
    for node in reversed(nodes):
        m.graph.node.insert(index, node)
    lm_head.input[1] = f"{table}.transposed"
    kept = [i for i in m.graph.input if i.name != extra[0]]
    del m.graph.input[:]
    m.graph.input.extend(kept)


def convert(directory, out_path, max_positions=None, copy_weights=False, log=print):
    """Writes the ONNX decoder of checkpoint `directory` to `out_path`.
    Returns (TinyConfig, Quantization)."""
    import onnx
    import torch
    from bitnet_mlir import tiny_decoder as td

    ckpt = open_checkpoint(directory)
    cfg, quant = decoder_config(ckpt)
    max_positions = max_positions or int(ckpt.config.get("max_position_embeddings", 4096))
    log(f"checkpoint: {cfg.layers} layers, hidden {cfg.hidden}, ffn {cfg.ffn}, "
        f"{cfg.heads}/{cfg.kv_heads} heads, vocab {cfg.vocab} ({cfg.embed_dtype}), "
        f"{quant.linear_class} {quant.mode}, {max_positions} positions")

    wrapper = _empty_model(cfg, max_positions)
    graph_path = out_path + ".graph.tmp"
    params = _trace(wrapper, cfg, graph_path)
    del wrapper
    m = onnx.load(graph_path)
    os.remove(graph_path)
    td.to_opset18(m)
    # Traced with a _TRACE_VOCAB-row table: the real vocabulary in the
    # logits' declared shape; intermediate shapes are dropped (consumers
    # infer them).
    logits = next(o for o in m.graph.output if o.name == "logits")
    logits.type.tensor_type.shape.dim[2].dim_value = cfg.vocab
    del m.graph.value_info[:]
    graph_inputs = {i.name for i in m.graph.input}
    writer = WeightWriter(out_path, copy_weights)
    inits = []
    head_dim = cfg.hidden // cfg.heads
    kv_dim = head_dim * cfg.kv_heads
    sizes = {"q_proj": (cfg.hidden, cfg.hidden), "k_proj": (kv_dim, cfg.hidden),
             "v_proj": (kv_dim, cfg.hidden), "o_proj": (cfg.hidden, cfg.hidden),
             "gate_proj": (cfg.ffn, cfg.hidden), "up_proj": (cfg.ffn, cfg.hidden),
             "down_proj": (cfg.hidden, cfg.ffn)}

    def norm(hf_name, graph_name, size):
        t = ckpt.tensor(hf_name)
        if t.shape != (size,):
            raise CheckpointError(f"'{hf_name}' is {list(t.shape)}, expected [{size}]")
        inits.append(writer.tensor(graph_name, 1, [size],
                                   array=np.asarray(load_array(t), np.float32)))

    embed = ckpt.tensor("model.embed_tokens.weight")
    inits.append(writer.tensor("model.embed.weight", _ST_TYPES[embed.dtype][1],
                               embed.shape, stored=embed))
    for i in range(cfg.layers):
        hf, g = f"model.layers.{i}", f"model.blocks.{i}"
        norm(f"{hf}.input_layernorm.weight", f"{g}.input_norm.weight", cfg.hidden)
        norm(f"{hf}.post_attention_layernorm.weight", f"{g}.post_attn_norm.weight", cfg.hidden)
        norm(f"{hf}.self_attn.attn_sub_norm.weight", f"{g}.attn.sub_norm.weight", cfg.hidden)
        norm(f"{hf}.mlp.ffn_sub_norm.weight", f"{g}.mlp.sub_norm.weight", cfg.ffn)
        for module, proj, ours in _PROJECTIONS:
            out_f, in_f = sizes[proj]
            inits += _projection(ckpt, quant, f"{hf}.{module}.{proj}", out_f, in_f, writer,
                                 f"{g}.{ours}.{proj}")
    norm("model.norm.weight", "model.norm.weight", cfg.hidden)
    cos, sin = td.rope_tables(cfg, max_positions)
    for name, table in (("cos_table", cos), ("sin_table", sin)):
        inits.append(writer.tensor(name, 1, list(table.shape), array=table.numpy()))
    writer.close()

    provided = {t.name for t in inits}
    expected = set(params)
    if provided != expected:
        raise RuntimeError(f"internal: initializers {sorted(provided ^ expected)[:4]} "
                           "do not match the traced model's parameters")
    _lm_head_from_table(m, provided, cfg)
    unused = sorted(provided - graph_inputs)
    if any(".weight" in n for n in unused):
        raise RuntimeError(f"internal: the traced graph does not read {unused}")
    # Parameters the graph does not read are left out.
    kept = [t for t in inits if t.name in graph_inputs]
    inputs = [i for i in m.graph.input if i.name not in provided]
    del m.graph.input[:]
    m.graph.input.extend(inputs)
    m.graph.initializer.extend(kept)
    m.doc_string = (f"Converted by bitnet_mlir.checkpoint from {os.path.abspath(directory)} "
                    f"({quant.linear_class} {quant.mode})")
    with open(out_path, "wb") as f:
        f.write(m.SerializeToString())
    log(f"wrote {out_path}: {len(kept)} initializers (unused: {unused or 'none'}); "
        f"{writer.referenced / 1e6:.1f} MB referenced in the checkpoint's files, "
        f"{writer.written / 1e6:.1f} MB written to {writer.data_name if writer.written else '-'}")
    return cfg, quant


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Convert a Hugging Face BitNet checkpoint directory to an ONNX decoder "
                    "with a key-value cache, for bitnet-compile.")
    parser.add_argument("directory", help="the model directory (config.json, *.safetensors)")
    parser.add_argument("-o", "--output",
                        help="the ONNX file (default DIRECTORY/bitnet.onnx, what "
                             "`bitnet-compile DIRECTORY` compiles)")
    parser.add_argument("--max-positions", type=int,
                        help="rows of the RoPE tables (default: max_position_embeddings)")
    parser.add_argument("--copy-weights", action="store_true",
                        help="copy the packed weights into OUTPUT.data even where they "
                             "could be read from the safetensors files in place")
    args = parser.parse_args(argv)
    out = args.output or os.path.join(args.directory, "bitnet.onnx")
    try:
        convert(args.directory, out, args.max_positions, args.copy_weights)
    except CheckpointError as e:
        print(f"bitnet_mlir.checkpoint: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
