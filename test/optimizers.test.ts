import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import type { Param } from "../lib/nn/layers";
import {
  adam, constantLr, cosineLr, gd, makeOptimizer, makeSchedule, momentum, nesterov, stepDecay,
} from "../lib/train/optimizers";

/** A 1×k float64 parameter holding `w`, with gradient `g`. */
function param(name: string, w: number[], g: number[], role: Param["role"] = "weight"): Param {
  return { name, value: Matrix.fromRows([w], "float64"), grad: Matrix.fromRows([g], "float64"), role };
}
const values = (p: Param) => Array.from(p.value.data);
const setGrad = (p: Param, g: number[]) => p.grad.data.set(g);

describe("gradient descent", () => {
  it("W ← W − α·dW on a hand-worked 1×2 case", () => {
    const p = param("W", [1, -2], [0.5, 0.25]);
    gd({ lr: 0.1 }).step([p]);
    // 1 − 0.1·0.5 = 0.95;  −2 − 0.1·0.25 = −2.025
    expect(values(p)[0]).toBeCloseTo(0.95, 15);
    expect(values(p)[1]).toBeCloseTo(-2.025, 15);
  });

  it("the lr passed to step overrides the base rate for that step", () => {
    const p = param("W", [1], [1]);
    gd({ lr: 0.1 }).step([p], 0.5); // 1 − 0.5·1
    expect(values(p)[0]).toBeCloseTo(0.5, 15);
  });

  it("L2 weight decay adds λ·W to the gradient of weights, not of biases (read from the role, not the name)", () => {
    const w = param("0.W", [1, -2], [0.5, 0.25], "weight");
    const b = param("0.W_but_a_bias", [1], [0.5], "bias");
    gd({ lr: 0.1, weightDecay: 0.1 }).step([w, b]);
    // g = dW + λW = [0.5 + 0.1, 0.25 − 0.2] = [0.6, 0.05]  →  W = [1 − 0.06, −2 − 0.005]
    expect(values(w)[0]).toBeCloseTo(0.94, 15);
    expect(values(w)[1]).toBeCloseTo(-2.005, 15);
    expect(values(b)[0]).toBeCloseTo(0.95, 15); // bias: plain step 1 − 0.1·0.5
  });

  it("decayBiases: true decays biases too", () => {
    const b = param("bias", [1], [0.5], "bias");
    gd({ lr: 0.1, weightDecay: 0.1, decayBiases: true }).step([b]);
    expect(values(b)[0]).toBeCloseTo(1 - 0.1 * (0.5 + 0.1), 15);
  });
});

describe("momentum", () => {
  it("heavy ball: two steps with dW = 1, β = 0.9, α = 0.1", () => {
    const p = param("W", [1], [1]);
    const opt = momentum({ lr: 0.1, beta: 0.9 });
    opt.step([p]); // v = 1,               W = 1 − 0.1·1 = 0.9
    expect(values(p)[0]).toBeCloseTo(0.9, 15);
    opt.step([p]); // v = 0.9·1 + 1 = 1.9,  W = 0.9 − 0.19 = 0.71
    expect(values(p)[0]).toBeCloseTo(0.71, 15);
  });

  it("Nesterov: two steps with dW = 1, β = 0.9, α = 0.1", () => {
    const p = param("W", [1], [1]);
    const opt = nesterov({ lr: 0.1, beta: 0.9 });
    opt.step([p]); // v = 1,    W = 1 − 0.1·(1 + 0.9·1) = 0.81
    expect(values(p)[0]).toBeCloseTo(0.81, 15);
    opt.step([p]); // v = 1.9,  W = 0.81 − 0.1·(1 + 0.9·1.9) = 0.81 − 0.271 = 0.539
    expect(values(p)[0]).toBeCloseTo(0.539, 15);
  });

  it("the velocity belongs to the parameter's storage, so fresh Param objects keep it", () => {
    const value = Matrix.fromRows([[1]], "float64"), grad = Matrix.fromRows([[1]], "float64");
    const opt = momentum({ lr: 0.1, beta: 0.9 });
    opt.step([{ name: "W", value, grad, role: "weight" }]);
    opt.step([{ name: "W", value, grad, role: "weight" }]); // a new object around the same matrices
    expect(value.data[0]).toBeCloseTo(0.71, 15);
  });

  it("reset() forgets the velocity: the next step is a first step again", () => {
    const p = param("W", [1], [1]);
    const opt = momentum({ lr: 0.1, beta: 0.9 });
    opt.step([p]);
    opt.reset!();
    opt.step([p]); // v = 1 again: W = 0.9 − 0.1
    expect(values(p)[0]).toBeCloseTo(0.8, 15);
  });

  it("β = 0 is plain gradient descent", () => {
    const a = param("W", [1, 2], [0.3, -0.7]), b = param("W", [1, 2], [0.3, -0.7]);
    const m = momentum({ lr: 0.2, beta: 0 }), g = gd({ lr: 0.2 });
    for (let i = 0; i < 3; i++) { m.step([a]); g.step([b]); }
    expect(values(a)).toEqual(values(b));
  });
});

describe("Adam", () => {
  it("two bias-corrected steps on a 1×2 parameter, worked by hand", () => {
    const p = param("W", [1, -1], [0.5, -2]);
    const opt = adam({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    // step 1: m = 0.1·g = [0.05, −0.2], s = 0.001·g² = [0.00025, 0.004]
    //         m̂ = m/0.1 = [0.5, −2], ŝ = s/0.001 = [0.25, 4]  →  Δ = 0.01·m̂/√ŝ = [0.01, −0.01]
    opt.step([p]);
    expect(values(p)[0]).toBeCloseTo(0.99, 8);
    expect(values(p)[1]).toBeCloseTo(-0.99, 8);
    // step 2, g = [0.1, 1]: m = [0.9·0.05 + 0.01, 0.9·(−0.2) + 0.1] = [0.055, −0.08]
    //         s = [0.999·0.00025 + 0.001·0.01, 0.999·0.004 + 0.001·1] = [0.00025975, 0.004996]
    //         m̂ = m/(1 − 0.9²) = m/0.19,  ŝ = s/(1 − 0.999²) = s/0.001999
    setGrad(p, [0.1, 1]);
    opt.step([p]);
    const w0 = 0.99 - (0.01 * (0.055 / 0.19)) / Math.sqrt(0.00025975 / 0.001999); // 0.98196959…
    const w1 = -0.99 - (0.01 * (-0.08 / 0.19)) / Math.sqrt(0.004996 / 0.001999); // −0.98733663…
    expect(values(p)[0]).toBeCloseTo(w0, 7);
    expect(values(p)[1]).toBeCloseTo(w1, 7);
    expect(values(p)[0]).toBeCloseTo(0.9819695906, 9);
    expect(values(p)[1]).toBeCloseTo(-0.9873366297, 9);
  });

  it("the first step moves every weight by about α whatever the gradient's scale", () => {
    const p = param("W", [0, 0, 0], [1e-4, 3, -250]);
    adam({ lr: 0.001 }).step([p]);
    expect(values(p)[0]).toBeCloseTo(-0.001, 6);
    expect(values(p)[1]).toBeCloseTo(-0.001, 6);
    expect(values(p)[2]).toBeCloseTo(0.001, 6);
  });

  it("state buffers match the parameter's dtype (float32 parameters stay float32)", () => {
    const p: Param = { name: "W", value: Matrix.fromRows([[1, 2]]), grad: Matrix.fromRows([[0.5, 0.5]]), role: "weight" };
    adam({ lr: 0.1 }).step([p]);
    expect(p.value.data).toBeInstanceOf(Float32Array);
    expect(p.value.data[0]).toBeCloseTo(0.9, 6);
  });
});

describe("checks", () => {
  const bad: unknown[] = [0, -0.1, NaN, Infinity, undefined, "0.1"];
  for (const lr of bad) {
    for (const make of [gd, momentum, adam] as const) {
      it(`${make.name} refuses the learning rate ${String(lr)}`, () => {
        expect(() => make({ lr: lr as number })).toThrow(/learning rate must be a positive finite number, found/);
      });
    }
  }
  it("refuses a momentum β outside [0, 1) and a negative weight decay, naming them", () => {
    expect(() => momentum({ lr: 0.1, beta: 1 })).toThrow(/beta \(momentum\) must be a number in \[0, 1\), found 1/);
    expect(() => adam({ lr: 0.1, beta2: -0.5 })).toThrow(/beta2 must be a number in \[0, 1\), found -0.5/);
    expect(() => gd({ lr: 0.1, weightDecay: -1 })).toThrow(/weightDecay must be a finite number ≥ 0, found -1/);
    expect(() => adam({ lr: 0.1, eps: 0 })).toThrow(/eps must be a positive finite number/);
  });
  it("refuses a gradient whose shape differs from its parameter's, naming the parameter", () => {
    const p: Param = { name: "dense2.W", value: Matrix.zeros(2, 3), grad: Matrix.zeros(3, 2), role: "weight" };
    expect(() => gd({ lr: 0.1 }).step([p])).toThrow('gd: parameter "dense2.W" is 2×3 but its gradient is 3×2');
  });
  it("refuses a NaN learning rate passed to step", () => {
    expect(() => gd({ lr: 0.1 }).step([param("W", [1], [1])], NaN)).toThrow(/learning rate of this step/);
  });
  it("makeOptimizer builds each rule by name and refuses an unknown one", () => {
    expect(makeOptimizer("gd", { lr: 1 }).name).toBe("gd");
    expect(makeOptimizer("momentum", { lr: 1 }).name).toBe("momentum");
    expect(makeOptimizer("nesterov", { lr: 1 }).name).toBe("nesterov");
    expect(makeOptimizer("adam", { lr: 1, beta: 0.8 }).name).toBe("adam");
    expect(makeOptimizer("adagrad", { lr: 1 }).name).toBe("adagrad");
    expect(makeOptimizer("rmsprop", { lr: 1, beta: 0.5 }).name).toBe("rmsprop");
    expect(() => makeOptimizer("adadelta", { lr: 1 })).toThrow(/unknown optimizer "adadelta"; expected one of gd, momentum, nesterov, adagrad, rmsprop, adam/);
  });
  it("a parameter whose role is weight is decayed, whatever its name; a scale (BatchNorm's γ) is not", () => {
    const plain = param("anything", [1], [0], "weight"), gamma = param("gamma", [1], [0], "scale");
    gd({ lr: 0.1, weightDecay: 0.5 }).step([plain, gamma]);
    expect(values(plain)[0]).toBeCloseTo(1 - 0.1 * 0.5, 15);
    expect(values(gamma)[0]).toBe(1);
  });
});

describe("learning-rate schedules", () => {
  it("constant: α₀ every epoch", () => {
    const s = constantLr();
    expect([0, 1, 99].map((e) => s(e, 0.3))).toEqual([0.3, 0.3, 0.3]);
  });
  it("step decay: α₀·factor^⌊e/every⌋", () => {
    const s = stepDecay(2, 0.5);
    expect([0, 1, 2, 3, 4].map((e) => s(e, 1))).toEqual([1, 1, 0.5, 0.5, 0.25]);
  });
  it("cosine: α₀ at 0, halfway at T/2, α_min at T", () => {
    const s = cosineLr(4, 0.01);
    expect(s(0, 0.1)).toBeCloseTo(0.1, 15);
    expect(s(2, 0.1)).toBeCloseTo((0.1 + 0.01) / 2, 15);
    expect(s(4, 0.1)).toBeCloseTo(0.01, 15);
    expect(s(1, 0.1)).toBeGreaterThan(s(3, 0.1));
  });
  it("refuses nonsense arguments", () => {
    expect(() => stepDecay(0, 0.5)).toThrow(/every must be a positive integer/);
    expect(() => stepDecay(2, 1.5)).toThrow(/factor must be in \(0, 1\]/);
    expect(() => cosineLr(0)).toThrow(/totalEpochs must be a positive integer/);
    expect(() => makeSchedule("linear", 10)).toThrow(/unknown schedule "linear"/);
  });
});
