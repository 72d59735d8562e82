// The LSTM's gates (chapter 14, lib/nn/lstm.ts): one time step's element-wise work, forward and backward, in one
// pass over the batch each (AssemblyScript, compiled into gemm.wasm with the products; see gemm.ts).
//
//   forward:   a = Zx + Zh in blocks i, f, g, o;  i, f, o = σ(a_i, a_f, a_o),  g = tanh(a_g)
//              c = f ⊙ c_prev + i ⊙ g,   tc = tanh(c),   h = o ⊙ tc
//   backward:  dc_t = dc + dh ⊙ o ⊙ (1 − tc²)
//              dz_i = dc_t ⊙ g ⊙ i(1 − i),  dz_f = dc_t ⊙ c_prev ⊙ f(1 − f),  dz_g = dc_t ⊙ i ⊙ (1 − g²),
//              dz_o = dh ⊙ tc ⊙ o(1 − o),   dc ← dc_t ⊙ f;   returns Σ dc_t²
//
// Rows of the gate matrices hold 4H numbers (blocks of H: i, f, g, o); the cell and hidden rows H. Four units at a
// time, in float32. σ and tanh are built on exp4, e^x in four lanes to within ~2 units in the last place of a
// float32 (Cephes' expf: e^x = 2^n · e^r, |r| ≤ ln2/2, a degree-7 polynomial for e^r); tanh near 0, where
// 1 − 2/(e^{2x} + 1) would lose digits, is Cephes' odd polynomial instead. Every result is within a few float32
// roundings of the same formula computed with Math.exp and Math.tanh (test/lstm-gates.test.ts checks it).
// Addresses are bytes in linear memory.

// e^x = 2^n · e^r with n = round(x·log₂e), r = x − n·ln2 (ln2 in two parts, so that n·LN2_HI is exact)
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_MIN: f32 = -87.0; // 2^n stays a normal float32 (n ≥ −126)…
const EXP_MAX: f32 = 88.0; //  …and finite (n ≤ 127); σ and tanh are flat long before either
const TANH_SMALL: f32 = 0.625; // below it, tanh by its odd polynomial

/** e^x in each lane (x clamped to [−87, 88]; a NaN stays NaN); norm.ts's attention softmax uses it too */
@inline
export function exp4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(EXP_MIN)), f32x4.splat(EXP_MAX));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4); //                  e^r ≈ 1 + r + r²·(1/2 + r/6 + r²/24 + …)
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const er = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const twoN = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23); // the bits of 2^n
  return f32x4.mul(er, twoN);
}

/** σ(x) = 1/(1 + e^{−x}) in each lane */
@inline
function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(x))));
}

/** tanh(x) in each lane: the odd polynomial for |x| < 0.625, else ±(1 − 2/(e^{2|x|} + 1)) */
@inline
function tanh4(x: v128): v128 {
  const one = f32x4.splat(1), ax = f32x4.abs(x);
  const large = f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(exp4(f32x4.add(ax, ax)), one)));
  const signed = v128.or(large, v128.and(x, i32x4.splat(0x80000000))); // the sign of x on 1 − 2/(e^{2|x|} + 1)
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x); //   x + x³·P(x²)
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(TANH_SMALL)));
}

/** Four lanes at `at`, or, for the last units of a row when H is not a multiple of 4, one number in every lane. */
@inline
function load4(at: usize, whole: bool): v128 {
  return whole ? v128.load(at) : f32x4.splat(load<f32>(at));
}

@inline
function store4(at: usize, v: v128, whole: bool): void {
  if (whole) v128.store(at, v);
  else store<f32>(at, f32x4.extract_lane(v, 0));
}

/** Units j … j+3 of one row (or unit j alone in every lane when `whole` is false): the forward formulas above. */
@inline
function forwardUnits(gi: usize, zi: usize, H: usize, cp: usize, c: usize, tc: usize, h: usize, whole: bool): void {
  const i = sigmoid4(f32x4.add(load4(gi, whole), load4(zi, whole))); //                   i = σ(z_i)
  const f = sigmoid4(f32x4.add(load4(gi + H, whole), load4(zi + H, whole))); //           f = σ(z_f)
  const g = tanh4(f32x4.add(load4(gi + 2 * H, whole), load4(zi + 2 * H, whole))); //      g = tanh(z_g)
  const o = sigmoid4(f32x4.add(load4(gi + 3 * H, whole), load4(zi + 3 * H, whole))); //   o = σ(z_o)
  store4(gi, i, whole);
  store4(gi + H, f, whole);
  store4(gi + 2 * H, g, whole);
  store4(gi + 3 * H, o, whole);
  const ct = f32x4.add(f32x4.mul(f, load4(cp, whole)), f32x4.mul(i, g)); //              c_t = f ⊙ c_{t−1} + i ⊙ g
  const t = tanh4(ct);
  store4(c, ct, whole);
  store4(tc, t, whole);
  store4(h, f32x4.mul(o, t), whole); //                                                  h_t = o ⊙ tanh(c_t)
}

/**
 * One forward step for `rows` rows of `hidden` units. gates: rows × 4H, holds x_t·Wx + b on entry and i, f, g, o on
 * return; zh: rows × 4H, h_{t−1}·Wh; cPrev, c, tc, h: rows × H (c, tc, h written).
 */
export function lstmGatesForward(rows: i32, hidden: i32, gates: usize, zh: usize, cPrev: usize, c: usize, tc: usize, h: usize): void {
  const H = <usize>hidden << 2, G = H << 2; // bytes in a block of H and in a row of gates
  for (let r = 0; r < rows; r++) {
    const gr = gates + <usize>r * G, zr = zh + <usize>r * G, sr = <usize>r * H;
    let j = 0;
    for (; j + 4 <= hidden; j += 4) {
      const o = <usize>j << 2, s = sr + o;
      forwardUnits(gr + o, zr + o, H, cPrev + s, c + s, tc + s, h + s, true);
    }
    for (; j < hidden; j++) {
      const o = <usize>j << 2, s = sr + o;
      forwardUnits(gr + o, zr + o, H, cPrev + s, c + s, tc + s, h + s, false);
    }
  }
}

/**
 * 1 − t² as (1 − t)(1 + t): for |t| near 1 (a saturated tanh) 1 − t·t would cancel the digits t·t lost to rounding;
 * here 1 − t (or 1 + t) is exact, and the result stays within two roundings of the true value.
 */
@inline
function oneMinusSquare(t: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.mul(f32x4.sub(one, t), f32x4.add(one, t));
}

/** Units j … j+3 of one row (or unit j alone, `whole` false): the backward formulas above; returns dc_t. */
@inline
function backwardUnits(ga: usize, da: usize, H: usize, cp: usize, tc: usize, dh: usize, dc: usize, whole: bool): v128 {
  const one = f32x4.splat(1);
  const i = load4(ga, whole), f = load4(ga + H, whole), g = load4(ga + 2 * H, whole), o = load4(ga + 3 * H, whole);
  const dhv = load4(dh, whole), t = load4(tc, whole);
  const dcv = f32x4.add(load4(dc, whole), f32x4.mul(f32x4.mul(dhv, o), oneMinusSquare(t))); //                dc_t
  store4(da, f32x4.mul(f32x4.mul(f32x4.mul(dcv, g), i), f32x4.sub(one, i)), whole); //                      dz_i
  store4(da + H, f32x4.mul(f32x4.mul(f32x4.mul(dcv, load4(cp, whole)), f), f32x4.sub(one, f)), whole); //   dz_f
  store4(da + 2 * H, f32x4.mul(f32x4.mul(dcv, i), oneMinusSquare(g)), whole); //                            dz_g
  store4(da + 3 * H, f32x4.mul(f32x4.mul(f32x4.mul(dhv, t), o), f32x4.sub(one, o)), whole); //               dz_o
  store4(dc, f32x4.mul(dcv, f), whole); //                                                            dc_{t−1} = dc_t ⊙ f
  return dcv;
}

/**
 * One backward step for `rows` rows of `hidden` units. gates: i, f, g, o of the step (rows × 4H); cPrev, tc: c_{t−1}
 * and tanh(c_t); dh: ∂L/∂h_t; dc: on entry what came back from step t + 1, on return dc_{t−1} = dc_t ⊙ f; dz: rows × 4H,
 * written. Returns Σ dc_t², summed in float64.
 */
export function lstmGatesBackward(rows: i32, hidden: i32, gates: usize, cPrev: usize, tc: usize, dh: usize, dc: usize, dz: usize): f64 {
  const H = <usize>hidden << 2, G = H << 2;
  let squares = f64x2.splat(0), tail: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const gr = gates + <usize>r * G, dr = dz + <usize>r * G, sr = <usize>r * H;
    let j = 0;
    for (; j + 4 <= hidden; j += 4) {
      const o = <usize>j << 2, s = sr + o;
      const d = backwardUnits(gr + o, dr + o, H, cPrev + s, tc + s, dh + s, dc + s, true);
      const lo = f64x2.promote_low_f32x4(d), hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(d, d, 2, 3, 0, 1));
      squares = f64x2.add(squares, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
    }
    for (; j < hidden; j++) {
      const o = <usize>j << 2, s = sr + o;
      const v = <f64>f32x4.extract_lane(backwardUnits(gr + o, dr + o, H, cPrev + s, tc + s, dh + s, dc + s, false), 0);
      tail += v * v;
    }
  }
  return f64x2.extract_lane(squares, 0) + f64x2.extract_lane(squares, 1) + tail;
}
