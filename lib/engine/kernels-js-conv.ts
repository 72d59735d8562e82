// The plain loops of a convolution's rearrangements and of max-pooling (the last block of lib/engine/kernels.ts):
// part of jsKernels (lib/engine/kernels-js.ts), the oracle the WebAssembly versions are tested against.
// Images are rows: X is N × (C·H·W), channel-major, so pixel (c, y, x) of image n is X[n, (c·H + y)·W + x].
import type { FloatArray, WindowShape } from "./kernels";

export const convLoops = {
  // cols[n·P + oy·OW + ox, (c·k + ky)·k + kx] = X[n, c, oy·s − p + ky, ox·s − p + kx]   (0 in the padding)
  im2col(x: FloatArray, cols: FloatArray, n: number, g: WindowShape): void {
    const { channels: C, height: H, width: W, kernel: k, stride: s, padding: p, outHeight: OH, outWidth: OW } = g;
    let j = 0; // the next entry of cols to write: rows one after the other, each in W's column order
    for (let i = 0; i < n; i++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          const x0 = ox * s - p; // the window's left column in the image (negative: in the padding)
          const whole = x0 >= 0 && x0 + k <= W; // the window's columns are all inside the image
          for (let c = 0; c < C; c++) {
            for (let ky = 0; ky < k; ky++) {
              const y = oy * s - p + ky;
              const from = ((i * C + c) * H + y) * W + x0; // X[i, c, y, x0]
              if (y < 0 || y >= H) for (let kx = 0; kx < k; kx++) cols[j++] = 0; // a row of padding
              else if (whole) for (let kx = 0; kx < k; kx++) cols[j++] = x[from + kx];
              else for (let kx = 0; kx < k; kx++) cols[j++] = x0 + kx >= 0 && x0 + kx < W ? x[from + kx] : 0;
            }
          }
        }
      }
    }
  },

  // X = 0;  X[n, c, oy·s − p + ky, ox·s − p + kx] += cols[n·P + oy·OW + ox, (c·k + ky)·k + kx]
  col2im(cols: FloatArray, x: FloatArray, n: number, g: WindowShape): void {
    const { channels: C, height: H, width: W, kernel: k, stride: s, padding: p, outHeight: OH, outWidth: OW } = g;
    x.fill(0, 0, n * C * H * W);
    let j = 0; // the next entry of cols to read, in im2col's order
    for (let i = 0; i < n; i++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          const x0 = ox * s - p;
          const whole = x0 >= 0 && x0 + k <= W;
          for (let c = 0; c < C; c++) {
            for (let ky = 0; ky < k; ky++) {
              const y = oy * s - p + ky;
              const to = ((i * C + c) * H + y) * W + x0; // X[i, c, y, x0]
              if (y < 0 || y >= H) j += k; // padding: nothing to add back
              else if (whole) for (let kx = 0; kx < k; kx++) x[to + kx] += cols[j++];
              else for (let kx = 0; kx < k; kx++, j++) if (x0 + kx >= 0 && x0 + kx < W) x[to + kx] += cols[j];
            }
          }
        }
      }
    }
  },

  // Z[n, f, q] = Z'[n·P + q, f] + b[f]
  channelsFirst(zT: FloatArray, bias: FloatArray, z: FloatArray, n: number, filters: number, positions: number): void {
    const F = filters, P = positions;
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < F; f++) {
        const to = (i * F + f) * P, from = i * P * F + f, b = bias[f];
        for (let q = 0; q < P; q++) z[to + q] = zT[from + q * F] + b;
      }
    }
  },

  // dZ'[n·P + q, f] = dZ[n, f, q]
  channelsLast(dZ: FloatArray, dZT: FloatArray, n: number, filters: number, positions: number): void {
    const F = filters, P = positions;
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < F; f++) {
        const from = (i * F + f) * P, to = i * P * F + f;
        for (let q = 0; q < P; q++) dZT[to + q * F] = dZ[from + q];
      }
    }
  },

  // Y[n, c, oy, ox] = max_{0 ≤ i, j < s} X[n, c, oy·s + i, ox·s + j],  winners[o] = where that max is in X
  maxPool(x: FloatArray, y: FloatArray, winners: Int32Array, n: number, g: WindowShape): void {
    const { channels: C, height: H, width: W, kernel: s, outHeight: OH, outWidth: OW } = g;
    let o = 0; // index of the output being computed
    for (let plane = 0; plane < n * C; plane++) {
      const start = plane * H * W; // where this channel of this image starts
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++, o++) {
          let best = start + oy * s * W + ox * s;
          for (let i = 0; i < s; i++) {
            const row = start + (oy * s + i) * W + ox * s;
            for (let j = 0; j < s; j++) if (x[row + j] > x[best]) best = row + j;
          }
          y[o] = x[best];
          winners[o] = best;
        }
      }
    }
  },

  // dX = 0;  dX[winners[o]] += dY[o]
  maxPoolBackward(dY: FloatArray, winners: Int32Array, dX: FloatArray): void {
    dX.fill(0);
    for (let o = 0; o < dY.length; o++) dX[winners[o]] += dY[o];
  },

  // Z[n, f, oy, ox] = b[f] + Σ_{c, ky, kx} W[f, (c·k + ky)·k + kx] · X[n, c, oy·s − p + ky, ox·s − p + kx]
  convForward(x: FloatArray, weights: FloatArray, bias: FloatArray, z: FloatArray, n: number, filters: number, g: WindowShape): void {
    const { channels: C, height: H, width: W, kernel: k, stride: s, padding: p, outHeight: OH, outWidth: OW } = g;
    const K = C * k * k, P = OH * OW;
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < filters; f++) {
        for (let oy = 0; oy < OH; oy++) {
          for (let ox = 0; ox < OW; ox++) {
            let sum = 0;
            for (let c = 0; c < C; c++) {
              for (let ky = 0; ky < k; ky++) {
                const y = oy * s - p + ky;
                if (y < 0 || y >= H) continue; // a row of padding
                for (let kx = 0; kx < k; kx++) {
                  const xx = ox * s - p + kx;
                  if (xx >= 0 && xx < W) sum += weights[f * K + (c * k + ky) * k + kx] * x[((i * C + c) * H + y) * W + xx];
                }
              }
            }
            z[(i * filters + f) * P + oy * OW + ox] = sum + bias[f];
          }
        }
      }
    }
  },

  // plain memory: an ordinary array
  longLivedIndices(length: number): Int32Array {
    return new Int32Array(length);
  },
};
