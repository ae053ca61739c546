#!/usr/bin/env python3
"""Compiles BitNet matmuls for one AArch64 CPU and runs them under qemu.

  bitnet-opt --bitnet-cpu-pipeline="target=aarch64 mcpu=CPU"
    -> mlir-translate --mlir-to-llvmir -> llc -mtriple=aarch64-linux-gnu
    -> aarch64-linux-gnu-g++ -static with harness.cpp and lib/Reference
    -> qemu-aarch64

The harness compares every output with ref::ternaryMatmul (i32) and
ref::bitlinear (f32) bit-exactly. qemu emulates the named CPU itself where
it models it (so an instruction the CPU lacks, e.g. sdot on cortex-a53,
traps), else `-cpu max`. Intermediate files (kernel.mlir, kernel.ll,
kernel.s, ...) stay in --workdir for inspection; docs/architecture.md
("AArch64 execution under qemu") shows how to run this by hand.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys

# (N, M, K): K around the 128-weight i2s block and 256-weight kernel chunk,
# odd M for row remainders, N > 1 for prefill tiles, K = 1 for padding;
# K = 520 (160-byte rows, 10 chunks) leaves decode two chunks after its
# cache-line steps.
SHAPES = [(1, 64, 256), (1, 37, 200), (3, 19, 129), (9, 33, 700), (2, 8, 1),
          (1, 5, 520)]

# Formats with an AArch64 kernel: (harness enum, weights per block, bytes
# per block and row). t5's NEON kernel decodes five code planes per byte with
# compares and adds; tl2r's (with dotprod) looks activation sums up with
# tbl (without dotprod: the portable loops).
FORMATS = {"i2s": ("I2S", 128, 32), "t5": ("T5", 160, 32), "tl2r": ("TL2R", 24, 5)}

# The float path: bitnet.bitlinear with constant ternary weights, which the
# pipeline packs at compile time. GAMMA is exact in binary (87/4096), so the
# MLIR text and the harness hold the same float.
BITLINEAR_SHAPE = (5, 77, 200)
GAMMA = "0.021240234375"

CROSS_CXX = "aarch64-linux-gnu-g++"
QEMU = "qemu-aarch64"


def module(shapes, weights):
    """One func per shape and @bitlinear, each with a C interface."""
    n, m, k = BITLINEAR_SHAPE
    rows = ", ".join("[" + ", ".join(map(str, weights[r * k:(r + 1) * k])) + "]"
                     for r in range(m))
    funcs = [f"""
func.func @bitlinear(%x: tensor<{n}x{k}xf32>) -> tensor<{n}x{m}xf32>
    attributes {{llvm.emit_c_interface}} {{
  %w = arith.constant dense<[{rows}]> : tensor<{m}x{k}xi8>
  %g = arith.constant dense<{GAMMA}> : tensor<f32>
  %y = bitnet.bitlinear %x, %w, %g : tensor<{n}x{k}xf32>, tensor<{m}x{k}xi8>, tensor<f32> -> tensor<{n}x{m}xf32>
  return %y : tensor<{n}x{m}xf32>
}}"""]
    for fmt, (_, block, block_bytes) in FORMATS.items():
        for n, m, k in shapes:
            row_bytes = (k + block - 1) // block * block_bytes
            funcs.append(f"""
func.func @mm_{fmt}_{n}x{m}x{k}(%q: tensor<{n}x{k}xi8>, %p: tensor<{m}x{row_bytes}xi8>)
    -> tensor<{n}x{m}xi32> attributes {{llvm.emit_c_interface}} {{
  %acc = bitnet.ternary_matmul %q, %p format <{fmt}> : tensor<{n}x{k}xi8>, tensor<{m}x{row_bytes}xi8> -> tensor<{n}x{m}xi32>
  return %acc : tensor<{n}x{m}xi32>
}}""")
    return "\n".join(funcs) + "\n"


def run(cmd, **kwargs):
    print("+ " + " ".join(cmd), flush=True)
    result = subprocess.run(cmd, **kwargs)
    if result.returncode != 0:
        sys.exit(f"FAILED ({result.returncode}): {' '.join(cmd)}")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mcpu", required=True)
    parser.add_argument("--bitnet-opt", required=True)
    parser.add_argument("--llvm-tools", required=True,
                        help="directory with mlir-translate and llc")
    parser.add_argument("--src", required=True, help="BitNet-MLIR source root")
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()

    missing = [t for t in (CROSS_CXX, QEMU) if not shutil.which(t)]
    if missing:
        sys.exit(f"error: {' and '.join(missing)} not found: the AArch64 "
                 "tests need the cross toolchain and qemu-user; run "
                 "scripts/install-deps.sh (`make test` runs it first)")

    os.makedirs(args.workdir, exist_ok=True)
    work = lambda name: os.path.join(args.workdir, name)
    tool = lambda name: os.path.join(args.llvm_tools, name)

    # The same ternary weights go into @bitlinear's constant and the harness.
    bl_n, bl_m, bl_k = BITLINEAR_SHAPE
    rng = random.Random(2024)
    weights = [rng.choice((-1, 0, 1)) for _ in range(bl_m * bl_k)]
    with open(work("kernel.mlir"), "w") as f:
        f.write(module(SHAPES, weights))
    with open(work("cases.inc"), "w") as f:
        f.writelines(f"CASE(mm_{fmt}_{n}x{m}x{k}, {n}, {m}, {k}, {enum})\n"
                     for fmt, (enum, _, _) in FORMATS.items() for n, m, k in SHAPES)
    with open(work("bitlinear.inc"), "w") as f:
        f.write(f"constexpr int64_t kBitLinearShape[] = "
                f"{{{bl_n}, {bl_m}, {bl_k}}};\n"
                f"constexpr float kBitLinearGamma = {GAMMA}f;\n"
                f"constexpr int8_t kBitLinearWeights[] = {{"
                f"{', '.join(map(str, weights))}}};\n")

    run([args.bitnet_opt, work("kernel.mlir"),
         # One thread: the cross sysroot has no OpenMP runtime (threads are
         # exercised by the x86 JIT tests).
         f"--bitnet-cpu-pipeline=target=aarch64 mcpu={args.mcpu} openmp=false",
         "-o", work("kernel.llvm.mlir")])
    run([tool("mlir-translate"), "--mlir-to-llvmir", work("kernel.llvm.mlir"),
         "-o", work("kernel.ll")])
    llc = [tool("llc"), "-mtriple=aarch64-linux-gnu", f"-mcpu={args.mcpu}",
           "-O3", work("kernel.ll")]
    run(llc + ["-filetype=obj", "-o", work("kernel.o")])
    run(llc + ["-filetype=asm", "-o", work("kernel.s")])

    ref_dir = os.path.join(args.src, "lib", "Reference")
    run([CROSS_CXX, "-std=c++17", "-O2", "-Wall", "-static",
         "-I", os.path.join(args.src, "include"), "-I", args.workdir,
         os.path.join(args.src, "test", "aarch64", "harness.cpp"),
         os.path.join(ref_dir, "Reference.cpp"),
         os.path.join(ref_dir, "Packing.cpp"),
         work("kernel.o"), "-o", work("harness")])

    # Informational: which dot-product instructions the kernels use.
    with open(work("kernel.s")) as f:
        mnemonics = [line.split()[0] for line in f
                     if line.startswith("\t") and not line.startswith("\t.")]
    counts = {op: mnemonics.count(op) for op in ("sdot", "udot", "smull",
                                                 "smlal", "sadalp", "addv", "tbl")}
    print("kernel.s:", ", ".join(f"{op} {c}" for op, c in counts.items()))

    cpus = subprocess.run([QEMU, "-cpu", "help"], capture_output=True,
                          text=True).stdout.split()
    qemu_cpu = args.mcpu if args.mcpu in cpus else "max"
    run([QEMU, "-cpu", qemu_cpu, work("harness")])


if __name__ == "__main__":
    main()
