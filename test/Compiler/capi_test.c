/*===- capi_test.c - The compiler's C API from C --------------------------===*\
|*                                                                            *|
|* bitnet-compiler-capi-test INPUT OUTPUT [NAME=VALUE ...]                    *|
|* compiles INPUT through bitnet-c/compiler.h with the given options,        *|
|* printing each stage as it ends; a shared library output is then loaded    *|
|* with the runtime (bitnet-c/bitnet.h) and its tensors counted. Errors are  *|
|* printed as "error: ..." with exit status 1. Used by c-api.test.           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "bitnet-c/bitnet.h"
#include "bitnet-c/compiler.h"

#include <stdio.h>
#include <string.h>

static void progress(const char *stage, double seconds, void *user) {
  int *started = (int *)user;
  if (seconds < 0)
    ++*started;
  else
    printf("stage %s done\n", stage);
}

int main(int argc, char **argv) {
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
