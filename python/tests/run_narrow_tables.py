#!/usr/bin/env python3
"""A tied embedding stored narrow (float16 and bfloat16), end to end.

Usage: run_narrow_tables.py BITNET_COMPILE BITNET_RUN WORK_DIR

For each storage type, the tiny decoder is exported with its embedding
table in that type (the lm_head reads it through ONNX Cast + Transpose:
tiny_decoder.finish_export), compiled with `bitnet-compile --emit=lib`
(bitnet-fold-contraction-views makes the lm_head kernel read the narrow
table and widen it in registers) and run by `bitnet-run`. Passes when the
logits are within relative L2 1e-3 of PyTorch's (float32 compute on the
same narrow table) with the same greedy tokens, and, for float16, of
onnxruntime's on the same file.
"""

import dataclasses
import os
import subprocess
import sys

import numpy as np
import torch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "python"))
from bitnet_mlir import tiny_decoder  # noqa: E402


def check(name, logits, reference):
    error = np.linalg.norm(logits - reference) / np.linalg.norm(reference)
    same = np.array_equal(logits.argmax(-1), reference.argmax(-1))
    print(f"  vs {name}: relative L2 {error:.2e}, same greedy tokens: {same}")
    return error <= 1e-3 and same


def main(bitnet_compile, bitnet_run, work_dir):
    os.makedirs(work_dir, exist_ok=True)
    ok = True
    for dtype in ("float16", "bfloat16"):
        cfg = dataclasses.replace(tiny_decoder.TinyConfig(), embed_dtype=dtype)
        model_path = os.path.join(work_dir, f"tiny_{dtype}.onnx")
        model, ids = tiny_decoder.export(model_path, cfg=cfg)
        with torch.no_grad():
            expected = model(ids).numpy().astype(np.float32)
        np.save(os.path.join(work_dir, "input_ids.npy"), ids.numpy())
        library = os.path.join(work_dir, f"tiny_{dtype}.so")
        out_dir = os.path.join(work_dir, f"out_{dtype}")
        for cmd in ([bitnet_compile, model_path, "--emit=lib", "-o", library],
                    [bitnet_run, library, "--input",
                     "input_ids=" + os.path.join(work_dir, "input_ids.npy"),
                     "--output-dir", out_dir, "--threads", "2"]):
            result = subprocess.run(cmd, text=True, capture_output=True)
            if result.returncode != 0:
                sys.exit(f"FAILED: {' '.join(cmd)}\n{result.stderr}")
        logits = np.load(os.path.join(out_dir, "logits.npy"))
        print(f"{dtype} table:")
        ok &= check("PyTorch", logits, expected)
        if dtype == "float16":
            try:
                import onnxruntime
            except ImportError:
                sys.exit("onnxruntime is missing: run this with the project's venv")
            session = onnxruntime.InferenceSession(model_path,
                                                   providers=["CPUExecutionProvider"])
            (ort_logits,) = session.run(None, {"input_ids": ids.numpy()})
            ok &= check("onnxruntime", logits, ort_logits)
    if not ok:
        sys.exit("FAILED")
    print("OK")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    import warnings
    warnings.filterwarnings("ignore")
    main(*sys.argv[1:])
