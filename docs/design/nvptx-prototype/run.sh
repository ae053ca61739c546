#!/bin/bash
# Reproduces every result in README.md. Needs only LLVM/MLIR 22 tools, ptxas, clang.
set -euo pipefail

B=/usr/lib/llvm-22/bin; PTXAS=/usr/local/cuda/bin/ptxas
mkdir -p out

echo "== A. simple form (host func + gpu.launch), bundled pipeline, PTX via format=isa"
for chip in sm_80 sm_90; do
  $B/mlir-opt gemv_w2a8_launch.mlir \
    --gpu-lower-to-nvvm-pipeline="cubin-chip=$chip cubin-features=+ptx80 cubin-format=isa opt-level=3" \
    -o out/launch_$chip.mlir
  python3 extract_ptx.py out/launch_$chip.mlir out/launch_$chip
done

echo "== A'. same, explicit device pipeline (what the C++ pass manager should build)"
$B/mlir-opt gemv_w2a8_launch.mlir --pass-pipeline="builtin.module(\
gpu-kernel-outlining,convert-scf-to-cf,\
nvvm-attach-target{chip=sm_80 features=+ptx80 O=3},\
gpu.module(convert-gpu-to-nvvm,canonicalize,cse,reconcile-unrealized-casts),\
gpu-to-llvm,gpu-module-to-binary{format=isa})" -o out/launch_explicit_sm_80.mlir
python3 extract_ptx.py out/launch_explicit_sm_80.mlir out/launch_explicit_sm_80

echo "== B. tuned kernel (gpu.module only, static shapes, bare pointers, 4 rows/warp)"
python3 gen_kernel.py 2560 2560 4 4 shuffle  > gemv_w2a8_M2560_K2560_R4.mlir
python3 gen_kernel.py 2560 2560 4 4 subgroup > gemv_w2a8_M2560_K2560_R4_redux.mlir
for chip in sm_80 sm_90; do
  for v in "" _redux; do
    $B/mlir-opt gemv_w2a8_M2560_K2560_R4$v.mlir --pass-pipeline="builtin.module(\
convert-scf-to-cf,\
nvvm-attach-target{chip=$chip features=+ptx80 O=3},\
gpu.module(convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=true has-redux=true},canonicalize,cse,reconcile-unrealized-casts),\
gpu-module-to-binary{format=isa})" -o out/tuned${v}_$chip.mlir
    python3 extract_ptx.py out/tuned${v}_$chip.mlir out/tuned${v}_$chip
  done
done

echo "== B'. alternative without gpu-module-to-binary: mlir-translate + llc"
$B/mlir-opt gemv_w2a8_M2560_K2560_R4.mlir --pass-pipeline="builtin.module(\
convert-scf-to-cf,gpu.module(convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=true},canonicalize,cse,reconcile-unrealized-casts))" \
  -o out/tuned_nvvm.mlir
python3 extract_gpu_module.py out/tuned_nvvm.mlir out/tuned_nvvm_body.mlir
$B/mlir-translate --mlir-to-llvmir out/tuned_nvvm_body.mlir -o out/tuned.ll
$B/llc -O3 -mtriple=nvptx64-nvidia-cuda -mcpu=sm_90 -mattr=+ptx80 out/tuned.ll -o out/tuned_llc_sm_90.ptx

echo "== C. cubin directly from MLIR (format=bin runs ptxas from the toolkit)"
$B/mlir-opt gemv_w2a8_M2560_K2560_R4.mlir --pass-pipeline="builtin.module(\
convert-scf-to-cf,nvvm-attach-target{chip=sm_90 features=+ptx80 O=3 ptxas-cmd-options=-v},\
gpu.module(convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=true},canonicalize,cse,reconcile-unrealized-casts),\
gpu-module-to-binary{format=bin toolkit=/usr/local/cuda})" -o out/tuned_bin_sm_90.mlir
grep -o 'gpu.object<#nvvm.target<[^>]*>' out/tuned_bin_sm_90.mlir

echo "== ptxas"
for f in out/launch_sm_80 out/launch_sm_90 out/launch_explicit_sm_80 out/tuned_sm_80 out/tuned_sm_90 \
         out/tuned_redux_sm_80 out/tuned_redux_sm_90 out/tuned_llc_sm_90; do
  for arch in sm_80 sm_90; do
    # PTX for .target sm_90 cannot be assembled for sm_80
    grep -q "^.target sm_90" $f.ptx && [ $arch = sm_80 ] && continue
    r=$($PTXAS -v -O3 -arch=$arch $f.ptx -o out/$(basename $f)_$arch.cubin 2>&1 | tr '\n' ' ' |
        grep -o 'Used [0-9]* registers\|[0-9]* bytes spill stores\|[0-9]* bytes stack frame' | tr '\n' ' ')
    printf '%-28s %-6s dp4a=%-3s ld.global.v4=%-2s : %s\n' $(basename $f) $arch \
      $(grep -c dp4a $f.ptx) $(grep -c ld.global.v4 $f.ptx) "$r"
  done
done

echo "== D. algorithm emulation (numpy) and CPU path (mlir -> llc x86 -> clang harness)"
/usr/bin/python3 emulate.py
$B/mlir-opt gemv_w2a8_cpu.mlir --convert-scf-to-cf --convert-to-llvm --reconcile-unrealized-casts -o out/cpu_llvm.mlir
$B/mlir-translate --mlir-to-llvmir out/cpu_llvm.mlir -o out/cpu.ll
$B/llc -O3 -filetype=obj out/cpu.ll -o out/gemv_w2a8_cpu.o
$B/clang -O1 cpu_harness.c out/gemv_w2a8_cpu.o -o out/cpu_test && out/cpu_test
