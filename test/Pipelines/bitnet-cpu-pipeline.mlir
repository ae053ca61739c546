// The intended instructions appear in the machine code for each CPU.
// RUN: bitnet-opt %s --bitnet-cpu-pipeline="target=x86_64 mcpu=znver4" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=znver4 | FileCheck %s --check-prefixes=ZEN4,ZEN4PF
// RUN: bitnet-opt %s --bitnet-cpu-pipeline="target=x86_64 mcpu=sapphirerapids" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=sapphirerapids | FileCheck %s --check-prefix=ZEN4
// RUN: bitnet-opt %s --bitnet-cpu-pipeline="target=x86_64 mcpu=x86-64-v3" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=x86-64-v3 | FileCheck %s --check-prefix=AVX2
// RUN: bitnet-opt %s --bitnet-cpu-pipeline="target=x86_64 mcpu=skylake-avx512" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=skylake-avx512 | FileCheck %s --check-prefix=AVX512BW
// RUN: bitnet-opt %s --bitnet-cpu-pipeline="target=aarch64 mcpu=neoverse-n1" | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=aarch64-linux-gnu -mcpu=neoverse-n1 | FileCheck %s --check-prefix=SDOT
// RUN: bitnet-opt %s --bitnet-cpu-pipeline="target=aarch64 mcpu=cortex-a53" | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=aarch64-linux-gnu -mcpu=cortex-a53 | FileCheck %s --check-prefix=NEONMULL
// RUN: bitnet-opt %s --bitnet-cpu-pipeline="target=x86_64 mcpu=x86-64" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=x86-64 | FileCheck %s --check-prefix=BASELINE
// RUN: not bitnet-opt %s --bitnet-cpu-pipeline="target=x86_64 mcpu=pentium-z9000" 2>&1 | FileCheck %s --check-prefix=BADCPU

// ZEN4-LABEL: bitlinear:
// ZEN4-COUNT-4: vpdpbusd {{.*}}%zmm
// AVX2-LABEL: bitlinear:
// AVX2-NOT: vpdpbusd
// AVX2: vpmaddubsw {{.*}}%ymm
// AVX2: vpmaddwd {{.*}}%ymm
// AVX512BW-LABEL: bitlinear:
// AVX512BW-NOT: vpdpbusd
// AVX512BW: vpmaddubsw {{.*}}%zmm
// SDOT-LABEL: bitlinear:
// SDOT-COUNT-4: sdot v{{[0-9]+}}.4s, v{{[0-9]+}}.16b, v{{[0-9]+}}.16b
// Plain NEON: widening multiplies.
// NEONMULL-LABEL: bitlinear:
// NEONMULL-NOT: sdot
// NEONMULL: smull v{{[0-9]+}}.4s
// Baseline x86-64 (SSE2): the portable loops, no kernel, no threads.
// BASELINE-LABEL: bitlinear:
// BASELINE-NOT: pmaddubsw
// BASELINE-NOT: __kmpc_fork_call
// BASELINE-LABEL: bitlinear_rows:
// BADCPU: error: bitnet-set-target: unknown CPU 'pentium-z9000' for x86_64
// Constant weights: ternarized and packed at compile time.
func.func @bitlinear(%x: tensor<4x300xf32>) -> tensor<4x7xf32> {
  %w = arith.constant dense<0.5> : tensor<7x300xf32>
  %y = bitnet.bitlinear %x, %w : tensor<4x300xf32>, tensor<7x300xf32> -> tensor<4x7xf32>
  return %y : tensor<4x7xf32>
}

// 64 output rows: blocks of 16 rows (at least 8 blocks' worth, rounded up to
// 16), run as an OpenMP worksharing loop.
// ZEN4-LABEL: bitlinear_rows:
// ZEN4: callq __kmpc_fork_call
// Decode software-prefetches the weights 4 KiB ahead (CpuTargetInfo's
// default), on every SIMD target: prefetcht0 on x86, prfm on AArch64.
// ZEN4PF: prefetcht0
// AVX2-LABEL: bitlinear_rows:
// AVX2: prefetcht0
// SDOT-LABEL: bitlinear_rows:
// SDOT: bl __kmpc_fork_call
// SDOT: prfm pldl1keep
func.func @bitlinear_rows(%x: tensor<1x300xf32>) -> tensor<1x64xf32> {
  %w = arith.constant dense<-0.5> : tensor<64x300xf32>
  %y = bitnet.bitlinear %x, %w : tensor<1x300xf32>, tensor<64x300xf32> -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
