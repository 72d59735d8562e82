// What every update rule checks and shares, in one place: gd, momentum, nesterov, adam (./optimizers.ts), adagrad
// and rmsprop (./adaptive.ts) and train() (./train-checks.ts) all refuse a bad number with the same words.
//
// Weight decay, the same for every rule: L2 (`weightDecay` = λ) adds λ/2·‖W‖² to the loss and L1 (`l1` = λ₁) adds
// λ₁·‖W‖₁ = λ₁·Σ|W|, so the gradient a rule sees is   g = dW + λ·W + λ₁·sign(W)   (sign(0) = 0, the subgradient
// 0). By convention only weights (role "weight") are decayed; biases and scales are left alone unless `decayBiases`.
// Each rule writes that line in its own loop: a function call there made Adam's step about three times slower.
import type { Param } from "../nn/layers";
import type { DecayOptions, Optimizer } from "./optimizer-types";

/** How a value is shown in an error message. */
export function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "nothing (undefined)";
  return String(v);
}

/** Throws unless `lr` is a positive finite number; `whose` is added to the message (train() names the optimizer). */
export function checkLearningRate(lr: unknown, where: string, whose = ""): number {
  if (typeof lr !== "number" || !Number.isFinite(lr) || lr <= 0) {
    throw new Error(`${where}: the learning rate must be a positive finite number, found ${describe(lr)}${whose}`);
  }
  return lr;
}

/** Throws unless `value` is a finite number in [lo, hi) (hiOpen) or [lo, hi]. */
export function checkRange(value: unknown, name: string, lo: number, hi: number, hiOpen: boolean, where: string): number {
  const ok = typeof value === "number" && Number.isFinite(value) && value >= lo && (hiOpen ? value < hi : value <= hi);
  if (!ok) throw new Error(`${where}: ${name} must be a number in [${lo}, ${hi}${hiOpen ? ")" : "]"}, found ${describe(value)}`);
  return value as number;
}

/** ε of a denominator √s + ε: a positive finite number, default 1e-8. */
export function checkEps(eps: unknown, where: string): number {
  const e = eps ?? 1e-8;
  if (typeof e !== "number" || !Number.isFinite(e) || e <= 0) throw new Error(`${where}: eps must be a positive finite number, found ${describe(e)}`);
  return e;
}

/** λ (L2), λ₁ (L1) and whether biases are decayed, checked. */
export interface Decay {
  l2: number;
  l1: number;
  biases: boolean;
}
const NONE: Decay = { l2: 0, l1: 0, biases: false };

/** The learning rate and the decay every rule takes, checked; `where` names the rule in the messages. */
export function checkCommon(options: { lr: number } & DecayOptions, where: string): { lr: number; decay: Decay } {
  if (options === null || typeof options !== "object") throw new Error(`${where}: expected options { lr, … }, found ${describe(options)}`);
  const lr = checkLearningRate(options.lr, where);
  const [l2, l1] = (["weightDecay", "l1"] as const).map((name) => {
    const v: unknown = options[name];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
      throw new Error(`${where}: ${name} must be a finite number ≥ 0, found ${describe(v)}`);
    }
    return (v as number | undefined) ?? 0;
  });
  const biases = options.decayBiases ?? false;
  if (typeof biases !== "boolean") throw new Error(`${where}: decayBiases must be true or false, found ${describe(biases)}`);
  return { lr, decay: { l2, l1, biases } };
}

/** The decay of this parameter: all of it for a weight (or for any parameter with decayBiases), none otherwise. */
export function decayFor(p: Param, decay: Decay): Decay {
  return decay.biases || p.role === "weight" ? decay : NONE;
}

/** The learning rate of this step: the override if given (finite, ≥ 0), else the base. */
export function stepLr(base: number, lr: number | undefined, where: string): number {
  if (lr === undefined) return base;
  if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0) {
    throw new Error(`${where}: the learning rate of this step must be a finite number ≥ 0, found ${describe(lr)}`);
  }
  return lr;
}

/** Throws unless the parameter and its gradient have the same shape. */
export function checkShapes(p: Param, where: string): void {
  if (p.value.rows !== p.grad.rows || p.value.cols !== p.grad.cols) {
    throw new Error(`${where}: parameter "${p.name}" is ${p.value.rows}×${p.value.cols} but its gradient is ${p.grad.rows}×${p.grad.cols}`);
  }
}

/**
 * The optimizer every rule is: each step takes this step's learning rate α (stepLr), then, parameter by parameter,
 * checks the gradient's shape and calls `update(p, α)`, the rule itself. `reset` forgets the rule's state.
 */
export function perParameter(name: string, lr0: number, update: (p: Param, a: number) => void, reset: () => void): Optimizer {
  return {
    name,
    lr: lr0,
    step(params: Param[], lr?: number): void {
      const a = stepLr(lr0, lr, name);
      for (let k = 0; k < params.length; k++) {
        checkShapes(params[k], name);
        update(params[k], a);
      }
    },
    reset,
  };
}
