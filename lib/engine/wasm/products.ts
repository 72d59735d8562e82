// The WebAssembly products (lib/engine/wasm/kernels.ts's base): A·B, Aᵀ·B and A·Bᵀ through gemm.wasm's gemm, and
// their fused forms for a Dense layer beside a ReLU: Z = X·W + b (matmulBias), A = max(0, X·W + b) (matmulBiasRelu) and
// dZ = (dY·Wᵀ) ⊙ 1[A > 0] (matmulTransBMask). gemm finishes each block of rows of C (the bias, the ReLU, the mask) once
// its sum is complete, while it is in the cache: one pass over C instead of two or three, and the same bits.
// How operands outside WebAssembly memory go through (copies, chunks) is described in ./kernels.ts.
import type { FloatArray } from "../kernels";
import { MR, DEPTH_SEGMENT, LONG_SUM_MAX_C, LONG_SUM_PARTS } from "./machine";
import { WasmNorm } from "./norm"; // (WasmNorm extends WasmGates: LayerNorm (issue 31); WasmGates extends WasmRearrangements: the LSTM's gates, then the conv's rearrangements)
import { align } from "./heap";

export abstract class WasmProducts extends WasmNorm {
  // the element-wise passes (./kernels.ts) a fused product falls back on
  abstract addRowVector(a: FloatArray, b: FloatArray, out: FloatArray, m: number, n: number): void;
  abstract relu(z: FloatArray, a: FloatArray): void;
  abstract reluBackward(g: FloatArray, a: FloatArray, d: FloatArray): void;

  /** C[m×n] = A[m×k]·B[k×n] */
  matmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)) return this.fallback.matmul(a, b, c, m, k, n);
    if (!this.checked("matmul", a, m * k, b, k * n, c, m * n, k)) return;
    if (!this.byRows(a, b, c, m, k, n, k, 1, n, 1)) this.fallback.matmul(a, b, c, m, k, n);
  }

  /** C[m×n] = A[m×k]·B[k×n] + b on each row: the bias added to each block of rows of C as its sum completes */
  matmulBias(a: FloatArray, b: FloatArray, bias: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    this.withBias("matmulBias", a, b, bias, c, m, k, n, false);
  }

  /** C = max(0, A·B + b): a Dense layer and the ReLU after it; each block of rows of C is finished while in the cache */
  matmulBiasRelu(a: FloatArray, b: FloatArray, bias: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    this.withBias("matmulBiasRelu", a, b, bias, c, m, k, n, true);
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

  /** C = (A·Bᵀ) ⊙ 1[M > 0]: the gradient back through a Dense layer and the ReLU before it, masked while each block is in the cache */
  matmulTransBMask(a: FloatArray, b: FloatArray, mask: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    const home = (x: FloatArray) => x instanceof Float32Array ? this.heap.addressOf(x) : -1;
    // the mask is read where C's block is: both must be in memory (else the product, then the ReLU's pass)
    if (!(a instanceof Float32Array && b instanceof Float32Array) || home(c) < 0 || home(mask) < 0 || mask.length < m * n) {
      this.matmulTransB(a, b, c, m, k, n);
      return this.reluBackward(c.subarray(0, m * n), mask.subarray(0, m * n), c.subarray(0, m * n));
    }
    if (!this.checked("matmulTransBMask", a, m * k, b, n * k, c as Float32Array, m * n, k)) return; // 0 ⊙ anything: C = 0 (k = 0)
    if (!this.byRows(a, b, c as Float32Array, m, k, n, k, 1, 1, k, null, false, home(mask))) this.fallback.matmulTransBMask(a, b, mask, c, m, k, n);
  }

  /** matmulBias, and with `relu` matmulBiasRelu: A·B + b (then max(0, ·)), gemm finishing each block of rows of C. */
  private withBias(op: string, a: FloatArray, b: FloatArray, bias: FloatArray, c: FloatArray, m: number, k: number, n: number, relu: boolean): void {
    const loops = () => (relu ? this.fallback.matmulBiasRelu(a, b, bias, c, m, k, n) : this.fallback.matmulBias(a, b, bias, c, m, k, n));
    if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array && bias instanceof Float32Array)) return loops();
    if (bias.length < n) throw new Error(`wasm ${op}: the bias has ${bias.length} numbers, C has ${n} columns`);
    if (!this.checked(op, a, m * k, b, k * n, c, m * n, k)) { // C = 0 + b (k = 0), then max(0, ·); or an empty C
      this.addRowVector(c, bias, c, m, n);
      if (relu) this.relu(c.subarray(0, m * n), c.subarray(0, m * n));
      return;
    }
    if (!this.byRows(a, b, c, m, k, n, k, 1, n, 1, bias, relu)) loops();
  }

  // --- the three layouts ------------------------------------------------------------------------------

  /** Shapes and lengths; also does the empty cases. False when there is nothing left to compute. */
  protected checked(op: string, a: Float32Array, aLen: number, b: Float32Array, bLen: number,
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
   * A·B (bps = n, bjs = 1) and A·Bᵀ (bps = 1, bjs = k); A is m×k row-major (ais = k, aps = 1). With `bias`, C = op(A)·op(B) + bias;
   * with `relu`, C = max(0, C) after; with `mask` (the address of an m×n matrix in memory; C must be in memory too), C ⊙ 1[mask > 0].
   * Operands in memory are used in place. Otherwise B (and the bias) are copied once, and A and C go through in chunks of rows.
   */
  protected byRows(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
                 ais: number, aps: number, bps: number, bjs: number, bias: Float32Array | null = null, relu = false, mask = 0): boolean {
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
      this.compute(r1 - r0, n, k, kc, aAt, ais, aps, bAt, bps, bjs, cAt, n, 0, biasAt, relu ? 1 : 0, mask === 0 ? 0 : mask + 4 * r0 * n);
      if (cHome < 0) c.set(f32.subarray(cBuf >> 2, (cBuf >> 2) + (r1 - r0) * n), r0 * n);
    }
    return true;
  }

  /**
   * Aᵀ·B, A stored k×m, B k×n. Operands in memory are used in place. Otherwise C stays in scratch memory
   * while the rows of A and B go through in chunks of whole k blocks, summed into C.
   */
  protected byDepth(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): boolean {
    const heap = this.heap;
    const aHome = heap.addressOf(a), bHome = heap.addressOf(b), cHome = heap.addressOf(c);
    if (aHome >= 0 && bHome >= 0 && m * n <= LONG_SUM_MAX_C && k >= 4 * DEPTH_SEGMENT && this.longSum(m, n, k, aHome, bHome, c)) return true;
    // a larger C over a long sum (a full batch's Xᵀ·dZ): by depth too, so that each thread packs only its share of B
    if (aHome >= 0 && bHome >= 0 && m * n > LONG_SUM_MAX_C && k >= 8 * DEPTH_SEGMENT && this.longSum(m, n, k, aHome, bHome, c, Math.ceil(k / LONG_SUM_PARTS))) return true;
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

