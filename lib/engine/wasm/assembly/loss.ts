// Softmax cross-entropy over a batch of logits (lib/nn/losses.ts's softmaxCrossEntropy; AssemblyScript, see gemm.ts),
// for the rows lo…hi−1 of an m×n batch; convPart (conv.ts) shares the rows between the threads.
//   max = maxⱼ zⱼ,  eⱼ = e^(zⱼ − max),  lse = max + log Σⱼ eⱼ,  loss = Σⱼ yⱼ·(lse − zⱼ),  gⱼ = (eⱼ/Σₖ eₖ − yⱼ)/m
// In float64 from the float32 arrays, line by line as the plain loop (lib/engine/kernels-js-norm.ts) computes it; only
// e^x and log are this file's own (no tables: a data segment would land in the shared memory's first page), within
// about an ulp of float64, so a gradient can differ from the loop's in the last bit of float32, rarely.

const LN2_HI: f64 = 6.93147180369123816490e-01; // ln 2 = LN2_HI + LN2_LO; LN2_HI has 11 zero bits at its end, so
const LN2_LO: f64 = 1.90821492927058770002e-10; // k·LN2_HI is exact for |k| < 2048
const LOG2E: f64 = 1.44269504088896338700e+00;

/** e^x for x ≤ 0 (a logit minus its row's maximum): x = k·ln 2 + r, |r| ≤ ln 2 / 2, e^r by its Taylor series to r¹³
 * (the last term, 0.35¹³/13!, is below half an ulp). */
@inline
function expNonPositive(x: f64): f64 {
  if (!(x > -708)) return x != x ? x : 0; // NaN stays NaN; e^x < 2⁻¹⁰²¹ is taken as 0 (p then rounds to 0 in float32)
  const k = Math.floor(x * LOG2E + 0.5);
  const r = (x - k * LN2_HI) - k * LN2_LO;
  // Σ rⁱ/i! for i ≤ 13 in Estrin's order (pairs, then pairs of pairs, …): a chain of ~8 operations, not Horner's 26
  const r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const q0 = 1.0 + r, q1 = 0.5 + r * (1.0 / 6.0), q2 = 1.0 / 24.0 + r * (1.0 / 120.0), q3 = 1.0 / 720.0 + r * (1.0 / 5040.0);
  const q4 = 1.0 / 40320.0 + r * (1.0 / 362880.0), q5 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
  const q6 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
  const p = (q0 + r2 * q1 + r4 * (q2 + r2 * q3)) + r8 * ((q4 + r2 * q5) + r4 * q6);
  return p * reinterpret<f64>(<i64>(<i32>k + 1023) << 52); // · 2^k (k ≥ −1021: a normal number)
}

/** expNonPositive on two numbers at once (the same operations lane by lane, so the same bits). */
@inline
function expNonPositive2(x: v128): v128 {
  const inRange = f64x2.gt(x, f64x2.splat(-708)); //            false for NaN too
  const xc = f64x2.max(x, f64x2.splat(-708)); //                  (lanes out of range are replaced below)
  const k = f64x2.floor(f64x2.add(f64x2.mul(xc, f64x2.splat(LOG2E)), f64x2.splat(0.5)));
  const r = f64x2.sub(f64x2.sub(xc, f64x2.mul(k, f64x2.splat(LN2_HI))), f64x2.mul(k, f64x2.splat(LN2_LO)));
  const r2 = f64x2.mul(r, r), r4 = f64x2.mul(r2, r2), r8 = f64x2.mul(r4, r4);
  const q0 = f64x2.add(f64x2.splat(1.0), r);
  const q1 = f64x2.add(f64x2.splat(0.5), f64x2.mul(r, f64x2.splat(1.0 / 6.0)));
  const q2 = f64x2.add(f64x2.splat(1.0 / 24.0), f64x2.mul(r, f64x2.splat(1.0 / 120.0)));
  const q3 = f64x2.add(f64x2.splat(1.0 / 720.0), f64x2.mul(r, f64x2.splat(1.0 / 5040.0)));
  const q4 = f64x2.add(f64x2.splat(1.0 / 40320.0), f64x2.mul(r, f64x2.splat(1.0 / 362880.0)));
  const q5 = f64x2.add(f64x2.splat(1.0 / 3628800.0), f64x2.mul(r, f64x2.splat(1.0 / 39916800.0)));
  const q6 = f64x2.add(f64x2.splat(1.0 / 479001600.0), f64x2.mul(r, f64x2.splat(1.0 / 6227020800.0)));
  const lowHalf = f64x2.add(f64x2.add(q0, f64x2.mul(r2, q1)), f64x2.mul(r4, f64x2.add(q2, f64x2.mul(r2, q3))));
  const highHalf = f64x2.add(f64x2.add(q4, f64x2.mul(r2, q5)), f64x2.mul(r4, q6));
  const p = f64x2.add(lowHalf, f64x2.mul(r8, highHalf));
  const k64 = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(k)); // k as two i64
  const scale = i64x2.shl(i64x2.add(k64, i64x2.splat(1023)), 52); //        2^k
  const e = f64x2.mul(p, scale);
  const outOfRange = v128.and(x, f64x2.ne(x, x)); //                          NaN stays NaN, the rest 0
  return v128.bitselect(e, outOfRange, inRange);
}

/** log s for s ≥ 1 (a sum of e^(zⱼ − max), one of them e⁰): s = 2^e·m, √½ ≤ m < √2, log m = 2·atanh(f/(2 + f)), f = m − 1. */
@inline
function logAtLeastOne(s: f64): f64 {
  if (!(s < Infinity)) return s; // NaN, ∞
  const bits = reinterpret<i64>(s);
  let e = <i32>(bits >> 52) - 1023;
  let m = reinterpret<f64>((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000); // [1, 2)
  if (m > 1.4142135623730951) { m *= 0.5; e++; }
  const f = m - 1, t = f / (2 + f), t2 = t * t;
  let q: f64 = 1.0 / 23; //  atanh t = t·(1 + t²/3 + t⁴/5 + … + t²²/23), t² ≤ 0.0295
  q = q * t2 + 1.0 / 21;
  q = q * t2 + 1.0 / 19;
  q = q * t2 + 1.0 / 17;
  q = q * t2 + 1.0 / 15;
  q = q * t2 + 1.0 / 13;
  q = q * t2 + 1.0 / 11;
  q = q * t2 + 1.0 / 9;
  q = q * t2 + 1.0 / 7;
  q = q * t2 + 1.0 / 5;
  q = q * t2 + 1.0 / 3;
  q = q * t2 + 1.0;
  const ef = <f64>e;
  return ef * LN2_HI + (2 * t * q + ef * LN2_LO);
}

/**
 * Rows lo…hi−1 of an m×n batch (all float32, row-major): the gradient into g, each row's loss (float64) into
 * rowLoss[i]; `e` holds n float64 of scratch (the row's e^(zⱼ − max), computed once for the sum and for p).
 */
export function softmaxCrossEntropyRows(lo: i32, hi: i32, n: i32, m: i32, z: usize, y: usize, g: usize, rowLoss: usize, e: usize): void {
  const mf = <f64>m;
  for (let i = lo; i < hi; i++) {
    const o = <usize>i * <usize>n << 2;
    const zi = z + o, yi = y + o, gi = g + o;
    let max: f64 = -Infinity;
    for (let j = 0; j < n; j++) {
      const v = <f64>load<f32>(zi + (<usize>j << 2));
      if (v > max) max = v;
    }
    let sum: f64 = 0;
    let j = 0;
    const max2 = f64x2.splat(max);
    for (; j + 2 <= n; j += 2) { // two e^(zⱼ − max) at a time, added to the sum one after the other
      const e2 = expNonPositive2(f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(zi + (<usize>j << 2))), max2));
      v128.store(e + (<usize>j << 3), e2);
      sum += f64x2.extract_lane(e2, 0);
      sum += f64x2.extract_lane(e2, 1);
    }
    for (; j < n; j++) {
      const ej = expNonPositive(<f64>load<f32>(zi + (<usize>j << 2)) - max);
      store<f64>(e + (<usize>j << 3), ej);
      sum += ej;
    }
    const lse = max + logAtLeastOne(sum); // log Σⱼ e^(zⱼ)
    let loss: f64 = 0;
    for (j = 0; j < n; j++) {
      const yj = <f64>load<f32>(yi + (<usize>j << 2));
      if (yj != 0) loss += yj * (lse - <f64>load<f32>(zi + (<usize>j << 2))); // −yⱼ·log pⱼ
    }
    const sum2 = f64x2.splat(sum), m2 = f64x2.splat(mf);
    for (j = 0; j + 2 <= n; j += 2) { // gⱼ = (eⱼ/Σ − yⱼ)/m, two at a time
      const y2 = f64x2.promote_low_f32x4(v128.load64_zero(yi + (<usize>j << 2)));
      const g2 = f64x2.div(f64x2.sub(f64x2.div(v128.load(e + (<usize>j << 3)), sum2), y2), m2);
      v128.store64_lane(gi + (<usize>j << 2), f32x4.demote_f64x2_zero(g2), 0);
    }
    for (; j < n; j++) {
      const yj = <f64>load<f32>(yi + (<usize>j << 2));
      store<f32>(gi + (<usize>j << 2), <f32>((load<f64>(e + (<usize>j << 3)) / sum - yj) / mf));
    }
    store<f64>(rowLoss + (<usize>i << 3), loss);
  }
}
