//===- Backend.cpp - LLVM dialect to machine code ---------------------===//

#include "bitnet/Compiler/Backend.h"

#include "Error.h"

#include "bitnet/ABI/ModelABI.h"
#include "bitnet/Target/TargetInfo.h"

#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

#include <mutex>

using namespace mlir;
using namespace mlir::bitnet;
using namespace mlir::bitnet::compiler;

namespace {

void initializeLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    llvm::InitializeAllAsmParsers();
  });
}

} // namespace

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
compiler::createTargetMachine(const CpuTargetInfo &target) {
  initializeLLVMTargets();
  llvm::Triple triple(target.triple);
  std::string lookupError;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!llvmTarget)
    return compileError("LLVM has no target for " + target.triple + ": " + lookupError);
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, target.cpu, target.features, options, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return compileError("cannot create a target machine for " + target.triple + " " +
                target.cpu);
  return machine;
}

llvm::Expected<std::unique_ptr<llvm::Module>>
compiler::translateToLLVMIR(Operation *module, llvm::LLVMContext &context,
                            llvm::TargetMachine &machine) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, "bitnet_model");
  if (!llvmModule)
    return compileError("translation to LLVM IR failed");
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());
  // Calls between the model's functions bind inside the library: the model
  // function is typically called `main`, and an executable linked against
  // the library exports its own `main`, which would otherwise interpose
  // (`_mlir_ciface_main` would call the program's main).
  for (llvm::Function &function : *llvmModule)
    if (!function.isDeclaration())
      function.setDSOLocal(true);
  return llvmModule;
}

void compiler::addCpuFeaturesRecord(llvm::Module &module,
                                    llvm::TargetMachine &machine) {
  const llvm::MCSubtargetInfo *subtarget = machine.getMCSubtargetInfo();
  std::string features;
  // The table names features of both architectures: test those this
  // target has (checkFeatures aborts on a name it does not know).
  for (const char *name : ::bitnet::abi::kCheckedCpuFeatures)
    for (const llvm::SubtargetFeatureKV &feature : subtarget->getAllProcessorFeatures())
      if (llvm::StringRef(feature.Key) == name &&
          subtarget->getFeatureBits().test(feature.Value))
        features += (features.empty() ? "" : ",") + std::string(name);
  llvm::Constant *text =
      llvm::ConstantDataArray::getString(module.getContext(), features);
  new llvm::GlobalVariable(module, text->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, text,
                           ::bitnet::abi::kCpuFeaturesSymbol);
}

llvm::Error compiler::optimizeLLVMIR(llvm::Module &module,
                                     llvm::TargetMachine &machine) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm =
      builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(module, mam);
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(module, &os))
    return compileError("LLVM IR is invalid after optimization: " + problems);
  return llvm::Error::success();
}

llvm::Error compiler::emitMachineCode(llvm::Module &module,
                                      llvm::TargetMachine &machine,
                                      llvm::CodeGenFileType type,
                                      llvm::SmallVectorImpl<char> &out) {
  llvm::raw_svector_ostream os(out);
  llvm::legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, os, nullptr, type))
    return compileError("the target cannot emit this file type");
  pm.run(module);
  return llvm::Error::success();
}

llvm::Error compiler::compileToObject(ModuleOp module,
                                      llvm::TargetMachine &machine,
                                      llvm::SmallVectorImpl<char> &object) {
  llvm::LLVMContext context;
  llvm::Expected<std::unique_ptr<llvm::Module>> llvmModule =
      translateToLLVMIR(module, context, machine);
  if (!llvmModule)
    return llvmModule.takeError();
  if (llvm::Error e = optimizeLLVMIR(**llvmModule, machine))
    return e;
  return emitMachineCode(**llvmModule, machine, llvm::CodeGenFileType::ObjectFile,
                         object);
}

std::vector<std::string> JitOptions::defaultSharedLibraries() {
  return {BITNET_MLIR_C_RUNNER_UTILS, BITNET_OMP_LIBRARY};
}

JitModule::~JitModule() = default;

llvm::Expected<std::unique_ptr<JitModule>>
JitModule::create(ModuleOp module, const JitOptions &options) {
  LLVM::TargetAttr attr = getTargetAttr(module);
  if (!attr)
    attr = getHostTargetAttr(module.getContext());
  std::string error;
  std::unique_ptr<TargetInfo> info = getTargetInfo(attr, error);
  if (!info)
    return compileError(error);
  auto *cpu = dyn_cast<CpuTargetInfo>(info.get());
  if (!cpu)
    return compileError("the JIT runs CPU code, but the module's target is " +
                        info->describe());
  const CpuTargetInfo &target = *cpu;
  if (!hostCanRun(target, error))
    return compileError(error);
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> machine =
      createTargetMachine(target);
  if (!machine)
    return machine.takeError();
  std::unique_ptr<JitModule> jit(new JitModule);
  if (llvm::Error e = compileToObject(module, **machine, jit->object))
    return std::move(e);

  auto created = llvm::orc::LLJITBuilder().create();
  if (!created)
    return created.takeError();
  jit->jit = std::move(*created);
  llvm::orc::JITDylib &main = jit->jit->getMainJITDylib();
  char prefix = jit->jit->getDataLayout().getGlobalPrefix();
  // The C library and whatever this process links, then the libraries the
  // code calls (as a linked library would find them).
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(prefix);
  if (!process)
    return process.takeError();
  main.addGenerator(std::move(*process));
  for (const std::string &library : options.sharedLibraries) {
    auto generator =
        llvm::orc::DynamicLibrarySearchGenerator::Load(library.c_str(), prefix);
    if (!generator)
      return generator.takeError();
    main.addGenerator(std::move(*generator));
  }
  if (llvm::Error e = jit->jit->addObjectFile(llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(jit->object.data(), jit->object.size()), "bitnet_model")))
    return std::move(e);
  return jit;
}

llvm::Expected<void *> JitModule::lookup(llvm::StringRef symbol) {
  llvm::Expected<llvm::orc::ExecutorAddr> address = jit->lookup(symbol);
  if (!address)
    return address.takeError();
  return address->toPtr<void *>();
}
