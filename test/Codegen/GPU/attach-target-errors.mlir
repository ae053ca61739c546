// RUN: bitnet-opt %s --split-input-file --verify-diagnostics --bitnet-gpu-attach-target
// RUN: not bitnet-opt %s --bitnet-gpu-attach-target="chip=sm_70" 2>&1 | FileCheck %s --check-prefix=CHIP

// CHIP: error: bitnet-gpu-attach-target: unknown GPU 'sm_70' for nvptx; expected one of

// expected-error @+1 {{bitnet-gpu-attach-target: generates GPU code, but the target is x86_64 znver4}}
module attributes {gpu.container_module, llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4">} {
  gpu.module @kernels {
    gpu.func @k() kernel {
      gpu.return
    }
  }
}
