# lit configuration for BitNet-MLIR's FileCheck tests.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "BitNet-MLIR"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.bitnet_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unittests", "Inputs"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["bitnet-opt", "bitnet-translate", "bitnet-compile", "bitnet-bench", "bitnet-tune",
     "bitnet-run", "bitnet-compiler-capi-test"], [config.bitnet_tools_dir])

# An x86-64 CPU whose code this host cannot run (its features are in the
# runtime's checked list, bitnet/ABI/ModelABI.h), for the load-time check.
def foreign_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((l.split(":", 1)[1].split() for l in f
                          if l.startswith("flags")), [])
    except OSError:
        return None
    if not flags:
        return None
    if "avx512f" not in flags:
        return "znver4"
    if "avx512_fp16" not in flags:
        return "sapphirerapids"
    return None

if foreign_cpu():
    config.available_features.add("foreign-cpu")
    config.substitutions.append(("%foreign-cpu", foreign_cpu()))

# Test models are made at test time by python/tests/onnx_models.py with the
# system interpreter (it sees Debian's python3-onnx and python3-numpy).
config.substitutions.append(
    ("%onnx-model",
     "/usr/bin/python3 " + os.path.join(config.bitnet_src_root, "python", "tests",
                                        "onnx_models.py")))
config.substitutions.append(
    ("%tiny-decoder",
     "env PYTHONPATH=" + os.path.join(config.bitnet_src_root, "python") +
     " /usr/bin/python3 -W ignore -m bitnet_mlir.tiny_decoder"))
llvm_config.add_tool_substitutions(
    ["FileCheck", "not", "count", "split-file", "mlir-translate", "llc",
     "llvm-nm", "llvm-objdump"],
    [config.llvm_tools_dir])

# ptxas (the CUDA toolkit's PTX assembler) checks the GPU kernels' PTX on
# machines without a GPU: PATH, $CUDA_HOME/bin, then /usr/local/cuda/bin.
import shutil
ptxas = shutil.which("ptxas") or next(
    (p for p in (os.path.join(os.environ.get("CUDA_HOME", ""), "bin", "ptxas"),
                 "/usr/local/cuda/bin/ptxas") if os.path.isfile(p)), None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# The CUDA toolkit's stub libcuda (it answers CUDA_ERROR_STUB_LIBRARY to
# everything): the runtime's error path for a driver that cannot run.
cuda_stub = next((p for p in (os.path.join(os.environ.get("CUDA_HOME", ""), "lib64", "stubs",
                                           "libcuda.so"),
                              "/usr/local/cuda/lib64/stubs/libcuda.so") if os.path.isfile(p)),
                 None)
if cuda_stub:
    config.available_features.add("cuda-stub")
    config.substitutions.append(("%cuda-stub", cuda_stub))

# A tuning file bitnet-tune left for this machine (~/.cache/bitnet-mlir)
# must not change the kernel configurations the tests check.
config.environment["BITNET_TUNING_DIR"] = os.path.join(config.test_exec_root, "no-tuning-files")
