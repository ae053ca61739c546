"""scripts/model-bench.sh's report: onnxruntime decoding the same file with
the same threads, next to the compiled model's logs, as one table.

Usage: python -m bitnet_mlir.model_bench WORK PRESET LAYERS PROMPT_LEN NEW_TOKENS THREADS...
       python -m bitnet_mlir.model_bench --prompt PRESET PROMPT_LEN
WORK holds model.onnx, compile.log (/usr/bin/time and --timings) and
generate-T.log (the executable's --generate output at T threads); LAYERS 0
means the preset's.
"""

import os
import re
import sys

from bitnet_mlir.demo_report import ort_generate
from bitnet_mlir.tiny_decoder import PRESETS


def prompt_ids(preset, length):
    vocab = PRESETS[preset].vocab
    return [(7 * i + 3) % vocab for i in range(length)]


def parse_generate(path):
    """(tokens, prompt tokens/s, decode tokens/s) from a --generate log."""
    text = open(path).read()
    tokens = next([int(t) for t in line.split(",")] for line in text.splitlines()
                  if line and all(c.isdigit() or c == "," for c in line))
    rate = lambda what: float(re.search(what + r" .*\(([0-9.]+) tokens/s\)", text).group(1))
    return tokens, rate("prompt"), rate("decode")


def main(work, preset, layers, prompt_len, new_tokens, threads):
    cfg = PRESETS[preset]
    layers = layers or cfg.layers
    prompt = prompt_ids(preset, prompt_len)
    compile_log = open(os.path.join(work, "compile.log")).read()
    wall, kib = re.search(r"bitnet-compile: ([0-9.]+) s wall, ([0-9]+) KiB", compile_log).groups()
    rows = []
    for t in threads:
        ours, our_prompt, our_decode = parse_generate(os.path.join(work, f"generate-{t}.log"))
        ort_tokens, _, prompt_s, step_s = ort_generate(
            os.path.join(work, "model.onnx"), prompt, new_tokens, t, layers, cfg.kv_heads,
            cfg.hidden // cfg.heads)
        same = next((i for i, (a, b) in enumerate(zip(ours, ort_tokens)) if a != b), None)
        rows.append((t, our_prompt, our_decode, prompt_len / prompt_s, 1 / step_s,
                     "all" if same is None else f"first {same}"))
    load = open("/proc/loadavg").read().split()[:3]
    print(f"\n{preset}: hidden {cfg.hidden}, {layers} layers, heads {cfg.heads}/{cfg.kv_heads}, "
          f"ffn {cfg.ffn}, vocab {cfg.vocab}; {prompt_len}-token prompt, {new_tokens} new tokens")
    print(f"compile: {float(wall):.1f} s, {int(kib) / 2**20:.2f} GB peak RSS; "
          f"load average {' '.join(load)}")
    print(f"{'threads':>7} | {'prompt tok/s':>12} {'ort':>8} {'x':>5} | "
          f"{'decode tok/s':>12} {'ort':>8} {'x':>5} | same tokens as ort")
    for t, p, d, op, od, same in rows:
        print(f"{t:>7} | {p:12.1f} {op:8.1f} {p / op:5.2f} | {d:12.1f} {od:8.1f} {d / od:5.2f} | {same}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--prompt":
        print(",".join(map(str, prompt_ids(sys.argv[2], int(sys.argv[3])))))
        sys.exit(0)
    if len(sys.argv) < 7:
        sys.exit(__doc__)
    w, p, l, pl, nt, *ts = sys.argv[1:]
    sys.exit(main(w, p, int(l), int(pl), int(nt), [int(t) for t in ts]))
