#!/usr/bin/env python3
"""Runs the tiny decoder compiled by `bitnet-compile --emit=lib` and compares
its logits with PyTorch's.

Usage: run_compiled_library.py BITNET_COMPILE CASE_DIR WORK_DIR [compile flags...]
CASE_DIR is what make_tiny_decoder_case.py wrote (tiny_decoder.onnx,
input_ids.npy, logits.npy). The library is loaded with ctypes and called
through its C interface, `_mlir_ciface_main(result, input_ids)`, whose
arguments are MLIR memref descriptors. Passes when the relative L2 error of
the logits is <= 1e-3 and the greedy token agrees at every position.
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


def main(compiler, case_dir, work_dir, flags):
    os.makedirs(work_dir, exist_ok=True)
    lib_path = os.path.join(work_dir, "libtiny_decoder.so")
    cmd = [compiler, os.path.join(case_dir, "tiny_decoder.onnx"), "--emit=lib",
           "-o", lib_path, "--timings"] + flags
    print(" ".join(cmd))
    subprocess.run(cmd, check=True)

    ids = np.load(os.path.join(case_dir, "input_ids.npy")).astype(np.int64)
    expected = np.load(os.path.join(case_dir, "logits.npy")).astype(np.float32)

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
