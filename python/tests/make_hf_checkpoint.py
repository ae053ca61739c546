#!/usr/bin/env python3
"""Synthetic Hugging Face BitNet checkpoint directories for the tests.

    make_hf_checkpoint.py fixture VARIANT OUT_DIR [--shards N]
        VARIANT: bitlinear | autobitlinear-offline | autobitlinear-online
    make_hf_checkpoint.py random OUT_DIR --preset 8b [--layers N]

`fixture`: the weights of test/fixtures/hf_bitnet (transformers'
BitNetForCausalLM exported to ONNX three ways, one set of weights), written
as `BitNetForCausalLM.save_pretrained` would for each quantization_config:
the float weights of `hf_online` (its named initializers) for
autobitlinear online; their ternarization (equal to the ternary weights
the `hf_offline` graph multiplies, and packed equal to `hf_packed`'s
initializers, both checked here) packed as uint8 [out/4, in] with
weight_scale = gamma (autobitlinear offline) or 1/gamma (bitlinear, taken
from `hf_packed`). Norm weights are the fixtures' (all ones), the tied
embedding their `m.lm_head.weight`; `config.json` has the README's sizes in
BitNetConfig's key names. Written with the `safetensors` package.

`random`: a checkpoint of a DESIGN section 6 shape with random packed
weights (bitlinear, bfloat16 embedding and norms), one shard per few layers,
so that it is never all in memory.
"""

import argparse
import json
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path.insert(0, os.path.join(REPO, "python"))
FIXTURES = os.path.join(REPO, "test", "fixtures", "hf_bitnet")

PROJECTIONS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
               "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
VARIANTS = {"bitlinear": ("bitlinear", "offline"),
            "autobitlinear-offline": ("autobitlinear", "offline"),
            "autobitlinear-online": ("autobitlinear", "online")}


def config_json(vocab, hidden, ffn, layers, heads, kv_heads, linear_class, mode,
                dtype="float32", max_positions=4096):
    """BitNetConfig's keys (transformers' configuration_bitnet.py)."""
    return {
        "architectures": ["BitNetForCausalLM"], "model_type": "bitnet",
        "vocab_size": vocab, "hidden_size": hidden, "intermediate_size": ffn,
        "num_hidden_layers": layers, "num_attention_heads": heads,
        "num_key_value_heads": kv_heads, "hidden_act": "relu2",
        "max_position_embeddings": max_positions, "initializer_range": 0.02,
        "rms_norm_eps": 1e-5, "use_cache": True, "pad_token_id": None,
        "bos_token_id": 128000, "eos_token_id": 128001, "tie_word_embeddings": True,
        "rope_theta": 500000.0, "attention_bias": False, "attention_dropout": 0.0,
        "torch_dtype": dtype,
        "quantization_config": {"quant_method": "bitnet", "linear_class": linear_class,
                                "quantization_mode": mode, "modules_to_not_convert": None,
                                "use_rms_norm": False, "rms_norm_eps": 1e-6},
    }


def fixture_weights():
    """name -> array from the three fixture graphs, with the checks that
    they hold one set of weights."""
    import onnx
    from onnx import numpy_helper
    from bitnet_mlir.checkpoint import pack_codes

    def initializers(case):
        d = os.path.join(FIXTURES, case)
        m = onnx.load(os.path.join(d, "model.onnx"))
        return m, {t.name: numpy_helper.to_array(t, base_dir=d) for t in m.graph.initializer}

    _, online = initializers("hf_online")
    offline_graph, offline = initializers("hf_offline")
    _, packed = initializers("hf_packed")
    # hf_offline: one MatMul per BitLinear, in execution order, on the
    # ternary float weight transposed to [in, out].
    ternary = [offline[n.input[1]].T for n in offline_graph.graph.node
               if n.op_type == "MatMul" and n.input[1] in offline]
    names = [f"model.layers.{i}.{p}" for i in range(2) for p in PROJECTIONS]
    assert len(ternary) == len(names), len(ternary)
    w = {"model.embed_tokens.weight": online["m.lm_head.weight"]}
    for name, t in zip(names, ternary):
        floats = online[f"m.{name}.weight"]
        gamma = offline[f"m.{name}.weight_scale"].astype(np.float32)
        trits = np.clip(np.round(floats * (np.float32(1) / np.abs(floats).mean(dtype=np.float32))),
                        -1, 1)
        assert np.array_equal(trits, t + 0.0), f"{name}: hf_online ternarized != hf_offline"
        assert set(np.unique(t)) <= {-1.0, 0.0, 1.0}
        p = pack_codes(t.astype(np.int8))
        if f"m.{name}.weight" in packed:  # k/v's unpacking is folded by the exporter
            assert np.array_equal(p, packed[f"m.{name}.weight"]), f"{name}: packed differs"
        w[name + ".float"] = floats
        w[name + ".packed"] = p
        w[name + ".gamma"] = gamma
        w[name + ".inv_gamma"] = packed[f"m.{name}.weight_scale"].astype(np.float32)
    ones = {"attn": offline["m.model.layers.0.self_attn.attn_sub_norm.weight"],
            "ffn": offline["m.model.layers.0.mlp.ffn_sub_norm.weight"]}
    # Every RMSNorm of the fixture graphs multiplies by one of these two
    # (the exporter shares equal constants); both are all ones.
    assert all(np.all(v == 1) for v in ones.values())
    w["hidden_ones"], w["ffn_ones"] = ones["attn"], ones["ffn"]
    return w


def make_fixture_checkpoint(variant, out_dir, shards=1):
    from safetensors.numpy import save_file
    linear_class, mode = VARIANTS[variant]
    w = fixture_weights()
    tensors = {"model.embed_tokens.weight": w["model.embed_tokens.weight"],
               "model.norm.weight": w["hidden_ones"]}
    for i in range(2):
        pre = f"model.layers.{i}"
        tensors[f"{pre}.input_layernorm.weight"] = w["hidden_ones"]
        tensors[f"{pre}.post_attention_layernorm.weight"] = w["hidden_ones"]
        tensors[f"{pre}.self_attn.attn_sub_norm.weight"] = w["hidden_ones"]
        tensors[f"{pre}.mlp.ffn_sub_norm.weight"] = w["ffn_ones"]
        for p in PROJECTIONS:
            name = f"{pre}.{p}"
            if mode == "online":
                tensors[name + ".weight"] = w[name + ".float"]
            else:
                tensors[name + ".weight"] = w[name + ".packed"]
                tensors[name + ".weight_scale"] = (
                    w[name + ".inv_gamma"] if linear_class == "bitlinear" else w[name + ".gamma"])
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config_json(1000, 192, 520, 2, 6, 2, linear_class, mode), f, indent=2)
    tensors = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    if shards == 1:
        save_file(tensors, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
        return
    names = sorted(tensors)
    weight_map = {}
    for s in range(shards):
        shard = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        part = {n: tensors[n] for n in names[s::shards]}
        save_file(part, os.path.join(out_dir, shard), metadata={"format": "pt"})
        weight_map.update({n: shard for n in part})
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(v.nbytes for v in tensors.values())},
                   "weight_map": weight_map}, f, indent=2)


# DESIGN section 6 shapes.
PRESETS = {
    "8b": dict(vocab=128256, hidden=4096, ffn=14336, layers=32, heads=32, kv_heads=8),
    "2b4t": dict(vocab=128256, hidden=2560, ffn=6912, layers=30, heads=20, kv_heads=5),
}


def make_random_checkpoint(out_dir, preset, layers=None, layers_per_shard=4, seed=0):
    """Random packed weights (codes uniform over 0..2 per 2-bit field),
    bfloat16 embedding (normal, 0.02) and norms (ones), weight_scale 1/gamma
    in bfloat16, written shard by shard: at most one shard in memory."""
    import torch
    from safetensors.torch import save_file
    p = dict(PRESETS[preset])
    if layers:
        p["layers"] = layers
    os.makedirs(out_dir, exist_ok=True)
    gen = torch.Generator().manual_seed(seed)
    head_dim = p["hidden"] // p["heads"]
    kv = head_dim * p["kv_heads"]
    sizes = {"self_attn.q_proj": (p["hidden"], p["hidden"]),
             "self_attn.k_proj": (kv, p["hidden"]), "self_attn.v_proj": (kv, p["hidden"]),
             "self_attn.o_proj": (p["hidden"], p["hidden"]),
             "mlp.gate_proj": (p["ffn"], p["hidden"]), "mlp.up_proj": (p["ffn"], p["hidden"]),
             "mlp.down_proj": (p["hidden"], p["ffn"])}
    # A byte of four codes each in 0..2: 81 of the 256 byte values.
    valid = torch.tensor([a | b << 2 | c << 4 | d << 6 for a in range(3) for b in range(3)
                          for c in range(3) for d in range(3)], dtype=torch.uint8)
    weight_map, total = {}, 0
    groups = [list(range(i, min(i + layers_per_shard, p["layers"])))
              for i in range(0, p["layers"], layers_per_shard)]
    count = len(groups) + 1
    for s, group in enumerate([None] + groups):
        tensors = {}
        if group is None:
            tensors["model.embed_tokens.weight"] = (torch.randn(
                p["vocab"], p["hidden"], generator=gen) * 0.02).to(torch.bfloat16)
            tensors["model.norm.weight"] = torch.ones(p["hidden"], dtype=torch.bfloat16)
        else:
            for i in group:
                pre = f"model.layers.{i}"
                for n in ("input_layernorm", "post_attention_layernorm",
                          "self_attn.attn_sub_norm"):
                    tensors[f"{pre}.{n}.weight"] = torch.ones(p["hidden"], dtype=torch.bfloat16)
                tensors[f"{pre}.mlp.ffn_sub_norm.weight"] = torch.ones(p["ffn"],
                                                                       dtype=torch.bfloat16)
                for proj, (out_f, in_f) in sizes.items():
                    idx = torch.randint(0, 81, (out_f // 4, in_f), generator=gen)
                    tensors[f"{pre}.{proj}.weight"] = valid[idx]
                    tensors[f"{pre}.{proj}.weight_scale"] = torch.tensor(
                        [1.0 / 0.02], dtype=torch.bfloat16)
        shard = f"model-{s + 1:05d}-of-{count:05d}.safetensors"
        save_file(tensors, os.path.join(out_dir, shard), metadata={"format": "pt"})
        for n, t in tensors.items():
            weight_map[n] = shard
            total += t.numel() * t.element_size()
        print(f"{shard}: {len(tensors)} tensors", flush=True)
        del tensors
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config_json(p["vocab"], p["hidden"], p["ffn"], p["layers"], p["heads"],
                              p["kv_heads"], "bitlinear", "offline", dtype="bfloat16"),
                  f, indent=2)
    print(f"{out_dir}: {total / 1e9:.2f} GB in {count} shards")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="kind", required=True)
    fx = sub.add_parser("fixture")
    fx.add_argument("variant", choices=sorted(VARIANTS))
    fx.add_argument("out_dir")
    fx.add_argument("--shards", type=int, default=1)
    rnd = sub.add_parser("random")
    rnd.add_argument("out_dir")
    rnd.add_argument("--preset", choices=sorted(PRESETS), default="8b")
    rnd.add_argument("--layers", type=int)
    args = parser.parse_args()
    if args.kind == "fixture":
        make_fixture_checkpoint(args.variant, args.out_dir, args.shards)
    else:
        make_random_checkpoint(args.out_dir, args.preset, args.layers)


if __name__ == "__main__":
    main()
