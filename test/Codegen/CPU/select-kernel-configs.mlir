// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=x86-64-v3" | FileCheck %s --check-prefix=AVX2
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="target=aarch64 mcpu=neoverse-n1" | FileCheck %s --check-prefix=NEON
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="mcpu=x86-64" | FileCheck %s --check-prefix=NOSIMD
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="rows-per-block=8 token-tile=2 row-tile=1 prefetch-distance=0 decode-accumulators=2" | FileCheck %s --check-prefix=OVERRIDE
// RUN: bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="tuning-file=%S/Inputs/tuning.json" | FileCheck %s --check-prefix=TUNED
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="tuning-file=%S/Inputs/tuning-bad-value.json" 2>&1 | FileCheck %s --check-prefix=BADVALUE
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="tuning-file=%S/Inputs/tuning-bad-key.json" 2>&1 | FileCheck %s --check-prefix=BADKEY
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="tuning-file=%t.missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="tuning-file=%S/Inputs/tuning-bad-target.json" 2>&1 | FileCheck %s --check-prefix=BADTARGET
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="decode-accumulators=3" 2>&1 | FileCheck %s --check-prefix=BADACC
// RUN: not bitnet-opt %s --split-input-file --bitnet-select-kernel-configs="token-tile=1000000000" 2>&1 | FileCheck %s --check-prefix=BADTILE
// BADTILE: error: bitnet-select-kernel-configs: rows-per-block must be >= 0, token-tile and row-tile from 0 to 32, prefetch-distance from -1 to 1073741824 (0 / -1: derived)

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
// BADVALUE: error: bitnet-select-kernel-configs: tuning file {{.*}}tuning-bad-value.json: ternary_matmul entry 0: "decode_accumulators" must be 1, 2 or 4, not 3
// BADKEY: error: bitnet-select-kernel-configs: tuning file {{.*}}tuning-bad-key.json: ternary_matmul entry 0: unknown key "rows" (expected m, k, n, format, us, default_us or a #bitnet.ternary_kernel field)
// MISSING: error: bitnet-select-kernel-configs: tuning file {{.*}}missing.json: cannot read it: No such file or directory
// BADTARGET: error: bitnet-select-kernel-configs: tuning file {{.*}}tuning-bad-target.json: "target" takes the strings "cpu" and "features"
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

// -----

// Float contractions: Zen 4 has 16 f32 lanes and 32 registers, so 4 rows x
// (32 - 3) / 5 = 5 columns; the lm_head of one token (NT, one row) streams
// 8 table rows; with AVX2 (8 lanes, 16 registers) 2 x 4. The tuning file's
// float_matmul entry for 64x128x256 sets its columns.
// CHECK-LABEL: func @floats
// CHECK: linalg.matmul {bitnet.kernel_config = #bitnet.float_kernel<lanes = 16, rows = 4, cols = 5, l1_bytes = 32768, l2_bytes = 1048576, fma = true>}
// CHECK: linalg.generic {{.*}}bitnet.kernel_config = #bitnet.float_kernel<lanes = 16, rows = 1, cols = 8, l1_bytes = 32768, l2_bytes = 1048576, fma = true>
// AVX2-LABEL: func @floats
// AVX2: #bitnet.float_kernel<lanes = 8, rows = 2, cols = 4, l1_bytes = 32768, l2_bytes = 524288, fma = true>
// NEON-LABEL: func @floats
// NEON: #bitnet.float_kernel<lanes = 4, rows = 4, cols = 5, l1_bytes = 65536, l2_bytes = 1048576, fma = true>
// TUNED-LABEL: func @floats
// TUNED: #bitnet.float_kernel<lanes = 16, rows = 4, cols = 3,
// TUNED: #bitnet.float_kernel<lanes = 16, rows = 1, cols = 8,
#a = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4">} {
  func.func @floats(%a: tensor<64x256xf32>, %b: tensor<256x128xf32>, %c: tensor<64x128xf32>,
                    %x: tensor<1x256xf32>, %e: tensor<1000x256xf32>, %d: tensor<1x1000xf32>)
      -> (tensor<64x128xf32>, tensor<1x1000xf32>) {
    %0 = linalg.matmul ins(%a, %b : tensor<64x256xf32>, tensor<256x128xf32>) outs(%c : tensor<64x128xf32>) -> tensor<64x128xf32>
    %1 = linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %e : tensor<1x256xf32>, tensor<1000x256xf32>) outs(%d : tensor<1x1000xf32>) {
    ^bb0(%in: f32, %in2: f32, %out: f32):
      %p = arith.mulf %in, %in2 : f32
      %s = arith.addf %out, %p : f32
      linalg.yield %s : f32
    } -> tensor<1x1000xf32>
    return %0, %1 : tensor<64x128xf32>, tensor<1x1000xf32>
  }
}

// -----

// tl2r's lookup kernel (AVX-512 VBMI, which Zen 4 has): whole 16-row tiles
// per block, up to 4 tokens per tile; NEON with dotprod (tbl, sdot): 16-byte
// pieces, one token per tile; AVX2 and the baseline have no byte permutes
// and no configuration (the portable loops).
// CHECK-LABEL: func @tl2r
// CHECK: #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 16, token_tile = 1, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 4096, cache_line_bytes = 64, decode_accumulators = 1, i16_accumulation = false>
// CHECK: #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 16, token_tile = 4, row_tile = 1,
// AVX2-LABEL: func @tl2r
// AVX2-NOT: kernel_config
// NEON-LABEL: func @tl2r
// NEON: #bitnet.ternary_kernel<vector_bytes = 16, rows_per_block = 16, token_tile = 1, row_tile = 1,
// NEON: #bitnet.ternary_kernel<vector_bytes = 16, rows_per_block = 16, token_tile = 1, row_tile = 1,
// NOSIMD-LABEL: func @tl2r
// NOSIMD-NOT: kernel_config
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4">} {
  func.func @tl2r(%q: tensor<1x50xi8>, %q5: tensor<5x50xi8>, %w: tensor<37x15xi8>) -> (tensor<1x37xi32>, tensor<5x37xi32>) {
    %a = bitnet.ternary_matmul %q, %w format <tl2r> : tensor<1x50xi8>, tensor<37x15xi8> -> tensor<1x37xi32>
    %b = bitnet.ternary_matmul %q5, %w format <tl2r> : tensor<5x50xi8>, tensor<37x15xi8> -> tensor<5x37xi32>
    return %a, %b : tensor<1x37xi32>, tensor<5x37xi32>
  }
}
