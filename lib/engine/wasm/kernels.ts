// The WebAssembly implementation of the Kernels interface (lib/engine/kernels.ts): the same three products as the
// plain TypeScript loops, and their fused forms (./products.ts, the base class), and here the element-wise passes of
// a layer (bias, ReLU, Σ over rows, the update), computed by lib/engine/wasm/gemm.wasm (source: lib/engine/wasm/assembly/). What it does not compute here (float64 operands, the
// other element-wise operations, element-wise passes over arrays outside its memory) goes to the plain loops.
//
// Memory. WebAssembly only reads its own linear memory. While this backend is active, the matrices the library
// keeps (longLived(…) of 1,024 numbers or more: data sets, weights, layer buffers) are
// made in that memory (lib/engine/wasm/heap.ts: they are still Float32Arrays), so a product or a ReLU reads its
// operands where they are. An operand that lives elsewhere (a small
// matrix, one made before the backend was switched on, any Float32Array) is copied into scratch memory
// for the product and the result copied back out: memcpy, 3–8 GB/s from main memory. Operands copied
// that way and larger than CHUNK_FLOATS go through in chunks, so memory stays bounded.
// The element-wise kernels run only on arrays in memory (they would spend longer copying than the JS loop
// spends computing); otherwise the plain loops do them.
//
// Threads, and the memory itself, are the machine's (lib/engine/wasm/machine.ts), which this class extends.
import type { Kernels, FloatArray } from "../kernels";
import type { WasmKernelsOptions } from "./machine";
import { RELU, RELU_BACK, ADD_ROW, SUM_ROWS } from "./rearrange";
import { WasmProducts } from "./products"; // (the products; WasmProducts extends WasmNorm: LayerNorm (issue 31), which extends WasmGates: the LSTM's gates, then WasmRearrangements: the conv's)
import type { WasmModule } from "./api";
import { align } from "./heap";

export { HEAP_MIN_FLOATS, DEFAULT_MIN_THREAD_FLOPS, type WasmKernelsOptions } from "./machine";

/** Float64 work, a product that does not fit (more than 1 GiB of operands) or whose threads failed goes here. */
type Fallback = Kernels;

/** Updates shorter than this stay in the plain loop (a call into WebAssembly costs more than it saves). */
const ADD_SCALED_MIN = 4096;

export class WasmKernels extends WasmProducts implements Kernels {
  readonly name = "wasm";

  constructor(module: WasmModule, fallback: Fallback, options: WasmKernelsOptions = {}) {
    super(module, fallback, options);
  }

  /** A zero-filled array for a kept buffer: in WebAssembly memory when it is large enough and there is room. */
  longLivedArray(length: number): Float32Array {
    return this.allocate(length) ?? new Float32Array(length);
  }

  /**
   * out = a + s·b, entry by entry over out.length floats (the update W ← W − α·dW is addScaled(W, dW, −α, W)).
   * a, b and out may be the same array. Computed in float32 (the JS loop rounds once, from float64; the two
   * can differ in the last bit).
   */
  addScaled(a: FloatArray, b: FloatArray, s: number, out: FloatArray): void {
    const n = out.length;
    if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) || n < ADD_SCALED_MIN) {
      return this.fallback.addScaled(a, b, s, out);
    }
    if (a.length < n || b.length < n) {
      throw new Error(`wasm addScaled: a has ${a.length} and b ${b.length} numbers, out needs ${n}`);
    }
    if (n === 0) return;
    const heap = this.heap;
    const aHome = heap.addressOf(a), bHome = heap.addressOf(b), outHome = heap.addressOf(out);
    if (aHome >= 0 && bHome >= 0 && outHome >= 0) {
      this.addScaledFn(n, aHome, bHome, s, outHome);
      return;
    }
    const chunk = Math.max(4, Math.floor(this.chunkFloats / 2));
    const aAt = this.scratch(2 * align(4 * Math.min(n, chunk)));
    if (aAt < 0) return this.fallback.addScaled(a, b, s, out);
    const bAt = aAt + align(4 * Math.min(n, chunk)), f32 = heap.f32;
    for (let i0 = 0; i0 < n; i0 += chunk) {
      const i1 = Math.min(n, i0 + chunk);
      f32.set(a.subarray(i0, i1), aAt >> 2);
      f32.set(b.subarray(i0, i1), bAt >> 2);
      this.addScaledFn(i1 - i0, aAt, bAt, s, aAt);
      out.set(f32.subarray(aAt >> 2, (aAt >> 2) + (i1 - i0)), i0);
    }
  }

  /** out[i, j] = a[i, j] + b[j] for an m×n a */
  addRowVector(a: FloatArray, b: FloatArray, out: FloatArray, m: number, n: number): void {
    if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array && this.addRowVectorInMemory(a, b, out, m, n))) this.fallback.addRowVector(a, b, out, m, n);
  }

  /** out[j] = Σ_i a[i, j] for an m×n a */
  sumRows(a: FloatArray, out: FloatArray, m: number, n: number): void {
    if (!(a instanceof Float32Array && out instanceof Float32Array && this.sumRowsInMemory(a, out, m, n))) this.fallback.sumRows(a, out, m, n);
  }

  /** a = max(0, z) */
  relu(z: FloatArray, a: FloatArray): void {
    const done = z instanceof Float32Array && a instanceof Float32Array && this.reluInMemory(z, a);
    if (!done) this.fallback.relu(z, a);
  }

  /** d = g ⊙ 1[a > 0] */
  reluBackward(g: FloatArray, a: FloatArray, d: FloatArray): void {
    const done = g instanceof Float32Array && a instanceof Float32Array && d instanceof Float32Array && this.reluBackwardInMemory(g, a, d);
    if (!done) this.fallback.reluBackward(g, a, d);
  }

  // Element-wise operations without a WebAssembly version: the plain loops.
  add(x: FloatArray, z: FloatArray, y: FloatArray): void {
    this.fallback.add(x, z, y);
  }
  sub(x: FloatArray, z: FloatArray, y: FloatArray): void {
    this.fallback.sub(x, z, y);
  }
  hadamard(x: FloatArray, z: FloatArray, y: FloatArray): void {
    this.fallback.hadamard(x, z, y);
  }
  scale(x: FloatArray, s: number, y: FloatArray): void {
    this.fallback.scale(x, s, y);
  }
  transpose(x: FloatArray, y: FloatArray, m: number, n: number): void {
    this.fallback.transpose(x, y, m, n);
  }

  // --- Batched small products (the block at the end of the Kernels interface) ----------------------------------
  /** C_s = op(A_s)·op(B_s) for s < count (assembly/batched.ts); float64, or an operand outside memory: the plain loops. */
  matmulBatched(a: FloatArray, b: FloatArray, c: FloatArray, count: number, m: number, k: number, n: number,
                transA: boolean, transB: boolean): void {
    const heap = this.heap, single = a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array;
    const aAt = single ? heap.addressOf(a) : -1, bAt = single ? heap.addressOf(b) : -1, cAt = single ? heap.addressOf(c) : -1;
    const work = aAt >= 0 && bAt >= 0 && cAt >= 0 && transB ? this.scratch(4 * k * n) : 0;
    if (aAt < 0 || bAt < 0 || cAt < 0 || work < 0) return this.fallback.matmulBatched(a, b, c, count, m, k, n, transA, transB);
    if (a.length < count * m * k || b.length < count * k * n || c.length < count * m * n) {
      throw new Error(`wasm matmulBatched: arrays too short for ${count} products of ${m}×${k} by ${k}×${n} (A has ${a.length}, B ${b.length}, C ${c.length})`);
    }
    this.gemmBatchedFn(count, m, k, n, aAt, bAt, cAt, transA ? 1 : 0, transB ? 1 : 0, work);
  }

  // --- Optimizer updates (the block at the end of the Kernels interface) --------------------------------------
  /** Adam's update (assembly/elementwise.ts, the plain loop's numbers bit for bit); float64, short or outside memory: the loop. */
  adamUpdate(w: FloatArray, dw: FloatArray, m: FloatArray, s: FloatArray, lr: number, beta1: number, beta2: number,
             eps: number, c1: number, c2: number, l2: number, l1: number): void {
    const n = w.length, heap = this.heap, single = n >= ADD_SCALED_MIN && w instanceof Float32Array &&
      dw instanceof Float32Array && m instanceof Float32Array && s instanceof Float32Array;
    const wAt = single ? heap.addressOf(w) : -1, dAt = single ? heap.addressOf(dw) : -1;
    const mAt = single ? heap.addressOf(m) : -1, sAt = single ? heap.addressOf(s) : -1;
    if (wAt < 0 || dAt < 0 || mAt < 0 || sAt < 0) return this.fallback.adamUpdate(w, dw, m, s, lr, beta1, beta2, eps, c1, c2, l2, l1);
    if (dw.length < n || m.length < n || s.length < n) {
      throw new Error(`wasm adamUpdate: W has ${n} numbers but dW ${dw.length}, m ${m.length} and s ${s.length}`);
    }
    this.adamFn(n, wAt, dAt, mAt, sAt, lr, beta1, beta2, eps, c1, c2, l2, l1);
  }

  /** out[i, j] = a[i, j] + b[j] for an m×n a; false (nothing done) unless a and out are in memory. */
  private addRowVectorInMemory(a: Float32Array, b: Float32Array, out: Float32Array, m: number, n: number): boolean {
    const aAt = this.heap.addressOf(a), outAt = this.heap.addressOf(out);
    if (aAt < 0 || outAt < 0 || a.length < m * n || out.length < m * n || b.length < n) return false;
    const bAt = this.placeSmall(b, n);
    if (bAt < 0) return false;
    this.rearrange(ADD_ROW, m, m * n, [m, n, aAt, bAt, outAt]); // shared between the threads by rows when large
    return true;
  }

  /** out[j] = Σ_i a[i, j] for an m×n a; false (nothing done) unless a is in memory. */
  private sumRowsInMemory(a: Float32Array, out: Float32Array, m: number, n: number): boolean {
    const aAt = this.heap.addressOf(a);
    if (aAt < 0 || a.length < m * n || out.length < n) return false;
    const outHome = this.heap.addressOf(out);
    const outAt = outHome >= 0 ? outHome : this.placeSmall(null, n);
    if (outAt < 0) return false;
    this.rearrange(SUM_ROWS, Math.ceil(n / 64), m * n, [m, n, aAt, outAt]); // by blocks of 64 columns: each summed as on one thread
    if (outHome < 0) out.set(this.heap.f32.subarray(outAt >> 2, (outAt >> 2) + n));
    return true;
  }

  /** a = max(0, z) over a.length floats; false (nothing done) unless both are in memory. */
  private reluInMemory(z: Float32Array, a: Float32Array): boolean {
    const zAt = this.heap.addressOf(z), aAt = this.heap.addressOf(a);
    if (zAt < 0 || aAt < 0 || z.length < a.length) return false;
    this.rearrange(RELU, a.length, a.length, [a.length, zAt, aAt]); // shared between the threads when large
    return true;
  }

  /** d = g ⊙ 1[a > 0] over d.length floats; false (nothing done) unless all three are in memory. */
  private reluBackwardInMemory(g: Float32Array, a: Float32Array, d: Float32Array): boolean {
    const gAt = this.heap.addressOf(g), aAt = this.heap.addressOf(a), dAt = this.heap.addressOf(d);
    if (gAt < 0 || aAt < 0 || dAt < 0 || g.length < d.length || a.length < d.length) return false;
    this.rearrange(RELU_BACK, d.length, d.length, [d.length, gAt, aAt, dAt]);
    return true;
  }
}
