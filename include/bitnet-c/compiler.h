/*===- bitnet-c/compiler.h - C API of the BitNet-MLIR compiler ----------===*\
|*                                                                            *|
|* Compiles a model in the calling process, exactly as bitnet-compile does   *|
|* (lib/Compiler): the host sets options by bitnet-compile's flag names and   *|
|* gets errors back as text. Link with libbitnet_compiler.so. Each call uses *|
|* its own compiler state, so compiles may run on several threads at once.  *|
|* See docs/driver.md.                                                       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef BITNET_C_COMPILER_H
#define BITNET_C_COMPILER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bitnet_compiler_options bitnet_compiler_options;

/* Options for compiling `input` (model.onnx, module.mlir) to `output`
 * ("-": standard output). Everything else has bitnet-compile's defaults. */
bitnet_compiler_options *bitnet_compiler_options_create(const char *input,
                                                        const char *output);
void bitnet_compiler_options_free(bitnet_compiler_options *options);

/* Sets an option by the name of its bitnet-compile flag, without dashes:
 * "emit" = "lib", "mcpu" = "znver4", "max-context" = "1024", ...;
 * "input-shape" may be set several times. Returns 0, or -1 with a message
 * in `error` (at most `error_size` bytes, NUL-terminated; may be NULL). */
int bitnet_compiler_options_set(bitnet_compiler_options *options,
                                const char *name, const char *value,
                                char *error, size_t error_size);

/* Called as each stage of the compile (import, raise, ..., link) starts,
 * with seconds < 0, and as it ends, with its wall time. */
typedef void (*bitnet_compile_progress)(const char *stage, double seconds,
                                        void *user_data);

/* Compiles. Returns 0, or -1 with the problems, one per line, in `error`
 * (the importer's name the ONNX node). `progress` may be NULL. */
int bitnet_compile(const bitnet_compiler_options *options,
                   bitnet_compile_progress progress, void *user_data,
                   char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* BITNET_C_COMPILER_H */
