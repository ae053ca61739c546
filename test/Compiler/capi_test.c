/*===- capi_test.c - The compiler's C API from C --------------------------===*\
|*                                                                            *|
|* bitnet-compiler-capi-test INPUT OUTPUT [NAME=VALUE ...]                    *|
|* compiles INPUT through bitnet-c/compiler.h with the given options,        *|
|* printing each stage as it ends; a shared library output is then loaded    *|
|* with the runtime (bitnet-c/bitnet.h) and its tensors counted. Errors are  *|
|* printed as "error: ..." with exit status 1.                               *|
|* bitnet-compiler-capi-test --parallel INPUT OUTPUT compiles INPUT to       *|
|* OUTPUT.0 and OUTPUT.1 (objects) on two threads at once. Used by           *|
|* c-api.test.                                                               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "bitnet-c/bitnet.h"
#include "bitnet-c/compiler.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void progress(const char *stage, double seconds, void *user) {
  int *started = (int *)user;
  if (seconds < 0)
    ++*started;
  else
    printf("stage %s done\n", stage);
}

struct Job {
  const char *input;
  char output[4096];
  char error[4096];
  int rc;
};

static void *compileJob(void *argument) {
  struct Job *job = (struct Job *)argument;
  bitnet_compiler_options *options =
      bitnet_compiler_options_create(job->input, job->output);
  job->rc = bitnet_compiler_options_set(options, "emit", "obj", job->error,
                                        sizeof job->error);
  if (job->rc == 0)
    job->rc = bitnet_compile(options, NULL, NULL, job->error, sizeof job->error);
  bitnet_compiler_options_free(options);
  return NULL;
}

/* Two compiles at once, each with its own state. */
static int compileInParallel(const char *input, const char *output) {
  struct Job jobs[2];
  pthread_t threads[2];
  for (int i = 0; i < 2; ++i) {
    jobs[i].input = input;
    snprintf(jobs[i].output, sizeof jobs[i].output, "%s.%d", output, i);
    pthread_create(&threads[i], NULL, compileJob, &jobs[i]);
  }
  int failed = 0;
  for (int i = 0; i < 2; ++i) {
    pthread_join(threads[i], NULL);
    if (jobs[i].rc != 0) {
      printf("error: %s\n", jobs[i].error);
      failed = 1;
    }
  }
  if (!failed)
    printf("compiled twice at once\n");
  return failed;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--parallel") == 0)
    return compileInParallel(argv[2], argv[3]);
  if (argc < 3) {
    fprintf(stderr, "usage: %s INPUT OUTPUT [NAME=VALUE ...]\n", argv[0]);
    return 2;
  }
  char error[4096];
  bitnet_compiler_options *options = bitnet_compiler_options_create(argv[1], argv[2]);
  for (int i = 3; i < argc; ++i) {
    char name[256];
    const char *equals = strchr(argv[i], '=');
    size_t length = equals ? (size_t)(equals - argv[i]) : strlen(argv[i]);
    if (length >= sizeof name)
      length = sizeof name - 1;
    memcpy(name, argv[i], length);
    name[length] = '\0';
    if (bitnet_compiler_options_set(options, name, equals ? equals + 1 : "", error,
                                    sizeof error) != 0) {
      printf("error: %s\n", error);
      bitnet_compiler_options_free(options);
      return 1;
    }
  }
  int started = 0;
  int rc = bitnet_compile(options, progress, &started, error, sizeof error);
  bitnet_compiler_options_free(options);
  if (rc != 0) {
    printf("error: %s\n", error);
    return 1;
  }
  printf("compiled: %d stages\n", started);
  size_t out = strlen(argv[2]);
  if (out > 3 && strcmp(argv[2] + out - 3, ".so") == 0) {
    bitnet_model *model = bitnet_model_load(argv[2], error, sizeof error);
    if (!model) {
      printf("error: %s\n", error);
      return 1;
    }
    printf("loaded: %d inputs, %d outputs\n", bitnet_model_num_inputs(model),
           bitnet_model_num_outputs(model));
    bitnet_model_free(model);
  }
  return 0;
}
