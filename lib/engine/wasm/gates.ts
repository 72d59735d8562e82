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
    if (!this.placed(rows, hidden, gates, zh, cPrev, c, tc, h)) return this.fallback.lstmGatesForward(gates, zh, cPrev, c, tc, h, rows, hidden);
    const at = this.at;
    this.lstmGatesForwardFn(rows, hidden, at[0], at[1], at[2], at[3], at[4], at[5]);
  }

  /** One step backward: dz, dc ← dc_t ⊙ f; returns Σ dc_t² (lib/engine/kernels.ts) */
  lstmGatesBackward(gates: FloatArray, cPrev: FloatArray, tc: FloatArray, dh: FloatArray, dc: FloatArray, dz: FloatArray,
                    rows: number, hidden: number): number {
    if (!this.placed(rows, hidden, gates, dz, cPrev, tc, dh, dc)) return this.fallback.lstmGatesBackward(gates, cPrev, tc, dh, dc, dz, rows, hidden);
    const at = this.at; //                                  gates, dz, cPrev, tc, dh, dc
    return this.lstmGatesBackwardFn(rows, hidden, at[0], at[2], at[3], at[4], at[5], at[1]);
  }

  /** The addresses of two arrays of rows × 4H numbers then four of rows × H, in order into `at`; false unless all are float32 in memory. */
  private placed(rows: number, hidden: number, w0: FloatArray, w1: FloatArray, n0: FloatArray, n1: FloatArray, n2: FloatArray, n3: FloatArray): boolean {
    const wide = 4 * rows * hidden, narrow = rows * hidden;
    return this.place(w0, wide, 0) && this.place(w1, wide, 1) &&
      this.place(n0, narrow, 2) && this.place(n1, narrow, 3) && this.place(n2, narrow, 4) && this.place(n3, narrow, 5);
  }

  /** at[slot] = the address of a (which must hold `length` numbers); false unless it is float32 and in memory. */
  private place(a: FloatArray, length: number, slot: number): boolean {
    return (this.at[slot] = this.residentAt("LSTM gates", a, length)) >= 0;
  }
}
