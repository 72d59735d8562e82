// Zeros in A, for gemm.ts (AssemblyScript): which p each panel, each row and each pair of rows of packed A needs,
// and the kernels that compute one row, or two rows, of C over those p only.
//
// MNIST's images are ~80% black pixels, and a ReLU's output about half zeros. A term 0·b leaves a float sum exactly
// as it was, so skipping it changes no bit of the result (as in the JS loops, a NaN or ∞ in B times a 0 in A is
// skipped instead of giving NaN). gemm.ts's 4×8 micro-kernel skips the p where all 4 rows of its panel are 0; a
// panel of sparse rows can go row by row instead, each row over its own p (MNIST's rows are ~19% non-zero, but the
// union of 4 images ~39%), or by pairs of rows (two neighbouring pixels of the images are ~22% non-zero, four ~28%).

import { madd } from "./madd";
import { MR, NR, KC, LIST, RP, PANEL_BYTES, addr } from "./tiles";

// The kernels below reach panel q of B at the constant offset q·PANEL_BYTES, written out as numbers (8192, 16384, …:
// a load's offset must be a literal). If the tile sizes change, the build stops here instead of the kernels going wrong.
if (PANEL_BYTES != 8192) ERROR("sparse.ts: the kernels' load offsets assume PANEL_BYTES = 8192 (KC·NR·4); rewrite them");

/** Fills the 16-entry table listNonZeros uses: for each 4-bit mask, the positions of its 1 bits as four u16 (lowest first). */
export function fillPositions(table: usize): void {
  for (let mask = 0; mask < 16; mask++) {
    let entry: u64 = 0, k: u64 = 0;
    for (let j = 0; j < 4; j++) {
      if ((mask >> j) & 1) { entry |= <u64>j << (16 * k); k++; }
    }
    store<u64>(table + (<usize>mask << 3), entry);
  }
}

/**
 * For each MR-row panel of packed A: the p where A(i..i+3, p) are not all 0 (u16, into lists, LIST apart) and how
 * many (into counts). With `rows`, also for each row i of the block: 32·p for the p where A(i, p) ≠ 0 (u16, into
 * rowLists, LIST apart: 32·p is where row p of a packed panel of B starts) and how many (into rowCounts). With
 * `pairs`, the same for each pair of rows (i, i + 1), i even: the p where either is not 0 (pairLists, pairCounts).
 * Four p at a time and without a branch: a 4-bit mask of the non-zeros picks their positions from `table`, all
 * four are written, and the list grows by the number of 1 bits.
 */
export function listNonZeros(mc: i32, kc: i32, packedA: usize, lists: usize, counts: usize, rows: bool, rowLists: usize,
                             rowCounts: usize, pairs: bool, pairLists: usize, pairCounts: usize, table: usize): void {
  const spread: u64 = 0x0001000100010001; // p·spread: p in each of four u16
  const zero = f32x4.splat(0);
  for (let panel = 0; panel * MR < mc; panel++) {
    const ap = addr(packedA, panel * kc * MR), list = lists + (<usize>(panel * LIST) << 1);
    const l0 = rowLists + (<usize>(panel * MR * LIST) << 1), l1 = l0 + (LIST << 1), l2 = l1 + (LIST << 1), l3 = l2 + (LIST << 1);
    const h0 = pairLists + (<usize>(panel * 2 * LIST) << 1), h1 = h0 + (LIST << 1);
    let count = 0, n0 = 0, n1 = 0, n2 = 0, n3 = 0, n01 = 0, n23 = 0;
    let p = 0;
    for (; p + 4 <= kc; p += 4) {
      const q = addr(ap, p * MR);
      const nz01 = i16x8.narrow_i32x4_s(f32x4.ne(v128.load(q), zero), f32x4.ne(v128.load(q, 16), zero));
      const nz23 = i16x8.narrow_i32x4_s(f32x4.ne(v128.load(q, 32), zero), f32x4.ne(v128.load(q, 48), zero));
      // byte 4j + i says whether A(i, p + j) ≠ 0; regrouped by row, bits 4i … 4i + 3 of the mask are row i's
      const byRow = i8x16.shuffle(i8x16.narrow_i16x8_s(nz01, nz23), zero, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
      const bits = i8x16.bitmask(byRow);
      const m0 = bits & 15, m1 = (bits >> 4) & 15, m2 = (bits >> 8) & 15, m3 = bits >> 12, any = m0 | m1 | m2 | m3;
      const base = <u64>p * spread;
      store<u64>(list + (<usize>count << 1), base + load<u64>(table + (<usize>any << 3)));
      count += popcnt(any);
      if (rows) {
        store<u64>(l0 + (<usize>n0 << 1), (base + load<u64>(table + (<usize>m0 << 3))) << 5); n0 += popcnt(m0);
        store<u64>(l1 + (<usize>n1 << 1), (base + load<u64>(table + (<usize>m1 << 3))) << 5); n1 += popcnt(m1);
        store<u64>(l2 + (<usize>n2 << 1), (base + load<u64>(table + (<usize>m2 << 3))) << 5); n2 += popcnt(m2);
        store<u64>(l3 + (<usize>n3 << 1), (base + load<u64>(table + (<usize>m3 << 3))) << 5); n3 += popcnt(m3);
      }
      if (pairs) {
        const m01 = m0 | m1, m23 = m2 | m3;
        store<u64>(h0 + (<usize>n01 << 1), (base + load<u64>(table + (<usize>m01 << 3))) << 5); n01 += popcnt(m01);
        store<u64>(h1 + (<usize>n23 << 1), (base + load<u64>(table + (<usize>m23 << 3))) << 5); n23 += popcnt(m23);
      }
    }
    for (; p < kc; p++) { // the last few p, one at a time
      const nz = f32x4.ne(v128.load(addr(ap, p * MR)), zero); // −1 in the lanes that are not 0
      store<u16>(list + (<usize>count << 1), p);
      count += <i32>v128.any_true(nz);
      if (rows) {
        store<u16>(l0 + (<usize>n0 << 1), p << 5); n0 -= i32x4.extract_lane(nz, 0);
        store<u16>(l1 + (<usize>n1 << 1), p << 5); n1 -= i32x4.extract_lane(nz, 1);
        store<u16>(l2 + (<usize>n2 << 1), p << 5); n2 -= i32x4.extract_lane(nz, 2);
        store<u16>(l3 + (<usize>n3 << 1), p << 5); n3 -= i32x4.extract_lane(nz, 3);
      }
      if (pairs) {
        store<u16>(h0 + (<usize>n01 << 1), p << 5); n01 -= i32x4.extract_lane(nz, 0) | i32x4.extract_lane(nz, 1);
        store<u16>(h1 + (<usize>n23 << 1), p << 5); n23 -= i32x4.extract_lane(nz, 2) | i32x4.extract_lane(nz, 3);
      }
    }
    store<i32>(addr(counts, panel), count);
    if (rows) {
      const rc = addr(rowCounts, panel * MR);
      store<i32>(rc, n0); store<i32>(rc, n1, 4); store<i32>(rc, n2, 8); store<i32>(rc, n3, 12);
    }
    if (pairs) {
      const hc = addr(pairCounts, panel * 2);
      store<i32>(hc, n01); store<i32>(hc, n23, 4);
    }
  }
}

// One row of C across RP panels of B (24 columns), for sparse rows: only the p where this row's A(i, p) ≠ 0.
//   C(i, j..j+23) (+)= Σ_p A(i, p)·B(p, j..j+23)
// Each entry is summed over the same p in the same order as by microKernel (which also visits the p where only
// the panel's other rows are non-zero, adding 0·b, which changes nothing), so the two give the same bits.
// MNIST's rows are ~19% non-zero, but a panel of 4 images ~39%: here each row does only its own.
// (rowKernel28 below does 28 columns with 7 sums; 32 columns would need 17 registers of the 15 V8 gives WebAssembly on
// x64, and the spilled sums made it 17 % slower.)
@inline
export function rowKernel(steps: i32, list: usize, ap: usize, bp: usize, c: usize, add: bool): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let s4 = f32x4.splat(0), s5 = f32x4.splat(0);
  const end = list + (<usize>steps << 1);
  for (let t = list; t < end; t += 2) {
    const o = <usize>load<u16>(t); //             32·p: row p of each packed panel of B (NR floats per p)
    const x = v128.load32_splat(ap + (o >> 1)); // A(i, p): MR floats per p in the packed panel of A
    const b = bp + o; //                          row p of panel 0; panels PANEL_BYTES (8192) apart
    s0 = madd(x, v128.load(b), s0); s1 = madd(x, v128.load(b, 16), s1);
    s2 = madd(x, v128.load(b, 8192), s2); s3 = madd(x, v128.load(b, 8208), s3);
    s4 = madd(x, v128.load(b, 16384), s4); s5 = madd(x, v128.load(b, 16400), s5);
  }
  if (add) {
    s0 = f32x4.add(s0, v128.load(c)); s1 = f32x4.add(s1, v128.load(c, 16));
    s2 = f32x4.add(s2, v128.load(c, 32)); s3 = f32x4.add(s3, v128.load(c, 48));
    s4 = f32x4.add(s4, v128.load(c, 64)); s5 = f32x4.add(s5, v128.load(c, 80));
  }
  v128.store(c, s0); v128.store(c, s1, 16); v128.store(c, s2, 32); v128.store(c, s3, 48);
  v128.store(c, s4, 64); v128.store(c, s5, 80);
}

// One row of C across 28 columns (7 sums): half of a group of 7 panels of B (56 columns). The first half starts at
// the beginning of panel 0 (vectors 0a 0b 1a 1b 2a 2b 3a), the second in the middle of panel 3 (3b 4a 4b 5a 5b 6a 6b):
// `second` shifts the pattern by half a panel (panels 3…6 of the group at bp). 7 sums, 7 loads of B and A(i, p)
// fill V8's 15 registers: one sum more than rowKernel, so a step that waits on the multiply-add's latency does 7.
// One address a step, b = bp + 32·p: the panels are PANEL_BYTES (8192) apart, so each load is b + a constant.
@inline
export function rowKernel28(second: bool, steps: i32, list: usize, ap: usize, bp: usize, c: usize, add: bool): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0);
  const end = list + (<usize>steps << 1);
  for (let t = list; t < end; t += 2) {
    const o = <usize>load<u16>(t); //             32·p
    const x = v128.load32_splat(ap + (o >> 1)); // A(i, p)
    const b = bp + o;
    if (second) { // panels 3 (its second half) to 6
      s0 = madd(x, v128.load(b, 24592), s0);
      s1 = madd(x, v128.load(b, 32768), s1); s2 = madd(x, v128.load(b, 32784), s2);
      s3 = madd(x, v128.load(b, 40960), s3); s4 = madd(x, v128.load(b, 40976), s4);
      s5 = madd(x, v128.load(b, 49152), s5); s6 = madd(x, v128.load(b, 49168), s6);
    } else { //      panels 0 to 3 (its first half)
      s0 = madd(x, v128.load(b), s0); s1 = madd(x, v128.load(b, 16), s1);
      s2 = madd(x, v128.load(b, 8192), s2); s3 = madd(x, v128.load(b, 8208), s3);
      s4 = madd(x, v128.load(b, 16384), s4); s5 = madd(x, v128.load(b, 16400), s5);
      s6 = madd(x, v128.load(b, 24576), s6);
    }
  }
  if (add) {
    s0 = f32x4.add(s0, v128.load(c)); s1 = f32x4.add(s1, v128.load(c, 16));
    s2 = f32x4.add(s2, v128.load(c, 32)); s3 = f32x4.add(s3, v128.load(c, 48));
    s4 = f32x4.add(s4, v128.load(c, 64)); s5 = f32x4.add(s5, v128.load(c, 80));
    s6 = f32x4.add(s6, v128.load(c, 96));
  }
  v128.store(c, s0); v128.store(c, s1, 16); v128.store(c, s2, 32); v128.store(c, s3, 48);
  v128.store(c, s4, 64); v128.store(c, s5, 80); v128.store(c, s6, 96);
}

// Two rows of C (i, i+1) across two panels of B (16 columns), over the p where either row is non-zero: 8 sums, the
// 4 loads of B and the two A(·, p) in 14 registers. A step does as many multiply-adds as microKernel's, and a pair
// of neighbouring rows can have far fewer non-zero p than a panel of 4 (two neighbouring MNIST pixels are ~22 %
// non-zero over the images, four ~28 %). Same bits as microKernel and rowKernel: the p where only the other row
// is non-zero add 0·b, which changes nothing.
@inline
export function pairKernel(steps: i32, list: usize, ap: usize, bp: usize, c: usize, ldc: usize, add: bool): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0); // row i
  let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0), t3 = f32x4.splat(0); // row i + 1
  const end = list + (<usize>steps << 1);
  for (let t = list; t < end; t += 2) {
    const o = <usize>load<u16>(t); //  32·p
    const a = ap + (o >> 1); //        A(i, p), then A(i + 1, p)
    const x = v128.load32_splat(a), y = v128.load32_splat(a, 4);
    const b = bp + o; // row p of the first panel; the second is PANEL_BYTES (8192) further
    const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 8192), b3 = v128.load(b, 8208);
    s0 = madd(x, b0, s0); s1 = madd(x, b1, s1); s2 = madd(x, b2, s2); s3 = madd(x, b3, s3);
    t0 = madd(y, b0, t0); t1 = madd(y, b1, t1); t2 = madd(y, b2, t2); t3 = madd(y, b3, t3);
  }
  if (add) {
    s0 = f32x4.add(s0, v128.load(c)); s1 = f32x4.add(s1, v128.load(c, 16));
    s2 = f32x4.add(s2, v128.load(c, 32)); s3 = f32x4.add(s3, v128.load(c, 48));
    t0 = f32x4.add(t0, v128.load(c + ldc)); t1 = f32x4.add(t1, v128.load(c + ldc, 16));
    t2 = f32x4.add(t2, v128.load(c + ldc, 32)); t3 = f32x4.add(t3, v128.load(c + ldc, 48));
  }
  v128.store(c, s0); v128.store(c, s1, 16); v128.store(c, s2, 32); v128.store(c, s3, 48);
  v128.store(c + ldc, t0); v128.store(c + ldc, t1, 16); v128.store(c + ldc, t2, 32); v128.store(c + ldc, t3, 48);
}
