// Gradient clipping by the global norm (lib/train/clipping.ts): g ← g·min(1, maxNorm/‖g‖), ‖g‖ over all parameters.
import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { type Param } from "../lib/nn/layers";
import { gd, adam } from "../lib/train/optimizers";
import { clipGradNorm, globalGradNorm, withGradientClipping } from "../lib/train/clipping";
import { train } from "../lib/train/train";
import { mnistRecurrent } from "../lib/nn/recurrent-net";
import { loadMnist } from "../lib/data/mnist";

function params(grads: number[][]): Param[] {
  return grads.map((g, k) => ({ name: `p${k}`, value: Matrix.fromRows([g.map(() => 1)], "float64"), grad: Matrix.fromRows([g], "float64"), role: "weight" as const }));
}

describe("gradient clipping by global norm", () => {
  it("the global norm is over every parameter together: ‖(3, 4 | 12)‖ = 13", () => {
    expect(globalGradNorm(params([[3, 4], [12]]))).toBe(13);
  });

  it("a gradient longer than maxNorm is shortened to exactly maxNorm, keeping its direction", () => {
    const ps = params([[3, 4], [12]]);
    expect(clipGradNorm(ps, 6.5)).toBe(13); //      returns the norm before clipping
    expect(ps.map((p) => Array.from(p.grad.data))).toEqual([[1.5, 2], [6]]); // each halved
    expect(globalGradNorm(ps)).toBeCloseTo(6.5, 14);
  });

  it("a gradient within maxNorm is left exactly as it was", () => {
    const ps = params([[3, 4], [12]]);
    clipGradNorm(ps, 13);
    expect(ps.map((p) => Array.from(p.grad.data))).toEqual([[3, 4], [12]]);
  });

  it("withGradientClipping clips before the inner step, counts clipped steps and passes the learning rate through", () => {
    const ps = params([[30, 40]]);
    const opt = withGradientClipping(gd({ lr: 0.1 }), 5);
    expect(opt.lr).toBe(0.1);
    opt.step(ps);
    expect(Array.from(ps[0].value.data)).toEqual([1 - 0.1 * 3, 1 - 0.1 * 4].map((v) => expect.closeTo(v, 14))); // W − α·g·5/50
    expect([opt.lastNorm, opt.clippedSteps]).toEqual([50, 1]);
    ps[0].grad.data.set([0.3, 0.4]);
    opt.step(ps, 1); //                                                   the step's own rate, unclipped gradient
    expect(Array.from(ps[0].value.data)).toEqual([0.7 - 0.3, 0.6 - 0.4].map((v) => expect.closeTo(v, 14)));
    expect(opt.clippedSteps).toBe(1);
    opt.lr = 0.5;
    expect(opt.inner.lr).toBe(0.5);
  });

  it("refuses a maxNorm that is not a positive number", () => {
    expect(() => withGradientClipping(gd({ lr: 0.1 }), 0)).toThrow("withGradientClipping: maxNorm must be a positive finite number, got 0");
    expect(() => clipGradNorm([], Number.NaN)).toThrow("clipGradNorm: maxNorm must be a positive finite number, got NaN");
  });

  it("train() takes a clipped optimizer: an LSTM learns on the MNIST sample with every step's gradient clipped", () => {
    const data = loadMnist("train", { dir: "data/mnist-sample", limit: 600 });
    const net = mnistRecurrent({ hidden: 24, seed: 1 });
    const opt = withGradientClipping(adam({ lr: 0.01 }), 0.1); // a small bound: nearly every step is clipped
    const h = train(net, { train: data, epochs: 3, batchSize: 32, optimizer: opt, seed: 1, evaluateTrain: false });
    expect(opt.clippedSteps).toBeGreaterThan(0.9 * 3 * Math.ceil(600 / 32));
    expect(h.epochs[2].trainLoss).toBeLessThan(h.epochs[0].trainLoss);
  }, 60_000);
});
