// The rearrangements of a convolution and of max-pooling (lib/nn/im2col.ts, lib/nn/pool.ts), compiled into
// lib/engine/wasm/gemm.wasm with the products (AssemblyScript; see gemm.ts).
//
// They do no arithmetic but copies, comparisons and (col2im) sums onto zero in the order of the plain loops
// of lib/engine/kernels-js-conv.ts, so they give the same numbers bit for bit. Each works on a range of images
// (or of image planes) lo ≤ i < hi, the part `part` of `parts`: the threads of lib/engine/wasm/machine.ts
// share a batch that way, each part writing only its own images. Addresses are bytes in linear memory.
//
// convPart(op, part, parts, …) is the one entry the threads call; the arguments after `parts` depend on op.

export const IM2COL: i32 = 1; //        x, cols, N, C, H, W, k, s, p, OH, OW
export const COL2IM: i32 = 2; //        cols, x, N, C, H, W, k, s, p, OH, OW
export const CHANNELS_FIRST: i32 = 3; // zT, bias, z, N, F, P
export const CHANNELS_LAST: i32 = 4; //  dZ, dZT, N, F, P
export const MAX_POOL: i32 = 5; //       x, y, winners, planes, H, W, s, OH, OW
export const MAX_POOL_BACK: i32 = 6; //  dY, winners, dX, planes, H·W, OH·OW
export const RELU: i32 = 7; //           n, z, a             (element-wise, shared by ranges of numbers: elementwise.ts)
export const RELU_BACK: i32 = 8; //      n, g, a, d
export const CONV_FORWARD: i32 = 9; //   x, w, b, z, N, C, H, W, k, F   (stride 1, no padding: a direct convolution)
export const LOSS: i32 = 10; //          rows, n, m, z, y, g, rowLoss, e   (softmax cross-entropy by rows: loss.ts)
export const ADD_ROW: i32 = 11; //       rows, n, a, b, out    (a bias: out = a + b on each row, by rows: elementwise.ts)
export const SUM_ROWS: i32 = 12; //      rows, n, a, out       (Σ over rows, by blocks of 64 columns: elementwise.ts)
export const SUM_PARTS: i32 = 13; //     size, parts, count, out   (partial sums added, by ranges of numbers: elementwise.ts)

import { reluForward, reluBackward, addRowVector, sumColumns, sumParts } from "./elementwise";
import { softmaxCrossEntropyRows } from "./loss";
import { convForward } from "./conv-direct";

@inline
function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2); // 4 bytes per float32 (and per int32)
}

/** Part `part` of `parts` of `count` items: the first item (the next part's first is the end). */
@inline
function partStart(count: i32, part: i32, parts: i32): i32 {
  return <i32>((<i64>count * <i64>part) / <i64>parts);
}

/** Copies n floats (n ≥ 0), 4 at a time. */
@inline
function copy(to: usize, from: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(to, i), v128.load(at(from, i)));
  for (; i < n; i++) store<f32>(at(to, i), load<f32>(at(from, i)));
}

/** to[i] += from[i] for i < n, 4 at a time (each sum rounded to float32, as the JS loop's). */
@inline
function addOnto(to: usize, from: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(to, i), f32x4.add(v128.load(at(to, i)), v128.load(at(from, i))));
  for (; i < n; i++) store<f32>(at(to, i), load<f32>(at(to, i)) + load<f32>(at(from, i)));
}

/** cols[row, (c·k + ky)·k + kx] = X[n, c, oy·s − p + ky, ox·s − p + kx] (0 in the padding), images lo..hi−1. */
function im2col(x: usize, cols: usize, lo: i32, hi: i32, C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, OH: i32, OW: i32): void {
  const K = C * k * k;
  // No padding: every window is inside the image; for each image row, its k floats to each window along it.
  // (col2im keeps the order below: there, neighbouring windows overlap and each sum would wait for the last.)
  if (p == 0) {
    const rowBytes = <usize>K << 2;
    for (let n = lo; n < hi; n++) {
      for (let oy = 0; oy < OH; oy++) {
        const block = at(cols, (n * OH + oy) * OW * K); // the OW rows of cols of this output row
        for (let c = 0; c < C; c++) {
          for (let ky = 0; ky < k; ky++) {
            let from = at(x, ((n * C + c) * H + oy * s + ky) * W), to = block + (<usize>((c * k + ky) * k) << 2);
            for (let ox = 0; ox < OW; ox++, from += <usize>s << 2, to += rowBytes) copy(to, from, k);
          }
        }
      }
    }
    return;
  }
  walk(x, cols, lo, hi, C, H, W, k, s, p, OH, OW, false);
}

/** X[n, c, y, x] = Σ of the entries of cols im2col copied from that pixel, in im2col's order; images lo..hi−1. */
function col2im(cols: usize, x: usize, lo: i32, hi: i32, C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, OH: i32, OW: i32): void {
  memory.fill(at(x, lo * C * H * W), 0, <usize>((hi - lo) * C * H * W) << 2);
  walk(x, cols, lo, hi, C, H, W, k, s, p, OH, OW, true);
}

/**
 * The windows of images lo..hi−1 in im2col's order (image, window row, window column, channel, kernel row), k numbers
 * at a time: back false, im2col (cols ← X, 0 in the padding); back true, col2im (X += cols, the padding skipped).
 */
@inline
function walk(x: usize, cols: usize, lo: i32, hi: i32, C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, OH: i32, OW: i32, back: bool): void {
  let j = lo * OH * OW * C * k * k; // the first entry of cols of image lo
  for (let n = lo; n < hi; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const x0 = ox * s - p;
        const whole = x0 >= 0 && x0 + k <= W;
        for (let c = 0; c < C; c++) {
          for (let ky = 0; ky < k; ky++) {
            const y = oy * s - p + ky;
            const pixel = ((n * C + c) * H + y) * W + x0; // X[n, c, y, x0]
            if (y < 0 || y >= H) {
              if (!back) memory.fill(at(cols, j), 0, <usize>k << 2);
            } else if (whole) {
              if (back) addOnto(at(x, pixel), at(cols, j), k);
              else copy(at(cols, j), at(x, pixel), k);
            } else {
              for (let kx = 0; kx < k; kx++) {
                const inside = x0 + kx >= 0 && x0 + kx < W;
                if (back) {
                  if (inside) store<f32>(at(x, pixel + kx), load<f32>(at(x, pixel + kx)) + load<f32>(at(cols, j + kx)));
                } else store<f32>(at(cols, j + kx), inside ? load<f32>(at(x, pixel + kx)) : 0);
              }
            }
            j += k;
          }
        }
      }
    }
  }
}

/** The 4×4 block of floats at rows r0..r3 (4 consecutive floats each), transposed: column j of the block to out_j. */
@inline
function transpose4(from: usize, fromStride: usize, to: usize, toStride: usize, bias: usize, withBias: bool): void {
  const r0 = v128.load(from), r1 = v128.load(from + fromStride);
  const r2 = v128.load(from + 2 * fromStride), r3 = v128.load(from + 3 * fromStride);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  let c0 = v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), c1 = v128.shuffle<f32>(t0, t2, 2, 3, 6, 7);
  let c2 = v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), c3 = v128.shuffle<f32>(t1, t3, 2, 3, 6, 7);
  if (withBias) {
    c0 = f32x4.add(c0, v128.load32_splat(bias)); c1 = f32x4.add(c1, v128.load32_splat(bias, 4));
    c2 = f32x4.add(c2, v128.load32_splat(bias, 8)); c3 = f32x4.add(c3, v128.load32_splat(bias, 12));
  }
  v128.store(to, c0); v128.store(to + toStride, c1); v128.store(to + 2 * toStride, c2); v128.store(to + 3 * toStride, c3);
}

/** Z[n, f, q] = Z'[n·P + q, f] + b[f], images lo..hi−1. */
function channelsFirst(zT: usize, bias: usize, z: usize, lo: i32, hi: i32, F: i32, P: i32): void {
  if ((F & 3) == 0 && (P & 3) == 0) { // in 4×4 blocks: 4 positions × 4 filters read as rows, written as columns
    const fBytes = <usize>F << 2, pBytes = <usize>P << 2;
    for (let n = lo; n < hi; n++) {
      const from = at(zT, n * P * F), to = at(z, n * F * P);
      for (let q = 0; q < P; q += 4) {
        for (let f = 0; f < F; f += 4) transpose4(from + <usize>q * fBytes + (<usize>f << 2), fBytes, to + <usize>f * pBytes + (<usize>q << 2), pBytes, at(bias, f), true);
      }
    }
    return;
  }
  for (let n = lo; n < hi; n++) {
    const from = at(zT, n * P * F), to = at(z, n * F * P);
    for (let f = 0; f < F; f++) {
      const b = load<f32>(at(bias, f));
      const row = at(to, f * P);
      for (let q = 0; q < P; q++) store<f32>(at(row, q), load<f32>(at(from, q * F + f)) + b);
    }
  }
}

/** dZ'[n·P + q, f] = dZ[n, f, q], images lo..hi−1. */
function channelsLast(dZ: usize, dZT: usize, lo: i32, hi: i32, F: i32, P: i32): void {
  if ((F & 3) == 0 && (P & 3) == 0) { // in 4×4 blocks, as channelsFirst the other way round
    const fBytes = <usize>F << 2, pBytes = <usize>P << 2;
    for (let n = lo; n < hi; n++) {
      const from = at(dZ, n * F * P), to = at(dZT, n * P * F);
      for (let f = 0; f < F; f += 4) {
        for (let q = 0; q < P; q += 4) transpose4(from + <usize>f * pBytes + (<usize>q << 2), pBytes, to + <usize>q * fBytes + (<usize>f << 2), fBytes, 0, false);
      }
    }
    return;
  }
  for (let n = lo; n < hi; n++) {
    const from = at(dZ, n * F * P), to = at(dZT, n * P * F);
    for (let q = 0; q < P; q++) {
      const row = at(to, q * F);
      for (let f = 0; f < F; f++) store<f32>(at(row, f), load<f32>(at(from, f * P + q)));
    }
  }
}

/** Y = the max of each s×s window (the first one on a tie), its index in X in `winners`; planes lo..hi−1. */
function maxPool(x: usize, y: usize, winners: usize, lo: i32, hi: i32, H: i32, W: i32, s: i32, OH: i32, OW: i32): void {
  let o = lo * OH * OW;
  for (let plane = lo; plane < hi; plane++) {
    const start = plane * H * W;
    for (let oy = 0; oy < OH; oy++) {
      let ox = 0;
      if (s == 2) { // 4 windows at once: the four candidates of each, in the loop's order, kept only when greater
        const lane = i32x4(0, 2, 4, 6);
        for (; ox + 4 <= OW; ox += 4, o += 4) {
          const top = start + oy * 2 * W + ox * 2, bottom = top + W;
          const t0 = v128.load(at(x, top)), t1 = v128.load(at(x, top + 4));
          const b0 = v128.load(at(x, bottom)), b1 = v128.load(at(x, bottom + 4));
          let max = v128.shuffle<f32>(t0, t1, 0, 2, 4, 6);
          let best = i32x4.add(i32x4.splat(top), lane);
          const c1 = v128.shuffle<f32>(t0, t1, 1, 3, 5, 7);
          let m = f32x4.gt(c1, max);
          max = v128.bitselect(c1, max, m);
          best = v128.bitselect(i32x4.add(i32x4.splat(top + 1), lane), best, m);
          const c2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
          m = f32x4.gt(c2, max);
          max = v128.bitselect(c2, max, m);
          best = v128.bitselect(i32x4.add(i32x4.splat(bottom), lane), best, m);
          const c3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
          m = f32x4.gt(c3, max);
          max = v128.bitselect(c3, max, m);
          best = v128.bitselect(i32x4.add(i32x4.splat(bottom + 1), lane), best, m);
          v128.store(at(y, o), max);
          v128.store(at(winners, o), best);
        }
      }
      for (; ox < OW; ox++, o++) {
        let best = start + oy * s * W + ox * s;
        let max = load<f32>(at(x, best));
        for (let i = 0; i < s; i++) {
          const row = start + (oy * s + i) * W + ox * s;
          for (let jj = 0; jj < s; jj++) {
            const v = load<f32>(at(x, row + jj));
            if (v > max) { max = v; best = row + jj; }
          }
        }
        store<f32>(at(y, o), max);
        store<i32>(at(winners, o), best);
      }
    }
  }
}

/** dX = 0, then dX[winner] += dY for each output; planes lo..hi−1 (each plane's winners are inside it). */
function maxPoolBack(dY: usize, winners: usize, dX: usize, lo: i32, hi: i32, planeIn: i32, planeOut: i32): void {
  memory.fill(at(dX, lo * planeIn), 0, <usize>((hi - lo) * planeIn) << 2);
  for (let o = lo * planeOut, end = hi * planeOut; o < end; o++) {
    const w = at(dX, load<i32>(at(winners, o)));
    store<f32>(w, load<f32>(w) + load<f32>(at(dY, o)));
  }
}

/** Runs part `part` of `parts` of operation `op` (the constants above give each one's arguments). */
export function convPart(op: i32, part: i32, parts: i32, a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32,
                         a6: i32, a7: i32, a8: i32, a9: i32, a10: i32): void {
  if (op == IM2COL || op == COL2IM) {
    const lo = partStart(a2, part, parts), hi = partStart(a2, part + 1, parts);
    if (op == IM2COL) im2col(<usize>a0, <usize>a1, lo, hi, a3, a4, a5, a6, a7, a8, a9, a10);
    else col2im(<usize>a0, <usize>a1, lo, hi, a3, a4, a5, a6, a7, a8, a9, a10);
  } else if (op == CHANNELS_FIRST) {
    channelsFirst(<usize>a0, <usize>a1, <usize>a2, partStart(a3, part, parts), partStart(a3, part + 1, parts), a4, a5);
  } else if (op == CHANNELS_LAST) {
    channelsLast(<usize>a0, <usize>a1, partStart(a2, part, parts), partStart(a2, part + 1, parts), a3, a4);
  } else if (op == MAX_POOL) {
    maxPool(<usize>a0, <usize>a1, <usize>a2, partStart(a3, part, parts), partStart(a3, part + 1, parts), a4, a5, a6, a7, a8);
  } else if (op == RELU || op == RELU_BACK) {
    const lo = partStart(a0, part, parts), hi = partStart(a0, part + 1, parts), from = <usize>lo << 2;
    if (op == RELU) reluForward(hi - lo, <usize>a1 + from, <usize>a2 + from);
    else reluBackward(hi - lo, <usize>a1 + from, <usize>a2 + from, <usize>a3 + from);
  } else if (op == CONV_FORWARD) {
    convForward(<usize>a0, <usize>a1, <usize>a2, <usize>a3, partStart(a4, part, parts), partStart(a4, part + 1, parts), a5, a6, a7, a8, a9);
  } else if (op == MAX_POOL_BACK) {
    maxPoolBack(<usize>a0, <usize>a1, <usize>a2, partStart(a3, part, parts), partStart(a3, part + 1, parts), a4, a5);
  } else if (op == LOSS) { // each part has its own n float64 of scratch for e^(z − max)
    softmaxCrossEntropyRows(partStart(a0, part, parts), partStart(a0, part + 1, parts), a1, a2, <usize>a3, <usize>a4, <usize>a5,
                            <usize>a6, <usize>a7 + (<usize>(part * a1) << 3));
  } else if (op == ADD_ROW) {
    const lo = partStart(a0, part, parts), hi = partStart(a0, part + 1, parts), from = <usize>(lo * a1) << 2;
    addRowVector(hi - lo, a1, <usize>a2 + from, <usize>a3, <usize>a4 + from, <usize>a1 << 2);
  } else if (op == SUM_PARTS) {
    sumParts(partStart(a0, part, parts), partStart(a0, part + 1, parts), a0, <usize>a1, a2, <usize>a3);
  } else if (op == SUM_ROWS) { // each column is summed whole by one part, in the same order: the same bits
    const blocks = (a1 + 63) / 64;
    sumColumns(a0, a1, <usize>a2, <usize>a3, partStart(blocks, part, parts) * 64, min(a1, partStart(blocks, part + 1, parts) * 64));
  }
}
