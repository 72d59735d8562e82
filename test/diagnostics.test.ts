// The chapter-9 diagnostics against hand-worked cases.
import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { Dense, type Param } from "../lib/nn/layers";
import { ReLU, Sigmoid } from "../lib/nn/activations";
import { Sequential } from "../lib/nn/sequential";
import { activationsByLayer, copyWeights, deadUnits, frobeniusNorm, gradientNorms, layerHistograms, updateRatios } from "../lib/course/diagnostics";

function handNet(): Sequential {
  const d1 = new Dense(2, 3, { dtype: "float64" });
  d1.weights.data.set([1, 0, 1, 0, 1, 1]); // z = [x₁, x₂, x₁ + x₂] + b
  d1.bias.data.set([0, 0, -100]); //          the third unit is negative for any input in [0, 1]²
  const d2 = new Dense(3, 2, { dtype: "float64" });
  d2.weights.data.set([1, 2, 3, 4, 5, 6]);
  return new Sequential([d1, new ReLU(), d2, new Sigmoid()]);
}

describe("diagnostics", () => {
  it("frobeniusNorm of [[3, 4], [0, 12]] is 13", () => {
    expect(frobeniusNorm(Matrix.fromRows([[3, 4], [0, 12]], "float64"))).toBe(13);
  });

  it("deadUnits counts the ReLU units that are 0 on every row (here the one with bias −100)", () => {
    const x = Matrix.fromRows([[0.5, 0.2], [0.9, 0.1], [0, 1]], "float64");
    expect(deadUnits(handNet(), x)).toEqual([{ layer: 1, units: 3, dead: 1 }]);
  });

  it("activationsByLayer returns a copy of each activation layer's output, in order", () => {
    const net = handNet();
    const x = Matrix.fromRows([[0.5, -0.2]], "float64");
    const acts = activationsByLayer(net, x);
    expect(acts.map((a) => [a.layer, a.name])).toEqual([[1, "ReLU"], [3, "Sigmoid"]]);
    expect(Array.from(acts[0].values.data)).toEqual([0.5, 0, 0]); // ReLU([0.5, −0.2, 0.3 − 100])
    // sigmoid(A·W₂) with A = [0.5, 0, 0]: z = [0.5·1, 0.5·2]
    expect(acts[1].values.data[0]).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 12);
    expect(acts[1].values.data[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    net.forward(Matrix.fromRows([[1, 1]], "float64"));
    expect(Array.from(acts[0].values.data)).toEqual([0.5, 0, 0]); // a copy, not the layer's buffer
  });

  it("gradientNorms gives ‖dW‖ of each Dense after a backward", () => {
    const net = handNet();
    net.forward(Matrix.fromRows([[0.5, 0.2], [0.1, 0.7]], "float64"));
    net.backward(Matrix.fromRows([[1, -1], [0.5, 2]], "float64"));
    const dense = net.layers.filter((l): l is Dense => l instanceof Dense);
    expect(gradientNorms(net)).toEqual(dense.map((d) => frobeniusNorm(d.dW)));
    expect(gradientNorms(net)[1]).toBeGreaterThan(0);
  });

  it("updateRatios is ‖W_after − W_before‖/‖W_before‖ over the weights only (biases skipped)", () => {
    const w: Param = { name: "W", value: Matrix.fromRows([[3, 4]], "float64"), grad: Matrix.zeros(1, 2, "float64"), role: "weight" };
    const b: Param = { name: "b", value: Matrix.fromRows([[1]], "float64"), grad: Matrix.zeros(1, 1, "float64"), role: "bias" };
    const before = copyWeights([w, b]);
    expect(before.length).toBe(1);
    w.value.data.set([3, 4.5]); b.value.data.set([100]);
    expect(updateRatios([w, b], before)[0]).toBeCloseTo(0.5 / 5, 12);
    copyWeights([w, b], before);
    expect(Array.from(before[0].data)).toEqual([3, 4.5]);
  });

  it("layerHistograms draws one panel per layer, each bar a fraction of that layer's values", () => {
    const fig = layerHistograms([{ name: "a", values: [0.1, 0.2, 0.9, 0.95] }, { name: "b", values: [0.5, 0.5] }], { bins: 10 });
    expect(fig.data.length).toBe(2);
    const sums = fig.data.map((t) => (t.y as number[]).reduce((s, v) => s + v, 0));
    expect(sums[0]).toBeCloseTo(1, 12);
    expect(sums[1]).toBeCloseTo(1, 12);
    expect(fig.data[1].xaxis).toBe("x2");
  });
});

describe("trainingCurves' testLabel", () => {
  it("names the held-out curves as asked (a dev set is not the test set)", async () => {
    const { trainingCurves } = await import("../lib/course/curves");
    const history = { epochs: [{ epoch: 1, updates: 1, seconds: 0, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1.2, testAccuracy: 0.4 }], stopped: null };
    const names = (o: object) => trainingCurves({ run: history }, o).data.map((t) => t.name);
    expect(names({ testLabel: "dev" })).toContain("run · dev");
    expect(names({})).toContain("run · test");
  });
});
