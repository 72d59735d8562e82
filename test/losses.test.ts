import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { softmaxRows } from "../lib/core/ops";
import { softmaxCrossEntropy, crossEntropy, mse, logSumExp, PROBABILITY_EPSILON } from "../lib/nn/losses";
import { Random } from "../lib/core/random";

const oneHot = (labels: number[], classes: number) =>
  Matrix.fromRows(labels.map((l) => Array.from({ length: classes }, (_, j) => (j === l ? 1 : 0))), "float64");

describe("softmaxCrossEntropy", () => {
  it("equals log 2 for two equal logits (hand-worked)", () => {
    const { loss } = softmaxCrossEntropy(Matrix.fromRows([[0, 0]], "float64"), oneHot([0], 2));
    expect(loss).toBeCloseTo(Math.LN2, 15);
  });

  it("is the batch mean of −log softmax(z)_label", () => {
    const z = Matrix.fromRows([[1, 2, 3], [0.5, -1, 2]], "float64");
    const p = softmaxRows(z);
    const expected = -(Math.log(p.get(0, 0)) + Math.log(p.get(1, 2))) / 2;
    expect(softmaxCrossEntropy(z, oneHot([0, 2], 3)).loss).toBeCloseTo(expected, 14);
  });

  it("its gradient equals (p − y)/m for one-hot targets", () => {
    const rng = new Random(1);
    const m = 8, k = 10;
    const z = Matrix.zeros(m, k, "float64");
    for (let i = 0; i < z.data.length; i++) z.data[i] = rng.normal(0, 3);
    const y = oneHot(Array.from({ length: m }, () => rng.int(k)), k);
    const { grad } = softmaxCrossEntropy(z, y);
    const p = softmaxRows(z);
    for (let i = 0; i < z.data.length; i++) expect(grad.data[i]).toBeCloseTo((p.data[i] - y.data[i]) / m, 16);
  });

  it("stays finite for logits of ±1000 (log-sum-exp), with the exact loss and gradient", () => {
    const z = Matrix.fromRows([[1000, -1000, 0], [-1000, -1000, -1000]], "float64");
    const { loss, grad } = softmaxCrossEntropy(z, oneHot([1, 2], 3));
    // row 0: −log p_1 = lse − z_1 = 1000 − (−1000) = 2000;  row 1: −log(1/3) = log 3
    expect(loss).toBeCloseTo((2000 + Math.log(3)) / 2, 10);
    expect(grad.toRows()).toEqual([
      [0.5, -0.5, 0],
      [1 / 6, 1 / 6, 1 / 6 - 0.5],
    ].map((r) => r.map((v) => expect.closeTo(v, 15))));
    expect(grad.data.every(Number.isFinite)).toBe(true);
    const f32 = softmaxCrossEntropy(z.astype("float32"), oneHot([1, 2], 3).astype("float32"));
    expect(Number.isFinite(f32.loss)).toBe(true);
  });

  it("writes the gradient into gradOut when given", () => {
    const buf = Matrix.zeros(1, 2, "float64");
    expect(softmaxCrossEntropy(Matrix.fromRows([[0, 0]], "float64"), oneHot([0], 2), buf).grad).toBe(buf);
    expect(buf.toRows()).toEqual([[-0.5, 0.5]]);
  });

  it("shape mismatches name both shapes", () => {
    expect(() => softmaxCrossEntropy(Matrix.zeros(64, 10), Matrix.zeros(64, 9))).toThrow(
      "softmaxCrossEntropy: logits are 64×10 but targets are 64×9",
    );
    expect(() => softmaxCrossEntropy(Matrix.zeros(2, 2), Matrix.zeros(2, 2), Matrix.zeros(2, 3))).toThrow(
      "softmaxCrossEntropy: gradOut is 2×3 but the output is 2×2",
    );
  });
});

describe("logSumExp", () => {
  it("is log Σ e^x and stays finite at ±1000", () => {
    expect(logSumExp([0, Math.log(3)])).toBeCloseTo(Math.log(4), 15);
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logSumExp([-1000, -1000])).toBeCloseTo(-1000 + Math.LN2, 12);
    expect(logSumExp(new Float32Array([1000, -1000]))).toBe(1000);
  });
});

describe("crossEntropy (on probabilities)", () => {
  it("is −(1/m) Σ y·log p with gradient −y/(p·m) (hand-worked)", () => {
    const p = Matrix.fromRows([[0.25, 0.75], [0.5, 0.5]], "float64");
    const { loss, grad } = crossEntropy(p, oneHot([1, 0], 2));
    expect(loss).toBeCloseTo(-(Math.log(0.75) + Math.log(0.5)) / 2, 15);
    expect(grad.toRows()).toEqual([[0, -1 / (0.75 * 2)], [-1 / (0.5 * 2), 0]].map((r) => r.map((v) => expect.closeTo(v, 15))));
  });

  it("clamps p at 1e-12, so a probability of 0 gives a large but finite loss", () => {
    const { loss, grad } = crossEntropy(Matrix.fromRows([[0, 1]], "float64"), oneHot([0], 2));
    expect(PROBABILITY_EPSILON).toBe(1e-12);
    expect(loss).toBeCloseTo(-Math.log(1e-12), 10);
    expect(grad.data.every(Number.isFinite)).toBe(true);
  });

  it("after a Softmax equals softmaxCrossEntropy on the logits", () => {
    const z = Matrix.fromRows([[1, 2, 3], [0.5, -1, 2]], "float64");
    const y = oneHot([1, 0], 3);
    expect(crossEntropy(softmaxRows(z), y).loss).toBeCloseTo(softmaxCrossEntropy(z, y).loss, 14);
  });

  it("shape mismatches name both shapes", () => {
    expect(() => crossEntropy(Matrix.zeros(3, 10), Matrix.zeros(4, 10))).toThrow("crossEntropy: probabilities are 3×10 but targets are 4×10");
  });
});

describe("mse", () => {
  it("is the mean of (ŷ − y)² over all entries with gradient 2(ŷ − y)/(m·k) (hand-worked)", () => {
    const out = Matrix.fromRows([[1, 2], [3, 4]], "float64");
    const y = Matrix.fromRows([[0, 2], [3, 6]], "float64");
    const { loss, grad } = mse(out, y);
    expect(loss).toBe((1 + 0 + 0 + 4) / 4);
    expect(grad.toRows()).toEqual([[0.5, 0], [0, -1]]);
  });

  it("shape mismatches name both shapes", () => {
    expect(() => mse(Matrix.zeros(2, 10), Matrix.zeros(2, 1))).toThrow("mse: outputs are 2×10 but targets are 2×1");
  });
});
