#!/usr/bin/env python3
"""Greedy generation with a key-value cache, end to end through the product:
the tiny decoder exported with past/present caches (Hugging Face names),
`bitnet-compile --emit=lib` (prefill and decode entry points, caches updated
in place), then `bitnet-run --generate` (the C runtime's session owns the
caches). Compared, step by step, with PyTorch decoding with a growing cache
and with onnxruntime running the same ONNX file the same way.

Usage: run_generate.py BITNET_COMPILE BITNET_RUN WORK_DIR [--aarch64 MCPU | --packed]
                       [--abi-test ABI_TEST]

With --aarch64, the model (with a float16 tied embedding) is compiled for
AArch64 and bitnet-run itself is cross-compiled (aarch64-linux-gnu-g++, from
the runtime's sources) and run under qemu-aarch64 for MCPU.

Passes when, for a prompt processed as a full prefill chunk plus a decode
step and for a prompt shorter than the chunk (padded), every step's logits
are within relative L2 1e-3 of PyTorch's and onnxruntime's and the greedy
tokens are equal; and when a context overflow and a non-generative use are
refused with clear messages. The model is also compiled with
context buckets (prefill and decode for capacities 6 and 10 too, every
function used by the prompts' steps), which must match PyTorch the same
way; on x86-64 also with every loop nest other than the kernels split
over threads (`--parallel-min-iterations=1`), which must match PyTorch
too, and as an
executable (`--emit=exe`) that must generate the same tokens, and with
--abi-test, test/Runtime/abi_test.c checks the session API on the library.

With --packed, the model is exported with its BitLinear weights in Hugging
Face's packed form (uint8, unpacked in the graph) and a float16 tied
embedding (scripts/model-bench.sh's export); passes when bitnet-raise-bitlinear raises every BitLinear of both
entry points and the generated tokens and step logits match PyTorch running
the packed model.
"""

import os
import subprocess
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "python"))

MAX_CONTEXT = 24
PREFILL_TOKENS = 4
NEW_TOKENS = 8
PROMPTS = [[3, 10, 17, 24, 31], [42, 7, 88]]  # chunk + decode; padded chunk


def run(cmd, **kwargs):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, text=True, capture_output=True, **kwargs)


def generate(runner, library, prompt, logits_path):
    """`bitnet-run --generate` on `library`: the tokens and every step's
    logits; exits on failure."""
    result = run(runner + [library, "--generate", "--prompt-ids",
                           ",".join(map(str, prompt)), "--max-new-tokens",
                           str(NEW_TOKENS), "--threads", "2", "--logits-out", logits_path])
    print(result.stdout + result.stderr, end="")
    if result.returncode != 0:
        sys.exit(f"FAILED: bitnet-run --generate {os.path.basename(library)}")
    return [int(t) for t in result.stdout.strip().split(",")], np.load(logits_path)


def matches(label, tokens, logits, name, ref_tokens, ref_logits):
    """Prints the comparison; true for equal tokens and step logits within
    relative L2 1e-3."""
    error = np.linalg.norm(logits - ref_logits) / np.linalg.norm(ref_logits)
    print(f"{label}: tokens {tokens} vs {name} {ref_tokens}; "
          f"step logits relative L2 {error:.2e}")
    return tokens == ref_tokens and error <= 1e-3


def torch_reference(wrapper, prompt):
    from bitnet_mlir.tiny_decoder import greedy_with_cache
    tokens, logits = greedy_with_cache(wrapper, prompt, NEW_TOKENS)
    return tokens, np.stack(logits)


def onnxruntime_reference(model_path, cfg, prompt):
    """Greedy decoding with onnxruntime on the exported file, growing the
    cache as the graph does (present -> past)."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    from bitnet_mlir.tiny_decoder import cache_names
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    past_names, _ = cache_names(cfg.layers)
    head_dim = cfg.hidden // cfg.heads
    past = [np.zeros((1, cfg.kv_heads, 0, head_dim), np.float32) for _ in past_names]
    ids, length, tokens, steps = np.array([prompt], np.int64), 0, [], []
    for _ in range(NEW_TOKENS):
        s = ids.shape[1]
        feed = {"input_ids": ids,
                "attention_mask": np.ones((1, length + s), np.int64),
                "position_ids": np.arange(length, length + s, dtype=np.int64)[None]}
        feed.update(dict(zip(past_names, past)))
        logits, *past = session.run(None, feed)
        length += s
        steps.append(logits[0, -1])
        tokens.append(int(logits[0, -1].argmax()))
        ids = np.array([[tokens[-1]]], np.int64)
    return tokens, np.stack(steps)


def build_aarch64_runner(work_dir):
    """bitnet-run for AArch64, from the runtime's own sources."""
    runner = os.path.join(work_dir, "bitnet-run-aarch64")
    sources = [os.path.join(REPO, p) for p in (
        "tools/bitnet-run/bitnet-run.cpp", "lib/Tools/BitNetRunMain.cpp",
        "lib/Runtime/BitNetRuntime.cpp", "lib/Runtime/Npy.cpp",
        "lib/Runtime/TensorProto.cpp")]
    built = run(["aarch64-linux-gnu-g++", "-std=c++17", "-O1", "-I",
                 os.path.join(REPO, "include"), "-o", runner] + sources + ["-ldl"])
    if built.returncode != 0:
        sys.exit(built.stderr)
    return runner


def tiny_config(embed_dtype):
    import dataclasses
    from bitnet_mlir import tiny_decoder
    return dataclasses.replace(tiny_decoder.TinyConfig(), embed_dtype=embed_dtype)


def main(bitnet_compile, bitnet_run, work_dir, aarch64_cpu=None, abi_test=None):
    import torch  # noqa: F401  (PyTorch is the reference)
    from bitnet_mlir import tiny_decoder

    os.makedirs(work_dir, exist_ok=True)
    model_path = os.path.join(work_dir, "tiny_kv.onnx")
    # AArch64 runs the float16 tied embedding (widened by the lm_head kernel:
    # fcvtl); x86-64 the float32 one (a folded transposed copy, shared).
    embed_dtype = "float16" if aarch64_cpu else "float32"
    model, _ = tiny_decoder.export_with_cache(model_path, cfg=tiny_config(embed_dtype))
    wrapper = tiny_decoder.TinyBitNetWithCache(model).eval()
    cfg = model.cfg

    library = os.path.join(work_dir, "tiny_kv.so")
    flags = [f"--max-context={MAX_CONTEXT}", f"--prefill-tokens={PREFILL_TOKENS}"]
    runner = [bitnet_run]
    if aarch64_cpu:
        flags += ["--target=aarch64", f"--mcpu={aarch64_cpu}"]
        runner = ["qemu-aarch64", "-cpu", aarch64_cpu, "-L", "/usr/aarch64-linux-gnu",
                  build_aarch64_runner(work_dir)]
    compiled = run([bitnet_compile, model_path, "--emit=lib", "-o", library] + flags)
    if compiled.returncode != 0:
        sys.exit(compiled.stderr)

    info = run(runner + [library, "--print-info"])
    print(info.stdout, end="")
    ok = info.returncode == 0 and info.stdout.startswith(
        f"generative: context {MAX_CONTEXT} tokens, vocabulary {cfg.vocab}")
    ok &= "state past_key_values.0.key f32 [1, 2, 24, 20]" in info.stdout

    for prompt in PROMPTS:
        expected_tokens, expected_logits = torch_reference(wrapper, prompt)
        tokens, logits = generate(runner, library, prompt,
                                  os.path.join(work_dir, f"logits_{len(prompt)}.npy"))
        references = [("PyTorch", expected_tokens, expected_logits)]
        ort_result = onnxruntime_reference(model_path, cfg, prompt)
        if ort_result is not None:
            references.append(("onnxruntime", *ort_result))
        for name, ref_tokens, ref_logits in references:
            ok &= matches(f"prompt {prompt}", tokens, logits, name, ref_tokens, ref_logits)

    # Context buckets: prefill and decode also compiled for capacities 6 and
    # 10, the entry points picking the smallest that holds the new tokens'
    # slots. The 5-token prompt's decode steps (positions 4..11) use all
    # three decode functions (6: 4-5, 10: 6-9, the full decode: 10-11); the
    # 13-token prompt's chunks (positions 0, 4, 8; 4 tokens each) all three
    # prefill functions (6, 10, full); tokens and logits must stay PyTorch's.
    def variant_matches(label, name, extra_flags, prompts):
        """Compiles the model with `extra_flags` as NAME.so; true when every
        prompt gives PyTorch's tokens and step logits."""
        variant = os.path.join(work_dir, f"{name}.so")
        built = run([bitnet_compile, model_path, "--emit=lib", "-o", variant]
                    + extra_flags + flags)
        if built.returncode != 0:
            sys.exit(built.stderr)
        good = True
        for prompt in prompts:
            expected_tokens, expected_logits = torch_reference(wrapper, prompt)
            tokens, logits = generate(runner, variant, prompt,
                                      os.path.join(work_dir, f"{name}_logits_{len(prompt)}.npy"))
            good &= matches(f"{label}, prompt {prompt}", tokens, logits, "PyTorch",
                            expected_tokens, expected_logits)
        return good

    ok &= variant_matches("context buckets", "tiny_kv_buckets", ["--context-buckets=6,10"],
                          PROMPTS + [[5, 9, 13, 2, 77, 31, 8, 64, 50, 3, 19, 44, 6]])

    # Every loop nest other than the kernels split over threads
    # (bitnet-parallelize-rows from 1 iteration; the default, 65536, leaves
    # this small model's on one thread): the same tokens and logits.
    if not aarch64_cpu:
        ok &= variant_matches("rows on threads", "tiny_kv_rows",
                              ["--parallel-min-iterations=1"], PROMPTS)

    # The same model as an executable (bitnet-compile --emit=exe): bitnet-run
    # with the model built in, the same tokens.
    if not aarch64_cpu:
        exe = os.path.join(work_dir, "tiny_kv")
        built = run([bitnet_compile, model_path, "--emit=exe", "-o", exe] + flags)
        ok &= built.returncode == 0 and os.path.exists(exe + ".weights")
        prompt = PROMPTS[0]
        result = run([exe, "--generate", "--prompt-ids", ",".join(map(str, prompt)),
                      "--max-new-tokens", str(NEW_TOKENS)])
        print(result.stdout + result.stderr + built.stderr, end="")
        expected_tokens, _ = torch_reference(wrapper, prompt)
        exe_tokens = result.stdout.strip()
        print(f"executable: tokens {exe_tokens} (PyTorch {expected_tokens})")
        ok &= result.returncode == 0 and exe_tokens == ",".join(map(str, expected_tokens))

    # The session API from C (test/Runtime/abi_test.c), on the same library.
    if abi_test and not aarch64_cpu:
        abi = run([abi_test, "--generative", library])
        print(abi.stdout + abi.stderr, end="")
        ok &= abi.returncode == 0

    # A prompt that does not fit, and an out-of-vocabulary token.
    too_long = run(runner + [library, "--generate", "--prompt-ids",
                             ",".join(["1"] * (MAX_CONTEXT + 1))])
    print(too_long.stderr, end="")
    ok &= too_long.returncode != 0 and "does not fit the model's context" in too_long.stderr
    bad_token = run(runner + [library, "--generate", "--prompt-ids", str(cfg.vocab)])
    print(bad_token.stderr, end="")
    ok &= bad_token.returncode != 0 and "outside the vocabulary" in bad_token.stderr
    if not ok:
        sys.exit("FAILED")
    print("OK")


def main_packed(bitnet_compile, bitnet_run, work_dir):
    from bitnet_mlir import tiny_decoder

    os.makedirs(work_dir, exist_ok=True)
    model_path = os.path.join(work_dir, "tiny_kv_packed.onnx")
    model, wrapper = tiny_decoder.export_with_cache(model_path, cfg=tiny_config("float16"),
                                                    packed=True)
    flags = [f"--max-context={MAX_CONTEXT}", f"--prefill-tokens={PREFILL_TOKENS}"]
    raised = run([bitnet_compile, model_path, "--stop-after=raise"] + flags)
    layers = sum(isinstance(m, tiny_decoder.PackedBitLinear) for m in model.modules())
    count = raised.stdout.count("bitnet.bitlinear")
    print(raised.stderr, end="")
    # Each layer appears once in the prefill and once in the decode function.
    print(f"raised {count} bitnet.bitlinear ops for {layers} packed layers x 2 entry points")
    ok = raised.returncode == 0 and layers > 0 and count == 2 * layers
    library = os.path.join(work_dir, "tiny_kv_packed.so")
    compiled = run([bitnet_compile, model_path, "--emit=lib", "-o", library] + flags)
    if compiled.returncode != 0:
        sys.exit(compiled.stderr)
    for prompt in PROMPTS:
        expected_tokens, expected_logits = torch_reference(wrapper, prompt)
        tokens, logits = generate([bitnet_run], library, prompt,
                                  os.path.join(work_dir, f"packed_logits_{len(prompt)}.npy"))
        ok &= matches(f"prompt {prompt}", tokens, logits, "PyTorch", expected_tokens,
                      expected_logits)
    if not ok:
        sys.exit("FAILED")
    print("OK")


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--packed" in args:
        args.remove("--packed")
        if len(args) != 3:
            sys.exit(__doc__)
        main_packed(*args)
        sys.exit(0)
    cpu = abi = None
    if "--abi-test" in args:
        i = args.index("--abi-test")
        abi = args[i + 1]
        del args[i:i + 2]
    if "--aarch64" in args:
        i = args.index("--aarch64")
        cpu = args[i + 1]
        del args[i:i + 2]
    if len(args) != 3:
        sys.exit(__doc__)
    main(*args, aarch64_cpu=cpu, abi_test=abi)
