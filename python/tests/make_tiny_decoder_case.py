#!/usr/bin/env python3
"""Exports the tiny BitNet decoder and its PyTorch logits for execution tests.

Usage: make_tiny_decoder_case.py OUT_DIR
Writes OUT_DIR/tiny_decoder.onnx, input_ids.npy (int64 [1, seq]),
logits.npy (float32 [1, seq, vocab]) computed by PyTorch, and
ort_logits.npy computed by onnxruntime from the same ONNX file (the runtime
users would otherwise pick; installed in the project's .venv by `make deps`).
"""

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from bitnet_mlir import tiny_decoder  # noqa: E402


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    model, ids = tiny_decoder.export(os.path.join(out_dir, "tiny_decoder.onnx"))
    with torch.no_grad():
        logits = model(ids).numpy().astype(np.float32)
    np.save(os.path.join(out_dir, "input_ids.npy"), ids.numpy().astype(np.int64))
    np.save(os.path.join(out_dir, "logits.npy"), logits)
    try:
        import onnxruntime
    except ImportError:
        sys.exit("onnxruntime is missing: run this with the project's venv "
                 "(.venv/bin/python, made by `make deps`)")
    session = onnxruntime.InferenceSession(
        os.path.join(out_dir, "tiny_decoder.onnx"),
        providers=["CPUExecutionProvider"])
    (ort_logits,) = session.run(None, {"input_ids": ids.numpy().astype(np.int64)})
    np.save(os.path.join(out_dir, "ort_logits.npy"), ort_logits.astype(np.float32))
    print(f"wrote tiny decoder case to {out_dir}: logits {logits.shape}, "
          f"onnxruntime vs PyTorch relative L2 "
          f"{np.linalg.norm(ort_logits - logits) / np.linalg.norm(logits):.2e}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    import warnings
    warnings.filterwarnings("ignore")
    main(sys.argv[1])
