/*===- MemRefCopy.c - Support code linked into every compiled model ---===*\
|*                                                                            *|
|* The one MLIR runtime function compiled code calls: `memref.copy` of       *|
|* non-contiguous memrefs (MLIR's CRunnerUtils `memrefCopy`, same           *|
|* semantics). Compiled into each library, hidden, so a library needs no     *|
|* libmlir_c_runner_utils (which has no AArch64 build here). bitnet-compile *|
|* embeds this file (lib/Compiler/CMakeLists.txt) and compiles it with the  *|
|* model's object when it links.                                            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#include <stdint.h>
#include <string.h>
struct UnrankedMemRef { int64_t rank; void *descriptor; };
__attribute__((visibility("hidden"))) void
memrefCopy(int64_t elemSize, struct UnrankedMemRef *srcArg,
           struct UnrankedMemRef *dstArg) {
  int64_t rank = srcArg->rank;
  char **srcBase = (char **)srcArg->descriptor;
  char **dstBase = (char **)dstArg->descriptor;
  const int64_t *src = (const int64_t *)(srcBase + 2); /* offset, sizes, strides */
  const int64_t *dst = (const int64_t *)(dstBase + 2);
  for (int64_t r = 0; r < rank; ++r)
    if (src[1 + r] == 0)
      return;
  char *srcPtr = srcBase[1] + src[0] * elemSize;
  char *dstPtr = dstBase[1] + dst[0] * elemSize;
  if (rank == 0) {
    memcpy(dstPtr, srcPtr, elemSize);
    return;
  }
  int64_t indices[rank], srcStrides[rank], dstStrides[rank];
  for (int64_t r = 0; r < rank; ++r) {
    indices[r] = 0;
    srcStrides[r] = src[1 + rank + r] * elemSize;
    dstStrides[r] = dst[1 + rank + r] * elemSize;
  }
  int64_t readIndex = 0, writeIndex = 0;
  for (;;) {
    memcpy(dstPtr + writeIndex, srcPtr + readIndex, elemSize);
    for (int64_t axis = rank - 1; axis >= 0; --axis) {
      int64_t newIndex = ++indices[axis];
      readIndex += srcStrides[axis];
      writeIndex += dstStrides[axis];
      if (newIndex < src[1 + axis])
        break;
      if (axis == 0)
        return;
      indices[axis] = 0;
      readIndex -= src[1 + axis] * srcStrides[axis];
      writeIndex -= dst[1 + axis] * dstStrides[axis];
    }
  }
}
