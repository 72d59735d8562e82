// Chapter 14 · Recurrence: exercises.
import { registerExercises } from "./registry";
import { Matrix } from "../../core/matrix";
import { Random } from "../../core/random";
import { LSTM } from "../../nn/lstm";
import { randomMatrix } from "./helpers";

type LstmStep = (x: number[], h: number[], c: number[], Wx: number[][], Wh: number[][], b: number[]) => { h: number[]; c: number[] };

/**
 * 14.2: one LSTM step, checked against the library's LSTM. A 2-step sequence runs through an LSTM layer; its
 * h_1 and c_1 (not zero) and x_2 go to the student's step, which must give the layer's h_2 and c_2.
 */
function checkLstmStep(f: unknown): true | string {
  if (typeof f !== "function") return "expected a function (x, h, c, Wx, Wh, b) => ({ h, c })";
  const rng = new Random(14);
  for (const [I, H] of [[2, 3], [4, 1], [3, 5]]) {
    const lstm = new LSTM({ inputs: I, hidden: H, steps: 2, dtype: "float64", seed: I * 10 + H });
    lstm.Wx.data.set(randomMatrix(rng, I, 4 * H, 0.8).data);
    lstm.Wh.data.set(randomMatrix(rng, H, 4 * H, 0.8).data);
    lstm.b.data.set(randomMatrix(rng, 1, 4 * H, 0.5).data);
    const x = randomMatrix(rng, 1, 2 * I);
    lstm.forward(x);
    const hs = lstm.hiddenStates(0), cs = lstm.cellStates(0);
    const rows = (m: Matrix) => m.toRows();
    const h1 = Array.from(hs.row(0)), c1 = Array.from(cs.row(0)), x2 = Array.from(x.data.subarray(I, 2 * I));
    let got: unknown;
    try {
      got = (f as LstmStep)(x2.slice(), h1.slice(), c1.slice(), rows(lstm.Wx), rows(lstm.Wh), Array.from(lstm.b.data));
    } catch (e) {
      return `it threw with ${I} inputs and ${H} hidden units: ${e instanceof Error ? e.message : String(e)}`;
    }
    const r = got as { h?: unknown; c?: unknown } | null;
    if (r === null || typeof r !== "object" || !Array.isArray(r.h) || !Array.isArray(r.c) || r.h.length !== H || r.c.length !== H) {
      return `expected { h, c }, two arrays of ${H} numbers (one per hidden unit), for ${I} inputs and ${H} hidden units`;
    }
    for (const [name, vec, want] of [["c", r.c, cs.row(1)], ["h", r.h, hs.row(1)]] as const) {
      for (let j = 0; j < H; j++) {
        if (!(Math.abs((vec as number[])[j] - want[j]) <= 1e-9 * Math.max(1, Math.abs(want[j])))) {
          return `with ${I} inputs and ${H} hidden units, the new ${name}[${j}] is ${(vec as number[])[j]}, not what an LSTM step gives`;
        }
      }
    }
  }
  return true;
}

registerExercises("14", [
  { id: "14.1", answer: "lstmParams", digest: "9f26122cf7c74d35d929e8f53a3a10a4ee908a350f4fbd1cdf4c020656d60b67", hint: "four gates, each with its own Wx block (inputs × hidden), Wh block (hidden × hidden) and bias" },
  {
    id: "14.2", answer: "myLstmStep", test: checkLstmStep,
    offLimits: { why: "write the gates yourself", layers: true, modules: ["nn/lstm", "nn/rnn", "nn/recurrent", "nn/recurrent-net", "nn/activations"],
      names: ["Kernels.lstmGatesForward", "Kernels.lstmGatesBackward"] },
    hint: "z = x·Wx + h·Wh + b, then split z into four blocks of H in the order i, f, g, o; c' = σ(z_f)⊙c + σ(z_i)⊙tanh(z_g), h' = σ(z_o)⊙tanh(c')",
  },
]);
