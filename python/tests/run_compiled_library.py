#!/usr/bin/env python3
"""Runs the tiny decoder compiled by `bitnet-compile --emit=lib` and compares
its logits with PyTorch's.

Usage: run_compiled_library.py BITNET_COMPILE CASE_DIR WORK_DIR [compile flags...]
CASE_DIR is what make_tiny_decoder_case.py wrote (tiny_decoder.onnx,
input_ids.npy, logits.npy). The library is loaded with ctypes and called
through its C interface, `_mlir_ciface_main(result, input_ids)`, whose
arguments are MLIR memref descriptors; it is compiled with --embed-weights,
since nothing here maps a weights file (the C runtime does). With --target=aarch64 among the flags
a small C program linked against the library (aarch64-linux-gnu-gcc) calls
it instead, under qemu-aarch64 for the --mcpu CPU. Passes when the relative
L2 error of the logits is <= 1e-3 and the greedy token agrees at every
position.
"""

import ctypes
import os
import subprocess
import sys

import numpy as np


def memref_type(ctype, rank):
    class MemRef(ctypes.Structure):
        _fields_ = [("allocated", ctypes.POINTER(ctype)),
                    ("aligned", ctypes.POINTER(ctype)),
                    ("offset", ctypes.c_int64),
                    ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]
    return MemRef


def memref_of(array, ctype):
    array = np.ascontiguousarray(array)
    ref = memref_type(ctype, array.ndim)()
    ptr = array.ctypes.data_as(ctypes.POINTER(ctype))
    ref.allocated, ref.aligned, ref.offset = ptr, ptr, 0
    for i, (size, stride) in enumerate(zip(array.shape, array.strides)):
        ref.sizes[i] = size
        ref.strides[i] = stride // array.itemsize
    return ref, array


AARCH64_HARNESS = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
typedef struct { float *allocated, *aligned; int64_t offset, sizes[3], strides[3]; } Logits;
typedef struct { int64_t *allocated, *aligned; int64_t offset, sizes[2], strides[2]; } Ids;
void _mlir_ciface_main(Logits *result, Ids *ids);
int main(int argc, char **argv) {
  int64_t seq = atoll(argv[1]);
  int64_t *data = malloc(sizeof(int64_t) * seq);
  FILE *in = fopen(argv[2], "rb");
  if (!in || fread(data, sizeof(int64_t), seq, in) != (size_t)seq) return 2;
  fclose(in);
  Ids ids = {data, data, 0, {1, seq}, {seq, 1}};
  Logits logits;
  _mlir_ciface_main(&logits, &ids);
  int64_t count = logits.sizes[0] * logits.sizes[1] * logits.sizes[2];
  FILE *out = fopen(argv[3], "wb");
  fwrite(logits.sizes, sizeof(int64_t), 3, out);
  fwrite(logits.aligned + logits.offset, sizeof(float), count, out);
  fclose(out);
  free(logits.allocated);
  free(data);
  return 0;
}
"""


def run_aarch64(lib_path, ids, flags, work_dir):
    """Runs the AArch64 library under qemu; returns the logits."""
    mcpu = next((f.split("=", 1)[1] for f in flags if f.startswith("--mcpu=")),
                "max")
    harness_c = os.path.join(work_dir, "harness.c")
    harness = os.path.join(work_dir, "harness")
    with open(harness_c, "w") as f:
        f.write(AARCH64_HARNESS)
    subprocess.run(["aarch64-linux-gnu-gcc", "-O2", "-o", harness, harness_c,
                    lib_path, "-Wl,-rpath," + os.path.dirname(lib_path)],
                   check=True)
    ids_path = os.path.join(work_dir, "ids.bin")
    out_path = os.path.join(work_dir, "logits.bin")
    ids.astype("<i8").tofile(ids_path)
    subprocess.run(["qemu-aarch64", "-cpu", mcpu, "-L", "/usr/aarch64-linux-gnu",
                    harness, str(ids.size), ids_path, out_path], check=True)
    raw = open(out_path, "rb").read()
    shape = tuple(np.frombuffer(raw[:24], dtype="<i8"))
    return np.frombuffer(raw[24:], dtype="<f4").reshape(shape)


def main(compiler, case_dir, work_dir, flags):
    os.makedirs(work_dir, exist_ok=True)
    lib_path = os.path.join(work_dir, "libtiny_decoder.so")
    cmd = [compiler, os.path.join(case_dir, "tiny_decoder.onnx"), "--emit=lib",
           "-o", lib_path, "--timings", "--embed-weights"] + flags
    print(" ".join(cmd))
    subprocess.run(cmd, check=True)

    ids = np.load(os.path.join(case_dir, "input_ids.npy")).astype(np.int64)
    expected = np.load(os.path.join(case_dir, "logits.npy")).astype(np.float32)

    if "--target=aarch64" in flags:
        check(run_aarch64(lib_path, ids, flags, work_dir), expected)
        return

    lib = ctypes.CDLL(lib_path)
    fn = lib._mlir_ciface_main
    ResultRef = memref_type(ctypes.c_float, 3)
    result = ResultRef()
    ids_ref, ids_keep = memref_of(ids, ctypes.c_int64)
    fn.argtypes = [ctypes.POINTER(ResultRef), ctypes.POINTER(type(ids_ref))]
    fn.restype = None
    fn(ctypes.byref(result), ctypes.byref(ids_ref))

    shape = tuple(result.sizes)
    strides = tuple(result.strides)
    assert shape == expected.shape, (shape, expected.shape)
    count = int(np.prod(shape))
    flat = np.ctypeslib.as_array(
        ctypes.cast(ctypes.addressof(result.aligned.contents)
                    + 4 * result.offset, ctypes.POINTER(ctypes.c_float)),
        shape=(count,)).copy()
    assert strides == tuple(int(np.prod(shape[i + 1:])) for i in range(3)), strides
    logits = flat.reshape(shape)
    ctypes.CDLL(None).free(ctypes.cast(result.allocated, ctypes.c_void_p))
    check(logits, expected)


def check(logits, expected):
    assert logits.shape == expected.shape, (logits.shape, expected.shape)
    rel_l2 = float(np.linalg.norm(logits - expected) / np.linalg.norm(expected))
    same_tokens = bool((logits.argmax(-1) == expected.argmax(-1)).all())
    print(f"compiled library vs PyTorch: relative L2 {rel_l2:.3g}, "
          f"greedy tokens {'equal' if same_tokens else 'DIFFER'}")
    if not (rel_l2 <= 1e-3 and same_tokens):
        sys.exit("FAILED")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
