#!/usr/bin/env python3
"""Cut the body of the (single) gpu.module out of a lowered MLIR file and wrap it
in a plain builtin `module`, so it can go through mlir-translate --mlir-to-llvmir
and llc (alternative to gpu-module-to-binary). Usage: extract_gpu_module.py in.mlir out.mlir"""
import sys
lines = open(sys.argv[1]).read().splitlines()
out, depth, inside = [], 0, False
for l in lines:
    if not inside and l.lstrip().startswith('gpu.module'):
        inside, depth = True, l.count('{') - l.count('}')
        out.append('module {'); continue
    if inside:
        depth += l.count('{') - l.count('}')
        if depth <= 0:
            out.append('}'); break
        out.append(l)
open(sys.argv[2], 'w').write('\n'.join(out) + '\n')
