// RUN: bitnet-opt %s --split-input-file --verify-diagnostics --bitnet-externalize-weights="threshold=64 file=%t.weights" | FileCheck %s
// RUN: od -A d -t x1 %t.weights | FileCheck %s --check-prefix=FILE
// Each module rewrites the file; the last one's is checked.

// Kept: globals visible outside the module (external linkage), mutable
// ones, and those used other than by addressof in a function (here the
// initializer of another global).
// CHECK-LABEL: module
// CHECK: llvm.mlir.global external constant @exported(dense<1> : tensor<100xi8>)
// CHECK: llvm.mlir.global private @mutable(dense<2> : tensor<100xi8>)
// CHECK: llvm.mlir.global private constant @referenced(dense<3> : tensor<100xi8>)
// CHECK: llvm.mlir.global private constant @pointer()
// CHECK: llvm.mlir.global external constant @bitnet_weights_size(0 : i64)
module {
  llvm.mlir.global external constant @exported(dense<1> : tensor<100xi8>) {addr_space = 0 : i32} : !llvm.array<100 x i8>
  llvm.mlir.global private @mutable(dense<2> : tensor<100xi8>) {addr_space = 0 : i32} : !llvm.array<100 x i8>
  llvm.mlir.global private constant @referenced(dense<3> : tensor<100xi8>) {addr_space = 0 : i32} : !llvm.array<100 x i8>
  llvm.mlir.global private constant @pointer() {addr_space = 0 : i32} : !llvm.ptr {
    %0 = llvm.mlir.addressof @referenced : !llvm.ptr
    llvm.return %0 : !llvm.ptr
  }
  llvm.func @h() -> !llvm.ptr {
    %0 = llvm.mlir.addressof @exported : !llvm.ptr
    llvm.return %0 : !llvm.ptr
  }
}

// -----

// Twice is an error: the module already reads its weights from a file.
// expected-error @below {{bitnet-externalize-weights: the module already has @bitnet_weights_base}}
module {
  llvm.mlir.global external @bitnet_weights_base() {addr_space = 0 : i32} : !llvm.ptr
}

// -----

// Constants of more than 64 bytes leave the module: each at a 64-byte
// aligned offset (100 bytes at 0, the next at 128), addressed as
// base + offset with the base loaded once per function; offsets are i64
// values (a constant GEP index holds only 29 bits). The small constant (64
// bytes) and the string stay.
// CHECK-NOT:  @big_i8
// CHECK-NOT:  @big_f32
// CHECK:      llvm.mlir.global private constant @small(dense<1> : tensor<16xi32>)
// CHECK:      llvm.mlir.global private constant @text("hello")
// CHECK-LABEL: llvm.func @f()
// CHECK-NEXT:   %[[SLOT:.*]] = llvm.mlir.addressof @bitnet_weights_base : !llvm.ptr
// CHECK-NEXT:   %[[BASE:.*]] = llvm.load %[[SLOT]] invariant {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT:   %[[OFF0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT:   %[[A:.*]] = llvm.getelementptr inbounds %[[BASE]][%[[OFF0]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK-NEXT:   %[[OFF128:.*]] = llvm.mlir.constant(128 : i64) : i64
// CHECK-NEXT:   %[[B:.*]] = llvm.getelementptr inbounds %[[BASE]][%[[OFF128]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK-NEXT:   %[[S:.*]] = llvm.mlir.addressof @small : !llvm.ptr
// CHECK-NEXT:   llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT:   %[[A2:.*]] = llvm.getelementptr inbounds %[[BASE]][%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK:        llvm.insertvalue %[[A]],
// CHECK-NEXT:   llvm.insertvalue %[[B]],
// CHECK-NEXT:   llvm.insertvalue %[[S]],
// CHECK-NEXT:   llvm.insertvalue %[[A2]],
// CHECK-LABEL: llvm.func @g()
// CHECK-NEXT:   llvm.mlir.addressof @bitnet_weights_base
// CHECK-NEXT:   %[[BASE:.*]] = llvm.load
// CHECK-NEXT:   llvm.mlir.constant(128 : i64) : i64
// CHECK-NEXT:   %[[C:.*]] = llvm.getelementptr inbounds %[[BASE]][%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// The base the runtime sets, and what it checks the file against: 128 +
// 80 bytes of data.
// CHECK:      llvm.mlir.global external @bitnet_weights_base() {addr_space = 0 : i32, alignment = 8 : i64} : !llvm.ptr {
// CHECK-NEXT:   %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT:   llvm.return %[[NULL]] : !llvm.ptr
// CHECK:      llvm.mlir.global external constant @bitnet_weights_size(208 : i64)
// CHECK:      llvm.mlir.global external constant @bitnet_weights_hash({{-?[0-9]+}} : i64)

// The file: "BITNETW1", version 1, header size 64, data size 208, hash;
// the data from byte 64: 100 x 0x07 (a splat is written out), zero padding
// to 128, then the f32 1.0s (00 00 80 3f).
// FILE:      0000000 42 49 54 4e 45 54 57 31 01 00 00 00 40 00 00 00
// FILE-NEXT: 0000016 d0 00 00 00 00 00 00 00
// FILE:      0000064 07 07 07 07 07 07 07 07 07 07 07 07 07 07 07 07
// FILE:      0000160 07 07 07 07 00 00 00 00 00 00 00 00 00 00 00 00
// FILE:      0000192 00 00 80 3f 00 00 80 3f
module {
  llvm.mlir.global private constant @big_i8(dense<7> : tensor<100xi8>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<100 x i8>
  llvm.mlir.global private constant @big_f32(dense<1.0> : tensor<4x5xf32>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<4 x array<5 x f32>>
  llvm.mlir.global private constant @small(dense<1> : tensor<16xi32>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<16 x i32>
  llvm.mlir.global private constant @text("hello") {addr_space = 0 : i32} : !llvm.array<5 x i8>
  llvm.func @f() -> !llvm.struct<(ptr, ptr, ptr, ptr)> {
    %a = llvm.mlir.addressof @big_i8 : !llvm.ptr
    %b = llvm.mlir.addressof @big_f32 : !llvm.ptr
    %s = llvm.mlir.addressof @small : !llvm.ptr
    %a2 = llvm.mlir.addressof @big_i8 : !llvm.ptr
    %u = llvm.mlir.undef : !llvm.struct<(ptr, ptr, ptr, ptr)>
    %0 = llvm.insertvalue %a, %u[0] : !llvm.struct<(ptr, ptr, ptr, ptr)>
    %1 = llvm.insertvalue %b, %0[1] : !llvm.struct<(ptr, ptr, ptr, ptr)>
    %2 = llvm.insertvalue %s, %1[2] : !llvm.struct<(ptr, ptr, ptr, ptr)>
    %3 = llvm.insertvalue %a2, %2[3] : !llvm.struct<(ptr, ptr, ptr, ptr)>
    llvm.return %3 : !llvm.struct<(ptr, ptr, ptr, ptr)>
  }
  llvm.func @g() -> !llvm.ptr {
    %c = llvm.mlir.addressof @big_f32 : !llvm.ptr
    llvm.return %c : !llvm.ptr
  }
}
