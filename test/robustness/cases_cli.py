"""Surface 3: run-time inputs and flags of bitnet-run (and --emit=exe
programs), bitnet-compile and bitnet-bench.

bitnet-run cases use the `plain` fixture (y = emb[ids] + x, ids bounded by
the 97-row table) and the `decoder` fixture (tiny decoder, context 16,
vocabulary 97; PyTorch's greedy tokens as reference); see fixtures.py.
Add a case with `add(name, steps, ...)`, where `steps(ctx, d)` returns a
list of argv lists (d: a fresh directory for the case).
"""

import json
import os
import shutil
import struct

import numpy as np

from rbcore import Case, safe_name

_CASES = []
I64MIN, I64MAX = -2**63, 2**63 - 1


def cases():
    return list(_CASES)


def add(name, steps, expect="error", mention=(), needs="", check=None, timeout=60,
        max_lines=40):
    case = Case(f"cli/{name}", "cli", expect=expect, mention=list(mention), needs=needs,
                check=check, timeout=timeout, max_lines=max_lines)

    def s(ctx, name=name, steps=steps):
        d = os.path.join(ctx.work, "cli", safe_name(name))
        os.makedirs(d, exist_ok=True)
        return steps(ctx, d)

    case.steps = s
    _CASES.append(case)


# --------------------------------------------------------------- files --

def npy_bytes(descr="<i8", shape=(1, 4), data=b"", fortran=False, version=(1, 0), header=None,
              magic=b"\x93NUMPY", header_len=None):
    if header is None:
        shp = "(" + "".join(f"{d}, " if len(shape) == 1 else f"{d}, " for d in shape)
        shp = shp.rstrip(", ") + ("," if len(shape) == 1 else "") + ")"
        header = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shp}, }}"
    h = header.encode("latin1") if isinstance(header, str) else header
    lenfmt = "<H" if version[0] == 1 else "<I"
    pre = len(magic) + 2 + struct.calcsize(lenfmt)
    pad = (64 - (pre + len(h) + 1) % 64) % 64
    h = h + b" " * pad + b"\n"
    hl = len(h) if header_len is None else header_len
    return magic + bytes(version) + struct.pack(lenfmt, hl) + h + data


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def fifo(path):
    if not os.path.exists(path):
        os.mkfifo(path)
    return path


def pb_bytes(make):
    from onnx import TensorProto
    t = TensorProto(name="ids")
    make(t)
    return t.SerializeToString()


# ------------------------------------------------------- bitnet-run plain --

def plain_argv(ctx, d, ids=None, x=None, extra=(), so=None):
    p = ctx.fixture("plain")
    return [ctx.run, so or p["so"], "--input", f"ids={ids or p['ids']}",
            "--input", f"x={x or p['x']}", "--output-dir", os.path.join(d, "out"), *extra]


def check_plain(ctx, case, res):
    p = ctx.fixture("plain")
    d = os.path.join(ctx.work, "cli", safe_name(case.name[4:]), "out")
    y = np.load(os.path.join(d, "y.npy"))
    if y.shape != p["ref"].shape or not np.allclose(y, p["ref"], rtol=1e-6, atol=1e-6):
        return f"y differs from numpy: {y.ravel()[:4]} vs {p['ref'].ravel()[:4]}"
    return None


def plain_case(name, expect="error", mention=(), ids=None, x=None, extra=(), timeout=60,
               prepare=None, so=None):
    def steps(ctx, d):
        i, xx, s = ids, x, so
        if prepare:
            got = prepare(ctx, d)
            i = got.get("ids", i)
            xx = got.get("x", xx)
            s = got.get("so", s)
        return [plain_argv(ctx, d, i, xx, extra, s)]
    add(f"run-{name}", steps, expect=expect, mention=mention, needs="plain",
        check=check_plain if expect != "error" else None, timeout=timeout)


plain_case("valid", expect="ok")
plain_case("valid-threads-2-repeat-3", expect="ok", extra=("--threads", "2", "--repeat", "3"))
plain_case("valid-threads-1024", expect="either", extra=("--threads=1024",),
           mention=["--threads"])
for v in ("0", "-1", "100000", "abc", "4294967297", "", "2.5", "0x10"):
    plain_case(f"threads-{v or 'empty'}", extra=(f"--threads={v}",), mention=["--threads"])
for v in ("0", "-1", "4294967296", "abc", "1e3", "1000000001", "18446744073709551617"):
    plain_case(f"repeat-{v}", extra=("--repeat", v), mention=["--repeat"])
plain_case("max-new-tokens-without-generate", expect="either",
           extra=("--max-new-tokens", "4294967298"), mention=["--max-new-tokens"])
plain_case("unknown-flag", extra=("--frobnicate",), mention=["--frobnicate"])
plain_case("flag-value-missing-at-end", extra=("--repeat",), mention=["--repeat"])
add("run-input-bound-twice",
    lambda ctx, d: [plain_argv(ctx, d) + ["--input", f"ids={ctx.fixture('plain')['ids']}"]],
    expect="either", needs="plain", mention=["ids"], check=check_plain)
add("run-no-model", lambda ctx, d: [[ctx.run]], mention=["model"])
add("run-two-models", lambda ctx, d: [[ctx.run, ctx.fixture("plain")["so"],
                                       ctx.fixture("plain")["so"], "--print-info"]],
    needs="plain", mention=["plain.so", "argument"])
add("run-print-info", lambda ctx, d: [[ctx.run, ctx.fixture("plain")["so"], "--print-info"]],
    expect="ok", needs="plain",
    check=lambda ctx, case, res: None if "input ids i64" in res.stdout and "output y f32"
    in res.stdout else f"--print-info printed {res.stdout[:100]!r}")


def input_spec_case(name, spec, mention):
    add(f"run-input-spec-{name}", lambda ctx, d: [[
        ctx.run, ctx.fixture("plain")["so"], "--input", spec, "--input",
        f"x={ctx.fixture('plain')['x']}"]], needs="plain", mention=mention)


input_spec_case("no-equals", "ids", ["ids"])
input_spec_case("empty-name", "=ids.npy", ["''", "input"])
input_spec_case("unknown-name", "nosuch=ids.npy", ["nosuch"])
input_spec_case("empty-path", "ids=", ["ids"])
add("run-missing-input", lambda ctx, d: [[ctx.run, ctx.fixture("plain")["so"], "--input",
                                          f"x={ctx.fixture('plain')['x']}"]],
    needs="plain", mention=["ids"])


def ids_file(data_fn, name="ids.npy"):
    """prepare(): writes the ids input file from data_fn(d) (bytes or ndarray)."""
    def prep(ctx, d):
        data = data_fn(d)
        p = os.path.join(d, name)
        if isinstance(data, np.ndarray):
            np.save(p, data)
        elif isinstance(data, str):  # a path to use as is
            return {"ids": data}
        else:
            write(p, data)
        return {"ids": p}
    return prep


# Token ids outside the 97-row table.
for label, v in [("minus98", -98), ("97-beyond-vocab", 97), ("1e9", 10**9),
                 ("2pow32plus5", 2**32 + 5), ("int64min", I64MIN), ("minus1000", -1000),
                 ("int64max", I64MAX)]:
    plain_case(f"token-id-{label}", mention=["ids"],
               prepare=ids_file(lambda d, v=v: np.array([[0, v, 1, 2]], np.int64)))
VALID_IDS = np.array([[0, 5, 96, 42]], np.int64)


def check_negative_ids(ctx, case, res):
    """ids [-1, -97, 0, 96]: Gather counts negative indices from the end."""
    from fixtures import plain_embedding
    p = ctx.fixture("plain")
    y = np.load(os.path.join(ctx.work, "cli", safe_name(case.name[4:]), "out", "y.npy"))
    want = plain_embedding()[[[-1, -97, 0, 96]]] + np.load(p["x"])
    return None if np.allclose(y, want) else f"y {y.ravel()[:4]} != {want.ravel()[:4]}"


add("run-token-ids-negative-in-range",
    lambda ctx, d: [plain_argv(ctx, d, ids=ids_file(
        lambda d: np.array([[-1, -97, 0, 96]], np.int64))(ctx, d)["ids"])],
    expect="ok", needs="plain", check=check_negative_ids)
IDS_DATA = VALID_IDS.tobytes()
# Hostile .npy files for the ids input.
NPY = [
    ("missing", lambda d: os.path.join(d, "no-such.npy")),
    ("directory", lambda d: (os.makedirs(os.path.join(d, "dir.npy"), exist_ok=True),
                             os.path.join(d, "dir.npy"))[1]),
    ("dev-null", lambda d: "/dev/null"),
    ("garbage", lambda d: b"garbage\n"),
    ("empty", lambda d: b""),
    ("wrong-magic", lambda d: npy_bytes(magic=b"\x93NUMPX", data=IDS_DATA)),
    ("magic-only", lambda d: b"\x93NUMPY"),
    ("truncated-header", lambda d: npy_bytes(data=IDS_DATA)[:20]),
    ("header-length-beyond-file", lambda d: npy_bytes(data=b"", header_len=60000)),
    ("header-length-4g-v2", lambda d: npy_bytes(version=(2, 0), header_len=2**32 - 1)),
    ("header-length-zero", lambda d: npy_bytes(header_len=0, data=IDS_DATA)),
    ("version-3", lambda d: npy_bytes(version=(3, 0), data=IDS_DATA)),  # numpy's utf-8 format
    ("version-0", lambda d: npy_bytes(version=(0, 0), data=IDS_DATA)),
    ("version-99", lambda d: npy_bytes(version=(99, 0), data=IDS_DATA)),
    ("dtype-f8", lambda d: npy_bytes(descr="<f8", data=IDS_DATA)),
    ("dtype-i4", lambda d: npy_bytes(descr="<i4", data=IDS_DATA[:16])),
    ("dtype-big-endian", lambda d: npy_bytes(descr=">i8", data=VALID_IDS.astype(">i8").tobytes())),
    ("dtype-object", lambda d: npy_bytes(descr="|O", data=IDS_DATA)),
    ("dtype-unicode", lambda d: npy_bytes(descr="<U5", data=b"\0" * 80)),
    ("dtype-structured", lambda d: npy_bytes(header="{'descr': [('a', '<i8')], 'fortran_order': False, 'shape': (1, 4), }", data=IDS_DATA)),
    ("dtype-empty", lambda d: npy_bytes(descr="", data=IDS_DATA)),
    ("fortran-order", lambda d: npy_bytes(fortran=True, data=IDS_DATA)),
    ("shape-mismatch", lambda d: npy_bytes(shape=(1, 5), data=IDS_DATA + bytes(8))),
    ("shape-transposed", lambda d: npy_bytes(shape=(4, 1), data=IDS_DATA)),
    ("shape-negative", lambda d: npy_bytes(shape=(-1, 4), data=IDS_DATA)),
    ("shape-huge", lambda d: npy_bytes(shape=(2**40, 4), data=IDS_DATA)),
    ("shape-product-overflow", lambda d: npy_bytes(shape=(2**62, 2**62, 4), data=IDS_DATA)),
    ("shape-wraps-to-4", lambda d: npy_bytes(shape=(2**62 + 1, 4), data=IDS_DATA)),
    ("shape-not-a-tuple", lambda d: npy_bytes(header="{'descr': '<i8', 'fortran_order': False, 'shape': 4, }", data=IDS_DATA)),
    ("shape-unterminated", lambda d: npy_bytes(header="{'descr': '<i8', 'fortran_order': False, 'shape': (1, 4, }", data=IDS_DATA)),
    ("shape-float", lambda d: npy_bytes(header="{'descr': '<i8', 'fortran_order': False, 'shape': (1.0, 4.0), }", data=IDS_DATA)),
    ("shape-big-digits", lambda d: npy_bytes(header="{'descr': '<i8', 'fortran_order': False, 'shape': (1" + "0" * 40 + ", 4), }", data=IDS_DATA)),
    ("header-not-a-dict", lambda d: npy_bytes(header="[1, 2, 3]", data=IDS_DATA)),
    ("header-missing-shape", lambda d: npy_bytes(header="{'descr': '<i8', 'fortran_order': False, }", data=IDS_DATA)),
    ("header-python-code", lambda d: npy_bytes(header="{'descr': __import__('os').system('touch PWNED'), 'fortran_order': False, 'shape': (1, 4), }", data=IDS_DATA)),
    ("header-nul-bytes", lambda d: npy_bytes(header=b"{'descr': '<i8'\0, 'fortran_order': False, 'shape': (1, 4), }", data=IDS_DATA)),
    ("header-duplicate-keys", lambda d: npy_bytes(header="{'descr': '<i8', 'descr': '<f8', 'fortran_order': False, 'shape': (1, 4), }", data=IDS_DATA)),
    ("data-truncated", lambda d: npy_bytes(data=IDS_DATA[:20])),
    ("data-empty", lambda d: npy_bytes(data=b"")),
    ("data-trailing-bytes", lambda d: npy_bytes(data=IDS_DATA + b"extra")),
    ("scalar-0d", lambda d: npy_bytes(shape=(), header="{'descr': '<i8', 'fortran_order': False, 'shape': (), }", data=IDS_DATA[:8])),
]
for label, fn in NPY:
    expect = "either" if label in ("data-trailing-bytes", "dtype-big-endian",
                                   "header-duplicate-keys", "version-3") else "error"
    plain_case(f"npy-{label}", expect=expect, mention=["ids", "ids.npy", "dir.npy",
                                                      "no-such.npy", "/dev/null"],
               prepare=ids_file(fn))


def _fifo_ids(d):
    return fifo(os.path.join(d, "fifo.npy"))


plain_case("npy-fifo", prepare=ids_file(_fifo_ids), timeout=10, mention=["ids", "fifo.npy"])
plain_case("npy-dev-zero", prepare=ids_file(lambda d: "/dev/zero"), timeout=10,
           mention=["ids", "/dev/zero"])
plain_case("npy-dev-urandom", prepare=ids_file(lambda d: "/dev/urandom"), timeout=10,
           mention=["ids", "/dev/urandom"])


def _pb(make, name="ids.pb"):
    return ids_file(lambda d: pb_bytes(make), name=name)


def _pbset(**kw):
    def f(t):
        for k, v in kw.items():
            if isinstance(v, list):
                getattr(t, k).extend(v)
            else:
                setattr(t, k, v)
    return f


I64 = 7
PB = [
    ("garbage", ids_file(lambda d: b"garbage\xff\xff", name="ids.pb")),
    ("truncated", ids_file(lambda d: pb_bytes(_pbset(data_type=I64, dims=[1, 4],
                                                     raw_data=IDS_DATA))[:-7], name="ids.pb")),
    ("wrong-data-type", _pb(_pbset(data_type=1, dims=[1, 4], raw_data=bytes(16)))),
    ("dims-mismatch", _pb(_pbset(data_type=I64, dims=[4, 1], raw_data=IDS_DATA))),
    ("dims-negative", _pb(_pbset(data_type=I64, dims=[-1, 4], raw_data=IDS_DATA))),
    ("dims-huge", _pb(_pbset(data_type=I64, dims=[2**40, 4], raw_data=IDS_DATA))),
    ("dims-overflow", _pb(_pbset(data_type=I64, dims=[2**62, 2**62, 4], raw_data=IDS_DATA))),
    ("raw-data-short", _pb(_pbset(data_type=I64, dims=[1, 4], raw_data=IDS_DATA[:12]))),
    ("raw-data-long", _pb(_pbset(data_type=I64, dims=[1, 4], raw_data=IDS_DATA + bytes(8)))),
    ("int64-data-short", _pb(_pbset(data_type=I64, dims=[1, 4], int64_data=[0, 1]))),
    ("no-data", _pb(_pbset(data_type=I64, dims=[1, 4]))),
    ("data-type-undefined", _pb(_pbset(data_type=0, dims=[1, 4], raw_data=IDS_DATA))),
    ("data-type-string", _pb(_pbset(data_type=8, dims=[1, 4], string_data=[b"a"] * 4))),
    ("external-etc-passwd", _pb(lambda t: (_pbset(data_type=I64, dims=[1, 4], data_location=1)(t),
                                           t.external_data.add(key="location",
                                                               value="/etc/passwd")))),
    ("out-of-range-ids", _pb(_pbset(data_type=I64, dims=[1, 4], int64_data=[0, 97, 1, 2]))),
    ("empty-file", ids_file(lambda d: b"", name="ids.pb")),
]
for label, prep in PB:
    plain_case(f"pb-{label}", prepare=prep, mention=["ids"])
plain_case("pb-valid", expect="ok",
           prepare=_pb(_pbset(data_type=I64, dims=[1, 4], int64_data=list(VALID_IDS.ravel()))))


def x_file(arr):
    def prep(ctx, d):
        p = os.path.join(d, "x.npy")
        np.save(p, arr)
        return {"x": p}
    return prep


def check_nan_inf(ctx, case, res):
    p = ctx.fixture("plain")
    y = np.load(os.path.join(ctx.work, "cli", safe_name(case.name[4:]), "out", "y.npy"))
    want = p["ref"] - np.load(p["x"]) + NAN_X
    return None if np.array_equal(np.isnan(y), np.isnan(want)) and \
        np.allclose(np.nan_to_num(y), np.nan_to_num(want)) else "NaN/Inf not propagated"


NAN_X = np.zeros((1, 4, 16), np.float32)
NAN_X[0, 0, :4] = [np.nan, np.inf, -np.inf, 3.4e38]
add("run-x-nan-inf", lambda ctx, d: [plain_argv(ctx, d, x=x_file(NAN_X)(ctx, d)["x"])],
    expect="ok", needs="plain", check=check_nan_inf)
plain_case("x-dtype-f64", prepare=x_file(np.zeros((1, 4, 16), np.float64)), mention=["'x'"])
plain_case("x-dtype-f16", prepare=x_file(np.zeros((1, 4, 16), np.float16)), mention=["'x'"])

# --output-dir
plain_case("output-dir-is-a-file",
           prepare=lambda ctx, d: {}, extra=("--output-dir", "/etc/passwd"),
           mention=["/etc/passwd"])
plain_case("output-dir-nested-missing", expect="either",
           extra=("--output-dir", "/nonexistent-rb/a/b"), mention=["/nonexistent-rb"])
plain_case("output-dir-proc", extra=("--output-dir", "/proc/rb-out"), mention=["/proc/rb-out"])
add("run-output-dir-empty", lambda ctx, d: [plain_argv(ctx, d, extra=("--output-dir=",))],
    expect="either", needs="plain", mention=["--output-dir"], check=lambda ctx, case, res: None)


# Weights files for the plain library.
def weights_copy(mutate):
    """prepare(): a copy of plain.so with a mutated weights file next to it."""
    def prep(ctx, d):
        p = ctx.fixture("plain")
        so = os.path.join(d, "plain.so")
        shutil.copy(p["so"], so)
        with open(p["weights"], "rb") as f:
            data = bytearray(f.read())
        out = mutate(data, d)
        wpath = so + ".weights"
        if isinstance(out, str):
            if os.path.lexists(wpath):
                os.unlink(wpath)
            os.symlink(out, wpath)
        elif out is not None:
            write(wpath, bytes(out))
        return {"so": so}
    return prep


def _flip(offset):
    def m(data, d):
        data[offset] ^= 0xFF
        return data
    return m


WEIGHTS = [
    ("missing", lambda data, d: None),
    ("empty", lambda data, d: b""),
    ("truncated", lambda data, d: data[:len(data) // 2]),
    ("header-only", lambda data, d: data[:64]),
    ("trailing-bytes", lambda data, d: data + b"x" * 10),
    ("bad-magic", _flip(0)),
    ("bad-version", _flip(8)),
    ("bad-header-size", _flip(12)),
    ("bad-size-field", _flip(16)),
    ("bad-hash-field", _flip(24)),
    ("size-field-huge", lambda data, d: data[:16] + struct.pack("<Q", 2**63) + data[24:]),
    ("header-size-huge", lambda data, d: data[:12] + struct.pack("<I", 2**32 - 1) + data[16:]),
    ("symlink-dev-zero", lambda data, d: "/dev/zero"),
    ("symlink-directory", lambda data, d: d),
    ("symlink-fifo", lambda data, d: fifo(os.path.join(d, "w.fifo"))),
]
for label, mutate in WEIGHTS:
    plain_case(f"weights-{label}", prepare=weights_copy(mutate),
               mention=["weights", "plain.so"], timeout=10 if "fifo" in label or "zero" in label
               else 60)
# Data corrupted, header intact: only --verify-weights can tell.
plain_case("weights-data-flipped-verify", prepare=weights_copy(_flip(100)),
           extra=("--verify-weights",), mention=["weights", "plain.so"])
for label, path in [("missing", "/nonexistent-rb/w.weights"), ("dev-null", "/dev/null"),
                    ("directory", "/"), ("etc-passwd", "/etc/passwd")]:
    plain_case(f"weights-flag-{label}", extra=("--weights", path), mention=[path, "weights"])
add("run-weights-flag-fifo",
    lambda ctx, d: [plain_argv(ctx, d, extra=("--weights", fifo(os.path.join(d, "w.fifo"))))],
    needs="plain", mention=["w.fifo", "weights"], timeout=10)
add("run-weights-of-another-model",
    lambda ctx, d: [plain_argv(ctx, d, extra=("--weights", ctx.fixture("decoder")["weights"]))],
    needs="plain decoder", mention=["weights", "dec.so.weights"])


# The library itself.
def lib_variant(make):
    def prep(ctx, d):
        p = ctx.fixture("plain")
        so = os.path.join(d, "lib.so")
        with open(p["so"], "rb") as f:
            data = f.read()
        out = make(data, d)
        if isinstance(out, str):
            return {"so": out}
        write(so, out)
        shutil.copy(p["weights"], so + ".weights")
        return {"so": so}
    return prep


LIBS = [
    ("missing", lambda data, d: os.path.join(d, "no-such.so")),
    ("truncated-half", lambda data, d: data[:len(data) // 2]),
    ("truncated-100", lambda data, d: data[:100]),
    ("empty", lambda data, d: b""),
    ("text", lambda data, d: b"not a library\n"),
    ("elf-header-garbage", lambda data, d: data[:16] + bytes(48) + data[64:]),
    ("directory", lambda data, d: (os.makedirs(os.path.join(d, "dir.so"), exist_ok=True),
                                   os.path.join(d, "dir.so"))[1]),
    ("fifo", lambda data, d: fifo(os.path.join(d, "fifo.so"))),
    ("dev-null", lambda data, d: "/dev/null"),
    ("libm-not-a-model", lambda data, d: "/lib/x86_64-linux-gnu/libm.so.6"),
]
for label, make in LIBS:
    plain_case(f"lib-{label}", prepare=lib_variant(make), timeout=10 if label == "fifo" else 60,
               mention=["lib.so", "no-such.so", "dir.so", "fifo.so", "/dev/null", "libm.so.6"])
plain_case("generate-on-plain-model", extra=("--generate", "--prompt-ids", "1,2"),
           mention=["plain.so", "generative", "--generate"])

# An executable model (--emit=exe).
EXE_OK = lambda ctx, d: [[ctx.fixture("plain_exe")["exe"], "--input",  # noqa: E731
                          f"ids={ctx.fixture('plain')['ids']}", "--input",
                          f"x={ctx.fixture('plain')['x']}", "--output-dir", os.path.join(d, "out")]]
add("exe-valid", EXE_OK, expect="ok", needs="plain plain_exe", check=check_plain)
add("exe-weights-missing", lambda ctx, d: [EXE_OK(ctx, d)[0] + ["--weights", "/nonexistent-rb/w"]],
    needs="plain plain_exe", mention=["/nonexistent-rb/w", "weights"])


def _exe_moved(ctx, d):
    exe = os.path.join(d, "moved_exe")
    shutil.copy(ctx.fixture("plain_exe")["exe"], exe)
    argv = EXE_OK(ctx, d)[0]
    return [[exe] + argv[1:]]


add("exe-without-weights-file", _exe_moved, needs="plain plain_exe",
    mention=["moved_exe", "weights"])
add("exe-token-id-97",
    lambda ctx, d: [[ctx.fixture("plain_exe")["exe"], "--input",
                     f"ids={ids_file(lambda d: np.array([[97, 0, 0, 0]], np.int64))(ctx, d)['ids']}",
                     "--input", f"x={ctx.fixture('plain')['x']}"]],
    needs="plain plain_exe", mention=["ids"])
add("exe-extra-model-argument",
    lambda ctx, d: [EXE_OK(ctx, d)[0] + [ctx.fixture("plain")["so"]]], expect="either",
    needs="plain plain_exe", mention=["plain.so", "argument"],
    check=lambda ctx, case, res: None)


# Integer division at run time (not folded): x / y with y = 0 and INT64_MIN / -1.
def div_model(ctx, d):
    import onnx
    from onnx import TensorProto, helper
    g = helper.make_graph([helper.make_node("Div", ["a", "b"], ["y"], name="div")], "div",
                          [helper.make_tensor_value_info("a", TensorProto.INT64, [4]),
                           helper.make_tensor_value_info("b", TensorProto.INT64, [4])],
                          [helper.make_tensor_value_info("y", TensorProto.INT64, [4])])
    p = os.path.join(d, "div.onnx")
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), p)
    return p


def div_case(label, a, b):
    def steps(ctx, d):
        so = os.path.join(d, "div.so")
        np.save(os.path.join(d, "a.npy"), np.array(a, np.int64))
        np.save(os.path.join(d, "b.npy"), np.array(b, np.int64))
        return [[ctx.compile, div_model(ctx, d), "--emit=lib", "-o", so],
                [ctx.run, so, "--input", f"a={d}/a.npy", "--input", f"b={d}/b.npy",
                 "--output-dir", os.path.join(d, "out")]]
    # Any result is acceptable (ONNX leaves it undefined); a crash is not.
    add(f"run-div-int64-{label}", steps, expect="either", mention=["div", "'b'", "zero"],
        check=lambda ctx, case, res: None)


div_case("by-zero", [7, 1, 2, 3], [0, 1, 1, 1])
div_case("int64min-by-minus1", [I64MIN, 1, 2, 3], [-1, 1, 1, 1])


# A library compiled for a CPU this host cannot run (AVX-512 VNNI kernels):
# refused at load, or run right; never SIGILL.
def _znver4_lib(ctx, d):
    dec = ctx.fixture("decoder")
    so = os.path.join(d, "zen4.so")
    return [[ctx.compile, dec["onnx"], "--emit=lib", "--mcpu=znver4", "-o", so,
             "--max-context=16", "--prefill-tokens=4"],
            [ctx.run, so, "--generate", "--prompt-ids", dec["prompt"], "--max-new-tokens", "6"]]


def host_has_avx512():
    try:
        with open("/proc/cpuinfo") as f:
            return "avx512f" in f.read()
    except OSError:
        return False


if not host_has_avx512():
    add("run-lib-compiled-for-znver4-on-avx2-host", _znver4_lib, needs="decoder",
        expect="either", mention=["znver4", "avx512", "AVX-512", "zen4.so"],
        check=lambda ctx, case, res: check_tokens(ctx, case, res, False))

# ------------------------------------------------------ --generate (decoder) --


def gen_argv(ctx, prompt=None, n="6", extra=(), so=None):
    dec = ctx.fixture("decoder")
    return [ctx.run, so or dec["so"], "--generate", "--prompt-ids",
            dec["prompt"] if prompt is None else prompt, "--max-new-tokens", str(n), *extra]


def check_tokens(ctx, case, res, prefix=True):
    want = ctx.fixture("decoder")["tokens"]
    try:
        got = [int(t) for t in res.stdout.strip().split(",") if t.strip()]
    except ValueError:
        return f"stdout is not token ids: {res.stdout[:80]!r}"
    n = min(len(got), len(want))
    if got[:n] != want[:n] or (not prefix and len(got) != len(want)) or not got:
        return f"tokens {got} != PyTorch's {want}"
    return None


def gen_case(name, expect="error", mention=(), check=None, **kw):
    add(f"generate-{name}", lambda ctx, d: [gen_argv(ctx, **kw)], expect=expect,
        mention=mention, needs="decoder", check=check)


gen_case("valid", expect="ok", check=lambda ctx, case, res: check_tokens(ctx, case, res, False))
gen_case("valid-threads-2", expect="ok", extra=("--threads", "2"),
         check=lambda ctx, case, res: check_tokens(ctx, case, res, False))
for label, ids in [("minus98", "-98"), ("97-beyond-vocab", "3,97"), ("1e9", "1000000000"),
                   ("2pow32plus5", "4294967301"), ("int64min", "-9223372036854775808"),
                   ("overflow-digits", "99999999999999999999"), ("empty", ""),
                   ("double-comma", "1,,2"), ("letters", "a,b"), ("trailing-comma", "1,2,"),
                   ("hex", "0x10")]:
    gen_case(f"prompt-{label}", prompt=ids, mention=["--prompt-ids", "token", "vocabulary",
                                                     ids or "''"])
# Lenient but unambiguous spellings (" 1", "+5") may be taken as numbers.
for label, ids in [("leading-space", " 1"), ("plus-sign", "+5")]:
    gen_case(f"prompt-{label}", prompt=ids, expect="either", mention=["--prompt-ids", ids],
             check=lambda ctx, case, res: None if res.stdout.strip() else "no tokens")
gen_case("prompt-longer-than-context", prompt=",".join(["1"] * 20),
         mention=["context", "prompt"])
gen_case("prompt-fills-context", expect="either", prompt=",".join(["1"] * 16),
         mention=["context", "prompt"], check=lambda ctx, case, res: None if res.stdout.strip()
         else "no token printed")
for v in ("4294967298", "-1", "0", "abc", "1073741825"):
    gen_case(f"max-new-tokens-{v}", n=v, mention=["--max-new-tokens"])
for v in ("100", "1073741824"):
    gen_case(f"max-new-tokens-{v}-beyond-context", expect="either", n=v,
             mention=["--max-new-tokens", "context"], check=check_tokens)
gen_case("threads-100000", extra=("--threads", "100000"), mention=["--threads"])
gen_case("logits-out-directory", extra=("--logits-out", "/"), mention=["/", "logits"])
gen_case("logits-out-missing-dir", extra=("--logits-out", "/nonexistent-rb/l.npy"),
         mention=["/nonexistent-rb/l.npy"])
add("generate-with-input", lambda ctx, d: [gen_argv(ctx) + ["--input", "x=x.npy"]],
    needs="decoder", mention=["--input", "--generate"])
add("generate-without-prompt", lambda ctx, d: [[ctx.run, ctx.fixture("decoder")["so"],
                                                "--generate"]],
    needs="decoder", mention=["--prompt-ids"])
add("generate-print-info", lambda ctx, d: [[ctx.run, ctx.fixture("decoder")["so"],
                                            "--print-info"]],
    expect="ok", needs="decoder",
    check=lambda ctx, case, res: None if "state past_key_values.0.key" in res.stdout
    else f"--print-info: {res.stdout[:120]!r}")
add("decoder-single-run-without-inputs", lambda ctx, d: [[ctx.run, ctx.fixture("decoder")["so"],
                                                          "--output-dir", os.path.join(d, "o")]],
    needs="decoder", mention=["input_ids", "missing"])


def _dec_weights(mutate, label):
    def steps(ctx, d):
        dec = ctx.fixture("decoder")
        so = os.path.join(d, "dec.so")
        shutil.copy(dec["so"], so)
        with open(dec["weights"], "rb") as f:
            data = bytearray(f.read())
        out = mutate(data)
        if out is not None:
            write(so + ".weights", bytes(out))
        return [gen_argv(ctx, so=so)]
    return steps


add("generate-weights-missing", _dec_weights(lambda b: None, "missing"), needs="decoder",
    mention=["weights", "dec.so"])
add("generate-weights-truncated", _dec_weights(lambda b: b[:1000], "trunc"), needs="decoder",
    mention=["weights", "dec.so"])

# ------------------------------------------------------------ bitnet-compile --


def relu(ctx):
    return ctx.fixture("relu")["onnx"]


def compile_case(name, extra, mention, expect="error", needs="relu", model=relu, emit="mlir",
                 timeout=60, steps_after=None, check=None):
    def steps(ctx, d):
        args = [a(ctx, d) if callable(a) else a for a in extra]
        m = model(ctx) if callable(model) else model
        out = os.path.join(d, "out." + ("so" if emit == "lib" else emit))
        argv = [ctx.compile, m, *args] if emit is None else \
            [ctx.compile, m, f"--emit={emit}", "-o", out, *args]
        s = [argv]
        if steps_after:
            s += steps_after(ctx, d, out)
        return s
    add(f"compile-{name}", steps, expect=expect, mention=mention, needs=needs, timeout=timeout,
        check=check)


add("compile-no-arguments", lambda ctx, d: [[ctx.compile]], mention=["input", "model", "argument"])
compile_case("unknown-flag", ["--frobnicate"], ["--frobnicate", "frobnicate"])
for label, flag in [("emit-wasm", "--emit=wasm"), ("target-sparc", "--target=sparc"),
                    ("mcpu-bogus", "--mcpu=pentium-z9000"), ("stop-after-bogus", "--stop-after=lower"),
                    ("start-after-onnx", "--start-after=llvm"),
                    ("weights-threshold-abc", "--weights-threshold=abc"),
                    ("weights-threshold-overflow", "--weights-threshold=" + "9" * 30),
                    ("parallel-min-iterations-minus5", "--parallel-min-iterations=-5"),
                    ("parallel-min-iterations-abc", "--parallel-min-iterations=abc"),
                    ("decode-prefetch-distance-minus2", "--decode-prefetch-distance=-2"),
                    ("decode-accumulators-3", "--decode-accumulators=3"),
                    ("decode-accumulators-minus1", "--decode-accumulators=-1"),
                    ("openmp-maybe", "--openmp=maybe")]:
    compile_case(label, [flag], [flag.split("=")[0], flag.split("=", 1)[-1][:12]])
compile_case("weights-threshold-minus1", ["--weights-threshold=-1"], ["--weights-threshold"],
             expect="either", emit="lib")
for label, shape in [("negative", "x=-1x3"), ("zero", "x=0x3"), ("overflow", "x=" + "9" * 20 + "x3"),
                     ("trailing-x", "x=2x"), ("no-name", "=2x3"), ("no-dims", "x="),
                     ("contradicts", "x=4294967296x4294967296"), ("unknown-input", "q=2x3"),
                     ("rank-mismatch", "x=2x3x1")]:
    compile_case(f"input-shape-{label}", ["--input-shape", shape], ["--input-shape", shape[:8]])


def dyn_relu(ctx):
    import onnx
    from onnx import TensorProto, helper
    p = os.path.join(ctx.work, "fixtures", "dyn_relu.onnx")
    if not os.path.exists(p):
        os.makedirs(os.path.dirname(p), exist_ok=True)
        g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "dyn",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])])
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), p + ".tmp")
        os.replace(p + ".tmp", p)
    return p


for label, shape, expect in [("huge", "x=4294967296x3", "either"),
                             ("int64max", "x=9223372036854775807x3", "either"),
                             ("negative", "x=-5x3", "error"), ("zero", "x=0x3", "either")]:
    compile_case(f"dynamic-input-shape-{label}", ["--input-shape", shape] if shape else [],
                 ["--input-shape", "'x'", "dynamic", "node 'relu'"], expect=expect,
                 model=dyn_relu, needs="",
                 emit="mlir")
# Unsized, a symbolic dimension compiles at a stated default (the batch: 1).
compile_case("dynamic-input-shape-missing", [], [], expect="ok", model=dyn_relu, needs="",
             emit="mlir",
             check=lambda ctx, case, res: None if "('batch') compiled as 1" in res.stderr
             else "no remark stating the size the dimension was compiled for")
compile_case("model-missing", [], ["no-such.onnx"], model=lambda ctx: "/nonexistent-rb/no-such.onnx")
compile_case("model-directory", [], ["/tmp"], model=lambda ctx: "/tmp", needs="")
compile_case("model-dev-null", [], ["/dev/null"], model=lambda ctx: "/dev/null", needs="")
compile_case("model-dev-zero", [], ["/dev/zero"], model=lambda ctx: "/dev/zero", needs="",
             timeout=10)
add("compile-model-fifo", lambda ctx, d: [[ctx.compile, fifo(os.path.join(d, "m.onnx")),
                                           "--emit=mlir", "-o", os.path.join(d, "o.mlir")]],
    mention=["m.onnx"], timeout=10)
add("compile-mlir-garbage", lambda ctx, d: [[ctx.compile, write(os.path.join(d, "g.mlir"),
                                                                b"garbage {"), "--emit=obj",
                                             "-o", os.path.join(d, "o.o")]],
    mention=["g.mlir"])
add("compile-start-after-llvm-garbage",
    lambda ctx, d: [[ctx.compile, write(os.path.join(d, "g.mlir"), b"func.func @f() {"),
                     "--start-after=llvm", "--emit=obj", "-o", os.path.join(d, "o.o")]],
    mention=["g.mlir"])
add("compile-start-after-llvm-on-import-ir",
    lambda ctx, d: [[ctx.compile, relu(ctx), "--stop-after=import", "-o",
                     os.path.join(d, "i.mlir")],
                    [ctx.compile, os.path.join(d, "i.mlir"), "--start-after=llvm", "--emit=obj",
                     "-o", os.path.join(d, "o.o")]],
    needs="relu", mention=["i.mlir", "llvm", "--start-after"])
add("compile-output-in-missing-directory",
    lambda ctx, d: [[ctx.compile, relu(ctx), "--emit=mlir", "-o", "/nonexistent-rb/out.mlir"]],
    needs="relu", mention=["/nonexistent-rb/out.mlir"])
add("compile-output-missing-dir-lib",
    lambda ctx, d: [[ctx.compile, relu(ctx), "--emit=lib", "-o", "/nonexistent-rb/out.so"]],
    needs="relu", mention=["/nonexistent-rb/out.so"])
add("compile-output-is-directory",
    lambda ctx, d: [[ctx.compile, relu(ctx), "--emit=obj", "-o", d]], needs="relu",
    mention=["compile-output-is-directory"])
add("compile-output-dev-full",
    lambda ctx, d: [[ctx.compile, relu(ctx), "--emit=mlir", "-o", "/dev/full"]], needs="relu",
    mention=["/dev/full"])
for label, linker in [("bin-false", "/bin/false"), ("empty", ""), ("not-executable", "/etc/passwd")]:
    # An empty --linker may mean the default linker.
    add(f"compile-linker-{label}",
        lambda ctx, d, linker=linker: [[ctx.compile, relu(ctx), "--emit=lib", "-o",
                                        os.path.join(d, "o.so"), f"--linker={linker}"]],
        needs="relu", mention=["link", "--linker", linker or "''"],
        expect="either" if not linker else "error", check=lambda ctx, case, res: None)


def tuning(content, name="t.json"):
    return lambda ctx, d: "--tuning-file=" + write(os.path.join(d, name),
                                                    content.encode() if isinstance(content, str)
                                                    else content)


# (0 means "derived from the target" for the kernel fields, as for the passes.)
TUNING_LEGAL = ("rows-per-block-0", "rows-per-block-huge", "float-matmul-cols-0")
TUNING = [
    ("garbage", "not json"), ("empty", ""), ("list", "[1, 2]"),
    ("wrong-types", json.dumps({"ternary_matmul": [{"m": "big", "k": 1}]})),
    ("rows-per-block-0", json.dumps({"ternary_matmul": [{"m": 64, "k": 256, "rows_per_block": 0}]})),
    ("rows-per-block-negative", json.dumps({"ternary_matmul": [{"m": 64, "k": 256, "rows_per_block": -8}]})),
    ("rows-per-block-huge", json.dumps({"ternary_matmul": [{"m": 64, "k": 256, "rows_per_block": 10**12}]})),
    ("token-tile-negative", json.dumps({"ternary_matmul": [{"m": 64, "k": 256, "token_tile": -1}]})),
    ("decode-accumulators-3", json.dumps({"ternary_matmul": [{"m": 64, "k": 256, "decode_accumulators": 3}]})),
    ("format-unknown", json.dumps({"ternary_matmul": [{"m": 64, "k": 256, "format": "i9s"}]})),
    ("unknown-key", json.dumps({"ternary_matmul": [{"m": 64, "k": 256, "colour": 1}]})),
    ("unknown-section", json.dumps({"frobnicate": []})),
    ("float-matmul-cols-0", json.dumps({"float_matmul": [{"m": 64, "n": 128, "k": 256, "cols": 0}]})),
    ("nested-10000", "[" * 10000 + "]" * 10000),
    ("number-overflow", '{"ternary_matmul": [{"m": 1e400, "k": 256}]}'),
    ("invalid-utf8", b'{"ternary_matmul": [{"m": 64, "k": 256, "format": "\xff\xfe"}]}'),
]
for label, content in TUNING:
    compile_case(f"tuning-file-{label}", [tuning(content)], ["t.json", "tuning"],
                 expect="either" if label in TUNING_LEGAL else "error")
compile_case("tuning-file-directory", ["--tuning-file=/tmp"], ["/tmp", "tuning"])
compile_case("tuning-file-fifo", [lambda ctx, d: "--tuning-file=" + fifo(os.path.join(d, "t.fifo"))],
             ["t.fifo", "tuning"], timeout=10)
compile_case("tuning-file-dev-zero", ["--tuning-file=/dev/zero"], ["/dev/zero", "tuning"],
             timeout=10)

# Generative flags on the tiny decoder (errors must come before any work).


def dec_onnx(ctx):
    return ctx.fixture("decoder")["onnx"]


def gen_after(ctx, d, out):
    dec = ctx.fixture("decoder")
    return [[ctx.run, out, "--generate", "--prompt-ids", dec["prompt"], "--max-new-tokens", "6"]]


for label, flag, expect in [
        ("max-context-2pow31", "--max-context=2147483648", "either"),
        ("max-context-0", "--max-context=0", "error"),
        ("max-context-minus1", "--max-context=-1", "error"),
        ("max-context-1", "--max-context=1", "error"),
        ("max-context-abc", "--max-context=abc", "error"),
        ("max-context-int64max", "--max-context=9223372036854775807", "error"),
        ("max-context-below-prefill", "--max-context=8", "either"),
        ("prefill-tokens-0", "--prefill-tokens=0", "error"),
        ("prefill-tokens-minus1", "--prefill-tokens=-1", "error"),
        ("prefill-tokens-above-context", "--prefill-tokens=1000", "error"),
        ("prefill-tokens-2pow31", "--prefill-tokens=2147483648", "error"),
        ("context-buckets-abc", "--context-buckets=abc", "error"),
        ("context-buckets-descending", "--context-buckets=256,128", "error"),
        ("context-buckets-equal-capacity", "--context-buckets=512", "error"),
        ("context-buckets-1", "--context-buckets=1", "error"),
        ("context-buckets-negative", "--context-buckets=-4", "error"),
        ("context-buckets-duplicate", "--context-buckets=128,128", "error"),
        ("context-buckets-trailing-comma", "--context-buckets=128,", "error"),
        ("context-buckets-zero-and-more", "--context-buckets=0,128", "error")]:
    compile_case(f"decoder-{label}", [flag], [flag.split("=")[0], flag.split("=")[1][:10],
                                              flag.split("=")[0][2:].replace("-", " ")],
                 expect=expect, needs="decoder", model=dec_onnx,
                 emit="lib" if expect == "either" else "mlir", timeout=120,
                 steps_after=gen_after if expect == "either" else None,
                 check=check_tokens if expect == "either" else None)

# Function names: symbols a model must not take over, and odd spellings.
for fname in ("bitnet_run", "malloc", "memrefCopy", "", "a\nb", "a b"):
    def steps(ctx, d, fname=fname):
        p = ctx.fixture("plain")
        so = os.path.join(d, "f.so")
        return [[ctx.compile, p["onnx"], "--emit=lib", "-o", so, f"--function-name={fname}"],
                plain_argv(ctx, d, so=so)]
    label = {"": "empty", "a\nb": "newline", "a b": "space"}.get(fname, fname)
    add(f"compile-function-name-{label}", steps, expect="either", needs="plain",
        mention=["--function-name", fname or "''"], check=check_plain)

# ----------------------------------------------------------------- bitnet-bench --


def bench_case(name, args, mention, expect="error", timeout=60, check=None):
    add(f"bench-{name}", lambda ctx, d: [[ctx.bench, *args]], expect=expect, mention=mention,
        timeout=timeout, check=check)


QUICK = ["--quick", "--n=1", "--num-threads=1", "--cache=hot", "--shape=64x256"]
if not host_has_avx512():
    for cpu in ("znver4", "skylake-avx512", "sapphirerapids", "cascadelake", "x86-64-v4"):
        bench_case(f"mcpu-{cpu}-on-avx2-host", ["--mcpu=" + cpu, *QUICK], [cpu])
bench_case("mcpu-bogus", ["--mcpu=pentium-z9000"], ["pentium-z9000"])
bench_case("mcpu-aarch64-cpu", ["--mcpu=neoverse-n1", *QUICK], ["neoverse-n1"])
bench_case("valid-tiny", QUICK, [], expect="ok")
for label, args, exp in [
        ("num-threads-100000", ["--num-threads=100000"], "either"),
        ("num-threads-minus1", ["--num-threads=-1"], "error"),
        ("num-threads-abc", ["--num-threads=abc"], "error"),
        ("n-minus5", ["--n=-5"], "error"),
        ("n-2pow32", ["--n=4294967296"], "either"),
        ("n-int64max", ["--n=9223372036854775807"], "either"),
        ("shape-2pow32-square", ["--shape=4294967296x4294967296"], "either"),
        ("shape-negative", ["--shape=-4x64"], "error"),
        ("shape-k-negative", ["--shape=64x-4"], "error"),
        ("shape-letters", ["--shape=axb"], "error"),
        ("shape-k-not-multiple-of-4", ["--shape=64x63"], "either"),
        ("shape-zero", ["--shape=0x0"], "error"),
        ("shape-overflow-digits", ["--shape=" + "9" * 30 + "x64"], "error"),
        ("cache-empty", ["--cache="], "error"),
        ("cache-warm", ["--cache=hot,warm"], "error"),
        ("tuning-file-missing", ["--tuning-file=/nonexistent-rb/t.json"], "error"),
        ("tuning-file-dev-null", ["--tuning-file=/dev/null"], "error"),
        ("save-kernel-missing-dir", ["--save-kernel=/nonexistent-rb/k.o"], "error"),
        ("decode-accumulators-3", ["--decode-accumulators=3"], "error"),
        ("decode-prefetch-distance-minus2", ["--decode-prefetch-distance=-2"], "error"),
        ("unknown-flag", ["--frobnicate"], "error")]:
    base = [a for a in QUICK if not any(a.startswith(x.split("=")[0] + "=") for x in args)]
    bench_case(label, base + args, [args[0].split("=")[0].lstrip("-"), args[0][:14],
                                    args[0].split("=")[-1][:16]],
               expect=exp, check=(lambda ctx, case, res: None) if exp != "error" else None)
