// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=x86-64-v3" | FileCheck %s --check-prefix=AVX2
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="target=aarch64 mcpu=neoverse-n1" | FileCheck %s --check-prefix=NEON
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=x86-64" | FileCheck %s --check-prefix=NOSIMD
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="rows-per-block=8 token-tile=2 row-tile=1 prefetch-distance=0 decode-accumulators=2" | FileCheck %s --check-prefix=OVERRIDE
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="tuning-file=%S/Inputs/tuning.json" | FileCheck %s --check-prefix=TUNED
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="tuning-file=%S/Inputs/tuning-bad-value.json" 2>&1 | FileCheck %s --check-prefix=BADVALUE
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="tuning-file=%S/Inputs/tuning-bad-key.json" 2>&1 | FileCheck %s --check-prefix=BADKEY
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="tuning-file=%t.missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="decode-accumulators=3" 2>&1 | FileCheck %s --check-prefix=BADACC

// The configuration comes from the module's target: Zen 4 (AVX-512 VNNI,
// 32 registers, L1d 32 KiB, L2 1 MiB). Decode (one token): one row per
// register tile, four accumulators behind a 4 KiB prefetch. Rows per block:
// about 32 blocks, whole register tiles (2560 rows -> 80).
// CHECK-LABEL: func @decode
// CHECK: bitnet.ternary_matmul {{.*}} {kernel_config = #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 80, token_tile = 1, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 4096, cache_line_bytes = 64, decode_accumulators = 4, i16_accumulation = false>}
// AVX2 (16 registers): 32-byte chunks, i16 accumulation of vpmaddubsw pairs.
// AVX2-LABEL: func @decode
// AVX2: #bitnet.ternary_kernel<vector_bytes = 32, rows_per_block = 80, token_tile = 1, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 4096, cache_line_bytes = 64, decode_accumulators = 4, i16_accumulation = true>
// NEON-LABEL: func @decode
// NEON: #bitnet.ternary_kernel<vector_bytes = 16, rows_per_block = 80, token_tile = 1, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 4096, cache_line_bytes = 64, decode_accumulators = 4, i16_accumulation = false>
// Baseline x86-64 has no byte multiply-add: no kernel, no configuration.
// NOSIMD-LABEL: func @decode
// NOSIMD-NOT: kernel_config
// OVERRIDE-LABEL: func @decode
// OVERRIDE: #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 8, token_tile = 1, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 0, cache_line_bytes = 64, decode_accumulators = 2, i16_accumulation = false>
// The tuning file's entry for 2560x2560 at n = 1 replaces two fields.
// TUNED-LABEL: func @decode
// TUNED: #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 64, token_tile = 1, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 2048, cache_line_bytes = 64, decode_accumulators = 4, i16_accumulation = false>
// BADVALUE: error: bitnet-select-kernel-configs: tuning file {{.*}}tuning-bad-value.json, entry for 2560x2560 (n = 1): decode_accumulators must be 1, 2 or 4, not 3
// BADKEY: error: bitnet-select-kernel-configs: tuning file {{.*}}tuning-bad-key.json: ternary_matmul entry 0: unknown key "rows" (expected m, k, n, format or a #bitnet.ternary_kernel field)
// MISSING: error: bitnet-select-kernel-configs: tuning file {{.*}}missing.json: cannot read it: No such file or directory
// BADACC: error: bitnet-select-kernel-configs: decode-accumulators must be 1, 2 or 4 (0: the default), not 3
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4">} {
  func.func @decode(%q: tensor<1x2560xi8>, %w: tensor<2560x640xi8>) -> tensor<1x2560xi32> {
    %acc = bitnet.ternary_matmul %q, %w format <i2s> : tensor<1x2560xi8>, tensor<2560x640xi8> -> tensor<1x2560xi32>
    return %acc : tensor<1x2560xi32>
  }
}

// -----

// Prefill (128 tokens): 4-token tiles (a quarter of 32 registers; 4 rows of
// 2560 permuted codes fit L1d) of 4-row register tiles; AVX2 has 16
// registers: 2 x 2. The tuning file's entry for any n sets the token tile.
// CHECK-LABEL: func @prefill
// CHECK: #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 80, token_tile = 4, row_tile = 4, single_token_row_tile = 1,
// AVX2-LABEL: func @prefill
// AVX2: #bitnet.ternary_kernel<vector_bytes = 32, rows_per_block = 80, token_tile = 2, row_tile = 2, single_token_row_tile = 1,
// NOSIMD-LABEL: func @prefill
// TUNED-LABEL: func @prefill
// TUNED: #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 80, token_tile = 2, row_tile = 4,
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4">} {
  func.func @prefill(%q: tensor<128x2560xi8>, %w: tensor<2560x640xi8>) -> tensor<128x2560xi32> {
    %acc = bitnet.ternary_matmul %q, %w format <i2s> : tensor<128x2560xi8>, tensor<2560x640xi8> -> tensor<128x2560xi32>
    return %acc : tensor<128x2560xi32>
  }
}

// -----

// Kept: a product that has a configuration; not configured: unpacked and
// tl1 weights (no kernel reads them).
// CHECK-LABEL: func @kept
// CHECK: rows_per_block = 3,
// CHECK: bitnet.ternary_matmul %{{.*}}, %{{.*}} : tensor<2x256xi8>, tensor<16x256xi8>
// CHECK-NOT: kernel_config
// CHECK: bitnet.ternary_matmul %{{.*}}, %{{.*}} format <tl1> : tensor<2x256xi8>, tensor<16x64xi8>
// CHECK-NOT: kernel_config
// CHECK: return
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4">} {
  func.func @kept(%q: tensor<2x256xi8>, %p: tensor<16x64xi8>, %w: tensor<16x256xi8>, %t: tensor<16x64xi8>)
      -> (tensor<2x16xi32>, tensor<2x16xi32>, tensor<2x16xi32>) {
    %a = bitnet.ternary_matmul %q, %p format <i2s> {kernel_config = #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 3, token_tile = 2, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 0, cache_line_bytes = 64, decode_accumulators = 1, i16_accumulation = false>} : tensor<2x256xi8>, tensor<16x64xi8> -> tensor<2x16xi32>
    %b = bitnet.ternary_matmul %q, %w : tensor<2x256xi8>, tensor<16x256xi8> -> tensor<2x16xi32>
    %c = bitnet.ternary_matmul %q, %t format <tl1> : tensor<2x256xi8>, tensor<16x64xi8> -> tensor<2x16xi32>
    return %a, %b, %c : tensor<2x16xi32>, tensor<2x16xi32>, tensor<2x16xi32>
  }
}
