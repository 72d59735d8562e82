// BatchNorm against a hand-worked batch, against finite differences (training and evaluation modes), and its
// running averages against their recurrence.
import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { Layer, Dense, type LayerConfig } from "../lib/nn/layers";
import { Tanh } from "../lib/nn/activations";
import { BatchNorm } from "../lib/nn/batchnorm";
import { layerFromConfig } from "../lib/nn/layer-config";
import { Sequential } from "../lib/nn/sequential";
import { softmaxCrossEntropy } from "../lib/nn/losses";
import { gradcheckLayer, gradcheckNetwork } from "../lib/nn/gradcheck";

const rng = new Random(15);
function randn(rows: number, cols: number, mean = 0, std = 1): Matrix {
  const m = Matrix.zeros(rows, cols, "float64");
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal(mean, std);
  return m;
}

/** A BatchNorm seen through evaluation mode, so that gradcheckLayer (which asks for training) checks that mode. */
class InEvaluation extends Layer {
  readonly name = "BatchNorm (evaluation)";
  constructor(readonly bn: BatchNorm) { super(); }
  forward(x: Matrix): Matrix { return this.bn.forward(x, false); }
  backward(d: Matrix): Matrix { return this.bn.backward(d); }
  params() { return this.bn.params(); }
  config(): LayerConfig { return this.bn.config(); }
}

describe("BatchNorm", () => {
  it("training mode: a hand-worked column [1, 2, 3] has μ = 2, σ² = 2/3 (biased), so y = γ·(x − 2)/√(2/3 + ε) + β", () => {
    const bn = new BatchNorm(2, { dtype: "float64", eps: 1e-5 });
    bn.gamma.data.set([2, 1]);
    bn.beta.data.set([1, 0]);
    const y = bn.forward(Matrix.fromRows([[1, 5], [2, 5], [3, 5]], "float64"), true);
    const s = Math.sqrt(2 / 3 + 1e-5);
    expect(y.get(0, 0)).toBeCloseTo(2 * (-1 / s) + 1, 12);
    expect(y.get(1, 0)).toBeCloseTo(1, 12);
    expect(y.get(2, 0)).toBeCloseTo(2 * (1 / s) + 1, 12);
    // a constant column has σ² = 0: x̂ = 0, so y = β
    for (let i = 0; i < 3; i++) expect(y.get(i, 1)).toBe(0);
  });

  it("training mode: every output column has mean β and (biased) standard deviation γ, up to ε", () => {
    const bn = new BatchNorm(5, { dtype: "float64", eps: 1e-12 });
    bn.gamma.data.set([1, 2, 0.5, 3, 1]);
    bn.beta.data.set([0, -1, 4, 0.5, 2]);
    const y = bn.forward(randn(64, 5, 3, 7), true);
    for (let j = 0; j < 5; j++) {
      let mean = 0, sq = 0;
      for (let i = 0; i < 64; i++) mean += y.get(i, j) / 64;
      for (let i = 0; i < 64; i++) sq += (y.get(i, j) - mean) ** 2 / 64;
      expect(mean).toBeCloseTo(bn.beta.data[j], 9);
      expect(Math.sqrt(sq)).toBeCloseTo(bn.gamma.data[j], 9);
    }
  });

  it("backward in training mode matches finite differences (dX, dγ, dβ)", () => {
    const bn = new BatchNorm(6, { dtype: "float64" });
    for (let j = 0; j < 6; j++) { bn.gamma.data[j] = rng.uniform(0.5, 2); bn.beta.data[j] = rng.normal(); }
    const r = gradcheckLayer(bn, randn(8, 6, 1, 2));
    expect(r.checked).toBe(8 * 6 + 6 + 6);
    expect(r.maxRelError).toBeLessThan(1e-7);
  });

  it("backward in evaluation mode matches finite differences (the running averages are constants there)", () => {
    const bn = new BatchNorm(4, { dtype: "float64" });
    bn.forward(randn(10, 4, 2, 3), true); // moves the running averages away from 0 and 1
    for (let j = 0; j < 4; j++) bn.gamma.data[j] = rng.uniform(0.5, 2);
    const r = gradcheckLayer(new InEvaluation(bn), randn(5, 4));
    expect(r.maxRelError).toBeLessThan(1e-7);
  });

  it("the running averages follow running ← momentum·running + (1 − momentum)·batch statistic", () => {
    const bn = new BatchNorm(1, { dtype: "float64", momentum: 0.9 });
    const x = Matrix.fromRows([[1], [2], [3], [6]], "float64"); // μ = 3, σ² = (4 + 1 + 0 + 9)/4 = 3.5
    bn.forward(x, true);
    expect(bn.runningMean.data[0]).toBeCloseTo(0.1 * 3, 12);
    expect(bn.runningVar.data[0]).toBeCloseTo(0.9 * 1 + 0.1 * 3.5, 12);
    for (let k = 1; k < 200; k++) bn.forward(x, true);
    expect(bn.runningMean.data[0]).toBeCloseTo(3, 6);
    expect(bn.runningVar.data[0]).toBeCloseTo(3.5, 6);
    expect(bn.state().map((s) => s.name)).toEqual(["runningMean", "runningVar"]);
  });

  it("evaluation mode uses the running averages: a row's output does not depend on the rest of its batch", () => {
    const bn = new BatchNorm(3, { dtype: "float64" });
    for (let k = 0; k < 5; k++) bn.forward(randn(16, 3, 1, 2), true);
    const x = randn(7, 3);
    const all = bn.forward(x, false).clone();
    const one = bn.forward(x.rowRange(2, 3), false);
    for (let j = 0; j < 3; j++) {
      expect(one.get(0, j)).toBe(all.get(2, j));
      const expected = (x.get(2, j) - bn.runningMean.data[j]) / Math.sqrt(bn.runningVar.data[j] + bn.eps);
      expect(all.get(2, j)).toBeCloseTo(expected, 12); // γ = 1, β = 0
    }
  });

  it("has parameters gamma (role scale, starts at 1) and beta (role bias, starts at 0), 1 × features", () => {
    const [g, b] = new BatchNorm(7).params();
    expect([g.name, g.role, g.value.shape, Array.from(g.value.data)]).toEqual(["gamma", "scale", "1×7", Array(7).fill(1)]);
    expect([b.name, b.role, b.value.shape, Array.from(b.value.data)]).toEqual(["beta", "bias", "1×7", Array(7).fill(0)]);
  });

  it("a whole network Dense → BatchNorm → tanh → Dense gradient-checks (every parameter)", () => {
    const r2 = new Random(3);
    const net = new Sequential([
      new Dense(5, 8, { rng: r2, dtype: "float64" }), new BatchNorm(8, { dtype: "float64" }), new Tanh(),
      new Dense(8, 3, { rng: r2, dtype: "float64" }),
    ]);
    const x = randn(12, 5);
    const y = Matrix.zeros(12, 3, "float64");
    for (let i = 0; i < 12; i++) y.set(i, i % 3, 1);
    expect(gradcheckNetwork(net, x, y, softmaxCrossEntropy).maxRelError).toBeLessThan(1e-6);
  });

  it("is rebuilt from its config, and refuses bad options with the field named", () => {
    const bn = layerFromConfig({ type: "batchnorm", features: 4, eps: 1e-3, momentum: 0.8 }) as BatchNorm;
    expect([bn.features, bn.eps, bn.momentum]).toEqual([4, 1e-3, 0.8]);
    expect(bn.config()).toEqual({ type: "batchnorm", features: 4, eps: 1e-3, momentum: 0.8 });
    expect(() => layerFromConfig({ type: "batchnorm" })).toThrow(/features/);
    expect(() => new BatchNorm(3, { momentum: 1 })).toThrow(/momentum must be a number in \[0, 1\), got 1/);
    expect(() => new BatchNorm(3, { eps: 0 })).toThrow(/eps/);
    expect(() => new BatchNorm(3).forward(Matrix.zeros(2, 4), true)).toThrow(/BatchNorm\(3\): input is 2×4/);
  });
});
