import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { Dense, type Init } from "../lib/nn/layers";
import { softmaxRows } from "../lib/core/ops";
import { ReLU, Sigmoid, Tanh, Softmax } from "../lib/nn/activations";
import { layerFromConfig } from "../lib/nn/layer-config";

function stats(values: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let sum = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length), min, max };
}

describe("Dense", () => {
  // X = [[1, 2]], W = [[1, 2, 3], [4, 5, 6]], b = [1, 1, 1]:  Z = X·W + b = [[1+8+1, 2+10+1, 3+12+1]] = [[10, 13, 16]]
  function handLayer(): Dense {
    const d = new Dense(2, 3, { dtype: "float64" });
    d.weights.data.set([1, 2, 3, 4, 5, 6]);
    d.bias.data.set([1, 1, 1]);
    return d;
  }

  it("forward computes Z = X·W + b on a hand-worked example", () => {
    const d = handLayer();
    expect(d.forward(Matrix.fromRows([[1, 2]], "float64")).toRows()).toEqual([[10, 13, 16]]);
  });

  it("backward computes dW = Xᵀ·dZ, db = Σ_rows dZ, dX = dZ·Wᵀ on a hand-worked example", () => {
    const d = handLayer();
    d.forward(Matrix.fromRows([[1, 2], [3, 4]], "float64"));
    const dX = d.backward(Matrix.fromRows([[1, 0, -1], [2, 1, 0]], "float64"));
    // dW = Xᵀ·dZ = [[1·1+3·2, 1·0+3·1, 1·(−1)+3·0], [2·1+4·2, 2·0+4·1, 2·(−1)+4·0]]
    expect(d.dW.toRows()).toEqual([[7, 3, -1], [10, 4, -2]]);
    expect(d.db.toRows()).toEqual([[3, 1, -1]]);
    // dX = dZ·Wᵀ: row 1 = [1·1 + 0·2 − 1·3, 1·4 + 0·5 − 1·6] = [−2, −2];  row 2 = [2+2, 8+5] = [4, 13]
    expect(dX.toRows()).toEqual([[-2, -2], [4, 13]]);
  });

  it("with { inputGrad: false }, backward still fills dW and db but skips dX and returns null", () => {
    const d = handLayer();
    d.forward(Matrix.fromRows([[1, 2], [3, 4]], "float64"));
    expect(d.backward(Matrix.fromRows([[1, 0, -1], [2, 1, 0]], "float64"), { inputGrad: false })).toBeNull();
    expect(d.dW.toRows()).toEqual([[7, 3, -1], [10, 4, -2]]);
  });

  it("the same seed builds identical weights; another seed or a shared generator builds different ones", () => {
    for (const init of ["he", "xavier", "normal", "uniform"] as Init[]) {
      const a = new Dense(30, 20, { init, seed: 7 }), b = new Dense(30, 20, { init, seed: 7 });
      expect(Array.from(a.weights.data)).toEqual(Array.from(b.weights.data));
      expect(Array.from(a.bias.data)).toEqual(Array.from(b.bias.data));
      expect(Array.from(new Dense(30, 20, { init, seed: 8 }).weights.data)).not.toEqual(Array.from(a.weights.data));
    }
    const rng = new Random(7);
    const first = new Dense(30, 20, { rng }), second = new Dense(30, 20, { rng });
    expect(Array.from(first.weights.data)).not.toEqual(Array.from(second.weights.data));
    expect(Array.from(first.weights.data)).toEqual(Array.from(new Dense(30, 20, { seed: 7 }).weights.data));
  });

  it("initialisations have the promised spread: He √(2/in), Xavier ±√(6/(in+out)), normal 0.01, uniform (−0.5, 0.5)", () => {
    const he = stats(new Dense(784, 256, { init: "he", seed: 1 }).weights.data);
    expect(Math.abs(he.mean)).toBeLessThan(0.001);
    expect(he.std / Math.sqrt(2 / 784)).toBeCloseTo(1, 1);

    const limit = Math.sqrt(6 / (784 + 256));
    const xavier = stats(new Dense(784, 256, { init: "xavier", seed: 1 }).weights.data);
    expect(xavier.min).toBeGreaterThanOrEqual(-limit);
    expect(xavier.max).toBeLessThanOrEqual(limit);
    expect(xavier.std / Math.sqrt(2 / (784 + 256))).toBeCloseTo(1, 1);

    expect(stats(new Dense(784, 256, { init: "normal", seed: 1 }).weights.data).std / 0.01).toBeCloseTo(1, 1);

    const u = new Dense(784, 10, { init: "uniform", seed: 1 });
    const w = stats(u.weights.data), b = stats(u.bias.data);
    expect(w.min).toBeGreaterThanOrEqual(-0.5);
    expect(w.max).toBeLessThan(0.5);
    expect(w.std).toBeCloseTo(Math.sqrt(1 / 12), 2);
    expect(b.max - b.min).toBeGreaterThan(0); // seed system 4 draws biases too

    expect(Array.from(new Dense(3, 2, { init: "he" }).bias.data)).toEqual([0, 0]); // other inits: zero bias
  });

  it("the dtype option chooses the precision of weights, gradients and outputs", () => {
    const d = new Dense(3, 2, { dtype: "float64" });
    expect(d.weights.dtype).toBe("float64");
    expect(d.dW.dtype).toBe("float64");
    expect(d.forward(Matrix.zeros(4, 3)).dtype).toBe("float64");
    expect(new Dense(3, 2).weights.dtype).toBe("float32");
  });

  it("params() lists W and b with their gradients, the same objects every call", () => {
    const d = new Dense(3, 2);
    const [w, b] = d.params();
    expect(w.name).toBe("W");
    expect(w.value).toBe(d.weights);
    expect(w.grad).toBe(d.dW);
    expect(b.name).toBe("b");
    expect(b.value).toBe(d.bias);
    expect(d.params()[0]).toBe(w);
  });

  it("shape mismatches throw errors that name both shapes", () => {
    const d = new Dense(784, 256);
    expect(() => d.forward(Matrix.zeros(64, 100))).toThrow("Dense(784→256): input is 64×100 but W is 784×256, so the input needs 784 columns");
    expect(() => d.backward(Matrix.zeros(64, 256))).toThrow("Dense(784→256).backward: call forward first");
    d.forward(Matrix.zeros(64, 784));
    expect(() => d.backward(Matrix.zeros(64, 10))).toThrow("Dense(784→256).backward: dZ is 64×10 but the output Z was 64×256");
    expect(() => new Dense(0, 3)).toThrow("Dense: inputs must be a whole number ≥ 1, got 0");
    expect(() => new Dense(3, 2, { init: "zeros" as Init })).toThrow('unknown init "zeros"');
  });

  it("reuses its output buffer while the batch size stays the same, and reallocates when it changes", () => {
    const d = new Dense(5, 3);
    const z1 = d.forward(Matrix.zeros(4, 5));
    expect(d.forward(Matrix.zeros(4, 5))).toBe(z1);
    const z2 = d.forward(Matrix.zeros(6, 5));
    expect(z2).not.toBe(z1);
    expect(z2.shape).toBe("6×3");
  });
});

describe("activations", () => {
  const z = Matrix.fromRows([[-2, 0, 3], [1, -0.5, 0.25]], "float64");
  const g = Matrix.fromRows([[1, 2, 3], [4, 5, 6]], "float64");

  it("ReLU: A = max(0, Z) and dZ = dA ⊙ 1[Z > 0] (derivative 0 at 0)", () => {
    const r = new ReLU();
    expect(r.forward(z).toRows()).toEqual([[0, 0, 3], [1, 0, 0.25]]);
    expect(r.backward(g).toRows()).toEqual([[0, 0, 3], [4, 0, 6]]);
  });

  it("ReLU at the edges: max(0, −∞) = 0, max(0, −0) = +0, NaN stays NaN, ∞ stays ∞", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const a = new ReLU().forward(Matrix.fromRows([[-Infinity, -0, NaN, Infinity]], dtype));
      expect(Object.is(a.get(0, 0), 0)).toBe(true);
      expect(Object.is(a.get(0, 1), 0)).toBe(true);
      expect(a.get(0, 2)).toBeNaN();
      expect(a.get(0, 3)).toBe(Infinity);
    }
  });

  it("Sigmoid: A = 1/(1 + e^(−Z)) and dZ = dA ⊙ A(1 − A)", () => {
    const s = new Sigmoid();
    const a = s.forward(z);
    expect(a.get(0, 1)).toBe(0.5);
    expect(a.get(0, 0)).toBeCloseTo(1 / (1 + Math.exp(2)), 15);
    const dZ = s.backward(g);
    expect(dZ.get(0, 1)).toBe(2 * 0.25);
    expect(dZ.get(1, 0)).toBeCloseTo(4 * a.get(1, 0) * (1 - a.get(1, 0)), 15);
  });

  it("Tanh: A = tanh(Z) and dZ = dA ⊙ (1 − A²)", () => {
    const t = new Tanh();
    expect(t.forward(z).get(0, 2)).toBeCloseTo(Math.tanh(3), 15);
    expect(t.backward(g).get(0, 2)).toBeCloseTo(3 * (1 - Math.tanh(3) ** 2), 15);
  });

  it("Softmax rows are positive and sum to 1, even for logits of ±1000", () => {
    const p = new Softmax().forward(Matrix.fromRows([[1, 2, 3], [1000, -1000, 999], [-1000, -1000, -1000]], "float64"));
    for (const row of p.toRows()) {
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 14);
      for (const v of row) expect(Number.isFinite(v) && v >= 0).toBe(true);
    }
    // e^z / Σ e^z for [1, 2, 3]
    const e = [1, 2, 3].map(Math.exp), s = e[0] + e[1] + e[2];
    expect(p.get(0, 2)).toBeCloseTo(e[2] / s, 15);
    expect(p.get(1, 0)).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    expect(p.get(2, 1)).toBeCloseTo(1 / 3, 15);
  });

  it("Softmax backward is the Jacobian-vector product dz_i = p_i(g_i − Σ_j g_j p_j)", () => {
    const s = new Softmax();
    const p = s.forward(z).clone();
    const dZ = s.backward(g);
    // build the Jacobian J_ij = ∂p_j/∂z_i = p_j(δ_ij − p_i) of row 0 explicitly and multiply by g
    const pr = p.row(0), gr = g.row(0);
    for (let i = 0; i < 3; i++) {
      let expected = 0;
      for (let j = 0; j < 3; j++) expected += pr[j] * ((i === j ? 1 : 0) - pr[i]) * gr[j];
      expect(dZ.get(0, i)).toBeCloseTo(expected, 15);
    }
    // a constant upstream gradient changes nothing: the rows of p sum to 1
    expect(s.backward(Matrix.fromRows([[5, 5, 5], [5, 5, 5]], "float64")).toRows().flat().every((v) => Math.abs(v) < 1e-15)).toBe(true);
  });

  it("softmaxRows writes into a given buffer and checks its shape", () => {
    const out = Matrix.zeros(2, 3, "float64");
    expect(softmaxRows(z, out)).toBe(out);
    expect(() => softmaxRows(z, Matrix.zeros(3, 2))).toThrow("softmaxRows: out is 3×2 but z is 2×3");
  });

  it("backward checks the gradient's shape and that forward ran first (errors name both shapes)", () => {
    for (const layer of [new ReLU(), new Sigmoid(), new Tanh(), new Softmax()]) {
      expect(() => layer.backward(g)).toThrow(`${layer.name}.backward: call forward first`);
      layer.forward(z);
      expect(() => layer.backward(Matrix.zeros(3, 2))).toThrow(`${layer.name}.backward: dA is 3×2 but the output A was 2×3`);
    }
  });

  it("keep the dtype of their input and reuse buffers while the shape stays the same", () => {
    const r = new ReLU();
    const a = r.forward(Matrix.zeros(2, 3, "float32"));
    expect(a.dtype).toBe("float32");
    expect(r.forward(Matrix.zeros(2, 3, "float32"))).toBe(a);
    expect(r.forward(Matrix.zeros(2, 3, "float64")).dtype).toBe("float64");
  });
});

describe("layerFromConfig", () => {
  it("rebuilds each kind of layer from its config", () => {
    const layers = [new Dense(4, 3), new ReLU(), new Sigmoid(), new Tanh(), new Softmax()];
    for (const layer of layers) {
      const rebuilt = layerFromConfig(layer.config());
      expect(rebuilt.name).toBe(layer.name);
      expect(rebuilt.config()).toEqual(layer.config());
    }
    expect(layerFromConfig({ type: "dense", inputs: 4, outputs: 3 }, { dtype: "float64" }).params()[0].value.dtype).toBe("float64");
  });
});
