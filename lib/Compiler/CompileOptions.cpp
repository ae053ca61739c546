//===- CompileOptions.cpp - Checking a compile request ----------------===//

#include "bitnet/Compiler/CompileOptions.h"

#include "bitnet/Reference/Reference.h"
#include "bitnet/Target/GpuTargetInfo.h"
#include "bitnet/Target/TuningSpec.h"

#include "Error.h"

#include "bitnet/Compiler/Import.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::bitnet;
using namespace mlir::bitnet::compiler;

llvm::StringRef compiler::emitKindName(EmitKind kind) {
  switch (kind) {
  case EmitKind::Mlir:
    return "mlir";
  case EmitKind::Llvm:
    return "llvm";
  case EmitKind::Asm:
    return "asm";
  case EmitKind::Obj:
    return "obj";
  case EmitKind::Lib:
    return "lib";
  case EmitKind::Exe:
    return "exe";
  }
  return "";
}

std::optional<EmitKind> compiler::parseEmitKind(llvm::StringRef name) {
  for (EmitKind kind : {EmitKind::Mlir, EmitKind::Llvm, EmitKind::Asm,
                        EmitKind::Obj, EmitKind::Lib, EmitKind::Exe})
    if (emitKindName(kind) == name)
      return kind;
  return std::nullopt;
}

llvm::Error compiler::setCompileOption(CompileOptions &options,
                                       llvm::StringRef name,
                                       llvm::StringRef value) {
  auto integer = [&](int64_t &field) -> llvm::Error {
    if (value.getAsInteger(10, field))
      return compileError("option " + name + " takes an integer, not '" + value + "'");
    return llvm::Error::success();
  };
  auto boolean = [&](bool &field) -> llvm::Error {
    std::optional<bool> parsed = llvm::StringSwitch<std::optional<bool>>(value)
                                     .Cases({"true", "1", ""}, true)
                                     .Cases({"false", "0"}, false)
                                     .Default(std::nullopt);
    if (!parsed)
      return compileError("option " + name + " takes true or false, not '" + value +
                          "'");
    field = *parsed;
    return llvm::Error::success();
  };
  auto text = [&](std::string &field) -> llvm::Error {
    field = value.str();
    return llvm::Error::success();
  };
  if (name == "o")
    return text(options.output);
  if (name == "emit")
    return text(options.emit);
  if (name == "stop-after")
    return text(options.stopAfter);
  if (name == "start-after")
    return text(options.startAfter);
  if (name == "target")
    return text(options.target);
  if (name == "mcpu")
    return text(options.mcpu);
  if (name == "openmp") {
    bool on = false;
    if (llvm::Error e = boolean(on))
      return e;
    options.openmp = on;
    return llvm::Error::success();
  }
  if (name == "input-shape") {
    options.inputShapes.push_back(value.str());
    return llvm::Error::success();
  }
  if (name == "function-name") {
    options.functionName = value.str();
    return llvm::Error::success();
  }
  if (name == "weights-file")
    return text(options.weightsFile);
  if (name == "embed-weights")
    return boolean(options.embedWeights);
  if (name == "weights-threshold")
    return integer(options.weightsThreshold);
  if (name == "max-context")
    return integer(options.maxContext);
  if (name == "prefill-tokens")
    return integer(options.prefillTokens);
  if (name == "context-buckets") {
    std::vector<int64_t> buckets;
    llvm::SmallVector<llvm::StringRef> items;
    value.split(items, ',');
    for (llvm::StringRef item : items) {
      int64_t bucket;
      if (item.trim().getAsInteger(10, bucket))
        return compileError("option context-buckets takes integers separated by "
                            "commas, not '" + value + "'");
      buckets.push_back(bucket);
    }
    options.contextBuckets = buckets;
    return llvm::Error::success();
  }
  if (name == "decode-prefetch-distance")
    return integer(options.decodePrefetchDistance);
  if (name == "decode-accumulators")
    return integer(options.decodeAccumulators);
  if (name == "parallel-min-iterations")
    return integer(options.parallelMinIterations);
  if (name == "tuning-file")
    return text(options.tuningFile);
  if (name == "weight-format")
    return text(options.weightFormat);
  if (name == "act-bits")
    return integer(options.actBits);
  if (name == "linker")
    return text(options.linker);
  return compileError("unknown option '" + name + "'");
}

/// A Hugging Face checkpoint directory (config.json, *.safetensors) as
/// input: the ONNX decoder its converter wrote next to it,
/// DIR/bitnet.onnx (docs/importer.md, "Checkpoint directories"), or an
/// error naming the command that writes it.
static llvm::Expected<std::string> checkpointModel(llvm::StringRef dir) {
  namespace fs = llvm::sys::fs;
  auto inDir = [&](llvm::StringRef name) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, name);
    return std::string(path);
  };
  if (!fs::exists(inDir("config.json")))
    return compileError("'" + dir + "' is a directory; expected a model file "
                        "(.onnx, .mlir) or a Hugging Face checkpoint directory "
                        "(config.json and model.safetensors)");
  std::string convert = "convert it with: python3 -m bitnet_mlir.checkpoint " +
                        dir.str() + " (the repository's python/ on PYTHONPATH; "
                        "writes " + inDir("bitnet.onnx") + ")";
  std::string model = inDir("bitnet.onnx");
  fs::file_status modelStatus;
  if (fs::status(model, modelStatus))
    return compileError("'" + dir + "' is a Hugging Face checkpoint directory; " +
                        convert);
  // A conversion older than the checkpoint's files is stale.
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (name != "config.json" && !name.ends_with(".safetensors") &&
        !name.ends_with(".safetensors.index.json"))
      continue;
    fs::file_status status;
    if (!fs::status(it->path(), status) &&
        status.getLastModificationTime() > modelStatus.getLastModificationTime())
      return compileError("'" + model + "' is older than '" + it->path() +
                          "'; " + convert);
  }
  return model;
}

/// The largest --max-context.
constexpr int64_t kMaxContextLimit = int64_t(1) << 20;

llvm::Expected<CompileJob>
compiler::prepareCompileJob(const CompileOptions &options) {
  CompileJob job;
  job.input = options.input;
  job.output = options.output;
  if (job.input.empty())
    return compileError("no input file");
  if (llvm::sys::fs::is_directory(job.input)) {
    llvm::Expected<std::string> model = checkpointModel(job.input);
    if (!model)
      return model.takeError();
    job.input = *model;
  }

  // Stage and emit mode.
  const std::string &stopAfter = options.stopAfter;
  if (!stopAfter.empty()) {
    if (stopAfter == "import") {
      job.stopAfter = std::nullopt;
    } else if (std::optional<Stage> stage = parseStage(stopAfter)) {
      job.stopAfter = *stage;
    } else {
      return compileError("unknown stage '" + stopAfter +
                  "' for --stop-after; expected import, raise, quantize, pack, "
                  "tile or llvm");
    }
  }
  if (!options.startAfter.empty()) {
    job.startAfter = parseStage(options.startAfter);
    if (!job.startAfter)
      return compileError("unknown stage '" + options.startAfter +
                  "' for --start-after; expected raise, quantize, pack, tile or "
                  "llvm");
    if (!isMlirFile(job.input))
      return compileError("--start-after needs an MLIR input (a module printed by "
                  "--stop-after), not '" + job.input + "'");
    if (!job.stopAfter || *job.stopAfter < *job.startAfter)
      return compileError("--stop-after=" + stopAfter + " comes before --start-after=" +
                  options.startAfter);
  }
  std::string emitName = options.emit.empty()
                             ? (stopAfter.empty() ? "obj" : "mlir")
                             : options.emit;
  std::optional<EmitKind> emit = parseEmitKind(emitName);
  if (!emit)
    return compileError("unknown --emit=" + emitName +
                "; expected mlir, llvm, asm, obj, lib or exe");
  job.emit = *emit;
  if (job.emit != EmitKind::Mlir && !stopAfter.empty() &&
      job.stopAfter != Stage::LLVM)
    return compileError("--emit=" + emitName + " needs the whole pipeline, but --stop-after=" +
                stopAfter + " stops before the LLVM dialect; use --emit=mlir");
  if (job.linksProgram() && job.output == "-")
    return compileError("--emit=" + emitName + " needs an output file (-o " +
                (job.emit == EmitKind::Lib ? "libmodel.so" : "model") + ")");

  // Weights: a side file for libraries and executables, compiled in
  // otherwise.
  if (options.embedWeights && !options.weightsFile.empty())
    return compileError("--embed-weights and --weights-file exclude each other");
  job.weightsFile = options.weightsFile;
  if (job.linksProgram() && job.weightsFile.empty() && !options.embedWeights)
    job.weightsFile = job.output + ".weights";
  if (!job.weightsFile.empty() && job.stopAfter != Stage::LLVM)
    return compileError("--weights-file needs the whole pipeline (weights leave the "
                "module at the end of the llvm stage)");
  if (options.weightsThreshold < 0)
    return compileError("--weights-threshold must be >= 0");
  job.weightsThreshold = options.weightsThreshold;

  // Target: the host's CPU when compiling for the host's architecture.
  std::string cpu = options.mcpu;
  if (cpu.empty() && normalizeCpuArch(options.target) == getHostCpu().arch)
    cpu = "native";
  std::string targetError;
  if (isGpuArch(options.target)) {
    // The GPU is a known target (GpuTargetInfo, bitnet-set-target) with
    // kernels (bitnet-gpu-pipeline) but no whole-model driver yet.
    GpuTargetInfo gpu;
    if (!getGpuTargetInfo(cpu, "", gpu, targetError))
      return compileError("--mcpu: " + targetError);
    return compileError("--target=" + options.target + ": whole models are compiled "
                        "for CPUs only so far (x86_64, aarch64); " +
                        "its kernels for " + gpu.describe() +
                        " come from bitnet-opt's bitnet-gpu-pipeline (docs/gpu.md)");
  }
  if (!getCpuTargetInfo(options.target, cpu, job.target, targetError))
    return compileError(targetError);
  bool isAArch64 = job.target.arch == CpuArch::AArch64;
  job.stages.openmp = options.openmp.value_or(!isAArch64);
  if (options.decodePrefetchDistance < -1)
    return compileError("--decode-prefetch-distance must be -1 (the target's) or more");
  if (!isValidDecodeAccumulators(options.decodeAccumulators))
    return compileError(
        "--decode-accumulators must be 1, 2 or 4 (0: the target's default)");
  job.stages.prefetchDistance = options.decodePrefetchDistance;
  job.stages.decodeAccumulators = options.decodeAccumulators;
  if (options.parallelMinIterations < 1)
    return compileError("--parallel-min-iterations must be at least 1");
  job.stages.parallelMinIterations = options.parallelMinIterations;
  job.stages.tuningFile = options.tuningFile;
  if (!options.weightFormat.empty() && !ref::parseFormat(options.weightFormat))
    return compileError("unknown --weight-format '" + options.weightFormat +
                        "'; expected i2s, tl1, tl2, t5 or tl2r");
  job.stages.weightFormat = options.weightFormat;
  if (options.actBits != 0 && options.actBits != 8 && options.actBits != 4)
    return compileError("--act-bits must be 8, 4 or 0 (the model's own), not " +
                        std::to_string(options.actBits));
  job.stages.actBits = options.actBits;
  // No tuning file given, compiling for this machine: bitnet-tune's file
  // for this CPU when it was measured with the same features (another
  // machine's measurements would mislead more than help).
  if (options.tuningFile.empty() && cpu == "native") {
    std::string path = defaultTuningFilePath(job.target.cpu);
    TuningSpec spec;
    std::string ignored;
    if (!path.empty() && llvm::sys::fs::exists(path) && loadTuningSpec(path, spec, ignored) &&
        spec.target && spec.target->cpu == job.target.cpu &&
        spec.target->features == job.target.features)
      job.stages.tuningFile = path;
  }
  if (job.emit == EmitKind::Exe && isAArch64)
    return compileError("--emit=exe links the host's runtime (x86_64); for aarch64 use "
                "--emit=lib and a bitnet-run built for AArch64 (docs/driver.md)");
  if (job.emit == EmitKind::Lib && isAArch64 && job.stages.openmp)
    return compileError("--emit=lib for aarch64 links without an OpenMP runtime (there is "
                "no AArch64 libomp here); use --openmp=false");
  job.linker = options.linker;

  // Import.
  for (const std::string &spec : options.inputShapes)
    if (!onnx::parseInputShape(spec, job.import))
      return compileError("bad --input-shape '" + spec + "'; expected NAME=D0xD1x...");
  job.import.emitCInterface = true;
  // An executable has its own `main`.
  job.import.functionName = options.functionName.value_or(
      job.emit == EmitKind::Exe ? "model" : "main");
  // Caches take max-context slots per layer: beyond 2^20 tokens no BitNet
  // model has been trained, and sizes start to overflow 32-bit indices.
  if (options.maxContext < 2 || options.maxContext > kMaxContextLimit)
    return compileError("--max-context must be from 2 to " +
                        std::to_string(kMaxContextLimit) + ", not " +
                        std::to_string(options.maxContext));
  job.decoder.maxContext = options.maxContext;
  job.decoder.prefillTokens = options.prefillTokens;
  job.explicitContextBuckets = options.contextBuckets.has_value();
  if (!options.contextBuckets)
    job.decoder.contextBuckets = onnx::defaultContextBuckets(options.maxContext);
  else if (*options.contextBuckets != std::vector<int64_t>{0})
    job.decoder.contextBuckets = *options.contextBuckets;
  return std::move(job);
}
