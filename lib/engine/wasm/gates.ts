// The WebAssembly side of the LSTM's gates (the last block of the Kernels interface, lib/engine/kernels.ts): one time
// step's element-wise work, forward and backward, in one call each (lib/engine/wasm/assembly/gates.ts: four units at a
// time, its own float32 σ and tanh). They run where every array is float32 and in WebAssembly memory (the LSTM's
// buffers are, while this backend is active); otherwise, and for float64, the plain loops do them.
import type { FloatArray } from "../kernels";
import { WasmRearrangements } from "./rearrange";

export class WasmGates extends WasmRearrangements {
  private readonly at = new Int32Array(6); // the six arrays' addresses, for the call being made

  /** One step forward: i, f, g, o into gates; c, tc = tanh(c), h = o ⊙ tc (lib/engine/kernels.ts) */
  lstmGatesForward(gates: FloatArray, zh: FloatArray, cPrev: FloatArray, c: FloatArray, tc: FloatArray, h: FloatArray,
                   rows: number, hidden: number): void {
    const wide = 4 * rows * hidden, narrow = rows * hidden, at = this.at;
    const inMemory = this.place(gates, wide, 0) && this.place(zh, wide, 1) && this.place(cPrev, narrow, 2) &&
      this.place(c, narrow, 3) && this.place(tc, narrow, 4) && this.place(h, narrow, 5);
    if (!inMemory) return this.fallback.lstmGatesForward(gates, zh, cPrev, c, tc, h, rows, hidden);
    this.lstmGatesForwardFn(rows, hidden, at[0], at[1], at[2], at[3], at[4], at[5]);
  }

  /** One step backward: dz, dc ← dc_t ⊙ f; returns Σ dc_t² (lib/engine/kernels.ts) */
  lstmGatesBackward(gates: FloatArray, cPrev: FloatArray, tc: FloatArray, dh: FloatArray, dc: FloatArray, dz: FloatArray,
                    rows: number, hidden: number): number {
    const wide = 4 * rows * hidden, narrow = rows * hidden, at = this.at;
    const inMemory = this.place(gates, wide, 0) && this.place(cPrev, narrow, 1) && this.place(tc, narrow, 2) &&
      this.place(dh, narrow, 3) && this.place(dc, narrow, 4) && this.place(dz, wide, 5);
    if (!inMemory) return this.fallback.lstmGatesBackward(gates, cPrev, tc, dh, dc, dz, rows, hidden);
    return this.lstmGatesBackwardFn(rows, hidden, at[0], at[1], at[2], at[3], at[4], at[5]);
  }

  /** at[slot] = the address of a (which must hold `length` numbers); false unless it is float32 and in memory. */
  private place(a: FloatArray, length: number, slot: number): boolean {
    if (a.length < length) throw new Error(`wasm LSTM gates: an array has ${a.length} numbers where the step needs ${length}`);
    const address = a instanceof Float32Array ? this.heap.addressOf(a) : -1;
    this.at[slot] = address;
    return address >= 0;
  }
}
