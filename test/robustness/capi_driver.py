#!/usr/bin/env python3
"""Drives one C API misuse through ctypes (include/bitnet-c/bitnet.h).

  capi_driver.py LIBBITNET_RUNTIME.so ACTION PLAIN.so DECODER.so WORKDIR REFTOKENS

Exit 0 and "ok: ..." when the API behaves as its header documents (NULL or -1
with a message, or the right result), 3 and "WRONG: ..." otherwise; a crash
shows as a signal.  Each action is one function below (ACTIONS).
"""

import ctypes as C
import os
import shutil
import sys

SIZE_MAX = 2**64 - 1


class TensorInfo(C.Structure):
    _fields_ = [("name", C.c_char_p), ("dtype", C.c_int), ("rank", C.c_int),
                ("shape", C.POINTER(C.c_int64)), ("bytes", C.c_size_t), ("state", C.c_int),
                ("has_bounds", C.c_int), ("lower_bound", C.c_int64), ("upper_bound", C.c_int64)]


def bind(lib):
    P, I, I64, SZ, S = C.c_void_p, C.c_int, C.c_int64, C.c_size_t, C.c_char_p
    sig = {
        "bitnet_model_load": (P, [S, P, SZ]),
        "bitnet_model_load_with_weights": (P, [S, S, P, SZ]),
        "bitnet_model_load_linked": (P, [S, P, SZ]),
        "bitnet_model_free": (None, [P]),
        "bitnet_model_num_inputs": (I, [P]),
        "bitnet_model_num_outputs": (I, [P]),
        "bitnet_model_input": (C.POINTER(TensorInfo), [P, I]),
        "bitnet_model_output": (C.POINTER(TensorInfo), [P, I]),
        "bitnet_model_find_input": (I, [P, S]),
        "bitnet_model_find_output": (I, [P, S]),
        "bitnet_model_set_num_threads": (I, [P, I]),
        "bitnet_model_run": (I, [P, P, P]),
        "bitnet_model_check_inputs": (I, [P, P, P, SZ]),
        "bitnet_model_verify_weights": (I, [P, P, SZ]),
        "bitnet_model_is_generative": (I, [P]),
        "bitnet_model_max_context": (I64, [P]),
        "bitnet_model_vocab_size": (I64, [P]),
        "bitnet_session_new": (P, [P, P, SZ]),
        "bitnet_session_free": (None, [P]),
        "bitnet_session_reset": (None, [P]),
        "bitnet_session_length": (I64, [P]),
        "bitnet_session_append": (I, [P, P, SZ, P]),
        "bitnet_dtype_size": (SZ, [I]),
        "bitnet_dtype_name": (S, [I]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib


class Wrong(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Wrong(what)


class Env:
    def __init__(self, lib, plain, decoder, work, ref):
        self.lib, self.plain, self.decoder, self.work = lib, plain, decoder, work
        self.ref = [int(t) for t in ref.split(",")] if ref else []
        self.err = C.create_string_buffer(512)

    def msg(self):
        return self.err.value.decode("utf-8", "replace")

    def load(self, path=None):
        m = self.lib.bitnet_model_load((path or self.plain).encode(), self.err, 512)
        expect(m, f"cannot load {path or self.plain}: {self.msg()}")
        return m

    def session(self):
        m = self.load(self.decoder)
        s = self.lib.bitnet_session_new(m, self.err, 512)
        expect(s, f"session_new failed: {self.msg()}")
        return m, s

    def plain_buffers(self, ids=(0, 5, 96, 42)):
        ids_buf = (C.c_int64 * 4)(*ids)
        x = (C.c_float * 64)()
        y = (C.c_float * 64)()
        ins = (C.c_void_p * 2)(C.cast(ids_buf, C.c_void_p), C.cast(x, C.c_void_p))
        outs = (C.c_void_p * 1)(C.cast(y, C.c_void_p))
        return ins, outs, (ids_buf, x, y)


def null_or_message(env, m, what):
    expect(not m, f"{what}: returned a model")
    expect(env.msg(), f"{what}: NULL without a message")
    return f"NULL: {env.msg()[:100]}"


ACTIONS = {}


def action(fn):
    ACTIONS[fn.__name__.replace("_", "-")] = fn
    return fn


# ---------------------------------------------------------------- loading --
@action
def load_null_path(env):
    return null_or_message(env, env.lib.bitnet_model_load(None, env.err, 512), "load(NULL)")


@action
def load_empty_path(env):
    return null_or_message(env, env.lib.bitnet_model_load(b"", env.err, 512), "load('')")


@action
def load_missing_null_error_buffer(env):
    m = env.lib.bitnet_model_load(b"/nonexistent-rb/x.so", None, 512)
    expect(not m, "returned a model")
    return "NULL"


@action
def load_missing_error_size_0(env):
    env.err.value = b"untouched"
    m = env.lib.bitnet_model_load(b"/nonexistent-rb/x.so", env.err, 0)
    expect(not m, "returned a model")
    expect(env.err.value == b"untouched", f"wrote {env.err.value!r} into a 0-byte buffer")
    return "NULL, buffer untouched"


@action
def load_missing_error_size_1(env):
    env.err.value = b"xx"
    m = env.lib.bitnet_model_load(b"/nonexistent-rb/x.so", env.err, 1)
    expect(not m, "returned a model")
    expect(env.err.raw[0] == 0 and env.err.raw[1] == ord("x"), f"buffer {env.err.raw[:3]!r}")
    return "NULL, 1-byte buffer NUL-terminated"


@action
def load_directory(env):
    return null_or_message(env, env.lib.bitnet_model_load(b"/tmp", env.err, 512), "load(/tmp)")


@action
def load_text_file(env):
    return null_or_message(env, env.lib.bitnet_model_load(b"/etc/passwd", env.err, 512),
                           "load(/etc/passwd)")


@action
def load_libm(env):
    return null_or_message(env, env.lib.bitnet_model_load(b"/lib/x86_64-linux-gnu/libm.so.6",
                                                          env.err, 512), "load(libm)")


@action
def load_truncated_library(env):
    p = os.path.join(env.work, "trunc.so")
    with open(env.plain, "rb") as f:
        data = f.read()
    with open(p, "wb") as f:
        f.write(data[:len(data) // 3])
    shutil.copy(env.plain + ".weights", p + ".weights")
    return null_or_message(env, env.lib.bitnet_model_load(p.encode(), env.err, 512), "truncated")


@action
def load_with_weights_null_is_default(env):
    m = env.lib.bitnet_model_load_with_weights(env.plain.encode(), None, env.err, 512)
    expect(m, f"NULL weights path refused: {env.msg()}")
    env.lib.bitnet_model_free(m)
    return "loaded"


@action
def load_with_weights_missing(env):
    return null_or_message(env, env.lib.bitnet_model_load_with_weights(
        env.plain.encode(), b"/nonexistent-rb/w", env.err, 512), "missing weights")


@action
def load_with_weights_of_decoder(env):
    return null_or_message(env, env.lib.bitnet_model_load_with_weights(
        env.plain.encode(), (env.decoder + ".weights").encode(), env.err, 512), "foreign weights")


@action
def load_with_weights_empty_path(env):
    return null_or_message(env, env.lib.bitnet_model_load_with_weights(
        env.plain.encode(), b"", env.err, 512), "weights ''")


@action
def load_linked_in_non_model_process(env):
    return null_or_message(env, env.lib.bitnet_model_load_linked(None, env.err, 512), "linked")


@action
def free_null(env):
    env.lib.bitnet_model_free(None)
    return "no-op"


@action
def load_twice_free_twice(env):
    a, b = env.load(), env.load()
    env.lib.bitnet_model_free(a)
    ins, outs, keep = env.plain_buffers()
    expect(env.lib.bitnet_model_run(b, ins, outs) == 0, "second model does not run")
    env.lib.bitnet_model_free(b)
    return "both freed"


# ------------------------------------------------------------ describing --
@action
def num_inputs_null(env):
    return f"returned {env.lib.bitnet_model_num_inputs(None)}"


@action
def num_outputs_null(env):
    return f"returned {env.lib.bitnet_model_num_outputs(None)}"


@action
def input_null_model(env):
    expect(not env.lib.bitnet_model_input(None, 0), "input(NULL, 0) returned a tensor")
    return "NULL"


def _index(env, fn, i):
    m = env.load()
    expect(not getattr(env.lib, fn)(m, i), f"{fn}(m, {i}) returned a tensor")
    return "NULL"


for _fn, _i in [("bitnet_model_input", -1), ("bitnet_model_input", 2),
                ("bitnet_model_input", 2**31 - 1), ("bitnet_model_input", -2**31),
                ("bitnet_model_output", -1), ("bitnet_model_output", 1),
                ("bitnet_model_output", 2**31 - 1)]:
    ACTIONS[f"{_fn[13:]}-index-{_i}".replace("--", "-minus")] = \
        (lambda env, _fn=_fn, _i=_i: _index(env, _fn, _i))


@action
def input_info_right(env):
    m = env.load()
    t = env.lib.bitnet_model_input(m, 0).contents
    expect(t.name == b"ids" and t.rank == 2 and t.shape[0] == 1 and t.shape[1] == 4 and
           t.bytes == 32, f"ids described as {t.name} rank {t.rank} bytes {t.bytes}")
    # Gather takes negative indices: [-97, 97).
    expect(t.has_bounds == 1 and t.lower_bound == -97 and t.upper_bound == 97,
           f"ids bounds {t.has_bounds} [{t.lower_bound}, {t.upper_bound})")
    return "ids i64 1x4, bounds [-97, 97)"


@action
def find_input_null_name(env):
    m = env.load()
    r = env.lib.bitnet_model_find_input(m, None)
    expect(r == -1, f"returned {r}")
    return "-1"


@action
def find_output_null_name(env):
    m = env.load()
    r = env.lib.bitnet_model_find_output(m, None)
    expect(r == -1, f"returned {r}")
    return "-1"


@action
def find_input_null_model(env):
    r = env.lib.bitnet_model_find_input(None, b"ids")
    expect(r == -1, f"returned {r}")
    return "-1"


@action
def find_input_unknown_and_empty(env):
    m = env.load()
    for name in (b"nosuch", b"", b"ids\n", b"i"):
        r = env.lib.bitnet_model_find_input(m, name)
        expect(r == -1, f"find_input({name!r}) = {r}")
    return "-1"


for _n in (0, -1, 100000, 1025, -2**31, 2**31 - 1):
    def _threads(env, n=_n):
        m = env.load()
        r = env.lib.bitnet_model_set_num_threads(m, n)
        expect(r == -1, f"set_num_threads({n}) returned {r}")
        ins, outs, keep = env.plain_buffers()
        expect(env.lib.bitnet_model_run(m, ins, outs) == 0, "run after refused threads failed")
        return "-1, model still runs"
    ACTIONS[f"set-num-threads-{_n}".replace("--", "-minus")] = _threads


@action
def set_num_threads_1024(env):
    m = env.load()
    r = env.lib.bitnet_model_set_num_threads(m, 1024)
    expect(r == 0, f"set_num_threads(1024) returned {r}")
    return "0"


@action
def set_num_threads_null_model(env):
    r = env.lib.bitnet_model_set_num_threads(None, 2)
    expect(r == -1, f"returned {r}")
    return "-1"


# --------------------------------------------------------------- running --
@action
def run_valid(env):
    import numpy as np
    m = env.load()
    ins, outs, (ids, x, y) = env.plain_buffers()
    expect(env.lib.bitnet_model_run(m, ins, outs) == 0, "run failed")
    emb = ((np.arange(97 * 16).reshape(97, 16) % 13) - 6).astype(np.float32) * 0.25
    want = emb[[0, 5, 96, 42]].ravel()
    got = np.frombuffer(y, np.float32)
    expect(np.allclose(got, want), f"y {got[:4]} != {want[:4]}")
    return "right result"


@action
def run_null_model(env):
    ins, outs, keep = env.plain_buffers()
    expect(env.lib.bitnet_model_run(None, ins, outs) == -1, "not -1")
    return "-1"


@action
def run_null_inputs(env):
    m = env.load()
    ins, outs, keep = env.plain_buffers()
    expect(env.lib.bitnet_model_run(m, None, outs) == -1, "not -1")
    return "-1"


@action
def run_null_outputs(env):
    m = env.load()
    ins, outs, keep = env.plain_buffers()
    expect(env.lib.bitnet_model_run(m, ins, None) == -1, "not -1")
    return "-1"


@action
def run_null_input_entry(env):
    m = env.load()
    ins, outs, keep = env.plain_buffers()
    ins[1] = None
    expect(env.lib.bitnet_model_run(m, ins, outs) == -1, "not -1")
    return "-1"


@action
def run_null_output_entry(env):
    m = env.load()
    ins, outs, keep = env.plain_buffers()
    outs[0] = None
    expect(env.lib.bitnet_model_run(m, ins, outs) == -1, "not -1")
    return "-1"


for _label, _v in [("minus98", -98), ("97", 97), ("1e9", 10**9), ("2pow32plus5", 2**32 + 5),
                   ("int64min", -2**63)]:
    def _bad_ids(env, v=_v):
        m = env.load()
        ins, outs, keep = env.plain_buffers((0, v, 1, 2))
        r = env.lib.bitnet_model_check_inputs(m, ins, env.err, 512)
        expect(r == -1, f"check_inputs accepted id {v}")
        expect(b"ids" in env.err.value, f"message does not name ids: {env.msg()}")
        r = env.lib.bitnet_model_run(m, ins, outs)
        expect(r == -1, f"run accepted id {v}")
        return f"-1: {env.msg()[:80]}"
    ACTIONS[f"token-id-{_label}"] = _bad_ids


@action
def check_inputs_null_error_buffer(env):
    m = env.load()
    ins, outs, keep = env.plain_buffers((0, 97, 1, 2))
    expect(env.lib.bitnet_model_check_inputs(m, ins, None, 512) == -1, "not -1")
    return "-1"


@action
def check_inputs_null_inputs(env):
    m = env.load()
    expect(env.lib.bitnet_model_check_inputs(m, None, env.err, 512) == -1, "not -1")
    return "-1"


@action
def check_inputs_null_model(env):
    ins, outs, keep = env.plain_buffers()
    expect(env.lib.bitnet_model_check_inputs(None, ins, env.err, 512) == -1, "not -1")
    return "-1"


@action
def verify_weights_valid(env):
    m = env.load()
    r = env.lib.bitnet_model_verify_weights(m, env.err, 512)
    expect(r == 0, f"returned {r}: {env.msg()}")
    return "0"


@action
def verify_weights_corrupted_data(env):
    so = os.path.join(env.work, "c.so")
    shutil.copy(env.plain, so)
    with open(env.plain + ".weights", "rb") as f:
        data = bytearray(f.read())
    data[100] ^= 0xFF
    with open(so + ".weights", "wb") as f:
        f.write(data)
    m = env.load(so)
    r = env.lib.bitnet_model_verify_weights(m, env.err, 512)
    expect(r == -1 and env.msg(), f"returned {r}: {env.msg()}")
    return f"-1: {env.msg()[:80]}"


@action
def verify_weights_null_model(env):
    r = env.lib.bitnet_model_verify_weights(None, env.err, 512)
    expect(r == -1, f"returned {r}")
    return "-1"


@action
def verify_weights_null_error_buffer(env):
    m = env.load()
    r = env.lib.bitnet_model_verify_weights(m, None, 0)
    expect(r == 0, f"returned {r}")
    return "0"


for _d in (99, -1, 2**31 - 1):
    def _dtype(env, d=_d):
        size = env.lib.bitnet_dtype_size(d)
        name = env.lib.bitnet_dtype_name(d)
        expect(size == 0 or size is None, f"dtype_size({d}) = {size}")
        return f"size {size}, name {name!r}"
    ACTIONS[f"dtype-{_d}".replace("--", "-minus")] = _dtype


@action
def generative_queries_null(env):
    r = (env.lib.bitnet_model_is_generative(None), env.lib.bitnet_model_max_context(None),
         env.lib.bitnet_model_vocab_size(None))
    expect(r == (0, 0, 0), f"returned {r}")
    return "0, 0, 0"


@action
def generative_queries_plain(env):
    m = env.load()
    r = (env.lib.bitnet_model_is_generative(m), env.lib.bitnet_model_max_context(m),
         env.lib.bitnet_model_vocab_size(m))
    expect(r == (0, 0, 0), f"returned {r}")
    return "0, 0, 0"


# -------------------------------------------------------------- sessions --
@action
def session_new_null_model(env):
    s = env.lib.bitnet_session_new(None, env.err, 512)
    expect(not s, "returned a session")
    return "NULL"


@action
def session_new_plain_model(env):
    m = env.load()
    s = env.lib.bitnet_session_new(m, env.err, 512)
    expect(not s and env.msg(), "returned a session or no message")
    return f"NULL: {env.msg()[:80]}"


@action
def session_new_plain_null_error(env):
    m = env.load()
    expect(not env.lib.bitnet_session_new(m, None, 0), "returned a session")
    return "NULL"


def _append(env, tokens, count, logits=True):
    m, s = env.session()
    vocab = env.lib.bitnet_model_vocab_size(m)
    buf = (C.c_int64 * max(1, len(tokens)))(*tokens)
    out = (C.c_float * vocab)() if logits else None
    r = env.lib.bitnet_session_append(s, buf if tokens is not None else None, count, out)
    return m, s, r


def _refused(env, tokens, count, what):
    m, s, r = _append(env, tokens, count)
    expect(r == -1, f"{what}: append returned {r}")
    n = env.lib.bitnet_session_length(s)
    expect(n == 0, f"{what}: length {n} after a refused append")
    return "-1, nothing appended"


for _label, _count in [("2pow63", 2**63), ("size-max", SIZE_MAX), ("2pow32plus1", 2**32 + 1),
                       ("0", 0), ("17-beyond-context", 17)]:
    ACTIONS[f"session-append-count-{_label}"] = (
        lambda env, c=_count: _refused(env, [1] * 17, c, f"count {c}"))
for _label, _v in [("minus98", -98), ("97", 97), ("1e9", 10**9), ("2pow32plus5", 2**32 + 5),
                   ("int64min", -2**63)]:
    ACTIONS[f"session-append-token-{_label}"] = (
        lambda env, v=_v: _refused(env, [1, v, 2], 3, f"token {v}"))
    ACTIONS[f"session-append-single-token-{_label}"] = (
        lambda env, v=_v: _refused(env, [v], 1, f"token {v}"))


@action
def session_append_null_tokens(env):
    m, s = env.session()
    r = env.lib.bitnet_session_append(s, None, 3, None)
    expect(r == -1, f"returned {r}")
    return "-1"


@action
def session_append_null_session(env):
    buf = (C.c_int64 * 1)(1)
    r = env.lib.bitnet_session_append(None, buf, 1, None)
    expect(r == -1, f"returned {r}")
    return "-1"


@action
def session_append_null_logits(env):
    m, s, r = _append(env, [1, 2, 3], 3, logits=False)
    expect(r == 0 and env.lib.bitnet_session_length(s) == 3, f"returned {r}")
    return "0"


@action
def session_fill_then_overflow(env):
    m, s = env.session()
    buf = (C.c_int64 * 16)(*([1] * 16))
    expect(env.lib.bitnet_session_append(s, buf, 16, None) == 0, "16 tokens refused")
    r = env.lib.bitnet_session_append(s, buf, 1, None)
    expect(r == -1, f"17th token: returned {r}")
    expect(env.lib.bitnet_session_length(s) == 16, "length changed")
    return "-1 at capacity"


@action
def session_null_queries(env):
    n = env.lib.bitnet_session_length(None)
    env.lib.bitnet_session_reset(None)
    env.lib.bitnet_session_free(None)
    return f"length(NULL) = {n}"


def _greedy(env, m, s, prompt, n):
    vocab = env.lib.bitnet_model_vocab_size(m)
    logits = (C.c_float * vocab)()
    buf = (C.c_int64 * len(prompt))(*prompt)
    expect(env.lib.bitnet_session_append(s, buf, len(prompt), logits) == 0, "prefill failed")
    out = []
    for _ in range(n):
        t = max(range(vocab), key=lambda i: logits[i])
        out.append(t)
        one = (C.c_int64 * 1)(t)
        if len(out) < n:
            expect(env.lib.bitnet_session_append(s, one, 1, logits) == 0, "decode failed")
    return out


PROMPT = [3, 10, 17, 24, 31]


@action
def session_greedy_matches_pytorch(env):
    m, s = env.session()
    got = _greedy(env, m, s, PROMPT, len(env.ref))
    expect(got == env.ref, f"tokens {got} != {env.ref}")
    return f"tokens {got}"


@action
def session_refused_append_then_valid(env):
    m, s = env.session()
    bad = (C.c_int64 * 2)(1, 97)
    expect(env.lib.bitnet_session_append(s, bad, 2, None) == -1, "bad token accepted")
    expect(env.lib.bitnet_session_append(s, bad, 2**63, None) == -1, "huge count accepted")
    got = _greedy(env, m, s, PROMPT, len(env.ref))
    expect(got == env.ref, f"tokens after refusals {got} != {env.ref}")
    return "same tokens"


@action
def session_reset_then_same_tokens(env):
    m, s = env.session()
    _greedy(env, m, s, [5, 6, 7, 8, 9, 10, 11], 3)
    env.lib.bitnet_session_reset(s)
    expect(env.lib.bitnet_session_length(s) == 0, "length after reset")
    got = _greedy(env, m, s, PROMPT, len(env.ref))
    expect(got == env.ref, f"tokens after reset {got} != {env.ref}")
    return "same tokens"


@action
def two_sessions_interleaved(env):
    m, s = env.session()
    s2 = env.lib.bitnet_session_new(m, env.err, 512)
    expect(s2, "second session")
    _greedy(env, m, s2, [40, 41, 42], 2)
    got = _greedy(env, m, s, PROMPT, len(env.ref))
    expect(got == env.ref, f"tokens with a second session {got} != {env.ref}")
    return "same tokens"


@action
def run_on_generative_model_null_inputs(env):
    m = env.load(env.decoder)
    r = env.lib.bitnet_model_run(m, None, None)
    expect(r == -1, f"returned {r}")
    return "-1"


def main():
    if len(sys.argv) != 7:
        print(__doc__)
        return 2
    lib_path, action_name, plain, decoder, work, ref = sys.argv[1:]
    lib = bind(C.CDLL(lib_path))
    os.makedirs(work, exist_ok=True)
    env = Env(lib, plain, decoder, work, ref)
    try:
        print("ok:", ACTIONS[action_name](env))
        return 0
    except Wrong as e:
        print(f"WRONG: {action_name}: {e}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
