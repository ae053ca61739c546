#!/usr/bin/env bash
# Model-level benchmark: a random-weight BitNet decoder of a DESIGN shape
# (python/bitnet_mlir/tiny_decoder.py presets: large = 0.7B, 2b4t,
# 2b4t-128k; ternary weights stored packed as Hugging Face does), exported
# with a key-value cache, compiled by bitnet-compile (wall time and peak
# RSS), and a 128-token prompt then 32 generated tokens run by the compiled
# executable (the median of 3 runs after a warm-up) and by onnxruntime on the
# same file, at 1 and 2 threads.
#   scripts/model-bench.sh [PRESET] [LAYERS]   (default: large, the preset's layers)
# Environment: BUILD_DIR (build), THREADS ("1 2"), NEW_TOKENS (32),
# WEIGHT_FORMAT (bitnet-compile --weight-format: i2s, t5, tl2r; default the
# target's or the tuning file's), ACT_BITS (bitnet-compile --act-bits: 4
# for int4 activations), KEEP=1 to keep the export, compiled model and logs
# in $BUILD_DIR/model-bench.
set -euo pipefail
PRESET="${1:-large}"
LAYERS="${2:-}"
BUILD_DIR="${BUILD_DIR:-build}"
THREADS="${THREADS:-1 2}"
NEW_TOKENS="${NEW_TOKENS:-32}"
BIN="$BUILD_DIR/bin"
WORK="$BUILD_DIR/model-bench/$PRESET-${LAYERS:-all}"
PYTHON=.venv/bin/python
[ -x "$PYTHON" ] || PYTHON=/usr/bin/python3
PROMPT_LEN=128
MAX_CONTEXT=$((PROMPT_LEN + NEW_TOKENS))
mkdir -p "$WORK"
[ "${KEEP:-0}" = 1 ] || trap 'rm -f "$WORK"/model "$WORK"/model.weights "$WORK"/model.onnx' EXIT

echo "== $PRESET preset, ${LAYERS:-all} layers: export (key-value cache, packed weights)"
PYTHONPATH=python "$PYTHON" -W ignore -m bitnet_mlir.tiny_decoder --preset "$PRESET" \
  ${LAYERS:+--layers "$LAYERS"} --kv-cache --packed --out "$WORK/model.onnx"
ls -l "$WORK/model.onnx"

echo "== compile"
/usr/bin/time -f "bitnet-compile: %e s wall, %M KiB peak RSS" \
  "$BIN/bitnet-compile" "$WORK/model.onnx" --emit=exe -o "$WORK/model" \
  --max-context="$MAX_CONTEXT" --prefill-tokens="$PROMPT_LEN" --timings \
  ${WEIGHT_FORMAT:+--weight-format="$WEIGHT_FORMAT"} ${ACT_BITS:+--act-bits="$ACT_BITS"} \
  > "$WORK/compile.log" 2>&1 || { cat "$WORK/compile.log"; exit 1; }
cat "$WORK/compile.log"

PROMPT=$(PYTHONPATH=python "$PYTHON" -m bitnet_mlir.model_bench --prompt "$PRESET" "$PROMPT_LEN")
. "$(dirname "$0")/timed-generate.sh"
for threads in $THREADS; do
  echo "== BitNet-MLIR, $threads thread(s): the median of 3 runs after a warm-up"
  timed_generate "$WORK/generate-$threads.log" 3 "$WORK/model" --generate \
    --prompt-ids "$PROMPT" --max-new-tokens "$NEW_TOKENS" --threads "$threads"
  cat "$WORK/generate-$threads.log"
done

echo "== onnxruntime on the same file, and the table"
PYTHONPATH=python "$PYTHON" -m bitnet_mlir.model_bench "$WORK" "$PRESET" "${LAYERS:-0}" \
  "$PROMPT_LEN" "$NEW_TOKENS" $THREADS
