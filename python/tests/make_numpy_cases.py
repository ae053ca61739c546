#!/usr/bin/env python3
"""Writes BitLinear test cases and their numpy-reference results as .npy.

Usage: make_numpy_cases.py OUT_DIR

OUT_DIR/cases.txt lists one case per line: `name n m k bits`; each case has
x, w (ternary int8), gamma, wf (float weights) and the expected acc, y
(ternary weights) and yf (float weights ternarized by the reference).

OUT_DIR/rms_norm_cases.txt lists `name n k bits eps reciprocal` cases of
bitnet.rms_norm_quantize (reciprocal: 1 for `reciprocal_scale`): x, gamma
and the expected codes q, scales s and code sums.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from bitnet_mlir import reference as ref  # noqa: E402

CASES = [(1, 77, 200, 8), (5, 77, 200, 4), (3, 33, 129, 8), (4, 64, 256, 4),
         (2, 3, 1, 8)]


def activations(rng, n, k):
    x = rng.standard_normal((n, k)).astype(np.float32)
    x[np.arange(n), (np.arange(n) * 5) % k] *= 30.0  # one outlier per row
    if n > 2:
        x[1] = 0.0  # an all-zero token
    return x


# (tokens, features, bits, eps, reciprocal scale): sizes of the tiny
# decoder, odd K, K = 1; the scale as PyTorch computes 127 / t.
RMS_NORM_CASES = [(7, 80, 8, 1e-5, False), (7, 136, 4, 1e-5, False),
                  (5, 129, 8, 1e-6, False), (4, 200, 4, 1e-5, False),
                  (2, 1, 8, 1e-5, False), (64, 192, 8, 1e-5, True),
                  (7, 136, 4, 1e-5, True)]


def write_rms_norm_cases(out_dir, rng):
    lines = []
    for n, k, bits, eps, reciprocal in RMS_NORM_CASES:
        name = f"rms_n{n}_k{k}_a{bits}" + ("_recip" if reciprocal else "")
        x = activations(rng, n, k)
        gamma = rng.uniform(0.8, 1.2, size=k).astype(np.float32)
        q, s, sums = ref.rms_norm_quantize(x, gamma, np.float32(eps), bits, reciprocal)
        for key, value in dict(x=x, gamma=gamma, q=q, s=s, sums=sums).items():
            np.save(os.path.join(out_dir, f"{name}.{key}.npy"), value)
        lines.append(f"{name} {n} {k} {bits} {float(np.float32(eps))!r} {int(reciprocal)}")
    with open(os.path.join(out_dir, "rms_norm_cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(2026)
    lines = []
    for n, m, k, bits in CASES:
        name = f"n{n}_m{m}_k{k}_a{bits}"
        x = activations(rng, n, k)
        w = rng.integers(-1, 2, size=(m, k)).astype(np.int8)
        gamma = np.float32(rng.uniform(0.01, 0.1))
        wf = (rng.standard_normal((m, k)) * 0.02).astype(np.float32)
        y, acc = ref.bitlinear(x, w, gamma, bits)
        wft, wf_gamma = ref.ternarize(wf)
        yf, _ = ref.bitlinear(x, wft, wf_gamma, bits)
        for key, value in dict(x=x, w=w, gamma=np.array(gamma), wf=wf, acc=acc,
                               y=y, yf=yf).items():
            np.save(os.path.join(out_dir, f"{name}.{key}.npy"), value)
        lines.append(f"{name} {n} {m} {k} {bits}")
    with open(os.path.join(out_dir, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    write_rms_norm_cases(out_dir, rng)
    print(f"wrote {len(lines)} BitLinear and {len(RMS_NORM_CASES)} "
          f"RMSNorm cases to {out_dir}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
