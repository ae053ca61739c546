"""Checks and times `make demo`'s compiled model against the references.

Usage: python -m bitnet_mlir.demo_report CASE_DIR OUT_DIR MS_PER_RUN THREADS
CASE_DIR holds model.onnx, input_ids.npy and PyTorch's logits.npy; OUT_DIR
the logits bitnet-run wrote; MS_PER_RUN bitnet-run's mean time. Runs the
same ONNX file with onnxruntime (same threads), prints the comparison and
the prompt tokens per second of both, and exits non-zero when the logits
are off from PyTorch's (relative L2 > 1e-3 or another greedy token).
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
    # Informational: onnxruntime runs the same fake-quantized graph in its
    # own float order; one activation code rounded the other way moves the
    # logits by ~1e-2, so it can be further from PyTorch than we are.
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


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
