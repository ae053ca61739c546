//===- Passes.td - GPU code generation ---------------------*- tablegen -*-===//
//
// Kernels for GPUs, shaped by GpuTargetInfo. Each kernel is written once as
// warp-level parallel loops (`scf.parallel` over warps holding an
// `scf.parallel` over the 32 lanes of a warp, with `bitnet.dot4` for the
// byte dot products): that IR runs on the CPU in tests, and
// `bitnet-gpu-map-warp-loops` maps it to blocks, warps and lanes.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_CODEGEN_GPU_PASSES_TD
#define BITNET_CODEGEN_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def TernaryGemvToWarpLoopsPass : Pass<"bitnet-gpu-ternary-gemv"> {
  let summary = "Write i2s ternary products as warp-level GEMV loops";
  let description = [{
    Rewrites every `bitnet.ternary_matmul` of static shape with `i2s`
    weights into the W2A8 GEMV kernel, as parallel loops over memrefs:

    * an outer `scf.parallel` over (group of `tokens-per-warp` tokens, group
      of `rows-per-warp` weight rows): one warp's work. One token: 4 rows per
      warp; several: up to 4 tokens per warp share each 16-byte weight load
      (rows x tokens stays 4 by default: 16 plane accumulators and no
      spills);
    * inside it an `scf.parallel` over the 32 lanes of that warp (marked
      `bitnet.warp_lanes`), whose `scf.reduce` adds the lanes' partial sums;
    * each lane walks the row's 16-byte chunks `lane, lane + 32, ...` (split
      K), loads 16 bytes of each of its rows and four 16-byte slices of the
      activations, and accumulates one `bitnet.dot4` per 4-byte word and
      code plane: `dot4(w & (0xC0 >> 2c), q)`, with no shift in the loop. The
      row sum is `(acc_0 >> 6) + (acc_1 >> 4) + (acc_2 >> 2) + acc_3 - sum(q)`
      (the plane masks keep every `acc_c` a multiple of `4^(3-c)`, so the
      shifts are exact); `sum(q)` is computed once per chunk for all rows.

    When the product's only user is a `bitnet.dequantize`, the kernel
    stores `(float(acc) * weight_scale) / scales[token]` (the reference's
    order) as f32 in its place: a BitLinear layer is then this kernel and
    the quantization's.

    Activations are read in rows of `paddedK` bytes (zero padded with
    `tensor.pad` when K is not a multiple of 128; i2s pads weights with code
    1, weight 0). Loads are 16-byte aligned: rows are multiples of 32 bytes,
    so every chunk is aligned when the buffers are (malloc, `cuMemAlloc`
    and the weights file all align them). Rows past M and tokens past N
    clamp their loads to the last row / token and skip their stores, so any
    M and N work.

    The same IR compiles for the CPU (the lane loop becomes a sequential
    loop with its reduction), which is how the kernels are tested without a
    GPU; `bitnet-gpu-map-warp-loops` turns it into a GPU kernel. Prefill-
    sized products (N >= 16) are meant for the tensor-core GEMM, which is not
    generated yet.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::vector::VectorDialect"];
  let options = [
    Option<"rowsPerWarp", "rows-per-warp", "int64_t", /*default=*/"0",
           "Weight rows one warp computes; they share each activation load "
           "(0: 4 / tokens-per-warp)">,
    Option<"tokensPerWarp", "tokens-per-warp", "int64_t", /*default=*/"0",
           "Tokens one warp computes; they share each weight load (0: "
           "min(N, 4))">,
  ];
}

def QuantizeRowsToWarpLoopsPass : Pass<"bitnet-gpu-quantize-rows"> {
  let summary = "Write per-token quantization as warp-level loops";
  let description = [{
    Rewrites `bitnet.quantize` and `bitnet.rms_norm_quantize` of static
    shape (int8 absmax or int4 absmean, with or without
    `reciprocal_scale` and the code sums) into one warp per token:

    * for RMSNorm, a lane loop sums the squares of the lane's columns
      (`lane, lane + 32, ...`; squares in f32, sums in f64) and the warp
      adds the lanes' sums; every lane then computes `r`;
    * a lane loop takes the statistic of `y = (x * r) * gamma` (max|y|, or
      sum|y| in f64) and the warp combines it; every lane computes `s`;
    * a lane loop writes the codes of its columns (and sums them when the
      op returns the sums); lane 0 stores the scale (and the sum).

    The formulas are those of the portable lowering
    (`QuantizationMath.h`), so results match the reference: the f64 sums
    make the summation order immaterial in practice (docs/numerics.md).
    Reads of each row are coalesced (consecutive lanes, consecutive
    columns). Like every warp-level kernel, the IR runs on the CPU too.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect"];
}

def MapWarpLoopsToGpuPass : Pass<"bitnet-gpu-map-warp-loops", "::mlir::ModuleOp"> {
  let summary = "Map warp-level parallel loops to GPU kernels";
  let description = [{
    Turns each outer `scf.parallel` that holds a `bitnet.warp_lanes` loop
    into a `gpu.launch`, then outlines it into a `gpu.module` kernel
    (`gpu.launch_func` on the host):

    * the outer loop's last dimension (warps) goes to `blockIdx.x *
      warps-per-block + threadIdx.y`, its other dimensions (at most two) to
      `blockIdx.y` and `blockIdx.z`; blocks have 32 x `warps-per-block`
      threads, and warps past the loop's bound do nothing;
    * a lane loop's index is `threadIdx.x`; each of its `scf.reduce`
      combiners becomes a butterfly of `gpu.shuffle xor` (offsets 16 to 1),
      after which every lane holds the warp's total (a warp may have several
      lane loops, one after another);
    * what follows the last lane loop in the warp's body (the stores) runs
      on lane 0 only; everything else runs on every lane, so it may read
      memory but not write it. Only the last lane loop may write memory, and
      nothing after it may read memory (there is no warp barrier).

    Lane loops must have 32 iterations (the warp size); the kernel's memref
    arguments must have static shapes (they are passed as bare pointers).
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"warpsPerBlock", "warps-per-block", "int64_t", /*default=*/"4",
           "Warps in each thread block">,
  ];
}

def WarpLoopsToCpuPass : Pass<"bitnet-gpu-warp-loops-to-cpu"> {
  let summary = "Run warp-level loops on the CPU: lane loops become sequential loops";
  let description = [{
    Rewrites each `bitnet.warp_lanes` loop into an `scf.for` over the 32
    lanes that carries its reductions (init, then each lane's partial
    combined in lane order); the warp loops stay parallel (OpenMP threads
    in the CPU pipeline). This is how the GPU kernels' IR runs on the CPU
    in tests: the same kernel, with the lanes of a warp one after another.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def MathToLLVMIntrinsicsPass : Pass<"bitnet-gpu-math-to-intrinsics"> {
  let summary = "Lower math ops of GPU kernels to LLVM intrinsics, not libdevice";
  let description = [{
    `math.sqrt`, `math.roundeven`, `math.absf`, `arith.maxnumf` and
    `arith.minnumf` become calls of LLVM's `llvm.sqrt`, `llvm.roundeven`,
    `llvm.fabs`, `llvm.maxnum` and `llvm.minnum`, which the NVPTX back end
    emits as `sqrt.rn`, `cvt.rni`, `abs`, `max` and `min`: exact, as the
    quantization formulas ask. `convert-gpu-to-nvvm` would turn them into
    calls of libdevice (`__nv_sqrtf`, ...), which only the CUDA toolkit
    provides and which then must be linked. Run inside `gpu.module`s before
    `convert-gpu-to-nvvm`.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def ConvertDot4ToNVVMPass : Pass<"convert-bitnet-dot4-to-nvvm"> {
  let summary = "Lower bitnet.dot4 to the NVVM dp4a instruction";
  let description = [{
    Each `bitnet.dot4` becomes one `nvvm.dot.accumulate.4way` (PTX
    `dp4a.u32.s32`: unsigned bytes of `a` times signed bytes of `b`, added
    to the i32 accumulator) per accumulator lane. Run inside `gpu.module`s,
    before `convert-gpu-to-nvvm`.
  }];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect", "::mlir::vector::VectorDialect"];
}

def AttachGpuTargetPass : Pass<"bitnet-gpu-attach-target", "::mlir::ModuleOp"> {
  let summary = "Give each gpu.module the NVVM target of the module's GPU";
  let description = [{
    Sets `targets = [#nvvm.target<O = 3, chip = ..., features = "+ptxNN">]`
    on every `gpu.module`, from the module's `llvm.target` (an nvptx64
    target set by `bitnet-set-target`) or the `chip` option. The PTX version
    is the chip's first (`GpuTargetInfo::minPtxVersion`: 7.0 for sm_80, 7.8
    for sm_90), the widest choice of drivers. `gpu-module-to-binary` then
    serializes each module for that target. A module whose target is a CPU
    is refused in one line.
  }];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect", "::mlir::gpu::GPUDialect"];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"\"",
           "GPU override, e.g. sm_90 (empty: the module's llvm.target)">,
  ];
}

#endif // BITNET_CODEGEN_GPU_PASSES_TD
