// Matrix products for float32, compiled to WebAssembly (lib/engine/wasm/gemm.wasm).
//
// This file is AssemblyScript, not TypeScript: it looks like TypeScript but has machine types
// (i32, f32, usize, v128) and reads and writes linear memory directly with load<T>(address) and
// store<T>(address, value). Build it with `node scripts/generate/build-wasm.ts`; notebook 08 explains it.
//
//   C (+)= op(A)·op(B)          C: m×n,  op(A): m×k,  op(B): k×n,  all float32, row-major
//
// One routine serves the three products the library needs, because it never assumes a layout:
// element (i,p) of op(A) is at a + 4·(i·ais + p·aps) and element (p,j) of op(B) at b + 4·(p·bps + j·bjs).
//   A·B    A m×k:  ais = k, aps = 1          B k×n:  bps = n, bjs = 1
//   Aᵀ·B   A k×m:  ais = 1, aps = m          B k×n:  bps = n, bjs = 1
//   A·Bᵀ   A m×k:  ais = k, aps = 1          B n×k:  bps = 1, bjs = k
//
// How it is fast (the same plan as the BLAS libraries, in ~350 lines with sparse.ts):
//   1. Blocking for the caches: C is computed in blocks; the slice of B in use (KC×NC) and of A (MC×KC)
//      are copied ("packed") into contiguous scratch memory in exactly the order the inner loop reads them.
//   2. Register blocking: the inner "micro-kernel" keeps a 4×8 tile of C in 8 SIMD registers and, for each
//      p, adds A(i..i+3, p) · B(p, j..j+7): 6 loads for 32 multiply-adds.
//   3. SIMD: each f32x4 instruction multiplies or adds 4 floats at once. Every multiply-add is madd (madd.ts):
//      a multiply then an add in gemm.wasm, one fused multiply-add in gemm-relaxed.wasm (relaxed SIMD).
//   4. Zeros (sparse.ts): MNIST images are ~80% black pixels, a ReLU's output about half zeros. When packing A we
//      list, per 4-row panel, the p whose four values are not all zero, and a sparse panel only visits those p;
//      a panel whose rows are sparse each on their own goes row by row, each row over its own p (rowKernel28, rowKernel), or
//      a whole block by pairs of rows (pairKernel, 2×16), whichever its lists say takes fewer steps.
//      Skipping a term 0·b changes no bit of the sum, so every path gives the same result.
//   5. A tall C whose B fits in the packed-B buffer whole (the full batch's X·W) is finished block by block of
//      rows over all of k while that block is in the cache, instead of being read and written once per k block.
// The caller (lib/engine/wasm/products.ts, through machine.ts's compute) splits large products between threads: each
// thread calls gemm on its own block of rows or columns of C, or segment of the sum, with its own scratch memory (`work`).

import { madd, madd1 } from "./madd";
import { MR, NR, KC, MC, NC, PANELS, LIST, RP, PANEL_BYTES, addr } from "./tiles";
import { fillPositions, listNonZeros, rowKernel, rowKernel28, pairKernel } from "./sparse";
import { addRowVector, reluForward, reluBackward } from "./elementwise";

/** Bytes of scratch memory one call of gemm needs: packed A, packed B, one edge tile, the lengths of the lists of
 * non-zero p of A's panels, rows and pairs of rows, a table to make them, and the lists (u16). */
export const WORK_BYTES: i32 = (MC * KC + KC * NC + MR * NR + PANELS + MC + MC / 2 + 32) * 4 + (PANELS + MC + MC / 2) * LIST * 2;

// ---------------------------------------------------------------------------------------------------
// Reading ahead. While a block of rows of C is computed over a tall A (the full batch's X·W), the rows of A the next block
// needs are read a cache line now and then (touch), so that they come from main memory while the multiply-adds run, not
// all at once when packA needs them: 4 % less time for X·W on one thread. (WebAssembly has no prefetch instruction; a load
// whose value goes into `sink` does the same.) Module globals: each thread's instance has its own.
let aheadAt: usize = 0, aheadEnd: usize = 0;
let sink: i32 = 0;

/** Two more cache lines of the rows ahead, if any are left (never a byte past them: A may end where memory ends). */
@inline
function touch(): void {
  if (aheadAt + 128 <= aheadEnd) {
    sink += load<u8>(aheadAt) + load<u8>(aheadAt, 64);
    aheadAt += 128;
  }
}

// ---------------------------------------------------------------------------------------------------
// Packing. A block of op(A) (mc×kc) becomes panels of MR rows; inside a panel, for each p, the MR values
// A(i..i+MR−1, p) are contiguous. A block of op(B) (kc×nc) becomes panels of NR columns; inside a panel,
// for each p, the NR values B(p, j..j+NR−1) are contiguous. Missing rows/columns at the edges are zeros.

/** Transposes the 4×4 block whose rows are r0..r3 and stores its columns as 4 consecutive vectors at dst, dst+stride, … */
@inline
function storeTransposed4x4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // r0[0] r1[0] r0[1] r1[1]
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // r2[0] r3[0] r2[1] r3[1]
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // r0[2] r1[2] r0[3] r1[3]
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7); // r2[2] r3[2] r2[3] r3[3]
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5)); //              column 0
  v128.store(dst + stride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7)); //     column 1
  v128.store(dst + 2 * stride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5)); // column 2
  v128.store(dst + 3 * stride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7)); // column 3
}

function packA(mc: i32, kc: i32, a: usize, ais: i32, aps: i32, dst: usize): void {
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = min(MR, mc - i0);
    let p = 0;
    if (rows == MR && aps == 1) {
      // A·B, A·Bᵀ: each row of A is contiguous in p; transpose 4×4 blocks
      const r0 = addr(a, i0 * ais), r1 = addr(r0, ais), r2 = addr(r1, ais), r3 = addr(r2, ais);
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        storeTransposed4x4(v128.load(r0 + o), v128.load(r1 + o), v128.load(r2 + o), v128.load(r3 + o), dst, MR << 2);
        dst += 4 * MR << 2;
      }
    } else if (rows == MR && ais == 1) {
      // Aᵀ·B: the MR values for one p are already contiguous
      for (; p < kc; p++) {
        v128.store(dst, v128.load(addr(a, i0 + p * aps)));
        dst += MR << 2;
      }
    }
    for (; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        store<f32>(addr(dst, r), r < rows ? load<f32>(addr(a, (i0 + r) * ais + p * aps)) : 0);
      }
      dst += MR << 2;
    }
  }
}

function packB(kc: i32, nc: i32, b: usize, bps: i32, bjs: i32, dst0: usize): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = min(NR, nc - j0);
    let dst = dst0 + <usize>(j0 / NR) * PANEL_BYTES; // panels PANEL_BYTES apart, whatever kc (the kernels' offsets are constants)
    let p = 0;
    if (cols == NR && bjs == 1) {
      // A·B, Aᵀ·B: the NR values for one p are contiguous
      for (; p < kc; p++) {
        const src = addr(b, p * bps + j0);
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += NR << 2;
      }
    } else if (cols == NR && bps == 1) {
      // A·Bᵀ: B is stored n×k, so column j of op(B) is a contiguous row of B; transpose 4×4 blocks
      const r0 = addr(b, j0 * bjs), r1 = addr(r0, bjs), r2 = addr(r1, bjs), r3 = addr(r2, bjs);
      const r4 = addr(r3, bjs), r5 = addr(r4, bjs), r6 = addr(r5, bjs), r7 = addr(r6, bjs);
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        storeTransposed4x4(v128.load(r0 + o), v128.load(r1 + o), v128.load(r2 + o), v128.load(r3 + o), dst, NR << 2);
        storeTransposed4x4(v128.load(r4 + o), v128.load(r5 + o), v128.load(r6 + o), v128.load(r7 + o), dst + 16, NR << 2);
        dst += 4 * NR << 2;
      }
    }
    for (; p < kc; p++) {
      for (let j = 0; j < NR; j++) {
        store<f32>(addr(dst, j), j < cols ? load<f32>(addr(b, p * bps + (j0 + j) * bjs)) : 0);
      }
      dst += NR << 2;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The micro-kernel: a 4×8 tile of C, held in 8 registers of 4 floats, for one packed panel pair.
//   tile(i, j) = Σ_p Ap(i, p)·Bp(p, j)      then   C = tile   or   C = C + tile   (add)
// Dense: p = 0, 1, …, kc−1 (steps = kc).  Sparse: only the p in `list` (steps = its length).
@inline
function microKernel(sparse: bool, steps: i32, list: usize, ap: usize, bp: usize, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0); // row 0: columns 0–3 and 4–7
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let t = 0; t < steps; t++) {
    const p = sparse ? <i32>load<u16>(list + (<usize>t << 1)) : t;
    const a = addr(ap, p * MR), b = addr(bp, p * NR);
    const b0 = v128.load(b), b1 = v128.load(b, 16); // B(p, j..j+3), B(p, j+4..j+7)
    let x = v128.load32_splat(a); //                  A(i, p) in all 4 lanes
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a, 4); //                   A(i+1, p)
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
  }
  if (add) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc)); c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc)); c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc)); c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

// ---------------------------------------------------------------------------------------------------
// Few rows (m < 4, e.g. one example at a time): packing B would cost as much as the product itself,
// so each row of C is computed straight from B:  C(i, :) = Σ_p A(i, p)·B(p, :).
// Every entry is summed in the same order as in the packed path (p ascending within each k block, then the
// block's sum added to C), so a row of C comes out bit-for-bit the same whichever path computed it.

function fewRows(m: i32, n: i32, k: i32, kcStep: i32, a: usize, ais: i32, aps: i32, b: usize, bps: i32, bjs: i32,
                 c: usize, ldc: i32, accumulate: bool): void {
  for (let pc = 0; pc < k; pc += kcStep) {
    const kc = min(kcStep, k - pc);
    const add = accumulate || pc > 0;
    const bBlock = addr(b, pc * bps);
    for (let i = 0; i < m; i++) {
      const ai = addr(a, i * ais + pc * aps), ci = addr(c, i * ldc);
      let j = 0;
      if (bjs == 1) {
        for (; j + 16 <= n; j += 16) rowTimesB16(kc, ai, aps, addr(bBlock, j), bps, addr(ci, j), add);
      } else if (bps == 1) {
        for (; j + 4 <= n; j += 4) rowTimesBt4(kc, ai, aps, addr(bBlock, j * bjs), bjs, addr(ci, j), add);
      }
      for (; j < n; j++) { // the columns left over, one at a time
        let t: f32 = 0;
        for (let p = 0; p < kc; p++) t = madd1(load<f32>(addr(ai, p * aps)), load<f32>(addr(bBlock, p * bps + j * bjs)), t);
        const cj = addr(ci, j);
        store<f32>(cj, add ? load<f32>(cj) + t : t);
      }
    }
  }
}

/** C(i, j..j+15) (+)= Σ_p A(i, p)·B(p, j..j+15), B's rows contiguous (A·B, Aᵀ·B). */
@inline
function rowTimesB16(kc: i32, ai: usize, aps: i32, bp: usize, bps: i32, cj: usize, add: bool): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  for (let p = 0; p < kc; p++, bp += <usize>bps << 2) {
    const v = load<f32>(addr(ai, p * aps));
    if (v == 0) continue; // a black pixel adds nothing
    const x = f32x4.splat(v);
    s0 = madd(x, v128.load(bp), s0);
    s1 = madd(x, v128.load(bp, 16), s1);
    s2 = madd(x, v128.load(bp, 32), s2);
    s3 = madd(x, v128.load(bp, 48), s3);
  }
  if (add) {
    s0 = f32x4.add(s0, v128.load(cj)); s1 = f32x4.add(s1, v128.load(cj, 16));
    s2 = f32x4.add(s2, v128.load(cj, 32)); s3 = f32x4.add(s3, v128.load(cj, 48));
  }
  v128.store(cj, s0); v128.store(cj, s1, 16); v128.store(cj, s2, 32); v128.store(cj, s3, 48);
}

/** C(i, j..j+3) (+)= Σ_p A(i, p)·B(j..j+3, p) for A·Bᵀ (B stored n×k): 4×4 blocks of B are transposed in registers. */
@inline
function rowTimesBt4(kc: i32, ai: usize, aps: i32, b0: usize, bjs: i32, cj: usize, add: bool): void {
  const b1 = addr(b0, bjs), b2 = addr(b1, bjs), b3 = addr(b2, bjs);
  let s = f32x4.splat(0);
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const o = <usize>p << 2;
    const r0 = v128.load(b0 + o), r1 = v128.load(b1 + o), r2 = v128.load(b2 + o), r3 = v128.load(b3 + o);
    const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
    const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
    s = madd(v128.load32_splat(addr(ai, p * aps)), v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), s);
    s = madd(v128.load32_splat(addr(ai, (p + 1) * aps)), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), s);
    s = madd(v128.load32_splat(addr(ai, (p + 2) * aps)), v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), s);
    s = madd(v128.load32_splat(addr(ai, (p + 3) * aps)), v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), s);
  }
  for (; p < kc; p++) {
    let col = f32x4.splat(load<f32>(addr(b0, p))); // B(j, p), B(j+1, p), B(j+2, p), B(j+3, p)
    col = f32x4.replace_lane(col, 1, load<f32>(addr(b1, p)));
    col = f32x4.replace_lane(col, 2, load<f32>(addr(b2, p)));
    col = f32x4.replace_lane(col, 3, load<f32>(addr(b3, p)));
    s = madd(v128.load32_splat(addr(ai, p * aps)), col, s);
  }
  if (add) s = f32x4.add(s, v128.load(cj));
  v128.store(cj, s);
}

/** C (+)= the rows × cols corner of the tile computed into `edge` (edgeCols floats a row), at dst (C's rows ldcBytes apart). */
@inline
function copyEdge(edge: usize, edgeCols: i32, rows: i32, cols: i32, dst: usize, ldcBytes: usize, add: bool): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const d = dst + <usize>i * ldcBytes + (<usize>j << 2);
      const v = load<f32>(addr(edge, i * edgeCols + j));
      store<f32>(d, add ? load<f32>(d) + v : v);
    }
  }
}

/** The 4×8 tile of C at (ic + ir, jc + jr) from the packed panels: dense, or over the panel's non-zero p. */
@inline
function tile(ir: i32, jr: i32, mc: i32, nc: i32, kc: i32, ic: i32, jc: i32, packedA: usize, packedB: usize, lists: usize,
              counts: usize, edge: usize, c: usize, ldc: i32, add: bool): void {
  const ldcBytes = <usize>ldc << 2;
  const mr = min(MR, mc - ir), nr = min(NR, nc - jr);
  const bp = addr(packedB, jr * KC);
  const ap = addr(packedA, ir * kc);
  const cp = addr(c, (ic + ir) * ldc + jc + jr);
  const list = lists + (<usize>((ir / MR) * LIST) << 1), count = load<i32>(addr(counts, ir / MR));
  const sparse = count * 8 < kc * 7; // fewer than 7/8 of the p left: worth the indirection
  if (mr == MR && nr == NR) {
    if (sparse) microKernel(true, count, list, ap, bp, cp, ldcBytes, add);
    else microKernel(false, kc, list, ap, bp, cp, ldcBytes, add);
  } else {
    if (sparse) microKernel(true, count, list, ap, bp, edge, NR << 2, false);
    else microKernel(false, kc, list, ap, bp, edge, NR << 2, false);
    copyEdge(edge, NR, mr, nr, cp, ldcBytes, add);
  }
}

// ---------------------------------------------------------------------------------------------------
/** The depth of the k blocks for a sum over k terms: equal blocks of at most KC (784 → 4 × 196, not 3 × 256 + 16). */
export function kBlock(k: i32): i32 {
  if (k <= 0) return 1;
  const blocks = (k + KC - 1) / KC;
  return (k + blocks - 1) / blocks;
}

// How a block's panels of A go (sparse.ts): by rows where that skips more zeros than the panel (56 columns in two steps
// of 28, then 24), or by pairs of rows (16 columns a step), or by panels only (n ≤ 8). The first block of a call lists all three and
// chooses (DECIDE); the later ones list only what the choice needs. Every way gives the same bits.
const DECIDE = 0, BY_ROWS = 1, BY_PAIRS = 2, BY_PANELS = 3;
/** Panels of B in a wide group by rows: 56 columns, two halves of 28 (rowKernel28); the narrow group is RP (rowKernel). */
const WIDE: i32 = 7;

// The cost of a group of `panels` panels of B for one panel of A, in quarters of a tile step (microKernel, 8 multiply-adds):
// by rows, 5 a row step (it waits on its sums; a wide group takes two a p), by tiles 4 a step of each panel's tile.
@inline
function byRowsCost(rowSteps: i32, panels: i32): i32 {
  return 5 * rowSteps * (panels == WIDE ? 2 : 1);
}
@inline
function byTilesCost(panelSteps: i32, panels: i32): i32 {
  return 4 * panels * panelSteps;
}

/**
 * One block of rows of C (ic…ic+MC−1) and of the sum (pc…pc+kc−1), B's block already packed at packedB; `mode`
 * says how its panels go (DECIDE: choose now). Returns the mode it used.
 */
function block(ic: i32, pc: i32, m: i32, k: i32, kcStep: i32, nc: i32, jc: i32, a: usize, ais: i32, aps: i32, packedB: usize,
               c: usize, ldc: i32, add: bool, mode: i32, work: usize): i32 {
  const packedA = work;
  const edge = addr(packedA, MC * KC + KC * NC); // a 4×8 tile for the edges of C, copied out element by element
  const counts = addr(edge, MR * NR); //     per panel of A: how many p with a non-zero value
  const rowCounts = addr(counts, PANELS); // per row of A: how many
  const pairCounts = addr(rowCounts, MC); // per pair of rows of A: how many
  const table = addr(pairCounts, MC / 2); // listNonZeros's table (16 × u64)
  const lists = addr(table, 32); //          per panel of A: those p (u16, LIST apart)
  const rowLists = lists + (<usize>(PANELS * LIST) << 1); // per row of A: 32·p for those p (u16, LIST apart)
  const pairLists = rowLists + (<usize>(MC * LIST) << 1); // per pair of rows: 32·p for those p
  if (ic == 0 && pc == 0) fillPositions(table);
  const mc = min(MC, m - ic), kc = min(kcStep, k - pc);
  packA(mc, kc, addr(a, ic * ais + pc * aps), ais, aps, packedA);
  const pairs = mode == DECIDE || mode == BY_PAIRS;
  // two calls, so that the optimizer keeps listNonZeros a function of its own (one call would be inlined)
  if (mode == DECIDE || mode == BY_ROWS) listNonZeros(mc, kc, packedA, lists, counts, true, rowLists, rowCounts, pairs, pairLists, pairCounts, table);
  else listNonZeros(mc, kc, packedA, lists, counts, false, rowLists, rowCounts, pairs, pairLists, pairCounts, table);
  // (by rows needs 24 columns: a narrower C that is cheaper by rows than by pairs goes by panels, and lists no rows)
  if (mode == DECIDE) mode = byPairs(mc, nc, counts, rowCounts, pairCounts) ? BY_PAIRS : nc >= RP * NR ? BY_ROWS : BY_PANELS;
  const ldcBytes = <usize>ldc << 2; // (packed panels of B are PANEL_BYTES apart)
  let jr = 0;
  for (; mode == BY_PAIRS && nc - jr > NR; jr += 2 * NR) { // 16 columns at a time (the last 9–15 too), two rows at a time
    const bp = addr(packedB, jr * KC), nr = min(2 * NR, nc - jr);
    for (let ir = 0; ir < mc; ir += MR) {
      if (mc - ir < MR) { // the last rows of C: by panel
        for (let q = 0; q < 2; q++) tile(ir, jr + q * NR, mc, nc, kc, ic, jc, packedA, packedB, lists, counts, edge, c, ldc, add);
        continue;
      }
      const ap = addr(packedA, ir * kc), hc = addr(pairCounts, ir / 2), list = pairLists + (<usize>(ir / 2 * LIST) << 1);
      const ci = addr(c, (ic + ir) * ldc + jc + jr);
      for (let h = 0; h < 2; h++) {
        touch();
        const steps = load<i32>(addr(hc, h)), hl = list + (<usize>(h * LIST) << 1), ah = ap + (<usize>h << 3), ch = ci + 2 * <usize>h * ldcBytes;
        if (nr == 2 * NR) {
          pairKernel(steps, hl, ah, bp, ch, ldcBytes, add);
          continue;
        }
        pairKernel(steps, hl, ah, bp, edge, 2 * NR << 2, false); // C has fewer columns: through edge
        copyEdge(edge, 2 * NR, 2, nr, ch, ldcBytes, add);
      }
    }
  }
  // By rows, where that costs less than by tiles (byRowsCost): 56 columns at a time (two halves of 28, rowKernel28),
  // then 24 (rowKernel).
  while (mode == BY_ROWS && jr + RP * NR <= nc) {
    const wide = jr + WIDE * NR <= nc, panels = wide ? WIDE : RP; // panels of B (8 columns each) in this group
    const bp = addr(packedB, jr * KC);
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      const ap = addr(packedA, ir * kc);
      const rc = addr(rowCounts, ir);
      const byRows = load<i32>(rc) + load<i32>(rc, 4) + load<i32>(rc, 8) + load<i32>(rc, 12);
      if (mr == MR && byRowsCost(byRows, panels) < byTilesCost(load<i32>(addr(counts, ir / MR)), panels)) {
        for (let i = 0; i < MR; i++) {
          touch();
          const steps = load<i32>(addr(rc, i)), list = rowLists + (<usize>((ir + i) * LIST) << 1), ci = addr(c, (ic + ir + i) * ldc + jc + jr);
          if (wide) {
            rowKernel28(false, steps, list, addr(ap, i), bp, ci, add);
            rowKernel28(true, steps, list, addr(ap, i), bp, ci + 112, add);
          } else {
            rowKernel(steps, list, addr(ap, i), bp, ci, add);
          }
        }
      } else {
        for (let q = 0; q < panels; q++) tile(ir, jr + q * NR, mc, nc, kc, ic, jc, packedA, packedB, lists, counts, edge, c, ldc, add);
      }
    }
    jr += panels * NR;
  }
  for (; jr < nc; jr += NR) {
    for (let ir = 0; ir < mc; ir += MR) tile(ir, jr, mc, nc, kc, ic, jc, packedA, packedB, lists, counts, edge, c, ldc, add);
  }
  return mode;
}

/**
 * Whether a block costs less by pairs of rows than by rows (and panels where those are denser), from the lengths
 * of its lists. In the time of one step of microKernel (8 multiply-adds): a step of a 4×8 tile or of a pair (2 × 16)
 * costs 1, of a row (1 × 28 or 1 × 24, 7 or 6 multiply-adds but bound by their latency) 1.25; the columns left over go
 * by tiles. (The full batch's X·W goes by rows, 9 % faster than by pairs; Xᵀ·dZ by pairs, 14 % faster than by rows.)
 */
function byPairs(mc: i32, nc: i32, counts: usize, rowCounts: usize, pairCounts: usize): bool {
  let rows56 = 0, rows24 = 0, pairs = 0, tiles = 0; // steps × 4, for one group of columns
  for (let ir = 0; ir + MR <= mc; ir += MR) {
    const u = load<i32>(addr(counts, ir / MR)), rc = addr(rowCounts, ir), hc = addr(pairCounts, ir / 2);
    const byRows = load<i32>(rc) + load<i32>(rc, 4) + load<i32>(rc, 8) + load<i32>(rc, 12);
    rows56 += min(byRowsCost(byRows, WIDE), byTilesCost(u, WIDE)); // 56 columns: rows or 7 tiles, as block chooses
    rows24 += min(byRowsCost(byRows, RP), byTilesCost(u, RP)); //     24 columns: rows or 3 tiles
    pairs += 4 * (load<i32>(hc) + load<i32>(hc, 4)); //               16 columns: a pair step costs a tile step
    tiles += byTilesCost(u, 1); //                                     8 columns
  }
  const groups56 = nc / (WIDE * NR), rest = nc - groups56 * WIDE * NR, groups24 = rest / (RP * NR), left24 = (rest - groups24 * RP * NR + NR - 1) / NR;
  const rest16 = nc % (2 * NR), groups16 = nc / (2 * NR) + (rest16 > NR ? 1 : 0), left16 = rest16 > NR ? 0 : (rest16 + NR - 1) / NR;
  return <i64>groups16 * pairs + <i64>left16 * tiles < <i64>groups56 * rows56 + <i64>groups24 * rows24 + <i64>left24 * tiles;
}

// ---------------------------------------------------------------------------------------------------
/**
 * C (+)= op(A)·op(B) for an m×n block of C with row stride ldc (in floats); accumulate ≠ 0 adds to C.
 * The sum over k goes in blocks of kcStep (≤ KC; give kBlock(K) of the whole product when a caller splits
 * k itself, so the blocks, hence the roundings, are the same). `work` points to WORK_BYTES of scratch
 * memory that no other thread uses at the same time. Each block of rows of C, once its sum is complete and while it
 * is in the cache, is finished (finish): `bias` ≠ 0, the address of n floats added to each row (a Dense layer's
 * Z = X·W + b); `relu` ≠ 0, then C = max(0, C) (a ReLU after the Dense layer); `mask` ≠ 0, the address of a matrix laid
 * out as C (rows ldc apart), then C = C ⊙ 1[mask > 0] (a ReLU's backward: dZ = dA ⊙ 1[A > 0]). The same bits as the
 * separate passes afterwards.
 */
export function gemm(m: i32, n: i32, k: i32, kcStep: i32,
                     a: usize, ais: i32, aps: i32,
                     b: usize, bps: i32, bjs: i32,
                     c: usize, ldc: i32, accumulate: i32, work: usize, bias: usize, relu: i32, mask: usize): void {
  if (m <= 0 || n <= 0) return;
  const ldcBytes = <usize>ldc << 2;
  if (k <= 0) { // an empty sum: C = 0 (or C unchanged)
    if (accumulate == 0) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcBytes, 0, <usize>n << 2);
    finish(0, 0, m, n, c, ldc, bias, relu, mask);
    return;
  }
  if (kcStep <= 0 || kcStep > KC) kcStep = kBlock(k);
  if (m < MR) {
    fewRows(m, n, k, kcStep, a, ais, aps, b, bps, bjs, c, ldc, accumulate != 0);
    finish(0, 0, m, n, c, ldc, bias, relu, mask);
    return;
  }
  const packedB = addr(work, MC * KC);
  aheadEnd = 0; // nothing to read ahead unless the tall path below says so
  let mode = n > NR ? DECIDE : BY_PANELS; // the pair kernel needs 2 panels of B (the row kernel RP)
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc), ncPadded = (nc + NR - 1) / NR * NR;
    const kBlocks = (k + kcStep - 1) / kcStep;
    if (kBlocks * ncPadded <= NC) {
      // All of B's k blocks fit in packed B at once: pack them all, then finish each block of rows of C over
      // every k block while it is in the cache (a tall C, like a full batch's, is then read and written once).
      for (let pc = 0; pc < k; pc += kcStep) packB(min(kcStep, k - pc), nc, addr(b, pc * bps + jc * bjs), bps, bjs, addr(packedB, pc / kcStep * KC * ncPadded));
      for (let ic = 0; ic < m; ic += MC) {
        // A·B: the next block's rows of A, read ahead while this one is computed (touch)
        aheadAt = aps == 1 && ic + MC < m ? addr(a, (ic + MC) * ais) : 0;
        aheadEnd = aheadAt == 0 ? 0 : addr(a, (min(m, ic + 2 * MC) - 1) * ais + k);
        for (let pc = 0; pc < k; pc += kcStep) {
          mode = block(ic, pc, m, k, kcStep, nc, jc, a, ais, aps, addr(packedB, pc / kcStep * KC * ncPadded), c, ldc, accumulate != 0 || pc > 0, mode, work);
        }
        finish(ic, jc, min(MC, m - ic), nc, c, ldc, bias, relu, mask); // this block of C, finished: its bias (and ReLU or mask) now
      }
    } else {
      for (let pc = 0; pc < k; pc += kcStep) {
        packB(min(kcStep, k - pc), nc, addr(b, pc * bps + jc * bjs), bps, bjs, packedB);
        for (let ic = 0; ic < m; ic += MC) {
          mode = block(ic, pc, m, k, kcStep, nc, jc, a, ais, aps, packedB, c, ldc, accumulate != 0 || pc > 0, mode, work);
          if (pc + kcStep >= k) finish(ic, jc, min(MC, m - ic), nc, c, ldc, bias, relu, mask); // finished at the last k block
        }
      }
    }
  }
}

/**
 * The end of a finished block of C, rows × nc at row ic and column jc of C (rows ldc floats apart): + bias, then ReLU, or
 * × 1[mask > 0], the bias at its column jc and the mask at the block's place in its own C-shaped matrix (see gemm).
 */
function finish(ic: i32, jc: i32, rows: i32, nc: i32, c: usize, ldc: i32, bias: usize, relu: i32, mask: usize): void {
  const offset = <usize>(ic * ldc + jc) << 2, cb = c + offset, ldcBytes = <usize>ldc << 2;
  if (bias != 0) addRowVector(rows, nc, cb, addr(bias, jc), cb, ldcBytes);
  for (let i = 0; relu != 0 && i < rows; i++) reluForward(nc, cb + <usize>i * ldcBytes, cb + <usize>i * ldcBytes);
  for (let i = 0; mask != 0 && i < rows; i++) {
    const row = <usize>i * ldcBytes;
    reluBackward(nc, cb + row, mask + offset + row, cb + row);
  }
}

/** What the read-ahead loads summed: nothing uses it, but returning it keeps the loads from being optimised away. */
export function readAheadSink(): i32 {
  return sink;
}

// ---------------------------------------------------------------------------------------------------
// The element-wise kernels (the parameter update, a layer's bias, ReLU, Σ over rows) are in elementwise.ts; the bias,
// ReLU and Σ over rows are reached through convPart, which shares them between the threads.
export { addScaled, reluForward, reluBackward, adamUpdate } from "./elementwise";
// The rearrangements of a convolution and of max-pooling (im2col, col2im, the channel layouts, pooling) are in conv.ts,
// with convPart, the one entry of the threads (also for the softmax cross-entropy of loss.ts).
export { convPart } from "./conv";
// The batched small products (attention heads) are in batched.ts.
export { gemmBatched } from "./batched";
// The LSTM's gates, one time step forward or backward (chapter 14), are in gates.ts.
export { lstmGatesForward, lstmGatesBackward } from "./gates";
// LayerNorm and the attention softmax, forward and backward, and the heads' rearrangement (chapter 15; issue 31) are in norm.ts.
export { layerNormForward, layerNormBackward, attentionSoftmax, attentionSoftmaxBackward, moveHeads } from "./norm";
