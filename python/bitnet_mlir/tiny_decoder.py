"""A tiny BitNet b1.58 decoder with the 2B4T architecture, for tests and demos.

RMSNorm, grouped-query attention with RoPE (theta 5e5), an attention sub-norm
before o_proj, a ReLU^2 GLU FFN with a sub-norm before down_proj, tied
embeddings, and odd sizes. Every projection is a BitLinear in the training
form of the BitNet FAQ: per-token absmax int8 fake quantization of the input
and per-tensor absmean ternarization of the weight, with straight-through
estimators. Exported with torch.onnx.export, deterministic from a seed;
the key-value-cache export stores the weights already ternarized
(TernarizedBitLinear).

    /usr/bin/python3 -m bitnet_mlir.tiny_decoder --out tiny.onnx
"""

import argparse
import os
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class TinyConfig:
    vocab: int = 97
    hidden: int = 80
    layers: int = 2
    heads: int = 4
    kv_heads: int = 2
    ffn: int = 136
    rope_theta: float = 500000.0
    eps: float = 1e-5
    seq: int = 7
    # BitLinear weights stored ternary times a scale, as in a trained BitNet
    # checkpoint (half of them zero), instead of Gaussian. Their ternarization
    # is then exact in any float order: w / mean|w| is 0 or +-2. Gaussian
    # weights put a few of millions near a rounding boundary, where PyTorch,
    # onnxruntime and we (means in double) round differently.
    ternary_weights: bool = False
    # BitLinears built as PackedBitLinear (no float weights; build(packed=True)).
    packed_weights: bool = False
    # The tied embedding's storage type: "float16" as in the reference
    # runtimes' model files (half the bytes of the lm_head read per token),
    # or "bfloat16".
    embed_dtype: str = "float32"


def activation_quant(x):
    scale = 127.0 / x.abs().max(dim=-1, keepdim=True).values.clamp(min=1e-5)
    return (x * scale).round().clamp(-128, 127) / scale


def weight_quant(w):
    scale = 1.0 / w.abs().mean().clamp(min=1e-5)
    return (w * scale).round().clamp(-1, 1) / scale


class BitLinear(nn.Linear):
    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features, bias=False)

    def forward(self, x):
        w = self.weight
        x_quant = x + (activation_quant(x) - x).detach()
        w_quant = w + (weight_quant(w) - w).detach()
        return F.linear(x_quant, w_quant)


class PackedBitLinear(nn.Module):
    """A BitLinear as Hugging Face stores and runs it (transformers
    integrations/bitnet.py): the ternary weight packed four to a byte, uint8
    [out/4, in] where bits 2i..2i+1 of row r hold W[i*(out/4) + r] + 1,
    unpacked in the graph with masks and shifts; int8 activation codes; the
    product divided by (activation scale * weight_scale), weight_scale =
    1 / gamma. This is the form bitnet-raise-bitlinear recognises, and it
    keeps a 2B-parameter model's ONNX file under protobuf's 2 GB (2 bits a
    weight instead of 32)."""

    def __init__(self, in_features, out_features):
        super().__init__()
        assert out_features % 4 == 0, "packed rows hold 4 output rows each"
        self.register_buffer("weight", torch.zeros(out_features // 4, in_features,
                                                   dtype=torch.uint8))
        self.register_buffer("weight_scale", torch.ones(1))

    @classmethod
    def from_bitlinear(cls, layer):
        """The packed form of `layer`'s absmean ternarization."""
        packed = cls(layer.in_features, layer.out_features)
        with torch.no_grad():
            w = layer.weight
            gamma = w.abs().mean().clamp(min=1e-5)
            codes = ((w / gamma).round().clamp(-1, 1) + 1).to(torch.uint8)
            rows = codes.shape[0] // 4
            for i in range(4):
                packed.weight |= codes[i * rows:(i + 1) * rows] << (2 * i)
            packed.weight_scale.fill_(1.0 / gamma.item())
        return packed

    def unpacked_weight(self, dtype):
        """The ternary weight [out, in] in `dtype`, unpacked with masks and
        shifts (bitnet_mlir.checkpoint traces its own, equal ONNX form)."""
        u8 = lambda v: torch.tensor(v, dtype=torch.uint8)  # ONNX: same type
        codes = torch.cat([torch.bitwise_right_shift(
            torch.bitwise_and(self.weight, u8(3 << (2 * i))), u8(2 * i)) for i in range(4)])
        return codes.to(dtype) - 1

    def forward(self, x):
        w = self.unpacked_weight(x.dtype)
        scale = 127.0 / x.abs().max(dim=-1, keepdim=True).values.clamp(min=1e-5)
        q = (x * scale).round().clamp(-128, 127).to(torch.int8).to(x.dtype)
        return F.linear(q, w) / (scale * self.weight_scale)


class TernarizedBitLinear(nn.Module):
    """A BitLinear as exported for inference: the weight ternarized once, at
    export, and stored as the ternary-valued constant codes * gamma (gamma =
    mean|W| summed in binary64 and rounded to float32, codes =
    clamp(round(W / gamma), -1, 1): docs/numerics.md's absmean ternarization,
    which bitnet-raise-bitlinear recognises as a ternary-valued weight). The
    activations keep their in-graph int8 fake quantization.

    The training form's in-graph `ReduceMean(Abs(W))` over every weight is a
    float32 reduction of up to hidden x ffn terms whose summation order ONNX
    leaves to the runtime: onnxruntime 1.32's is 1.5e-4 off on a 512x512
    weight (PyTorch's float32 mean is correctly rounded there), which moves
    every activation and flips thousands of int8 codes. A constant weight
    runs the same in every runtime (docs/numerics.md)."""

    def __init__(self, layer):
        super().__init__()
        self.in_features, self.out_features = layer.in_features, layer.out_features
        with torch.no_grad():
            w = layer.weight.detach().float()
            gamma = w.double().abs().mean().float().clamp(min=1e-5)
            codes = (w / gamma).round().clamp(-1, 1)
            self.register_buffer("weight", codes * gamma)

    def forward(self, x):
        x_quant = x + (activation_quant(x) - x).detach()
        return F.linear(x_quant, self.weight.to(x.dtype))


def ternarize_bitlinears(module):
    """Replaces every BitLinear in `module` by its TernarizedBitLinear, in
    place; returns the replaced layers as (parent, name, layer) to restore."""
    replaced = []
    for name, child in module.named_children():
        if isinstance(child, BitLinear):
            setattr(module, name, TernarizedBitLinear(child))
            replaced.append((module, name, child))
        else:
            replaced += ternarize_bitlinears(child)
    return replaced


def pack_bitlinears(module):
    """Replaces every BitLinear in `module` by its PackedBitLinear."""
    for name, child in module.named_children():
        if isinstance(child, BitLinear):
            setattr(module, name, PackedBitLinear.from_bitlinear(child))
        else:
            pack_bitlinears(child)
    return module


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(cfg, seq):
    head_dim = cfg.hidden // cfg.heads
    inv = 1.0 / (cfg.rope_theta ** (torch.arange(0, head_dim, 2).float() / head_dim))
    angles = torch.arange(seq).float()[:, None] * inv[None, :]
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def bitlinear(cfg, in_features, out_features):
    cls = PackedBitLinear if cfg.packed_weights else BitLinear
    return cls(in_features, out_features)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.head_dim = cfg.hidden // cfg.heads
        kv_dim = self.head_dim * cfg.kv_heads
        self.q_proj = bitlinear(cfg, cfg.hidden, cfg.hidden)
        self.k_proj = bitlinear(cfg, cfg.hidden, kv_dim)
        self.v_proj = bitlinear(cfg, cfg.hidden, kv_dim)
        self.o_proj = bitlinear(cfg, cfg.hidden, cfg.hidden)
        self.sub_norm = RMSNorm(cfg.hidden, cfg.eps)

    def repeat_kv(self, t):
        """Each kv head serves `heads / kv_heads` consecutive query heads
        (repeat_interleave on dim 1, written so it exports without
        data-dependent shapes)."""
        groups = self.cfg.heads // self.cfg.kv_heads
        if groups == 1:
            return t
        return t[:, :, None].expand(-1, -1, groups, -1, -1).flatten(1, 2)

    def forward(self, x, cos, sin, mask, past=None):
        """`mask` is added to the scores; with a cache, `past` is (key, value)
        [b, kv_heads, past, head_dim], `mask` a boolean "blocked" tensor, and
        the result is (output, (key, value) with the new tokens appended)."""
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.cfg.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.cfg.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.cfg.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        present = (k, v)
        k, v = self.repeat_kv(k), self.repeat_kv(v)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim)
        if past is None:
            scores = scores + mask
        else:
            scores = scores.masked_fill(mask, float("-inf"))
        out = scores.softmax(dim=-1) @ v
        out = out.transpose(1, 2).reshape(b, s, self.cfg.hidden)
        out = self.o_proj(self.sub_norm(out))
        return out if past is None else (out, present)


class FeedForward(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.gate_proj = bitlinear(cfg, cfg.hidden, cfg.ffn)
        self.up_proj = bitlinear(cfg, cfg.hidden, cfg.ffn)
        self.down_proj = bitlinear(cfg, cfg.ffn, cfg.hidden)
        self.sub_norm = RMSNorm(cfg.ffn, cfg.eps)

    def forward(self, x):
        h = F.relu(self.gate_proj(x)).pow(2) * self.up_proj(x)
        return self.down_proj(self.sub_norm(h))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_norm = RMSNorm(cfg.hidden, cfg.eps)
        self.attn = Attention(cfg)
        self.post_attn_norm = RMSNorm(cfg.hidden, cfg.eps)
        self.mlp = FeedForward(cfg)

    def forward(self, x, cos, sin, mask, past=None):
        if past is None:
            x = x + self.attn(self.input_norm(x), cos, sin, mask)
            return x + self.mlp(self.post_attn_norm(x))
        attn, present = self.attn(self.input_norm(x), cos, sin, mask, past)
        x = x + attn
        return x + self.mlp(self.post_attn_norm(x)), present


def embed(model, input_ids):
    """Embedding rows in the model's compute type (the norms' dtype: float32,
    or float64 for the exact reference), whatever the table stores."""
    return model.embed(input_ids).to(model.norm.weight.dtype)


def lm_head(model, hidden):
    """Tied lm_head: logits = hidden . table^T, the table widened to the
    compute type (exported as Cast + MatMul on the one stored table)."""
    return F.linear(hidden, model.embed.weight.to(hidden.dtype))


class TinyBitNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab, cfg.hidden,
                                  dtype=getattr(torch, cfg.embed_dtype))
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.norm = RMSNorm(cfg.hidden, cfg.eps)

    def forward(self, input_ids):
        s = input_ids.shape[1]
        cos, sin = rope_tables(self.cfg, s)
        mask = torch.full((s, s), float("-inf")).triu(1)
        x = embed(self, input_ids)
        for block in self.blocks:
            x = block(x, cos, sin, mask)
        return lm_head(self, self.norm(x))


class TinyBitNetWithCache(nn.Module):
    """The same model with the Hugging Face / onnxruntime-genai decoding
    signature: (input_ids, attention_mask, position_ids, past_key_values.N.key,
    past_key_values.N.value, ...) -> (logits, present.N.key, present.N.value,
    ...), caches [batch, kv_heads, length, head_dim].

    The attention mask is built from positions, not from tensor shapes: key
    slot j is visible to a token at position p when j <= p and
    attention_mask[j] is 1. That keeps the graph exact when the compiler
    gives the cache a fixed capacity (slots past the context are masked) and
    when a prompt is padded to a compiled length."""

    def __init__(self, model, max_positions=4096):
        super().__init__()
        self.model = model
        cos, sin = rope_tables(model.cfg, max_positions)
        self.register_buffer("cos_table", cos)
        self.register_buffer("sin_table", sin)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        m = self.model
        cos = self.cos_table[position_ids].unsqueeze(1)  # [b, 1, s, head_dim]
        sin = self.sin_table[position_ids].unsqueeze(1)
        key_slots = torch.arange(attention_mask.shape[1], device=input_ids.device)
        blocked = (key_slots[None, None, :] > position_ids[:, :, None]) | (
            attention_mask[:, None, :] == 0)
        blocked = blocked.unsqueeze(1)  # [b, 1, s, total]
        x = embed(m, input_ids)
        presents = []
        for i, block in enumerate(m.blocks):
            x, (k, v) = block(x, cos, sin, blocked, (past[2 * i], past[2 * i + 1]))
            presents += [k, v]
        return (lm_head(m, m.norm(x)), *presents)


def cache_names(layers):
    past, present = [], []
    for i in range(layers):
        for kind in ("key", "value"):
            past.append(f"past_key_values.{i}.{kind}")
            present.append(f"present.{i}.{kind}")
    return past, present


def empty_cache(cfg, length=0):
    head_dim = cfg.hidden // cfg.heads
    return [torch.zeros(1, cfg.kv_heads, length, head_dim) for _ in range(2 * cfg.layers)]


# torch 1.13 exports up to opset 17, BitwiseAnd is opset 18: the packed
# form's bit ops are exported in a placeholder domain, then moved to the
# default domain at opset 18 (to_opset18).
_BIT_OPS_DOMAIN = "bitnet_export"


def _bit_op_symbolics(register):
    ops = {"aten::bitwise_and": lambda g, a, b: g.op(f"{_BIT_OPS_DOMAIN}::BitwiseAnd", a, b),
           "aten::bitwise_right_shift": lambda g, a, b: g.op(
               f"{_BIT_OPS_DOMAIN}::BitShift", a, b, direction_s="RIGHT")}
    for name, symbolic in ops.items():
        if register:
            torch.onnx.register_custom_op_symbolic(name, symbolic, 17)
        else:
            torch.onnx.unregister_custom_op_symbolic(name, 17)


def to_opset18(m):
    """Rewrites an opset-17 export with placeholder bit ops as opset 18: the
    bit ops join the default domain and the reductions whose `axes` became
    an input in opset 18 get it as one."""
    from onnx import helper, numpy_helper
    import numpy as np
    changed_in_18 = {"ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd", "ReduceL1",
                     "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}
    for node in m.graph.node:
        if node.domain == _BIT_OPS_DOMAIN:
            node.domain = ""
        if node.op_type in changed_in_18 and node.domain == "":
            axes = next((a for a in node.attribute if a.name == "axes"), None)
            if axes is not None:
                name = f"{node.output[0]}_axes"
                m.graph.initializer.append(
                    numpy_helper.from_array(np.array(axes.ints, np.int64), name))
                node.input.append(name)
                node.attribute.remove(axes)
    kept = [o for o in m.opset_import if o.domain not in ("", _BIT_OPS_DOMAIN)]
    del m.opset_import[:]
    m.opset_import.extend(kept + [helper.make_opsetid("", 18)])


def read_lm_head_from_table(m):
    """torch.onnx folds the tied lm_head's Cast and Transpose of a narrow
    (float16) embedding into a second, float32 and transposed, initializer:
    three times the table's bytes again. This rewrites the graph so that the
    lm_head MatMul reads the one stored table through Cast + Transpose, as
    the PyTorch model does. Models with a float32 table are left as
    exported (the compiler's share-transposed-weights handles them)."""
    import onnx
    from onnx import helper
    inits = {i.name: i for i in m.graph.initializer}
    table = next(n.input[0] for n in m.graph.node
                 if n.op_type == "Gather" and n.input[1] == "input_ids")
    if table not in inits or inits[table].data_type == onnx.TensorProto.FLOAT:
        return
    lm_head = next(n for n in m.graph.node if n.op_type == "MatMul" and n.output[0] == "logits")
    folded = inits.get(lm_head.input[1])
    if folded is None or list(folded.dims) != list(reversed(inits[table].dims)):
        raise ValueError(f"the lm_head does not read a folded copy of {table}")
    index = list(m.graph.node).index(lm_head)
    widened, transposed = f"{table}.widened", f"{table}.transposed"
    m.graph.node.insert(index, helper.make_node(
        "Transpose", [widened], [transposed], name="/lm_head/Transpose", perm=[1, 0]))
    m.graph.node.insert(index, helper.make_node(
        "Cast", [table], [widened], name="/lm_head/Cast", to=onnx.TensorProto.FLOAT))
    m.graph.initializer.remove(folded)
    lm_head.input[1] = transposed


def finish_export(path, opset18=False):
    """The exported file rewritten in place (opset 18 for the packed form's
    bit ops; the lm_head on the stored table), as one file: torch.onnx
    spills over 2 GB (the folded lm_head copy of a 128k vocabulary) into
    one external file per initializer, removed here."""
    import onnx
    outside = {entry.value for tensor in onnx.load(path, load_external_data=False).graph.initializer
               for entry in tensor.external_data if entry.key == "location"}
    m = onnx.load(path)
    if opset18:
        to_opset18(m)
    read_lm_head_from_table(m)
    onnx.save(m, path)
    for name in outside:
        os.remove(os.path.join(os.path.dirname(path), name))


def export_with_cache(path, seed=0, cfg=None, opset=17, packed=False):
    """Exports the decoding form with dynamic sequence and past lengths
    (traced with a 2-token past and a 3-token step). The BitLinear weights
    are stored ternarized (TernarizedBitLinear), so that every ONNX runtime
    computes the same; with `packed`, they are stored packed
    (PackedBitLinear) and the file is opset 18. Returns the model and its
    cache wrapper in their PyTorch (training) form, the reference."""
    model = build(seed, cfg, packed)
    if packed:
        _bit_op_symbolics(register=True)
    wrapper = TinyBitNetWithCache(model).eval()
    # The file holds each BitLinear weight ternarized (TernarizedBitLinear:
    # no float32 mean over the weight for a runtime to sum its own way); the
    # returned model keeps the training form.
    replaced = ternarize_bitlinears(model)
    try:
        _export_cache_graph(wrapper, path, opset, packed)
    finally:
        for parent, name, layer in replaced:
            setattr(parent, name, layer)
        if packed:
            _bit_op_symbolics(register=False)
    finish_export(path, opset18=packed)
    return model, wrapper


def cache_trace_args(cfg):
    """What torch.onnx.export traces the cache form with (a 2-token past and
    a 3-token step): (args, keyword arguments naming the inputs, outputs and
    dynamic axes)."""
    past_len, step = 2, 3
    ids = torch.arange(step, dtype=torch.int64).reshape(1, -1) % cfg.vocab
    mask = torch.ones(1, past_len + step, dtype=torch.int64)
    positions = torch.arange(past_len, past_len + step, dtype=torch.int64).reshape(1, -1)
    past = empty_cache(cfg, past_len)
    past_names, present_names = cache_names(cfg.layers)
    dynamic = {"input_ids": {1: "sequence_length"},
               "attention_mask": {1: "total_sequence_length"},
               "position_ids": {1: "sequence_length"},
               "logits": {1: "sequence_length"}}
    dynamic.update({n: {2: "past_sequence_length"} for n in past_names})
    dynamic.update({n: {2: "total_sequence_length"} for n in present_names})
    names = dict(input_names=["input_ids", "attention_mask", "position_ids", *past_names],
                 output_names=["logits", *present_names], dynamic_axes=dynamic)
    return (ids, mask, positions, *past), names


def _export_cache_graph(wrapper, path, opset, packed):
    args, names = cache_trace_args(wrapper.model.cfg)
    torch.onnx.export(wrapper, args, path, **names, opset_version=opset,
                      custom_opsets={_BIT_OPS_DOMAIN: 1} if packed else None)


def greedy_with_cache(wrapper, prompt, new_tokens):
    """PyTorch greedy decoding with a growing cache: the prompt in one step,
    then one token per step. Returns (tokens, per-step last-token logits)."""
    cfg = wrapper.model.cfg
    dtype = wrapper.cos_table.dtype
    past = [p.to(dtype) for p in empty_cache(cfg)]
    ids = torch.tensor([prompt], dtype=torch.int64)
    tokens, step_logits, length = [], [], 0
    with torch.no_grad():
        for _ in range(new_tokens):
            s = ids.shape[1]
            mask = torch.ones(1, length + s, dtype=torch.int64)
            positions = torch.arange(length, length + s, dtype=torch.int64).reshape(1, -1)
            logits, *past = wrapper(ids, mask, positions, *past)
            length += s
            last = logits[0, -1]
            step_logits.append(last.float().numpy().copy())
            tokens.append(int(last.argmax()))
            ids = torch.tensor([[tokens[-1]]], dtype=torch.int64)
    return tokens, step_logits


# Named sizes: "tiny" for tests (odd sizes, fast), "demo" for `make demo`
# (the bundled default model: small enough to generate and compile in
# seconds, large enough for the kernels to matter).
PRESETS = {
    "tiny": TinyConfig(),
    "demo": TinyConfig(vocab=1024, hidden=512, layers=2, heads=8, kv_heads=4,
                       ffn=1376, seq=64, ternary_weights=True),
    # DESIGN section 6 "large (0.7B)" shapes, 128-token prompt. The model
    # presets store the tied embedding in float16, as the reference runtimes'
    # model files do (issue 6's benchmark setup).
    "large": TinyConfig(vocab=32002, hidden=1536, layers=24, heads=16, kv_heads=16,
                        ffn=4096, seq=128, ternary_weights=True, embed_dtype="float16"),
    # DESIGN's BitNet b1.58 2B4T shapes (tied embedding), with the 32002-token
    # vocabulary of the other presets and with the real 128256 ("-128k").
    "2b4t": TinyConfig(vocab=32002, hidden=2560, layers=30, heads=20, kv_heads=5,
                       ffn=6912, seq=128, ternary_weights=True, embed_dtype="float16"),
    "2b4t-128k": TinyConfig(vocab=128256, hidden=2560, layers=30, heads=20, kv_heads=5,
                            ffn=6912, seq=128, ternary_weights=True, embed_dtype="float16"),
}


def build(seed=0, cfg=None, packed=False):
    """The model with seeded random weights. With `packed`, its BitLinears
    are PackedBitLinear; ternary-stored weights are then drawn packed, so
    that a 2B-parameter model never exists in float (8 GB)."""
    cfg = cfg or TinyConfig()
    if packed and cfg.ternary_weights:
        return build_packed_ternary(seed, cfg)
    if packed:
        return pack_bitlinears(build(seed, cfg))
    torch.manual_seed(seed)
    model = TinyBitNet(cfg).eval()
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                # Drawn in float32 and rounded: the same draws for any storage.
                p.copy_(torch.empty(p.shape).normal_(0.0, 0.05))
            else:
                p.uniform_(0.8, 1.2)
        if model.cfg.ternary_weights:
            for layer in model.modules():
                if isinstance(layer, BitLinear):
                    codes = torch.randint(0, 4, layer.weight.shape)  # 0, 1, 2, 3
                    trits = (codes == 3).float() - (codes == 0).float()
                    layer.weight.copy_(0.05 * trits)
    return model


def build_packed_ternary(seed, cfg):
    """build() for ternary-stored weights, drawn straight into packed form:
    the same distribution (codes 0..3 -> -1, 0, 0, +1 times 0.05), not the
    same values as the float build."""
    import dataclasses
    torch.manual_seed(seed)
    model = TinyBitNet(dataclasses.replace(cfg, packed_weights=True))
    with torch.no_grad():
        model.embed.weight.copy_(torch.empty(model.embed.weight.shape).normal_(0.0, 0.05))
        for p in model.parameters():
            if p.dim() == 1:
                p.uniform_(0.8, 1.2)
        for layer in model.modules():
            if isinstance(layer, PackedBitLinear):
                rows = layer.weight.shape[0]
                codes = torch.randint(0, 4, (4 * rows, layer.weight.shape[1]))
                trits = (codes == 3).long() - (codes == 0).long()
                stored = (trits + 1).to(torch.uint8)
                layer.weight.zero_()
                for i in range(4):
                    layer.weight |= stored[i * rows:(i + 1) * rows] << (2 * i)
                layer.weight_scale.fill_(1.0 / 0.05)
    return model.eval()


def export(path, seed=0, cfg=None, opset=17):
    model = build(seed, cfg)
    ids = torch.arange(model.cfg.seq, dtype=torch.int64).reshape(1, -1) % model.cfg.vocab
    torch.onnx.export(model, (ids,), path, input_names=["input_ids"],
                      output_names=["logits"], opset_version=opset)
    finish_export(path)
    return model, ids


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    parser.add_argument("--layers", type=int, help="override the preset's layer count")
    parser.add_argument("--save-case", metavar="DIR",
                        help="also write DIR/input_ids.npy and DIR/logits.npy (PyTorch)")
    parser.add_argument("--kv-cache", action="store_true",
                        help="export the decoding form (past/present key-value caches)")
    parser.add_argument("--generate", metavar="DIR",
                        help="with --kv-cache: write DIR/prompt.txt and PyTorch's greedy "
                             "tokens (DIR/tokens.txt) and step logits (DIR/step_logits.npy)")
    parser.add_argument("--reference-dtype", choices=["float32", "float64"],
                        default="float32",
                        help="with --generate: PyTorch's precision (float64 is the "
                             "exact reference where float32 rounds activation codes "
                             "differently; see docs/numerics.md)")
    parser.add_argument("--packed", action="store_true",
                        help="with --kv-cache: store BitLinear weights in Hugging Face's "
                             "packed uint8 form (opset 18; keeps 2B models under 2 GB)")
    parser.add_argument("--embed-dtype", choices=["float32", "float16", "bfloat16"],
                        help="override the preset's tied-embedding storage type")
    parser.add_argument("--prompt-len", type=int, default=5)
    parser.add_argument("--new-tokens", type=int, default=6)
    args = parser.parse_args()
    cfg = PRESETS[args.preset]
    import dataclasses
    if args.layers:
        cfg = dataclasses.replace(cfg, layers=args.layers)
    if args.embed_dtype:
        cfg = dataclasses.replace(cfg, embed_dtype=args.embed_dtype)
    if args.kv_cache:
        import numpy as np
        model, wrapper = export_with_cache(args.out, args.seed, cfg, packed=args.packed)
        if args.generate:
            os.makedirs(args.generate, exist_ok=True)
            prompt = [(7 * i + 3) % cfg.vocab for i in range(args.prompt_len)]
            if args.reference_dtype == "float64":
                wrapper = wrapper.double()
            tokens, logits = greedy_with_cache(wrapper, prompt, args.new_tokens)
            with open(os.path.join(args.generate, "prompt.txt"), "w") as f:
                f.write(",".join(map(str, prompt)) + "\n")
            with open(os.path.join(args.generate, "tokens.txt"), "w") as f:
                f.write(",".join(map(str, tokens)) + "\n")
            np.save(os.path.join(args.generate, "step_logits.npy"),
                    np.stack(logits).astype(np.float32))
        raise SystemExit(0)
    model, ids = export(args.out, args.seed, cfg)
    if args.save_case:
        import numpy as np
        os.makedirs(args.save_case, exist_ok=True)
        with torch.no_grad():
            logits = model(ids).numpy().astype(np.float32)
        np.save(os.path.join(args.save_case, "input_ids.npy"), ids.numpy())
        np.save(os.path.join(args.save_case, "logits.npy"), logits)
