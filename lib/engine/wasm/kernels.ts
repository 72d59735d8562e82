// The WebAssembly implementation of the Kernels interface (lib/engine/kernels.ts): the same three products as the
// plain TypeScript loops, and the element-wise passes of a layer (bias, ReLU, Σ over rows, the update), computed
// by lib/engine/wasm/gemm.wasm (source: lib/engine/wasm/assembly/). What it does not compute here (float64 operands, the
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
import { MR, DEPTH_SEGMENT, LONG_SUM_MAX_C, type WasmKernelsOptions } from "./machine";
import { RELU, RELU_BACK, ADD_ROW, SUM_ROWS } from "./rearrange";
import { WasmNorm } from "./norm"; // (WasmNorm extends WasmGates: LayerNorm (issue 31); WasmGates extends WasmRearrangements: the LSTM's gates, then the conv's rearrangements)
import type { WasmModule } from "./api";
import { align } from "./heap";

export { HEAP_MIN_FLOATS, DEFAULT_MIN_THREAD_FLOPS, type WasmKernelsOptions } from "./machine";

/** Float64 work, a product that does not fit (more than 1 GiB of operands) or whose threads failed goes here. */
type Fallback = Kernels;

/** Updates shorter than this stay in the plain loop (a call into WebAssembly costs more than it saves). */
const ADD_SCALED_MIN = 4096;

export class WasmKernels extends WasmNorm implements Kernels {
  readonly name = "wasm";

  constructor(module: WasmModule, fallback: Fallback, options: WasmKernelsOptions = {}) {
    super(module, fallback, options);
  }

  /** A zero-filled array for a kept buffer: in WebAssembly memory when it is large enough and there is room. */
  longLivedArray(length: number): Float32Array {
    return this.allocate(length) ?? new Float32Array(length);
  }

  /** C[m×n] = A[m×k]·B[k×n] */
  matmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)) return this.fallback.matmul(a, b, c, m, k, n);
    if (!this.checked("matmul", a, m * k, b, k * n, c, m * n, k)) return;
    if (!this.byRows(a, b, c, m, k, n, k, 1, n, 1)) this.fallback.matmul(a, b, c, m, k, n);
  }

  /** C[m×n] = A[m×k]·B[k×n] + b on each row: the bias added to each block of rows of C as its sum completes */
  matmulBias(a: FloatArray, b: FloatArray, bias: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array && bias instanceof Float32Array)) return this.fallback.matmulBias(a, b, bias, c, m, k, n);
    if (bias.length < n) throw new Error(`wasm matmulBias: the bias has ${bias.length} numbers, C has ${n} columns`);
    if (!this.checked("matmulBias", a, m * k, b, k * n, c, m * n, k)) return this.addRowVector(c, bias, c, m, n); // C = 0 + b (k = 0), or an empty C
    if (!this.byRows(a, b, c, m, k, n, k, 1, n, 1, bias)) this.fallback.matmulBias(a, b, bias, c, m, k, n);
  }

  /** C[m×n] = Aᵀ·B, A stored k×m, B k×n */
  matmulTransA(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)) return this.fallback.matmulTransA(a, b, c, m, k, n);
    if (!this.checked("matmulTransA", a, k * m, b, k * n, c, m * n, k)) return;
    if (!this.byDepth(a, b, c, m, k, n)) this.fallback.matmulTransA(a, b, c, m, k, n);
  }

  /** C[m×n] = A·Bᵀ, A m×k, B stored n×k */
  matmulTransB(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)) return this.fallback.matmulTransB(a, b, c, m, k, n);
    if (!this.checked("matmulTransB", a, m * k, b, n * k, c, m * n, k)) return;
    if (!this.byRows(a, b, c, m, k, n, k, 1, 1, k)) this.fallback.matmulTransB(a, b, c, m, k, n);
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

  // --- the three layouts ------------------------------------------------------------------------------

  /** Shapes and lengths; also does the empty cases. False when there is nothing left to compute. */
  private checked(op: string, a: Float32Array, aLen: number, b: Float32Array, bLen: number,
                  c: Float32Array, cLen: number, k: number): boolean {
    if (a.length < aLen || b.length < bLen || c.length < cLen) {
      throw new Error(`wasm ${op}: arrays too short for the shapes (A has ${a.length} of ${aLen}, B ${b.length} of ${bLen}, C ${c.length} of ${cLen})`);
    }
    if (cLen === 0) return false;
    if (k === 0) {
      c.fill(0, 0, cLen); // an empty sum
      return false;
    }
    return true;
  }

  /**
   * A·B (bps = n, bjs = 1) and A·Bᵀ (bps = 1, bjs = k); A is m×k row-major (ais = k, aps = 1). With `bias`, C = op(A)·op(B) + bias.
   * Operands in memory are used in place. Otherwise B (and the bias) are copied once, and A and C go through in chunks of rows.
   */
  private byRows(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
                 ais: number, aps: number, bps: number, bjs: number, bias: Float32Array | null = null): boolean {
    const heap = this.heap;
    const aHome = heap.addressOf(a), bHome = heap.addressOf(b), cHome = heap.addressOf(c), biasHome = bias === null ? 0 : heap.addressOf(bias);
    const bCopy = bHome < 0 ? k * n : 0, perRow = (aHome < 0 ? k : 0) + (cHome < 0 ? n : 0), biasBytes = biasHome < 0 ? align(4 * n) : 0;
    const rows = perRow === 0 ? m : chunkLength(this.chunkFloats - biasBytes / 4, m, bCopy, perRow, MR);
    const bBytes = align(4 * bCopy), aBytes = aHome < 0 ? align(4 * rows * k) : 0;
    const base = this.scratch(biasBytes + bBytes + aBytes + (cHome < 0 ? 4 * rows * n : 0));
    if (base < 0) return false;
    const f32 = heap.f32, kc = this.kBlock(k);
    const biasAt = biasHome < 0 ? base : biasHome, bAt = bHome >= 0 ? bHome : base + biasBytes, aBuf = base + biasBytes + bBytes, cBuf = aBuf + aBytes;
    if (biasHome < 0) f32.set(bias!.subarray(0, n), biasAt >> 2);
    if (bHome < 0) f32.set(b.subarray(0, k * n), bAt >> 2);
    for (let r0 = 0; r0 < m; r0 += rows) {
      const r1 = Math.min(m, r0 + rows);
      let aAt = aHome + 4 * r0 * k;
      if (aHome < 0) {
        f32.set(a.subarray(r0 * k, r1 * k), aBuf >> 2);
        aAt = aBuf;
      }
      const cAt = cHome >= 0 ? cHome + 4 * r0 * n : cBuf;
      this.compute(r1 - r0, n, k, kc, aAt, ais, aps, bAt, bps, bjs, cAt, n, 0, biasAt);
      if (cHome < 0) c.set(f32.subarray(cBuf >> 2, (cBuf >> 2) + (r1 - r0) * n), r0 * n);
    }
    return true;
  }

  /**
   * Aᵀ·B, A stored k×m, B k×n. Operands in memory are used in place. Otherwise C stays in scratch memory
   * while the rows of A and B go through in chunks of whole k blocks, summed into C.
   */
  private byDepth(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): boolean {
    const heap = this.heap;
    const aHome = heap.addressOf(a), bHome = heap.addressOf(b), cHome = heap.addressOf(c);
    if (aHome >= 0 && bHome >= 0 && m * n <= LONG_SUM_MAX_C && k >= 4 * DEPTH_SEGMENT && this.longSum(m, n, k, aHome, bHome, c)) return true;
    const kc = this.kBlock(k); // chunks are whole k blocks, so the sums are grouped as without chunks
    const cCopy = cHome < 0 ? m * n : 0, perStep = (aHome < 0 ? m : 0) + (bHome < 0 ? n : 0);
    const depth = perStep === 0 ? k : chunkLength(this.chunkFloats, k, cCopy, perStep, kc);
    const cBytes = align(4 * cCopy), aBytes = aHome < 0 ? align(4 * depth * m) : 0;
    const base = this.scratch(cBytes + aBytes + (bHome < 0 ? 4 * depth * n : 0));
    if (base < 0) return false;
    const f32 = heap.f32;
    const cAt = cHome >= 0 ? cHome : base, aBuf = base + cBytes, bBuf = aBuf + aBytes;
    for (let p0 = 0; p0 < k; p0 += depth) {
      const p1 = Math.min(k, p0 + depth);
      let aAt = aHome + 4 * p0 * m, bAt = bHome + 4 * p0 * n;
      if (aHome < 0) {
        f32.set(a.subarray(p0 * m, p1 * m), aBuf >> 2);
        aAt = aBuf;
      }
      if (bHome < 0) {
        f32.set(b.subarray(p0 * n, p1 * n), bBuf >> 2);
        bAt = bBuf;
      }
      this.compute(m, n, p1 - p0, kc, aAt, 1, m, bAt, n, 1, cAt, n, p0 > 0 ? 1 : 0);
    }
    if (cHome < 0) c.set(f32.subarray(cAt >> 2, (cAt >> 2) + m * n));
    return true;
  }
}

/** How many rows (or depth steps) of a streamed operand fit beside the resident one in `budget` floats, in multiples of `unit`. */
function chunkLength(budget: number, total: number, residentFloats: number, floatsPerRow: number, unit: number): number {
  const fit = Math.floor(Math.max(0, budget - residentFloats) / floatsPerRow);
  if (fit >= total) return total;
  return Math.max(unit, fit - (fit % unit));
}
