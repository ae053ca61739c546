// W2A8 GEMV (decode, one token) -- "simple form": host func with gpu.launch.
//   q   : memref<?xi8>     int8 activation codes, length paddedK = ceil(K/128)*128,
//                          tail (k >= K) zero-padded by the caller, 16-byte aligned.
//   W   : memref<?x?xi8>   [M x ceil(K/128)*32] packed i2s rows, 16-byte aligned rows.
//   acc : memref<?xi32>    [M] output, acc[m] = sum_k q[k] * w[m,k].
//   nchunks = ceil(K/128) * 2  (number of 16-byte weight chunks per row).
// Mapping: one warp (32 lanes) per row, 4 warps per block; lane l handles chunks
// t = l, l+32, ...; each 16-byte chunk t = 2*b + h covers bytes 16h..16h+15 of block b,
// i.e. weights k = 128b + 32c + 16h + (0..15) for c = 0..3 (bit shift 6-2c).
// Decode: codes = (word >> (6-2c)) & 0x03030303 (bytes 0..2 = w+1);
//         signed bytes w = (codes + 0x7F7F7F7F) ^ 0x80808080  (0->0xFF, 1->0x00, 2->0x01,
//         no inter-byte carry), then dp4a.s32.s32 with the matching q word.
module attributes {gpu.container_module} {
  func.func @gemv_w2a8(%q: memref<?xi8>, %W: memref<?x?xi8>, %acc: memref<?xi32>,
                       %nchunks: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %c32 = arith.constant 32 : index
    %M = memref.dim %acc, %c0 : memref<?xi32>
    %Mp = arith.addi %M, %c3 : index
    %nblk = arith.divui %Mp, %c4 : index
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %nblk, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c4, %sz = %c1) {
      %z = arith.constant 0 : index
      %one = arith.constant 1 : index
      %i16 = arith.constant 16 : index
      %i32 = arith.constant 32 : index
      %i128 = arith.constant 128 : index
      %mask = arith.constant 0x03030303 : i32
      %bias = arith.constant 0x7F7F7F7F : i32
      %sgn = arith.constant 0x80808080 : i32
      %s6 = arith.constant 6 : i32
      %s4 = arith.constant 4 : i32
      %s2 = arith.constant 2 : i32
      %zero = arith.constant 0 : i32
      %wpb = arith.constant 4 : index
      %rb = arith.muli %bx, %wpb : index
      %row = arith.addi %rb, %ty : index
      %inb = arith.cmpi ult, %row, %M : index
      scf.if %inb {
        %sum = scf.for %t = %tx to %nchunks step %i32 iter_args(%a = %zero) -> (i32) {
          // 16 bytes of packed weights
          %woff = arith.muli %t, %i16 : index
          %wv8 = vector.load %W[%row, %woff] {alignment = 16} : memref<?x?xi8>, vector<16xi8>
          %wv = vector.bitcast %wv8 : vector<16xi8> to vector<4xi32>
          // q base: 128*b + 16*h
          %b = arith.shrui %t, %one : index
          %h = arith.andi %t, %one : index
          %qb0 = arith.muli %b, %i128 : index
          %qh = arith.muli %h, %i16 : index
          %qb = arith.addi %qb0, %qh : index
          %a1 = scf.for %c = %z to %wpb step %one iter_args(%ac = %a) -> (i32) {
            %co = arith.muli %c, %i32 : index
            %qo = arith.addi %qb, %co : index
            %qv8 = vector.load %q[%qo] {alignment = 16} : memref<?xi8>, vector<16xi8>
            %qv = vector.bitcast %qv8 : vector<16xi8> to vector<4xi32>
            // shift = 6 - 2c
            %ci = arith.index_cast %c : index to i32
            %c2 = arith.muli %ci, %s2 : i32
            %sh = arith.subi %s6, %c2 : i32
            %shv = vector.broadcast %sh : i32 to vector<4xi32>
            %mv = vector.broadcast %mask : i32 to vector<4xi32>
            %bv = vector.broadcast %bias : i32 to vector<4xi32>
            %sv = vector.broadcast %sgn : i32 to vector<4xi32>
            %x0 = arith.shrui %wv, %shv : vector<4xi32>
            %x1 = arith.andi %x0, %mv : vector<4xi32>
            %x2 = arith.addi %x1, %bv : vector<4xi32>
            %x3 = arith.xori %x2, %sv : vector<4xi32>
            %wb = vector.bitcast %x3 : vector<4xi32> to vector<16xi8>
            // 4 dp4a
            %w0 = vector.shuffle %wb, %wb [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
            %w1 = vector.shuffle %wb, %wb [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
            %w2 = vector.shuffle %wb, %wb [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
            %w3 = vector.shuffle %wb, %wb [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
            %q0 = vector.shuffle %qv8, %qv8 [0, 1, 2, 3] : vector<16xi8>, vector<16xi8>
            %q1 = vector.shuffle %qv8, %qv8 [4, 5, 6, 7] : vector<16xi8>, vector<16xi8>
            %q2 = vector.shuffle %qv8, %qv8 [8, 9, 10, 11] : vector<16xi8>, vector<16xi8>
            %q3 = vector.shuffle %qv8, %qv8 [12, 13, 14, 15] : vector<16xi8>, vector<16xi8>
            %d0 = nvvm.dot.accumulate.4way %q0 <signed>, %w0 <signed>, %ac : vector<4xi8>, vector<4xi8>
            %d1 = nvvm.dot.accumulate.4way %q1 <signed>, %w1 <signed>, %d0 : vector<4xi8>, vector<4xi8>
            %d2 = nvvm.dot.accumulate.4way %q2 <signed>, %w2 <signed>, %d1 : vector<4xi8>, vector<4xi8>
            %d3 = nvvm.dot.accumulate.4way %q3 <signed>, %w3 <signed>, %d2 : vector<4xi8>, vector<4xi8>
            scf.yield %d3 : i32
          }
          scf.yield %a1 : i32
        }
        // warp butterfly reduction
        %w32 = arith.constant 32 : i32
        %o16 = arith.constant 16 : i32
        %o8 = arith.constant 8 : i32
        %o4 = arith.constant 4 : i32
        %o2 = arith.constant 2 : i32
        %o1 = arith.constant 1 : i32
        %r16, %v16 = gpu.shuffle xor %sum, %o16, %w32 : i32
        %p16 = arith.addi %sum, %r16 : i32
        %r8, %v8 = gpu.shuffle xor %p16, %o8, %w32 : i32
        %p8 = arith.addi %p16, %r8 : i32
        %r4, %v4 = gpu.shuffle xor %p8, %o4, %w32 : i32
        %p4 = arith.addi %p8, %r4 : i32
        %r2, %v2 = gpu.shuffle xor %p4, %o2, %w32 : i32
        %p2 = arith.addi %p4, %r2 : i32
        %r1, %v1 = gpu.shuffle xor %p2, %o1, %w32 : i32
        %p1 = arith.addi %p2, %r1 : i32
        %is0 = arith.cmpi eq, %tx, %z : index
        scf.if %is0 {
          memref.store %p1, %acc[%row] : memref<?xi32>
        }
      }
      gpu.terminator
    }
    return
  }
}
