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
// With weight decay every rule sees g = dW + λ·W + λ₁·sign(W) instead of dW, on weights only unless decayBiases
// (./optimizer-checks.ts, shared with ./adaptive.ts).
import type { Param } from "../nn/layers";
import type { Matrix, FloatArray } from "../core/matrix";
import { addScaled, adamUpdate, map } from "../core/ops";
import { longLived } from "../core/matrix";
import { StateStore, zerosLike, type Optimizer, type DecayOptions } from "./optimizer-types";
import { checkCommon, checkEps, checkRange, decayFor, describe, perParameter } from "./optimizer-checks";
import { adagrad, rmsprop } from "./adaptive";
import { adamw } from "./adamw";
import { warmupCosine, defaultWarmup } from "./schedules";

export type { Optimizer, DecayOptions } from "./optimizer-types";

// ---------------------------------------------------------------------------------------------
// The rules.

/**
 * Plain gradient descent: W ← W − α·g, g = dW + λ·W + λ₁·sign(W). Every step is kernel calls (lib/core/ops); with
 * decay, g is made first in a kept buffer.
 */
export function gd(options: { lr: number } & DecayOptions): Optimizer {
  const where = "gd";
  const { lr: lr0, decay } = checkCommon(options, where);
  const buffers = new StateStore<{ g: Matrix; sign?: Matrix }>((p) => ({ g: longLived(p.value.rows, p.value.cols, p.value.dtype) }));
  return perParameter(where, lr0, (p, a) => {
    const { l2, l1 } = decayFor(p, decay);
    if (l2 === 0 && l1 === 0) {
      addScaled(p.value, p.grad, -a, p.value); //                          W ← W − α·dW
      return;
    }
    const b = buffers.get(p);
    addScaled(p.grad, p.value, l2, b.g); //                                g = dW + λ·W
    if (l1 !== 0) {
      b.sign ??= longLived(p.value.rows, p.value.cols, p.value.dtype);
      addScaled(b.g, map(p.value, Math.sign, b.sign), l1, b.g); //         g ← g + λ₁·sign(W)
    }
    addScaled(p.value, b.g, -a, p.value); //                               W ← W − α·g
  }, () => buffers.clear());
}

/**
 * Momentum (heavy ball): v ← β·v + g,  W ← W − α·v.   With `nesterov: true` the update looks ahead:
 * W ← W − α·(g + β·v) (the form PyTorch uses, equivalent to evaluating the gradient at W − αβv).
 * β defaults to 0.9; v starts at 0.
 */
export function momentum(
  options: { lr: number; beta?: number; nesterov?: boolean } & DecayOptions,
): Optimizer {
  return heavyBall(options, options?.nesterov ?? false);
}

/** Nesterov momentum: momentum({ ...options, nesterov: true }). */
export function nesterov(options: { lr: number; beta?: number } & DecayOptions): Optimizer {
  return heavyBall(options, true);
}

function heavyBall(options: { lr: number; beta?: number } & DecayOptions, nesterov: boolean): Optimizer {
  const where = nesterov ? "nesterov" : "momentum";
  const { lr: lr0, decay } = checkCommon(options, where);
  const beta = checkRange(options.beta ?? 0.9, "beta (momentum)", 0, 1, true, where);
  const velocity = new StateStore<FloatArray>((p) => zerosLike(p));
  return perParameter(where, lr0, (p, a) => {
    const w = p.value.data, dw = p.grad.data, v = velocity.get(p), { l2, l1 } = decayFor(p, decay);
    for (let i = 0; i < w.length; i++) {
      const g = dw[i] + l2 * w[i] + l1 * Math.sign(w[i]); // g = dW + λ·W + λ₁·sign(W)
      v[i] = beta * v[i] + g;                              // v ← β·v + g
      w[i] -= nesterov ? a * (g + beta * v[i]) : a * v[i]; // W ← W − α·(g + β·v)  |  W ← W − α·v
    }
  }, () => velocity.clear());
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
  const { lr: lr0, decay } = checkCommon(options, where);
  const beta1 = checkRange(options.beta1 ?? 0.9, "beta1", 0, 1, true, where);
  const beta2 = checkRange(options.beta2 ?? 0.999, "beta2", 0, 1, true, where);
  const eps = checkEps(options.eps, where);
  const moments = new StateStore((p) => ({ m: longLived(p.value.rows, p.value.cols, p.value.dtype), s: longLived(p.value.rows, p.value.cols, p.value.dtype), t: 0 }));
  return perParameter(where, lr0, (p, a) => {
    const st = moments.get(p);
    st.t += 1;
    const c1 = 1 - Math.pow(beta1, st.t), c2 = 1 - Math.pow(beta2, st.t); // bias corrections
    const { l2, l1 } = decayFor(p, decay);
    // g = dW + λ·W + λ₁·sign(W),  m ← β₁·m + (1−β₁)·g,  s ← β₂·s + (1−β₂)·g²,  W ← W − α·(m/c₁)/(√(s/c₂) + ε)
    adamUpdate(p.value, p.grad, st.m, st.s, a, beta1, beta2, eps, c1, c2, l2, l1);
  }, () => moments.clear());
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
      return nesterov({ ...rest, beta });
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

export type { Schedule } from "./optimizer-types";
import type { Schedule } from "./optimizer-types";

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
