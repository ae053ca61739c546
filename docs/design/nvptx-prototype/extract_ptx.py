#!/usr/bin/env python3
"""Extract PTX text from the `assembly = "..."` / `"..."` payload of a
#gpu.object produced by `gpu-module-to-binary{format=isa}`.
Usage: extract_ptx.py in.mlir out_prefix   -> writes out_prefix[_N].ptx"""
import re, sys
src = open(sys.argv[1]).read()
objs = re.findall(r'#gpu\.object<#nvvm\.target<([^>]*)>[^"]*?"((?:[^"\\]|\\.)*)"', src)
def unescape(s):
    out = bytearray(); i = 0
    while i < len(s):
        if s[i] == '\\':
            n = s[i+1]
            if n in 'nt"\\':
                out += {'n': b'\n', 't': b'\t', '"': b'"', '\\': b'\\'}[n]; i += 2
            else:
                out.append(int(s[i+1:i+3], 16)); i += 3
        else:
            out += s[i].encode(); i += 1
    return bytes(out)
for n, (tgt, payload) in enumerate(objs):
    name = sys.argv[2] + ('' if len(objs) == 1 else f'_{n}') + '.ptx'
    open(name, 'wb').write(unescape(payload))
    print(name, '<-', tgt)
