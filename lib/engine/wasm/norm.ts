// The WebAssembly side of LayerNorm, of the attention softmax and of the heads' rearrangement (issue 31;
// assembly/norm.ts: 4 numbers at a time, sums in float32, its own e^x), and of the softmax cross-entropy loss
// (assembly/loss.ts: float64, its own e^x and log). The softmax runs on rows of a multiple of 4,
// float32 and in memory; LayerNorm runs where x, x̂, y, invStd (forward) or dY, x̂, invStd, dX (backward) are float32 and
// in WebAssembly memory (a LayerNorm's buffers are, while this backend is active). γ, β, dγ and dβ (one token's width)
// are copied into scratch memory and back. Otherwise, and for float64, the plain loops do it.
import type { FloatArray } from "../kernels";
import { WasmGates } from "./gates";
import { LOSS } from "./rearrange";
import { align } from "./heap";

/** Smaller batches of logits (a mini-batch's 64×10) stay in the plain loop: a call into WebAssembly costs more than it saves. */
const LOSS_MIN_FLOATS = 4096;

export class WasmNorm extends WasmGates {
  layerNormForward(x: FloatArray, gamma: FloatArray, beta: FloatArray, xHat: FloatArray, y: FloatArray, invStd: FloatArray,
                   tokens: number, n: number, eps: number): void {
    const rows = tokens * n, big = this.addresses(rows, x, xHat, y), inv = this.addresses(tokens, invStd);
    const small = big !== null && inv !== null ? this.copiedIn(n, gamma, beta, null, null) : -1;
    if (big === null || inv === null || small < 0) return this.fallback.layerNormForward(x, gamma, beta, xHat, y, invStd, tokens, n, eps);
    this.layerNormForwardFn(tokens, n, big[0], small, small + 4 * n, eps, big[1], big[2], inv[0]);
  }

  layerNormBackward(dY: FloatArray, xHat: FloatArray, gamma: FloatArray, invStd: FloatArray, dX: FloatArray,
                    dGamma: FloatArray, dBeta: FloatArray, tokens: number, n: number): void {
    const rows = tokens * n, big = this.addresses(rows, dY, xHat, dX), inv = this.addresses(tokens, invStd);
    const small = big !== null && inv !== null && dGamma instanceof Float32Array && dBeta instanceof Float32Array
      ? this.copiedIn(n, gamma, null, dGamma, dBeta) : -1;
    if (big === null || inv === null || small < 0) return this.fallback.layerNormBackward(dY, xHat, gamma, invStd, dX, dGamma, dBeta, tokens, n);
    this.layerNormBackwardFn(tokens, n, big[0], big[1], small, inv[0], big[2], small + 8 * n, small + 12 * n);
    const f32 = this.heap.f32, at = small >> 2;
    (dGamma as Float32Array).set(f32.subarray(at + 2 * n, at + 3 * n));
    (dBeta as Float32Array).set(f32.subarray(at + 3 * n, at + 4 * n));
  }

  /** In place, each of `rows` rows of n: the softmax of s·S (lib/engine/kernels.ts) */
  attentionSoftmax(a: FloatArray, rows: number, n: number, s: number): void {
    const at = n % 4 === 0 ? this.addresses(rows * n, a) : null;
    if (at === null) return this.fallback.attentionSoftmax(a, rows, n, s);
    this.attentionSoftmaxFn(rows, n, at[0], s);
  }

  /** In place over dA: dS = s·A ⊙ (dA − rowsum(dA ⊙ A)) */
  attentionSoftmaxBackward(a: FloatArray, dA: FloatArray, rows: number, n: number, s: number): void {
    const at = n % 4 === 0 ? this.addresses(rows * n, a, dA) : null;
    if (at === null) return this.fallback.attentionSoftmaxBackward(a, dA, rows, n, s);
    this.attentionSoftmaxBackwardFn(rows, n, at[0], at[1], s);
  }

  /** Token-major → head-major (lib/engine/kernels.ts) */
  splitHeads(x: FloatArray, out: FloatArray, n: number, T: number, H: number, d: number): void {
    const at = this.addresses(n * T * H * d, x, out);
    if (at === null) return this.fallback.splitHeads(x, out, n, T, H, d);
    this.moveHeadsFn(1, n, T, H, d, at[0], at[1]);
  }

  /** Head-major → token-major */
  mergeHeads(x: FloatArray, out: FloatArray, n: number, T: number, H: number, d: number): void {
    const at = this.addresses(n * T * H * d, x, out);
    if (at === null) return this.fallback.mergeHeads(x, out, n, T, H, d);
    this.moveHeadsFn(0, n, T, H, d, at[0], at[1]);
  }

  /**
   * Softmax cross-entropy over m rows of n (lib/engine/kernels.ts; assembly/loss.ts) for float32 batches of at least
   * LOSS_MIN_FLOATS logits, the rows shared between the threads when large. z, y or g outside memory (a batch's targets,
   * a new gradient) go through scratch memory. Each row's loss goes to scratch and is added here in row order, so the
   * total does not depend on the number of threads.
   */
  softmaxCrossEntropy(z: FloatArray, y: FloatArray, g: FloatArray, m: number, n: number): number {
    const len = m * n;
    if (len < LOSS_MIN_FLOATS || !(z instanceof Float32Array && y instanceof Float32Array && g instanceof Float32Array)) {
      return this.fallback.softmaxCrossEntropy(z, y, g, m, n);
    }
    const homes = [z, y, g].map((a) => this.residentAt("softmaxCrossEntropy", a, len));
    const rowBytes = align(8 * m), eBytes = align(8 * n * this.threads), copyBytes = align(4 * len);
    const copies = homes.filter((h) => h < 0).length;
    const scratch = this.scratch(rowBytes + eBytes + copies * copyBytes);
    if (scratch < 0) return this.fallback.softmaxCrossEntropy(z, y, g, m, n);
    const f32 = this.heap.f32;
    let next = scratch + rowBytes + eBytes;
    const at = homes.map((h, i) => {
      if (h >= 0) return h;
      const place = next;
      next += copyBytes;
      if (i < 2) f32.set((i === 0 ? z : y).subarray(0, len), place >> 2); // z and y are read; g is only written
      return place;
    });
    this.rearrange(LOSS, m, len, [m, n, m, at[0], at[1], at[2], scratch, scratch + rowBytes]);
    if (homes[2] < 0) g.set(f32.subarray(at[2] >> 2, (at[2] >> 2) + len));
    const rows = new Float64Array(this.memory.buffer, scratch, m);
    let total = 0;
    for (let i = 0; i < m; i++) total += rows[i];
    return total;
  }

  /** The addresses of float32 arrays in memory, each of at least `length` numbers; null if any is not. */
  private addresses(length: number, ...arrays: FloatArray[]): number[] | null {
    const at: number[] = [];
    for (const a of arrays) {
      const address = this.residentAt("LayerNorm/softmax", a, length);
      if (address < 0) return null;
      at.push(address);
    }
    return at;
  }

  /** Scratch memory for four rows of n (γ, β, dγ, dβ), with γ and β copied in; its address, or −1. */
  private copiedIn(n: number, gamma: FloatArray, beta: FloatArray | null, dGamma: FloatArray | null, dBeta: FloatArray | null): number {
    if (!(gamma instanceof Float32Array) || (beta !== null && !(beta instanceof Float32Array))) return -1;
    if (gamma.length < n || (beta !== null && beta.length < n) || (dGamma !== null && dGamma.length < n) || (dBeta !== null && dBeta.length < n)) {
      throw new Error(`wasm LayerNorm: γ, β, dγ and dβ need ${n} numbers each`);
    }
    const at = this.scratch(16 * n);
    if (at < 0) return -1;
    const f32 = this.heap.f32;
    f32.set(gamma.subarray(0, n), at >> 2);
    if (beta !== null) f32.set(beta.subarray(0, n), (at >> 2) + n);
    return at;
  }
}
