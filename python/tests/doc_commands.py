#!/usr/bin/env python3
"""Runs the shell commands that README.md and docs/*.md show.

Usage: doc_commands.py --build-dir BUILD [--src SRC] [--llvm-tools DIR]
                       [--only README.md,docs/driver.md] [-j N] [--keep DIR] [--list]

Every ```sh, ```bash, ```shell and ```console fence of README.md and
docs/*.md is a list of commands (lines joined at a trailing backslash;
in ```console fences the lines that start with `$ `). Each command runs
with bash -o pipefail, in order, in one scratch directory per document
that looks like a source checkout after `make build`: symlinks to the
source tree's top-level entries, `build/` with links to the build's entries,
`.venv` at the project's venv (or at a stand-in over /usr/bin/python3 when
there is none), the build's bin/ and the LLVM tools first on PATH, and the
files the document assumes without making them (FIXTURES below: `model.onnx`
is the tiny decoder, `decoder.onnx` the same with a key-value cache, ...).

The run fails when a command exits non-zero, when a document shows a
command in an unlabelled fence (label it ```sh to have it run, or ```text
when it is not a command), when an entry of SKIP or KNOWN_BUGS no longer
matches a documented command, when a known bug is fixed (remove its entry),
or when README's pass table misses a pass that `bitnet-opt --help` lists.
A command the documents gain is run without any change here; one that
cannot run in a test goes into SKIP with the reason. Documents run in
parallel (-j, default 2), each in its own directory (kept with --keep).
"""

import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

# Commands not run, by their exact text (continuation lines joined with one
# space), with the reason. Each must still appear in some document.
SKIP = {
    "make test":
        "installs packages with apt and pip, builds, and runs every test, "
        "this one among them (.ci/run is `make test`)",
    "make demo":
        "installs packages with apt and pip and builds; the demo's three steps "
        "are the README's next two blocks, which run here",
    "build/bin/bitnet-bench":
        "times every shape at 1 and 2 threads, hot and cold: minutes",
    "build/bin/bitnet-bench --json":
        "times every shape at 1 and 2 threads, hot and cold: minutes",
    ".venv/bin/python python/tests/make_hf_checkpoint.py random ckpt8b --preset 8b":
        "writes an 8B-shaped checkpoint: 2.8 GB of files, 50 s, 4.3 GB of memory",
    "PYTHONPATH=python .venv/bin/python -m bitnet_mlir.checkpoint ckpt8b":
        "converts the 8B-shaped checkpoint above (which is not made here): 2 minutes",
    "bitnet-compile ckpt8b --emit=lib -o ckpt8b.so --max-context=160 --prefill-tokens=128"
    " --timings":
        "compiles the 8B-shaped checkpoint (not made here): a minute, 7 GB of memory",
    "build/bin/bitnet-tune --shape=3840x2560,2560x2560,13824x2560,2560x6912 -n 1,64 -o tuning.json":
        "times 8 products' candidates and formats: 100 s on 2 cores (test/Tools/bitnet-tune runs a small one)",
    "build/bin/bitnet-bench --target=nvptx":
        "needs an NVIDIA GPU (scripts/gpu-check.sh runs it on one); without one it "
        "exits 1, which test/Tools/bitnet-bench/nvptx.test checks",
    "build/bin/bitnet-bench --target=nvptx --shape=2560x2560,13824x2560 --cache=cold --json":
        "needs an NVIDIA GPU (scripts/gpu-check.sh)",
    "/usr/local/cuda/bin/ptxas -arch=sm_90 -v decode_kernel.ptx -o decode_kernel.cubin":
        "needs the CUDA toolkit; test/Codegen/GPU/ptxas.mlir runs ptxas where it is installed",
    "build/bin/bitnet-bench --act-bits=4 --format=i2s,t5,tl2r -n 1 --num-threads=2 --shape=2560x2560,640x2560,6912x2560":
        "times 3 shapes in three formats, hot and cold: a minute "
        "(test/Tools/bitnet-bench/options.test runs a small one)",
    "ACT_BITS=4 WEIGHT_FORMAT=tl2r THREADS=2 scripts/model-bench.sh 2b4t 4":
        "exports, compiles and runs a 4-layer 2B4T-shaped model three times: minutes",
    "build/bin/bitnet-bench --format=i2s,t5 -n 1 --num-threads=1,2 --shape=2560x2560,6912x2560,2560x6912":
        "times 3 shapes in two formats, 1 and 2 threads, hot and cold: a minute "
        "(test/Tools/bitnet-bench/options.test runs a small one)",
    "build/bin/bitnet-bench --n=1 --num-threads=2 --cache=cold --mcpu=znver4":
        "runs Zen 4 (AVX-512 VNNI) code, which the host may not have; every "
        "shape from DRAM: minutes",
}

# Documented commands that fail because of a compiler bug, not because the
# document is wrong: (pattern over the command, its replacement: the
# workaround, a quick probe that shows the bug, the probe's message, why).
# The probe runs once; while it fails with the message, the matching
# commands are reported as BUG and their workaround runs instead (so that
# the commands after them have their files); once it passes, the run fails
# until the entry is removed.
KNOWN_BUGS = []

# Files a document uses without showing how to make them, made in its
# scratch directory before its commands run, from the models of SHARED
# (made once per run into shared/, which documents see as ../shared).
SHARED = [
    "PYTHONPATH=python /usr/bin/python3 -W ignore -m bitnet_mlir.tiny_decoder"
    " --out shared/tiny.onnx --save-case shared",
    "PYTHONPATH=python /usr/bin/python3 -W ignore -m bitnet_mlir.tiny_decoder"
    " --kv-cache --out shared/tiny_kv.onnx",
    "/usr/bin/python3 python/tests/onnx_models.py dynamic_input shared/dynamic.onnx",
]
ADD_TEST = "/usr/share/libonnx-testdata/data/node/test_add"
FIXTURES = {
    # model.onnx: the tiny decoder; decoder.onnx: the same with a key-value
    # cache; dynamic.onnx: an input x of [1, "seq", 8] (as the documents say).
    "docs/driver.md": [
        "cp ../shared/tiny.onnx model.onnx",
        "cp ../shared/tiny_kv.onnx decoder.onnx",
        "cp ../shared/dynamic.onnx dynamic.onnx",
        "cp ../shared/input_ids.npy ids.npy",
    ],
    "docs/importer.md": [
        "cp ../shared/tiny.onnx model.onnx",
        "cp ../shared/dynamic.onnx dynamic.onnx",
    ],
    # model.so / ids.npy: the tiny decoder and its input; decoder.so: with a
    # key-value cache (3 + 32 tokens fit); add.so: ONNX's Add node test.
    "docs/abi.md": [
        "cp ../shared/input_ids.npy ids.npy",
        "bitnet-compile ../shared/tiny.onnx --emit=lib -o model.so",
        "bitnet-compile ../shared/tiny_kv.onnx --emit=lib -o decoder.so"
        " --max-context=64 --prefill-tokens=8",
        f"bitnet-compile {ADD_TEST}/model.onnx --emit=lib -o add.so",
        f"ln -s {ADD_TEST}/test_data_set_0 test_data_set_0",
    ],
}

SHELL_FENCES = {"sh", "bash", "shell", "console"}
# A line of an unlabelled fence that looks like a command.
COMMAND_LIKE = re.compile(
    r"^\s*(\$ |make |\./|build/bin/|PYTHONPATH=|python3? |"
    r"bitnet-(opt|translate|compile|run|bench)\s+(-|\S+\.(onnx|mlir|mlirbc|so)\b))")
PASS_OPTION = re.compile(r"^\s+--((?:convert-)?bitnet-[a-z0-9-]+)\s")


def documents(src):
    docs = ["README.md"] + sorted(
        os.path.relpath(p, src) for p in glob.glob(os.path.join(src, "docs", "*.md")))
    return [d for d in docs if os.path.exists(os.path.join(src, d))]


def extract(src, doc):
    """(commands, errors): commands as (line, text) in document order."""
    lines = open(os.path.join(src, doc), encoding="utf-8").read().split("\n")
    commands, errors = [], []
    i = 0
    while i < len(lines):
        fence = re.match(r"^(\s*)(`{3,})\s*([\w+-]*)", lines[i])
        if not fence:
            i += 1
            continue
        indent, ticks, lang = fence.group(1), fence.group(2), fence.group(3)
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(ticks):
            j += 1
        body = [(n + 1, line[len(indent):] if line.startswith(indent) else line.lstrip())
                for n, line in enumerate(lines[i + 1:j], start=i + 1)]
        if lang in SHELL_FENCES:
            commands += logical_commands(body, console=(lang == "console"))
        elif lang == "":
            for n, line in body:
                if COMMAND_LIKE.match(line):
                    errors.append(f"{doc}:{n}: a command in an unlabelled fence "
                                  f"(```sh to run it, ```text if it is not one): {line.strip()}")
                    break
        i = j + 1
    return commands, errors


def logical_commands(body, console):
    out, pending, start = [], [], None
    for n, line in body:
        if console:
            if not pending:
                if not line.startswith("$ "):
                    continue  # output
                line = line[2:]
        if not pending:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            start = n
        if line.rstrip().endswith("\\"):
            pending.append(line.rstrip()[:-1].strip())
            continue
        pending.append(line.strip())
        out.append((start, " ".join(p for p in pending if p)))
        pending = []
    if pending:
        out.append((start, " ".join(pending)))
    return out


def normalize(command):
    """The command without its trailing comment, for SKIP lookups."""
    return re.sub(r"\s+#[^'\"]*$", "", command).strip()


def prepare(work, src, build):
    os.makedirs(work)
    for entry in os.listdir(src):
        if entry in (".git", "build", ".venv") or entry.startswith("build"):
            continue
        os.symlink(os.path.join(src, entry), os.path.join(work, entry))
    # build/ of its own, its entries the build's: what a document writes
    # under build/ stays in the scratch directory.
    os.makedirs(os.path.join(work, "build"))
    for entry in os.listdir(build):
        os.symlink(os.path.join(build, entry), os.path.join(work, "build", entry))
    venv = os.path.join(src, ".venv")
    if os.path.exists(os.path.join(venv, "bin", "python")):
        os.symlink(venv, os.path.join(work, ".venv"))
    else:  # the venv adds onnxruntime only, which no documented command needs
        os.makedirs(os.path.join(work, ".venv", "bin"))
        os.symlink("/usr/bin/python3", os.path.join(work, ".venv", "bin", "python"))


def run(command, cwd, env, timeout):
    start = time.monotonic()
    try:
        p = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=cwd, env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        rc, output = p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        rc, output = "timeout", (e.stdout or b"").decode(errors="replace")
    return rc, output, time.monotonic() - start


def tail(text, lines=15):
    return "\n".join("      " + l for l in text.rstrip().split("\n")[-lines:])


class SharedModels:
    """SHARED, run once, by the first document that needs it."""

    def __init__(self, root, src, build, env, timeout):
        self.args = (root, src, build, env, timeout)
        self.lock = threading.Lock()
        self.result = None
        self.logged = False

    def get(self):
        """(log lines, error or None)."""
        with self.lock:
            if self.result is None:
                root, src, build, env, timeout = self.args
                tree = os.path.join(root, "shared-tree")
                prepare(tree, src, build)
                os.makedirs(os.path.join(tree, "shared"))
                os.symlink(os.path.join(tree, "shared"), os.path.join(root, "shared"))
                log, error = [], None
                for command in SHARED:
                    rc, output, seconds = run(command, tree, env, timeout)
                    log.append(f"  shared  {seconds:6.1f} s  {command}")
                    if rc != 0:
                        error = f"shared model failed ({rc}): {command}\n{tail(output)}"
                        break
                self.result = (log, error)
            return self.result


def run_document(doc, commands, root, src, build, env, timeout, shared, active_bugs):
    """Returns (log lines, failure count)."""
    work = os.path.join(root, doc.replace("/", "_").replace(".md", ""))
    prepare(work, src, build)
    log, failures = [f"== {doc}"], 0
    if doc in FIXTURES:
        shared_log, error = shared.get()
        if error:
            return log + [f"  FIXTURE FAILED: {error}"], 1
        if not shared.logged:
            shared.logged = True
            log += shared_log
    for command in FIXTURES.get(doc, []):
        rc, output, seconds = run(command, work, env, timeout)
        if rc != 0:
            failures += 1
            log.append(f"  FIXTURE FAILED ({rc}): {command}\n{tail(output)}")
    for line, command in commands:
        reason = SKIP.get(normalize(command))
        if reason:
            log.append(f"  skip    {doc}:{line}: {command}\n          ({reason})")
            continue
        bug = next((b for b in active_bugs if re.search(b[0], command)), None)
        if bug:
            workaround = re.sub(bug[0], bug[1], command)
            log.append(f"  BUG     {doc}:{line}: {command}\n"
                       f"          fails: {bug[4]}\n"
                       f"          instead: {workaround}")
            command = workaround
        rc, output, seconds = run(command, work, env, timeout)
        if rc == 0:
            log.append(f"  ok      {seconds:6.1f} s  {doc}:{line}: {command}")
        else:
            failures += 1
            log.append(f"  FAILED  {seconds:6.1f} s  {doc}:{line}: {command}\n"
                       f"      exit {rc}, in {work}:\n{tail(output)}")
    return log, failures


def check_pass_table(src, build):
    """README's pass table names every pass and pipeline bitnet-opt registers."""
    help_text = subprocess.run([os.path.join(build, "bin", "bitnet-opt"), "--help"],
                               stdout=subprocess.PIPE, check=True).stdout.decode()
    passes = sorted({m.group(1) for l in help_text.split("\n")
                     for m in [PASS_OPTION.match(l)] if m})
    readme = open(os.path.join(src, "README.md"), encoding="utf-8").read()
    table = "\n".join(l for l in readme.split("\n") if re.match(r"^\| `", l))
    named = set(re.findall(r"`((?:convert-)?bitnet-[a-z0-9-]+)", table))
    return [f"README.md: the pass table does not name `{p}` (bitnet-opt --help lists it)"
            for p in passes if p not in named]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--src", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    parser.add_argument("--llvm-tools", default="/usr/lib/llvm-22/bin")
    parser.add_argument("--only", help="comma-separated documents (paths from the source root)")
    parser.add_argument("-j", type=int, default=2, help="documents run at once")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per command")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR (must not exist) and keep it")
    parser.add_argument("--list", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args()
    src, build = os.path.realpath(args.src), os.path.realpath(args.build_dir)

    errors, per_doc = [], {}
    for doc in documents(src):
        commands, doc_errors = extract(src, doc)
        errors += doc_errors
        if commands:
            per_doc[doc] = commands
    documented = {normalize(c) for cs in per_doc.values() for _, c in cs}
    errors += [f"SKIP entry matches no documented command (remove it): {c}"
               for c in SKIP if c not in documented]
    errors += [f"KNOWN_BUGS pattern matches no documented command (remove it): {b[0]}"
               for b in KNOWN_BUGS if not any(re.search(b[0], c) for c in documented)]
    for doc in FIXTURES:
        if doc not in per_doc:
            errors.append(f"FIXTURES names {doc}, which shows no commands")
    if args.list:
        for doc, commands in per_doc.items():
            for line, command in commands:
                skip = " [skip]" if normalize(command) in SKIP else ""
                print(f"{doc}:{line}:{skip} {command}")
        for e in errors:
            print("ERROR: " + e)
        return 1 if errors else 0
    errors += check_pass_table(src, build)
    selected = args.only.split(",") if args.only else list(per_doc)

    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.join(build, "bin"), args.llvm_tools,
                                   env.get("PATH", "/usr/bin:/bin")])
    env.pop("PYTHONPATH", None)
    env.setdefault("OMP_NUM_THREADS", "2")
    root = args.keep or tempfile.mkdtemp(prefix="doc-commands-")
    if args.keep:
        os.makedirs(root)
    start = time.monotonic()
    try:
        failures = 0
        shared = SharedModels(root, src, build, env, args.timeout)
        probes = os.path.join(root, "probes")
        os.makedirs(probes)
        active_bugs = []
        for bug in KNOWN_BUGS:
            rc, output, _ = run(bug[2], probes, env, args.timeout)
            if rc != 0 and bug[3] in output:
                active_bugs.append(bug)
            elif rc == 0:
                errors.append(f"known bug fixed, remove its KNOWN_BUGS entry: {bug[4]}")
            else:
                errors.append(f"the probe of a known bug fails otherwise ({rc}): "
                              f"{bug[2]}\n{tail(output)}")
        # The longest document first: it is the run's critical path.
        selected.sort(key=lambda d: d != "README.md")
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
            jobs = [pool.submit(run_document, doc, per_doc[doc], root, src, build, env,
                                args.timeout, shared, active_bugs)
                    for doc in selected if doc in per_doc]
            for job in jobs:
                log, n = job.result()
                failures += n
                print("\n".join(log), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    for e in errors:
        print("ERROR: " + e)
    total = sum(len(per_doc[d]) for d in selected if d in per_doc)
    print(f"doc-commands: {total} documented commands, {failures} failed, "
          f"{len(errors)} other errors, {time.monotonic() - start:.0f} s")
    return 1 if failures or errors else 0


if __name__ == "__main__":
    sys.exit(main())
