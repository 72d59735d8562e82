// The one check module (lib/train/optimizer-checks.ts), seen through every rule: the same bad input is refused
// with the same words by each, and L1 decay is the same sign-subgradient term in each.
import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import type { Param } from "../lib/nn/layers";
import { adam, gd, momentum, nesterov } from "../lib/train/optimizers";
import { adagrad, rmsprop } from "../lib/train/adaptive";
import type { Optimizer } from "../lib/train/optimizer-types";

type Make = (options: Record<string, unknown>) => Optimizer;
const rules: [string, Make][] = [
  ["gd", (o) => gd(o as never)],
  ["momentum", (o) => momentum(o as never)],
  ["nesterov", (o) => nesterov(o as never)],
  ["adagrad", (o) => adagrad(o as never)],
  ["rmsprop", (o) => rmsprop(o as never)],
  ["adam", (o) => adam(o as never)],
];

function param(w: number[], g: number[], role: Param["role"] = "weight"): Param {
  return { name: "W", value: Matrix.fromRows([w], "float64"), grad: Matrix.fromRows([g], "float64"), role };
}

/** The message `f` throws, without the rule's name in front. */
function refusal(f: () => unknown, name: string): string {
  try {
    f();
  } catch (e) {
    const m = (e as Error).message;
    expect(m.startsWith(`${name}: `)).toBe(true); // it says which rule refused
    return m.slice(name.length + 2);
  }
  throw new Error(`${name} accepted what it should refuse`);
}

describe("every rule refuses the same bad input with the same message", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["a learning rate of 0", { lr: 0 }, "the learning rate must be a positive finite number, found 0"],
    ["a missing learning rate", {}, "the learning rate must be a positive finite number, found nothing (undefined)"],
    ["a learning rate as text", { lr: "0.1" }, 'the learning rate must be a positive finite number, found "0.1"'],
    ["a negative weightDecay", { lr: 0.1, weightDecay: -1 }, "weightDecay must be a finite number ≥ 0, found -1"],
    ["a NaN l1", { lr: 0.1, l1: NaN }, "l1 must be a finite number ≥ 0, found NaN"],
    ["an infinite l1", { lr: 0.1, l1: Infinity }, "l1 must be a finite number ≥ 0, found Infinity"],
    ["decayBiases that is not a boolean", { lr: 0.1, decayBiases: "yes" }, 'decayBiases must be true or false, found "yes"'],
  ];
  for (const [what, options, message] of cases) {
    it(what, () => {
      for (const [name, make] of rules) expect(refusal(() => make(options), name)).toBe(message);
    });
  }
  it("options that are not an object", () => {
    for (const [name, make] of rules) expect(refusal(() => make(null as never), name)).toBe("expected options { lr, … }, found null");
  });
  it("ε of 0 for the rules that have one (adagrad, rmsprop, adam)", () => {
    for (const [name, make] of rules.filter(([n]) => ["adagrad", "rmsprop", "adam"].includes(n))) {
      expect(refusal(() => make({ lr: 0.1, eps: 0 }), name)).toBe("eps must be a positive finite number, found 0");
    }
  });
  it("a step's learning rate that is NaN or negative, and a gradient of the wrong shape", () => {
    for (const [name, make] of rules) {
      const opt = make({ lr: 0.1 });
      expect(refusal(() => opt.step([param([1], [1])], NaN), name)).toBe("the learning rate of this step must be a finite number ≥ 0, found NaN");
      expect(refusal(() => opt.step([param([1], [1])], -1), name)).toBe("the learning rate of this step must be a finite number ≥ 0, found -1");
      const bad: Param = { name: "0.W", value: Matrix.zeros(2, 3), grad: Matrix.zeros(3, 2), role: "weight" };
      expect(refusal(() => opt.step([bad]), name)).toBe('parameter "0.W" is 2×3 but its gradient is 3×2');
    }
  });
});

describe("L1 decay: every rule accepts it and sees g = dW + λ₁·sign(W)", () => {
  // W = (2, −3, 0), dW = (0.1, 0.1, 0.1), λ₁ = 0.2, α = 0.5: g = (0.1 + 0.2, 0.1 − 0.2, 0.1 + 0) = (0.3, −0.1, 0.1)
  // (sign 0 = 0: the subgradient 0). The first step of each rule from that g, by hand:
  const r = Math.sqrt(0.1); // rmsprop: s = (1 − ρ)·g² = 0.1·g², so g/√s = sign(g)/√0.1
  const expected: Record<string, number[]> = {
    gd: [2 - 0.5 * 0.3, -3 + 0.5 * 0.1, 0 - 0.5 * 0.1], //                     W − α·g = (1.85, −2.95, −0.05)
    momentum: [1.85, -2.95, -0.05], //                                         v = g: the same as gd
    nesterov: [2 - 0.5 * 1.9 * 0.3, -3 + 0.5 * 1.9 * 0.1, -0.5 * 1.9 * 0.1], // W − α·(g + β·v) = W − α·1.9·g
    adagrad: [1.5, -2.5, -0.5], //                                             s = g²: W − α·sign(g)
    rmsprop: [2 - 0.5 / r, -3 + 0.5 / r, -0.5 / r], //                          W − α·sign(g)/√0.1
    adam: [1.5, -2.5, -0.5], //                                                m̂ = g, ŝ = g²: W − α·sign(g)
  };
  for (const [name, make] of rules) {
    it(`${name}: the first step by hand; a bias is not decayed`, () => {
      const w = param([2, -3, 0], [0.1, 0.1, 0.1]), b = param([2, -3, 0], [0.1, 0.1, 0.1], "bias");
      const plain = param([2, -3, 0], [0.1, 0.1, 0.1], "bias");
      make({ lr: 0.5, l1: 0.2, eps: 1e-12 }).step([w, b]);
      make({ lr: 0.5, eps: 1e-12 }).step([plain]);
      Array.from(w.value.data).forEach((v, i) => expect(v).toBeCloseTo(expected[name][i], 10));
      expect(Array.from(b.value.data)).toEqual(Array.from(plain.value.data)); // the bias moved as without decay
    });
  }
  it("decayBiases: true decays a bias like a weight, in every rule", () => {
    for (const [, make] of rules) {
      const w = param([2, -3, 0], [0.1, 0.1, 0.1]), b = param([2, -3, 0], [0.1, 0.1, 0.1], "bias");
      make({ lr: 0.5, l1: 0.2, weightDecay: 0.01, decayBiases: true, eps: 1e-12 }).step([w, b]);
      expect(Array.from(b.value.data)).toEqual(Array.from(w.value.data));
    }
  });
  it("gd with decay in float32 (through the kernels) agrees with the float64 formula to float32 precision", () => {
    const w32: Param = { name: "W", value: Matrix.fromRows([[0.7, -1.3, 0, 2.5]]), grad: Matrix.fromRows([[0.2, -0.4, 0.3, 0.1]]), role: "weight" };
    gd({ lr: 0.1, weightDecay: 0.05, l1: 0.01 }).step([w32]);
    const want = [0.7, -1.3, 0, 2.5].map((v, i) => v - 0.1 * ([0.2, -0.4, 0.3, 0.1][i] + 0.05 * v + 0.01 * Math.sign(v)));
    Array.from(w32.value.data).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });
});
