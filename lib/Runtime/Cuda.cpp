//===- Cuda.cpp - The CUDA driver API, loaded at run time -------------===//
//
// The driver's C functions are declared here with the ABI of cuda.h (the
// versioned `_v2` entry points where the header maps to them, except
// cuEventElapsedTime, whose `_v2` only CUDA 12.8+ drivers have), so the
// runtime needs no CUDA headers or toolkit to build.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Runtime/Cuda.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

using namespace bitnet::cuda;

namespace bitnet::cuda {

using CUresult = int;
using CUdevice = int;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUevent = void *;
using CUgraph = void *;
using CUgraphExec = void *;

// cuda.h's enumerators used here.
constexpr int kAttrMultiprocessorCount = 16;
constexpr int kAttrComputeCapabilityMajor = 75;
constexpr int kAttrComputeCapabilityMinor = 76;
constexpr int kJitErrorLogBuffer = 5;
constexpr int kJitErrorLogBufferSizeBytes = 6;
constexpr int kStreamNonBlocking = 1;
constexpr int kCaptureModeThreadLocal = 1;
constexpr CUresult kSuccess = 0;
constexpr CUresult kErrorStubLibrary = 34;
constexpr CUresult kErrorNoDevice = 100;

/// The driver entry points, resolved once per process.
struct DriverApi {
  void *library = nullptr;
  CUresult (*cuInit)(unsigned);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuMemAlloc)(DevicePtr *, size_t);
  CUresult (*cuMemFree)(DevicePtr);
  CUresult (*cuMemcpyHtoDAsync)(DevicePtr, const void *, size_t, CUstream);
  CUresult (*cuMemcpyDtoH)(void *, DevicePtr, size_t);
  CUresult (*cuMemcpyDtoDAsync)(DevicePtr, DevicePtr, size_t, CUstream);
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *, void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, CUstream, void **, void **);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuStreamBeginCapture)(CUstream, int);
  CUresult (*cuStreamEndCapture)(CUstream, CUgraph *);
  CUresult (*cuGraphInstantiateWithFlags)(CUgraphExec *, CUgraph, unsigned long long);
  CUresult (*cuGraphLaunch)(CUgraphExec, CUstream);
  CUresult (*cuGraphExecDestroy)(CUgraphExec);
  CUresult (*cuGraphDestroy)(CUgraph);

  /// "CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device is detected".
  std::string describe(CUresult result) const {
    const char *name = nullptr, *text = nullptr;
    std::string out;
    if (cuGetErrorName(result, &name) == kSuccess && name &&
        cuGetErrorString(result, &text) == kSuccess && text)
      return std::string(name) + " (" + std::to_string(result) + "): " + text;
    // The toolkit's stub library answers nothing, not even error names.
    for (const KnownError &known : kKnownErrors)
      if (known.code == result)
        return std::string(known.name) + " (" + std::to_string(result) + "): " + known.text;
    return "CUDA error " + std::to_string(result);
  }

private:
  struct KnownError {
    CUresult code;
    const char *name, *text;
  };
  static constexpr KnownError kKnownErrors[] = {
      {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
      {34, "CUDA_ERROR_STUB_LIBRARY",
       "the CUDA driver is the toolkit's stub library, not a real driver"},
      {36, "CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER", "the call needs a newer driver"},
      {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
      {218, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
      {222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "the PTX version is newer than the driver's"},
  };
};

} // namespace bitnet::cuda

namespace {

template <typename Fn> bool resolve(void *library, const char *symbol, Fn &fn,
                                    std::string &missing) {
  fn = reinterpret_cast<Fn>(dlsym(library, symbol));
  if (!fn && missing.empty())
    missing = symbol;
  return fn != nullptr;
}

/// Opens the driver and cuInit(0)s it, once per process.
const DriverApi *loadDriver(std::string &error, bool &noGpu) {
  static std::once_flag once;
  static DriverApi api;
  static std::string loadError;
  static bool loadNoGpu = false;
  std::call_once(once, [] {
    const char *override = std::getenv(kDriverOverrideEnv);
    std::string path = override && *override ? override : kDriverLibrary;
    api.library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!api.library) {
      const char *why = dlerror();
      loadError = "no NVIDIA driver: cannot load " + path + " (" + (why ? why : "?") + ")";
      loadNoGpu = true;
      return;
    }
    std::string missing;
    void *lib = api.library;
    resolve(lib, "cuInit", api.cuInit, missing);
    resolve(lib, "cuGetErrorName", api.cuGetErrorName, missing);
    resolve(lib, "cuGetErrorString", api.cuGetErrorString, missing);
    resolve(lib, "cuDeviceGetCount", api.cuDeviceGetCount, missing);
    resolve(lib, "cuDeviceGet", api.cuDeviceGet, missing);
    resolve(lib, "cuDeviceGetName", api.cuDeviceGetName, missing);
    resolve(lib, "cuDeviceGetAttribute", api.cuDeviceGetAttribute, missing);
    resolve(lib, "cuDevicePrimaryCtxRetain", api.cuDevicePrimaryCtxRetain, missing);
    resolve(lib, "cuDevicePrimaryCtxRelease_v2", api.cuDevicePrimaryCtxRelease, missing);
    resolve(lib, "cuCtxSetCurrent", api.cuCtxSetCurrent, missing);
    resolve(lib, "cuStreamCreate", api.cuStreamCreate, missing);
    resolve(lib, "cuStreamDestroy_v2", api.cuStreamDestroy, missing);
    resolve(lib, "cuStreamSynchronize", api.cuStreamSynchronize, missing);
    resolve(lib, "cuMemAlloc_v2", api.cuMemAlloc, missing);
    resolve(lib, "cuMemFree_v2", api.cuMemFree, missing);
    resolve(lib, "cuMemcpyHtoDAsync_v2", api.cuMemcpyHtoDAsync, missing);
    resolve(lib, "cuMemcpyDtoH_v2", api.cuMemcpyDtoH, missing);
    resolve(lib, "cuMemcpyDtoDAsync_v2", api.cuMemcpyDtoDAsync, missing);
    resolve(lib, "cuModuleLoadDataEx", api.cuModuleLoadDataEx, missing);
    resolve(lib, "cuModuleUnload", api.cuModuleUnload, missing);
    resolve(lib, "cuModuleGetFunction", api.cuModuleGetFunction, missing);
    resolve(lib, "cuLaunchKernel", api.cuLaunchKernel, missing);
    resolve(lib, "cuEventCreate", api.cuEventCreate, missing);
    resolve(lib, "cuEventDestroy_v2", api.cuEventDestroy, missing);
    resolve(lib, "cuEventRecord", api.cuEventRecord, missing);
    resolve(lib, "cuEventSynchronize", api.cuEventSynchronize, missing);
    // CUDA 12.8+ headers map to `_v2`; older drivers have only the first.
    std::string noV2;
    if (!resolve(lib, "cuEventElapsedTime_v2", api.cuEventElapsedTime, noV2))
      resolve(lib, "cuEventElapsedTime", api.cuEventElapsedTime, missing);
    resolve(lib, "cuStreamBeginCapture_v2", api.cuStreamBeginCapture, missing);
    resolve(lib, "cuStreamEndCapture", api.cuStreamEndCapture, missing);
    resolve(lib, "cuGraphInstantiateWithFlags", api.cuGraphInstantiateWithFlags, missing);
    resolve(lib, "cuGraphLaunch", api.cuGraphLaunch, missing);
    resolve(lib, "cuGraphExecDestroy", api.cuGraphExecDestroy, missing);
    resolve(lib, "cuGraphDestroy", api.cuGraphDestroy, missing);
    if (!missing.empty()) {
      loadError = path + " has no " + missing + " (a CUDA 11.4 or newer driver is needed)";
      return;
    }
    if (CUresult result = api.cuInit(0); result != kSuccess) {
      loadError = "cuInit: " + api.describe(result);
      loadNoGpu = result == kErrorNoDevice || result == kErrorStubLibrary;
    }
  });
  if (!loadError.empty()) {
    error = loadError;
    noGpu = loadNoGpu;
    return nullptr;
  }
  return &api;
}

} // namespace

Buffer::Buffer(Buffer &&other) noexcept { *this = std::move(other); }

Buffer &Buffer::operator=(Buffer &&other) noexcept {
  if (this != &other) {
    if (api && ptr)
      api->cuMemFree(ptr);
    api = other.api;
    ptr = other.ptr;
    bytes = other.bytes;
    other.ptr = 0;
    other.bytes = 0;
  }
  return *this;
}

Buffer::~Buffer() {
  if (api && ptr)
    api->cuMemFree(ptr);
}

Module::Module(Module &&other) noexcept { *this = std::move(other); }

Module &Module::operator=(Module &&other) noexcept {
  if (this != &other) {
    if (api && handle)
      api->cuModuleUnload(handle);
    api = other.api;
    handle = other.handle;
    other.handle = nullptr;
  }
  return *this;
}

Module::~Module() {
  if (api && handle)
    api->cuModuleUnload(handle);
}

void *Module::function(const std::string &name, std::string &error) const {
  CUfunction function = nullptr;
  if (CUresult result = api->cuModuleGetFunction(&function, handle, name.c_str());
      result != kSuccess) {
    error = "cuModuleGetFunction(" + name + "): " + api->describe(result);
    return nullptr;
  }
  return function;
}

bool Gpu::check(int result, const char *call, std::string &error) const {
  if (result == kSuccess)
    return true;
  error = std::string(call) + ": " + api->describe(result);
  return false;
}

std::unique_ptr<Gpu> Gpu::open(int ordinal, std::string &error, bool *noGpu) {
  bool absent = false;
  const DriverApi *api = loadDriver(error, absent);
  if (noGpu)
    *noGpu = absent;
  if (!api)
    return nullptr;
  std::unique_ptr<Gpu> gpu(new Gpu());
  gpu->api = api;
  int count = 0;
  if (!gpu->check(api->cuDeviceGetCount(&count), "cuDeviceGetCount", error))
    return nullptr;
  if (ordinal < 0 || ordinal >= count) {
    if (noGpu)
      *noGpu = count == 0;
    error = count == 0 ? "no GPU: the NVIDIA driver reports no device"
                       : "no GPU " + std::to_string(ordinal) + ": the driver reports " +
                             std::to_string(count) + " device(s)";
    return nullptr;
  }
  char name[256] = {};
  if (!gpu->check(api->cuDeviceGet(&gpu->device, ordinal), "cuDeviceGet", error) ||
      !gpu->check(api->cuDeviceGetName(name, sizeof name - 1, gpu->device), "cuDeviceGetName",
                  error) ||
      !gpu->check(api->cuDeviceGetAttribute(&gpu->major, kAttrComputeCapabilityMajor,
                                            gpu->device),
                  "cuDeviceGetAttribute", error) ||
      !gpu->check(api->cuDeviceGetAttribute(&gpu->minor, kAttrComputeCapabilityMinor,
                                            gpu->device),
                  "cuDeviceGetAttribute", error) ||
      !gpu->check(api->cuDeviceGetAttribute(&gpu->multiprocessors, kAttrMultiprocessorCount,
                                            gpu->device),
                  "cuDeviceGetAttribute", error))
    return nullptr;
  gpu->deviceName = name;
  if (!gpu->check(api->cuDevicePrimaryCtxRetain(&gpu->context, gpu->device),
                  "cuDevicePrimaryCtxRetain", error)) {
    gpu->context = nullptr;
    return nullptr;
  }
  if (!gpu->check(api->cuCtxSetCurrent(gpu->context), "cuCtxSetCurrent", error) ||
      !gpu->check(api->cuStreamCreate(&gpu->stream, kStreamNonBlocking), "cuStreamCreate",
                  error))
    return nullptr;
  return gpu;
}

Gpu::~Gpu() {
  if (stream)
    api->cuStreamDestroy(stream);
  if (context)
    api->cuDevicePrimaryCtxRelease(device);
}

std::string Gpu::chip() const {
  return "sm_" + std::to_string(major) + std::to_string(minor);
}

bool Gpu::allocate(size_t bytes, Buffer &buffer, std::string &error) {
  DevicePtr ptr = 0;
  if (!check(api->cuMemAlloc(&ptr, bytes), "cuMemAlloc", error))
    return false;
  buffer = Buffer();
  buffer.api = api;
  buffer.ptr = ptr;
  buffer.bytes = bytes;
  return true;
}

bool Gpu::upload(const Buffer &buffer, const void *host, size_t bytes, std::string &error) {
  if (bytes > buffer.size()) {
    error = "upload of " + std::to_string(bytes) + " bytes into a buffer of " +
            std::to_string(buffer.size());
    return false;
  }
  // On the session's stream (a non-blocking one does not wait for the
  // legacy stream), then waited for: the host memory may be reused at once.
  return check(api->cuMemcpyHtoDAsync(buffer.address(), host, bytes, stream),
               "cuMemcpyHtoDAsync", error) &&
         synchronize(error);
}

bool Gpu::download(void *host, const Buffer &buffer, size_t bytes, std::string &error) {
  if (bytes > buffer.size()) {
    error = "download of " + std::to_string(bytes) + " bytes from a buffer of " +
            std::to_string(buffer.size());
    return false;
  }
  return synchronize(error) &&
         check(api->cuMemcpyDtoH(host, buffer.address(), bytes), "cuMemcpyDtoH", error);
}

bool Gpu::copy(const Buffer &to, const Buffer &from, size_t bytes, std::string &error) {
  return check(api->cuMemcpyDtoDAsync(to.address(), from.address(), bytes, stream),
               "cuMemcpyDtoDAsync", error);
}

bool Gpu::loadPtx(const std::string &ptx, Module &module, std::string &error) {
  std::string log(8192, '\0');
  int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSizeBytes};
  void *values[] = {log.data(), reinterpret_cast<void *>(log.size())};
  CUmodule handle = nullptr;
  CUresult result = api->cuModuleLoadDataEx(&handle, ptx.c_str(), 2, options, values);
  if (result != kSuccess) {
    error = "cuModuleLoadDataEx: " + api->describe(result);
    log.resize(std::strlen(log.c_str()));
    if (!log.empty())
      error += "; " + log.substr(0, log.find('\n'));
    return false;
  }
  module = Module();
  module.api = api;
  module.handle = handle;
  return true;
}

bool Gpu::launch(const Launch &launch, std::string &error) {
  std::vector<void *> arguments = launch.arguments;
  return check(api->cuLaunchKernel(launch.function, launch.grid[0], launch.grid[1],
                                   launch.grid[2], launch.block[0], launch.block[1],
                                   launch.block[2], /*sharedMemBytes=*/0, stream,
                                   arguments.data(), nullptr),
               "cuLaunchKernel", error);
}

bool Gpu::synchronize(std::string &error) {
  return check(api->cuStreamSynchronize(stream), "cuStreamSynchronize", error);
}

double Gpu::timeGraph(const std::function<bool(std::string &)> &record, int replays,
                      std::string &error) {
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
  CUevent start = nullptr, stop = nullptr;
  auto release = [&] {
    if (exec)
      api->cuGraphExecDestroy(exec);
    if (graph)
      api->cuGraphDestroy(graph);
    if (start)
      api->cuEventDestroy(start);
    if (stop)
      api->cuEventDestroy(stop);
  };
  if (!check(api->cuStreamBeginCapture(stream, kCaptureModeThreadLocal), "cuStreamBeginCapture",
             error))
    return -1;
  bool recorded = record(error);
  CUresult ended = api->cuStreamEndCapture(stream, &graph);
  float milliseconds = 0;
  bool ok = recorded && check(ended, "cuStreamEndCapture", error) &&
            check(api->cuGraphInstantiateWithFlags(&exec, graph, 0), "cuGraphInstantiate",
                  error) &&
            check(api->cuEventCreate(&start, 0), "cuEventCreate", error) &&
            check(api->cuEventCreate(&stop, 0), "cuEventCreate", error) &&
            // One replay first: the module's first launch pays for loading.
            check(api->cuGraphLaunch(exec, stream), "cuGraphLaunch", error) &&
            check(api->cuEventRecord(start, stream), "cuEventRecord", error);
  for (int i = 0; ok && i < replays; ++i)
    ok = check(api->cuGraphLaunch(exec, stream), "cuGraphLaunch", error);
  ok = ok && check(api->cuEventRecord(stop, stream), "cuEventRecord", error) &&
       check(api->cuEventSynchronize(stop), "cuEventSynchronize", error) &&
       check(api->cuEventElapsedTime(&milliseconds, start, stop), "cuEventElapsedTime", error);
  release();
  return ok ? milliseconds : -1;
}
