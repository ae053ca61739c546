"""Checks and times `make demo`'s compiled model against the references.

Usage: python -m bitnet_mlir.demo_report CASE_DIR OUT_DIR MS_PER_RUN THREADS
       python -m bitnet_mlir.demo_report --generate CASE_DIR RUN_LOG PRESET THREADS
CASE_DIR holds model.onnx, input_ids.npy and PyTorch's logits.npy; OUT_DIR
the logits bitnet-run wrote; MS_PER_RUN bitnet-run's mean time. Runs the
same ONNX file with onnxruntime (same threads), prints the comparison and
the prompt tokens per second of both, and exits non-zero when the logits
are off from PyTorch's (relative L2 > 1e-3 or another greedy token).
With --generate: checks `bitnet-run --generate` (its log RUN_LOG; step
logits in CASE_DIR/our_step_logits.npy) against PyTorch's greedy decoding
(CASE_DIR/tokens.txt, step_logits.npy) and times onnxruntime decoding
CASE_DIR/model_kv.onnx the same way.
"""

import os
import sys
import time

import numpy as np


def main(case_dir, out_dir, ms_per_run, threads):
    ids = np.load(os.path.join(case_dir, "input_ids.npy"))
    torch_logits = np.load(os.path.join(case_dir, "logits.npy"))
    ours = np.load(os.path.join(out_dir, "logits.npy"))
    tokens = ids.shape[1]

    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(os.path.join(case_dir, "model.onnx"), options,
                                           providers=["CPUExecutionProvider"])
    (ort_logits,) = session.run(None, {"input_ids": ids})
    runs, start = 0, time.perf_counter()
    while runs < 3 or time.perf_counter() - start < 1.0:
        session.run(None, {"input_ids": ids})
        runs += 1
    ort_ms = 1e3 * (time.perf_counter() - start) / runs

    def compare(actual, reference):
        error = np.linalg.norm(actual - reference) / np.linalg.norm(reference)
        same = float((actual.argmax(-1) == reference.argmax(-1)).mean())
        return error, same

    error, same = compare(ours, torch_logits)
    print(f"BitNet-MLIR vs PyTorch    : relative L2 {error:.2e}, "
          f"greedy tokens agree at {100 * same:.0f}% of positions")
    ok = error <= 1e-3 and same == 1.0
    # Informational: this file is the training form, whose mean|W| over each
    # weight onnxruntime sums in float32 1.5e-4 off (docs/numerics.md); the
    # activation codes that moves shift the logits by ~1e-2.
    for name, a, b in [("onnxruntime vs PyTorch", ort_logits, torch_logits),
                       ("BitNet-MLIR vs onnxruntime", ours, ort_logits)]:
        error, same = compare(a, b)
        print(f"{name:26s}: relative L2 {error:.2e}, "
              f"greedy tokens agree at {100 * same:.0f}% of positions")
    print(f"prompt of {tokens} tokens, {threads} threads:")
    print(f"  BitNet-MLIR  {ms_per_run:8.2f} ms  {1e3 * tokens / ms_per_run:9.1f} tokens/s")
    print(f"  onnxruntime  {ort_ms:8.2f} ms  {1e3 * tokens / ort_ms:9.1f} tokens/s"
          f"  (same ONNX file; time ratio onnxruntime / BitNet-MLIR: "
          f"{ort_ms / ms_per_run:.2f})")
    return 0 if ok else 1




def ort_generate(model_path, prompt, new_tokens, threads, layers, kv_heads, head_dim,
                 dtype=np.float32):
    """Greedy decoding with onnxruntime on the same file, its cache grown as
    the graph does (present -> past) from length 0. Returns tokens, step
    logits, and the prompt and per-decode-step seconds. `dtype`: the
    caches' type (float64 for a graph rewritten in float64)."""
    import onnxruntime
    from bitnet_mlir.tiny_decoder import cache_names
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(model_path, options,
                                           providers=["CPUExecutionProvider"])
    past_names, _ = cache_names(layers)
    past = [np.zeros((1, kv_heads, 0, head_dim), dtype) for _ in past_names]
    ids, length, tokens, steps, times = np.array([prompt], np.int64), 0, [], [], []
    for _ in range(new_tokens):
        s = ids.shape[1]
        feed = {"input_ids": ids, "attention_mask": np.ones((1, length + s), np.int64),
                "position_ids": np.arange(length, length + s, dtype=np.int64)[None]}
        feed.update(dict(zip(past_names, past)))
        start = time.perf_counter()
        logits, *past = session.run(None, feed)
        times.append(time.perf_counter() - start)
        length += s
        steps.append(logits[0, -1])
        tokens.append(int(logits[0, -1].argmax()))
        ids = np.array([[tokens[-1]]], np.int64)
    return tokens, np.stack(steps), times[0], sum(times[1:]) / max(1, len(times) - 1)


def generate_report(case_dir, run_log, preset, threads):
    """`make demo`'s generation check: bitnet-run --generate against PyTorch
    in float64 (tokens equal, step logits within relative L2 1e-3) and timed
    against onnxruntime decoding the same file with the same threads."""
    from bitnet_mlir.tiny_decoder import PRESETS
    cfg = PRESETS[preset]
    read = lambda name: [int(t) for t in open(os.path.join(case_dir, name)).read().split(",")]
    prompt, torch_tokens = read("prompt.txt"), read("tokens.txt")
    log_lines = open(run_log).read().splitlines()
    ours_tokens = next([int(t) for t in line.split(",")] for line in log_lines
                       if line and all(c.isdigit() or c == "," for c in line))
    torch_logits = np.load(os.path.join(case_dir, "step_logits.npy"))
    ours_logits = np.load(os.path.join(case_dir, "our_step_logits.npy"))
    log = open(run_log).read()
    prompt_tps = float(log.split("prompt ")[1].split("(")[1].split(" tokens/s")[0])
    decode_tps = float(log.split("decode ")[1].split("(")[1].split(" tokens/s")[0])

    steps = [float(np.linalg.norm(a - b) / np.linalg.norm(b))
             for a, b in zip(ours_logits, torch_logits)]
    # Pass: the same tokens, and the prompt's logits within 1e-3. Later steps
    # run on caches that hold every earlier step's keys and values: once one
    # activation code sits on a rounding boundary (float32 vs float64 round
    # it differently; docs/numerics.md), the rest differ by ~1e-2.
    ok = steps[0] <= 1e-3 and ours_tokens == torch_tokens
    flipped = next((i for i, e in enumerate(steps) if e > 1e-3), None)
    print(f"generated tokens          : {','.join(map(str, ours_tokens))}")
    print(f"BitNet-MLIR vs PyTorch f64: same tokens: {ours_tokens == torch_tokens}; "
          f"logits relative L2 {steps[0]:.1e} after the prompt, "
          + (f"<= {max(steps):.1e} at every step" if flipped is None else
             f"<= {max(steps[:flipped]):.1e} up to step {flipped - 1}, then "
             f"{min(steps[flipped:]):.1e}..{max(steps[flipped:]):.1e} (an activation "
             f"code rounded differently from float64 at step {flipped})"))
    ort_tokens, ort_logits, ort_prompt_s, ort_step_s = ort_generate(
        os.path.join(case_dir, "model_kv.onnx"), prompt, len(torch_tokens), threads,
        cfg.layers, cfg.kv_heads, cfg.hidden // cfg.heads)
    ort_steps = [float(np.linalg.norm(a - b) / np.linalg.norm(b))
                 for a, b in zip(ort_logits, torch_logits)]
    # Informational here (asserted by the ctest onnxruntime-kv-export): the
    # file stores its weights ternarized, so onnxruntime computes what
    # PyTorch does up to float32 order (~1e-6), unless an activation code
    # sits on a rounding tie (docs/numerics.md).
    print(f"onnxruntime vs PyTorch f64: same tokens: {ort_tokens == torch_tokens}; "
          f"step logits relative L2 <= {max(ort_steps):.1e} at every step")
    print(f"generation, {len(prompt)}-token prompt then {len(torch_tokens) - 1} decode steps, "
          f"{threads} threads (tokens/s):")
    print(f"  BitNet-MLIR  prompt {prompt_tps:9.1f}   decode {decode_tps:8.1f}")
    print(f"  onnxruntime  prompt {len(prompt) / ort_prompt_s:9.1f}   decode "
          f"{1 / ort_step_s:8.1f}   (same file; decode ratio BitNet-MLIR / onnxruntime: "
          f"{decode_tps * ort_step_s:.2f})")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--generate":
        sys.exit(generate_report(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
