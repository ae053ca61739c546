// The intended instructions appear in the machine code for each CPU.
// RUN: bitnet-opt %s --bitnet-cpu-pipeline="target=x86_64 mcpu=znver4" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=znver4 | FileCheck %s --check-prefix=ZEN4
// RUN: bitnet-opt %s --bitnet-cpu-pipeline="target=x86_64 mcpu=sapphirerapids" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=sapphirerapids | FileCheck %s --check-prefix=ZEN4
// RUN: bitnet-opt %s --bitnet-cpu-pipeline="target=x86_64 mcpu=x86-64-v3" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=x86-64-v3 | FileCheck %s --check-prefix=AVX2
// RUN: not bitnet-opt %s --bitnet-cpu-pipeline="target=x86_64 mcpu=pentium-z9000" 2>&1 | FileCheck %s --check-prefix=BADCPU

// ZEN4-LABEL: bitlinear:
// ZEN4-COUNT-4: vpdpbusd {{.*}}%zmm
// AVX2-LABEL: bitlinear:
// AVX2-NOT: vpdpbusd
// BADCPU: error: bitnet-pack-ternary: unknown CPU 'pentium-z9000' for x86_64
// Constant weights: ternarized and packed at compile time.
func.func @bitlinear(%x: tensor<4x300xf32>) -> tensor<4x7xf32> {
  %w = arith.constant dense<0.5> : tensor<7x300xf32>
  %y = bitnet.bitlinear %x, %w : tensor<4x300xf32>, tensor<7x300xf32> -> tensor<4x7xf32>
  return %y : tensor<4x7xf32>
}
