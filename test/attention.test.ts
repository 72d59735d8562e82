// Chapter 15's layers: hand-worked cases, finite differences in float64, saving and loading, AdamW and the
// warm-up-then-cosine schedule. (The agreement with PyTorch's autograd is in attention-torch.test.ts.)
import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { Dense } from "../lib/nn/layers";
import { Tanh, ReLU } from "../lib/nn/activations";
import { LayerNorm } from "../lib/nn/layernorm";
import { MultiHeadAttention } from "../lib/nn/attention";
import { TokenDense } from "../lib/nn/tokens";
import { Patches, Positions, MeanTokens } from "../lib/nn/patches";
import { Residual } from "../lib/nn/residual";
import { mnistVit } from "../lib/nn/vit";
import { Sequential } from "../lib/nn/sequential";
import { softmaxCrossEntropy } from "../lib/nn/losses";
import { gradcheckLayer, gradcheckNetwork } from "../lib/nn/gradcheck";
import { modelFromJson, modelToJson } from "../lib/nn/persist";
import { adamw } from "../lib/train/adamw";
import { adam, makeOptimizer, makeSchedule } from "../lib/train/optimizers";
import { warmupCosine } from "../lib/train/schedules";

const rng = new Random(25);
function randn(rows: number, cols: number, std = 1): Matrix {
  const m = Matrix.zeros(rows, cols, "float64");
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal(0, std);
  return m;
}
function oneHotRows(labels: number[], classes: number): Matrix {
  const y = Matrix.zeros(labels.length, classes, "float64");
  labels.forEach((l, i) => y.set(i, l, 1));
  return y;
}

describe("LayerNorm", () => {
  it("a hand-worked token [1, 2, 3, 6]: μ = 3, σ² = 3.5 (biased), y = γ·(x − 3)/√(3.5 + ε) + β, each token on its own", () => {
    const ln = new LayerNorm({ features: 4, eps: 1e-5, dtype: "float64" });
    ln.gamma.data.set([1, 2, 1, 1]);
    ln.beta.data.set([0, 0, 1, 0]);
    const y = ln.forward(Matrix.fromRows([[1, 2, 3, 6, 10, 10, 10, 10]], "float64"));
    const s = Math.sqrt(3.5 + 1e-5);
    expect(y.toRows()[0].slice(0, 4).map((v) => +v.toFixed(12))).toEqual([-2 / s, (2 * -1) / s, 1, 3 / s].map((v) => +v.toFixed(12)));
    expect(y.toRows()[0].slice(4)).toEqual([0, 0, 1, 0]); // a constant token: x̂ = 0, so y = β
  });

  it("gradients agree with finite differences (dX, dγ, dβ), γ and β random", () => {
    const ln = new LayerNorm({ features: 5, dtype: "float64" });
    ln.gamma.data.set(randn(1, 5).data);
    ln.beta.data.set(randn(1, 5).data);
    const r = gradcheckLayer(ln, randn(3, 15, 2));
    expect(r.maxRelError).toBeLessThan(1e-7);
    expect(r.checked).toBe(45 + 10);
  });

  it("refuses a row that does not hold whole tokens, saying so", () => {
    expect(() => new LayerNorm({ features: 4 }).forward(Matrix.zeros(2, 10))).toThrow(/multiple of 4 columns/);
  });
});

describe("MultiHeadAttention", () => {
  it("one head, Wq = Wk = 0: every score is equal, so each token's output is the mean of the values (times Wo)", () => {
    const mha = new MultiHeadAttention({ tokens: 3, dim: 2, heads: 1, dtype: "float64" });
    mha.Wq.fill(0); mha.Wk.fill(0);
    mha.Wv.data.set([1, 0, 0, 1]); mha.Wo.data.set([1, 0, 0, 1]);
    const y = mha.forward(Matrix.fromRows([[1, 2, 3, 4, 5, 9]], "float64"));
    expect(y.toRows()[0]).toEqual([3, 5, 3, 5, 3, 5]);
    expect(mha.attention!.toRows().flat().every((a) => Math.abs(a - 1 / 3) < 1e-15)).toBe(true);
  });

  it("a hand-worked 2-token head: scores x_i·x_j/√2 give A = softmax by rows", () => {
    const mha = new MultiHeadAttention({ tokens: 2, dim: 2, heads: 1, dtype: "float64" });
    for (const w of [mha.Wq, mha.Wk, mha.Wv, mha.Wo]) w.data.set([1, 0, 0, 1]);
    mha.forward(Matrix.fromRows([[1, 0, 0, 2]], "float64"));
    // S = [[1, 0], [0, 4]]/√2
    const a00 = 1 / (1 + Math.exp(-1 / Math.SQRT2)), a11 = 1 / (1 + Math.exp(-4 / Math.SQRT2));
    const A = mha.attention!.toRows();
    expect(A[0][0]).toBeCloseTo(a00, 14);
    expect(A[1][1]).toBeCloseTo(a11, 14);
    expect(A[0][0] + A[0][1]).toBeCloseTo(1, 14);
  });

  it("gradients agree with finite differences: dX and all eight parameters, 3 examples, 4 tokens, 2 heads, random biases", () => {
    const mha = new MultiHeadAttention({ tokens: 4, dim: 6, heads: 2, dtype: "float64", seed: 3 });
    for (const b of [mha.bq, mha.bk, mha.bv, mha.bo]) b.data.set(randn(1, 6, 0.5).data);
    const r = gradcheckLayer(mha, randn(3, 24), { tiny: 1e-5 }); // dbk is 0 exactly (below): its differences are rounding, ~1e-12
    expect(r.maxRelError).toBeLessThan(1e-6);
    // bk adds q_i·bk to every score of row i, which softmax ignores: the key bias never matters
    expect(Math.max(...Array.from(mha.params().find((p) => p.name === "bk")!.grad.data, Math.abs))).toBeLessThan(1e-14);
    expect(r.checked).toBe(3 * 24 + 4 * 36 + 4 * 6);
  });

  it("heads are independent: changing head 2's columns of Wq leaves head 1's attention weights as they were", () => {
    const mha = new MultiHeadAttention({ tokens: 3, dim: 4, heads: 2, dtype: "float64", seed: 1 });
    const x = randn(1, 12);
    mha.forward(x);
    const before = mha.attention!.clone();
    for (let r = 0; r < 4; r++) mha.Wq.set(r, 3, 7);
    mha.forward(x);
    expect(mha.attention!.toRows().slice(0, 3)).toEqual(before.toRows().slice(0, 3)); // head 1: rows 0–2
    expect(mha.attention!.toRows().slice(3)).not.toEqual(before.toRows().slice(3));
  });

  it("refuses a dim that heads do not divide", () => {
    expect(() => new MultiHeadAttention({ tokens: 4, dim: 6, heads: 4 })).toThrow(/multiple of heads/);
  });
});

describe("the other transformer layers", () => {
  it("Patches: a 4×4 image in 2×2 patches, reading order, and back", () => {
    const p = new Patches({ height: 4, width: 4, patch: 2 });
    const img = Matrix.fromRows([Array.from({ length: 16 }, (_, i) => i)], "float64");
    expect(Array.from(p.forward(img).data)).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
    expect(gradcheckLayer(p, randn(2, 16)).maxRelError).toBeLessThan(1e-9);
  });

  it("TokenDense, Positions and MeanTokens agree with finite differences", () => {
    const td = new TokenDense({ tokens: 3, inputs: 4, outputs: 5, dtype: "float64", seed: 2 });
    td.bias.data.set(randn(1, 5).data);
    expect(gradcheckLayer(td, randn(2, 12)).maxRelError).toBeLessThan(1e-8);
    const pos = new Positions({ tokens: 3, dim: 2, dtype: "float64" });
    expect(gradcheckLayer(pos, randn(4, 6)).maxRelError).toBeLessThan(1e-8);
    expect(gradcheckLayer(new MeanTokens({ tokens: 3, dim: 2 }), randn(4, 6)).maxRelError).toBeLessThan(1e-8);
  });

  it("TokenDense is one Dense applied to every token: token t of the output equals Dense(x_t)", () => {
    const td = new TokenDense({ tokens: 3, inputs: 4, outputs: 2, dtype: "float64", seed: 5 });
    const dense = new Dense(4, 2, { dtype: "float64" });
    dense.weights.data.set(td.weights.data);
    const x = randn(2, 12);
    const y = td.forward(x).clone();
    for (let t = 0; t < 3; t++) {
      const xt = Matrix.fromRows(x.toRows().map((r) => r.slice(4 * t, 4 * t + 4)), "float64");
      expect(dense.forward(xt).toRows()).toEqual(y.toRows().map((r) => r.slice(2 * t, 2 * t + 2)));
    }
  });

  it("Residual: y = x + f(x), and its gradient passes dy through the skip (finite differences)", () => {
    const inner = [new Dense(4, 4, { dtype: "float64", seed: 1 }), new Tanh()];
    const res = new Residual(inner);
    const x = randn(3, 4);
    const fx = inner[1].forward(inner[0].forward(x)).clone();
    expect(res.forward(x).toRows()).toEqual(x.toRows().map((r, i) => r.map((v, j) => v + fx.get(i, j))));
    expect(gradcheckLayer(res, x).maxRelError).toBeLessThan(1e-8);
    expect(() => new Residual([new Dense(4, 3)])).toThrow(/keep the width/);
  });

  it("a whole small transformer (2 blocks, ReLU in the MLP) agrees with finite differences on every parameter", () => {
    const net = mnistVit({ patch: 14, dim: 4, heads: 2, blocks: 2, hidden: 6, dtype: "float64", seed: 4 });
    const r = gradcheckNetwork(net, randn(3, 784, 0.5), oneHotRows([1, 7, 3], 10), softmaxCrossEntropy, { maxPerTensor: 12, tiny: 1e-5 });
    expect(r.maxRelError, r.where).toBeLessThan(1e-6);
    expect(r.checked).toBeGreaterThan(150);
  });
});

describe("saving and loading", () => {
  it("a transformer's JSON round trip gives the same layers, parameters and outputs", () => {
    const net = mnistVit({ patch: 7, dim: 8, heads: 2, blocks: 2, hidden: 16, seed: 9 });
    const x = Matrix.zeros(3, 784);
    for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform();
    const before = net.forward(x).clone();
    const back = modelFromJson(modelToJson(net));
    expect(back.config()).toEqual(net.config());
    expect(back.params().map((p) => p.name)).toEqual(net.params().map((p) => p.name));
    expect(back.params().map((p) => Array.from(p.value.data))).toEqual(net.params().map((p) => Array.from(p.value.data)));
    expect(Array.from(back.forward(x).data)).toEqual(Array.from(before.data));
    expect(net.params().some((p) => p.name === "3.1.Wq")).toBe(true); // block 1's attention, inside its Residual
  });

  it("a residual config with a broken inner layer is refused, naming it", () => {
    const text = modelToJson(new Sequential([new Residual([new Dense(2, 2), new ReLU()])]));
    const bad = text.replace('"type":"relu"', '"type":"nope"');
    expect(() => modelFromJson(bad.replace(/"sha256": "[0-9a-f]+"/, '"sha256": "' + "0".repeat(64) + '"'))).toThrow();
  });
});

describe("AdamW and warm-up then cosine", () => {
  it("AdamW with λ = 0 is Adam; with λ > 0 it also shrinks each weight by α·λ·W, and leaves biases undecayed", () => {
    const make = () => [
      { name: "W", value: Matrix.fromRows([[1, -2]], "float64"), grad: Matrix.fromRows([[0.5, 0.1]], "float64"), role: "weight" as const },
      { name: "b", value: Matrix.fromRows([[3]], "float64"), grad: Matrix.fromRows([[-0.2]], "float64"), role: "bias" as const },
    ];
    const [pa, pw, p0] = [make(), make(), make()];
    adam({ lr: 0.1 }).step(pa);
    adamw({ lr: 0.1, weightDecay: 0 }).step(p0);
    adamw({ lr: 0.1, weightDecay: 0.5 }).step(pw);
    expect(Array.from(p0[0].value.data)).toEqual(Array.from(pa[0].value.data));
    // first step: m̂ = g, ŝ = g², so the Adam part is α·g/(|g| + ε) ≈ ±α; the decay part is α·λ·W
    expect(pw[0].value.get(0, 0)).toBeCloseTo(1 - 0.1 * 0.5 * 1 - 0.1, 7);
    expect(pw[0].value.get(0, 1)).toBeCloseTo(-2 - 0.1 * 0.5 * -2 - 0.1, 7);
    expect(pw[1].value.get(0, 0)).toBe(pa[1].value.get(0, 0));
    expect(makeOptimizer("adamw", { lr: 0.1, weightDecay: 0.5 }).name).toBe("adamw");
  });

  it("warm-up then cosine: α₀/2 in a one-epoch warm-up, α₀ at its end, α₀/2 half-way down, and refuses a warm-up as long as the run", () => {
    const s = warmupCosine(11, 1);
    expect(s(0, 1)).toBe(0.5);
    expect(s(1, 1)).toBe(1);
    expect(s(6, 1)).toBeCloseTo(0.5, 15);
    expect(s(11, 1)).toBeCloseTo(0, 15);
    expect(makeSchedule("warmup-cosine", 10)(0, 2)).toBe(1);
    expect(() => warmupCosine(3, 3)).toThrow(/warmupEpochs/);
  });
});

describe("attention maps", () => {
  it("attentionRollout: rows sum to 1; with every score equal (Wq = Wk = 0) each of the 16 patches gets 1/16", async () => {
    const { attentionRollout, patchesToPixels, attentionLayers } = await import("../lib/course/attention-maps");
    const net = mnistVit({ dim: 8, heads: 2, blocks: 2, hidden: 8, dtype: "float64", seed: 3 });
    const x = Matrix.zeros(2, 784, "float64");
    for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform();
    const r = attentionRollout(net, x);
    for (let b = 0; b < 2; b++) expect(r.toRows()[b].reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    for (const mha of attentionLayers(net)) { mha.Wq.fill(0); mha.Wk.fill(0); mha.bq.fill(0); }
    expect(attentionRollout(net, x).toRows().flat().every((v) => Math.abs(v - 1 / 16) < 1e-14)).toBe(true);
    const pix = patchesToPixels(Matrix.fromRows([[1, 2, 3, 4]], "float64"), 2, 4);
    expect(Array.from(pix.data)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });
});

describe("buffers", () => {
  it("a training step of the transformer makes no new Matrix once warmed up (forward, backward, AdamW)", () => {
    const net = mnistVit({ dim: 8, heads: 2, blocks: 2, hidden: 16, seed: 1 });
    const x = Matrix.zeros(5, 784);
    for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform();
    const y = Matrix.zeros(5, 10);
    for (let i = 0; i < 5; i++) y.set(i, i, 1);
    const opt = adamw({ lr: 0.001 }), grad = Matrix.zeros(5, 10);
    const step = () => {
      const out = net.forward(x, true);
      net.backward(softmaxCrossEntropy(out, y, grad).grad);
      opt.step(net.params());
    };
    step();
    step();
    const before = Matrix.created;
    step();
    expect(Matrix.created - before).toBe(0);
  });
});
