// LSTM: long short-term memory (Hochreiter & Schmidhuber, 1997; with the forget gate of Gers et al., 2000).
// Beside the hidden state h it keeps a cell state c that each step changes by a gated sum, not by a product
// with a matrix:
//
//   h_0 = c_0 = 0;  for t = 1 … T:
//   z_t = x_t·Wx + h_{t−1}·Wh + b, four blocks of H columns in the order i, f, g, o:   z = [z_i | z_f | z_g | z_o]
//   i = σ(z_i)  input gate,  f = σ(z_f)  forget gate,  g = tanh(z_g)  candidate,  o = σ(z_o)  output gate
//   c_t = f ⊙ c_{t−1} + i ⊙ g,      h_t = o ⊙ tanh(c_t);     output h_T
//   x_t: B × I,  h_t, c_t: B × H,  Wx: I × 4H,  Wh: H × 4H,  b: 1 × 4H
//
// Backward through time, from dh_T = ∂L/∂h_T and dc = 0 after the last step. At step t, with dh_t and the
// cell gradient dc that came back from step t + 1:
//   dc_t = dc + dh_t ⊙ o ⊙ (1 − tanh²(c_t))             c_t reaches the loss through h_t and through c_{t+1}
//   dz_o = dh_t ⊙ tanh(c_t) ⊙ o(1 − o)                   σ′ = σ(1 − σ)
//   dz_i = dc_t ⊙ g ⊙ i(1 − i),   dz_g = dc_t ⊙ i ⊙ (1 − g²),   dz_f = dc_t ⊙ c_{t−1} ⊙ f(1 − f)
//   dc_{t−1} = dc_t ⊙ f                                  the cell's own path: an element-wise product, no matrix
//   dh_{t−1} = dz_t·Whᵀ
//   dWx = X_tmᵀ·dZ,   dWh = Σ_t h_{t−1}ᵀ·dz_t,   db = Σ_t Σ_rows dz_t,   dx_t = dz_t·Wxᵀ   (as in ./rnn.ts)
// Along the cell path the gradient is multiplied by f at each step: where the forget gate stays near 1, it
// travels back many steps without shrinking. `gradNorms` keeps ‖dh_t‖, `cellGradNorms` ‖dc_t‖.
//
// Per step, after the product h_{t−1}·Wh, the gates' element-wise work is one kernel call each way (lstmGatesForward,
// lstmGatesBackward: the loops in lib/engine/kernels-js-gates.ts, four units per instruction in WebAssembly).
//
// Initial weights: Wx Glorot-uniform and Wh orthogonal, block by block (./sequence.ts); b = 0 except the forget
// gate's, b_f = 1, so that at the start f = σ(1) ≈ 0.73 and the cell remembers (Jozefowicz et al., 2015).
import { type Matrix } from "../core/matrix";
import { matmul, matmulTransB, addRowVector, copy } from "../core/ops";
import type { BackwardOptions } from "./layers";
import { Recurrent } from "./recurrent";
import { Buffers } from "../core/buffers";
import { activeKernels } from "../engine/active";
import { blockNorm, stateSequence, type RecurrentOptions } from "./sequence";

export type LSTMOptions = RecurrentOptions;

/**
 * One step's gates, after its products: `gates` holds x_t·Wx + b (B × 4H) and `zh` h_{t−1}·Wh; with z = the two summed,
 *   i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o)  (written into gates),  c = f ⊙ c_{t−1} + i ⊙ g,  h = o ⊙ tanh(c)
 */
function gatesForward(gates: Matrix, zh: Matrix, cPrev: Matrix, c: Matrix, tanhC: Matrix, h: Matrix): void {
  activeKernels().lstmGatesForward(gates.data, zh.data, cPrev.data, c.data, tanhC.data, h.data, h.rows, h.cols);
}

/**
 * One step back through the gates: dc_t = dc + dh_t ⊙ o ⊙ (1 − tanh²(c_t)); dz_t (B × 4H) from dc_t and dh_t as in
 * the header; dc ← dc_t ⊙ f (= dc_{t−1}). Returns Σ dc_t², for ‖dc_t‖.
 */
function gatesBackward(gates: Matrix, cPrev: Matrix, tanhC: Matrix, dh: Matrix, dc: Matrix, dz: Matrix): number {
  return activeKernels().lstmGatesBackward(gates.data, cPrev.data, tanhC.data, dh.data, dc.data, dz.data, dh.rows, dh.cols);
}

/** An LSTM over rows of steps·inputs values (step-major); outputs the last hidden state, B × hidden. */
export class LSTM extends Recurrent { // Wx: I × 4H (gate blocks i, f, g, o),  Wh: H × 4H,  b: 1 × 4H  (./recurrent.ts)
  readonly name = "LSTM";
  /** ‖dc_t‖ (over the whole batch) for t = 1 … T, from the last backward: [t − 1] (‖dh_t‖ is gradNorms). */
  readonly cellGradNorms: Float64Array;

  private last: { batch: number; xtm: Matrix; gates: Matrix; cells: Matrix; tanhCells: Matrix; states: Matrix } | null = null;
  private readonly gateBuffers = new Buffers(); //    [i f g o] after their σ/tanh, every step: (T·B) × 4H
  private readonly cellBuffers = new Buffers(); //    c_0 … c_T: ((T+1)·B) × H, block 0 = 0
  private readonly tanhCellBuffers = new Buffers(); // tanh(c_1) … tanh(c_T): (T·B) × H
  private readonly stateBuffers = new Buffers(); //   h_0 … h_T: ((T+1)·B) × H, block 0 = 0
  private readonly zhBuffers = new Buffers(); //      h_{t−1}·Wh: B × 4H
  private readonly dZBuffers = new Buffers(); //      dz_1 … dz_T: (T·B) × 4H
  private readonly dhBuffers = new Buffers(); //      dh_t: B × H
  private readonly dcBuffers = new Buffers(); //      dc: B × H

  constructor(options: LSTMOptions) {
    super("lstm", 4, options);
    this.b.data.fill(1, this.hidden, 2 * this.hidden); //                          b_f = 1
    this.cellGradNorms = new Float64Array(this.steps);
  }

  protected lastStates(): { states: Matrix; batch: number } | null {
    return this.last;
  }

  forward(x: Matrix): Matrix {
    const T = this.steps, H = this.hidden, B = x.rows, dt = this.dtype;
    const xtm = this.timeMajorInput(x); //                       X_tm: (T·B) × I
    const gates = this.gateBuffers.get(T * B, 4 * H, dt), cells = this.cellBuffers.get((T + 1) * B, H, dt);
    const tanhCells = this.tanhCellBuffers.get(T * B, H, dt), states = this.stateBuffers.get((T + 1) * B, H, dt);
    const zh = this.zhBuffers.get(B, 4 * H, dt);
    addRowVector(matmul(xtm, this.Wx, gates), this.b, gates); //  x_t·Wx + b for every step at once
    const G = this.blocks.get(gates, B), C = this.blocks.get(cells, B), TC = this.blocks.get(tanhCells, B), S = this.blocks.get(states, B);
    C[0].fill(0); //                                             c_0 = 0
    S[0].fill(0); //                                             h_0 = 0
    for (let t = 1; t <= T; t++) {
      if (t > 1) matmul(S[t - 1], this.Wh, zh); //                h_{t−1}·Wh, all four gates in one product
      else zh.fill(0); //                                         h_0·Wh = 0
      gatesForward(G[t - 1], zh, C[t - 1], C[t], TC[t - 1], S[t]); // i, f, g, o;  c_t;  tanh(c_t);  h_t
    }
    this.last = { batch: B, xtm, gates, cells, tanhCells, states };
    return S[T];
  }

  backward(dOut: Matrix): Matrix;
  backward(dOut: Matrix, options: BackwardOptions): Matrix | null;
  backward(dOut: Matrix, options: BackwardOptions = {}): Matrix | null {
    const last = this.backwardStart(this.last, dOut);
    const T = this.steps, H = this.hidden, B = last.batch, dt = this.dtype;
    const G = this.blocks.get(last.gates, B), C = this.blocks.get(last.cells, B), TC = this.blocks.get(last.tanhCells, B);
    const dZ = this.dZBuffers.get(T * B, 4 * H, dt);
    const dz = this.blocks.get(dZ, B);
    const dh = copy(dOut, this.dhBuffers.get(B, H, dt)); //      dh_T = ∂L/∂h_T
    const dc = this.dcBuffers.get(B, H, dt).fill(0); //          nothing reaches c_T from a step T + 1
    for (let t = T; t >= 1; t--) {
      this.gradNorms[t - 1] = blockNorm(dh);
      this.cellGradNorms[t - 1] = Math.sqrt(gatesBackward(G[t - 1], C[t - 1], TC[t - 1], dh, dc, dz[t - 1])); // dz_t, dc_{t−1}
      if (t > 1) matmulTransB(dz[t - 1], this.Wh, dh); //          dh_{t−1} = dz_t·Whᵀ
    }
    return this.sequenceGradients(last.xtm, last.states, dZ, B, options); // dWx, dWh, db; dX (./recurrent.ts)
  }

  /** c_1 … c_T of example `b` of the last forward: T × H (a copy). */
  cellStates(b = 0): Matrix {
    if (this.last === null) throw new Error(`${this.describe()}.cellStates: call forward first`);
    return stateSequence(this.last.cells, this.last.batch, b, `${this.describe()}.cellStates`);
  }
}
