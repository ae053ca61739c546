#!/usr/bin/env bash
# The main job: the bundled default model (a small BitNet decoder defined in
# PyTorch under python/, generated deterministically) is exported to ONNX,
# compiled for this CPU by bitnet-compile, run by bitnet-run through the C
# runtime, checked against PyTorch and onnxruntime, and timed; then, exported
# with a key-value cache and compiled to an executable, it generates tokens.
set -euo pipefail
BUILD_DIR="${1:-build}"
BIN="$BUILD_DIR/bin"
WORK="$BUILD_DIR/demo"
PYTHON=.venv/bin/python
[ -x "$PYTHON" ] || PYTHON=/usr/bin/python3
THREADS="${THREADS:-$(nproc)}"

step() { printf '\n== %s\n' "$*"; }
. "$(dirname "$0")/timed-generate.sh"
mkdir -p "$WORK"

step "Model: python/bitnet_mlir/tiny_decoder.py --preset demo (2 layers, hidden 512, 64-token prompt, seed 0)"
PYTHONPATH=python "$PYTHON" -W ignore -m bitnet_mlir.tiny_decoder --preset demo \
  --out "$WORK/model.onnx" --save-case "$WORK"
ls -l "$WORK/model.onnx"

step "Compile for this CPU: bitnet-compile --emit=lib"
"$BIN/bitnet-compile" "$WORK/model.onnx" --emit=lib -o "$WORK/model.so" --timings
# The code in the library, the weights beside it (memory-mapped at load).
ls -l "$WORK/model.so" "$WORK/model.so.weights"
"$BIN/bitnet-compile" "$WORK/model.onnx" --stop-after=raise |
  grep -c "bitnet.bitlinear" | sed 's/^/BitLinear layers recognised: /'

step "Run: bitnet-run ($THREADS threads)"
"$BIN/bitnet-run" "$WORK/model.so" --print-info
"$BIN/bitnet-run" "$WORK/model.so" --input "input_ids=$WORK/input_ids.npy" \
  --output-dir "$WORK/out" --threads "$THREADS" --repeat 20 2> "$WORK/run.log"
cat "$WORK/run.log"
ms=$(sed -n 's/^bitnet-run: \([0-9.]*\) ms per run.*/\1/p' "$WORK/run.log")

step "Check against PyTorch and onnxruntime, and time both"
PYTHONPATH=python "$PYTHON" -m bitnet_mlir.demo_report "$WORK" "$WORK/out" "$ms" "$THREADS"

step "Generate: the same model exported with a key-value cache, greedy decoding"
PYTHONPATH=python "$PYTHON" -W ignore -m bitnet_mlir.tiny_decoder --preset demo --kv-cache \
  --out "$WORK/model_kv.onnx" --generate "$WORK" --prompt-len 64 --new-tokens 32 \
  --reference-dtype float64
"$BIN/bitnet-compile" "$WORK/model_kv.onnx" --emit=exe -o "$WORK/model_kv" \
  --max-context=128 --prefill-tokens=64
# The median of three runs after a warm-up (scripts/timed-generate.sh).
timed_generate "$WORK/generate.log" 3 "$WORK/model_kv" --generate \
  --prompt-ids "$(cat "$WORK/prompt.txt")" --max-new-tokens 32 --threads "$THREADS" \
  --logits-out "$WORK/our_step_logits.npy"
cat "$WORK/generate.log"
PYTHONPATH=python "$PYTHON" -m bitnet_mlir.demo_report --generate "$WORK" \
  "$WORK/generate.log" demo "$THREADS"
echo "demo: OK"
