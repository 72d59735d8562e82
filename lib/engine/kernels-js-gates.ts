// The LSTM's gates (chapter 14, lib/nn/lstm.ts) as plain loops: one time step's element-wise work, forward and
// backward, for `rows` rows of `hidden` units. Part of jsKernels (lib/engine/kernels-js.ts), and the oracle the
// WebAssembly version (lib/engine/wasm/assembly/gates.ts) is tested against. Gate rows hold 4H numbers, blocks of H in
// the order i, f, g, o; cell and hidden rows H.
import type { FloatArray } from "./kernels";

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export const gateLoops = {
  // a = Zx + Zh;  i, f, o = σ(a_i, a_f, a_o),  g = tanh(a_g)  (into gates);  c = f ⊙ c_prev + i ⊙ g,  tc = tanh(c),  h = o ⊙ tc
  lstmGatesForward(gates: FloatArray, zh: FloatArray, cPrev: FloatArray, c: FloatArray, tc: FloatArray, h: FloatArray,
                   rows: number, hidden: number): void {
    const H = hidden;
    for (let r = 0; r < rows; r++) {
      const z = r * 4 * H, s = r * H;
      for (let j = 0; j < H; j++) {
        const i = sigmoid(gates[z + j] + zh[z + j]); //                       i = σ(z_i)
        const f = sigmoid(gates[z + H + j] + zh[z + H + j]); //               f = σ(z_f)
        const g = Math.tanh(gates[z + 2 * H + j] + zh[z + 2 * H + j]); //     g = tanh(z_g)
        const o = sigmoid(gates[z + 3 * H + j] + zh[z + 3 * H + j]); //       o = σ(z_o)
        gates[z + j] = i;
        gates[z + H + j] = f;
        gates[z + 2 * H + j] = g;
        gates[z + 3 * H + j] = o;
        const ct = f * cPrev[s + j] + i * g; //                               c_t = f ⊙ c_{t−1} + i ⊙ g
        c[s + j] = ct;
        tc[s + j] = Math.tanh(ct);
        h[s + j] = o * tc[s + j]; //                                          h_t = o ⊙ tanh(c_t)
      }
    }
  },

  // dc_t = dc + dh ⊙ o ⊙ (1 − tc²);  dz_i, dz_f, dz_g, dz_o (into dz);  dc ← dc_t ⊙ f;  returns Σ dc_t²
  lstmGatesBackward(gates: FloatArray, cPrev: FloatArray, tc: FloatArray, dh: FloatArray, dc: FloatArray, dz: FloatArray,
                    rows: number, hidden: number): number {
    const H = hidden;
    let squares = 0;
    for (let r = 0; r < rows; r++) {
      const z = r * 4 * H, s = r * H;
      for (let j = 0; j < H; j++) {
        const i = gates[z + j], f = gates[z + H + j], g = gates[z + 2 * H + j], o = gates[z + 3 * H + j];
        const dhv = dh[s + j], t = tc[s + j];
        const dcv = dc[s + j] + dhv * o * (1 - t * t); //                     dc_t = dc + dh_t ⊙ o ⊙ (1 − tanh²(c_t))
        squares += dcv * dcv;
        dz[z + j] = dcv * g * i * (1 - i); //                                 dz_i = dc_t ⊙ g ⊙ i(1 − i)
        dz[z + H + j] = dcv * cPrev[s + j] * f * (1 - f); //                  dz_f = dc_t ⊙ c_{t−1} ⊙ f(1 − f)
        dz[z + 2 * H + j] = dcv * i * (1 - g * g); //                         dz_g = dc_t ⊙ i ⊙ (1 − g²)
        dz[z + 3 * H + j] = dhv * t * o * (1 - o); //                         dz_o = dh_t ⊙ tanh(c_t) ⊙ o(1 − o)
        dc[s + j] = dcv * f; //                                               dc_{t−1} = dc_t ⊙ f
      }
    }
    return squares;
  },
};
