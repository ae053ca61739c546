#!/usr/bin/env bash
# Installs the Debian 12 packages BitNet-MLIR builds and tests with.
# Idempotent and quiet when everything is present; uses sudo when not root.
set -euo pipefail

LLVM_VERSION="${LLVM_VERSION:-22}"
packages=(
  cmake ninja-build ccache
  "clang-${LLVM_VERSION}" "lld-${LLVM_VERSION}" "libclang-rt-${LLVM_VERSION}-dev"
  "llvm-${LLVM_VERSION}-dev" "llvm-${LLVM_VERSION}-tools"
  "libmlir-${LLVM_VERSION}-dev" "mlir-${LLVM_VERSION}-tools"
  "libomp-${LLVM_VERSION}-dev"
  libgtest-dev libbenchmark-dev
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  python3 python3-numpy python3-onnx python3-torch python3-venv
  # AArch64 code is cross-linked and run under qemu (test/aarch64).
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
