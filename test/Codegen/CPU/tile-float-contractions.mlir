// RUN: bitnet-opt %s --split-input-file --bitnet-tile-float-contractions="mcpu=znver4 tiles=2" | FileCheck %s
// RUN: bitnet-opt %s --split-input-file --bitnet-tile-float-contractions="mcpu=x86-64-v3 tiles=1" | FileCheck %s --check-prefix=AVX2
// RUN: bitnet-opt %s --split-input-file --bitnet-tile-float-contractions="mcpu=znver4 tiles=1 rows=2 cols=3" | FileCheck %s --check-prefix=OVERRIDE
// RUN: bitnet-opt %s --split-input-file --bitnet-tile-float-contractions="mcpu=x86-64 tiles=1" | FileCheck %s --check-prefix=BASE
// RUN: not bitnet-opt %s --split-input-file --bitnet-tile-float-contractions="mcpu=znver4 rows=1000000000" 2>&1 | FileCheck %s --check-prefix=BADROWS
// BADROWS: error: bitnet-tile-float-contractions: rows and cols must be from 0 (derived) to 32, tiles from 1 to 1024

// lm_head on a [vocab x hidden] table (NT, dot form). AVX-512: V = 16,
// 4 x 5 register tiles. Threads: 2 blocks of 20 table rows, the last 2 rows
// after the forall (a 4 x 2 tile). The fill is folded: C is written, not
// read.
// CHECK-LABEL: func @lm_head
// CHECK-NOT:   linalg.fill
// CHECK:       scf.forall (%{{.*}}) = (0) to (40) step (20)
// CHECK:         scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c4
// CHECK:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c5
// CHECK:             %[[ACC:.*]]:20 = scf.for %{{.*}} = %{{.*}} to %c64 step %c16 iter_args({{.*}}) -> (vector<16xf32>
// Five rows of the table, then per row of A one read and five FMAs.
// CHECK-COUNT-5:       vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<5x64xf32>, vector<16xf32>
// CHECK:               vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<1x4x64xf32>, vector<16xf32>
// CHECK-COUNT-5:       vector.fma {{.*}} : vector<16xf32>
// CHECK:               vector.transfer_read {{.*}} : tensor<1x4x64xf32>, vector<16xf32>
// CHECK-COUNT-5:       vector.fma
// CHECK:               vector.transfer_read {{.*}} : tensor<1x4x64xf32>, vector<16xf32>
// CHECK-COUNT-5:       vector.fma
// CHECK:               vector.transfer_read {{.*}} : tensor<1x4x64xf32>, vector<16xf32>
// CHECK-COUNT-5:       vector.fma
// CHECK-NOT:           vector.fma
// CHECK:               scf.yield
// CHECK:             vector.reduction <add>, %[[ACC]]#0 fastmath<reassoc> : vector<16xf32> into f32
// CHECK:             vector.from_elements {{.*}} : vector<5xf32>
// CHECK:             vector.transfer_write {{.*}} : vector<5xf32>, tensor<1x4x5xf32>
// CHECK:       scf.forall.in_parallel
// CHECK:       scf.for %{{.*}} iter_args(%{{.*}}) -> (tensor<1x8x2xf32>)
// CHECK:         scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// x86-64-v3 (AVX2, second RUN line) has V = 8 and 2 x 4 tiles (16
// registers); tiles=1: no forall.
// AVX2-LABEL: func @lm_head
// AVX2-NOT:   scf.forall
// AVX2:       scf.for %{{.*}} = %{{.*}} to %c64 step %c8{{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// Baseline x86-64 (SSE, no FMA): V = 4, a multiply and an add (vector.fma
// would become calls to fmaf).
// BASE-LABEL: func @lm_head
// BASE-NOT:   vector.fma
// BASE:       arith.mulf {{.*}} : vector<4xf32>
// BASE-NEXT:  arith.addf {{.*}} : vector<4xf32>
// rows=2 cols=3: 2 x 3 tiles.
// OVERRIDE-LABEL: func @lm_head
// OVERRIDE:       scf.for %{{.*}} = %{{.*}} to %c64 step %c16{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>) {
#a = affine_map<(b, m, n, k) -> (b, m, k)>
#w = affine_map<(b, m, n, k) -> (n, k)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @lm_head(%x: tensor<1x8x64xf32>, %e: tensor<42x64xf32>) -> tensor<1x8x42xf32> {
  %cst = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x8x42xf32>
  %fill = linalg.fill ins(%cst : f32) outs(%empty : tensor<1x8x42xf32>) -> tensor<1x8x42xf32>
  %r = linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %e : tensor<1x8x64xf32>, tensor<42x64xf32>) outs(%fill : tensor<1x8x42xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %p = arith.mulf %in, %in2 : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x8x42xf32>
  return %r : tensor<1x8x42xf32>
}

// -----

// k = 1024 with two row tiles: a tile's 4 + 5 rows of 4 KB would not stay
// in znver4's 32 KiB L1d, so k is split into blocks of 512
// (linalg::splitOp on the reduction, then scf.for): the first block starts
// from the fill, the others read C and add.
// CHECK-LABEL: func @k_blocks
// CHECK:       scf.forall
// CHECK:         scf.for {{.*}} to %c512{{.*}} step %c16{{.*}} iter_args
// CHECK-NOT:     vector.transfer_read {{.*}} : tensor<1x4x5xf32>, vector<5xf32>
// CHECK:         vector.transfer_write {{.*}} : vector<5xf32>, tensor<1x4x5xf32>
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %c512{{.*}} step %c512
// CHECK:         scf.for {{.*}} to %c512{{.*}} step %c16{{.*}} iter_args
// CHECK:         %[[C:.*]] = vector.transfer_read {{.*}} : tensor<1x4x5xf32>, vector<5xf32>
// CHECK:         arith.addf %[[C]], {{.*}} : vector<5xf32>
#a = affine_map<(b, m, n, k) -> (b, m, k)>
#w = affine_map<(b, m, n, k) -> (n, k)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @k_blocks(%x: tensor<1x8x1024xf32>, %e: tensor<40x1024xf32>) -> tensor<1x8x40xf32> {
  %cst = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x8x40xf32>
  %fill = linalg.fill ins(%cst : f32) outs(%empty : tensor<1x8x40xf32>) -> tensor<1x8x40xf32>
  %r = linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %e : tensor<1x8x1024xf32>, tensor<40x1024xf32>) outs(%fill : tensor<1x8x40xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %p = arith.mulf %in, %in2 : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x8x40xf32>
  return %r : tensor<1x8x40xf32>
}

// -----

// Decode (one token, a matrix-vector product): 1 x 8 tiles, 8 table rows
// streamed at once; k = 20 is not a multiple of 16: one full step, then a
// masked (zero-padded) one.
// CHECK-LABEL: func @decode
// CHECK:       scf.forall (%{{.*}}) = (0) to (32) step (16)
// CHECK:         scf.for %{{.*}} = %{{.*}} to %c16{{.*}} step %c16{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:         vector.transfer_read %{{.*}}[%{{.*}}, %c16{{.*}}], %{{.*}} : tensor<8x20xf32>, vector<16xf32>
// CHECK:         vector.transfer_write {{.*}} : vector<8xf32>, tensor<1x1x8xf32>
#a = affine_map<(b, m, n, k) -> (b, m, k)>
#w = affine_map<(b, m, n, k) -> (n, k)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @decode(%x: tensor<1x1x20xf32>, %e: tensor<42x20xf32>, %y: tensor<1x1x42xf32>) -> tensor<1x1x42xf32> {
  %r = linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %e : tensor<1x1x20xf32>, tensor<42x20xf32>) outs(%y : tensor<1x1x42xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %p = arith.mulf %in, %in2 : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x1x42xf32>
  return %r : tensor<1x1x42xf32>
}

// -----

// Decode on a float16 table (a tied lm_head stored narrow): the kernel
// reads 16 halves per vector and widens them; the activations stay f32.
// CHECK-LABEL: func @decode_f16_table
// CHECK:       scf.forall
// CHECK:         %[[H:.*]] = vector.transfer_read %{{.*}} : tensor<8x32xf16>, vector<16xf16>
// CHECK:         arith.extf %[[H]] : vector<16xf16> to vector<16xf32>
// CHECK:         vector.transfer_read %{{.*}} : tensor<1x1x32xf32>, vector<16xf32>
// CHECK:         vector.fma
#a = affine_map<(b, m, n, k) -> (b, m, k)>
#w = affine_map<(b, m, n, k) -> (n, k)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @decode_f16_table(%x: tensor<1x1x32xf32>, %e: tensor<48x32xf16>, %y: tensor<1x1x48xf32>) -> tensor<1x1x48xf32> {
  %r = linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %e : tensor<1x1x32xf32>, tensor<48x32xf16>) outs(%y : tensor<1x1x48xf32>) {
  ^bb0(%in: f32, %in2: f16, %out: f32):
    %w2 = arith.extf %in2 : f16 to f32
    %p = arith.mulf %in, %w2 : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x1x48xf32>
  return %r : tensor<1x1x48xf32>
}

// -----

// A body that is not exactly widen, multiply, add (here a negation the
// contraction interface looks through) is left to the later passes.
// CHECK-LABEL: func @not_multiply_add
// CHECK-NOT:   vector.fma
// CHECK:       arith.negf
#a = affine_map<(b, m, n, k) -> (b, m, k)>
#w = affine_map<(b, m, n, k) -> (n, k)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @not_multiply_add(%x: tensor<1x1x32xf32>, %e: tensor<48x32xf32>, %y: tensor<1x1x48xf32>) -> tensor<1x1x48xf32> {
  %r = linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %e : tensor<1x1x32xf32>, tensor<48x32xf32>) outs(%y : tensor<1x1x48xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %n = arith.negf %in2 : f32
    %p = arith.mulf %in, %n : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x1x48xf32>
  return %r : tensor<1x1x48xf32>
}

// -----

// Attention (NN, outer-product form): one forall piece per head, 4 x 64
// tiles (4 rows x 4 vectors), C read into registers once, one broadcast
// element of A per row and k.
// CHECK-LABEL: func @heads
// CHECK:       scf.forall (%{{.*}}) in (8)
// CHECK:         %[[C:.*]] = vector.transfer_read {{.*}} : tensor<1x4x64xf32>, vector<16xf32>
// CHECK:         scf.for %{{.*}} = %{{.*}} to %c32{{.*}} step %c1{{.*}} iter_args(%{{.*}} = %[[C]], {{.*}}) -> (vector<16xf32>
// CHECK-COUNT-4:   vector.transfer_read {{.*}} : tensor<1x32x64xf32>, vector<16xf32>
// CHECK:           tensor.extract
// CHECK:           vector.broadcast {{.*}} : f32 to vector<16xf32>
// CHECK-COUNT-4:   vector.fma
// CHECK-COUNT-16: vector.transfer_write {{.*}} : vector<16xf32>, tensor<1x4x64xf32>
func.func @heads(%q: tensor<8x64x32xf32>, %k: tensor<8x32x64xf32>, %s: tensor<8x64x64xf32>) -> tensor<8x64x64xf32> {
  %r = linalg.batch_matmul ins(%q, %k : tensor<8x64x32xf32>, tensor<8x32x64xf32>) outs(%s : tensor<8x64x64xf32>) -> tensor<8x64x64xf32>
  return %r : tensor<8x64x64xf32>
}

// -----

// Edges: 7 rows = a 4-row tile and 3 single rows (linalg::splitOp); 20
// columns = one vector (a kernel) and 4 columns left as a linalg.matmul for
// the later passes, which gets its fill back.
// CHECK-LABEL: func @edges
// CHECK:       vector.fma
// CHECK:       %[[FILL:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4x4xf32>)
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x20xf32>, tensor<20x4xf32>) outs(%[[FILL]] : tensor<4x4xf32>)
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x20xf32>, tensor<20x4xf32>)
func.func @edges(%a: tensor<7x20xf32>, %b: tensor<20x20xf32>) -> tensor<7x20xf32> {
  %cst = arith.constant 1.0 : f32
  %empty = tensor.empty() : tensor<7x20xf32>
  %fill = linalg.fill ins(%cst : f32) outs(%empty : tensor<7x20xf32>) -> tensor<7x20xf32>
  %r = linalg.matmul ins(%a, %b : tensor<7x20xf32>, tensor<20x20xf32>) outs(%fill : tensor<7x20xf32>) -> tensor<7x20xf32>
  return %r : tensor<7x20xf32>
}

// -----

// Not handled: integer or dynamic contractions, and elementwise ops.
// CHECK-LABEL: func @unchanged
// CHECK-NOT:   vector.fma
// CHECK:       linalg.matmul
// CHECK:       linalg.matmul
// CHECK:       linalg.add
func.func @unchanged(%a: tensor<8x8xi32>, %b: tensor<8x8xi32>, %c: tensor<8x8xi32>,
                     %d: tensor<?x8xf32>, %e: tensor<8x8xf32>, %f: tensor<?x8xf32>,
                     %g: tensor<64xf32>) -> (tensor<8x8xi32>, tensor<?x8xf32>, tensor<64xf32>) {
  %r = linalg.matmul ins(%a, %b : tensor<8x8xi32>, tensor<8x8xi32>) outs(%c : tensor<8x8xi32>) -> tensor<8x8xi32>
  %s = linalg.matmul ins(%d, %e : tensor<?x8xf32>, tensor<8x8xf32>) outs(%f : tensor<?x8xf32>) -> tensor<?x8xf32>
  %t = linalg.add ins(%g, %g : tensor<64xf32>, tensor<64xf32>) outs(%g : tensor<64xf32>) -> tensor<64xf32>
  return %r, %s, %t : tensor<8x8xi32>, tensor<?x8xf32>, tensor<64xf32>
}

// -----

// A contraction's own configuration (#bitnet.float_kernel, as
// bitnet-select-kernel-configs or a tuning file records it) is what the
// kernel follows, whatever the target: here 8 lanes and 1 x 2 tiles on
// Zen 4, no FMA.
// CHECK-LABEL: func @configured
// CHECK-NOT:   vector.fma
// CHECK:       scf.for %{{.*}} = %{{.*}} to %c64 step %c8{{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>) {
// CHECK:         arith.mulf {{.*}} : vector<8xf32>
#a = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @configured(%x: tensor<3x64xf32>, %e: tensor<42x64xf32>) -> tensor<3x42xf32> {
  %cst = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<3x42xf32>
  %fill = linalg.fill ins(%cst : f32) outs(%empty : tensor<3x42xf32>) -> tensor<3x42xf32>
  %r = linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"], bitnet.kernel_config = #bitnet.float_kernel<lanes = 8, rows = 1, cols = 2, l1_bytes = 32768, l2_bytes = 524288, fma = false>} ins(%x, %e : tensor<3x64xf32>, tensor<42x64xf32>) outs(%fill : tensor<3x42xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %p = arith.mulf %in, %in2 : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x42xf32>
  return %r : tensor<3x42xf32>
}
