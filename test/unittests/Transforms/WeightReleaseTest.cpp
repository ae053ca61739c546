//===- WeightReleaseTest.cpp - weights are released once replaced -------===//
//
// bitnet-raise-bitlinear and bitnet-pack-ternary replace each weight by
// another form and release the old form's blob as soon as no function
// holds it (a 2B model's would otherwise hold gigabytes through the rest
// of the compile). A released blob is not printed, so lit cannot see this:
// these tests keep the attribute and ask its handle.
//
//===----------------------------------------------------------------------===//

#include "bitnet/InitAll.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <gtest/gtest.h>

#include <string>

using namespace mlir;

namespace {

/// Hugging Face's packed BitLinear (as in raise-bitlinear.mlir), as a
/// function named @NAME.
constexpr const char *kPackedLayerFunction = R"mlir(
func.func @NAME(%arg0: tensor<1x3x8xf32>) -> tensor<1x3x12xf32> {
  %cst = arith.constant dense<1.270000e+02> : tensor<f32>
  %packed = arith.constant dense_resource<packed_weight> : tensor<3x8xi8>
  %m0 = arith.constant dense<3> : tensor<1x1xi8>
  %m1 = arith.constant dense<12> : tensor<1x1xi8>
  %m2 = arith.constant dense<48> : tensor<1x1xi8>
  %m3 = arith.constant dense<-64> : tensor<1x1xi8>
  %s0 = arith.constant dense<0> : tensor<1x1xi8>
  %s1 = arith.constant dense<2> : tensor<1x1xi8>
  %s2 = arith.constant dense<4> : tensor<1x1xi8>
  %s3 = arith.constant dense<6> : tensor<1x1xi8>
  %a0 = tosa.bitwise_and %packed, %m0 : (tensor<3x8xi8>, tensor<1x1xi8>) -> tensor<3x8xi8>
  %p0 = tosa.logical_right_shift %a0, %s0 : (tensor<3x8xi8>, tensor<1x1xi8>) -> tensor<3x8xi8>
  %a1 = tosa.bitwise_and %packed, %m1 : (tensor<3x8xi8>, tensor<1x1xi8>) -> tensor<3x8xi8>
  %p1 = tosa.logical_right_shift %a1, %s1 : (tensor<3x8xi8>, tensor<1x1xi8>) -> tensor<3x8xi8>
  %a2 = tosa.bitwise_and %packed, %m2 : (tensor<3x8xi8>, tensor<1x1xi8>) -> tensor<3x8xi8>
  %p2 = tosa.logical_right_shift %a2, %s2 : (tensor<3x8xi8>, tensor<1x1xi8>) -> tensor<3x8xi8>
  %a3 = tosa.bitwise_and %packed, %m3 : (tensor<3x8xi8>, tensor<1x1xi8>) -> tensor<3x8xi8>
  %p3 = tosa.logical_right_shift %a3, %s3 : (tensor<3x8xi8>, tensor<1x1xi8>) -> tensor<3x8xi8>
  %cst_0 = tosa.concat %p0, %p1, %p2, %p3 {axis = 0 : i32} : (tensor<3x8xi8>, tensor<3x8xi8>, tensor<3x8xi8>, tensor<3x8xi8>) -> tensor<12x8xi8>
  %0 = tensor.empty() : tensor<12x8xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%cst_0 : tensor<12x8xi8>) outs(%0 : tensor<12x8xf32>) {
  ^bb0(%in: i8, %out: f32):
    %25 = arith.uitofp %in : i8 to f32
    linalg.yield %25 : f32
  } -> tensor<12x8xf32>
  %cst_1 = arith.constant dense<1.000000e+00> : tensor<1x1xf32>
  %2 = tosa.sub %1, %cst_1 : (tensor<12x8xf32>, tensor<1x1xf32>) -> tensor<12x8xf32>
  %3 = tosa.transpose %2 {perms = array<i32: 1, 0>} : (tensor<12x8xf32>) -> tensor<8x12xf32>
  %4 = tosa.abs %arg0 : (tensor<1x3x8xf32>) -> tensor<1x3x8xf32>
  %5 = tosa.reduce_max %4 {axis = 2 : i32} : (tensor<1x3x8xf32>) -> tensor<1x3x1xf32>
  %6 = tosa.clamp %5 {max_val = 0x7F800000 : f32, min_val = 9.99999974E-6 : f32} : (tensor<1x3x1xf32>) -> tensor<1x3x1xf32>
  %7 = tensor.empty() : tensor<1x3x1xf32>
  %8 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> ()>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%cst, %6 : tensor<f32>, tensor<1x3x1xf32>) outs(%7 : tensor<1x3x1xf32>) {
  ^bb0(%in: f32, %in_3: f32, %out: f32):
    %25 = arith.divf %in, %in_3 : f32
    linalg.yield %25 : f32
  } -> tensor<1x3x1xf32>
  %9 = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %10 = tosa.mul %arg0, %8, %9 : (tensor<1x3x8xf32>, tensor<1x3x1xf32>, tensor<1xi8>) -> tensor<1x3x8xf32>
  %11 = tensor.empty() : tensor<1x3x8xf32>
  %12 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%10 : tensor<1x3x8xf32>) outs(%11 : tensor<1x3x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %25 = math.roundeven %in : f32
    linalg.yield %25 : f32
  } -> tensor<1x3x8xf32>
  %13 = tosa.clamp %12 {max_val = 1.270000e+02 : f32, min_val = -1.280000e+02 : f32} : (tensor<1x3x8xf32>) -> tensor<1x3x8xf32>
  %14 = tosa.cast %13 : (tensor<1x3x8xf32>) -> tensor<1x3x8xi8>
  %15 = tosa.cast %14 : (tensor<1x3x8xi8>) -> tensor<1x3x8xf32>
  %16 = tosa.const_shape  {values = dense<[1, 8, 12]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %17 = tosa.reshape %3, %16 : (tensor<8x12xf32>, !tosa.shape<3>) -> tensor<1x8x12xf32>
  %18 = "tosa.const"() <{values = dense<0.000000e+00> : tensor<1xf32>}> : () -> tensor<1xf32>
  %19 = "tosa.const"() <{values = dense<0.000000e+00> : tensor<1xf32>}> : () -> tensor<1xf32>
  %20 = tosa.matmul %15, %17, %18, %19 : (tensor<1x3x8xf32>, tensor<1x8x12xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x12xf32>
  %cst_2 = arith.constant dense<8.000000e+00> : tensor<1x1x1xf32>
  %21 = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %22 = tosa.mul %8, %cst_2, %21 : (tensor<1x3x1xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<1x3x1xf32>
  %23 = tensor.empty() : tensor<1x3x12xf32>
  %24 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%20, %22 : tensor<1x3x12xf32>, tensor<1x3x1xf32>) outs(%23 : tensor<1x3x12xf32>) {
  ^bb0(%in: f32, %in_3: f32, %out: f32):
    %25 = arith.divf %in, %in_3 : f32
    linalg.yield %25 : f32
  } -> tensor<1x3x12xf32>
  return %24 : tensor<1x3x12xf32>
}
)mlir";

constexpr const char *kPackedWeightResource = R"mlir(
{-#
  dialect_resources: {
    builtin: {
      packed_weight: "0x0100000006245494009A4A2958808065159908809A5290A829815211"
    }
  }
#-}
)mlir";

/// The packed layer in two functions that share the packed weight, as a
/// generative model's prefill and decode do.
std::string packedLayerModule() {
  std::string module;
  for (const char *name : {"prefill", "decode"}) {
    std::string function = kPackedLayerFunction;
    function.replace(function.find("NAME"), 4, name);
    module += function;
  }
  return module + kPackedWeightResource;
}

/// Ternary matmuls on one-byte weights: @a and @b share `shared`; `kept`
/// is also returned as a tensor, so it must stay.
constexpr const char *kUnpackedWeights = R"mlir(
func.func @a(%q: tensor<2x4xi8>) -> tensor<2x1xi32> {
  %w = arith.constant dense_resource<shared> : tensor<1x4xi8>
  %acc = bitnet.ternary_matmul %q, %w : tensor<2x4xi8>, tensor<1x4xi8> -> tensor<2x1xi32>
  return %acc : tensor<2x1xi32>
}
func.func @b(%q: tensor<2x4xi8>) -> tensor<2x1xi32> {
  %w = arith.constant dense_resource<shared> : tensor<1x4xi8>
  %acc = bitnet.ternary_matmul %q, %w : tensor<2x4xi8>, tensor<1x4xi8> -> tensor<2x1xi32>
  return %acc : tensor<2x1xi32>
}
func.func @c(%q: tensor<2x4xi8>) -> (tensor<2x1xi32>, tensor<1x4xi8>) {
  %w = arith.constant dense_resource<kept> : tensor<1x4xi8>
  %acc = bitnet.ternary_matmul %q, %w : tensor<2x4xi8>, tensor<1x4xi8> -> tensor<2x1xi32>
  return %acc, %w : tensor<2x1xi32>, tensor<1x4xi8>
}
{-#
  dialect_resources: {
    builtin: {
      shared: "0x0100000001FF0001",
      kept: "0x01000000FF010100"
    }
  }
#-}
)mlir";

class WeightRelease : public ::testing::Test {
protected:
  WeightRelease() {
    DialectRegistry registry;
    bitnet::registerAllDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    bitnet::registerAllPasses();
  }

  /// Parses `source`, remembers its resource constants by name, runs
  /// `pipeline` (passes on the module, without the anchor).
  void run(const char *source, StringRef pipeline) {
    module = parseSourceString<ModuleOp>(source, &context);
    ASSERT_TRUE(module);
    module->walk([&](arith::ConstantOp cst) {
      if (auto resource = dyn_cast<DenseResourceElementsAttr>(cst.getValue()))
        resources[resource.getRawHandle().getKey()] = resource;
    });
    PassManager pm(&context);
    ASSERT_TRUE(succeeded(parsePassPipeline(pipeline, pm)));
    ASSERT_TRUE(succeeded(pm.run(*module)));
  }

  /// Whether the blob's memory was given back (an empty blob replaces it).
  bool released(StringRef name) {
    AsmResourceBlob *blob = resources.lookup(name).getRawHandle().getBlob();
    return !blob || blob->getData().empty();
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  llvm::StringMap<DenseResourceElementsAttr> resources;
};

TEST_F(WeightRelease, RaiseReleasesPackedBytesOfEveryFunction) {
  run(packedLayerModule().c_str(), "bitnet-raise-bitlinear");
  int bitlinears = 0;
  module->walk([&](Operation *op) {
    bitlinears += op->getName().getStringRef() == "bitnet.bitlinear";
  });
  EXPECT_EQ(bitlinears, 2);
  EXPECT_TRUE(released("packed_weight"));
}

TEST_F(WeightRelease, PackReleasesSharedWeightKeepsUsedOne) {
  run(kUnpackedWeights, "bitnet-pack-ternary");
  EXPECT_TRUE(released("shared"));
  EXPECT_FALSE(released("kept"));
}

} // namespace
