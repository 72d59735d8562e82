// The WebAssembly side of the last block of the Kernels interface (lib/engine/kernels.ts): im2col, col2im, the
// channel layouts of a convolution's output and max-pooling; and longSum, the product of a convolution's weight
// gradient when its sum is long and its result small (conv 1: 16×25 over 36,864 terms), split by depth. The
// others are computed by gemm.wasm's convPart (lib/engine/wasm/assembly/conv.ts) and shared between the threads
// by images (WasmMachine.rearrange). They run where every array is in WebAssembly memory (the layers' buffers are, while this backend is active);
// otherwise, and for float64, the plain loops do them. Either gives the same numbers: these only copy, compare
// and add onto zero in the loops' order.
import type { FloatArray, Kernels, WindowShape } from "../kernels";
import { WasmMachine, DEPTH_SEGMENT, type WasmKernelsOptions } from "./machine";
import { CONTROL_BYTES } from "./pool";
import type { WasmModule } from "./api";

// the operations of convPart (lib/engine/wasm/assembly/conv.ts)
const IM2COL = 1, COL2IM = 2, CHANNELS_FIRST = 3, CHANNELS_LAST = 4, MAX_POOL = 5, MAX_POOL_BACK = 6;
/** ReLU forward and backward (lib/engine/wasm/kernels.ts), shared between the threads by ranges of numbers. */
export const RELU = 7, RELU_BACK = 8;
/** Softmax cross-entropy by rows (lib/engine/wasm/norm.ts), a bias by rows and Σ over rows by columns (kernels.ts). */
export const LOSS = 10, ADD_ROW = 11, SUM_ROWS = 12;
/** longSum's partial sums added (below), shared between the threads by ranges of numbers. */
const SUM_PARTS = 13;
const CONV_FORWARD = 9; // a direct convolution (lib/engine/wasm/assembly/conv-direct.ts)

export class WasmRearrangements extends WasmMachine {
  constructor(module: WasmModule, protected readonly fallback: Kernels, options: WasmKernelsOptions = {}) {
    super(module, options);
  }

  /** cols = im2col(X) for n images */
  im2col(x: FloatArray, cols: FloatArray, n: number, g: WindowShape): void {
    const K = g.channels * g.kernel * g.kernel, P = g.outHeight * g.outWidth;
    const [xAt, cAt] = this.places([x, n * g.channels * g.height * g.width], [cols, n * P * K]);
    if (xAt < 0 || cAt < 0) return this.fallback.im2col(x, cols, n, g);
    this.rearrange(IM2COL, n, n * P * K, [xAt, cAt, n, ...shape(g)]);
  }

  /** X = col2im(cols) for n images */
  col2im(cols: FloatArray, x: FloatArray, n: number, g: WindowShape): void {
    const K = g.channels * g.kernel * g.kernel, P = g.outHeight * g.outWidth;
    const [cAt, xAt] = this.places([cols, n * P * K], [x, n * g.channels * g.height * g.width]);
    if (xAt < 0 || cAt < 0) return this.fallback.col2im(cols, x, n, g);
    this.rearrange(COL2IM, n, n * P * K, [cAt, xAt, n, ...shape(g)]);
  }

  /** Z[n, f, q] = Z'[n·P + q, f] + b[f] */
  channelsFirst(zT: FloatArray, bias: FloatArray, z: FloatArray, n: number, filters: number, positions: number): void {
    const size = n * filters * positions;
    const [aAt, zAt] = this.places([zT, size], [z, size]);
    const bAt = aAt >= 0 && zAt >= 0 && bias instanceof Float32Array && bias.length >= filters ? this.placeSmall(bias, filters) : -1;
    if (bAt < 0) return this.fallback.channelsFirst(zT, bias, z, n, filters, positions);
    this.rearrange(CHANNELS_FIRST, n, size, [aAt, bAt, zAt, n, filters, positions]);
  }

  /** dZ'[n·P + q, f] = dZ[n, f, q] */
  channelsLast(dZ: FloatArray, dZT: FloatArray, n: number, filters: number, positions: number): void {
    const size = n * filters * positions;
    const [gAt, dAt] = this.places([dZ, size], [dZT, size]);
    if (gAt < 0 || dAt < 0) return this.fallback.channelsLast(dZ, dZT, n, filters, positions);
    this.rearrange(CHANNELS_LAST, n, size, [gAt, dAt, n, filters, positions]);
  }

  /** Y = the max of each window, winners = where it is in X */
  maxPool(x: FloatArray, y: FloatArray, winners: Int32Array, n: number, g: WindowShape): void {
    const planes = n * g.channels, outs = planes * g.outHeight * g.outWidth;
    const [xAt, yAt, wAt] = this.places([x, planes * g.height * g.width], [y, outs], [winners, outs]);
    if (xAt < 0 || yAt < 0 || wAt < 0) return this.fallback.maxPool(x, y, winners, n, g);
    this.rearrange(MAX_POOL, planes, planes * g.height * g.width, [xAt, yAt, wAt, planes, g.height, g.width, g.kernel, g.outHeight, g.outWidth]);
  }

  /** dX = 0, dX[winners[o]] += dY[o]. Shared by planes only when dX is whole planes of the outputs' planes. */
  maxPoolBackward(dY: FloatArray, winners: Int32Array, dX: FloatArray): void {
    const [gAt, wAt, dAt] = this.places([dY, dY.length], [winners, dY.length], [dX, dX.length]);
    if (gAt < 0 || wAt < 0 || dAt < 0) return this.fallback.maxPoolBackward(dY, winners, dX);
    // one part (no threads) unless the caller's planes are known: the outputs and inputs are in whole planes
    // only as the pooling layer lays them out, which this kernel cannot see; so the work stays on one thread
    this.convPart(MAX_POOL_BACK, 0, 1, gAt, wAt, dAt, 1, dX.length, dY.length, 0, 0, 0, 0, 0);
  }

  /** Z = the convolution of X by W, + b, summed directly (no im2col); stride 1 and no padding, else the loops */
  convForward(x: FloatArray, weights: FloatArray, bias: FloatArray, z: FloatArray, n: number, filters: number, g: WindowShape): void {
    const K = g.channels * g.kernel * g.kernel, P = g.outHeight * g.outWidth;
    const [xAt, zAt] = this.places([x, n * g.channels * g.height * g.width], [z, n * filters * P]);
    // the weights and biases are small (not in memory below HEAP_MIN_FLOATS): copied to scratch, side by side
    let [wAt, bAt] = this.places([weights, filters * K], [bias, filters]);
    if ((wAt < 0 || bAt < 0) && xAt >= 0 && weights instanceof Float32Array && bias instanceof Float32Array && weights.length >= filters * K && bias.length >= filters) {
      const at = this.scratch(4 * (filters * K + filters));
      if (at >= 0) {
        this.heap.f32.set(weights.subarray(0, filters * K), at >> 2);
        this.heap.f32.set(bias.subarray(0, filters), (at >> 2) + filters * K);
        wAt = at; bAt = at + 4 * filters * K;
      }
    }
    if (xAt < 0 || wAt < 0 || bAt < 0 || zAt < 0 || g.stride !== 1 || g.padding !== 0) return this.fallback.convForward(x, weights, bias, z, n, filters, g);
    this.rearrange(CONV_FORWARD, n, n * filters * P * K, [xAt, wAt, bAt, zAt, n, g.channels, g.height, g.width, g.kernel, filters]);
  }

  /** Indices kept from call to call (pooling's winners): in WebAssembly memory when large enough. */
  longLivedIndices(length: number): Int32Array {
    const f = this.allocate(length);
    return f === null ? new Int32Array(length) : new Int32Array(f.buffer, f.byteOffset, length);
  }

  /**
   * C = Aᵀ·B (A stored k×m, B k×n, both in memory) for a long sum, like conv 1's dW = dZ'ᵀ·cols (16×25 over 36,864
   * terms, segments of DEPTH_SEGMENT terms) or a full batch's dW = Xᵀ·dZ (784×256 over 60,000: 4 segments, so that
   * each thread packs only its share of dZ and reads only its share of X): the sum in fixed segments, each into its own
   * partial C by whichever thread claims it, then the partials added in order, in float64 and rounded once (in
   * WebAssembly, SUM_PARTS, where C is in memory and not transposed). The segments are fixed by k (and `segment`)
   * alone, so C does not depend on the number of threads. False (nothing done) if scratch memory is full.
   */
  protected longSum(m: number, n: number, k: number, a: number, b: number, c: Float32Array, segment = DEPTH_SEGMENT): boolean {
    const segments = Math.ceil(k / segment), size = m * n, at = this.scratch(4 * segments * size);
    if (at < 0) return false;
    // the partials as (Bᵀ·A), n×m, when that wastes less of gemm's 4×8 tiles (16×25 pads to 16×32, 25×16 to 28×16)
    const swap = tiles(n, m) < tiles(m, n), rows = swap ? n : m, cols = swap ? m : n, x = swap ? b : a, y = swap ? a : b;
    const kc = this.kBlock(segment), pool = this.pool, task = this.task;
    task.fill(0);
    task[0] = rows; task[1] = cols; task[2] = k; task[3] = kc; task[4] = x; task[5] = 1; task[6] = rows;
    task[7] = y; task[8] = cols; task[9] = 1; task[10] = at; task[11] = cols; task[13] = CONTROL_BYTES;
    task[14] = segments; task[15] = 2; task[16] = segment; task[17] = this.workBytes;
    let done = false;
    if (pool !== null) {
      if (!pool.started) pool.start();
      try {
        pool.run(task, this.gemm, this.convPart);
        done = true;
      } catch {
        pool.shutdown(); // a worker failed: redo every segment here
      }
    }
    for (let t = 0; !done && t < segments; t++) {
      const p0 = t * segment, depth = Math.min(k, p0 + segment) - p0;
      this.gemm(rows, cols, depth, kc, x + 4 * p0 * rows, 1, rows, y + 4 * p0 * cols, cols, 1, at + 4 * t * size, cols, 0, CONTROL_BYTES, 0, 0, 0);
    }
    const cAt = swap ? -1 : this.heap.addressOf(c);
    if (cAt >= 0) {
      this.rearrange(SUM_PARTS, size, size * segments, [size, at, segments, cAt]); // the loop below, shared by ranges
      return true;
    }
    const f32 = this.heap.f32, base = at >> 2;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const e = base + (swap ? j * m + i : i * n + j);
        let sum = f32[e];
        for (let t = 1; t < segments; t++) sum += f32[e + t * size];
        c[i * n + j] = sum;
      }
    }
    return true;
  }

  /** The addresses of float32 (or int32) arrays in memory, each at least its length; −1 for one that is not. */
  private places(...arrays: [FloatArray | Int32Array, number][]): number[] {
    return arrays.map(([a, length]) => (a instanceof Float64Array || a.length < length ? -1 : this.heap.addressOf(a)));
  }
}

/** How many entries of C gemm computes for an m×n C: whole 4×8 register tiles. */
function tiles(m: number, n: number): number {
  return Math.ceil(m / 4) * 4 * Math.ceil(n / 8) * 8;
}

/** The geometry as convPart takes it: C, H, W, k, s, p, OH, OW. */
function shape(g: WindowShape): number[] {
  return [g.channels, g.height, g.width, g.kernel, g.stride, g.padding, g.outHeight, g.outWidth];
}
