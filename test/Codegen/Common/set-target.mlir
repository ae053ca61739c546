// RUN: bitnet-opt %s --split-input-file --bitnet-set-target="target=x86_64 mcpu=znver4" | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --bitnet-set-target | FileCheck %s --check-prefix=KEEP
// RUN: bitnet-opt %s --split-input-file --bitnet-set-target="mcpu=native" | FileCheck %s --check-prefix=NATIVE
// RUN: bitnet-opt %s --split-input-file --bitnet-set-target="target=aarch64" | FileCheck %s --check-prefix=ARCH
// RUN: not bitnet-opt %s --split-input-file --bitnet-set-target="mcpu=pentium-z9000" 2>&1 | FileCheck %s --check-prefix=BADCPU
// RUN: not bitnet-opt %s --split-input-file --bitnet-set-target="target=riscv64" 2>&1 | FileCheck %s --check-prefix=BADARCH
// RUN: bitnet-opt %s --split-input-file --bitnet-set-target="target=nvptx mcpu=sm_90" | FileCheck %s --check-prefix=GPU
// RUN: bitnet-opt %s --split-input-file --bitnet-set-target="target=nvptx" | FileCheck %s --check-prefix=GPUBASE
// RUN: not bitnet-opt %s --split-input-file --bitnet-set-target="target=nvptx mcpu=sm_75" 2>&1 | FileCheck %s --check-prefix=BADGPU
// RUN: not bitnet-opt %s --split-input-file --bitnet-set-target="target=nvptx mcpu=native" 2>&1 | FileCheck %s --check-prefix=GPUNATIVE

// The options replace the module's target.
// CHECK: module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4">}
// Without options, a module's own target stays.
// KEEP: module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "skylake-avx512">}
// native is resolved to the host's CPU name (and its differences from that
// CPU's features), never recorded as "native".
// NATIVE: module attributes {llvm.target = #llvm.target<triple = "{{x86_64|aarch64}}-unknown-linux-gnu", chip = "{{[a-z0-9.-]+}}"
// NATIVE-NOT: native
// Only the architecture: its baseline CPU (the module's is another
// architecture's).
// ARCH: module attributes {llvm.target = #llvm.target<triple = "aarch64-unknown-linux-gnu", chip = "generic">}
// BADCPU: error: bitnet-set-target: unknown CPU 'pentium-z9000' for x86_64
// BADARCH: error: bitnet-set-target: unknown target 'riscv64'; expected x86_64, aarch64 or nvptx
// For a GPU, the NVPTX triple and the chip; sm_80 when only the target is given.
// GPU: module attributes {llvm.target = #llvm.target<triple = "nvptx64-nvidia-cuda", chip = "sm_90">}
// GPUBASE: module attributes {llvm.target = #llvm.target<triple = "nvptx64-nvidia-cuda", chip = "sm_80">}
// BADGPU: error: bitnet-set-target: unknown GPU 'sm_75' for nvptx; expected one of sm_80, sm_90, sm_90a
// GPUNATIVE: error: bitnet-set-target: -mcpu=native names the host CPU; name the GPU (sm_80, sm_90, sm_90a)
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "skylake-avx512">} {
}

// -----

// A module without a target gets the host's from `--bitnet-set-target`.
// KEEP: module attributes {llvm.target = #llvm.target<triple = "{{x86_64|aarch64}}-unknown-linux-gnu", chip = "{{[a-z0-9.-]+}}"
module {
}
