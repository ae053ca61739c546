/* The C API (include/bitnet-c/bitnet.h) from C: compiled as C11 with
 * -pedantic, so the header stays plain C. Usage:
 *   abi_test MODEL.so INPUT_NAME OUTPUT_NAME
 * Loads the model, checks its tensor descriptions and error paths, runs it
 * on zero inputs and checks the outputs are finite. Exits non-zero on any
 * failure, naming it. */

#include "bitnet-c/bitnet.h"

#include <math.h>
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

int main(int argc, char **argv) {
  char error[256];
  bitnet_model *model;
  const bitnet_tensor_info *input, *output;
  void **inputs, **outputs;
  int i, j;
  size_t k;

  if (argc != 4) {
    fprintf(stderr, "usage: abi_test MODEL.so INPUT_NAME OUTPUT_NAME\n");
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
