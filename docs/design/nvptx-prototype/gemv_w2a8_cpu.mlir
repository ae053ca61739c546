// CPU form of the same kernel body (no GPU mapping): scf.parallel over rows,
// scf.for over 16-byte chunks, dp4a written as generic vector arith
// (extsi + muli + vector.reduction), because nvvm.dot.accumulate.4way only
// translates to the llvm.nvvm.idp4a.* intrinsic, which x86 cannot select.
// Static shapes: M=5, K=200 -> paddedK=256, row bytes 64, nchunks 4.
module {
  func.func @gemv_cpu(%q: memref<256xi8>, %W: memref<5x64xi8>, %acc: memref<5xi32>)
      attributes {llvm.emit_c_interface} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c5 = arith.constant 5 : index
    %c16 = arith.constant 16 : index
    %c32 = arith.constant 32 : index
    %c128 = arith.constant 128 : index
    %nch = arith.constant 4 : index
    %zero = arith.constant 0 : i32
    %s6 = arith.constant 6 : i32
    %s2 = arith.constant 2 : i32
    %mv = arith.constant dense<0x03030303> : vector<4xi32>
    %bv = arith.constant dense<0x7F7F7F7F> : vector<4xi32>
    %sv = arith.constant dense<0x80808080> : vector<4xi32>
    scf.parallel (%m) = (%c0) to (%c5) step (%c1) {
      %sum = scf.for %t = %c0 to %nch step %c1 iter_args(%a = %zero) -> (i32) {
        %woff = arith.muli %t, %c16 : index
        %wv8 = vector.load %W[%m, %woff] {alignment = 16} : memref<5x64xi8>, vector<16xi8>
        %wv = vector.bitcast %wv8 : vector<16xi8> to vector<4xi32>
        %b = arith.shrui %t, %c1 : index
        %h = arith.andi %t, %c1 : index
        %qb0 = arith.muli %b, %c128 : index
        %qh = arith.muli %h, %c16 : index
        %qb = arith.addi %qb0, %qh : index
        %a1 = scf.for %c = %c0 to %c4 step %c1 iter_args(%ac = %a) -> (i32) {
          %co = arith.muli %c, %c32 : index
          %qo = arith.addi %qb, %co : index
          %qv8 = vector.load %q[%qo] {alignment = 16} : memref<256xi8>, vector<16xi8>
          %ci = arith.index_cast %c : index to i32
          %c2 = arith.muli %ci, %s2 : i32
          %sh = arith.subi %s6, %c2 : i32
          %shv = vector.broadcast %sh : i32 to vector<4xi32>
          %x0 = arith.shrui %wv, %shv : vector<4xi32>
          %x1 = arith.andi %x0, %mv : vector<4xi32>
          %x2 = arith.addi %x1, %bv : vector<4xi32>
          %x3 = arith.xori %x2, %sv : vector<4xi32>
          %wb = vector.bitcast %x3 : vector<4xi32> to vector<16xi8>
          %qe = arith.extsi %qv8 : vector<16xi8> to vector<16xi32>
          %we = arith.extsi %wb : vector<16xi8> to vector<16xi32>
          %pr = arith.muli %qe, %we : vector<16xi32>
          %r = vector.reduction <add>, %pr, %ac : vector<16xi32> into i32
          scf.yield %r : i32
        }
        scf.yield %a1 : i32
      }
      memref.store %sum, %acc[%m] : memref<5xi32>
      scf.reduce
    }
    return
  }
}
