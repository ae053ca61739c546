// RUN: bitnet-opt %s --split-input-file --verify-diagnostics --bitnet-gpu-attach-target | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --verify-diagnostics --bitnet-gpu-attach-target="chip=sm_80" | FileCheck %s --check-prefix=SM80

// The module's GPU decides the chip and the PTX version (the chip's first).
// CHECK-LABEL: module attributes
// CHECK: gpu.module @kernels [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx78">]
// SM80: gpu.module @kernels [#nvvm.target<O = 3, chip = "sm_80", features = "+ptx70">]
module attributes {gpu.container_module, llvm.target = #llvm.target<triple = "nvptx64-nvidia-cuda", chip = "sm_90">} {
  gpu.module @kernels {
    gpu.func @k() kernel {
      gpu.return
    }
  }
}

// -----

// No gpu.module: nothing to do, whatever the target.
// CHECK-LABEL: module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4">}
// SM80-LABEL: module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4">}
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4">} {
}
