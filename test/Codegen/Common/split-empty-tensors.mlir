// RUN: bitnet-opt --bitnet-split-empty-tensors=max-uses=2 --split-input-file %s | FileCheck %s
// RUN: bitnet-opt --bitnet-split-empty-tensors=max-uses=1 --split-input-file %s | FileCheck %s --check-prefix=ONE
// RUN: not bitnet-opt --bitnet-split-empty-tensors=max-uses=0 %s 2>&1 | FileCheck %s --check-prefix=ZERO

// One empty tensor, the destination of five ops (as CSE leaves it): with
// max-uses=2, runs of two consecutive uses share an op, so three ops.
// ZERO: error: max-uses must be at least 1, not 0
// CHECK-LABEL: func.func @five_uses(
// CHECK-COUNT-3: tensor.empty() : tensor<4xf32>
// CHECK-NOT:     tensor.empty
// CHECK:         %[[F0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E0:.*]] : tensor<4xf32>)
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<4xf32>)
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[E1:.*]] : tensor<4xf32>)
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<4xf32>)
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[E2:.*]] : tensor<4xf32>)
// ONE-LABEL:   func.func @five_uses(
// ONE-COUNT-5:   tensor.empty() : tensor<4xf32>
// ONE-NOT:       tensor.empty
func.func @five_uses(%x: f32) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %0 = linalg.fill ins(%x : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %1 = linalg.fill ins(%x : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %2 = linalg.fill ins(%x : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %3 = linalg.fill ins(%x : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %4 = linalg.fill ins(%x : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2, %3, %4 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A dynamic empty tensor: the copy takes the same size operand. Uses in
// a loop body count in program order: the loop's init and the first fill
// share the original, the second fill gets the copy.
// CHECK-LABEL: func.func @dynamic(
// CHECK-SAME:    %[[N:[^:]*]]: index
// CHECK:         %[[E0:.*]] = tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK-NEXT:    %[[E1:.*]] = tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK-NEXT:    scf.for {{.*}} iter_args(%{{.*}} = %[[E0]])
// CHECK-NEXT:      linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<?xf32>)
// CHECK-NEXT:      linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<?xf32>)
// ONE-LABEL:   func.func @dynamic(
// ONE-COUNT-3:   tensor.empty(%{{.*}}) : tensor<?xf32>
func.func @dynamic(%n: index, %x: f32, %lb: index, %ub: index, %step: index) -> tensor<?xf32> {
  %e = tensor.empty(%n) : tensor<?xf32>
  %r = scf.for %i = %lb to %ub step %step iter_args(%acc = %e) -> tensor<?xf32> {
    %0 = linalg.fill ins(%x : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
    %1 = linalg.fill ins(%x : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
    scf.yield %1 : tensor<?xf32>
  }
  return %r : tensor<?xf32>
}
