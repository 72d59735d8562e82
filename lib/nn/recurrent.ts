// What RNN (./rnn.ts) and LSTM (./lstm.ts) share: the shape of a recurrent layer over rows of steps·inputs values
// (step-major), its three parameters, the norms of the last backward, and the hidden states of the last forward.
// `gates` is how many blocks of `hidden` columns the weights have: 1 for the RNN, 4 (i, f, g, o) for the LSTM.
//   Wx: I × gates·H,  Wh: H × gates·H,  b: 1 × gates·H
import { longLived, type DType, type Matrix } from "../core/matrix";
import { Layer, type LayerConfig, type Param } from "./layers";
import { Random } from "../core/random";
import { checkRecurrentOptions, initRecurrent, stateSequence, type RecurrentOptions } from "./sequence";

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
