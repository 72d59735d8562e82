// RNN and LSTM (lib/nn/rnn.ts, lib/nn/lstm.ts): values against scalar cases worked by hand, gradients against
// finite differences (float64), the buffers reused, save and load; and gradient clipping (lib/train/clipping.ts).
// Agreement with PyTorch's autograd is in recurrent-torch.test.ts.
import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { RNN } from "../lib/nn/rnn";
import { LSTM } from "../lib/nn/lstm";
import { orthogonal, toTimeMajor, fromTimeMajor } from "../lib/nn/sequence";
import { Dense } from "../lib/nn/layers";
import { Sequential } from "../lib/nn/sequential";
import { mnistRecurrent } from "../lib/nn/recurrent-net";
import { softmaxCrossEntropy } from "../lib/nn/losses";
import { gradcheckLayer, gradcheckNetwork } from "../lib/nn/gradcheck";
import { layerFromConfig } from "../lib/nn/layer-config";
import { modelToJson, modelFromJson } from "../lib/nn/persist";

function randomMatrix(rows: number, cols: number, seed: number, dtype: "float32" | "float64" = "float64", std = 1): Matrix {
  const rng = new Random(seed);
  const m = Matrix.zeros(rows, cols, dtype);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal(0, std);
  return m;
}
const sigma = (z: number) => 1 / (1 + Math.exp(-z));

describe("RNN: h_t = tanh(x_t·Wx + h_{t−1}·Wh + b)", () => {
  it("a one-unit RNN over three steps, worked by hand", () => {
    const rnn = new RNN({ inputs: 1, hidden: 1, steps: 3, dtype: "float64" });
    rnn.Wx.data[0] = 0.5;
    rnn.Wh.data[0] = -0.8;
    rnn.b.data[0] = 0.1;
    const xs = [1, 2, -1];
    const out = rnn.forward(Matrix.fromRows([xs], "float64"));
    const h1 = Math.tanh(0.5 * 1 + 0.1), h2 = Math.tanh(0.5 * 2 - 0.8 * h1 + 0.1), h3 = Math.tanh(-0.5 - 0.8 * h2 + 0.1);
    expect(out.data[0]).toBeCloseTo(h3, 15);
    expect(Array.from(rnn.hiddenStates(0).data)).toEqual([h1, h2, h3].map((v) => expect.closeTo(v, 15)));
    // BPTT by hand with dL/dh_3 = 1: dz_3 = 1 − h3², dh_2 = dz_3·wh, dz_2 = dh_2·(1 − h2²), …
    const dz3 = 1 - h3 * h3, dz2 = dz3 * -0.8 * (1 - h2 * h2), dz1 = dz2 * -0.8 * (1 - h1 * h1);
    const dX = rnn.backward(Matrix.fromRows([[1]], "float64"));
    expect(rnn.dWx.data[0]).toBeCloseTo(dz1 * 1 + dz2 * 2 + dz3 * -1, 14); //   Σ_t x_t·dz_t
    expect(rnn.dWh.data[0]).toBeCloseTo(dz2 * h1 + dz3 * h2, 14); //             Σ_t h_{t−1}·dz_t (h_0 = 0)
    expect(rnn.db.data[0]).toBeCloseTo(dz1 + dz2 + dz3, 14);
    expect(Array.from(dX.data)).toEqual([dz1, dz2, dz3].map((v) => expect.closeTo(0.5 * v, 14)));
    expect(Array.from(rnn.gradNorms)).toEqual([Math.abs(dz2 * -0.8), Math.abs(dz3 * -0.8), 1].map((v) => expect.closeTo(v, 14)));
  });

  it("passes gradient checks (dX, dWx, dWh, db) against finite differences", () => {
    for (const [I, H, T, B, seed] of [[3, 4, 5, 2, 1], [2, 6, 9, 3, 2], [5, 1, 1, 1, 3]]) {
      const rnn = new RNN({ inputs: I, hidden: H, steps: T, dtype: "float64", seed });
      for (let i = 0; i < rnn.b.data.length; i++) rnn.b.data[i] = 0.1 * (i - 1);
      const r = gradcheckLayer(rnn, randomMatrix(B, T * I, seed + 10), { seed });
      expect(r.maxRelError, `${rnn.describe()} ${r.where}`).toBeLessThan(1e-7);
      expect(r.checked).toBe(B * T * I + I * H + H * H + H);
    }
  });
});

describe("LSTM: c_t = σ(f)⊙c_{t−1} + σ(i)⊙tanh(g), h_t = σ(o)⊙tanh(c_t)", () => {
  it("a one-unit LSTM over two steps, worked by hand", () => {
    const lstm = new LSTM({ inputs: 1, hidden: 1, steps: 2, dtype: "float64" });
    const wx = [0.3, -0.2, 0.9, 0.5], wh = [0.4, 0.6, -0.7, 0.1], b = [0.05, 1, -0.1, 0.2]; // gates i, f, g, o
    lstm.Wx.data.set(wx);
    lstm.Wh.data.set(wh);
    lstm.b.data.set(b);
    const x = [1.5, -0.5];
    let h = 0, c = 0;
    for (const xt of x) {
      const z = [0, 1, 2, 3].map((k) => xt * wx[k] + h * wh[k] + b[k]);
      c = sigma(z[1]) * c + sigma(z[0]) * Math.tanh(z[2]);
      h = sigma(z[3]) * Math.tanh(c);
    }
    expect(lstm.forward(Matrix.fromRows([x], "float64")).data[0]).toBeCloseTo(h, 15);
    expect(lstm.cellStates(0).data[1]).toBeCloseTo(c, 15);
  });

  it("with zero weights the gates are ½ and nothing is written: h_t = c_t = 0", () => {
    const lstm = new LSTM({ inputs: 2, hidden: 3, steps: 4, dtype: "float64" });
    lstm.Wx.fill(0);
    lstm.Wh.fill(0);
    lstm.b.fill(0);
    const out = lstm.forward(randomMatrix(2, 8, 1));
    expect(Array.from(out.data)).toEqual(new Array(6).fill(0));
  });

  it("the initial weights: Wh orthogonal in each gate block, b_f = 1 and every other bias 0", () => {
    const H = 6, lstm = new LSTM({ inputs: 3, hidden: H, steps: 2, dtype: "float64", seed: 4 });
    for (let g = 0; g < 4; g++) {
      for (let a = 0; a < H; a++) {
        for (let c = 0; c < H; c++) {
          let dot = 0; // column a · column c of the block: (QᵀQ)[a, c]
          for (let r = 0; r < H; r++) dot += lstm.Wh.get(r, g * H + a) * lstm.Wh.get(r, g * H + c);
          expect(dot).toBeCloseTo(a === c ? 1 : 0, 12);
        }
      }
    }
    expect(Array.from(lstm.b.data)).toEqual([...new Array(H).fill(0), ...new Array(H).fill(1), ...new Array(2 * H).fill(0)]);
    const q = orthogonal(5, new Random(1));
    let off = 0;
    for (let r = 0; r < 5; r++) for (let s = 0; s < 5; s++) off = Math.max(off, Math.abs([...Array(5).keys()].reduce((t, k) => t + q[r * 5 + k] * q[s * 5 + k], 0) - (r === s ? 1 : 0)));
    expect(off).toBeLessThan(1e-14);
  });

  it("passes gradient checks (dX, dWx, dWh, db) against finite differences", () => {
    for (const [I, H, T, B, seed] of [[3, 4, 5, 2, 1], [2, 5, 8, 3, 2], [4, 2, 1, 2, 3]]) {
      const lstm = new LSTM({ inputs: I, hidden: H, steps: T, dtype: "float64", seed });
      const bias = randomMatrix(1, 4 * H, seed + 20, "float64", 0.5);
      lstm.b.data.set(bias.data);
      const r = gradcheckLayer(lstm, randomMatrix(B, T * I, seed + 10), { seed });
      expect(r.maxRelError, `${lstm.describe()} ${r.where}`).toBeLessThan(1e-7);
      expect(r.checked).toBe(B * T * I + 4 * (I * H + H * H + H));
    }
  });

  it("‖dc_t‖ and ‖dh_t‖ per step: at the last step ‖dh_T‖ is ‖dOut‖", () => {
    const lstm = new LSTM({ inputs: 2, hidden: 3, steps: 6, dtype: "float64", seed: 5 });
    lstm.forward(randomMatrix(4, 12, 6));
    const dOut = randomMatrix(4, 3, 7);
    lstm.backward(dOut);
    const norm = Math.sqrt(Array.from(dOut.data).reduce((s, v) => s + v * v, 0));
    expect(lstm.gradNorms[5]).toBeCloseTo(norm, 14);
    expect(lstm.gradNorms.every((v) => v > 0) && lstm.cellGradNorms.every((v) => v > 0)).toBe(true);
  });
});

describe("both layers", () => {
  const make = (kind: "rnn" | "lstm", dtype: "float32" | "float64" = "float64") =>
    kind === "rnn" ? new RNN({ inputs: 4, hidden: 5, steps: 3, dtype, seed: 8 }) : new LSTM({ inputs: 4, hidden: 5, steps: 3, dtype, seed: 8 });

  it("time-major and back are inverses; block t of X_tm is step t of every example", () => {
    const x = randomMatrix(3, 12, 9);
    const tm = toTimeMajor(x, 4, Matrix.zeros(12, 3, "float64"));
    expect(Array.from(tm.row(1 * 3 + 2))).toEqual(Array.from(x.data.subarray(2 * 12 + 3, 2 * 12 + 6))); // t = 1, b = 2
    expect(Array.from(fromTimeMajor(tm, 4, Matrix.zeros(3, 12, "float64")).data)).toEqual(Array.from(x.data));
  });

  it("a network of a recurrent layer and a dense layer passes a whole-network gradient check", () => {
    for (const kind of ["rnn", "lstm"] as const) {
      const net = new Sequential([make(kind), new Dense(5, 3, { dtype: "float64", seed: 3 })], { inputGrad: true });
      const x = randomMatrix(4, 12, 10);
      const y = Matrix.zeros(4, 3, "float64");
      [0, 2, 1, 2].forEach((c, i) => y.set(i, c, 1));
      const r = gradcheckNetwork(net, x, y, softmaxCrossEntropy);
      expect(r.maxRelError, `${kind} ${r.where}`).toBeLessThan(1e-7);
    }
  });

  it("float32 gives the float64 numbers to float32 precision", () => {
    for (const kind of ["rnn", "lstm"] as const) {
      const a = make(kind, "float64"), b = make(kind, "float32");
      const x = randomMatrix(3, 12, 11);
      const ya = a.forward(x), yb = b.forward(x.astype("float32"));
      for (let i = 0; i < ya.data.length; i++) expect(Math.abs(ya.data[i] - yb.data[i])).toBeLessThan(1e-5);
      const g = randomMatrix(3, 5, 12);
      const da = a.backward(g), db = b.backward(g.astype("float32"));
      for (let i = 0; i < da.data.length; i++) expect(Math.abs(da.data[i] - db.data[i])).toBeLessThan(1e-5);
    }
  });

  it("reuses its buffers: after the first step a training step creates no new matrix", () => {
    for (const kind of ["rnn", "lstm"] as const) {
      const layer = make(kind, "float32");
      const x = randomMatrix(6, 12, 13, "float32"), g = randomMatrix(6, 5, 14, "float32");
      const out = layer.forward(x);
      layer.backward(g, { inputGrad: false });
      layer.backward(g);
      const before = Matrix.created;
      for (let k = 0; k < 3; k++) {
        expect(layer.forward(x)).toBe(out);
        layer.backward(g);
      }
      expect(Matrix.created - before, kind).toBe(0);
    }
  });

  it("refuses an input of the wrong width, a backward before forward and bad options, saying what was expected", () => {
    for (const kind of ["rnn", "lstm"] as const) {
      const layer = make(kind);
      const name = kind.toUpperCase();
      expect(() => layer.backward(Matrix.zeros(1, 5, "float64"))).toThrow(`${name}(3×4 → 5).backward: call forward first`);
      expect(() => layer.forward(Matrix.zeros(2, 13, "float64"))).toThrow("input is 2×13 but a row must hold steps·inputs = 3·4 = 12 values");
      layer.forward(Matrix.zeros(2, 12, "float64"));
      expect(() => layer.backward(Matrix.zeros(2, 4, "float64"))).toThrow("dH is 2×4 but the output h_T was 2×5");
      expect(() => layer.hiddenStates(2)).toThrow("example 2 is outside the last batch of 2");
    }
    expect(() => new LSTM({ inputs: 28, hidden: 0, steps: 28 })).toThrow("LSTM: hidden must be a whole number ≥ 1, got 0");
    expect(() => new RNN({ inputs: 28, hidden: 8 } as never)).toThrow("RNN: steps must be a whole number ≥ 1, got undefined");
  });

  it("saves and loads: the same config, parameters and outputs", () => {
    for (const cell of ["rnn", "lstm"] as const) {
      const net = mnistRecurrent({ cell, hidden: 7, seed: 3 });
      for (const p of net.params()) for (let i = 0; i < p.value.data.length; i++) p.value.data[i] += 0.01 * Math.sin(i + 1); // not the initial weights
      const back = modelFromJson(modelToJson(net));
      expect(back.config()).toEqual([{ type: cell, inputs: 28, hidden: 7, steps: 28 }, { type: "dense", inputs: 7, outputs: 10 }]);
      expect(back.params().map((p) => p.name)).toEqual(["0.Wx", "0.Wh", "0.b", "1.W", "1.b"]);
      back.params().forEach((p, k) => expect(Array.from(p.value.data)).toEqual(Array.from(net.params()[k].value.data)));
      const x = randomMatrix(5, 784, 15, "float32");
      expect(Array.from(back.forward(x).data)).toEqual(Array.from(net.forward(x).data));
      expect(layerFromConfig({ type: cell, inputs: 2, hidden: 3, steps: 4 }).describe()).toBe(`${cell.toUpperCase()}(4×2 → 3)`);
    }
    expect(() => layerFromConfig({ type: "lstm", inputs: 2, hidden: 3 })).toThrow('a "lstm" layer needs steps as a whole number ≥ 1, found undefined');
  });

  it("mnistRecurrent: 28 steps of 28 pixels, the LSTM's parameter count", () => {
    const net = mnistRecurrent({ hidden: 128 });
    expect(net.parameterCount()).toBe(4 * (28 * 128 + 128 * 128 + 128) + 128 * 10 + 10);
    expect(net.forward(Matrix.zeros(2, 784)).shape).toBe("2×10");
    expect(() => mnistRecurrent({ cell: "gru" as never })).toThrow('cell must be "lstm" or "rnn", got "gru"');
  });
});
