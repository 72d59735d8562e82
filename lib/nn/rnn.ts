// RNN: a plain (Elman) recurrent layer. It reads a sequence x_1 … x_T one step at a time and keeps a hidden
// state h that it updates at every step with the same weights:
//
//   h_0 = 0,   h_t = tanh(x_t·Wx + h_{t−1}·Wh + b)   (t = 1 … T),   output h_T
//   x_t: B × I,  h_t: B × H,  Wx: I × H,  Wh: H × H,  b: 1 × H
//
// Backpropagation through time (BPTT): unroll the loop into T copies of one layer that share Wx, Wh and b,
// and apply the chain rule backwards from the last step. With z_t = x_t·Wx + h_{t−1}·Wh + b and
// dh_T = ∂L/∂h_T (what the next layer sends back):
//   dz_t = dh_t ⊙ (1 − h_t²)              tanh′(z) = 1 − tanh(z)²
//   dh_{t−1} = dz_t·Whᵀ                   h_{t−1} reaches the loss only through z_t (the output is h_T alone)
//   dWx = Σ_t x_tᵀ·dz_t,   dWh = Σ_t h_{t−1}ᵀ·dz_t,   db = Σ_t Σ_rows dz_t,   dx_t = dz_t·Wxᵀ
// The sums over t are one product each: stack the steps time-major (./sequence.ts) and Σ_t x_tᵀ·dz_t = X_tmᵀ·dZ.
// Only the recurrence itself, h_{t−1}·Wh forward and dz_t·Whᵀ backward, needs a product per step.
//
// dh_{t−1} = dz_t·Whᵀ = (dh_t ⊙ (1 − h_t²))·Whᵀ: going back k steps multiplies the gradient by k such factors,
// so its norm shrinks or grows about geometrically (vanishing and exploding gradients). `gradNorms` keeps
// ‖dh_t‖ of the last backward, to watch it happen.
import { type Matrix } from "../core/matrix";
import { matmul, matmulTransB, addRowVector, copy } from "../core/ops";
import type { BackwardOptions } from "./layers";
import { Recurrent } from "./recurrent";
import { Buffers } from "../core/buffers";
import { blockNorm, type RecurrentOptions } from "./sequence";

export type RNNOptions = RecurrentOptions;

/** A tanh RNN over rows of steps·inputs values (step-major); outputs the last hidden state, B × hidden. */
export class RNN extends Recurrent { // Wx: I × H,  Wh: H × H,  b: 1 × H  (./recurrent.ts)
  readonly name = "RNN";

  private last: { batch: number; xtm: Matrix; states: Matrix } | null = null; // what backward needs
  private readonly stateBuffers = new Buffers(); //  h_0 … h_T time-major: ((T+1)·B) × H, block 0 = h_0 = 0
  private readonly dZBuffers = new Buffers(); //     dz_1 … dz_T: (T·B) × H
  private readonly dhBuffers = new Buffers(); //     dh_t: B × H

  constructor(options: RNNOptions) {
    super("rnn", 1, options);
  }

  protected lastStates(): { states: Matrix; batch: number } | null {
    return this.last;
  }

  forward(x: Matrix): Matrix {
    const T = this.steps, H = this.hidden, B = x.rows;
    const xtm = this.timeMajorInput(x); //                        X_tm: (T·B) × I
    const states = this.stateBuffers.get((T + 1) * B, H, this.dtype);
    const h = this.blocks.get(states, B); //                      h[t]: B × H, a view
    h[0].fill(0); //                                              h_0 = 0
    // x_t·Wx + b for every step at once, in dZ's buffer (free until backward): (T·B) × H
    const z = this.dZBuffers.get(T * B, H, this.dtype);
    addRowVector(matmul(xtm, this.Wx, z), this.b, z); //         Z_x = X_tm·Wx + b
    const zt = this.blocks.get(z, B);
    for (let t = 1; t <= T; t++) {
      const Zx = zt[t - 1].data, Ht = h[t].data;
      if (t > 1) matmul(h[t - 1], this.Wh, h[t]); //              h_{t−1}·Wh
      else h[1].fill(0); //                                       h_0·Wh = 0
      for (let k = 0; k < Ht.length; k++) Ht[k] = Math.tanh(Ht[k] + Zx[k]); // h_t = tanh(x_t·Wx + h_{t−1}·Wh + b)
    }
    this.last = { batch: B, xtm, states };
    return h[T];
  }

  backward(dOut: Matrix): Matrix;
  backward(dOut: Matrix, options: BackwardOptions): Matrix | null;
  backward(dOut: Matrix, options: BackwardOptions = {}): Matrix | null {
    const last = this.backwardStart(this.last, dOut);
    const T = this.steps, H = this.hidden, B = last.batch;
    const h = this.blocks.get(last.states, B);
    const dZ = this.dZBuffers.get(T * B, H, this.dtype);
    const dz = this.blocks.get(dZ, B);
    const dh = copy(dOut, this.dhBuffers.get(B, H, this.dtype)); // dh_T = ∂L/∂h_T
    for (let t = T; t >= 1; t--) {
      this.gradNorms[t - 1] = blockNorm(dh);
      const D = dh.data, Ht = h[t].data, Dz = dz[t - 1].data;
      for (let k = 0; k < D.length; k++) Dz[k] = D[k] * (1 - Ht[k] * Ht[k]); // dz_t = dh_t ⊙ (1 − h_t²)
      if (t > 1) matmulTransB(dz[t - 1], this.Wh, dh); //          dh_{t−1} = dz_t·Whᵀ
    }
    return this.sequenceGradients(last.xtm, last.states, dZ, B, options); // dWx, dWh, db; dX (./recurrent.ts)
  }
}
