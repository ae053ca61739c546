#!/usr/bin/env python3
"""Checks a bitnet-tune file and that a compile used it.

  check_tuning.py TUNING.json [TIMINGS.txt]

The file must name the target and hold one entry per tuned product with
positive measurements; with TIMINGS (bitnet-compile --timings output), every
field an entry sets must appear, with its value, in the kernel configuration
the compile reports for that product, and the product must have the entry's
format (i2s when the entry names none).
"""
import json
import re
import sys

spec = json.load(open(sys.argv[1]))
assert set(spec) == {"target", "ternary_matmul"}, spec.keys()
assert spec["target"]["cpu"], spec["target"]
entries = spec["ternary_matmul"]
assert entries, "no entries"
for e in entries:
    assert e["m"] > 0 and e["k"] > 0 and e["n"] > 0, e
    assert e["us"] > 0 and e["default_us"] > 0 and e["us"] <= e["default_us"], e
if len(sys.argv) > 2:
    report = open(sys.argv[2]).read()
    assert "kernel configurations from the target and the tuning file" in report, report
    matched = 0
    for e in entries:
        line = re.search(r"x %dx%d n=%d (\w+): (#bitnet.ternary_kernel<[^>]*>)"
                         % (e["m"], e["k"], e["n"]), report)
        if not line:
            continue  # a product this model does not have
        matched += 1
        assert line.group(1) == e.get("format", "i2s"), (e, line.group(0))
        for name, value in e.items():
            if name in ("m", "k", "n", "us", "default_us", "format"):
                continue
            assert "%s = %d" % (name, value) in line.group(2), (name, value, line.group(2))
    assert matched, "no product of the compile is in the tuning file"
print("ok:", len(entries), "entries")
