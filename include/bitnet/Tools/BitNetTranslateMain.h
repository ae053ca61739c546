//===- BitNetTranslateMain.h - Entry point of bitnet-translate ---*- C++ -*-===//

#ifndef BITNET_TOOLS_BITNETTRANSLATEMAIN_H
#define BITNET_TOOLS_BITNETTRANSLATEMAIN_H

namespace mlir::bitnet {

/// `bitnet-translate --import-onnx model.onnx [--input-shape NAME=1x128]...
/// [-o out.mlir]`: ONNX to MLIR. Returns the process exit code.
int bitnetTranslateMain(int argc, char **argv);

} // namespace mlir::bitnet

#endif // BITNET_TOOLS_BITNETTRANSLATEMAIN_H
