// What RNN (./rnn.ts) and LSTM (./lstm.ts) share: the shape of a recurrent layer over rows of steps·inputs values
// (step-major), its three parameters, the norms of the last backward, and the hidden states of the last forward.
// `gates` is how many blocks of `hidden` columns the weights have: 1 for the RNN, 4 (i, f, g, o) for the LSTM.
//   Wx: I × gates·H,  Wh: H × gates·H,  b: 1 × gates·H
import { longLived, type DType, type Matrix } from "../core/matrix";
import { matmulTransA, matmulTransB, sumRows } from "../core/ops";
import { Buffers } from "../core/buffers";
import { Layer, type BackwardOptions, type LayerConfig, type Param } from "./layers";
import { Random } from "../core/random";
import { checkRecurrentOptions, initRecurrent, stateSequence, toTimeMajor, fromTimeMajor, StepBlocks, type RecurrentOptions } from "./sequence";

export abstract class Recurrent extends Layer {
  readonly inputs: number; // I
  readonly hidden: number; // H
  readonly steps: number; //  T
  readonly Wx: Matrix;
  readonly Wh: Matrix;
  readonly b: Matrix;
  readonly dWx: Matrix;
  readonly dWh: Matrix;
  readonly db: Matrix;
  /** ‖dh_t‖ (over the whole batch) for t = 1 … T, from the last backward: gradNorms[t − 1]. */
  readonly gradNorms: Float64Array;
  private readonly paramList: Param[];
  /** Views of the time-major matrices' blocks of B rows, one per step (./sequence.ts), kept from batch to batch. */
  protected readonly blocks = new StepBlocks();
  private readonly xtmBuffers = new Buffers(); //    X_tm: (T·B) × I
  private readonly dXtmBuffers = new Buffers(); //   dX_tm: (T·B) × I
  private readonly dXBuffers = new Buffers(); //     dX: B × (T·I)

  protected constructor(private readonly kind: "rnn" | "lstm", gates: number, options: RecurrentOptions) {
    super();
    const { inputs, hidden, steps, dtype } = checkRecurrentOptions(kind.toUpperCase(), options);
    this.inputs = inputs;
    this.hidden = hidden;
    this.steps = steps;
    this.Wx = longLived(inputs, gates * hidden, dtype);
    this.Wh = longLived(hidden, gates * hidden, dtype);
    this.b = longLived(1, gates * hidden, dtype);
    initRecurrent(this.Wx, this.Wh, gates, options.rng ?? new Random(options.seed ?? 0));
    this.dWx = longLived(inputs, gates * hidden, dtype);
    this.dWh = longLived(hidden, gates * hidden, dtype);
    this.db = longLived(1, gates * hidden, dtype);
    this.gradNorms = new Float64Array(steps);
    this.paramList = [
      { name: "Wx", value: this.Wx, grad: this.dWx, role: "weight" },
      { name: "Wh", value: this.Wh, grad: this.dWh, role: "weight" },
      { name: "b", value: this.b, grad: this.db, role: "bias" },
    ];
  }

  get dtype(): DType {
    return this.Wx.dtype;
  }

  /** The forward's input checked (B rows of steps·inputs values, B ≥ 1) and made time-major: X_tm, (T·B) × I. */
  protected timeMajorInput(x: Matrix): Matrix {
    const T = this.steps, I = this.inputs;
    if (x.cols !== T * I) throw new Error(`${this.describe()}: input is ${x.shape} but a row must hold steps·inputs = ${T}·${I} = ${T * I} values`);
    if (x.rows === 0) throw new Error(`${this.describe()}: the batch is empty (0 rows)`);
    return toTimeMajor(x, T, this.xtmBuffers.get(T * x.rows, I, this.dtype));
  }

  /** What the last forward kept, once dOut = ∂L/∂h_T is checked against its batch: B × H. */
  protected backwardStart<Kept extends { batch: number }>(last: Kept | null, dOut: Matrix): Kept {
    if (last === null) throw new Error(`${this.describe()}.backward: call forward first`);
    const B = last.batch, H = this.hidden;
    if (dOut.rows !== B || dOut.cols !== H) throw new Error(`${this.describe()}.backward: dH is ${dOut.shape} but the output h_T was ${B}×${H}`);
    return last;
  }

  /**
   * After the steps back, the sums over the whole sequence, one product each (dZ = dz_1 … dz_T time-major, (T·B) × gates·H;
   * states = h_0 … h_T): then dX, or null when the data needs no gradient.
   */
  protected sequenceGradients(xtm: Matrix, states: Matrix, dZ: Matrix, batch: number, options: BackwardOptions): Matrix | null {
    const T = this.steps;
    matmulTransA(xtm, dZ, this.dWx); //                              dWx = Σ_t x_tᵀ·dz_t = X_tmᵀ·dZ
    matmulTransA(this.blocks.head(states, T * batch), dZ, this.dWh); // dWh = Σ_t h_{t−1}ᵀ·dz_t
    sumRows(dZ, this.db); //                                         db = Σ_t Σ_rows dz_t
    if (options.inputGrad === false) return null;
    const dXtm = matmulTransB(dZ, this.Wx, this.dXtmBuffers.get(T * batch, this.inputs, this.dtype)); // dx_t = dz_t·Wxᵀ
    return fromTimeMajor(dXtm, T, this.dXBuffers.get(batch, T * this.inputs, this.dtype));
  }

  /** h_0 … h_T of the last forward, time-major (((T+1)·B) × H), and its batch size; null before a forward. */
  protected abstract lastStates(): { states: Matrix; batch: number } | null;

  /** h_1 … h_T of example `b` of the last forward, one step a row: T × H (a copy). */
  hiddenStates(b = 0): Matrix {
    const last = this.lastStates();
    if (last === null) throw new Error(`${this.describe()}.hiddenStates: call forward first`);
    return stateSequence(last.states, last.batch, b, `${this.describe()}.hiddenStates`);
  }

  params(): Param[] {
    return this.paramList; // the same objects every call: optimizers keep their state per parameter
  }

  config(): LayerConfig {
    return { type: this.kind, inputs: this.inputs, hidden: this.hidden, steps: this.steps };
  }

  inputSize(): number {
    return this.steps * this.inputs;
  }

  outputSize(): number {
    return this.hidden;
  }

  describe(): string {
    return `${this.kind.toUpperCase()}(${this.steps}×${this.inputs} → ${this.hidden})`;
  }
}
