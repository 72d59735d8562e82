// A direct convolution (stride 1, no padding), compiled into lib/engine/wasm/gemm.wasm with the products
// (AssemblyScript; see gemm.ts). convPart (conv.ts) runs it on a range of images, one part a thread.
//
// It is for a thin product: conv 1 of the course's CNN (1 channel, 5×5: 25 terms a sum) as im2col and gemm
// would compute it — a 36,864 × 25 by 25 × 16 product, then the channel-first layout — costs more in copies than
// in sums. Here each output is summed straight from the image, in the product's order, and written in place.
import { madd, madd1 } from "./madd";

@inline
function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2); // 4 bytes per float32
}

/**
 * Z[n, f, oy, ox] = b[f] + Σ_{c, ky, kx} W[f, (c·k + ky)·k + kx] · X[n, c, oy + ky, ox + kx]   (stride 1, no padding),
 * images lo..hi−1: the sum from (c, ky, kx) = 0 up, one madd a term, then the bias (as gemm then channelsFirst).
 * For a thin product (1 channel: 25 terms a sum) it skips im2col and the layout: 4 filters × 8 positions at a
 * time in 8 registers; a term whose 8 pixels are all 0 (MNIST's black background) is skipped, as gemm skips it.
 */
export function convForward(x: usize, w: usize, b: usize, z: usize, lo: i32, hi: i32, C: i32, H: i32, W: i32, k: i32, F: i32): void {
  const OH = H - k + 1, OW = W - k + 1, K = C * k * k, P = OH * OW;
  for (let n = lo; n < hi; n++) {
    const image = at(x, n * C * H * W);
    let f = 0;
    for (; f + 4 <= F; f += 4) {
      const w0 = at(w, f * K), out = at(z, (n * F + f) * P), pBytes = <usize>P << 2;
      for (let oy = 0; oy < OH; oy++) {
        let ox = 0;
        for (; ox + 8 <= OW; ox += 8) {
          let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
          let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
          let t = 0; // the term: (c·k + ky)·k + kx
          for (let c = 0; c < C; c++) {
            for (let ky = 0; ky < k; ky++) {
              const row = image + (<usize>((c * H + oy + ky) * W + ox) << 2);
              for (let kx = 0; kx < k; kx++, t++) {
                const x0 = v128.load(row + (<usize>kx << 2)), x1 = v128.load(row + (<usize>kx << 2), 16);
                if (!v128.any_true(v128.or(x0, x1))) continue; // 0 · w adds nothing
                const wt = w0 + (<usize>t << 2), kBytes = <usize>K << 2;
                let v = v128.load32_splat(wt);
                s00 = madd(v, x0, s00); s01 = madd(v, x1, s01);
                v = v128.load32_splat(wt + kBytes);
                s10 = madd(v, x0, s10); s11 = madd(v, x1, s11);
                v = v128.load32_splat(wt + 2 * kBytes);
                s20 = madd(v, x0, s20); s21 = madd(v, x1, s21);
                v = v128.load32_splat(wt + 3 * kBytes);
                s30 = madd(v, x0, s30); s31 = madd(v, x1, s31);
              }
            }
          }
          const o = out + (<usize>(oy * OW + ox) << 2);
          let v = v128.load32_splat(at(b, f));
          v128.store(o, f32x4.add(s00, v)); v128.store(o, f32x4.add(s01, v), 16);
          v = v128.load32_splat(at(b, f + 1));
          v128.store(o + pBytes, f32x4.add(s10, v)); v128.store(o + pBytes, f32x4.add(s11, v), 16);
          v = v128.load32_splat(at(b, f + 2));
          v128.store(o + 2 * pBytes, f32x4.add(s20, v)); v128.store(o + 2 * pBytes, f32x4.add(s21, v), 16);
          v = v128.load32_splat(at(b, f + 3));
          v128.store(o + 3 * pBytes, f32x4.add(s30, v)); v128.store(o + 3 * pBytes, f32x4.add(s31, v), 16);
        }
        for (let i = 0; i < 4; i++) convPositions(image, at(w, (f + i) * K), load<f32>(at(b, f + i)), at(z, (n * F + f + i) * P), oy, ox, C, H, W, k);
      }
    }
    for (; f < F; f++) {
      for (let oy = 0; oy < OH; oy++) convPositions(image, at(w, f * K), load<f32>(at(b, f)), at(z, (n * F + f) * P), oy, 0, C, H, W, k);
    }
  }
}

/** convForward's sums for one filter (weights at wf, bias bf, its output plane at out), output row oy from column ox0 on. */
function convPositions(image: usize, wf: usize, bf: f32, out: usize, oy: i32, ox0: i32, C: i32, H: i32, W: i32, k: i32): void {
  const OW = W - k + 1;
  for (let ox = ox0; ox < OW; ox++) {
    let s: f32 = 0, t = 0;
    for (let c = 0; c < C; c++) {
      for (let ky = 0; ky < k; ky++) {
        const row = image + (<usize>((c * H + oy + ky) * W + ox) << 2);
        for (let kx = 0; kx < k; kx++, t++) {
          const v = load<f32>(row + (<usize>kx << 2));
          if (v != 0) s = madd1(load<f32>(wf + (<usize>t << 2)), v, s);
        }
      }
    }
    store<f32>(out + (<usize>(oy * OW + ox) << 2), s + bf);
  }
}

