/* The C API (include/bitnet-c/bitnet.h) from C: compiled as C11 with
 * -pedantic, so the header stays plain C. Usage:
 *   abi_test MODEL.so INPUT_NAME OUTPUT_NAME
 *   abi_test --generative DECODER.so
 * Loads the model, checks its tensor descriptions and error paths, runs it
 * on zero inputs and checks the outputs are finite. With --generative, checks
 * the session API on a model compiled with key-value caches. Exits non-zero
 * on any failure, naming it. */

#include "bitnet-c/bitnet.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "abi_test: check failed: %s (line %d)\n", #cond,         \
              __LINE__);                                                       \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* A prompt and greedy decode steps in a session of its own; the logits of
 * every step go to `logits` (steps x vocab floats). */
enum { kConcurrentSessions = 4, kSteps = 6 };
struct generation {
  bitnet_model *model;
  float *logits;
  int status;
};

static void *generate_in_session(void *arg) {
  struct generation *g = arg;
  char error[256];
  int64_t vocab = bitnet_model_vocab_size(g->model), prompt[3] = {5, 1, 7};
  int64_t token, v;
  int step;
  bitnet_session *session = bitnet_session_new(g->model, error, sizeof error);
  g->status = session ? 0 : -1;
  for (step = 0; step < kSteps && g->status == 0; ++step) {
    float *row = g->logits + (size_t)step * (size_t)vocab;
    g->status = step == 0 ? bitnet_session_append(session, prompt, 3, row)
                          : bitnet_session_append(session, &token, 1, row);
    token = 0;
    for (v = 1; v < vocab; ++v)
      if (row[v] > row[token])
        token = v;
  }
  bitnet_session_free(session);
  return NULL;
}

/* Sessions of one model in several threads at once give bit-identical
 * logits to one session alone. */
static void test_concurrent_sessions(bitnet_model *model) {
  size_t floats = (size_t)kSteps * (size_t)bitnet_model_vocab_size(model);
  struct generation alone = {model, calloc(floats, sizeof(float)), 0};
  struct generation together[kConcurrentSessions];
  pthread_t threads[kConcurrentSessions];
  int t;
  generate_in_session(&alone);
  CHECK(alone.status == 0);
  for (t = 0; t < kConcurrentSessions; ++t) {
    together[t].model = model;
    together[t].logits = calloc(floats, sizeof(float));
    CHECK(pthread_create(&threads[t], NULL, generate_in_session, &together[t]) == 0);
  }
  for (t = 0; t < kConcurrentSessions; ++t) {
    pthread_join(threads[t], NULL);
    CHECK(together[t].status == 0);
    CHECK(memcmp(alone.logits, together[t].logits, floats * sizeof(float)) == 0);
    free(together[t].logits);
  }
  free(alone.logits);
}

/* Sessions of a generative model: contexts are independent, reset empties
 * one, and bad appends change nothing. */
static int test_generative(const char *path) {
  char error[256];
  bitnet_model *model = bitnet_model_load(path, error, sizeof error);
  bitnet_session *first, *second;
  int64_t vocab, capacity, tokens[3] = {1, 2, 3}, bad = -1;
  float *a, *b, *c;
  int i, states = 0;
  if (!model) {
    fprintf(stderr, "abi_test: %s\n", error);
    return 1;
  }
  CHECK(bitnet_model_is_generative(model) == 1);
  vocab = bitnet_model_vocab_size(model);
  capacity = bitnet_model_max_context(model);
  CHECK(vocab > 3 && capacity > 3);
  /* The plain API describes the prefill entry point, caches marked. */
  for (i = 0; i < bitnet_model_num_inputs(model); ++i)
    states += bitnet_model_input(model, i)->state;
  CHECK(states > 0);
  CHECK(bitnet_model_find_input(model, "cache_position") >= 0);

  first = bitnet_session_new(model, error, sizeof error);
  second = bitnet_session_new(model, error, sizeof error);
  CHECK(first != NULL && second != NULL);
  if (!first || !second)
    return 1;
  a = malloc(sizeof(float) * (size_t)vocab);
  b = malloc(sizeof(float) * (size_t)vocab);
  c = malloc(sizeof(float) * (size_t)vocab);
  CHECK(bitnet_session_append(first, tokens, 3, a) == 0);
  CHECK(bitnet_session_length(first) == 3);
  /* One token at a time gives the same logits (decode vs prefill). */
  for (i = 0; i < 3; ++i)
    CHECK(bitnet_session_append(second, &tokens[i], 1, b) == 0);
  {
    double diff = 0, norm = 0;
    int64_t v;
    for (v = 0; v < vocab; ++v) {
      diff += (a[v] - b[v]) * (double)(a[v] - b[v]);
      norm += a[v] * (double)a[v];
    }
    CHECK(norm > 0 && diff <= 1e-6 * norm);
  }
  /* Bad appends: refused, nothing appended. */
  CHECK(bitnet_session_append(first, &bad, 1, c) == -1);
  tokens[0] = vocab;
  CHECK(bitnet_session_append(first, tokens, 1, c) == -1);
  tokens[0] = 1;
  CHECK(bitnet_session_append(first, tokens, 0, c) == -1);
  CHECK(bitnet_session_append(NULL, tokens, 1, c) == -1);
  /* A count that wraps when added to the length (or read as signed). */
  CHECK(bitnet_session_append(first, tokens, (size_t)1 << 63, c) == -1);
  CHECK(bitnet_session_append(first, tokens, (size_t)-1, c) == -1);
  CHECK(bitnet_session_length(first) == 3);
  /* Thread counts beyond BITNET_MAX_THREADS are refused, not passed on. */
  CHECK(bitnet_model_set_num_threads(model, BITNET_MAX_THREADS + 1) == -1);
  CHECK(bitnet_model_set_num_threads(model, 0) == -1);
  /* Reset: the same prompt gives the same logits again. */
  bitnet_session_reset(first);
  CHECK(bitnet_session_length(first) == 0);
  CHECK(bitnet_session_append(first, tokens, 3, c) == 0);
  CHECK(memcmp(a, c, sizeof(float) * (size_t)vocab) == 0);
  /* Filling the context exactly works; one more token does not. */
  while (bitnet_session_length(first) < capacity)
    CHECK(bitnet_session_append(first, tokens, 1, NULL) == 0);
  CHECK(bitnet_session_append(first, tokens, 1, c) == -1);
  CHECK(bitnet_session_length(first) == capacity);
  /* Reset after a full context (every cache page written): the prompt
     gives the same logits as in a fresh session. */
  bitnet_session_reset(first);
  CHECK(bitnet_session_append(first, tokens, 3, c) == 0);
  CHECK(memcmp(a, c, sizeof(float) * (size_t)vocab) == 0);

  free(a);
  free(b);
  free(c);
  bitnet_session_free(first);
  bitnet_session_free(second);
  test_concurrent_sessions(model);
  bitnet_session_free(NULL);
  bitnet_model_free(model);
  if (failures == 0)
    printf("abi_test: all session checks passed\n");
  return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  char error[256];
  bitnet_model *model;
  const bitnet_tensor_info *input, *output;
  void **inputs, **outputs;
  int i, j;
  size_t k;

  if (argc == 3 && strcmp(argv[1], "--generative") == 0)
    return test_generative(argv[2]);
  if (argc != 4) {
    fprintf(stderr, "usage: abi_test MODEL.so INPUT_NAME OUTPUT_NAME\n"
                    "       abi_test --generative DECODER.so\n");
    return 2;
  }

  /* Errors: a missing file and a library that is not a model. */
  error[0] = '\0';
  CHECK(bitnet_model_load("/nonexistent/model.so", error, sizeof error) == NULL);
  CHECK(strstr(error, "cannot load /nonexistent/model.so") != NULL);
  CHECK(bitnet_model_load(NULL, NULL, 0) == NULL);

  model = bitnet_model_load(argv[1], error, sizeof error);
  if (!model) {
    fprintf(stderr, "abi_test: %s\n", error);
    return 1;
  }
  /* The same library again, its weights file named: the mapping is shared
   * and stays until the last model is freed (the run below uses it). A
   * weights file that does not exist is an error even then. */
  {
    char weights[1024];
    bitnet_model *again;
    snprintf(weights, sizeof weights, "%s.weights", argv[1]);
    again = bitnet_model_load_with_weights(argv[1], weights, error, sizeof error);
    CHECK(again != NULL);
    bitnet_model_free(again);
    CHECK(bitnet_model_load_with_weights(argv[1], "/nonexistent/model.weights",
                                         error, sizeof error) == NULL);
    CHECK(strstr(error, "weights file /nonexistent/model.weights not found") != NULL);
  }

  CHECK(bitnet_model_num_inputs(model) >= 1);
  CHECK(bitnet_model_num_outputs(model) >= 1);
  CHECK(bitnet_model_input(model, -1) == NULL);
  CHECK(bitnet_model_input(model, bitnet_model_num_inputs(model)) == NULL);
  CHECK(bitnet_model_find_input(model, "no such tensor") == -1);
  CHECK(bitnet_model_find_input(model, argv[2]) == 0);
  CHECK(bitnet_model_find_output(model, argv[3]) == 0);

  input = bitnet_model_input(model, 0);
  output = bitnet_model_output(model, 0);
  CHECK(strcmp(input->name, argv[2]) == 0);
  CHECK(strcmp(output->name, argv[3]) == 0);
  CHECK(output->dtype == BITNET_DTYPE_F32);
  CHECK(bitnet_dtype_size(BITNET_DTYPE_I64) == 8);
  CHECK(strcmp(bitnet_dtype_name(BITNET_DTYPE_BF16), "bf16") == 0);
  {
    size_t elements = 1;
    for (i = 0; i < output->rank; ++i)
      elements *= (size_t)output->shape[i];
    CHECK(output->bytes == elements * sizeof(float));
  }

  /* Zero inputs (token id 0 everywhere); caller-owned output buffers. */
  inputs = calloc((size_t)bitnet_model_num_inputs(model), sizeof(void *));
  outputs = calloc((size_t)bitnet_model_num_outputs(model), sizeof(void *));
  for (i = 0; i < bitnet_model_num_inputs(model); ++i)
    inputs[i] = calloc(1, bitnet_model_input(model, i)->bytes + 1);
  for (j = 0; j < bitnet_model_num_outputs(model); ++j)
    outputs[j] = calloc(1, bitnet_model_output(model, j)->bytes + 1);

  CHECK(bitnet_model_run(model, NULL, (void *const *)outputs) == -1);
  CHECK(bitnet_model_run(NULL, (const void *const *)inputs, (void *const *)outputs) == -1);
  CHECK(bitnet_model_is_generative(model) == 0);
  CHECK(bitnet_model_max_context(model) == 0);
  error[0] = '\0';
  CHECK(bitnet_session_new(model, error, sizeof error) == NULL);
  CHECK(strstr(error, "no prefill/decode entry points") != NULL);
  CHECK(bitnet_model_set_num_threads(model, 0) == -1);
  CHECK(bitnet_model_set_num_threads(model, 2) == 0);
  CHECK(bitnet_model_run(model, (const void *const *)inputs, (void *const *)outputs) == 0);
  {
    const float *logits = outputs[0];
    int finite = 1, nonzero = 0;
    for (k = 0; k < output->bytes / sizeof(float); ++k) {
      finite &= isfinite(logits[k]) != 0;
      nonzero |= logits[k] != 0.0f;
    }
    CHECK(finite);
    CHECK(nonzero);
  }
  /* Token ids index the embedding: the record bounds them, and an id
   * outside is refused with a message instead of read out of bounds. */
  CHECK(input->has_bounds == 1 && input->dtype == BITNET_DTYPE_I64);
  if (input->has_bounds) {
    int64_t *ids = inputs[0];
    CHECK(input->lower_bound < 0 && input->upper_bound > 0);
    CHECK(bitnet_model_check_inputs(model, (const void *const *)inputs, error,
                                    sizeof error) == 0);
    ids[0] = input->upper_bound;
    error[0] = '\0';
    CHECK(bitnet_model_check_inputs(model, (const void *const *)inputs, error,
                                    sizeof error) == -1);
    CHECK(strstr(error, "outside [") != NULL);
    CHECK(bitnet_model_run(model, (const void *const *)inputs, (void *const *)outputs) == -1);
    ids[0] = input->lower_bound - 1;
    CHECK(bitnet_model_run(model, (const void *const *)inputs, (void *const *)outputs) == -1);
    ids[0] = 0;
  }
  /* The weights file's data hashes to the library's hash. */
  CHECK(bitnet_model_verify_weights(model, error, sizeof error) == 0);
  CHECK(bitnet_model_verify_weights(NULL, error, sizeof error) == -1);

  for (i = 0; i < bitnet_model_num_inputs(model); ++i)
    free(inputs[i]);
  for (j = 0; j < bitnet_model_num_outputs(model); ++j)
    free(outputs[j]);
  free(inputs);
  free(outputs);
  bitnet_model_free(model);
  bitnet_model_free(NULL);
  if (failures == 0)
    printf("abi_test: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
