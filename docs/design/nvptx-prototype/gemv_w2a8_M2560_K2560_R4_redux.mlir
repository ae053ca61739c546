// generated: gen_kernel.py 2560 2560 4 4 subgroup
// q: memref<2560xi8> (paddedK, zero tail), W: memref<2560x640xi8> (i2s), acc: memref<2560xi32>
// launch: grid (160,1,1) block (32,4,1); 4 rows per warp
module attributes {gpu.container_module} {
  gpu.module @w2a8 {
    gpu.func @gemv_w2a8_M2560_K2560(%q: memref<2560xi8>, %W: memref<2560x640xi8>, %out: memref<2560xi32>) kernel
        attributes {known_block_size = array<i32: 32, 4, 1>, known_grid_size = array<i32: 160, 1, 1>} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c16 = arith.constant 16 : index
      %c32 = arith.constant 32 : index
      %c64 = arith.constant 64 : index
      %c128 = arith.constant 128 : index
      %cR = arith.constant 4 : index
      %cWPB = arith.constant 4 : index
      %cMm1 = arith.constant 2559 : index
      %cM = arith.constant 2560 : index
      %nch = arith.constant 40 : index
      %z = arith.constant 0 : i32
      %ones = arith.constant dense<1> : vector<4xi8>
      %mask0 = arith.constant dense<-1061109568> : vector<4xi32>
      %mask1 = arith.constant dense<808464432> : vector<4xi32>
      %mask2 = arith.constant dense<202116108> : vector<4xi32>
      %mask3 = arith.constant dense<50529027> : vector<4xi32>
      %tx = gpu.thread_id x
      %ty = gpu.thread_id y
      %bx = gpu.block_id x
      %wb = arith.muli %bx, %cWPB : index
      %warp = arith.addi %wb, %ty : index
      %rowb = arith.muli %warp, %cR : index
      %cr0 = arith.constant 0 : index
      %rr0 = arith.addi %rowb, %cr0 : index
      %row0 = arith.minui %rr0, %cMm1 : index
      %cr1 = arith.constant 1 : index
      %rr1 = arith.addi %rowb, %cr1 : index
      %row1 = arith.minui %rr1, %cMm1 : index
      %cr2 = arith.constant 2 : index
      %rr2 = arith.addi %rowb, %cr2 : index
      %row2 = arith.minui %rr2, %cMm1 : index
      %cr3 = arith.constant 3 : index
      %rr3 = arith.addi %rowb, %cr3 : index
      %row3 = arith.minui %rr3, %cMm1 : index
      %res:17 = scf.for %t = %tx to %nch step %c32 iter_args(%a0_0 = %z, %a0_1 = %z, %a0_2 = %z, %a0_3 = %z, %a1_0 = %z, %a1_1 = %z, %a1_2 = %z, %a1_3 = %z, %a2_0 = %z, %a2_1 = %z, %a2_2 = %z, %a2_3 = %z, %a3_0 = %z, %a3_1 = %z, %a3_2 = %z, %a3_3 = %z, %aq = %z) -> (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32) {
        %b = arith.shrui %t, %c1 : index
        %h = arith.andi %t, %c1 : index
        %qb0 = arith.muli %b, %c128 : index
        %qh = arith.muli %h, %c16 : index
        %qb = arith.addi %qb0, %qh : index
        %woff = arith.muli %t, %c16 : index
        %qoff0 = arith.constant 0 : index
        %qoff1 = arith.constant 32 : index
        %qoff2 = arith.constant 64 : index
        %qoff3 = arith.constant 96 : index
        %qo0 = arith.addi %qb, %qoff0 : index
        %qo1 = arith.addi %qb, %qoff1 : index
        %qo2 = arith.addi %qb, %qoff2 : index
        %qo3 = arith.addi %qb, %qoff3 : index
        %qv0 = vector.load %q[%qo0] {alignment = 16} : memref<2560xi8>, vector<16xi8>
        %q0_0 = vector.shuffle %qv0, %qv0 [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %sq0_0 = nvvm.dot.accumulate.4way %q0_0 <signed>, %ones <unsigned>, %aq : vector<4xi8>, vector<4xi8>
        %q0_1 = vector.shuffle %qv0, %qv0 [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %sq0_1 = nvvm.dot.accumulate.4way %q0_1 <signed>, %ones <unsigned>, %sq0_0 : vector<4xi8>, vector<4xi8>
        %q0_2 = vector.shuffle %qv0, %qv0 [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %sq0_2 = nvvm.dot.accumulate.4way %q0_2 <signed>, %ones <unsigned>, %sq0_1 : vector<4xi8>, vector<4xi8>
        %q0_3 = vector.shuffle %qv0, %qv0 [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %sq0_3 = nvvm.dot.accumulate.4way %q0_3 <signed>, %ones <unsigned>, %sq0_2 : vector<4xi8>, vector<4xi8>
        %qv1 = vector.load %q[%qo1] {alignment = 16} : memref<2560xi8>, vector<16xi8>
        %q1_0 = vector.shuffle %qv1, %qv1 [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %sq1_0 = nvvm.dot.accumulate.4way %q1_0 <signed>, %ones <unsigned>, %sq0_3 : vector<4xi8>, vector<4xi8>
        %q1_1 = vector.shuffle %qv1, %qv1 [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %sq1_1 = nvvm.dot.accumulate.4way %q1_1 <signed>, %ones <unsigned>, %sq1_0 : vector<4xi8>, vector<4xi8>
        %q1_2 = vector.shuffle %qv1, %qv1 [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %sq1_2 = nvvm.dot.accumulate.4way %q1_2 <signed>, %ones <unsigned>, %sq1_1 : vector<4xi8>, vector<4xi8>
        %q1_3 = vector.shuffle %qv1, %qv1 [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %sq1_3 = nvvm.dot.accumulate.4way %q1_3 <signed>, %ones <unsigned>, %sq1_2 : vector<4xi8>, vector<4xi8>
        %qv2 = vector.load %q[%qo2] {alignment = 16} : memref<2560xi8>, vector<16xi8>
        %q2_0 = vector.shuffle %qv2, %qv2 [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %sq2_0 = nvvm.dot.accumulate.4way %q2_0 <signed>, %ones <unsigned>, %sq1_3 : vector<4xi8>, vector<4xi8>
        %q2_1 = vector.shuffle %qv2, %qv2 [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %sq2_1 = nvvm.dot.accumulate.4way %q2_1 <signed>, %ones <unsigned>, %sq2_0 : vector<4xi8>, vector<4xi8>
        %q2_2 = vector.shuffle %qv2, %qv2 [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %sq2_2 = nvvm.dot.accumulate.4way %q2_2 <signed>, %ones <unsigned>, %sq2_1 : vector<4xi8>, vector<4xi8>
        %q2_3 = vector.shuffle %qv2, %qv2 [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %sq2_3 = nvvm.dot.accumulate.4way %q2_3 <signed>, %ones <unsigned>, %sq2_2 : vector<4xi8>, vector<4xi8>
        %qv3 = vector.load %q[%qo3] {alignment = 16} : memref<2560xi8>, vector<16xi8>
        %q3_0 = vector.shuffle %qv3, %qv3 [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %sq3_0 = nvvm.dot.accumulate.4way %q3_0 <signed>, %ones <unsigned>, %sq2_3 : vector<4xi8>, vector<4xi8>
        %q3_1 = vector.shuffle %qv3, %qv3 [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %sq3_1 = nvvm.dot.accumulate.4way %q3_1 <signed>, %ones <unsigned>, %sq3_0 : vector<4xi8>, vector<4xi8>
        %q3_2 = vector.shuffle %qv3, %qv3 [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %sq3_2 = nvvm.dot.accumulate.4way %q3_2 <signed>, %ones <unsigned>, %sq3_1 : vector<4xi8>, vector<4xi8>
        %q3_3 = vector.shuffle %qv3, %qv3 [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %sq3_3 = nvvm.dot.accumulate.4way %q3_3 <signed>, %ones <unsigned>, %sq3_2 : vector<4xi8>, vector<4xi8>
        %w0 = vector.load %W[%row0, %woff] {alignment = 16} : memref<2560x640xi8>, vector<16xi8>
        %w0i = vector.bitcast %w0 : vector<16xi8> to vector<4xi32>
        %m0_0 = arith.andi %w0i, %mask0 : vector<4xi32>
        %m0_0b = vector.bitcast %m0_0 : vector<4xi32> to vector<16xi8>
        %m0_0_0 = vector.shuffle %m0_0b, %m0_0b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d0_0_0 = nvvm.dot.accumulate.4way %q0_0 <signed>, %m0_0_0 <unsigned>, %a0_0 : vector<4xi8>, vector<4xi8>
        %m0_0_1 = vector.shuffle %m0_0b, %m0_0b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d0_0_1 = nvvm.dot.accumulate.4way %q0_1 <signed>, %m0_0_1 <unsigned>, %d0_0_0 : vector<4xi8>, vector<4xi8>
        %m0_0_2 = vector.shuffle %m0_0b, %m0_0b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d0_0_2 = nvvm.dot.accumulate.4way %q0_2 <signed>, %m0_0_2 <unsigned>, %d0_0_1 : vector<4xi8>, vector<4xi8>
        %m0_0_3 = vector.shuffle %m0_0b, %m0_0b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d0_0_3 = nvvm.dot.accumulate.4way %q0_3 <signed>, %m0_0_3 <unsigned>, %d0_0_2 : vector<4xi8>, vector<4xi8>
        %m0_1 = arith.andi %w0i, %mask1 : vector<4xi32>
        %m0_1b = vector.bitcast %m0_1 : vector<4xi32> to vector<16xi8>
        %m0_1_0 = vector.shuffle %m0_1b, %m0_1b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d0_1_0 = nvvm.dot.accumulate.4way %q1_0 <signed>, %m0_1_0 <unsigned>, %a0_1 : vector<4xi8>, vector<4xi8>
        %m0_1_1 = vector.shuffle %m0_1b, %m0_1b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d0_1_1 = nvvm.dot.accumulate.4way %q1_1 <signed>, %m0_1_1 <unsigned>, %d0_1_0 : vector<4xi8>, vector<4xi8>
        %m0_1_2 = vector.shuffle %m0_1b, %m0_1b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d0_1_2 = nvvm.dot.accumulate.4way %q1_2 <signed>, %m0_1_2 <unsigned>, %d0_1_1 : vector<4xi8>, vector<4xi8>
        %m0_1_3 = vector.shuffle %m0_1b, %m0_1b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d0_1_3 = nvvm.dot.accumulate.4way %q1_3 <signed>, %m0_1_3 <unsigned>, %d0_1_2 : vector<4xi8>, vector<4xi8>
        %m0_2 = arith.andi %w0i, %mask2 : vector<4xi32>
        %m0_2b = vector.bitcast %m0_2 : vector<4xi32> to vector<16xi8>
        %m0_2_0 = vector.shuffle %m0_2b, %m0_2b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d0_2_0 = nvvm.dot.accumulate.4way %q2_0 <signed>, %m0_2_0 <unsigned>, %a0_2 : vector<4xi8>, vector<4xi8>
        %m0_2_1 = vector.shuffle %m0_2b, %m0_2b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d0_2_1 = nvvm.dot.accumulate.4way %q2_1 <signed>, %m0_2_1 <unsigned>, %d0_2_0 : vector<4xi8>, vector<4xi8>
        %m0_2_2 = vector.shuffle %m0_2b, %m0_2b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d0_2_2 = nvvm.dot.accumulate.4way %q2_2 <signed>, %m0_2_2 <unsigned>, %d0_2_1 : vector<4xi8>, vector<4xi8>
        %m0_2_3 = vector.shuffle %m0_2b, %m0_2b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d0_2_3 = nvvm.dot.accumulate.4way %q2_3 <signed>, %m0_2_3 <unsigned>, %d0_2_2 : vector<4xi8>, vector<4xi8>
        %m0_3 = arith.andi %w0i, %mask3 : vector<4xi32>
        %m0_3b = vector.bitcast %m0_3 : vector<4xi32> to vector<16xi8>
        %m0_3_0 = vector.shuffle %m0_3b, %m0_3b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d0_3_0 = nvvm.dot.accumulate.4way %q3_0 <signed>, %m0_3_0 <unsigned>, %a0_3 : vector<4xi8>, vector<4xi8>
        %m0_3_1 = vector.shuffle %m0_3b, %m0_3b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d0_3_1 = nvvm.dot.accumulate.4way %q3_1 <signed>, %m0_3_1 <unsigned>, %d0_3_0 : vector<4xi8>, vector<4xi8>
        %m0_3_2 = vector.shuffle %m0_3b, %m0_3b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d0_3_2 = nvvm.dot.accumulate.4way %q3_2 <signed>, %m0_3_2 <unsigned>, %d0_3_1 : vector<4xi8>, vector<4xi8>
        %m0_3_3 = vector.shuffle %m0_3b, %m0_3b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d0_3_3 = nvvm.dot.accumulate.4way %q3_3 <signed>, %m0_3_3 <unsigned>, %d0_3_2 : vector<4xi8>, vector<4xi8>
        %w1 = vector.load %W[%row1, %woff] {alignment = 16} : memref<2560x640xi8>, vector<16xi8>
        %w1i = vector.bitcast %w1 : vector<16xi8> to vector<4xi32>
        %m1_0 = arith.andi %w1i, %mask0 : vector<4xi32>
        %m1_0b = vector.bitcast %m1_0 : vector<4xi32> to vector<16xi8>
        %m1_0_0 = vector.shuffle %m1_0b, %m1_0b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d1_0_0 = nvvm.dot.accumulate.4way %q0_0 <signed>, %m1_0_0 <unsigned>, %a1_0 : vector<4xi8>, vector<4xi8>
        %m1_0_1 = vector.shuffle %m1_0b, %m1_0b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d1_0_1 = nvvm.dot.accumulate.4way %q0_1 <signed>, %m1_0_1 <unsigned>, %d1_0_0 : vector<4xi8>, vector<4xi8>
        %m1_0_2 = vector.shuffle %m1_0b, %m1_0b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d1_0_2 = nvvm.dot.accumulate.4way %q0_2 <signed>, %m1_0_2 <unsigned>, %d1_0_1 : vector<4xi8>, vector<4xi8>
        %m1_0_3 = vector.shuffle %m1_0b, %m1_0b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d1_0_3 = nvvm.dot.accumulate.4way %q0_3 <signed>, %m1_0_3 <unsigned>, %d1_0_2 : vector<4xi8>, vector<4xi8>
        %m1_1 = arith.andi %w1i, %mask1 : vector<4xi32>
        %m1_1b = vector.bitcast %m1_1 : vector<4xi32> to vector<16xi8>
        %m1_1_0 = vector.shuffle %m1_1b, %m1_1b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d1_1_0 = nvvm.dot.accumulate.4way %q1_0 <signed>, %m1_1_0 <unsigned>, %a1_1 : vector<4xi8>, vector<4xi8>
        %m1_1_1 = vector.shuffle %m1_1b, %m1_1b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d1_1_1 = nvvm.dot.accumulate.4way %q1_1 <signed>, %m1_1_1 <unsigned>, %d1_1_0 : vector<4xi8>, vector<4xi8>
        %m1_1_2 = vector.shuffle %m1_1b, %m1_1b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d1_1_2 = nvvm.dot.accumulate.4way %q1_2 <signed>, %m1_1_2 <unsigned>, %d1_1_1 : vector<4xi8>, vector<4xi8>
        %m1_1_3 = vector.shuffle %m1_1b, %m1_1b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d1_1_3 = nvvm.dot.accumulate.4way %q1_3 <signed>, %m1_1_3 <unsigned>, %d1_1_2 : vector<4xi8>, vector<4xi8>
        %m1_2 = arith.andi %w1i, %mask2 : vector<4xi32>
        %m1_2b = vector.bitcast %m1_2 : vector<4xi32> to vector<16xi8>
        %m1_2_0 = vector.shuffle %m1_2b, %m1_2b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d1_2_0 = nvvm.dot.accumulate.4way %q2_0 <signed>, %m1_2_0 <unsigned>, %a1_2 : vector<4xi8>, vector<4xi8>
        %m1_2_1 = vector.shuffle %m1_2b, %m1_2b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d1_2_1 = nvvm.dot.accumulate.4way %q2_1 <signed>, %m1_2_1 <unsigned>, %d1_2_0 : vector<4xi8>, vector<4xi8>
        %m1_2_2 = vector.shuffle %m1_2b, %m1_2b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d1_2_2 = nvvm.dot.accumulate.4way %q2_2 <signed>, %m1_2_2 <unsigned>, %d1_2_1 : vector<4xi8>, vector<4xi8>
        %m1_2_3 = vector.shuffle %m1_2b, %m1_2b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d1_2_3 = nvvm.dot.accumulate.4way %q2_3 <signed>, %m1_2_3 <unsigned>, %d1_2_2 : vector<4xi8>, vector<4xi8>
        %m1_3 = arith.andi %w1i, %mask3 : vector<4xi32>
        %m1_3b = vector.bitcast %m1_3 : vector<4xi32> to vector<16xi8>
        %m1_3_0 = vector.shuffle %m1_3b, %m1_3b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d1_3_0 = nvvm.dot.accumulate.4way %q3_0 <signed>, %m1_3_0 <unsigned>, %a1_3 : vector<4xi8>, vector<4xi8>
        %m1_3_1 = vector.shuffle %m1_3b, %m1_3b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d1_3_1 = nvvm.dot.accumulate.4way %q3_1 <signed>, %m1_3_1 <unsigned>, %d1_3_0 : vector<4xi8>, vector<4xi8>
        %m1_3_2 = vector.shuffle %m1_3b, %m1_3b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d1_3_2 = nvvm.dot.accumulate.4way %q3_2 <signed>, %m1_3_2 <unsigned>, %d1_3_1 : vector<4xi8>, vector<4xi8>
        %m1_3_3 = vector.shuffle %m1_3b, %m1_3b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d1_3_3 = nvvm.dot.accumulate.4way %q3_3 <signed>, %m1_3_3 <unsigned>, %d1_3_2 : vector<4xi8>, vector<4xi8>
        %w2 = vector.load %W[%row2, %woff] {alignment = 16} : memref<2560x640xi8>, vector<16xi8>
        %w2i = vector.bitcast %w2 : vector<16xi8> to vector<4xi32>
        %m2_0 = arith.andi %w2i, %mask0 : vector<4xi32>
        %m2_0b = vector.bitcast %m2_0 : vector<4xi32> to vector<16xi8>
        %m2_0_0 = vector.shuffle %m2_0b, %m2_0b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d2_0_0 = nvvm.dot.accumulate.4way %q0_0 <signed>, %m2_0_0 <unsigned>, %a2_0 : vector<4xi8>, vector<4xi8>
        %m2_0_1 = vector.shuffle %m2_0b, %m2_0b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d2_0_1 = nvvm.dot.accumulate.4way %q0_1 <signed>, %m2_0_1 <unsigned>, %d2_0_0 : vector<4xi8>, vector<4xi8>
        %m2_0_2 = vector.shuffle %m2_0b, %m2_0b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d2_0_2 = nvvm.dot.accumulate.4way %q0_2 <signed>, %m2_0_2 <unsigned>, %d2_0_1 : vector<4xi8>, vector<4xi8>
        %m2_0_3 = vector.shuffle %m2_0b, %m2_0b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d2_0_3 = nvvm.dot.accumulate.4way %q0_3 <signed>, %m2_0_3 <unsigned>, %d2_0_2 : vector<4xi8>, vector<4xi8>
        %m2_1 = arith.andi %w2i, %mask1 : vector<4xi32>
        %m2_1b = vector.bitcast %m2_1 : vector<4xi32> to vector<16xi8>
        %m2_1_0 = vector.shuffle %m2_1b, %m2_1b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d2_1_0 = nvvm.dot.accumulate.4way %q1_0 <signed>, %m2_1_0 <unsigned>, %a2_1 : vector<4xi8>, vector<4xi8>
        %m2_1_1 = vector.shuffle %m2_1b, %m2_1b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d2_1_1 = nvvm.dot.accumulate.4way %q1_1 <signed>, %m2_1_1 <unsigned>, %d2_1_0 : vector<4xi8>, vector<4xi8>
        %m2_1_2 = vector.shuffle %m2_1b, %m2_1b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d2_1_2 = nvvm.dot.accumulate.4way %q1_2 <signed>, %m2_1_2 <unsigned>, %d2_1_1 : vector<4xi8>, vector<4xi8>
        %m2_1_3 = vector.shuffle %m2_1b, %m2_1b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d2_1_3 = nvvm.dot.accumulate.4way %q1_3 <signed>, %m2_1_3 <unsigned>, %d2_1_2 : vector<4xi8>, vector<4xi8>
        %m2_2 = arith.andi %w2i, %mask2 : vector<4xi32>
        %m2_2b = vector.bitcast %m2_2 : vector<4xi32> to vector<16xi8>
        %m2_2_0 = vector.shuffle %m2_2b, %m2_2b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d2_2_0 = nvvm.dot.accumulate.4way %q2_0 <signed>, %m2_2_0 <unsigned>, %a2_2 : vector<4xi8>, vector<4xi8>
        %m2_2_1 = vector.shuffle %m2_2b, %m2_2b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d2_2_1 = nvvm.dot.accumulate.4way %q2_1 <signed>, %m2_2_1 <unsigned>, %d2_2_0 : vector<4xi8>, vector<4xi8>
        %m2_2_2 = vector.shuffle %m2_2b, %m2_2b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d2_2_2 = nvvm.dot.accumulate.4way %q2_2 <signed>, %m2_2_2 <unsigned>, %d2_2_1 : vector<4xi8>, vector<4xi8>
        %m2_2_3 = vector.shuffle %m2_2b, %m2_2b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d2_2_3 = nvvm.dot.accumulate.4way %q2_3 <signed>, %m2_2_3 <unsigned>, %d2_2_2 : vector<4xi8>, vector<4xi8>
        %m2_3 = arith.andi %w2i, %mask3 : vector<4xi32>
        %m2_3b = vector.bitcast %m2_3 : vector<4xi32> to vector<16xi8>
        %m2_3_0 = vector.shuffle %m2_3b, %m2_3b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d2_3_0 = nvvm.dot.accumulate.4way %q3_0 <signed>, %m2_3_0 <unsigned>, %a2_3 : vector<4xi8>, vector<4xi8>
        %m2_3_1 = vector.shuffle %m2_3b, %m2_3b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d2_3_1 = nvvm.dot.accumulate.4way %q3_1 <signed>, %m2_3_1 <unsigned>, %d2_3_0 : vector<4xi8>, vector<4xi8>
        %m2_3_2 = vector.shuffle %m2_3b, %m2_3b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d2_3_2 = nvvm.dot.accumulate.4way %q3_2 <signed>, %m2_3_2 <unsigned>, %d2_3_1 : vector<4xi8>, vector<4xi8>
        %m2_3_3 = vector.shuffle %m2_3b, %m2_3b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d2_3_3 = nvvm.dot.accumulate.4way %q3_3 <signed>, %m2_3_3 <unsigned>, %d2_3_2 : vector<4xi8>, vector<4xi8>
        %w3 = vector.load %W[%row3, %woff] {alignment = 16} : memref<2560x640xi8>, vector<16xi8>
        %w3i = vector.bitcast %w3 : vector<16xi8> to vector<4xi32>
        %m3_0 = arith.andi %w3i, %mask0 : vector<4xi32>
        %m3_0b = vector.bitcast %m3_0 : vector<4xi32> to vector<16xi8>
        %m3_0_0 = vector.shuffle %m3_0b, %m3_0b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d3_0_0 = nvvm.dot.accumulate.4way %q0_0 <signed>, %m3_0_0 <unsigned>, %a3_0 : vector<4xi8>, vector<4xi8>
        %m3_0_1 = vector.shuffle %m3_0b, %m3_0b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d3_0_1 = nvvm.dot.accumulate.4way %q0_1 <signed>, %m3_0_1 <unsigned>, %d3_0_0 : vector<4xi8>, vector<4xi8>
        %m3_0_2 = vector.shuffle %m3_0b, %m3_0b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d3_0_2 = nvvm.dot.accumulate.4way %q0_2 <signed>, %m3_0_2 <unsigned>, %d3_0_1 : vector<4xi8>, vector<4xi8>
        %m3_0_3 = vector.shuffle %m3_0b, %m3_0b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d3_0_3 = nvvm.dot.accumulate.4way %q0_3 <signed>, %m3_0_3 <unsigned>, %d3_0_2 : vector<4xi8>, vector<4xi8>
        %m3_1 = arith.andi %w3i, %mask1 : vector<4xi32>
        %m3_1b = vector.bitcast %m3_1 : vector<4xi32> to vector<16xi8>
        %m3_1_0 = vector.shuffle %m3_1b, %m3_1b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d3_1_0 = nvvm.dot.accumulate.4way %q1_0 <signed>, %m3_1_0 <unsigned>, %a3_1 : vector<4xi8>, vector<4xi8>
        %m3_1_1 = vector.shuffle %m3_1b, %m3_1b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d3_1_1 = nvvm.dot.accumulate.4way %q1_1 <signed>, %m3_1_1 <unsigned>, %d3_1_0 : vector<4xi8>, vector<4xi8>
        %m3_1_2 = vector.shuffle %m3_1b, %m3_1b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d3_1_2 = nvvm.dot.accumulate.4way %q1_2 <signed>, %m3_1_2 <unsigned>, %d3_1_1 : vector<4xi8>, vector<4xi8>
        %m3_1_3 = vector.shuffle %m3_1b, %m3_1b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d3_1_3 = nvvm.dot.accumulate.4way %q1_3 <signed>, %m3_1_3 <unsigned>, %d3_1_2 : vector<4xi8>, vector<4xi8>
        %m3_2 = arith.andi %w3i, %mask2 : vector<4xi32>
        %m3_2b = vector.bitcast %m3_2 : vector<4xi32> to vector<16xi8>
        %m3_2_0 = vector.shuffle %m3_2b, %m3_2b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d3_2_0 = nvvm.dot.accumulate.4way %q2_0 <signed>, %m3_2_0 <unsigned>, %a3_2 : vector<4xi8>, vector<4xi8>
        %m3_2_1 = vector.shuffle %m3_2b, %m3_2b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d3_2_1 = nvvm.dot.accumulate.4way %q2_1 <signed>, %m3_2_1 <unsigned>, %d3_2_0 : vector<4xi8>, vector<4xi8>
        %m3_2_2 = vector.shuffle %m3_2b, %m3_2b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d3_2_2 = nvvm.dot.accumulate.4way %q2_2 <signed>, %m3_2_2 <unsigned>, %d3_2_1 : vector<4xi8>, vector<4xi8>
        %m3_2_3 = vector.shuffle %m3_2b, %m3_2b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d3_2_3 = nvvm.dot.accumulate.4way %q2_3 <signed>, %m3_2_3 <unsigned>, %d3_2_2 : vector<4xi8>, vector<4xi8>
        %m3_3 = arith.andi %w3i, %mask3 : vector<4xi32>
        %m3_3b = vector.bitcast %m3_3 : vector<4xi32> to vector<16xi8>
        %m3_3_0 = vector.shuffle %m3_3b, %m3_3b [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
        %d3_3_0 = nvvm.dot.accumulate.4way %q3_0 <signed>, %m3_3_0 <unsigned>, %a3_3 : vector<4xi8>, vector<4xi8>
        %m3_3_1 = vector.shuffle %m3_3b, %m3_3b [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
        %d3_3_1 = nvvm.dot.accumulate.4way %q3_1 <signed>, %m3_3_1 <unsigned>, %d3_3_0 : vector<4xi8>, vector<4xi8>
        %m3_3_2 = vector.shuffle %m3_3b, %m3_3b [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
        %d3_3_2 = nvvm.dot.accumulate.4way %q3_2 <signed>, %m3_3_2 <unsigned>, %d3_3_1 : vector<4xi8>, vector<4xi8>
        %m3_3_3 = vector.shuffle %m3_3b, %m3_3b [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
        %d3_3_3 = nvvm.dot.accumulate.4way %q3_3 <signed>, %m3_3_3 <unsigned>, %d3_3_2 : vector<4xi8>, vector<4xi8>
        scf.yield %d0_0_3, %d0_1_3, %d0_2_3, %d0_3_3, %d1_0_3, %d1_1_3, %d1_2_3, %d1_3_3, %d2_0_3, %d2_1_3, %d2_2_3, %d2_3_3, %d3_0_3, %d3_1_3, %d3_2_3, %d3_3_3, %sq3_3 : i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32
      }
      %sh6 = arith.constant 6 : i32
      %sh4 = arith.constant 4 : i32
      %sh2 = arith.constant 2 : i32
      %w32 = arith.constant 32 : i32
      %is0 = arith.cmpi eq, %tx, %c0 : index
      %e0_0 = arith.shrsi %res#0, %sh6 : i32
      %e0_1 = arith.shrsi %res#1, %sh4 : i32
      %e0_2 = arith.shrsi %res#2, %sh2 : i32
      %f0_0 = arith.addi %e0_0, %e0_1 : i32
      %f0_1 = arith.addi %e0_2, %res#3 : i32
      %f0_2 = arith.addi %f0_0, %f0_1 : i32
      %p0 = arith.subi %f0_2, %res#16 : i32
      %t0 = gpu.subgroup_reduce add %p0 uniform : (i32) -> i32
      %ok0 = arith.cmpi ult, %rr0, %cM : index
      %st0 = arith.andi %is0, %ok0 : i1
      scf.if %st0 {
        memref.store %t0, %out[%rr0] : memref<2560xi32>
      }
      %e1_0 = arith.shrsi %res#4, %sh6 : i32
      %e1_1 = arith.shrsi %res#5, %sh4 : i32
      %e1_2 = arith.shrsi %res#6, %sh2 : i32
      %f1_0 = arith.addi %e1_0, %e1_1 : i32
      %f1_1 = arith.addi %e1_2, %res#7 : i32
      %f1_2 = arith.addi %f1_0, %f1_1 : i32
      %p1 = arith.subi %f1_2, %res#16 : i32
      %t1 = gpu.subgroup_reduce add %p1 uniform : (i32) -> i32
      %ok1 = arith.cmpi ult, %rr1, %cM : index
      %st1 = arith.andi %is0, %ok1 : i1
      scf.if %st1 {
        memref.store %t1, %out[%rr1] : memref<2560xi32>
      }
      %e2_0 = arith.shrsi %res#8, %sh6 : i32
      %e2_1 = arith.shrsi %res#9, %sh4 : i32
      %e2_2 = arith.shrsi %res#10, %sh2 : i32
      %f2_0 = arith.addi %e2_0, %e2_1 : i32
      %f2_1 = arith.addi %e2_2, %res#11 : i32
      %f2_2 = arith.addi %f2_0, %f2_1 : i32
      %p2 = arith.subi %f2_2, %res#16 : i32
      %t2 = gpu.subgroup_reduce add %p2 uniform : (i32) -> i32
      %ok2 = arith.cmpi ult, %rr2, %cM : index
      %st2 = arith.andi %is0, %ok2 : i1
      scf.if %st2 {
        memref.store %t2, %out[%rr2] : memref<2560xi32>
      }
      %e3_0 = arith.shrsi %res#12, %sh6 : i32
      %e3_1 = arith.shrsi %res#13, %sh4 : i32
      %e3_2 = arith.shrsi %res#14, %sh2 : i32
      %f3_0 = arith.addi %e3_0, %e3_1 : i32
      %f3_1 = arith.addi %e3_2, %res#15 : i32
      %f3_2 = arith.addi %f3_0, %f3_1 : i32
      %p3 = arith.subi %f3_2, %res#16 : i32
      %t3 = gpu.subgroup_reduce add %p3 uniform : (i32) -> i32
      %ok3 = arith.cmpi ult, %rr3, %cM : index
      %st3 = arith.andi %is0, %ok3 : i1
      scf.if %st3 {
        memref.store %t3, %out[%rr3] : memref<2560xi32>
      }
      gpu.return
    }
  }
}
