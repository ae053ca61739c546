// Links against gemv_w2a8_cpu.o (built by run.sh) and checks against a reference.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
typedef struct { int8_t *a, *d; int64_t off, sz[1], st[1]; } M1i8;
typedef struct { int8_t *a, *d; int64_t off, sz[2], st[2]; } M2i8;
typedef struct { int32_t *a, *d; int64_t off, sz[1], st[1]; } M1i32;
void _mlir_ciface_gemv_cpu(M1i8 *, M2i8 *, M1i32 *);
enum { M = 5, K = 200, KP = 256, RB = 64 };
int main(void) {
  static _Alignas(16) int8_t q[KP], W[M * RB]; static int32_t acc[M]; int w[M][KP];
  srand(1);
  for (int k = 0; k < KP; k++) q[k] = k < K ? (int8_t)(rand() % 256 - 128) : 0;
  for (int m = 0; m < M; m++)
    for (int k = 0; k < KP; k++) w[m][k] = k < K ? rand() % 3 - 1 : 0;
  for (int m = 0; m < M; m++)            /* i2s packing, docs/formats.md */
    for (int b = 0; b < KP / 128; b++)
      for (int j = 0; j < 32; j++) {
        int *c = &w[m][b * 128];
        W[m * RB + b * 32 + j] = (int8_t)((c[j] + 1) << 6 | (c[j + 32] + 1) << 4 |
                                          (c[j + 64] + 1) << 2 | (c[j + 96] + 1));
      }
  M1i8 mq = {q, q, 0, {KP}, {1}}; M2i8 mw = {W, W, 0, {M, RB}, {RB, 1}};
  M1i32 ma = {acc, acc, 0, {M}, {1}};
  _mlir_ciface_gemv_cpu(&mq, &mw, &ma);
  int bad = 0;
  for (int m = 0; m < M; m++) {
    long ref = 0; for (int k = 0; k < K; k++) ref += q[k] * w[m][k];
    printf("row %d: mlir %d ref %ld\n", m, acc[m], ref); bad += acc[m] != ref;
  }
  puts(bad ? "FAIL" : "PASS"); return bad != 0;
}
