// im2col and col2im: a convolution turned into one matrix product.
//
// Images are rows: a batch X is N × (C·H·W), each row one image, channel-major (channel, then row, then
// column: NCHW flattened), so pixel (c, y, x) of image n is X[n, (c·H + y)·W + x].
//
// A convolution slides a k×k window over each image, stride s, after padding the borders with p zeros. There
// are OH × OW window positions,   OH = ⌊(H + 2p − k)/s⌋ + 1,   OW = ⌊(W + 2p − k)/s⌋ + 1.
// im2col copies every window (its C·k·k pixels, in the order of the filters' weights: channel, then row, then
// column) into one row of a matrix:
//   cols: (N·OH·OW) × (C·k·k),   row n·OH·OW + oy·OW + ox = the window of image n at output position (oy, ox),
//   cols[row, (c·k + ky)·k + kx] = X[n, c, oy·s − p + ky, ox·s − p + kx]   (0 where that pixel is padding).
// Each output of the convolution is then a row of cols times a row of W (one filter): Z' = cols·Wᵀ.
// col2im is its adjoint (its transpose as a linear map): it adds each entry of a (N·OH·OW) × (C·k·k) matrix
// back onto the pixel it was copied from. That is how a gradient with respect to the windows becomes a
// gradient with respect to the image; a pixel that sits in several windows collects from each.
// The loops themselves are the kernels' (lib/engine/kernels-js-conv.ts, and WebAssembly threads when available).
import { Matrix } from "../core/matrix";
import { activeKernels } from "../engine/active";

/** The sizes of a convolution (or pooling) over images of channels × height × width. */
export interface ConvGeometry {
  channels: number; // C
  height: number; //   H
  width: number; //    W
  kernel: number; //   k: windows are k × k
  stride: number; //   s
  padding: number; //  p: zeros added on every border
  outHeight: number; // OH = ⌊(H + 2p − k)/s⌋ + 1
  outWidth: number; //  OW = ⌊(W + 2p − k)/s⌋ + 1
}

/** How many positions a window of `kernel` takes along a side of `size`:  ⌊(size + 2·padding − kernel)/stride⌋ + 1. */
export function convOutputSize(size: number, kernel: number, stride = 1, padding = 0): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

/** The numbers of one image (C·H·W, a layer's input) and its window positions (OH·OW). */
export function imageFloats(g: ConvGeometry): number {
  return g.channels * g.height * g.width;
}
export function windowPositions(g: ConvGeometry): number {
  return g.outHeight * g.outWidth;
}

/** The geometry of k×k windows over C×H×W images; throws (naming `where`) when the sizes do not fit. */
export function convGeometry(
  where: string,
  g: { channels: number; height: number; width: number; kernel: number; stride?: number; padding?: number },
): ConvGeometry {
  const stride = g.stride ?? 1, padding = g.padding ?? 0;
  for (const [what, n] of [["channels", g.channels], ["height", g.height], ["width", g.width], ["kernel", g.kernel], ["stride", stride]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`${where}: ${what} must be a whole number ≥ 1, got ${n}`);
  }
  if (!Number.isInteger(padding) || padding < 0) throw new Error(`${where}: padding must be a whole number ≥ 0, got ${padding}`);
  if (g.kernel > g.height + 2 * padding || g.kernel > g.width + 2 * padding) {
    throw new Error(`${where}: a ${g.kernel}×${g.kernel} window does not fit in a ${g.height}×${g.width} image with padding ${padding}`);
  }
  const outHeight = convOutputSize(g.height, g.kernel, stride, padding);
  const outWidth = convOutputSize(g.width, g.kernel, stride, padding);
  return { channels: g.channels, height: g.height, width: g.width, kernel: g.kernel, stride, padding, outHeight, outWidth };
}

/** cols = im2col(X):  X: N × (C·H·W)  →  (N·OH·OW) × (C·k·k), one window a row (see the top of this file). */
export function im2col(x: Matrix, g: ConvGeometry, out?: Matrix): Matrix {
  const { channels: C, height: H, width: W, kernel: k, outHeight: OH, outWidth: OW } = g;
  if (x.cols !== C * H * W) throw new Error(`im2col: X is ${x.shape} but images of ${C}×${H}×${W} need ${C * H * W} columns`);
  const N = x.rows, K = C * k * k;
  const cols = out ?? Matrix.zeros(N * OH * OW, K, x.dtype);
  if (cols.rows !== N * OH * OW || cols.cols !== K) throw new Error(`im2col: out is ${cols.shape} but the windows make ${N * OH * OW}×${K}`);
  activeKernels().im2col(x.data, cols.data, N, g); // cols[n·P + oy·OW + ox, (c·k + ky)·k + kx] = X[n, c, oy·s − p + ky, ox·s − p + kx]
  return cols;
}

/** dX = col2im(dcols):  (N·OH·OW) × (C·k·k)  →  N × (C·H·W), each entry added onto the pixel im2col took it from. */
export function col2im(cols: Matrix, g: ConvGeometry, out?: Matrix): Matrix {
  const { channels: C, height: H, width: W, kernel: k, outHeight: OH, outWidth: OW } = g;
  const K = C * k * k, P = OH * OW;
  if (cols.cols !== K || cols.rows % P !== 0) {
    throw new Error(`col2im: cols is ${cols.shape} but windows of ${C}×${k}×${k} at ${OH}×${OW} positions need (N·${P})×${K}`);
  }
  const N = cols.rows / P;
  const x = out ?? Matrix.zeros(N, C * H * W, cols.dtype);
  if (x.rows !== N || x.cols !== C * H * W) throw new Error(`col2im: out is ${x.shape} but the images are ${N}×${C * H * W}`);
  activeKernels().col2im(cols.data, x.data, N, g); // X = 0;  X[n, c, oy·s − p + ky, ox·s − p + kx] += cols[n·P + oy·OW + ox, (c·k + ky)·k + kx]
  return x;
}

/**
 * Z[n, f, q] = Z'[n·P + q, f] + b[f]:  from the product's layout (one row per window position, one column per
 * filter) to the images' layout N × (F·P), channel-major, adding each filter's bias.  P = OH·OW.
 */
export function channelsFirst(zT: Matrix, bias: Matrix, out: Matrix): Matrix {
  const F = zT.cols, N = out.rows, P = zT.rows / N;
  if (out.cols !== F * P || zT.rows !== N * P || bias.cols !== F) {
    throw new Error(`channelsFirst: Z' is ${zT.shape}, b is ${bias.shape}, out is ${out.shape}: expected (N·P)×F, 1×F and N×(F·P)`);
  }
  activeKernels().channelsFirst(zT.data, bias.data, out.data, N, F, P); // Z[n, f, q] = Z'[n·P + q, f] + b[f]
  return out;
}

/** dZ'[n·P + q, f] = dZ[n, f, q]: the images' layout N × (F·P) back to one row per window position. */
export function channelsLast(dZ: Matrix, filters: number, out: Matrix): Matrix {
  const F = filters, N = dZ.rows, P = dZ.cols / F;
  if (out.rows !== N * P || out.cols !== F || !Number.isInteger(P)) {
    throw new Error(`channelsLast: dZ is ${dZ.shape}, out is ${out.shape}: expected N×(${F}·P) and (N·P)×${F}`);
  }
  activeKernels().channelsLast(dZ.data, out.data, N, F, P); // dZ'[n·P + q, f] = dZ[n, f, q]
  return out;
}

/**
 * Z = b + the convolution of X by W, summed directly, without im2col (issue 31): for a thin product such as
 * one input channel, where im2col's copies and the layout cost more than the sums.  X: N × (C·H·W),
 * W: F × (C·k·k), b: 1 × F, out: N × (F·OH·OW), the same numbers as channelsFirst(im2col(X)·Wᵀ, b) up to rounding.
 */
export function convDirect(x: Matrix, weights: Matrix, bias: Matrix, g: ConvGeometry, out: Matrix): Matrix {
  const F = weights.rows, N = x.rows, P = windowPositions(g), image = imageFloats(g);
  if (x.cols !== image || weights.cols !== g.channels * g.kernel * g.kernel || bias.cols !== F || out.rows !== N || out.cols !== F * P) {
    throw new Error(`convDirect: X is ${x.shape}, W ${weights.shape}, b ${bias.shape}, out ${out.shape}: expected N×${image}, F×${g.channels * g.kernel * g.kernel}, 1×F and N×(F·${P})`);
  }
  activeKernels().convForward(x.data, weights.data, bias.data, out.data, N, F, g); // Z[n, f, q] = b[f] + Σ W[f, ·]·window q of X[n]
  return out;
}
