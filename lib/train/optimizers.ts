// Update rules: how a gradient becomes a change of the weights.
//
//   gradient descent   W ← W − α·dW
//   momentum           v ← β·v + dW,            W ← W − α·v
//   Nesterov           v ← β·v + dW,            W ← W − α·(dW + β·v)
//   Adam               m ← β₁·m + (1−β₁)·dW,    s ← β₂·s + (1−β₂)·dW²
//                      m̂ = m/(1−β₁ᵗ),  ŝ = s/(1−β₂ᵗ),  W ← W − α·m̂/(√ŝ + ε)
//
// Each optimizer updates a list of `Param`s ({ name, value, grad }) in place. Its state (velocities,
// moments) is one buffer per parameter, created on the first step that sees that parameter and reused
// afterwards: a step allocates nothing.
//
// L2 weight decay (`weightDecay` = λ) adds λ/2·‖W‖² to the loss, so the gradient the rule sees is
// g = dW + λ·W. By convention it applies to weights, not to biases: only parameters whose role is "weight"
// are decayed (a Param without a role is a weight), unless `decayBiases` is true. L1 decay (`l1` = λ₁) adds
// λ₁·‖W‖₁ = λ₁·Σ|W| instead (or as well): its gradient is λ₁·sign(W), g = dW + λ·W + λ₁·sign(W).
import type { Param } from "../nn/layers";
import { addScaled } from "../core/ops";
import { longLived, type FloatArray } from "../core/matrix";
import type { Optimizer, DecayOptions } from "./optimizer-types";
import { adagrad, rmsprop } from "./adaptive";
import { adamw } from "./adamw";
import { warmupCosine, defaultWarmup } from "./schedules";

export type { Optimizer, DecayOptions } from "./optimizer-types";

// ---------------------------------------------------------------------------------------------
// Checks, shared by the constructors: a person gets told which number is wrong and why.

/** Throws unless `lr` is a positive finite number. */
export function checkLearningRate(lr: unknown, where: string): number {
  if (typeof lr !== "number" || !Number.isFinite(lr) || lr <= 0) {
    throw new Error(`${where}: the learning rate must be a positive finite number, found ${describe(lr)}`);
  }
  return lr;
}

function checkRange(value: unknown, name: string, lo: number, hi: number, hiOpen: boolean, where: string): number {
  const ok = typeof value === "number" && Number.isFinite(value) && value >= lo && (hiOpen ? value < hi : value <= hi);
  if (!ok) {
    const range = `[${lo}, ${hi}${hiOpen ? ")" : "]"}`;
    throw new Error(`${where}: ${name} must be a number in ${range}, found ${describe(value)}`);
  }
  return value as number;
}

/** λ (L2) and λ₁ (L1), checked. */
interface Decay { l2: number; l1: number }
const NO_DECAY: Decay = { l2: 0, l1: 0 };

function checkDecay(options: DecayOptions, where: string): Decay {
  const [l2, l1] = [["weightDecay", options.weightDecay], ["l1", options.l1]].map(([name, v]) => {
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
      throw new Error(`${where}: ${name} must be a finite number ≥ 0, found ${describe(v)}`);
    }
    return (v as number | undefined) ?? 0;
  });
  return { l2, l1 };
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "nothing (undefined)";
  return String(v);
}

/** The decay of this parameter: λ and λ₁ if it is a weight (role "weight", the default), else none unless decayBiases. */
function decayFor(p: Param, wd: Decay, decayBiases: boolean): Decay {
  return decayBiases || (p.role ?? "weight") === "weight" ? wd : NO_DECAY;
}

/** The learning rate of this step: the override if given (≥ 0, finite), else the base. */
function stepLr(base: number, lr: number | undefined, where: string): number {
  if (lr === undefined) return base;
  if (!Number.isFinite(lr) || lr < 0) {
    throw new Error(`${where}: the learning rate of this step must be a finite number ≥ 0, found ${describe(lr)}`);
  }
  return lr;
}

function checkShapes(p: Param, where: string): void {
  if (p.value.rows !== p.grad.rows || p.value.cols !== p.grad.cols) {
    throw new Error(
      `${where}: parameter "${p.name}" is ${p.value.rows}×${p.value.cols} but its gradient is ${p.grad.rows}×${p.grad.cols}`,
    );
  }
}

/** A kept zero buffer of the parameter's shape and precision (for its velocity or moments). */
function zerosLike(p: Param): FloatArray {
  return longLived(p.value.rows, p.value.cols, p.value.dtype).data;
}

/**
 * Per-parameter state, keyed by the parameter's storage (value.data), so a network that returns fresh
 * Param objects from params() still finds its buffers. Created on first sight, then reused.
 */
class StateStore<S> {
  private map = new WeakMap<FloatArray, S>();
  constructor(private make: (p: Param) => S) {}
  get(p: Param): S {
    let s = this.map.get(p.value.data);
    if (s === undefined) {
      s = this.make(p);
      this.map.set(p.value.data, s);
    }
    return s;
  }
  clear(): void {
    this.map = new WeakMap();
  }
}

// ---------------------------------------------------------------------------------------------
// The rules.

/** Plain gradient descent: W ← W − α·(dW + λ·W + λ₁·sign(W)). */
export function gd(options: { lr: number } & DecayOptions): Optimizer {
  const where = "gd";
  const lr0 = checkLearningRate(options?.lr, where);
  const wd = checkDecay(options, where);
  const decayBiases = options.decayBiases ?? false;
  return {
    name: "gd",
    lr: lr0,
    step(params: Param[], lr?: number): void {
      const a = stepLr(lr0, lr, where);
      for (let k = 0; k < params.length; k++) {
        const p = params[k];
        checkShapes(p, where);
        const w = p.value.data, dw = p.grad.data, { l2, l1 } = decayFor(p, wd, decayBiases);
        if (l2 === 0 && l1 === 0) addScaled(p.value, p.grad, -a, p.value); // W ← W − α·dW
        else for (let i = 0; i < w.length; i++) w[i] -= a * (dw[i] + l2 * w[i] + l1 * Math.sign(w[i])); // W ← W − α·(dW + λW + λ₁·sign W)
      }
    },
    reset(): void {},
  };
}

/**
 * Momentum (heavy ball): v ← β·v + g,  W ← W − α·v.   With `nesterov: true` the update looks ahead:
 * W ← W − α·(g + β·v) (the form PyTorch uses, equivalent to evaluating the gradient at W − αβv).
 * β defaults to 0.9; v starts at 0.
 */
export function momentum(
  options: { lr: number; beta?: number; nesterov?: boolean } & DecayOptions,
): Optimizer {
  const nesterov = options?.nesterov ?? false;
  const where = nesterov ? "nesterov" : "momentum";
  const lr0 = checkLearningRate(options?.lr, where);
  const beta = checkRange(options.beta ?? 0.9, "beta (momentum)", 0, 1, true, where);
  const wd = checkDecay(options, where);
  const decayBiases = options.decayBiases ?? false;
  const velocity = new StateStore<FloatArray>((p) => zerosLike(p));
  return {
    name: where,
    lr: lr0,
    step(params: Param[], lr?: number): void {
      const a = stepLr(lr0, lr, where);
      for (let k = 0; k < params.length; k++) {
        const p = params[k];
        checkShapes(p, where);
        const w = p.value.data, dw = p.grad.data, v = velocity.get(p), { l2, l1 } = decayFor(p, wd, decayBiases);
        for (let i = 0; i < w.length; i++) {
          const g = dw[i] + l2 * w[i] + l1 * Math.sign(w[i]);
          v[i] = beta * v[i] + g;                              // v ← β·v + g
          w[i] -= nesterov ? a * (g + beta * v[i]) : a * v[i]; // W ← W − α·(g + β·v)  |  W ← W − α·v
        }
      }
    },
    reset(): void {
      velocity.clear();
    },
  };
}

/** Nesterov momentum: momentum({ ...options, nesterov: true }). */
export function nesterov(options: { lr: number; beta?: number } & DecayOptions): Optimizer {
  return momentum({ ...options, nesterov: true });
}

/**
 * Adam (Kingma & Ba), bias-corrected:
 *   m ← β₁·m + (1−β₁)·g,  s ← β₂·s + (1−β₂)·g²,  m̂ = m/(1−β₁ᵗ),  ŝ = s/(1−β₂ᵗ),  W ← W − α·m̂/(√ŝ + ε)
 * Defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8; t counts this parameter's updates (1 on the first).
 * Weight decay here is the classic L2 (g = dW + λW, and L1 likewise), not AdamW's decoupled decay.
 */
export function adam(
  options: { lr: number; beta1?: number; beta2?: number; eps?: number } & DecayOptions,
): Optimizer {
  const where = "adam";
  const lr0 = checkLearningRate(options?.lr, where);
  const beta1 = checkRange(options.beta1 ?? 0.9, "beta1", 0, 1, true, where);
  const beta2 = checkRange(options.beta2 ?? 0.999, "beta2", 0, 1, true, where);
  const eps = options.eps ?? 1e-8;
  if (!Number.isFinite(eps) || eps <= 0) throw new Error(`${where}: eps must be a positive finite number, found ${describe(eps)}`);
  const wd = checkDecay(options, where);
  const decayBiases = options.decayBiases ?? false;
  const moments = new StateStore((p) => ({ m: zerosLike(p), s: zerosLike(p), t: 0 }));
  return {
    name: "adam",
    lr: lr0,
    step(params: Param[], lr?: number): void {
      const a = stepLr(lr0, lr, where);
      for (let k = 0; k < params.length; k++) {
        const p = params[k];
        checkShapes(p, where);
        const st = moments.get(p);
        st.t += 1;
        const c1 = 1 - Math.pow(beta1, st.t), c2 = 1 - Math.pow(beta2, st.t); // bias corrections
        const w = p.value.data, dw = p.grad.data, m = st.m, s = st.s, { l2, l1 } = decayFor(p, wd, decayBiases);
        for (let i = 0; i < w.length; i++) {
          const g = dw[i] + l2 * w[i] + l1 * Math.sign(w[i]);
          m[i] = beta1 * m[i] + (1 - beta1) * g;     // m ← β₁·m + (1−β₁)·g
          s[i] = beta2 * s[i] + (1 - beta2) * g * g; // s ← β₂·s + (1−β₂)·g²
          w[i] -= (a * (m[i] / c1)) / (Math.sqrt(s[i] / c2) + eps); // W ← W − α·m̂/(√ŝ + ε)
        }
      }
    },
    reset(): void {
      moments.clear();
    },
  };
}

export type OptimizerName = "gd" | "momentum" | "nesterov" | "adagrad" | "rmsprop" | "adam" | "adamw";
export const optimizerNames: readonly OptimizerName[] = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"];

/**
 * Build an optimizer by name (for command lines and notebooks' drop-downs).
 * `beta` is β for momentum/nesterov, ρ for rmsprop and β₁ for adam (adagrad has none).
 */
export function makeOptimizer(
  name: string,
  options: { lr: number; beta?: number } & DecayOptions,
): Optimizer {
  const { beta, ...rest } = options;
  switch (name) {
    case "gd":
      return gd(rest);
    case "momentum":
      return momentum({ ...rest, beta });
    case "nesterov":
      return momentum({ ...rest, beta, nesterov: true });
    case "adagrad":
      return adagrad(rest);
    case "rmsprop":
      return rmsprop({ ...rest, rho: beta });
    case "adam":
      return adam({ ...rest, beta1: beta });
    case "adamw": return adamw({ ...rest, beta1: beta }); // chapter 15: weightDecay is the decoupled λ (lib/train/adamw.ts)
    default:
      throw new Error(`makeOptimizer: unknown optimizer ${describe(name)}; expected one of ${optimizerNames.join(", ")}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Learning-rate schedules: α at a given epoch (0-based) from the base rate α₀.

export type Schedule = (epoch: number, baseLr: number) => number;

/** α = α₀ every epoch. */
export function constantLr(): Schedule {
  return (_epoch, baseLr) => baseLr;
}

/** α = α₀ · factor^⌊epoch / every⌋   (e.g. halve every 5 epochs: stepDecay(5, 0.5)). */
export function stepDecay(every: number, factor: number): Schedule {
  if (!Number.isInteger(every) || every < 1) throw new Error(`stepDecay: every must be a positive integer (epochs), found ${describe(every)}`);
  if (!Number.isFinite(factor) || factor <= 0 || factor > 1) throw new Error(`stepDecay: factor must be in (0, 1], found ${describe(factor)}`);
  return (epoch, baseLr) => baseLr * Math.pow(factor, Math.floor(epoch / every));
}

/** α = α_min + (α₀ − α_min)·(1 + cos(π·epoch/T))/2: from α₀ at epoch 0 down towards α_min at epoch T. */
export function cosineLr(totalEpochs: number, minLr = 0): Schedule {
  if (!Number.isInteger(totalEpochs) || totalEpochs < 1) throw new Error(`cosineLr: totalEpochs must be a positive integer, found ${describe(totalEpochs)}`);
  if (!Number.isFinite(minLr) || minLr < 0) throw new Error(`cosineLr: minLr must be a finite number ≥ 0, found ${describe(minLr)}`);
  return (epoch, baseLr) => {
    const e = Math.min(epoch, totalEpochs);
    return minLr + ((baseLr - minLr) * (1 + Math.cos((Math.PI * e) / totalEpochs))) / 2;
  };
}

export type ScheduleName = "constant" | "step" | "cosine" | "warmup-cosine";
export const scheduleNames: readonly ScheduleName[] = ["constant", "step", "cosine", "warmup-cosine"];

/** A schedule by name: "constant"; "step" (halve every max(1, ⌊epochs/3⌋) epochs); "cosine" (to 0 over the run). */
export function makeSchedule(name: string, epochs: number): Schedule {
  switch (name) {
    case "constant":
      return constantLr();
    case "step":
      return stepDecay(Math.max(1, Math.floor(epochs / 3)), 0.5);
    case "cosine":
      return cosineLr(epochs);
    case "warmup-cosine": return warmupCosine(epochs, defaultWarmup(epochs)); // chapter 15 (lib/train/schedules.ts)
    default:
      throw new Error(`makeSchedule: unknown schedule ${describe(name)}; expected one of ${scheduleNames.join(", ")}`);
  }
}
