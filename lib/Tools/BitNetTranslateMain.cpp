//===- BitNetTranslateMain.cpp - Entry point of bitnet-translate ------===//
//
// Its own small driver rather than mlirTranslateMain: that one reads the
// whole input file into memory first, which a multi-GB model cannot afford
// (the importer maps or moves weight bytes instead of copying them).
//
//===----------------------------------------------------------------------===//

#include "bitnet/Tools/BitNetTranslateMain.h"

#include "bitnet/InitAll.h"
#include "bitnet/Target/ONNX/ImportONNX.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

int mlir::bitnet::bitnetTranslateMain(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input file>"),
                                        cl::Required);
  static cl::opt<bool> importOnnx("import-onnx",
                                  cl::desc("Translate an ONNX model to MLIR"));
  static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                         cl::value_desc("filename"),
                                         cl::init("-"));
  static cl::list<std::string> inputShapes(
      "input-shape",
      cl::desc("Size of a graph input with dynamic dimensions, NAME=1x128"),
      cl::value_desc("NAME=DIMS"));
  static cl::opt<bool> emitBytecode(
      "emit-bytecode",
      cl::desc("Write MLIR bytecode (weights as raw blobs) instead of text"));
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "BitNet-MLIR translation driver\n");

  if (!importOnnx) {
    llvm::errs() << "bitnet-translate: choose a translation (--import-onnx)\n";
    return 1;
  }
  onnx::ImportOptions options;
  for (const std::string &spec : inputShapes)
    if (!onnx::parseInputShape(spec, options)) {
      llvm::errs() << "bitnet-translate: bad --input-shape '" << spec
                   << "'; expected NAME=D0xD1x...\n";
      return 1;
    }

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  // "model.onnx: error: node 'n' (Op): ..." rather than a printed location:
  // the node is named in the message, the file is what the user passed.
  ScopedDiagnosticHandler diagnostics(&context, [&](Diagnostic &diag) {
    onnx::printNodeDiagnostic(llvm::errs(), inputFile, diag);
    return success();
  });
  OwningOpRef<ModuleOp> module =
      onnx::importModelFile(inputFile, &context, options);
  if (!module || failed(verify(*module)))
    return 1;

  std::string error;
  auto output = openOutputFile(outputFile, &error);
  if (!output) {
    llvm::errs() << "bitnet-translate: " << error << "\n";
    return 1;
  }
  if (emitBytecode) {
    if (failed(writeBytecodeToFile(*module, output->os())))
      return 1;
  } else {
    module->print(output->os(), OpPrintingFlags());
  }
  output->keep();
  return 0;
}
