//===- BitNetTranslateMain.cpp - Entry point of bitnet-translate ------===//
//
// Its own small driver rather than mlirTranslateMain: that one reads the
// whole input file into memory first, which a multi-GB model cannot afford
// (the importer maps or moves weight bytes instead of copying them). The
// import is bitnet-compile's (lib/Compiler/Import.cpp): a decoder with
// key-value caches becomes its prefill and decode functions here too.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Tools/BitNetTranslateMain.h"

#include "bitnet/Compiler/Import.h"
#include "bitnet/InitAll.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

/// The PTX text of gpu.binary `name` (or of the file's only one) in the MLIR
/// file `inputFile`, written to `outputFile`.
int writeGpuBinaryPtx(StringRef inputFile, StringRef name, StringRef outputFile) {
  DialectRegistry registry;
  bitnet::registerAllDialects(registry);
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(inputFile, &context);
  if (!module)
    return 1;
  SmallVector<gpu::BinaryOp> binaries;
  for (auto binary : module->getOps<gpu::BinaryOp>())
    if (name.empty() || binary.getSymName() == name)
      binaries.push_back(binary);
  if (binaries.size() != 1) {
    llvm::errs() << inputFile << ": error: "
                 << (binaries.empty() ? "no gpu.binary" : "several gpu.binary ops")
                 << (name.empty() ? "" : " named '" + name.str() + "'")
                 << (binaries.size() > 1 ? "; choose one with --gpu-binary" : "") << "\n";
    return 1;
  }
  auto objects = binaries.front().getObjects().getAsRange<gpu::ObjectAttr>();
  auto ptx = llvm::find_if(objects, [](gpu::ObjectAttr object) {
    return object.getFormat() == gpu::CompilationTarget::Assembly;
  });
  if (ptx == objects.end()) {
    llvm::errs() << inputFile << ": error: gpu.binary @" << binaries.front().getSymName()
                 << " holds no PTX (serialize with format=isa)\n";
    return 1;
  }
  std::string error;
  auto output = openOutputFile(outputFile, &error);
  if (!output) {
    llvm::errs() << "bitnet-translate: " << error << "\n";
    return 1;
  }
  output->os() << (*ptx).getObject().getValue();
  output->keep();
  return 0;
}

} // namespace

int mlir::bitnet::bitnetTranslateMain(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input file>"),
                                        cl::Required);
  static cl::opt<bool> importOnnx("import-onnx",
                                  cl::desc("Translate an ONNX model to MLIR"));
  static cl::opt<bool> gpuBinaryToPtx(
      "gpu-binary-to-ptx",
      cl::desc("Write the PTX of the gpu.binary in an MLIR file (as "
               "bitnet-gpu-pipeline makes it), for ptxas or the CUDA driver"));
  static cl::opt<std::string> binaryName(
      "gpu-binary", cl::desc("With --gpu-binary-to-ptx: the gpu.binary to write "
                             "(needed when the file has several)"),
      cl::value_desc("name"));
  static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                         cl::value_desc("filename"),
                                         cl::init("-"));
  static cl::list<std::string> inputShapes(
      "input-shape",
      cl::desc("Size of a graph input with dynamic dimensions, NAME=1x128"),
      cl::value_desc("NAME=DIMS"));
  static cl::opt<int64_t> maxContext(
      "max-context",
      cl::desc("For models with key-value caches: the cache capacity in "
               "tokens (as bitnet-compile; default 512)"),
      cl::init(512));
  static cl::opt<int64_t> prefillTokens(
      "prefill-tokens",
      cl::desc("For models with key-value caches: tokens per call of prefill "
               "(default 64)"),
      cl::init(64));
  static cl::opt<bool> emitBytecode(
      "emit-bytecode",
      cl::desc("Write MLIR bytecode (weights as raw blobs) instead of text"));
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "BitNet-MLIR translation driver\n");

  if (importOnnx == gpuBinaryToPtx) {
    llvm::errs() << "bitnet-translate: choose one translation (--import-onnx or "
                    "--gpu-binary-to-ptx)\n";
    return 1;
  }
  if (gpuBinaryToPtx)
    return writeGpuBinaryPtx(inputFile, binaryName, outputFile);
  compiler::ImportRequest request;
  request.path = inputFile;
  for (const std::string &spec : inputShapes)
    if (!onnx::parseInputShape(spec, request.import)) {
      llvm::errs() << "bitnet-translate: bad --input-shape '" << spec
                   << "'; expected NAME=D0xD1x...\n";
      return 1;
    }
  request.decoder.maxContext = maxContext;
  request.decoder.prefillTokens = prefillTokens;
  request.decoder.contextBuckets = onnx::defaultContextBuckets(maxContext);

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  // "model.onnx: error: node 'n' (Op): ..." rather than a printed location:
  // the node is named in the message, the file is what the user passed.
  ScopedDiagnosticHandler diagnostics(&context, [&](Diagnostic &diag) {
    onnx::printNodeDiagnostic(llvm::errs(), inputFile, diag);
    return success();
  });
  auto module = compiler::importForCompile(request, &context);
  if (!module) {
    std::string message = llvm::toString(module.takeError());
    if (!message.empty())
      llvm::errs() << inputFile << ": error: " << message << "\n";
    return 1;
  }

  std::string error;
  auto output = openOutputFile(outputFile, &error);
  if (!output) {
    llvm::errs() << "bitnet-translate: " << error << "\n";
    return 1;
  }
  if (emitBytecode) {
    if (failed(writeBytecodeToFile(**module, output->os())))
      return 1;
  } else {
    (*module)->print(output->os(), OpPrintingFlags());
  }
  output->keep();
  return 0;
}
