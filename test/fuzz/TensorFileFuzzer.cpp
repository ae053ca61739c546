//===- TensorFileFuzzer.cpp - bitnet-run's .pb and .npy readers --------===//
//
// Both readers take untrusted files (bitnet-run --input): any byte string
// must give an array or an error, never a crash, an out-of-bounds read or
// an allocation beyond the file's own size. The input is written to a
// temporary file and read as a TensorProto, then as .npy.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Runtime/Npy.h"
#include "bitnet/Runtime/TensorProto.h"

#include <cstdio>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = "/tmp/bitnet-tensor-fuzz-" + std::to_string(getpid());
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    return 0;
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  bitnet::npy::Array array;
  std::string name, error;
  if (bitnet::tensorproto::read(path, array, name, error) && array.bytes.size() > (1u << 24))
    __builtin_trap();
  bitnet::npy::read(path, array, error);
  return 0;
}
