#!/usr/bin/env python3
"""BitNet-MLIR robustness suite: hundreds of bad inputs on four surfaces.

  onnx  hostile or malformed ONNX files (bitnet-translate --import-onnx, and
        bitnet-compile + bitnet-run where a legal model must compute right)
  mlir  invalid or degenerate MLIR and out-of-range pass options (bitnet-opt)
  cli   run-time inputs and flags of bitnet-run, bitnet-compile, bitnet-bench
  capi  the runtime's C API, driven through ctypes (capi_driver.py)

Each case must end in a clean error (exit 1, a one-line "error" message
naming the node, file or flag; no crash text, signal or hang) or, where the
input is legal, in a right result.  Cases listed in known-failures.txt are
expected to fail today; the run fails if one of them passes (remove it from
the list) or if a case not listed fails.

Usage (ctest runs this; see README.md):
  run_robustness.py --bin-dir build/bin --runtime-lib build/lib/libbitnet_runtime.so
      [--work DIR] [--jobs N] [--filter REGEX] [--list] [-v]
      [--write-known-failures FILE]
"""

import argparse
import concurrent.futures as cf
import os
import re
import shutil
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import rbcore  # noqa: E402
import fixtures  # noqa: E402
import cases_onnx  # noqa: E402
import cases_mlir  # noqa: E402
import cases_cli  # noqa: E402
import cases_capi  # noqa: E402

SURFACES = ["onnx", "mlir", "cli", "capi"]


class Context:
    pass


def load_known(path):
    known = {}
    if not path or not os.path.exists(path):
        return known
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, _, why = line.partition("#")
            known[name.strip()] = why.strip()
    return known


def all_cases():
    cases = []
    for mod in (cases_onnx, cases_mlir, cases_cli, cases_capi):
        cases.extend(mod.cases())
    names = set()
    for c in cases:
        if c.name in names:
            raise SystemExit(f"duplicate case name {c.name}")
        names.add(c.name)
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", help="directory of bitnet-compile, -translate, -opt, -run, -bench")
    for tool in ("compile", "translate", "opt", "run", "bench"):
        ap.add_argument(f"--{tool}", help=f"path of bitnet-{tool} (default: BIN_DIR/bitnet-{tool})")
    ap.add_argument("--runtime-lib", help="libbitnet_runtime.so (default: BIN_DIR/../lib/...)")
    ap.add_argument("--source-dir", default=os.path.normpath(os.path.join(HERE, "..", "..")))
    ap.add_argument("--work", default=None, help="scratch directory (wiped)")
    ap.add_argument("--known-failures", default=os.path.join(HERE, "known-failures.txt"))
    ap.add_argument("--jobs", type=int, default=max(2, os.cpu_count() or 2))
    ap.add_argument("--filter", default=None, help="run only cases whose name matches")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--write-known-failures", metavar="FILE",
                    help="write the failing cases of this run to FILE")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    cases = all_cases()
    if args.filter:
        cases = [c for c in cases if re.search(args.filter, c.name)]
    if args.list:
        for c in cases:
            print(f"{c.name:60s} {c.expect:6s} {c.note}")
        counts = {s: sum(c.surface == s for c in cases) for s in SURFACES}
        print(f"{len(cases)} cases: " + ", ".join(f"{s} {n}" for s, n in counts.items()))
        return 0

    ctx = Context()
    bin_dir = args.bin_dir
    for tool in ("compile", "translate", "opt", "run", "bench"):
        path = getattr(args, tool) or (bin_dir and os.path.join(bin_dir, f"bitnet-{tool}"))
        if not path or not os.path.exists(path):
            ap.error(f"bitnet-{tool} not found (give --bin-dir or --{tool})")
        setattr(ctx, tool, os.path.abspath(path))
    ctx.runtime_lib = os.path.abspath(args.runtime_lib or os.path.join(
        os.path.dirname(ctx.run), "..", "lib", "libbitnet_runtime.so"))
    ctx.src = os.path.abspath(args.source_dir)
    ctx.python = sys.executable
    ctx.here = HERE
    ctx.work = os.path.abspath(args.work or os.path.join(os.getcwd(), "robustness-work"))
    if os.path.exists(ctx.work):
        shutil.rmtree(ctx.work)
    os.makedirs(os.path.join(ctx.work, "logs"))
    ctx.fixtures = rbcore.Fixtures(fixtures.BUILDERS)
    ctx.fixture = lambda name: ctx.fixtures.get(ctx, name)

    known = load_known(args.known_failures)
    all_names = {c.name for c in all_cases()}
    stale = sorted(n for n in known if n not in all_names)

    # Build the fixtures in the background while fixture-free cases run.
    def prebuild():
        for name in fixtures.ORDER:
            if any(name in c.needs.split() for c in cases):
                try:
                    ctx.fixture(name)
                except rbcore.FixtureError:
                    pass
    threading.Thread(target=prebuild, daemon=True).start()

    start = time.monotonic()
    results = {}

    def one(case):
        try:
            res = rbcore.run_case(ctx, case)
            problem = rbcore.classify(ctx, case, res)
        except rbcore.FixtureError as e:
            res, problem = None, str(e).splitlines()[0]
        except Exception as e:
            res, problem = None, f"runner error: {type(e).__name__}: {e}"
        # Every case's command, exit status and output, for a look afterwards.
        log = os.path.join(ctx.work, "logs", rbcore.safe_name(case.name) + ".txt")
        with open(log, "w") as f:
            f.write(f"case: {case.name}\nexpect: {case.expect}\n"
                    f"verdict: {'PASS' if problem is None else 'FAIL: ' + problem}\n")
            if res is not None:
                f.write(f"argv: {res.argv!r}\nexit: {res.rc} timed_out: {res.timed_out} "
                        f"seconds: {res.seconds:.2f}\n--- stdout\n{res.stdout[:20000]}\n"
                        f"--- stderr\n{res.stderr[:20000]}\n")
        return case, res, problem

    # Fixture-free cases first, so the fixtures build meanwhile.
    ordered = sorted(cases, key=lambda c: bool(c.needs))
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for case, res, problem in pool.map(one, ordered):
            results[case.name] = (case, res, problem)
            if args.verbose:
                status = "PASS" if problem is None else "FAIL"
                secs = f"{res.seconds:5.1f}s" if res else "   -  "
                print(f"{status} {secs} {case.name}" + (f"  # {problem}" if problem else ""),
                      flush=True)

    unexpected_fail, unexpected_pass, known_fail = [], [], []
    per_surface = {s: [0, 0, 0, 0] for s in SURFACES}  # cases, failing, known, unexpected
    for case in cases:
        _, res, problem = results[case.name]
        per_surface[case.surface][0] += 1
        if problem is not None:
            per_surface[case.surface][1] += 1
            if case.name in known:
                known_fail.append((case.name, problem))
                per_surface[case.surface][2] += 1
            else:
                unexpected_fail.append((case, res, problem))
                per_surface[case.surface][3] += 1
        elif case.name in known:
            unexpected_pass.append(case.name)
            per_surface[case.surface][3] += 1

    elapsed = time.monotonic() - start
    print(f"\nrobustness: {len(cases)} cases in {elapsed:.0f} s ({args.jobs} jobs)")
    for s in SURFACES:
        n, f, k, u = per_surface[s]
        print(f"  {s:5s} {n:4d} cases, {n - f:4d} pass, {f:3d} fail ({k} known), "
              f"{u} unexpected")
    if known_fail and args.verbose:
        print("\nknown failures (known-failures.txt):")
        for name, problem in known_fail:
            print(f"  {name}  # {problem}")
    if unexpected_fail:
        print(f"\nUNEXPECTED FAILURES ({len(unexpected_fail)}): not in known-failures.txt")
        for case, res, problem in unexpected_fail:
            print(f"  {case.name}  # {problem}")
            if res is not None and res.argv:
                print(f"      $ {' '.join(map(str, res.argv))[:400]}")
                tail = "\n".join(res.stderr.strip().splitlines()[-6:])
                if tail:
                    print("      " + tail.replace("\n", "\n      ")[:1500])
    if unexpected_pass:
        print(f"\nNOW PASSING ({len(unexpected_pass)}): remove from known-failures.txt")
        for name in unexpected_pass:
            print(f"  {name}")
    if stale:
        print(f"\nSTALE ({len(stale)}): known-failures.txt names no such case")
        for name in stale:
            print(f"  {name}")
    if args.write_known_failures:
        fails = [(c.name, p) for c in cases for (_, _, p) in [results[c.name]] if p]
        with open(args.write_known_failures, "w") as f:
            f.write(KNOWN_HEADER)
            for name, problem in fails:
                f.write(f"{name}  # {problem}\n")
        print(f"\nwrote {len(fails)} failing cases to {args.write_known_failures}")
    ok = not unexpected_fail and not unexpected_pass and not stale
    print("\nrobustness: " + ("PASS" if ok else "FAIL") +
          f" ({len(known_fail)} known failures left)")
    return 0 if ok else 1


KNOWN_HEADER = """\
# Cases of the robustness suite that fail today, one per line:
#   case-name  # what happens now
# The suite passes while exactly these fail. When a fix makes one pass, the
# run fails with "NOW PASSING": delete its line. A new failure must be fixed
# (or, with a reason, added here). Regenerate the descriptions with
#   run_robustness.py ... --write-known-failures known-failures.txt
"""

if __name__ == "__main__":
    sys.exit(main())
