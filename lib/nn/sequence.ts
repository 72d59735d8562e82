// What the recurrent layers (RNN in ./rnn.ts, LSTM in ./lstm.ts) share: their options, their initial weights,
// and the two layouts of a batch of sequences.
//
// A batch arrives as the rest of the library has it, one example a row: row b holds steps·inputs values,
// step-major (x_1 of example b, then x_2, …; for a digit read by rows, row t of the image is x_t). Inside, the
// layers use time-major matrices, (steps·batch) × n, block t holding step t of every example:
//   X_tm[t·B + b, k] = X[b, t·I + k]
// so that step t of the whole batch is one contiguous block of B rows (a view, no copy), and the products that
// do not depend on the recurrence, x_t·Wx for every step and the weight gradients, are one product each for
// the whole sequence.
import { Matrix, type DType } from "../core/matrix";
import type { Random } from "../core/random";

export interface RecurrentOptions {
  /** I: values per step (28 for a digit read by rows) */
  inputs: number;
  /** H: units of the hidden state */
  hidden: number;
  /** T: steps per sequence (28 rows) */
  steps: number;
  /** default "float32" */
  dtype?: DType;
  /** the generator for the initial weights (shared by a whole network); otherwise a new Random(seed) */
  rng?: Random;
  /** used when no rng is given; default 0 */
  seed?: number;
}

/** The options checked: each size a whole number ≥ 1, or an Error naming the layer and the option. */
export function checkRecurrentOptions(layer: string, o: RecurrentOptions): { inputs: number; hidden: number; steps: number; dtype: DType } {
  if (o === null || typeof o !== "object") throw new Error(`${layer}: expected options { inputs, hidden, steps }, got ${String(o)}`);
  for (const key of ["inputs", "hidden", "steps"] as const) {
    const n = o[key];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw new Error(`${layer}: ${key} must be a whole number ≥ 1, got ${JSON.stringify(n)}`);
  }
  const dtype = o.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new Error(`${layer}: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
  return { inputs: o.inputs, hidden: o.hidden, steps: o.steps, dtype };
}

/**
 * Initial weights, gate block by gate block (a block is `hidden` columns): Wx Glorot-uniform, ±√(6/(I + H));
 * Wh orthogonal (Saxe et al., 2014), so that at the start h_{t−1}·Wh neither shrinks nor grows a vector.
 */
export function initRecurrent(wx: Matrix, wh: Matrix, gates: number, rng: Random): void {
  const I = wx.rows, H = wh.rows, limit = Math.sqrt(6 / (I + H));
  for (let i = 0; i < wx.data.length; i++) wx.data[i] = rng.uniform(-limit, limit);
  for (let g = 0; g < gates; g++) {
    const q = orthogonal(H, rng);
    for (let r = 0; r < H; r++) for (let c = 0; c < H; c++) wh.data[r * gates * H + g * H + c] = q[r * H + c];
  }
}

/** An n × n orthogonal matrix (row-major): Gram–Schmidt on the rows of a normal random matrix. */
export function orthogonal(n: number, rng: Random): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let r = 0; r < n; r++) {
    for (let pass = 0; pass < 2; pass++) { // twice: "twice is enough" for orthogonality in floating point
      for (let s = 0; s < r; s++) {
        let dot = 0; //                                      q_r ← q_r − (q_r·q_s)·q_s
        for (let c = 0; c < n; c++) dot += q[r * n + c] * q[s * n + c];
        for (let c = 0; c < n; c++) q[r * n + c] -= dot * q[s * n + c];
      }
    }
    let norm = 0;
    for (let c = 0; c < n; c++) norm += q[r * n + c] ** 2;
    norm = Math.sqrt(norm);
    for (let c = 0; c < n; c++) q[r * n + c] /= norm;
  }
  return q;
}

/** X (B × T·I, step-major rows) into X_tm ((T·B) × I):  X_tm[t·B + b, k] = X[b, t·I + k]. */
export function toTimeMajor(x: Matrix, steps: number, out: Matrix): Matrix {
  const B = x.rows, I = x.cols / steps, X = x.data, Y = out.data;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < steps; t++) {
      const from = b * x.cols + t * I, to = (t * B + b) * I;
      for (let k = 0; k < I; k++) Y[to + k] = X[from + k];
    }
  }
  return out;
}

/** The inverse: dX_tm ((T·B) × I) back into dX (B × T·I). */
export function fromTimeMajor(xtm: Matrix, steps: number, out: Matrix): Matrix {
  const B = out.rows, I = out.cols / steps, X = xtm.data, Y = out.data;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < steps; t++) {
      const from = (t * B + b) * I, to = b * out.cols + t * I;
      for (let k = 0; k < I; k++) Y[to + k] = X[from + k];
    }
  }
  return out;
}

/**
 * The blocks of `rows` rows of a time-major matrix, as views (block t = step t of the batch). Kept per matrix,
 * so that a layer reusing its buffers makes no new view per batch.
 */
export class StepBlocks {
  private readonly made = new WeakMap<Matrix, Matrix[]>();
  private readonly heads = new WeakMap<Matrix, Matrix>();

  get(m: Matrix, rows: number): Matrix[] {
    let blocks = this.made.get(m);
    if (blocks === undefined || blocks[0].rows !== rows) {
      blocks = [];
      for (let start = 0; start < m.rows; start += rows) blocks.push(m.rowRange(start, start + rows));
      this.made.set(m, blocks);
    }
    return blocks;
  }

  /** The first `rows` rows of m, as a view (kept per matrix, like the blocks). */
  head(m: Matrix, rows: number): Matrix {
    let view = this.heads.get(m);
    if (view === undefined || view.rows !== rows) {
      view = m.rowRange(0, rows);
      this.heads.set(m, view);
    }
    return view;
  }
}

/** ‖block‖ = √(Σ v²) of a block of rows (the Frobenius norm of one step's gradient over the batch). */
export function blockNorm(m: Matrix): number {
  let s = 0;
  const d = m.data;
  for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  return Math.sqrt(s);
}

/** Rows t = 1…T of example b from a time-major ((T+1)·B × H) state matrix whose block 0 is the zero start: T × H. */
export function stateSequence(states: Matrix, batch: number, b: number, where: string): Matrix {
  const T = states.rows / batch - 1, H = states.cols;
  if (!Number.isInteger(b) || b < 0 || b >= batch) throw new Error(`${where}: example ${b} is outside the last batch of ${batch}`);
  const out = Matrix.zeros(T, H, states.dtype);
  for (let t = 1; t <= T; t++) out.data.set(states.data.subarray((t * batch + b) * H, (t * batch + b + 1) * H), (t - 1) * H);
  return out;
}
