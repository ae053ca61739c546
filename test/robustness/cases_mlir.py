"""Surface 2: MLIR given to bitnet-opt.

Invalid or degenerate bitnet ops (0-row, 0-column, huge, dynamic, K not a
multiple of 4, non-ternary constant weights, bad kernel configurations) run
through the verifier and through the lowering pipelines, and pass options out
of range (rows-per-block=1000000000, min-iterations=-5, ...).  Verifier and
pass errors must be clean diagnostics; IR the verifier accepts must lower or
be refused cleanly.

Add a case: `add(name, mlir_text, passes, expect, mention)`.
"""

import os

from rbcore import Case, safe_name

_CASES = []


def cases():
    return list(_CASES)


def add(name, text, passes=(), expect="error", mention=(), timeout=60, max_lines=40):
    case = Case(f"mlir/{name}", "mlir", expect=expect, mention=list(mention), timeout=timeout,
                max_lines=max_lines)

    def steps(ctx, name=name, text=text, passes=passes):
        d = os.path.join(ctx.work, "mlir")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, safe_name(name) + ".mlir")
        with open(path, "wb") as f:
            f.write(text if isinstance(text, bytes) else text.encode())
        return [[ctx.opt, path, *passes, "-o", os.path.join(d, safe_name(name) + ".out.mlir")]]

    case.steps = steps
    _CASES.append(case)


def fn(args, results, body, attrs=""):
    res = ", ".join(results)
    return (f"func.func @f({', '.join(args)}) -> ({res}){attrs} {{\n{body}\n"
            f"  return %r : {res}\n}}\n")


def tmm(m, k, n, kq=None, w_type="i8"):
    """ternary_matmul of activations [m, k] and unpacked weights [n, k]."""
    kq = k if kq is None else kq
    q, w, r = f"tensor<{m}x{k}xi8>", f"tensor<{n}x{kq}x{w_type}>", f"tensor<{m}x{n}xi32>"
    return fn([f"%q: {q}", f"%w: {w}"], [r],
              f"  %r = bitnet.ternary_matmul %q, %w : {q}, {w} -> {r}")


def bitlinear_const(m, k, n, value="1", act="f32"):
    """bitlinear on constant ternary weights (what pack-ternary packs)."""
    x, w, r = f"tensor<{m}x{k}x{act}>", f"tensor<{n}x{k}xi8>", f"tensor<{m}x{n}xf32>"
    body = (f"  %w = arith.constant dense<{value}> : {w}\n"
            f"  %g = arith.constant dense<0.5> : tensor<f32>\n"
            f"  %r = bitnet.bitlinear %x, %w, %g : {x}, {w}, tensor<f32> -> {r}")
    return fn([f"%x: {x}"], [r], body)


PIPELINES = {
    "verify": [],
    "decompose": ["--bitnet-decompose-bitlinear"],
    "to-linalg": ["--bitnet-decompose-bitlinear", "--convert-bitnet-to-linalg"],
    "to-llvm": ["--bitnet-to-llvm"],
    "cpu-avx2": ["--bitnet-cpu-pipeline=target=x86_64 mcpu=x86-64-v3"],
    "cpu-znver4": ["--bitnet-cpu-pipeline=target=x86_64 mcpu=znver4"],
    "cpu-neoverse": ["--bitnet-cpu-pipeline=target=aarch64 mcpu=neoverse-n1"],
}
TM = "bitnet.ternary_matmul"

# ------------------------------------------- degenerate ternary products --
# (label, m, k, n): legal for the verifier or not; either way no crash.
SHAPES = [("0-rows", 4, 200, 0), ("0-tokens", 0, 200, 77), ("0-depth", 4, 0, 77),
          ("1x1x1", 1, 1, 1), ("k-not-multiple-of-4", 2, 3, 5), ("huge-rows-2pow31", 1, 256, 2**31),
          ("huge-tokens-2pow40", 2**40, 256, 8), ("huge-depth-2pow33", 1, 2**33, 1),
          ("dynamic-tokens", "?", 256, 8)]
for label, m, k, n in SHAPES:
    for pipe in ("verify", "to-linalg", "to-llvm", "cpu-avx2", "cpu-znver4"):
        add(f"ternary-matmul-{label}-{pipe}", tmm(m, k, n), PIPELINES[pipe], expect="either",
            mention=[TM, "bitnet."])
# Constant weights (packed by bitnet-pack-ternary) of degenerate shapes.
for label, m, k, n in [("0-rows", 4, 200, 0), ("0-tokens", 0, 256, 8), ("k-3", 2, 3, 5),
                       ("1x1x1", 1, 1, 1), ("k-1000003", 1, 1000003, 1)]:
    for pipe in ("to-llvm", "cpu-avx2", "cpu-znver4", "cpu-neoverse"):
        add(f"bitlinear-const-{label}-{pipe}", bitlinear_const(m, k, n), PIPELINES[pipe],
            expect="either", mention=["bitnet."])
for label, value in [("value-5", "5"), ("value-minus-128", "-128"), ("value-127", "127")]:
    for pipe in ("to-llvm", "cpu-avx2"):
        add(f"bitlinear-const-not-ternary-{label}-{pipe}", bitlinear_const(2, 256, 8, value),
            PIPELINES[pipe], expect="either", mention=["bitnet.", "ternary"])

# --------------------------------------------------- verifier mutations --
q, w = "tensor<4x200xi8>", "tensor<77x200xi8>"
MUT = [
    ("tmm-k-mismatch", tmm(4, 200, 77, kq=199)),
    ("tmm-result-f32",
     fn([f"%q: {q}", f"%w: {w}"], ["tensor<4x77xf32>"],
        f"  %r = bitnet.ternary_matmul %q, %w : {q}, {w} -> tensor<4x77xf32>")),
    ("tmm-result-shape",
     fn([f"%q: {q}", f"%w: {w}"], ["tensor<5x78xi32>"],
        f"  %r = bitnet.ternary_matmul %q, %w : {q}, {w} -> tensor<5x78xi32>")),
    ("tmm-weights-f32", tmm(4, 200, 77, w_type="f32")),
    ("tmm-rank1",
     fn(["%q: tensor<200xi8>", "%w: tensor<200xi8>"], ["tensor<i32>"],
        "  %r = bitnet.ternary_matmul %q, %w : tensor<200xi8>, tensor<200xi8> -> tensor<i32>")),
    ("tmm-rank4",
     fn(["%q: tensor<1x1x4x200xi8>", f"%w: {w}"], ["tensor<1x1x4x77xi32>"],
        f"  %r = bitnet.ternary_matmul %q, %w : tensor<1x1x4x200xi8>, {w} -> tensor<1x1x4x77xi32>")),
    ("tmm-one-operand",
     fn([f"%q: {q}"], ["tensor<4x77xi32>"],
        f"  %r = bitnet.ternary_matmul %q : {q} -> tensor<4x77xi32>")),
    ("tmm-unknown-format",
     fn([f"%q: {q}", "%p: tensor<77x64xi8>"], ["tensor<4x77xi32>"],
        f"  %r = bitnet.ternary_matmul %q, %p format <i9s> : {q}, tensor<77x64xi8> -> tensor<4x77xi32>")),
    ("tmm-i2s-wrong-packed-width",
     fn([f"%q: {q}", "%p: tensor<77x63xi8>"], ["tensor<4x77xi32>"],
        f"  %r = bitnet.ternary_matmul %q, %p format <i2s> : {q}, tensor<77x63xi8> -> tensor<4x77xi32>")),
    ("tmm-tl2-0-rows",
     fn([f"%q: {q}", "%p: tensor<0x45xi8>"], ["tensor<4x0xi32>"],
        f"  %r = bitnet.ternary_matmul %q, %p format <tl2> : {q}, tensor<0x45xi8> -> tensor<4x0xi32>")),
    ("unknown-bitnet-op",
     fn([f"%q: {q}"], [q], f"  %r = bitnet.frobnicate %q : {q}")),
    ("quantize-bits-3",
     fn(["%x: tensor<2x8xf32>"], ["tensor<2x8xi8>", "tensor<2xf32>"],
        "  %r, %s = bitnet.quantize %x bits 3 : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<2xf32>")
     .replace("return %r :", "return %r, %s :")),
    ("quantize-bits-huge",
     fn(["%x: tensor<2x8xf32>"], ["tensor<2x8xi8>", "tensor<2xf32>"],
        "  %r, %s = bitnet.quantize %x bits 4294967304 : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<2xf32>")
     .replace("return %r :", "return %r, %s :")),
    ("quantize-scale-shape",
     fn(["%x: tensor<2x8xf32>"], ["tensor<2x8xi8>", "tensor<3xf32>"],
        "  %r, %s = bitnet.quantize %x bits 8 : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<3xf32>")
     .replace("return %r :", "return %r, %s :")),
    ("quantize-rank0",
     fn(["%x: tensor<f32>"], ["tensor<i8>", "tensor<f32>"],
        "  %r, %s = bitnet.quantize %x bits 8 : tensor<f32> -> tensor<i8>, tensor<f32>")
     .replace("return %r :", "return %r, %s :")),
    ("ternarize-result-f32",
     fn(["%x: tensor<4x8xf32>"], ["tensor<4x8xf32>", "tensor<f32>"],
        "  %r, %g = bitnet.ternarize %x : tensor<4x8xf32> -> tensor<4x8xf32>, tensor<f32>")
     .replace("return %r :", "return %r, %g :")),
    ("dequantize-scale-mismatch",
     fn(["%a: tensor<4x77xi32>", "%s: tensor<5xf32>", "%g: tensor<f32>"], ["tensor<4x77xf32>"],
        "  %r = bitnet.dequantize %a, %s, %g : tensor<4x77xi32>, tensor<5xf32>, tensor<f32> -> tensor<4x77xf32>")),
    ("rms-norm-gamma-mismatch",
     fn(["%x: tensor<1x7x80xf32>", "%g: tensor<79xf32>"], ["tensor<1x7x80xi8>", "tensor<1x7xf32>"],
        "  %r, %s = bitnet.rms_norm_quantize %x, %g epsilon 1.0e-5 bits 8 : tensor<1x7x80xf32>, tensor<79xf32> -> tensor<1x7x80xi8>, tensor<1x7xf32>")
     .replace("return %r :", "return %r, %s :")),
    ("rms-norm-epsilon-negative",
     fn(["%x: tensor<1x7x80xf32>", "%g: tensor<80xf32>"], ["tensor<1x7x80xi8>", "tensor<1x7xf32>"],
        "  %r, %s = bitnet.rms_norm_quantize %x, %g epsilon -1.0 bits 8 : tensor<1x7x80xf32>, tensor<80xf32> -> tensor<1x7x80xi8>, tensor<1x7xf32>")
     .replace("return %r :", "return %r, %s :")),
    ("pack-wrong-result-width",
     fn(["%w: tensor<77x200xi8>"], ["tensor<77x10xi8>"],
        "  %r = bitnet.pack %w format <i2s> : tensor<77x200xi8> -> tensor<77x10xi8>")),
    ("dot4-lane-mismatch",
     fn(["%a: vector<16xi32>", "%b: vector<60xi8>", "%c: vector<64xi8>"], ["vector<16xi32>"],
        "  %r = bitnet.dot4 %a, %b, %c : vector<16xi32>, vector<60xi8>, vector<64xi8>")),
    ("dot2-wrong-acc",
     fn(["%a: vector<16xi32>", "%b: vector<32xi8>", "%c: vector<32xi8>"], ["vector<16xi32>"],
        "  %r = bitnet.dot2 %a, %b, %c : vector<16xi32>, vector<32xi8>, vector<32xi8>")),
    ("add-pairs-mismatch",
     fn(["%a: vector<8xi32>", "%b: vector<15xi16>"], ["vector<8xi32>"],
        "  %r = bitnet.add_pairs %a, %b : vector<8xi32>, vector<15xi16>")),
    ("bitlinear-k-mismatch",
     fn(["%x: tensor<4x200xf32>", "%w: tensor<77x201xi8>", "%g: tensor<f32>"], ["tensor<4x77xf32>"],
        "  %r = bitnet.bitlinear %x, %w, %g : tensor<4x200xf32>, tensor<77x201xi8>, tensor<f32> -> tensor<4x77xf32>")),
    ("bitlinear-act-bits-7",
     fn(["%x: tensor<4x200xf32>", "%w: tensor<77x200xf32>"], ["tensor<4x77xf32>"],
        "  %r = bitnet.bitlinear %x, %w act_bits 7 : tensor<4x200xf32>, tensor<77x200xf32> -> tensor<4x77xf32>")),
]
for label, text in MUT:
    # A verifier message names the op; a parse error its file and line.
    add(f"verify-{label}", text, [], mention=["bitnet.", ".mlir:"])
for label, frac in [("0", "0.0"), ("1", "1.0"), ("1.5", "1.5"), ("negative", "-0.5"),
                    ("nan", "0x7FF8000000000000"), ("inf", "0x7FF0000000000000"),
                    ("denormal", "0x0000000000000001")]:
    text = fn(["%x: tensor<4x200xf32>"], ["tensor<4x200xf32>"],
              f"  %r = bitnet.topk_sparsify %x fraction {frac} : tensor<4x200xf32>")
    add(f"topk-fraction-{label}-to-llvm", text, PIPELINES["to-llvm"], expect="either",
        mention=["bitnet.topk_sparsify", "fraction"])

# ---------------------------------------------- kernel configurations --
TARGET = ('module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", '
          'chip = "znver4", features = #llvm.target_features<["-avx512vnni"]>>} {\n')
KC = dict(vector_bytes=32, rows_per_block=16, token_tile=2, row_tile=2, single_token_row_tile=1,
          prefetch_distance=4096, cache_line_bytes=64, decode_accumulators=4,
          i16_accumulation="true")


def configured(m=4, **over):
    kc = dict(KC, **over)
    cfg = ", ".join(f"{k} = {v}" for k, v in kc.items())
    q, p, r = f"tensor<{m}x256xi8>", "tensor<77x64xi8>", f"tensor<{m}x77xi32>"
    return (TARGET + f"func.func @f(%q: {q}, %p: {p}) -> {r} {{\n"
            f"  %r = bitnet.ternary_matmul %q, %p format <i2s> {{kernel_config = "
            f"#bitnet.ternary_kernel<{cfg}>}} : {q}, {p} -> {r}\n  return %r : {r}\n}}\n}}\n")


TO_VECTOR = ["--convert-bitnet-ternary-matmul-to-vector"]
for field, values in [("rows_per_block", [0, -1, 1000000000]), ("token_tile", [0, -3, 100000]),
                      ("row_tile", [0, 1000000]), ("vector_bytes", [3, 0, 4096]),
                      ("prefetch_distance", [-9, 2**40]), ("decode_accumulators", [3, 0, -1]),
                      ("cache_line_bytes", [0, 7]), ("single_token_row_tile", [0, 100000])]:
    for v in values:
        label = f"{field}-{v}".replace("_", "-")
        add(f"kernel-config-{label}", configured(**{field: v}), TO_VECTOR, expect="either",
            mention=[field, "kernel_config", TM], timeout=30)
        add(f"kernel-config-{label}-decode", configured(m=1, **{field: v}), TO_VECTOR,
            expect="either", mention=[field, "kernel_config", TM], timeout=30)

# ------------------------------------------------ pass options in range? --
BASE = bitlinear_const(2, 256, 64)
PACKED = TARGET + "\n".join(configured().splitlines()[1:])  # same module, for option tests
SKC = "bitnet-select-kernel-configs"
OPTS = [
    (SKC, "rows-per-block=1000000000", "either"), (SKC, "rows-per-block=-1", "error"),
    (SKC, "rows-per-block=abc", "error"), (SKC, "rows-per-block=99999999999999999999", "error"),
    (SKC, "token-tile=100000", "either"), (SKC, "token-tile=-2", "error"),
    (SKC, "row-tile=1000000", "either"), (SKC, "row-tile=-1", "error"),
    (SKC, "prefetch-distance=-5", "error"), (SKC, "prefetch-distance=1099511627776", "either"),
    (SKC, "decode-accumulators=3", "error"), (SKC, "decode-accumulators=-1", "error"),
    (SKC, "tuning-file=/nonexistent/t.json", "error"), (SKC, "tuning-file=/dev/null", "error"),
    (SKC, "tuning-file=/", "error"), (SKC, "mcpu=pentium-z9000", "error"),
    (SKC, "target=sparc", "error"), (SKC, "no-such-option=1", "error"),
    ("bitnet-parallelize-rows", "min-iterations=-5", "error"),
    ("bitnet-parallelize-rows", "min-iterations=0", "error"),
    ("bitnet-parallelize-rows", "tiles=0", "error"),
    ("bitnet-parallelize-rows", "tiles=-1", "error"),
    ("bitnet-parallelize-rows", "tiles=1000000000", "either"),
    ("bitnet-parallelize-contractions", "tiles=0", "error"),
    ("bitnet-parallelize-contractions", "tiles=-3", "error"),
    ("bitnet-tile-float-contractions", "tiles=0", "error"),
    ("bitnet-tile-float-contractions", "rows=-1", "error"),
    ("bitnet-tile-float-contractions", "cols=1000000", "either"),
    ("bitnet-tile-float-contractions", "rows=1000000", "either"),
    ("bitnet-split-empty-tensors", "max-uses=0", "error"),
    ("bitnet-split-empty-tensors", "max-uses=-1", "error"),
    ("bitnet-outline-loop-nests", "min-ops=-1", "either"),
    ("bitnet-quantize-activations", "bits=3", "error"),
    ("bitnet-quantize-activations", "bits=-8", "error"),
    ("bitnet-quantize-activations", "bits=64", "error"),
    ("bitnet-pack-ternary", "format=i9s", "error"),
    ("bitnet-pack-ternary", "mcpu=pentium-z9000", "error"),
    ("bitnet-pack-ternary", "tuning-file=/nonexistent/t.json", "error"),
    ("bitnet-set-target", "target=riscv64", "error"),
    ("bitnet-set-target", "mcpu=pentium-z9000", "error"),
    ("bitnet-set-target", "target=aarch64 mcpu=znver4", "error"),
    ("bitnet-cpu-pipeline", "target=sparc", "error"),
    ("bitnet-cpu-pipeline", "mcpu=pentium-z9000", "error"),
    ("bitnet-externalize-weights", "file=/nonexistent/dir/w.weights", "error"),
    ("bitnet-externalize-weights", "file=/", "error"),
    ("bitnet-externalize-weights", "threshold=-1", "either"),
    ("bitnet-emit-entry-point", "func=no_such_function", "error"),
    ("bitnet-emit-entry-point", "name=a b", "error"),
    ("convert-bitnet-dot4-to-llvm", "target=sparc", "error"),
]
for i, (pass_name, opt, expect) in enumerate(OPTS):
    label = opt.split("=")[0] + "-" + opt.split("=", 1)[1][:24]
    label = "".join(ch if ch.isalnum() or ch in "-." else "_" for ch in label)
    text = PACKED if pass_name == SKC else BASE
    pipeline = [f"--pass-pipeline=builtin.module({pass_name}{{{opt}}})"]
    if pass_name in ("bitnet-parallelize-rows", "bitnet-parallelize-contractions",
                     "bitnet-tile-float-contractions", "bitnet-split-empty-tensors",
                     "bitnet-outline-loop-nests", "bitnet-emit-entry-point"):
        pipeline = [f"--pass-pipeline=builtin.module(func.func(bitnet-decompose-bitlinear,"
                    f"convert-bitnet-to-linalg),{pass_name}{{{opt}}})"]
        if pass_name in ("bitnet-parallelize-rows", "bitnet-parallelize-contractions",
                         "bitnet-tile-float-contractions", "bitnet-split-empty-tensors"):
            pipeline = [f"--pass-pipeline=builtin.module(func.func(bitnet-decompose-bitlinear,"
                        f"convert-bitnet-to-linalg,{pass_name}{{{opt}}}))"]
    mention = [opt.split("=")[0], pass_name, "option"]
    add(f"option-{pass_name}-{label}", text, pipeline, expect=expect, mention=mention)
    # The same option spelled as a command-line pass flag.
    if i % 3 == 0:
        add(f"option-flag-{pass_name}-{label}", text, [f"--{pass_name}={opt}"], expect=expect,
            mention=mention)

# ------------------------------------------------------- plain garbage --
add("garbage-text", "this is not MLIR\n", [], mention=["error"])
add("binary-junk", bytes(range(256)) * 4, [], mention=["error"])
add("unterminated-function", "func.func @f() {\n  %0 = arith.constant 1 : i32\n", [],
    mention=["error"])
add("empty-file", "", [], expect="ok")
add("bytecode-truncated", b"ML\xefR\x00\x05\x07", [], mention=["bytecode", "error"])
add("unknown-dialect-attr", "func.func @f() attributes {x = #bitnet.nonsense<1>} { return }\n",
    [], mention=["bitnet"])
add("format-attr-unknown", "func.func @f() attributes {x = #bitnet.format<i9s>} { return }\n",
    [], mention=["i9s", "format"])
add("dense-resource-missing-blob",
    fn(["%x: tensor<2x256xf32>"], ["tensor<2x8xf32>"],
       "  %w = arith.constant dense_resource<missing_blob> : tensor<8x256xi8>\n"
       "  %g = arith.constant dense<0.5> : tensor<f32>\n"
       "  %r = bitnet.bitlinear %x, %w, %g : tensor<2x256xf32>, tensor<8x256xi8>, tensor<f32> -> tensor<2x8xf32>"),
    PIPELINES["cpu-avx2"], expect="either", mention=["missing_blob", "dense_resource", "bitnet"])
