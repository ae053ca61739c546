/*===- bitnet-c/bitnet.h - C API for models compiled by BitNet-MLIR -----===*\
|*                                                                            *|
|* A compiled model is a shared library with two symbols, added by the       *|
|* bitnet-emit-entry-point pass:                                             *|
|*   void bitnet_run(void *const *inputs, void *const *outputs);            *|
|*   const char bitnet_model_info[];   (its tensors: names, types, shapes)  *|
|* A generative model (a decoder with key-value caches) has two entry       *|
|* points instead, bitnet_run_prefill and bitnet_run_decode, each with its  *|
|* record. This API loads such a library, describes its tensors and runs it *|
|* on caller-owned, contiguous row-major buffers; for generative models a   *|
|* session owns the caches and decodes token by token. See docs/abi.md.     *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef BITNET_C_BITNET_H
#define BITNET_C_BITNET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BITNET_ABI_VERSION 3

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
  int state;            /* 1: an input the model updates in place (a key-value
                           cache of a generative model), else 0 */
  int has_bounds;       /* 1: an integer input whose every element must lie in
                           [lower_bound, upper_bound) (indices into a table,
                           such as input_ids), checked by bitnet_model_run */
  int64_t lower_bound, upper_bound;
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

/* The model linked into the running executable (bitnet-compile
 * --emit=exe), with its weights file at `weights_path` (NULL: the
 * executable's path + ".weights"). NULL and a message when the program has
 * no model. */
bitnet_model *bitnet_model_load_linked(const char *weights_path, char *error,
                                       size_t error_size);

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

/* The most threads a model may be given. */
#define BITNET_MAX_THREADS 1024

/* Threads for the model's parallel loops (OpenMP). Returns 0, or -1 when
 * the model was compiled single-threaded (openmp=false) or `threads` is not
 * in [1, BITNET_MAX_THREADS]. */
int bitnet_model_set_num_threads(bitnet_model *model, int threads);

/* The inputs and outputs are those of `bitnet_run`; for a generative model,
 * of its prefill entry point (state inputs included: the caller passes the
 * caches, which the call updates in place). */

/* Runs the model: `inputs[i]` points to the data of input i and
 * `outputs[j]` to a buffer of bitnet_model_output(model, j)->bytes bytes.
 * Returns 0, or -1 when an argument is NULL or an input breaks its bounds
 * (bitnet_model_check_inputs says which). Calls on one model must not
 * overlap. */
int bitnet_model_run(bitnet_model *model, const void *const *inputs,
                     void *const *outputs);

/* Checks the inputs bitnet_model_run would get: non-NULL, and every element
 * of an input with bounds (has_bounds) inside them. Returns 0, or -1 with a
 * one-line message in `error`. */
int bitnet_model_check_inputs(const bitnet_model *model, const void *const *inputs,
                              char *error, size_t error_size);

/* Re-hashes the weights file the model mapped and compares the hash with the
 * one compiled into the library (loading checks only the file's header and
 * size, not its data). Returns 0, or -1 with a message in `error`; 0 for a
 * library with its weights compiled in. Reads the whole file once. */
int bitnet_model_verify_weights(const bitnet_model *model, char *error,
                                size_t error_size);

/*--- Generative models (bitnet-compile of a decoder with past_key_values) --*/

typedef struct bitnet_session bitnet_session;

/* 1 for a model with prefill and decode entry points, else 0. */
int bitnet_model_is_generative(const bitnet_model *model);

/* The cache capacity in tokens (bitnet-compile --max-context) and the
 * vocabulary size (logits per token); 0 for other models. */
int64_t bitnet_model_max_context(const bitnet_model *model);
int64_t bitnet_model_vocab_size(const bitnet_model *model);

/* A context of the model: its key-value caches (owned by the session,
 * updated in place by each call: no copy per token; zero pages that take
 * memory as the context fills them) and its length. NULL with a message in
 * `error` for a model that is not generative or caches the system cannot
 * map. A session uses the model: free it first. */
bitnet_session *bitnet_session_new(bitnet_model *model, char *error, size_t error_size);
void bitnet_session_free(bitnet_session *session);

/* Empties the context. */
void bitnet_session_reset(bitnet_session *session);

/* Tokens in the context. */
int64_t bitnet_session_length(const bitnet_session *session);

/* Appends `count` tokens to the context and, when `logits` is not NULL,
 * writes the logits of the last one (bitnet_model_vocab_size floats).
 * Several tokens run through the prefill entry point in chunks of its size,
 * single tokens through decode. Returns 0, or -1 (nothing appended) on a
 * NULL argument, count 0, a token outside the vocabulary, a context that
 * would exceed bitnet_model_max_context, or a call on a session that another
 * thread is appending to at that moment.
 *
 * Threads: separate sessions of one model may append from separate threads
 * at once (each call's OpenMP team is its own); one session is used by one
 * thread at a time. bitnet_model_set_num_threads sets the calling thread's
 * OpenMP thread count. */
int bitnet_session_append(bitnet_session *session, const int64_t *tokens,
                          size_t count, float *logits);

/* Element size in bytes and the name used in bitnet_model_info ("f32",
 * "i64", "bool", ...). */
size_t bitnet_dtype_size(bitnet_dtype dtype);
const char *bitnet_dtype_name(bitnet_dtype dtype);

#ifdef __cplusplus
}
#endif

#endif /* BITNET_C_BITNET_H */
