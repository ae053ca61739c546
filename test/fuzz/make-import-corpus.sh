#!/bin/sh
# Seed corpus for ImportFuzzer: ONNX's node-test models, one file per test.
set -e
out="$1"
mkdir -p "$out"
for dir in /usr/share/libonnx-testdata/data/node/*/; do
  name=$(basename "$dir")
  [ -f "$dir/model.onnx" ] && cp "$dir/model.onnx" "$out/$name.onnx"
done
