// The chapter's recurrent networks for 28 × 28 digits, read top to bottom as a sequence of 28 rows of 28 pixels:
//
//   X: N × 784 (row 1 of the image, then row 2, …: already step-major, steps 28, inputs 28)
//   LSTM (or RNN) with `hidden` units → h_28: N × hidden,   Dense → 10 logits
import type { DType } from "../core/matrix";
import { Random } from "../core/random";
import { Dense } from "./layers";
import { RNN } from "./rnn";
import { LSTM } from "./lstm";
import { Sequential } from "./sequential";

export interface RecurrentNetOptions {
  /** "lstm" (default) or "rnn" */
  cell?: "lstm" | "rnn";
  /** units of the hidden state; default 128 */
  hidden?: number;
  /** one generator with this seed draws every layer's weights; default 0 */
  seed?: number;
  /** default "float32" */
  dtype?: DType;
}

/** A recurrent layer over the 28 rows of a digit, then a dense layer from its last hidden state to 10 logits. */
export function mnistRecurrent(options: RecurrentNetOptions = {}): Sequential {
  const cell = options.cell ?? "lstm";
  if (cell !== "lstm" && cell !== "rnn") throw new Error(`mnistRecurrent: cell must be "lstm" or "rnn", got ${JSON.stringify(cell)}`);
  const hidden = options.hidden ?? 128;
  if (!Number.isInteger(hidden) || hidden < 1) throw new Error(`mnistRecurrent: hidden must be a whole number ≥ 1, got ${hidden}`);
  const rng = new Random(options.seed ?? 0);
  const dtype = options.dtype;
  const recurrent = cell === "lstm"
    ? new LSTM({ inputs: 28, hidden, steps: 28, rng, dtype })
    : new RNN({ inputs: 28, hidden, steps: 28, rng, dtype });
  return new Sequential([recurrent, new Dense(hidden, 10, { init: "xavier", rng, dtype })]);
}
