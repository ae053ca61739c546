// A module whose #llvm.target no CPU code generation knows: each
// target-dependent pass says so in one line, naming itself.
// RUN: not bitnet-opt %s --bitnet-select-kernel-configs 2>&1 | FileCheck %s --check-prefix=CONFIGS
// RUN: not bitnet-opt %s --bitnet-tile-float-contractions 2>&1 | FileCheck %s --check-prefix=FLOATS
// RUN: not bitnet-opt %s --convert-bitnet-dot4-to-llvm 2>&1 | FileCheck %s --check-prefix=DOT4
// RUN: not bitnet-opt %s --bitnet-pack-ternary 2>&1 | FileCheck %s --check-prefix=PACK
// RUN: bitnet-opt %s --convert-bitnet-dot4-to-llvm="target=x86_64 mcpu=znver4" | FileCheck %s --check-prefix=OVERRIDE

// CONFIGS: error: bitnet-select-kernel-configs: unknown target 'riscv64'; expected x86_64, aarch64 or nvptx
// FLOATS: error: bitnet-tile-float-contractions: unknown target 'riscv64'; expected x86_64, aarch64 or nvptx
// DOT4: error: convert-bitnet-dot4-to-llvm: unknown target 'riscv64'; expected x86_64, aarch64 or nvptx
// PACK: error: bitnet-pack-ternary: unknown target 'riscv64'; expected x86_64, aarch64 or nvptx
// A pass's own options override the module's target.
// OVERRIDE-LABEL: func @f
// OVERRIDE: llvm.x86.avx512.vpdpbusd
module attributes {llvm.target = #llvm.target<triple = "riscv64-unknown-linux-gnu", chip = "generic-rv64">} {
  func.func @f(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>) -> vector<16xi32> {
    %r = bitnet.dot4 %acc, %a, %b {a_fits_i8} : vector<16xi32>, vector<64xi8>, vector<64xi8>
    return %r : vector<16xi32>
  }
}
