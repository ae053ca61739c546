//===- GpuKernels.h - The generated GPU kernels, compiled and run -*- C++ -*-===//
//
// The GEMV of a packed i2s ternary product compiled by bitnet-gpu-pipeline
// to PTX, its launch configuration, and a run on a GPU through the CUDA
// driver (bitnet/Runtime/Cuda.h): what `bitnet-bench --target=nvptx` times
// and the GPU execution tests check against the reference.
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_BENCH_GPUKERNELS_H
#define BITNET_BENCH_GPUKERNELS_H

#include "bitnet/Bench/KernelBench.h"
#include "bitnet/Runtime/Cuda.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::bitnet::bench {

namespace cuda = ::bitnet::cuda;

/// Which buffer a GEMV kernel argument is.
enum class GemvArgument { Activations, Weights, Accumulators };

/// One compiled kernel of `acc[n, m] = sum_k q[n, k] * W[m, k]`.
struct GpuGemv {
  int64_t n = 0, m = 0, k = 0;
  /// Activation rows are read paddedK bytes long (zero tail); weight rows
  /// are rowBytes of i2s.
  int64_t paddedK = 0, rowBytes = 0;
  std::string ptx, kernelName;
  unsigned grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
  /// The kernel's pointer arguments in launch order.
  std::vector<GemvArgument> arguments;
};

/// The chip kernels are generated for on a device of compute capability
/// `chip` (e.g. sm_90 for sm_90 and newer): empty with `error` set below
/// sm_80.
std::string kernelChipFor(const std::string &chip, std::string &error);

/// Compiles the GEMV for `chip` (sm_80, sm_90, ...); false with `error`.
bool compileGpuGemv(int64_t n, int64_t m, int64_t k, const std::string &chip,
                    GpuGemv &kernel, std::string &error);

/// The kernel loaded on `gpu` with its buffers: q [n, paddedK], `copies`
/// copies of the packed weights back to back (cold runs cycle through
/// them), acc [n, m].
struct LoadedGemv {
  cuda::Module module;
  void *function = nullptr;
  cuda::Buffer q, acc, weights;
  int copies = 0;
  size_t copyBytes = 0;
};
bool loadGpuGemv(cuda::Gpu &gpu, const GpuGemv &kernel, const std::vector<int8_t> &q,
                 const std::vector<uint8_t> &packed, int copies, LoadedGemv &loaded,
                 std::string &error);

/// Queues one launch reading weight copy `copy`.
bool launchGpuGemv(cuda::Gpu &gpu, const GpuGemv &kernel, LoadedGemv &loaded, int copy,
                   std::string &error);

/// Runs the kernel once on `q` [n, k] and i2s `packed` weights; the
/// accumulators [n, m].
bool runGpuGemv(cuda::Gpu &gpu, const GpuGemv &kernel, const std::vector<int8_t> &q,
                const std::vector<uint8_t> &packed, std::vector<int32_t> &acc,
                std::string &error);

/// The GPU benchmark's default shapes: the four bitnet.cpp has GPU kernels
/// for (2B4T q/o, fused q/k/v, fused gate/up, down), then 2B4T k/v and 3B's
/// down, which it has none for.
std::vector<Shape> gpuShapes();

/// bitnet.cpp's W2A8 GEMV on an H200 (CUDA graphs, cold weights; issue 17):
/// microseconds for `shape`, or 0 where it has no kernel.
double peerMicrosH200(const Shape &shape);

/// `bitnet-bench --target=nvptx`: each shape's GEMV (N = options.tokens),
/// checked against the reference, timed hot and cold with CUDA graphs next
/// to the device-to-device copy bandwidth measured in the same run.
int runGpuKernelBench(const KernelBenchOptions &options);

} // namespace mlir::bitnet::bench

#endif // BITNET_BENCH_GPUKERNELS_H
