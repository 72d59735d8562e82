// LayerNorm forward and backward, the softmax of the attention heads with its backward, and the rearrangement
// between token-major and head-major (chapter 15; issue 31),
// compiled into gemm.wasm with the products.
// `tokens` blocks of n float32 numbers; each block normalised over its own n (lib/engine/kernels-js-norm.ts has the
// formulas and the plain loops). Here 4 features at a time (f32x4), the sums in float32: within a few float32
// roundings of the loops, which sum in float64. Addresses are bytes in linear memory.

import { exp4 } from "./gates";

/** The four lanes of v added: ((v0 + v1) + (v2 + v3)). */
@inline
function lanes(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** invStd[t] = 1/√(σ² + ε),  xHat = (x − μ)·invStd,  y = γ ⊙ xHat + β,  for each of `tokens` blocks of n */
export function layerNormForward(tokens: i32, n: i32, x: usize, gamma: usize, beta: usize, eps: f32,
                                 xHat: usize, y: usize, invStd: usize): void {
  const rowBytes = <usize>n << 2, n4 = n & ~3, nf = <f32>n;
  for (let t = 0; t < tokens; t++) {
    const at = <usize>t * rowBytes, xr = x + at, hr = xHat + at, yr = y + at;
    let sv = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) sv = f32x4.add(sv, v128.load(xr + (<usize>j << 2)));
    let sum = lanes(sv);
    for (let j = n4; j < n; j++) sum += load<f32>(xr + (<usize>j << 2));
    const mean = sum / nf, mv = f32x4.splat(mean); //                μ
    let qv = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const d = f32x4.sub(v128.load(xr + (<usize>j << 2)), mv);
      qv = f32x4.add(qv, f32x4.mul(d, d));
    }
    let sq = lanes(qv);
    for (let j = n4; j < n; j++) {
      const d = load<f32>(xr + (<usize>j << 2)) - mean;
      sq += d * d;
    }
    const s: f32 = <f32>1 / Mathf.sqrt(sq / nf + eps), s4 = f32x4.splat(s); // 1/√(σ² + ε)
    store<f32>(invStd + (<usize>t << 2), s);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const h = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), s4); //  x̂ = (x − μ)·invStd
      v128.store(hr + o, h);
      v128.store(yr + o, f32x4.add(f32x4.mul(v128.load(gamma + o), h), v128.load(beta + o))); // y = γ ⊙ x̂ + β
    }
    for (let j = n4; j < n; j++) {
      const o = <usize>j << 2;
      const h = (load<f32>(xr + o) - mean) * s;
      store<f32>(hr + o, h);
      store<f32>(yr + o, load<f32>(gamma + o) * h + load<f32>(beta + o));
    }
  }
}

/** dβ = Σ dy,  dγ = Σ dy ⊙ x̂ (overwritten),  dx = invStd·(dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂)),  dx̂ = dy ⊙ γ */
export function layerNormBackward(tokens: i32, n: i32, dY: usize, xHat: usize, gamma: usize, invStd: usize,
                                  dX: usize, dGamma: usize, dBeta: usize): void {
  const rowBytes = <usize>n << 2, n4 = n & ~3, nf = <f32>n;
  memory.fill(dGamma, 0, rowBytes);
  memory.fill(dBeta, 0, rowBytes);
  for (let t = 0; t < tokens; t++) {
    const at = <usize>t * rowBytes, gr = dY + at, hr = xHat + at, dr = dX + at;
    let av = f32x4.splat(0), bv = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2, g = v128.load(gr + o), h = v128.load(hr + o);
      const dh = f32x4.mul(g, v128.load(gamma + o)); //               dx̂ = dy ⊙ γ
      av = f32x4.add(av, dh);
      bv = f32x4.add(bv, f32x4.mul(dh, h));
      v128.store(dBeta + o, f32x4.add(v128.load(dBeta + o), g)); //   dβ += dy
      v128.store(dGamma + o, f32x4.add(v128.load(dGamma + o), f32x4.mul(g, h))); // dγ += dy ⊙ x̂
    }
    let sa = lanes(av), sb = lanes(bv);
    for (let j = n4; j < n; j++) {
      const o = <usize>j << 2, g = load<f32>(gr + o), h = load<f32>(hr + o), dh = g * load<f32>(gamma + o);
      sa += dh;
      sb += dh * h;
      store<f32>(dBeta + o, load<f32>(dBeta + o) + g);
      store<f32>(dGamma + o, load<f32>(dGamma + o) + g * h);
    }
    const ma = sa / nf, mb = sb / nf, s = load<f32>(invStd + (<usize>t << 2));
    const ma4 = f32x4.splat(ma), mb4 = f32x4.splat(mb), s4 = f32x4.splat(s);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const dh = f32x4.mul(v128.load(gr + o), v128.load(gamma + o));
      v128.store(dr + o, f32x4.mul(f32x4.sub(f32x4.sub(dh, ma4), f32x4.mul(v128.load(hr + o), mb4)), s4));
    }
    for (let j = n4; j < n; j++) {
      const o = <usize>j << 2;
      const dh = load<f32>(gr + o) * load<f32>(gamma + o);
      store<f32>(dr + o, (dh - ma - load<f32>(hr + o) * mb) * s);
    }
  }
}

/**
 * In place, each of `rows` rows of n (a multiple of 4): A[j] = exp(s·(S[j] − max))/Σ_k exp(s·(S[k] − max)), max = max_k S[k]
 * (s > 0). e^x is gates.ts's exp4, within ~2 float32 roundings of Math.exp.
 */
export function attentionSoftmax(rows: i32, n: i32, a: usize, s: f32): void {
  const rowBytes = <usize>n << 2, s4 = f32x4.splat(s);
  for (let r = 0; r < rows; r++) {
    const ar = a + <usize>r * rowBytes;
    let mv = v128.load(ar);
    for (let j = 4; j < n; j += 4) mv = f32x4.max(mv, v128.load(ar + (<usize>j << 2)));
    const m4 = f32x4.splat(Mathf.max(Mathf.max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
                                     Mathf.max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3))));
    let sum = f32x4.splat(0);
    for (let j = 0; j < n; j += 4) {
      const o = ar + (<usize>j << 2);
      const e = exp4(f32x4.mul(s4, f32x4.sub(v128.load(o), m4))); //  e^{s·(S − max)}
      v128.store(o, e);
      sum = f32x4.add(sum, e);
    }
    const inv = f32x4.splat(<f32>1 / lanes(sum));
    for (let j = 0; j < n; j += 4) {
      const o = ar + (<usize>j << 2);
      v128.store(o, f32x4.mul(v128.load(o), inv));
    }
  }
}

/** In place over dA, each of `rows` rows of n (a multiple of 4): dS[j] = A[j]·(dA[j] − Σ_k dA[k]·A[k])·s */
export function attentionSoftmaxBackward(rows: i32, n: i32, a: usize, g: usize, s: f32): void {
  const rowBytes = <usize>n << 2, s4 = f32x4.splat(s);
  for (let r = 0; r < rows; r++) {
    const ar = a + <usize>r * rowBytes, gr = g + <usize>r * rowBytes;
    let dv = f32x4.splat(0);
    for (let j = 0; j < n; j += 4) {
      const o = <usize>j << 2;
      dv = f32x4.add(dv, f32x4.mul(v128.load(gr + o), v128.load(ar + o)));
    }
    const dot = f32x4.splat(lanes(dv));
    for (let j = 0; j < n; j += 4) {
      const o = <usize>j << 2;
      v128.store(gr + o, f32x4.mul(f32x4.mul(v128.load(ar + o), f32x4.sub(v128.load(gr + o), dot)), s4));
    }
  }
}

/**
 * The heads' rearrangement, copies only: toHeads 1: out[(b·H + h)·T + i, c] = x[b·T + i, h·d + c] (token-major →
 * head-major); 0: the inverse. n examples of T tokens, H heads of d numbers.
 */
export function moveHeads(toHeads: i32, n: i32, T: i32, H: i32, d: i32, x: usize, out: usize): void {
  const dBytes = <usize>d << 2, d4 = d & ~3, DBytes = <usize>(H * d) << 2;
  for (let b = 0; b < n; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        const tokenAt = <usize>(b * T + i) * DBytes + <usize>h * dBytes, headAt = <usize>((b * H + h) * T + i) * dBytes;
        const from = x + (toHeads ? tokenAt : headAt), to = out + (toHeads ? headAt : tokenAt);
        let c = 0;
        for (; c < d4; c += 4) v128.store(to + (<usize>c << 2), v128.load(from + (<usize>c << 2)));
        for (; c < d; c++) store<f32>(to + (<usize>c << 2), load<f32>(from + (<usize>c << 2)));
      }
    }
  }
}
