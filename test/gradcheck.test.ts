// Every backward against finite differences, in float64: the analytic gradients of each layer, each loss
// and whole networks must agree with (f(θ+h) − f(θ−h))-style differences to a relative error below 1e-7.
import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { Dense, type Layer } from "../lib/nn/layers";
import { ReLU, Sigmoid, Tanh, Softmax } from "../lib/nn/activations";
import { softmaxCrossEntropy, crossEntropy, mse, type LossFn } from "../lib/nn/losses";
import { Sequential } from "../lib/nn/sequential";
import { mlp } from "../lib/nn/models";
import { gradcheckLayer, gradcheckLoss, gradcheckNetwork, relativeError } from "../lib/nn/gradcheck";

const TOLERANCE = 1e-7;
const rng = new Random(2024);

function randn(rows: number, cols: number, std = 1): Matrix {
  const m = Matrix.zeros(rows, cols, "float64");
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal(0, std);
  return m;
}

function oneHot(rows: number, classes: number): Matrix {
  const y = Matrix.zeros(rows, classes, "float64");
  for (let i = 0; i < rows; i++) y.set(i, rng.int(classes), 1);
  return y;
}

/** The smallest |input| over every ReLU of the layers when x goes through them. */
function nearestReluInput(layers: Layer[], x: Matrix): number {
  let nearest = Infinity;
  let a = x;
  for (const layer of layers) {
    if (layer instanceof ReLU) nearest = Math.min(nearest, ...Array.from(a.data, Math.abs));
    a = layer.forward(a);
  }
  return nearest;
}

/**
 * Finite differences are wrong across a kink: a ReLU input must stay further from 0 than the steps move
 * it (2h = 0.002 times an input of a few units). Draws inputs until no ReLU input is within `margin` of 0.
 */
function inputAwayFromKinks(layers: Layer[], draw: () => Matrix, margin = 0.02): Matrix {
  for (let attempt = 0; attempt < 100; attempt++) {
    const x = draw();
    if (nearestReluInput(layers, x) > margin) return x;
  }
  throw new Error("no input found whose ReLU inputs all stay away from 0");
}

describe("gradcheckLayer: every layer's backward matches finite differences", () => {
  it("Dense: dX, dW and db", () => {
    for (const init of ["he", "xavier", "normal", "uniform"] as const) {
      const r = gradcheckLayer(new Dense(5, 4, { init, seed: 1, dtype: "float64" }), randn(3, 5));
      expect(r.checked).toBe(3 * 5 + 5 * 4 + 4);
      expect(r.maxRelError, `${init}: ${r.where}`).toBeLessThan(TOLERANCE);
    }
  });

  it("Dense is checked on dX too", () => {
    const d = new Dense(4, 3, { seed: 2, dtype: "float64" });
    const r = gradcheckLayer(d, randn(2, 4));
    expect(r.maxRelError, r.where).toBeLessThan(TOLERANCE);
  });

  it("ReLU (inputs away from the kink at 0)", () => {
    const x = inputAwayFromKinks([new ReLU()], () => randn(4, 6));
    const r = gradcheckLayer(new ReLU(), x);
    expect(r.checked).toBe(24);
    expect(r.maxRelError, r.where).toBeLessThan(TOLERANCE);
  });

  for (const [name, make] of [["Sigmoid", () => new Sigmoid()], ["Tanh", () => new Tanh()], ["Softmax", () => new Softmax()]] as const) {
    it(name, () => {
      const r = gradcheckLayer(make(), randn(4, 6, 2));
      expect(r.checked).toBe(24);
      expect(r.maxRelError, r.where).toBeLessThan(TOLERANCE);
    });
  }
});

describe("gradcheckLoss: every loss's gradient matches finite differences", () => {
  it("softmaxCrossEntropy on logits", () => {
    const r = gradcheckLoss(softmaxCrossEntropy, randn(5, 10), oneHot(5, 10));
    expect(r.maxRelError, r.where).toBeLessThan(TOLERANCE);
  });

  it("crossEntropy on probabilities", () => {
    const probs = new Softmax().forward(randn(5, 4, 0.5)).clone();
    const r = gradcheckLoss(crossEntropy, probs, oneHot(5, 4));
    expect(r.maxRelError, r.where).toBeLessThan(TOLERANCE);
  });

  it("mse", () => {
    const r = gradcheckLoss(mse, randn(5, 4), oneHot(5, 4));
    expect(r.maxRelError, r.where).toBeLessThan(TOLERANCE);
  });
});

describe("gradcheckNetwork: backpropagation through 3-layer networks matches finite differences", () => {
  const cases: [string, LossFn, boolean][] = [
    ["softmaxCrossEntropy on logits", softmaxCrossEntropy, false],
    ["Softmax layer + crossEntropy", crossEntropy, true],
    ["Softmax layer + mse", mse, true],
  ];
  for (const activation of ["relu", "sigmoid", "tanh"] as const) {
    for (const [lossName, loss, outputSoftmax] of cases) {
      it(`${activation}, ${lossName}`, () => {
        const net = mlp([6, 5, 4, 3], { activation, outputSoftmax, seed: 11, dtype: "float64" });
        // non-zero biases, as after some training (with zero biases a dead row feeds exact zeros into the next ReLU)
        for (const p of net.params()) if (p.name === "b") p.value.data.set(randn(1, p.value.cols, 0.5).data);
        const x = inputAwayFromKinks(net.layers, () => randn(7, 6));
        const r = gradcheckNetwork(net, x, oneHot(7, 3), loss);
        expect(r.checked).toBe(6 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3);
        expect(r.maxRelError, r.where).toBeLessThan(TOLERANCE);
      });
    }
  }
});

describe("the checker itself", () => {
  it("catches a wrong backward and says where (a Sigmoid that forgets the (1 − A) factor)", () => {
    class WrongSigmoid extends Sigmoid {
      backward(dA: Matrix): Matrix {
        const dZ = super.backward(dA);
        const a = this.a!;
        for (let i = 0; i < dZ.data.length; i++) dZ.data[i] = dA.data[i] * a.data[i]; // should be A(1 − A)
        return dZ;
      }
    }
    const net = new Sequential([
      new Dense(4, 3, { seed: 1, dtype: "float64" }),
      new WrongSigmoid(),
      new Dense(3, 2, { seed: 2, dtype: "float64" }),
    ]);
    const r = gradcheckNetwork(net, randn(5, 4), oneHot(5, 2), softmaxCrossEntropy);
    expect(r.maxRelError).toBeGreaterThan(0.1);
    expect(r.where).toMatch(/^layer 0 \(Dense\) d[Wb]\[\d+,\d+\]/); // only the layer below the bug is wrong
  });

  it("samples at most maxPerTensor entries of each tensor", () => {
    const r = gradcheckLayer(new Dense(20, 10, { dtype: "float64" }), randn(3, 20), { maxPerTensor: 7 });
    expect(r.checked).toBe(7 + 7 + 7); // dX, dW, db
    expect(r.maxRelError).toBeLessThan(TOLERANCE);
  });

  it("the classic 3-point difference also agrees, less tightly", () => {
    const r = gradcheckLayer(new Tanh(), randn(3, 4), { stencil: 3 });
    expect(r.maxRelError, r.where).toBeLessThan(1e-6);
  });

  it("refuses float32, where rounding would swamp the differences", () => {
    expect(() => gradcheckLayer(new Dense(3, 2), Matrix.zeros(2, 3))).toThrow("found a float32 2×3 matrix; gradient checks need float64");
  });

  it("relativeError is |a − n| / max(|a|, |n|, tiny)", () => {
    expect(relativeError(1, 1.1)).toBeCloseTo(0.1 / 1.1, 15);
    expect(relativeError(0, 0)).toBe(0);
    expect(relativeError(0, 1e-12)).toBeCloseTo(0.01, 15); // tiny = 1e-10 floors the denominator
  });
});

describe("gradcheck at ReLU kinks (the defaults)", () => {
  /** A 20-10-10 network and a batch with first-layer pre-activations placed within 1e-3 of the kink. */
  function nearKinks() {
    const net = mlp([20, 10, 10], { seed: 3, dtype: "float64" });
    const x = randn(16, 20), y = oneHot(16, 10);
    const dense = net.layers[0] as Dense;
    const z = dense.forward(x).clone();
    for (let k = 0; k < 10; k++) dense.bias.data[k] -= z.get(k, k) - (k % 2 === 0 ? 4e-4 : -7e-4);
    return { net, x, y, dense };
  }

  it("a finite difference with the default 5-point step (up to 2e-3) is wrong there", () => {
    const { net, x, y, dense } = nearKinks();
    const lossAt = (delta: number) => {
      dense.bias.data[0] += delta;
      const l = softmaxCrossEntropy(net.forward(x), y).loss;
      dense.bias.data[0] -= delta;
      return l;
    };
    const h = 1e-3;
    const fivePoint = (8 * (lossAt(h) - lossAt(-h)) - (lossAt(2 * h) - lossAt(-2 * h))) / (12 * h);
    net.backward(softmaxCrossEntropy(net.forward(x, true), y).grad);
    expect(relativeError(dense.db.data[0], fivePoint)).toBeGreaterThan(1e-3);
  });

  it("gradcheckNetwork's defaults show no false failure there: straddling steps shrink, or the entry is skipped", () => {
    const { net, x, y } = nearKinks();
    const r = gradcheckNetwork(net, x, y, softmaxCrossEntropy);
    expect(r.maxRelError, r.where).toBeLessThan(TOLERANCE);
    expect(r.checked + r.skippedAtKinks).toBe(20 * 10 + 10 + 10 * 10 + 10);
    expect(r.skippedAtKinks).toBeLessThan(10);
  });

  it("gradcheckLayer on a ReLU right at its kinks: no false failure", () => {
    const x = randn(4, 6);
    x.data[0] = 3e-4; x.data[5] = -2e-4; x.data[11] = 1e-3;
    const r = gradcheckLayer(new ReLU(), x);
    expect(r.maxRelError, r.where).toBeLessThan(TOLERANCE);
    expect(r.checked + r.skippedAtKinks).toBe(24);
  });
});
