import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import type { Param } from "../lib/nn/layers";
import { adagrad, rmsprop } from "../lib/train/adaptive";

function param(w: number[], g: number[], role: Param["role"] = "weight"): Param {
  return { name: "W", value: Matrix.fromRows([w], "float64"), grad: Matrix.fromRows([g], "float64"), role };
}

describe("AdaGrad", () => {
  it("s ← s + g², W ← W − α·g/(√s + ε), worked by hand over two steps", () => {
    const p = param([1, -1], [2, -0.5]);
    const opt = adagrad({ lr: 0.1, eps: 1e-15 });
    opt.step([p]);
    // s = (4, 0.25); W = (1 − 0.1·2/2, −1 + 0.1·0.5/0.5) = (0.9, −0.9): every weight moves by α at first
    expect(Array.from(p.value.data)).toEqual([0.9, -0.9].map((v) => expect.closeTo(v, 14)));
    p.grad.data.set([2, 1]);
    opt.step([p]);
    // s = (8, 1.25); W = (0.9 − 0.2/√8, −0.9 − 0.1/√1.25)
    expect(p.value.data[0]).toBeCloseTo(0.9 - 0.2 / Math.sqrt(8), 14);
    expect(p.value.data[1]).toBeCloseTo(-0.9 - 0.1 / Math.sqrt(1.25), 14);
  });

  it("its steps shrink like 1/√t for a constant gradient, unlike RMSProp's", () => {
    const a = param([0], [1]), r = param([0], [1]);
    const ada = adagrad({ lr: 1 }), rms = rmsprop({ lr: 1, rho: 0.9 });
    const stepsA: number[] = [], stepsR: number[] = [];
    for (let t = 1; t <= 100; t++) {
      const wa = a.value.data[0], wr = r.value.data[0];
      ada.step([a]);
      rms.step([r]);
      stepsA.push(wa - a.value.data[0]);
      stepsR.push(wr - r.value.data[0]);
    }
    expect(stepsA[99]).toBeCloseTo(1 / Math.sqrt(100), 6);            // g/√(t·g²)
    expect(stepsR[99]).toBeCloseTo(1 / Math.sqrt(1 - 0.9 ** 100), 6);  // s → g²: steps stay near α
  });
});

describe("RMSProp", () => {
  it("s ← ρ·s + (1 − ρ)·g², worked by hand", () => {
    const p = param([0.5], [0.2]);
    rmsprop({ lr: 0.01, rho: 0.9, eps: 1e-8 }).step([p]);
    const s = 0.1 * 0.04;
    expect(p.value.data[0]).toBeCloseTo(0.5 - (0.01 * 0.2) / (Math.sqrt(s) + 1e-8), 14);
  });

  it("decays weights, not biases, and rejects bad settings with a clear message", () => {
    const w = param([1], [0], "weight"), b = param([1], [0], "bias");
    rmsprop({ lr: 0.1, weightDecay: 0.5 }).step([w, b]);
    expect(w.value.data[0]).toBeLessThan(1);
    expect(b.value.data[0]).toBe(1);
    expect(() => rmsprop({ lr: 0.1, rho: 1 })).toThrow("rho must be a number in [0, 1)");
    expect(() => adagrad({ lr: -1 })).toThrow("learning rate");
  });
});
