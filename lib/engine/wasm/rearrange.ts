// The WebAssembly side of the last block of the Kernels interface (lib/engine/kernels.ts): im2col, col2im, the
// channel layouts of a convolution's output and max-pooling, computed by gemm.wasm's convPart
// (lib/engine/wasm/assembly/conv.ts) and shared between the threads by images (WasmMachine.rearrange).
// They run where every array is in WebAssembly memory (the layers' buffers are, while this backend is active);
// otherwise, and for float64, the plain loops do them. Either gives the same numbers: these only copy, compare
// and add onto zero in the loops' order.
import type { FloatArray, Kernels, WindowShape } from "../kernels";
import { WasmMachine, type WasmKernelsOptions } from "./machine";
import type { WasmModule } from "./api";

// the operations of convPart (lib/engine/wasm/assembly/conv.ts)
const IM2COL = 1, COL2IM = 2, CHANNELS_FIRST = 3, CHANNELS_LAST = 4, MAX_POOL = 5, MAX_POOL_BACK = 6;

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

  /** Indices kept from call to call (pooling's winners): in WebAssembly memory when large enough. */
  longLivedIndices(length: number): Int32Array {
    const f = this.allocate(length);
    return f === null ? new Int32Array(length) : new Int32Array(f.buffer, f.byteOffset, length);
  }

  /** The addresses of float32 (or int32) arrays in memory, each at least its length; −1 for one that is not. */
  private places(...arrays: [FloatArray | Int32Array, number][]): number[] {
    return arrays.map(([a, length]) => (a instanceof Float64Array || a.length < length ? -1 : this.heap.addressOf(a)));
  }
}

/** The geometry as convPart takes it: C, H, W, k, s, p, OH, OW. */
function shape(g: WindowShape): number[] {
  return [g.channels, g.height, g.width, g.kernel, g.stride, g.padding, g.outHeight, g.outWidth];
}
