#!/usr/bin/env python3
"""The tiny decoder end to end through the product's own tools:
`bitnet-compile --emit=lib`, then `bitnet-run` (the C runtime), logits
compared with PyTorch's and onnxruntime's; then the C API test program
(test/Runtime/abi_test.c) on the same library.

Usage: run_with_bitnet_run.py BITNET_COMPILE BITNET_RUN ABI_TEST CASE_DIR WORK_DIR
CASE_DIR is what make_tiny_decoder_case.py wrote. Passes when the relative
L2 error of the logits is <= 1e-3 against both references, the greedy token
agrees at every position, bad inputs are refused with a message naming the
tensor, the weights side file is written and checked (the library is smaller
than one with the weights compiled in by about the file's size; a missing,
truncated or foreign weights file is refused with a clear message), and
abi_test passes.
"""

import os
import shutil
import subprocess
import sys

import numpy as np


def run(cmd, **kwargs):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, text=True, capture_output=True, **kwargs)


def main(bitnet_compile, bitnet_run, abi_test, case_dir, work_dir):
    os.makedirs(work_dir, exist_ok=True)
    library = os.path.join(work_dir, "tiny_decoder.so")
    compiled = run([bitnet_compile, os.path.join(case_dir, "tiny_decoder.onnx"),
                    "--emit=lib", "-o", library])
    if compiled.returncode != 0:
        sys.exit(compiled.stderr)

    info = run([bitnet_run, library, "--print-info"])
    print(info.stdout, end="")
    assert info.returncode == 0, info.stderr
    assert info.stdout.splitlines() == ["input input_ids i64 [1, 7]",
                                        "output logits f32 [1, 7, 97]"], info.stdout

    out_dir = os.path.join(work_dir, "out")
    ids = os.path.join(case_dir, "input_ids.npy")
    result = run([bitnet_run, library, "--input", f"input_ids={ids}",
                  "--output-dir", out_dir, "--threads", "2", "--repeat", "3"])
    print(result.stderr, end="")
    assert result.returncode == 0, result.stderr
    logits = np.load(os.path.join(out_dir, "logits.npy"))
    ok = True
    for name, file in [("PyTorch", "logits.npy"), ("onnxruntime", "ort_logits.npy")]:
        expected = np.load(os.path.join(case_dir, file))
        error = np.linalg.norm(logits - expected) / np.linalg.norm(expected)
        same_tokens = bool((logits.argmax(-1) == expected.argmax(-1)).all())
        print(f"bitnet-run logits vs {name}: relative L2 {error:.2e}, "
              f"same greedy tokens: {same_tokens}")
        ok &= error <= 1e-3 and same_tokens

    # Bad inputs: the wrong dtype and a missing input, refused by name.
    wrong = run([bitnet_run, library, "--input",
                 f"input_ids={os.path.join(case_dir, 'logits.npy')}"])
    ok &= wrong.returncode != 0 and "input 'input_ids'" in wrong.stderr \
        and "dtype <f4" in wrong.stderr
    missing = run([bitnet_run, library])
    ok &= missing.returncode != 0 and "missing --input input_ids" in missing.stderr
    not_model = run([bitnet_run, ids])
    ok &= not_model.returncode != 0 and "cannot load" in not_model.stderr
    print(wrong.stderr + missing.stderr + not_model.stderr, end="")

    ok &= check_weights_file(bitnet_compile, bitnet_run, case_dir, work_dir,
                             library, ids)

    abi = run([abi_test, library, "input_ids", "logits"])
    print(abi.stdout + abi.stderr, end="")
    ok &= abi.returncode == 0
    if not ok:
        sys.exit("FAILED")
    print("OK")


def check_weights_file(bitnet_compile, bitnet_run, case_dir, work_dir,
                       library, ids):
    """The side file next to the library, and the runtime's checks of it."""
    onnx = os.path.join(case_dir, "tiny_decoder.onnx")
    weights = library + ".weights"
    ok = os.path.exists(weights)
    with open(weights, "rb") as f:
        ok &= f.read(8) == b"BITNETW1"
    embedded = os.path.join(work_dir, "embedded.so")
    compiled = run([bitnet_compile, onnx, "--emit=lib", "--embed-weights",
                    "-o", embedded])
    assert compiled.returncode == 0, compiled.stderr
    sizes = {name: os.path.getsize(path) for name, path in
             [("library", library), ("weights", weights),
              ("embedded", embedded)]}
    print(f"library {sizes['library']} bytes + weights {sizes['weights']} "
          f"bytes; weights compiled in: {sizes['embedded']} bytes")
    # The weights left the library (less the 64-byte header and padding).
    ok &= sizes["embedded"] - sizes["library"] >= 0.9 * (sizes["weights"] - 64)
    ok &= not os.path.exists(embedded + ".weights")

    def load_error(lib, weights_file):
        result = run([bitnet_run, lib, "--input", f"input_ids={ids}"])
        print(result.stderr, end="")
        return result.returncode != 0 and weights_file in result.stderr, \
            result.stderr

    # A copy of the library without its weights file.
    lonely = os.path.join(work_dir, "lonely.so")
    shutil.copyfile(library, lonely)
    if os.path.exists(lonely + ".weights"):
        os.remove(lonely + ".weights")
    refused, message = load_error(lonely, lonely + ".weights")
    ok &= refused and "not found" in message and "--emit=lib" in message

    # The weights of another build of the model (more constants moved out,
    # so another layout): same header, different size and hash.
    other = os.path.join(work_dir, "other.so")
    compiled = run([bitnet_compile, onnx, "--emit=lib", "-o", other,
                    "--weights-threshold=1024"])
    assert compiled.returncode == 0, compiled.stderr
    shutil.copyfile(other + ".weights", lonely + ".weights")
    refused, message = load_error(lonely, lonely + ".weights")
    ok &= refused and "does not belong to this library" in message

    # A truncated file and one that is not a weights file.
    with open(weights, "rb") as f:
        data = f.read()
    with open(lonely + ".weights", "wb") as f:
        f.write(data[:len(data) // 2])
    refused, message = load_error(lonely, lonely + ".weights")
    ok &= refused and "truncated" in message
    shutil.copyfile(ids, lonely + ".weights")
    refused, message = load_error(lonely, lonely + ".weights")
    ok &= refused and "not a BitNet weights file" in message
    return ok


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
