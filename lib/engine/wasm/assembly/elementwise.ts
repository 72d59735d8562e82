// Element-wise kernels, compiled into lib/engine/wasm/gemm.wasm with the products (AssemblyScript; see gemm.ts).
//
// These passes are memory-bound: each reads and writes every number once. In JavaScript a loop over a
// Float32Array converts each number to a float64 and back; here one f32x4 instruction does 4 at a time.
// Each computes exactly what the JS loop of lib/core/matrix.ts or lib/nn/layers.ts computes, bit for bit
// (the same float32 sums in the same order, the same treatment of 0, −0 and NaN), so either may run.
// Addresses are bytes in linear memory; n, m are counts of floats; in-place use (out = a) is allowed.

@inline
function addr(base: usize, index: i32): usize {
  return base + (<usize>index << 2); // 4 bytes per float32
}

/** out[i] = a[i] + s·b[i] for i < n    (the update W ← W − α·dW) */
export function addScaled(n: i32, a: usize, b: usize, s: f32, out: usize): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), f32x4.mul(sv, v128.load(b + o))));
  }
  for (; i < n; i++) store<f32>(addr(out, i), load<f32>(addr(a, i)) + s * load<f32>(addr(b, i)));
}

/**
 * out[i, j] = a[i, j] + b[j]   (Z = X·W + b: the bias added to each of the m rows of n columns), the rows of a and out
 * rowBytes apart (n·4 for a whole matrix; more for a block of a wider one, as gemm.ts adds a bias to a block of C).
 */
export function addRowVector(m: i32, n: i32, a: usize, b: usize, out: usize, rowBytes: usize): void {
  for (let i = 0; i < m; i++) {
    const row = <usize>i * rowBytes;
    const ai = a + row, oi = out + row;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(oi + o, f32x4.add(v128.load(ai + o), v128.load(b + o)));
    }
    for (; j < n; j++) store<f32>(addr(oi, j), load<f32>(addr(ai, j)) + load<f32>(addr(b, j)));
  }
}

/**
 * out[j] = Σ_i a[i, j]   (db = Σ_rows dZ) for the columns j0 ≤ j < j1 of an m×n a (j0 a multiple of 64: the threads
 * share a wide matrix that way). Each column is summed from row 0 down, in float32, as the JS loop does: 4 columns per
 * instruction, in blocks of 64 columns whose running sums stay in 16 registers, 256 rows of every block before the next
 * 256 rows (each row's columns read together: a fifth less time for a full batch's 60,000 × 256 on two threads).
 */
export function sumColumns(m: i32, n: i32, a: usize, out: usize, j0: i32, j1: i32): void {
  const rowBytes = <usize>n << 2;
  if (m <= 0) { // sums of nothing
    memory.fill(out + (<usize>j0 << 2), 0, <usize>(j1 - j0) << 2);
    return;
  }
  const wide = (j1 - j0) / 64 * 64; // the blocks of 64 columns: 256 rows at a time, each block's sums kept in out between
  for (let i0 = 0; i0 < m; i0 += 256) { // (so that the rows' next 64 columns are read while their lines are in the cache)
    for (let j = j0; j < j0 + wide; j += 64) sum64(min(256, m - i0), rowBytes, a + <usize>i0 * rowBytes + (<usize>j << 2), out + (<usize>j << 2), i0 > 0);
  }
  let j = j0 + wide;
  for (; j + 16 <= j1; j += 16) { // a narrow matrix (conv 1's dZ': 16 columns) in one pass, not one per 4 columns
    const col = a + (<usize>j << 2);
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let i = 0; i < m; i++) {
      const r = col + <usize>i * rowBytes;
      s0 = f32x4.add(s0, v128.load(r)); s1 = f32x4.add(s1, v128.load(r, 16));
      s2 = f32x4.add(s2, v128.load(r, 32)); s3 = f32x4.add(s3, v128.load(r, 48));
    }
    const o = out + (<usize>j << 2);
    v128.store(o, s0); v128.store(o, s1, 16); v128.store(o, s2, 32); v128.store(o, s3, 48);
  }
  for (; j + 4 <= j1; j += 4) {
    const col = a + (<usize>j << 2);
    let s = f32x4.splat(0);
    for (let i = 0; i < m; i++) s = f32x4.add(s, v128.load(col + <usize>i * rowBytes));
    v128.store(out + (<usize>j << 2), s);
  }
  for (; j < j1; j++) {
    let s: f32 = 0;
    for (let i = 0; i < m; i++) s += load<f32>(addr(a, i * n + j));
    store<f32>(addr(out, j), s);
  }
}

/**
 * out[e] = Σ_t parts[t·size + e] for lo ≤ e < hi and t < count: the partial sums of a product split by depth (longSum in
 * lib/engine/wasm/rearrange.ts), added in float64 in the order t = 0, 1, … and rounded to float32 once, two at a time.
 */
export function sumParts(lo: i32, hi: i32, size: i32, parts: usize, count: i32, out: usize): void {
  let e = lo;
  for (; e + 2 <= hi; e += 2) {
    let s = f64x2.promote_low_f32x4(v128.load64_zero(addr(parts, e)));
    for (let t = 1; t < count; t++) s = f64x2.add(s, f64x2.promote_low_f32x4(v128.load64_zero(addr(parts, t * size + e))));
    v128.store64_lane(addr(out, e), f32x4.demote_f64x2_zero(s), 0);
  }
  for (; e < hi; e++) {
    let s = <f64>load<f32>(addr(parts, e));
    for (let t = 1; t < count; t++) s += <f64>load<f32>(addr(parts, t * size + e));
    store<f32>(addr(out, e), <f32>s);
  }
}

/** o[0..63] (+)= Σ_i col[i·rowBytes + 0..63] over `rows` rows: 64 columns' running sums, in 16 registers. */
@inline
function sum64(rows: i32, rowBytes: usize, col: usize, o: usize, add: bool): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
  let s8 = f32x4.splat(0), s9 = f32x4.splat(0), sa = f32x4.splat(0), sb = f32x4.splat(0);
  let sc = f32x4.splat(0), sd = f32x4.splat(0), se = f32x4.splat(0), sf = f32x4.splat(0);
  if (add) {
    s0 = v128.load(o); s1 = v128.load(o, 16); s2 = v128.load(o, 32); s3 = v128.load(o, 48);
    s4 = v128.load(o, 64); s5 = v128.load(o, 80); s6 = v128.load(o, 96); s7 = v128.load(o, 112);
    s8 = v128.load(o, 128); s9 = v128.load(o, 144); sa = v128.load(o, 160); sb = v128.load(o, 176);
    sc = v128.load(o, 192); sd = v128.load(o, 208); se = v128.load(o, 224); sf = v128.load(o, 240);
  }
  for (let i = 0; i < rows; i++) {
    const r = col + <usize>i * rowBytes;
    s0 = f32x4.add(s0, v128.load(r)); s1 = f32x4.add(s1, v128.load(r, 16));
    s2 = f32x4.add(s2, v128.load(r, 32)); s3 = f32x4.add(s3, v128.load(r, 48));
    s4 = f32x4.add(s4, v128.load(r, 64)); s5 = f32x4.add(s5, v128.load(r, 80));
    s6 = f32x4.add(s6, v128.load(r, 96)); s7 = f32x4.add(s7, v128.load(r, 112));
    s8 = f32x4.add(s8, v128.load(r, 128)); s9 = f32x4.add(s9, v128.load(r, 144));
    sa = f32x4.add(sa, v128.load(r, 160)); sb = f32x4.add(sb, v128.load(r, 176));
    sc = f32x4.add(sc, v128.load(r, 192)); sd = f32x4.add(sd, v128.load(r, 208));
    se = f32x4.add(se, v128.load(r, 224)); sf = f32x4.add(sf, v128.load(r, 240));
  }
  v128.store(o, s0); v128.store(o, s1, 16); v128.store(o, s2, 32); v128.store(o, s3, 48);
  v128.store(o, s4, 64); v128.store(o, s5, 80); v128.store(o, s6, 96); v128.store(o, s7, 112);
  v128.store(o, s8, 128); v128.store(o, s9, 144); v128.store(o, sa, 160); v128.store(o, sb, 176);
  v128.store(o, sc, 192); v128.store(o, sd, 208); v128.store(o, se, 224); v128.store(o, sf, 240);
}

/** a[i] = max(0, z[i])   (ReLU forward; max(0, −0) is 0 and a NaN stays NaN, as in the JS (z + |z|)/2) */
export function reluForward(n: i32, z: usize, a: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(a + o, f32x4.max(v128.load(z + o), zero));
  }
  for (; i < n; i++) store<f32>(addr(a, i), max(load<f32>(addr(z, i)), <f32>0));
}

/**
 * d[i] = g[i]·1[a[i] > 0] + 0   (ReLU backward: dZ = dA ⊙ 1[A > 0]). Multiplying by 1 or 0, not selecting,
 * keeps the JS loop's answer when g is NaN or ∞ (NaN·0 is NaN); + 0 turns −0 into 0.
 */
export function reluBackward(n: i32, g: usize, a: usize, d: usize): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const indicator = v128.and(f32x4.gt(v128.load(a + o), zero), one); // 1.0 where a > 0, else 0.0
    v128.store(d + o, f32x4.add(f32x4.mul(v128.load(g + o), indicator), zero));
  }
  for (; i < n; i++) {
    const indicator: f32 = load<f32>(addr(a, i)) > 0 ? 1 : 0;
    store<f32>(addr(d, i), load<f32>(addr(g, i)) * indicator + 0);
  }
}

/**
 * Adam's update of one parameter over n floats (the JS loop of lib/engine/kernels-js.ts, bit for bit): each line in
 * float64, two numbers at a time, rounded to float32 when stored; the last line reads m and s as stored:
 *   g = dW + λ·W + λ₁·sign(W),  m ← β₁·m + (1−β₁)·g,  s ← β₂·s + (1−β₂)·g·g,  W ← W − α·(m/c₁)/(√(s/c₂) + ε)
 */
export function adamUpdate(n: i32, w: usize, dw: usize, m: usize, s: usize, lr: f64, beta1: f64, beta2: f64,
                           eps: f64, c1: f64, c2: f64, l2: f64, l1: f64): void {
  const b1 = f64x2.splat(beta1), b2 = f64x2.splat(beta2), a1 = f64x2.splat(1 - beta1), a2 = f64x2.splat(1 - beta2);
  const vlr = f64x2.splat(lr), veps = f64x2.splat(eps), vc1 = f64x2.splat(c1), vc2 = f64x2.splat(c2);
  const vl2 = f64x2.splat(l2), vl1 = f64x2.splat(l1), one = f64x2.splat(1), minusOne = f64x2.splat(-1), zero = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 2;
    const wv = f64x2.promote_low_f32x4(v128.load64_zero(w + o)), dv = f64x2.promote_low_f32x4(v128.load64_zero(dw + o));
    // Math.sign: 1 above 0, −1 below, else W itself (±0, NaN)
    const sign = v128.bitselect(one, v128.bitselect(minusOne, wv, f64x2.lt(wv, zero)), f64x2.gt(wv, zero));
    const g = f64x2.add(f64x2.add(dv, f64x2.mul(vl2, wv)), f64x2.mul(vl1, sign));
    const mv = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(b1, f64x2.promote_low_f32x4(v128.load64_zero(m + o))), f64x2.mul(a1, g)));
    const sv = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(b2, f64x2.promote_low_f32x4(v128.load64_zero(s + o))), f64x2.mul(f64x2.mul(a2, g), g)));
    v128.store64_lane(m + o, mv, 0);
    v128.store64_lane(s + o, sv, 0);
    const step = f64x2.div(f64x2.mul(vlr, f64x2.div(f64x2.promote_low_f32x4(mv), vc1)),
                           f64x2.add(f64x2.sqrt(f64x2.div(f64x2.promote_low_f32x4(sv), vc2)), veps));
    v128.store64_lane(w + o, f32x4.demote_f64x2_zero(f64x2.sub(wv, step)), 0);
  }
  for (; i < n; i++) {
    const wi = <f64>load<f32>(addr(w, i));
    const sign: f64 = wi > 0 ? 1 : wi < 0 ? -1 : wi;
    const g = <f64>load<f32>(addr(dw, i)) + l2 * wi + l1 * sign;
    const mi = <f32>(beta1 * <f64>load<f32>(addr(m, i)) + (1 - beta1) * g);
    const si = <f32>(beta2 * <f64>load<f32>(addr(s, i)) + (1 - beta2) * g * g);
    store<f32>(addr(m, i), mi);
    store<f32>(addr(s, i), si);
    store<f32>(addr(w, i), <f32>(wi - (lr * (<f64>mi / c1)) / (Math.sqrt(<f64>si / c2) + eps)));
  }
}
