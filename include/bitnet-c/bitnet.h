/*===- bitnet-c/bitnet.h - C API for models compiled by BitNet-MLIR -----===*\
|*                                                                            *|
|* A compiled model is a shared library with two symbols, added by the       *|
|* bitnet-emit-entry-point pass:                                             *|
|*   void bitnet_run(void *const *inputs, void *const *outputs);            *|
|*   const char bitnet_model_info[];   (its tensors: names, types, shapes)  *|
|* This API loads such a library, describes its tensors and runs it on      *|
|* caller-owned, contiguous row-major buffers. See docs/abi.md.             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef BITNET_C_BITNET_H
#define BITNET_C_BITNET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BITNET_ABI_VERSION 1

typedef enum bitnet_dtype {
  BITNET_DTYPE_F32,
  BITNET_DTYPE_F16,
  BITNET_DTYPE_BF16,
  BITNET_DTYPE_F64,
  BITNET_DTYPE_I8,
  BITNET_DTYPE_I16,
  BITNET_DTYPE_I32,
  BITNET_DTYPE_I64,
  BITNET_DTYPE_BOOL, /* one byte per element */
} bitnet_dtype;

typedef struct bitnet_tensor_info {
  const char *name;
  bitnet_dtype dtype;
  int rank;
  const int64_t *shape; /* rank sizes */
  size_t bytes;         /* size of the buffer: product(shape) * element size */
} bitnet_tensor_info;

typedef struct bitnet_model bitnet_model;

/* Loads the compiled model at `path`. On failure returns NULL and, when
 * `error` is not NULL, writes a message into it (at most `error_size`
 * bytes, NUL-terminated). A library compiled with a weights side file
 * (bitnet-compile --emit=lib writes `<library>.weights`) gets that file
 * memory-mapped: it must exist and belong to the library (size and hash). */
bitnet_model *bitnet_model_load(const char *path, char *error, size_t error_size);

/* bitnet_model_load, with the weights file at `weights_path` instead of
 * `<path>.weights` (NULL: the default). An error for a library whose
 * weights are compiled in. */
bitnet_model *bitnet_model_load_with_weights(const char *path,
                                             const char *weights_path,
                                             char *error, size_t error_size);

/* Releases the model (NULL is allowed). */
void bitnet_model_free(bitnet_model *model);

int bitnet_model_num_inputs(const bitnet_model *model);
int bitnet_model_num_outputs(const bitnet_model *model);

/* The tensor at `index`, or NULL when out of range. Valid while the model
 * is loaded. */
const bitnet_tensor_info *bitnet_model_input(const bitnet_model *model, int index);
const bitnet_tensor_info *bitnet_model_output(const bitnet_model *model, int index);

/* The index of the input / output called `name`, or -1. */
int bitnet_model_find_input(const bitnet_model *model, const char *name);
int bitnet_model_find_output(const bitnet_model *model, const char *name);

/* Threads for the model's parallel loops (OpenMP). Returns 0, or -1 when
 * the model was compiled single-threaded (openmp=false). */
int bitnet_model_set_num_threads(bitnet_model *model, int threads);

/* Runs the model: `inputs[i]` points to the data of input i and
 * `outputs[j]` to a buffer of bitnet_model_output(model, j)->bytes bytes.
 * Returns 0, or -1 when an argument is NULL. Calls on one model must not
 * overlap. */
int bitnet_model_run(bitnet_model *model, const void *const *inputs,
                     void *const *outputs);

/* Element size in bytes and the name used in bitnet_model_info ("f32",
 * "i64", "bool", ...). */
size_t bitnet_dtype_size(bitnet_dtype dtype);
const char *bitnet_dtype_name(bitnet_dtype dtype);

#ifdef __cplusplus
}
#endif

#endif /* BITNET_C_BITNET_H */
