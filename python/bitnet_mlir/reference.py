"""Independent numpy implementation of BitNet numerics (docs/numerics.md).

Written from the formulas, not from the C++ reference library, so that tests
can check both the C++ oracle and the compiled code against it. All float
arithmetic is float32 except the sums inside means (float64, rounded once).
"""

import numpy as np

SCALE_FLOOR = np.float32(1e-5)
SQRT7 = np.sqrt(np.float32(7.0))


def mean_abs(x, axis=None):
    """mean|x| summed in float64, divided in float64, rounded to float32."""
    x = np.asarray(x, dtype=np.float32)
    count = x.size if axis is None else x.shape[axis]
    total = np.abs(x.astype(np.float64)).sum(axis=axis)
    return (total / np.float64(count)).astype(np.float32)


def ternarize(w):
    """Per-tensor absmean ternarization: (int8 ternary weights, gamma)."""
    w = np.asarray(w, dtype=np.float32)
    gamma = np.maximum(mean_abs(w), SCALE_FLOOR)
    wt = np.clip(np.rint(w / gamma), -1, 1).astype(np.int8)
    return wt, np.float32(gamma)


def quantize(x, bits, reciprocal=False):
    """Per-token quantization along the last axis: (int8 codes, multiplier s).
    With `reciprocal`, s = (1 / d) * c in two float32 roundings (PyTorch's
    `c / t`; bitnet.quantize's reciprocal_scale) instead of c / d."""
    x = np.asarray(x, dtype=np.float32)
    if bits == 8:
        d = np.maximum(np.abs(x).max(axis=-1), SCALE_FLOOR).astype(np.float32)
        c = np.float32(127.0)
        lo, hi = -128, 127
    elif bits == 4:
        d = (mean_abs(x, axis=-1) + SCALE_FLOOR).astype(np.float32)
        c = np.float32(SQRT7)
        lo, hi = -8, 7
    else:
        raise ValueError(f"unsupported activation bits {bits}")
    if reciprocal:
        s = ((np.float32(1.0) / d).astype(np.float32) * c).astype(np.float32)
    else:
        s = (c / d).astype(np.float32)
    q = np.clip(np.rint(x * s[..., None]), lo, hi).astype(np.int8)
    return q, s


def rms_norm(x, gamma, eps):
    """Per-token RMSNorm: squares in float32, their sum in float64 (rounded
    once to float32 after dividing by K), r = 1 / sqrt(mean + eps) as two
    float32 operations, y = (x * r) * gamma."""
    x = np.asarray(x, dtype=np.float32)
    gamma = np.asarray(gamma, dtype=np.float32)
    squares = (x * x).astype(np.float64)
    mean = (squares.sum(axis=-1) / np.float64(x.shape[-1])).astype(np.float32)
    r = (np.float32(1.0) / np.sqrt(mean + np.float32(eps))).astype(np.float32)
    return ((x * r[..., None]) * gamma).astype(np.float32)


def rms_norm_quantize(x, gamma, eps, bits, reciprocal=False):
    """bitnet.rms_norm_quantize: (codes, multiplier s, sum of codes per row)."""
    q, s = quantize(rms_norm(x, gamma, eps), bits, reciprocal)
    return q, s, q.astype(np.int32).sum(axis=-1, dtype=np.int32)


def ternary_matmul(q, wt):
    """int32 accumulators of int8 codes [N, K] x ternary weights [M, K]."""
    return q.astype(np.int32) @ wt.astype(np.int32).T


def bitlinear(x, wt, gamma, bits):
    """(acc * gamma) / s with per-token quantized x and ternary wt."""
    q, s = quantize(x, bits)
    acc = ternary_matmul(q, wt)
    y = (acc.astype(np.float32) * np.float32(gamma)) / s[..., None]
    return y.astype(np.float32), acc


def topk_sparsify(x, fraction):
    """Keep the ceil(fraction*K) largest |x| per row (ties: lower index)."""
    x = np.asarray(x, dtype=np.float32)
    cols = x.shape[-1]
    k = int(min(max(np.ceil(fraction * cols), 0), cols))
    flat = x.reshape(-1, cols)
    out = np.zeros_like(flat)
    for r, row in enumerate(flat):
        keep = np.argsort(-np.abs(row), kind="stable")[:k]
        out[r, keep] = row[keep]
    return out.reshape(x.shape)
