#!/usr/bin/env bash
# Model-level benchmark: a random-weight BitNet decoder of a DESIGN shape
# (python/bitnet_mlir/tiny_decoder.py presets; ternary-stored weights),
# exported to ONNX, compiled by bitnet-compile (time and peak memory), and a
# prompt (the preset's length: 128 tokens for "large") run by bitnet-run and
# by onnxruntime on the same file, at 1 and 2 threads.
#   scripts/model-bench.sh [PRESET] [LAYERS]     (default: large 2)
# Decode tokens/s needs the KV cache (not there yet): prefill only.
set -euo pipefail
PRESET="${1:-large}"
LAYERS="${2:-2}"
BUILD_DIR="${BUILD_DIR:-build}"
BIN="$BUILD_DIR/bin"
WORK="$BUILD_DIR/model-bench/$PRESET-$LAYERS"
PYTHON=.venv/bin/python
mkdir -p "$WORK"

echo "== $PRESET preset, $LAYERS layers: export"
PYTHONPATH=python "$PYTHON" -W ignore -m bitnet_mlir.tiny_decoder --preset "$PRESET" \
  --layers "$LAYERS" --out "$WORK/model.onnx" --save-case "$WORK"
ls -l "$WORK/model.onnx"

echo "== compile"
/usr/bin/time -f "bitnet-compile: %e s wall, %M KiB peak RSS" \
  "$BIN/bitnet-compile" "$WORK/model.onnx" --emit=lib -o "$WORK/model.so" --timings 2>&1 |
  grep -E "total|weights file|bitnet-compile:"

for threads in 1 2; do
  "$BIN/bitnet-run" "$WORK/model.so" --input "input_ids=$WORK/input_ids.npy" \
    --output-dir "$WORK/out" --threads "$threads" --repeat 3 2> "$WORK/run.log"
  ms=$(sed -n 's/^bitnet-run: \([0-9.]*\) ms per run.*/\1/p' "$WORK/run.log")
  echo "== $threads thread(s)"
  PYTHONPATH=python "$PYTHON" -m bitnet_mlir.demo_report "$WORK" "$WORK/out" "$ms" "$threads" ||
    echo "(logits check: see above; a fake-quantized graph of this size is discontinuous in float rounding)"
done
