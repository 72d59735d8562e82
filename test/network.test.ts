import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { argmaxRows, addScaled } from "../lib/core/ops";
import { Random } from "../lib/core/random";
import { Dense } from "../lib/nn/layers";
import { ReLU, Sigmoid, Softmax } from "../lib/nn/activations";
import { softmaxCrossEntropy, crossEntropy } from "../lib/nn/losses";
import { Sequential } from "../lib/nn/sequential";
import { mlp } from "../lib/nn/models";

function randn(rows: number, cols: number, rng: Random, dtype: "float32" | "float64" = "float64"): Matrix {
  const m = Matrix.zeros(rows, cols, dtype);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
  return m;
}

function oneHot(labels: ArrayLike<number>, classes: number): Matrix {
  const y = Matrix.zeros(labels.length, classes, "float64");
  for (let i = 0; i < labels.length; i++) y.set(i, labels[i], 1);
  return y;
}

describe("mlp", () => {
  it("stacks Dense + activation pairs with no activation after the last Dense (logits)", () => {
    const net = mlp([784, 256, 10]);
    expect(net.config()).toEqual([
      { type: "dense", inputs: 784, outputs: 256 },
      { type: "relu" },
      { type: "dense", inputs: 256, outputs: 10 },
    ]);
    expect(mlp([4, 3, 3, 2], { activation: "tanh", outputSoftmax: true }).layers.map((l) => l.name)).toEqual([
      "Dense", "Tanh", "Dense", "Tanh", "Dense", "Softmax",
    ]);
  });

  it("uses He for ReLU and Xavier for sigmoid/tanh unless told otherwise", () => {
    expect((mlp([4, 3, 2]).layers[0] as Dense).init).toBe("he");
    expect((mlp([4, 3, 2], { activation: "sigmoid" }).layers[0] as Dense).init).toBe("xavier");
    expect((mlp([4, 3, 2], { activation: "sigmoid", init: "uniform" }).layers[2] as Dense).init).toBe("uniform");
  });

  it("the same seed builds identical weights; a different seed does not", () => {
    const weights = (net: Sequential) => net.params().map((p) => Array.from(p.value.data));
    expect(weights(mlp([20, 8, 3], { seed: 5 }))).toEqual(weights(mlp([20, 8, 3], { seed: 5 })));
    expect(weights(mlp([20, 8, 3], { seed: 5 }))).not.toEqual(weights(mlp([20, 8, 3], { seed: 6 })));
  });

  it("builds float64 networks on request", () => {
    expect(mlp([4, 3, 2], { dtype: "float64" }).params().every((p) => p.value.dtype === "float64")).toBe(true);
  });

  it("refuses fewer than two sizes or a size that is not a positive whole number", () => {
    expect(() => mlp([784])).toThrow("mlp: needs at least two sizes");
    expect(() => mlp([784, 0, 10])).toThrow("mlp: size 1 must be a whole number ≥ 1, got 0");
  });
});

describe("Sequential", () => {
  it("checks at construction that Dense sizes chain, naming the layers and sizes", () => {
    expect(() => new Sequential([new Dense(784, 256), new ReLU(), new Dense(128, 10)])).toThrow(
      "Sequential: layer 2 (Dense(128→10)) takes 128 inputs, but layer 0 (Dense(784→256)) gives 256 outputs",
    );
    expect(() => new Sequential([])).toThrow("needs at least one layer");
  });

  it("forward applies the layers in order", () => {
    const rng = new Random(1);
    const d1 = new Dense(4, 3, { seed: 1, dtype: "float64" }), relu = new ReLU(), d2 = new Dense(3, 2, { seed: 2, dtype: "float64" });
    const x = randn(5, 4, rng);
    const expected = new Dense(3, 2, { seed: 2, dtype: "float64" }).forward(new ReLU().forward(new Dense(4, 3, { seed: 1, dtype: "float64" }).forward(x)));
    expect(new Sequential([d1, relu, d2]).forward(x).toRows()).toEqual(expected.toRows());
  });

  it("the first layer skips dX, so backward returns null; with { inputGrad: true } it returns ∂L/∂X", () => {
    const rng = new Random(2);
    const net = mlp([4, 3, 2], { dtype: "float64" });
    const x = randn(5, 4, rng);
    const { grad } = softmaxCrossEntropy(net.forward(x), oneHot([0, 1, 1, 0, 1], 2));
    expect(net.inputGrad).toBe(false);
    expect(net.backward(grad)).toBeNull();
    const withInput = new Sequential(net.layers, { inputGrad: true });
    withInput.forward(x);
    const dX = withInput.backward(grad)!;
    expect(dX.shape).toBe("5×4");
    // dX = dZ¹·W¹ᵀ where dZ¹ is what the first Dense received: check one entry against finite differences
    const f = (xx: Matrix) => softmaxCrossEntropy(withInput.forward(xx), oneHot([0, 1, 1, 0, 1], 2)).loss;
    const dXkept = dX.clone(), h = 1e-6, up = x.clone(), down = x.clone();
    up.set(1, 2, x.get(1, 2) + h);
    down.set(1, 2, x.get(1, 2) - h);
    expect(dXkept.get(1, 2)).toBeCloseTo((f(up) - f(down)) / (2 * h), 6);
  });

  it("backward after an evaluation (predict) of other rows is refused, naming what to do; after forward it works", () => {
    const rng = new Random(3);
    const net = mlp([4, 3, 2], { dtype: "float64" });
    const x1 = randn(5, 4, rng), x2 = randn(5, 4, rng);
    const { grad } = softmaxCrossEntropy(net.forward(x1), oneHot([0, 1, 1, 0, 1], 2));
    net.predict(x2); // same batch size: the layers' buffers now hold x2's activations
    expect(() => net.backward(grad)).toThrow("predict, accuracy or evaluate ran after the last forward");
    expect(() => mlp([4, 2]).backward(grad)).toThrow("call forward first");
    net.forward(x1);
    expect(() => net.backward(grad)).not.toThrow();
  });

  it("params lists W and b of each Dense, first layer first", () => {
    const net = mlp([784, 256, 10]);
    expect(net.params().map((p) => `${p.name} ${p.value.shape} ${p.role}`)).toEqual(["0.W 784×256 weight", "0.b 1×256 bias", "2.W 256×10 weight", "2.b 1×10 bias"]);
    expect(net.params()).toBe(net.params()); // the same list every call
    expect(net.parameterCount()).toBe(784 * 256 + 256 + 256 * 10 + 10);
  });

  it("predict in chunks equals the argmax of one full forward, for any chunk size", () => {
    const rng = new Random(3);
    const net = mlp([6, 5, 4], { seed: 3 });
    const x = randn(23, 6, rng, "float32");
    const expected = Array.from(argmaxRows(net.forward(x).clone()));
    for (const chunk of [1, 7, 23, 1000]) expect(Array.from(net.predict(x, chunk)), `chunk ${chunk}`).toEqual(expected);
    expect(() => net.predict(x, 0)).toThrow("predict: batchSize must be a whole number ≥ 1, got 0");
  });

  it("accuracy is the fraction of rows predicted right", () => {
    const rng = new Random(4);
    const net = mlp([6, 5, 4], { seed: 4 });
    const x = randn(10, 6, rng, "float32");
    const labels = Array.from(net.predict(x));
    labels[0] = (labels[0] + 1) % 4;
    labels[3] = (labels[3] + 1) % 4;
    expect(net.accuracy(x, labels, 3)).toBeCloseTo(0.8, 15);
    expect(() => net.accuracy(x, [1, 2])).toThrow("accuracy: x has 10 rows (10×6) but there are 2 labels");
  });

  it("evaluate in chunks gives the same loss and accuracy as one full batch", () => {
    const rng = new Random(5);
    const net = mlp([6, 5, 4], { seed: 5, dtype: "float64" });
    const x = randn(23, 6, rng);
    const labels = Array.from({ length: 23 }, () => rng.int(4));
    const y = oneHot(labels, 4);
    const full = softmaxCrossEntropy(net.forward(x), y).loss;
    const acc = net.accuracy(x, labels);
    for (const chunk of [1, 5, 23, 100]) {
      const r = net.evaluate(x, y, softmaxCrossEntropy, labels, chunk);
      expect(r.loss).toBeCloseTo(full, 12);
      expect(r.accuracy).toBe(acc);
    }
    expect(net.evaluate(x, y, softmaxCrossEntropy).accuracy).toBe(acc); // labels from the one-hot rows
  });

  it("summary is a table of layers, output shapes and parameter counts", () => {
    const s = mlp([784, 256, 10]).summary();
    expect(s).toContain("Dense(784→256)");
    expect(s).toContain("batch × 256");
    expect(s).toContain("200,960");
    expect(s).toContain("2,570");
    expect(s).toMatch(/total parameters: 203,530$/);
    expect(s.split("\n")).toHaveLength(5);
  });

  it("fromConfig rebuilds the same architecture (with fresh weights)", () => {
    const net = mlp([5, 4, 3], { activation: "sigmoid", outputSoftmax: true });
    const copy = Sequential.fromConfig(net.config(), { dtype: "float64", seed: 1 });
    expect(copy.config()).toEqual(net.config());
    expect(copy.layers[3]).toBeInstanceOf(Softmax);
    expect(copy.layers[1]).toBeInstanceOf(Sigmoid);
  });

  it("a few hundred gradient steps learn a small classification problem (loss falls, accuracy rises)", () => {
    // three Gaussian blobs in 2-D, one class each
    const rng = new Random(6);
    const centres = [[2, 0], [-1, 1.7], [-1, -1.7]];
    const n = 150;
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const x = Matrix.zeros(n, 2, "float64");
    labels.forEach((l, i) => {
      x.set(i, 0, centres[l][0] + rng.normal(0, 0.6));
      x.set(i, 1, centres[l][1] + rng.normal(0, 0.6));
    });
    const y = oneHot(labels, 3);
    const net = mlp([2, 16, 3], { seed: 6, dtype: "float64", outputSoftmax: true });
    const before = net.evaluate(x, y, crossEntropy, labels);
    for (let step = 0; step < 300; step++) {
      const { grad } = crossEntropy(net.forward(x, true), y);
      net.backward(grad);
      for (const p of net.params()) addScaled(p.value, p.grad, -0.5, p.value); // W ← W − α·dW
    }
    const after = net.evaluate(x, y, crossEntropy, labels);
    expect(after.loss).toBeLessThan(before.loss / 5);
    expect(after.accuracy).toBeGreaterThan(0.95);
  });
});

describe("every parameter says what it is for (its role)", () => {
  it("Sequential keeps each layer's role; weight decay reads it (Dense W: weight, b: bias)", () => {
    const net = mlp([4, 3, 2], { seed: 1 });
    expect(net.params().map((p) => `${p.name}:${p.role}`)).toEqual(["0.W:weight", "0.b:bias", "2.W:weight", "2.b:bias"]);
  });
  it("Sequential refuses a layer whose parameter has no role, naming the layer and the parameter", () => {
    class Roleless extends Dense {
      params() {
        return super.params().map(({ name, value, grad }) => ({ name, value, grad })) as unknown as ReturnType<Dense["params"]>;
      }
    }
    expect(() => new Sequential([new Roleless(4, 2, { seed: 1 })])).toThrow(
      'Sequential: layer 0 (Dense(4→2)) has a parameter "W" with role undefined; expected "weight", "bias" or "scale"',
    );
  });
});
