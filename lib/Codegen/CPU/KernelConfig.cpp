//===- KernelConfig.cpp - Choosing each CPU kernel's configuration ----===//

#include "bitnet/Codegen/CPU/KernelConfig.h"

#include "FloatContractions.h"

#include "bitnet/Target/TuningSpec.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::bitnet;

int64_t mlir::bitnet::ternaryKernelVectorBytes(const CpuTargetInfo &target) {
  switch (target.dotProduct()) {
  case DotProductKind::Vnni512:
    return 64;
  case DotProductKind::Avx2Maddubs:
    return target.hasAvx512bw ? 64 : 32;
  case DotProductKind::NeonSdot:
  case DotProductKind::NeonMull:
    return 16;
  case DotProductKind::Generic:
    return 0;
  }
  return 0;
}

int64_t mlir::bitnet::ternaryKernelCodePlanes(PackedFormat format) {
  switch (format) {
  case PackedFormat::i2s:
    return 4;
  case PackedFormat::t5:
    return 5;
  case PackedFormat::tl1:
  case PackedFormat::tl2:
  case PackedFormat::tl2r:
    return 0;
  }
  return 0;
}

bool mlir::bitnet::hasInt4Activations(TernaryMatmulOp op) {
  Value value = op.getActivations();
  while (Operation *def = value.getDefiningOp()) {
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::CastOp>(def)) {
      value = def->getOperand(0);
      continue;
    }
    if (auto quantize = dyn_cast<QuantizeOp>(def))
      return value == quantize->getResult(0) && quantize.getBits() == 4;
    if (auto quantize = dyn_cast<RmsNormQuantizeOp>(def))
      return value == quantize->getResult(0) && quantize.getBits() == 4;
    return false;
  }
  return false;
}

bool mlir::bitnet::hasTernaryLookupKernel(const CpuTargetInfo &target) {
  if (target.arch == CpuArch::AArch64)
    return target.hasNeon && target.hasDotProd; // tbl, sdot
  return target.hasAvx512vbmi && target.hasAvx512vnni && target.hasAvx512bw;
}

namespace {

/// Tokens per tile: as many as keep their permuted activation rows (K
/// padded to whole chunks) in L1, for they are re-read for every output
/// row; a power of two. Square-ish register tiles balance loads (R + T per
/// code plane) against decodes (R per plane) for the R x T dot products:
/// at most a quarter of the registers' worth of tokens (4 x 4 with 32
/// registers; measured on Zen 5: 4 x 4 and 1 x 8 beat 2 x 8, which spills).
int64_t deriveTokenTile(const CpuTargetInfo &target, int64_t paddedK) {
  int64_t tile = std::max<int64_t>(1, target.vectorRegisters / 8);
  while (tile > 1 && tile * paddedK > target.l1DataBytes)
    tile /= 2;
  return tile;
}

/// Rows per register tile for `tokens` tokens: the most (a power of two, up
/// to 8) whose accumulators, activation slices, packed and decoded weights
/// and a constant fit the vector registers. One token (decode): one row, so
/// weights are read in memory order and the hardware prefetchers stream
/// them (interleaving 8 rows cost 4x from DRAM).
int64_t deriveRowTile(const CpuTargetInfo &target, int64_t tokens) {
  if (tokens == 1)
    return 1;
  int64_t rows = 8;
  while (rows > 1 && rows * tokens + tokens + 2 * rows + 1 > target.vectorRegisters)
    rows /= 2;
  return rows;
}

/// Output rows per block: about 32 blocks, so that threads balance (9 blocks
/// on 2 threads idled one for a ninth of the time), a multiple of 8 rows
/// (whole register tiles), and at most half of L2 of packed weights (token
/// tiles re-read the block).
int64_t deriveRowsPerBlock(const CpuTargetInfo &target, int64_t m,
                           int64_t rowBytes) {
  int64_t fitL2 = std::max<int64_t>(8, target.l2Bytes / 2 / rowBytes / 8 * 8);
  int64_t balanced = std::max<int64_t>(16, llvm::alignTo((m + 31) / 32, 8));
  return std::min({fitL2, balanced, m});
}

/// tl2r's lookup kernel: a tile's 64 index bytes in 64-byte (AVX-512) or
/// 16-byte (NEON) vectors, row blocks of whole 16-row tiles, tokens in tiles that share each tile's
/// table indices, the target's software prefetch. The other fields do not
/// apply (1, false).
TernaryKernelConfigAttr selectLookupKernelConfig(TernaryMatmulOp op,
                                                 const CpuTargetInfo &target,
                                                 const TernaryKernelOverrides &overrides) {
  auto qType = op.getActivations().getType();
  auto wType = op.getWeight().getType();
  if (!hasTernaryLookupKernel(target) || !qType.hasStaticShape() || !wType.hasStaticShape())
    return {};
  int64_t n = qType.getDimSize(0);
  int64_t m = wType.getDimSize(0), rowBytes = wType.getDimSize(1);
  int64_t rowsPerBlock = overrides.rowsPerBlock > 0
                             ? overrides.rowsPerBlock
                             : deriveRowsPerBlock(target, m, rowBytes);
  rowsPerBlock = llvm::alignTo(std::max<int64_t>(rowsPerBlock, 1), 16);
  // NEON's 32 registers hold one token's tables (16) and sums.
  const bool neon = target.arch == CpuArch::AArch64;
  int64_t tokenTile = overrides.tokenTile > 0 ? overrides.tokenTile : neon ? 1 : 4;
  tokenTile = std::min(tokenTile, std::max<int64_t>(n, 1));
  int64_t prefetch = overrides.prefetchDistance >= 0 ? overrides.prefetchDistance
                                                     : target.prefetchDistance;
  return TernaryKernelConfigAttr::get(op.getContext(), neon ? 16 : 64, rowsPerBlock, tokenTile,
                                      /*rowTile=*/1, /*singleTokenRowTile=*/1, prefetch,
                                      target.cacheLineBytes,
                                      /*decodeAccumulators=*/1, /*i16Accumulation=*/false);
}

} // namespace

TernaryKernelConfigAttr
mlir::bitnet::selectTernaryKernelConfig(TernaryMatmulOp op,
                                        const CpuTargetInfo &target,
                                        const TernaryKernelOverrides &overrides) {
  auto qType = op.getActivations().getType();
  auto wType = op.getWeight().getType();
  int64_t vectorBytes = ternaryKernelVectorBytes(target);
  std::optional<PackedFormat> format = op.getFormat();
  if (format == PackedFormat::tl2r)
    return selectLookupKernelConfig(op, target, overrides);
  const int64_t planes = format ? ternaryKernelCodePlanes(*format) : 0;
  if (planes == 0 || !qType.hasStaticShape() ||
      !wType.hasStaticShape() || vectorBytes == 0)
    return {};
  int64_t n = qType.getDimSize(0);
  int64_t m = wType.getDimSize(0), rowBytes = wType.getDimSize(1);
  int64_t chunks = llvm::divideCeil(rowBytes, vectorBytes);

  int64_t tokenTile = overrides.tokenTile > 0
                          ? overrides.tokenTile
                          : deriveTokenTile(target, chunks * planes * vectorBytes);
  tokenTile = std::min(tokenTile, std::max<int64_t>(n, 1));
  auto rowTile = [&](int64_t tokens) {
    return overrides.rowTile > 0 ? overrides.rowTile : deriveRowTile(target, tokens);
  };
  int64_t rowsPerBlock = overrides.rowsPerBlock > 0
                             ? std::min(overrides.rowsPerBlock, m)
                             : deriveRowsPerBlock(target, m, rowBytes);
  int64_t prefetch = overrides.prefetchDistance >= 0 ? overrides.prefetchDistance
                                                     : target.prefetchDistance;
  int64_t accumulators = overrides.decodeAccumulators > 0
                             ? overrides.decodeAccumulators
                             : target.defaultDecodeAccumulators(prefetch);
  // vpmaddubsw's i16 pair sums are added as they are (vpaddw) and widened
  // per group of chunks, instead of vpmaddwd + vpaddd per dot product.
  bool i16 = target.dotProduct() == DotProductKind::Avx2Maddubs;
  return TernaryKernelConfigAttr::get(
      op.getContext(), vectorBytes, std::max<int64_t>(rowsPerBlock, 1), tokenTile,
      rowTile(tokenTile), rowTile(1), prefetch, target.cacheLineBytes, accumulators,
      i16);
}

namespace {

/// The value of field `name` in `fields`, else `current`.
int64_t tuned(const std::map<std::string, int64_t> &fields, const char *name,
              int64_t current) {
  auto it = fields.find(name);
  return it == fields.end() ? current : it->second;
}

/// `AttrT` with `values` when its verifier accepts them, else null with the
/// verifier's message in `error`.
template <typename AttrT, typename... Values>
AttrT getVerified(MLIRContext *context, std::string &error, Values... values) {
  std::string message;
  llvm::raw_string_ostream os(message);
  // The verifier's message, captured instead of reported as a diagnostic.
  ScopedDiagnosticHandler capture(context, [&](Diagnostic &diag) {
    os << diag.str();
    return success();
  });
  auto emitError = [&] { return mlir::emitError(UnknownLoc::get(context)); };
  if (failed(AttrT::verify(emitError, values...))) {
    error = message;
    return {};
  }
  return AttrT::get(context, values...);
}

} // namespace

TernaryKernelConfigAttr
mlir::bitnet::applyTuningEntry(TernaryKernelConfigAttr config,
                               const TernaryTuningEntry &entry,
                               std::string &error) {
  const auto &f = entry.fields;
  return getVerified<TernaryKernelConfigAttr>(
      config.getContext(), error, tuned(f, "vector_bytes", config.getVectorBytes()),
      tuned(f, "rows_per_block", config.getRowsPerBlock()),
      tuned(f, "token_tile", config.getTokenTile()), tuned(f, "row_tile", config.getRowTile()),
      tuned(f, "single_token_row_tile", config.getSingleTokenRowTile()),
      tuned(f, "prefetch_distance", config.getPrefetchDistance()),
      tuned(f, "cache_line_bytes", config.getCacheLineBytes()),
      tuned(f, "decode_accumulators", config.getDecodeAccumulators()),
      tuned(f, "i16_accumulation", config.getI16Accumulation()) != 0);
}

FloatKernelConfigAttr
mlir::bitnet::selectFloatKernelConfig(linalg::LinalgOp op,
                                      const CpuTargetInfo &target,
                                      const FloatKernelOverrides &overrides) {
  std::optional<FloatContraction> form = classifyFloatContraction(op);
  if (!form)
    return {};
  int64_t m = form->m ? op.getStaticLoopRanges()[*form->m] : 1;
  int64_t lanes = std::max<int64_t>(4, target.vectorBits / 32);
  int64_t registers = std::max<unsigned>(16, target.vectorRegisters);
  // Rows of C per register tile: 4 with 32 registers, 2 with 16.
  int64_t rows = overrides.rows > 0 ? std::min(m, overrides.rows)
                 : m < 4            ? m
                 : registers >= 32  ? 4
                                    : 2;
  rows = std::max<int64_t>(rows, 1);
  // Columns: the tile keeps rows x cols accumulators, `cols` loads of B and
  // one of A in registers; decode's lm_head (one row, NT) streams 8 rows of
  // the table at once.
  int64_t cols = overrides.cols > 0 ? overrides.cols
                 : form->transposedB && rows == 1
                     ? 8
                     : std::max<int64_t>(1, (registers - 3) / (rows + 1));
  return FloatKernelConfigAttr::get(op.getContext(), lanes, rows, cols,
                                    target.l1DataBytes, target.l2Bytes, target.hasFma);
}

FloatKernelConfigAttr
mlir::bitnet::applyTuningEntry(FloatKernelConfigAttr config,
                               const FloatTuningEntry &entry, std::string &error) {
  const auto &f = entry.fields;
  return getVerified<FloatKernelConfigAttr>(
      config.getContext(), error, tuned(f, "lanes", config.getLanes()),
      tuned(f, "rows", config.getRows()), tuned(f, "cols", config.getCols()),
      tuned(f, "l1_bytes", config.getL1Bytes()), tuned(f, "l2_bytes", config.getL2Bytes()),
      tuned(f, "fma", config.getFma()) != 0);
}
