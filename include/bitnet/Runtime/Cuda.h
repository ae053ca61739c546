//===- Cuda.h - The CUDA driver API, loaded at run time ----------*- C++ -*-===//
//
// What the GPU runtime needs from NVIDIA's driver: devices, one stream per
// session, device buffers, modules loaded from PTX, kernel launches, events
// and CUDA graphs. libcuda.so.1 is opened with dlopen on first use, so
// every program builds, links and runs on machines without a GPU; there,
// Gpu::open fails with one line that says why (no driver, no device, the
// toolkit's stub library) and nothing crashes.
//
// Plain C++ with no MLIR or LLVM dependency, like the CPU runtime. Every
// failing driver call becomes "cuCall: CUDA_ERROR_NAME (code): text".
//
//===----------------------------------------------------------------------===//

#ifndef BITNET_RUNTIME_CUDA_H
#define BITNET_RUNTIME_CUDA_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bitnet::cuda {

struct DriverApi;
using DevicePtr = unsigned long long;

/// The driver library and the environment variable that overrides it (tests
/// point it at a missing file or at the toolkit's stub library).
inline constexpr const char *kDriverLibrary = "libcuda.so.1";
inline constexpr const char *kDriverOverrideEnv = "BITNET_CUDA_DRIVER";

class Gpu;

/// Device memory, freed with its owner.
class Buffer {
public:
  Buffer() = default;
  Buffer(Buffer &&other) noexcept;
  Buffer &operator=(Buffer &&other) noexcept;
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
  ~Buffer();

  DevicePtr address() const { return ptr; }
  size_t size() const { return bytes; }

private:
  friend class Gpu;
  const DriverApi *api = nullptr;
  DevicePtr ptr = 0;
  size_t bytes = 0;
};

/// A loaded module (PTX JIT-compiled by the driver for the device).
class Module {
public:
  Module() = default;
  Module(Module &&other) noexcept;
  Module &operator=(Module &&other) noexcept;
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;
  ~Module();

  /// The kernel `name`, or null with `error` set.
  void *function(const std::string &name, std::string &error) const;

private:
  friend class Gpu;
  const DriverApi *api = nullptr;
  void *handle = nullptr;
};

/// A kernel launch: grid and block sizes, pointer/scalar arguments.
struct Launch {
  void *function = nullptr;
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  /// Addresses of the argument values (cuLaunchKernel's kernelParams).
  std::vector<void *> arguments;
};

/// One device, its primary context and one stream: what a session holds.
/// Buffers and modules it made must be destroyed before it, and it is used
/// from the thread that opened it (its context is current there).
class Gpu {
public:
  /// Loads the driver and opens device `ordinal`; null with a one-line
  /// `error` when there is no usable GPU. `noGpu` (when given) tells a
  /// machine without one (no driver, the stub driver, no device) from a
  /// driver error on a machine with one.
  static std::unique_ptr<Gpu> open(int ordinal, std::string &error, bool *noGpu = nullptr);
  ~Gpu();
  Gpu(const Gpu &) = delete;
  Gpu &operator=(const Gpu &) = delete;

  const std::string &name() const { return deviceName; }
  /// "sm_90" for compute capability 9.0.
  std::string chip() const;
  int smCount() const { return multiprocessors; }

  bool allocate(size_t bytes, Buffer &buffer, std::string &error);
  bool upload(const Buffer &buffer, const void *host, size_t bytes, std::string &error);
  bool download(void *host, const Buffer &buffer, size_t bytes, std::string &error);
  /// Device-to-device copy on the session's stream.
  bool copy(const Buffer &to, const Buffer &from, size_t bytes, std::string &error);
  /// Loads PTX text; a PTX the driver rejects reports its JIT log.
  bool loadPtx(const std::string &ptx, Module &module, std::string &error);
  /// Queues a launch on the session's stream.
  bool launch(const Launch &launch, std::string &error);
  bool synchronize(std::string &error);

  /// Captures `record` (launches and copies on the stream) once as a CUDA
  /// graph and replays it `replays` times between two events: the
  /// milliseconds of all replays, or a negative value with `error` set.
  double timeGraph(const std::function<bool(std::string &)> &record, int replays,
                   std::string &error);

private:
  Gpu() = default;
  bool check(int result, const char *call, std::string &error) const;

  const DriverApi *api = nullptr;
  int device = 0;
  void *context = nullptr;
  void *stream = nullptr;
  std::string deviceName;
  int major = 0, minor = 0, multiprocessors = 0;
};

} // namespace bitnet::cuda

#endif // BITNET_RUNTIME_CUDA_H
