#!/usr/bin/env python3
"""Generate the "tuned" W2A8 GEMV kernel (gpu.module + gpu.func, static shapes,
R rows per warp, mask-only decode + sum(q) correction).  This is what a C++
builder in the project would emit; the python just avoids hand-writing 17
iter_args.

  python3 gen_kernel.py M K [R] [WPB] [reduce=shuffle|subgroup]  > file.mlir

Math (i2s, code = w + 1 in {0,1,2}, stored at bit shift s_c = 6 - 2c):
  sum_k q[k] w[k] = sum_c  dot(q_c, code_c) - sum(q)
  and  dot(q_c, (word & (3 << s_c) per byte)) = 2^s_c * dot(q_c, code_c)
  -> per column c keep acc_c = dp4a.s32.u32(q_word, word & M_c, acc_c)
     (M_c = 0xC0C0C0C0 >> 2c), with no shift in the hot loop; at the end
     row = (acc_0 >> 6) + (acc_1 >> 4) + (acc_2 >> 2) + acc_3 - sumq
  (each acc_c is an exact multiple of 2^s_c, so the arithmetic shift is exact).
  sumq = sum of dp4a(q_word, 0x01010101), computed once per chunk and shared by
  the R rows.  Padding weights (k >= K) are code 1 (w = 0), so q must be readable
  up to paddedK = ceil(K/128)*128; the caller zero-pads q (any value would
  actually cancel between dot(q,code) and sumq, but zero is the contract).
"""
import sys
M = int(sys.argv[1]); K = int(sys.argv[2])
R = int(sys.argv[3]) if len(sys.argv) > 3 else 4
WPB = int(sys.argv[4]) if len(sys.argv) > 4 else 4
RED = sys.argv[5] if len(sys.argv) > 5 else "shuffle"
NB = (K + 127) // 128
KP = NB * 128
RB = NB * 32               # packed row bytes
NCH = NB * 2               # 16-byte chunks per row
GRID = (M + R * WPB - 1) // (R * WPB)

o = []
e = o.append
e(f"// generated: gen_kernel.py {M} {K} {R} {WPB} {RED}")
e(f"// q: memref<{KP}xi8> (paddedK, zero tail), W: memref<{M}x{RB}xi8> (i2s), acc: memref<{M}xi32>")
e(f"// launch: grid ({GRID},1,1) block (32,{WPB},1); {R} rows per warp")
e("module attributes {gpu.container_module} {")
e("  gpu.module @w2a8 {")
e(f"    gpu.func @gemv_w2a8_M{M}_K{K}(%q: memref<{KP}xi8>, %W: memref<{M}x{RB}xi8>, %out: memref<{M}xi32>) kernel")
e(f"        attributes {{known_block_size = array<i32: 32, {WPB}, 1>, known_grid_size = array<i32: {GRID}, 1, 1>}} {{")
e("      %c0 = arith.constant 0 : index")
e("      %c1 = arith.constant 1 : index")
e("      %c16 = arith.constant 16 : index")
e("      %c32 = arith.constant 32 : index")
e("      %c64 = arith.constant 64 : index")
e("      %c128 = arith.constant 128 : index")
e(f"      %cR = arith.constant {R} : index")
e(f"      %cWPB = arith.constant {WPB} : index")
e(f"      %cMm1 = arith.constant {M-1} : index")
e(f"      %cM = arith.constant {M} : index")
e(f"      %nch = arith.constant {NCH} : index")
e("      %z = arith.constant 0 : i32")
e("      %ones = arith.constant dense<1> : vector<4xi8>")
for c in range(4):
    mval = (0xC0C0C0C0 >> (2 * c))
    e(f"      %mask{c} = arith.constant dense<{mval if mval < 2**31 else mval - 2**32}> : vector<4xi32>")
e("      %tx = gpu.thread_id x")
e("      %ty = gpu.thread_id y")
e("      %bx = gpu.block_id x")
e("      %wb = arith.muli %bx, %cWPB : index")
e("      %warp = arith.addi %wb, %ty : index")
e("      %rowb = arith.muli %warp, %cR : index")
# clamped row indices for loads
for r in range(R):
    e(f"      %cr{r} = arith.constant {r} : index")
    e(f"      %rr{r} = arith.addi %rowb, %cr{r} : index")
    e(f"      %row{r} = arith.minui %rr{r}, %cMm1 : index")
accs = [f"%a{r}_{c}" for r in range(R) for c in range(4)] + ["%aq"]
inits = ", ".join(f"{a} = %z" for a in accs)
res = [f"%s{r}_{c}" for r in range(R) for c in range(4)] + ["%sq"]
e(f"      {', '.join(res).replace(', ', ', ')} = scf.for %t = %tx to %nch step %c32 iter_args({inits}) -> ({', '.join(['i32'] * len(accs))}) {{".replace(', %s', ', %s'))
# fix: multiple results syntax %s:N
o[-1] = f"      %res:{len(accs)} = scf.for %t = %tx to %nch step %c32 iter_args({inits}) -> ({', '.join(['i32'] * len(accs))}) {{"
e("        %b = arith.shrui %t, %c1 : index")
e("        %h = arith.andi %t, %c1 : index")
e("        %qb0 = arith.muli %b, %c128 : index")
e("        %qh = arith.muli %h, %c16 : index")
e("        %qb = arith.addi %qb0, %qh : index")
e("        %woff = arith.muli %t, %c16 : index")
# q words
sq = "%aq"
for c in range(4):
    e(f"        %qo{c} = arith.addi %qb, %c{[0,32,64,96][c]}x : index".replace(f"%c{[0,32,64,96][c]}x", f"%qoff{c}"))
for c in range(4):
    pass
# define q offsets constants before use: simpler to emit now in loop body
o_tail = o[-4:]; del o[-4:]
for c in range(4):
    e(f"        %qoff{c} = arith.constant {32*c} : index")
o.extend(o_tail)
for c in range(4):
    e(f"        %qv{c} = vector.load %q[%qo{c}] {{alignment = 16}} : memref<{KP}xi8>, vector<16xi8>")
    for i in range(4):
        idx = ", ".join(str(4 * i + j) for j in range(4))
        e(f"        %q{c}_{i} = vector.shuffle %qv{c}, %qv{c} [{idx}] : vector<16xi8>, vector<16xi8>")
        nsq = f"%sq{c}_{i}"
        e(f"        {nsq} = nvvm.dot.accumulate.4way %q{c}_{i} <signed>, %ones <unsigned>, {sq} : vector<4xi8>, vector<4xi8>")
        sq = nsq
yields = []
for r in range(R):
    e(f"        %w{r} = vector.load %W[%row{r}, %woff] {{alignment = 16}} : memref<{M}x{RB}xi8>, vector<16xi8>")
    e(f"        %w{r}i = vector.bitcast %w{r} : vector<16xi8> to vector<4xi32>")
    for c in range(4):
        e(f"        %m{r}_{c} = arith.andi %w{r}i, %mask{c} : vector<4xi32>")
        e(f"        %m{r}_{c}b = vector.bitcast %m{r}_{c} : vector<4xi32> to vector<16xi8>")
        acc = f"%a{r}_{c}"
        for i in range(4):
            idx = ", ".join(str(4 * i + j) for j in range(4))
            e(f"        %m{r}_{c}_{i} = vector.shuffle %m{r}_{c}b, %m{r}_{c}b [{idx}] : vector<16xi8>, vector<16xi8>")
            nacc = f"%d{r}_{c}_{i}"
            e(f"        {nacc} = nvvm.dot.accumulate.4way %q{c}_{i} <signed>, %m{r}_{c}_{i} <unsigned>, {acc} : vector<4xi8>, vector<4xi8>")
            acc = nacc
        yields.append(acc)
yields.append(sq)
e(f"        scf.yield {', '.join(yields)} : {', '.join(['i32'] * len(yields))}")
e("      }")
# epilogue
e("      %sh6 = arith.constant 6 : i32")
e("      %sh4 = arith.constant 4 : i32")
e("      %sh2 = arith.constant 2 : i32")
e("      %w32 = arith.constant 32 : i32")
e("      %is0 = arith.cmpi eq, %tx, %c0 : index")
nq = 4 * R
for r in range(R):
    b = 4 * r
    e(f"      %e{r}_0 = arith.shrsi %res#{b}, %sh6 : i32")
    e(f"      %e{r}_1 = arith.shrsi %res#{b+1}, %sh4 : i32")
    e(f"      %e{r}_2 = arith.shrsi %res#{b+2}, %sh2 : i32")
    e(f"      %f{r}_0 = arith.addi %e{r}_0, %e{r}_1 : i32")
    e(f"      %f{r}_1 = arith.addi %e{r}_2, %res#{b+3} : i32")
    e(f"      %f{r}_2 = arith.addi %f{r}_0, %f{r}_1 : i32")
    e(f"      %p{r} = arith.subi %f{r}_2, %res#{nq} : i32")
    if RED == "subgroup":
        e(f"      %t{r} = gpu.subgroup_reduce add %p{r} uniform : (i32) -> i32")
    else:
        cur = f"%p{r}"
        for off in (16, 8, 4, 2, 1):
            e(f"      %o{r}_{off} = arith.constant {off} : i32")
            e(f"      %x{r}_{off}, %v{r}_{off} = gpu.shuffle xor {cur}, %o{r}_{off}, %w32 : i32")
            e(f"      %y{r}_{off} = arith.addi {cur}, %x{r}_{off} : i32")
            cur = f"%y{r}_{off}"
        e(f"      %t{r} = arith.addi {cur}, %z : i32")
    e(f"      %ok{r} = arith.cmpi ult, %rr{r}, %cM : index")
    e(f"      %st{r} = arith.andi %is0, %ok{r} : i1")
    e(f"      scf.if %st{r} {{")
    e(f"        memref.store %t{r}, %out[%rr{r}] : memref<{M}xi32>")
    e("      }")
e("      gpu.return")
e("    }")
e("  }")
e("}")
print("\n".join(o))
