#!/usr/bin/env bash
# Makes the project's Python venv (.venv) on top of Debian's python3 (which
# has numpy, onnx and torch) and installs the PyPI extras the tests use:
# onnxruntime, the runtime our compiled models are compared with, and
# safetensors, which writes the test checkpoints (Hugging Face model
# directories; the converter itself only reads the format's header).
# Idempotent: does nothing when the venv already has them.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
ONNXRUNTIME_VERSION="${ONNXRUNTIME_VERSION:-1.32.0}"
SAFETENSORS_VERSION="${SAFETENSORS_VERSION:-0.8.0}"

if [ -x "$VENV/bin/python" ] &&
   "$VENV/bin/python" -c "import onnxruntime, safetensors, numpy, onnx, torch" 2>/dev/null; then
  exit 0
fi
echo "make-venv: creating $VENV with onnxruntime $ONNXRUNTIME_VERSION, safetensors $SAFETENSORS_VERSION"
[ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$VENV"
# Keep Debian's numpy (torch and onnx are built against it).
numpy_version="$(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)')"
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
  "onnxruntime==$ONNXRUNTIME_VERSION" "safetensors==$SAFETENSORS_VERSION" \
  "numpy==$numpy_version"
"$VENV/bin/python" -c "import onnxruntime, safetensors; print('make-venv: onnxruntime', onnxruntime.__version__, 'safetensors', safetensors.__version__)"
