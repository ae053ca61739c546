"""A tiny BitNet b1.58 decoder with the 2B4T architecture, for tests and demos.

RMSNorm, grouped-query attention with RoPE (theta 5e5), an attention sub-norm
before o_proj, a ReLU^2 GLU FFN with a sub-norm before down_proj, tied
embeddings, and odd sizes. Every projection is a BitLinear in the training
form of the BitNet FAQ: per-token absmax int8 fake quantization of the input
and per-tensor absmean ternarization of the weight, with straight-through
estimators. Exported with torch.onnx.export, deterministic from a seed.

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


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.head_dim = cfg.hidden // cfg.heads
        kv_dim = self.head_dim * cfg.kv_heads
        self.q_proj = BitLinear(cfg.hidden, cfg.hidden)
        self.k_proj = BitLinear(cfg.hidden, kv_dim)
        self.v_proj = BitLinear(cfg.hidden, kv_dim)
        self.o_proj = BitLinear(cfg.hidden, cfg.hidden)
        self.sub_norm = RMSNorm(cfg.hidden, cfg.eps)

    def forward(self, x, cos, sin, mask):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.cfg.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.cfg.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.cfg.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        groups = self.cfg.heads // self.cfg.kv_heads
        k = k.repeat_interleave(groups, dim=1)
        v = v.repeat_interleave(groups, dim=1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim) + mask
        out = scores.softmax(dim=-1) @ v
        out = out.transpose(1, 2).reshape(b, s, self.cfg.hidden)
        return self.o_proj(self.sub_norm(out))


class FeedForward(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.gate_proj = BitLinear(cfg.hidden, cfg.ffn)
        self.up_proj = BitLinear(cfg.hidden, cfg.ffn)
        self.down_proj = BitLinear(cfg.ffn, cfg.hidden)
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

    def forward(self, x, cos, sin, mask):
        x = x + self.attn(self.input_norm(x), cos, sin, mask)
        return x + self.mlp(self.post_attn_norm(x))


class TinyBitNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab, cfg.hidden)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.norm = RMSNorm(cfg.hidden, cfg.eps)

    def forward(self, input_ids):
        s = input_ids.shape[1]
        cos, sin = rope_tables(self.cfg, s)
        mask = torch.full((s, s), float("-inf")).triu(1)
        x = self.embed(input_ids)
        for block in self.blocks:
            x = block(x, cos, sin, mask)
        return F.linear(self.norm(x), self.embed.weight)  # tied embeddings


# Named sizes: "tiny" for tests (odd sizes, fast), "demo" for `make demo`
# (the bundled default model: small enough to generate and compile in
# seconds, large enough for the kernels to matter).
PRESETS = {
    "tiny": TinyConfig(),
    "demo": TinyConfig(vocab=1024, hidden=512, layers=2, heads=8, kv_heads=4,
                       ffn=1376, seq=64, ternary_weights=True),
    # DESIGN section 6 "large (0.7B)" shapes, 128-token prompt.
    "large": TinyConfig(vocab=32002, hidden=1536, layers=24, heads=16, kv_heads=16,
                        ffn=4096, seq=128, ternary_weights=True),
}


def build(seed=0, cfg=None):
    torch.manual_seed(seed)
    model = TinyBitNet(cfg or TinyConfig()).eval()
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0.0, 0.05)
            else:
                p.uniform_(0.8, 1.2)
        if model.cfg.ternary_weights:
            for layer in model.modules():
                if isinstance(layer, BitLinear):
                    codes = torch.randint(0, 4, layer.weight.shape)  # 0, 1, 2, 3
                    trits = (codes == 3).float() - (codes == 0).float()
                    layer.weight.copy_(0.05 * trits)
    return model


def export(path, seed=0, cfg=None, opset=17):
    model = build(seed, cfg)
    ids = torch.arange(model.cfg.seq, dtype=torch.int64).reshape(1, -1) % model.cfg.vocab
    torch.onnx.export(model, (ids,), path, input_names=["input_ids"],
                      output_names=["logits"], opset_version=opset)
    return model, ids


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    parser.add_argument("--layers", type=int, help="override the preset's layer count")
    parser.add_argument("--save-case", metavar="DIR",
                        help="also write DIR/input_ids.npy and DIR/logits.npy (PyTorch)")
    args = parser.parse_args()
    cfg = PRESETS[args.preset]
    if args.layers:
        import dataclasses
        cfg = dataclasses.replace(cfg, layers=args.layers)
    model, ids = export(args.out, args.seed, cfg)
    if args.save_case:
        import numpy as np
        os.makedirs(args.save_case, exist_ok=True)
        with torch.no_grad():
            logits = model(ids).numpy().astype(np.float32)
        np.save(os.path.join(args.save_case, "input_ids.npy"), ids.numpy())
        np.save(os.path.join(args.save_case, "logits.npy"), logits)
