#!/usr/bin/env python3
"""The C API checks (test/Runtime/abi_test.c) with the runtime built under
AddressSanitizer and UBSan: the tiny decoder compiled as a plain library
(`abi_test MODEL.so input_ids logits`: loading, descriptions, runs, input
bounds, weights verification) and with key-value caches (`abi_test
--generative`: sessions, bad appends, four sessions on four threads at once
against one alone).

Usage: run_abi_sanitized.py BITNET_COMPILE ABI_TEST WORK_DIR

Passes when both runs exit 0 with no sanitizer report.
"""

import os
import subprocess
import sys


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    result = subprocess.run(cmd, text=True, capture_output=True)
    print(result.stdout + result.stderr, end="")
    return result


def main(bitnet_compile, abi_test, work_dir):
    from bitnet_mlir import tiny_decoder

    os.makedirs(work_dir, exist_ok=True)
    plain_onnx = os.path.join(work_dir, "tiny.onnx")
    cached_onnx = os.path.join(work_dir, "tiny_kv.onnx")
    tiny_decoder.export(plain_onnx)
    tiny_decoder.export_with_cache(cached_onnx)
    plain, cached = (os.path.join(work_dir, name) for name in ("tiny.so", "tiny_kv.so"))
    for model, library, flags in [(plain_onnx, plain, []),
                                  (cached_onnx, cached, ["--max-context=24",
                                                         "--prefill-tokens=4"])]:
        if run([bitnet_compile, model, "--emit=lib", "-o", library] + flags).returncode:
            sys.exit("compile failed")
    ok = True
    for args in ([plain, "input_ids", "logits"], ["--generative", cached]):
        result = run([abi_test] + args)
        ok &= result.returncode == 0 and "ERROR: " not in result.stderr \
            and "runtime error" not in result.stderr
    if not ok:
        sys.exit("FAILED")
    print("OK")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    main(*sys.argv[1:])
