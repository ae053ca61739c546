#!/usr/bin/python3
"""CPU emulation (numpy) of both kernels' index mapping and decode math,
checked against a plain reference.  No GPU here, so this validates the
algorithm (chunk -> q offsets, byte/bit layout, signed-decode trick,
mask-only + sum(q) trick, K tail padding), not the compiled PTX."""
import numpy as np
rng = np.random.default_rng(0)

def pack_i2s(w):                      # w: [M, K] in {-1,0,1}  (docs/formats.md)
    M, K = w.shape; NB = (K + 127) // 128
    c = np.ones((M, NB * 128), np.uint8); c[:, :K] = (w + 1).astype(np.uint8)
    c = c.reshape(M, NB, 4, 32)       # [.., column, j]
    b = (c[:, :, 0] << 6) | (c[:, :, 1] << 4) | (c[:, :, 2] << 2) | c[:, :, 3]
    return b.reshape(M, NB * 32).astype(np.uint8)

def dp4a(a, b, c, a_signed, b_signed):  # a, b: uint32 words
    ab = np.frombuffer(np.uint32(a).tobytes(), np.int8 if a_signed else np.uint8).astype(np.int64)
    bb = np.frombuffer(np.uint32(b).tobytes(), np.int8 if b_signed else np.uint8).astype(np.int64)
    return int(c + (ab * bb).sum())

def words(buf, off):                  # 16 bytes -> 4 little-endian u32
    return np.frombuffer(buf[off:off + 16].tobytes(), np.uint32)

def kernel_simple(q, W, M, K):        # gemv_w2a8_launch.mlir
    nch = 2 * ((K + 127) // 128); out = np.zeros(M, np.int64)
    for m in range(M):
        lane_sum = []
        for lane in range(32):
            a = 0
            for t in range(lane, nch, 32):
                wv = words(W[m], 16 * t); qb = (t >> 1) * 128 + (t & 1) * 16
                for c in range(4):
                    qv = words(q, qb + 32 * c)
                    x = (((wv >> np.uint32(6 - 2 * c)) & np.uint32(0x03030303)) + np.uint32(0x7F7F7F7F)) ^ np.uint32(0x80808080)
                    for i in range(4): a = dp4a(qv[i], x[i], a, True, True)
            lane_sum.append(np.int32(a))
        out[m] = sum(lane_sum)
    return out

def kernel_tuned(q, W, M, K):         # gen_kernel.py
    nch = 2 * ((K + 127) // 128); out = np.zeros(M, np.int64)
    masks = [0xC0C0C0C0 >> (2 * c) for c in range(4)]
    for m in range(M):
        tot = 0
        for lane in range(32):
            acc = [0] * 4; sq = 0
            for t in range(lane, nch, 32):
                qb = (t >> 1) * 128 + (t & 1) * 16; wv = words(W[m], 16 * t)
                for c in range(4):
                    qv = words(q, qb + 32 * c)
                    for i in range(4):
                        sq = dp4a(qv[i], 0x01010101, sq, True, False)
                        acc[c] = dp4a(qv[i], int(wv[i]) & masks[c], acc[c], True, False)
            assert acc[0] % 64 == 0 and acc[1] % 16 == 0 and acc[2] % 4 == 0
            tot += (acc[0] >> 6) + (acc[1] >> 4) + (acc[2] >> 2) + acc[3] - sq
        out[m] = tot
    return out

for (M, K) in [(3, 128), (5, 200), (4, 2560), (2, 8640), (3, 4100)]:
    w = rng.integers(-1, 2, (M, K)); qs = rng.integers(-128, 128, K)
    KP = ((K + 127) // 128) * 128
    q = np.zeros(KP, np.int8); q[:K] = qs          # zero-padded tail
    ref = (w * qs).sum(1)
    W = pack_i2s(w)
    assert (kernel_simple(q, W, M, K) == ref).all(), (M, K)
    assert (kernel_tuned(q, W, M, K) == ref).all(), (M, K)
    q2 = q.copy(); q2[K:] = rng.integers(-128, 128, KP - K)   # garbage tail
    assert (kernel_tuned(q2, W, M, K) == ref).all(), "tail must cancel"
    print(f"M={M} K={K}: simple + tuned match reference")
