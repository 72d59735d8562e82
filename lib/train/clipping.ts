// Gradient clipping by the global norm (Pascanu et al., 2013): when a step's gradient is too long, shorten it,
// keeping its direction.
//
//   ‖g‖ = √(Σ_params Σ_entries g²)   (all parameters together, as one long vector)
//   g ← g · min(1, maxNorm/‖g‖)
//
// A recurrent network's gradient now and then explodes (chapter 14): one batch gives a gradient many times
// longer than usual, and a step along it throws the weights far away. Clipping bounds the length of every step
// and leaves ordinary steps alone. It goes between backward and the update, so here it wraps an optimizer:
//   train(net, { optimizer: withGradientClipping(adam({ lr: 0.001 }), 1), … })
import type { Param } from "../nn/layers";
import { scale } from "../core/ops";
import type { Optimizer } from "./optimizer-types";

/** ‖g‖ over every parameter's gradient together. */
export function globalGradNorm(params: Param[]): number {
  let sum = 0;
  for (const p of params) {
    const g = p.grad.data;
    for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  }
  return Math.sqrt(sum);
}

/** Scales every gradient by min(1, maxNorm/‖g‖) in place; returns ‖g‖ as it was before. */
export function clipGradNorm(params: Param[], maxNorm: number): number {
  checkMaxNorm(maxNorm, "clipGradNorm");
  const norm = globalGradNorm(params);
  if (norm > maxNorm) {
    const s = maxNorm / norm; //                     g ← g·maxNorm/‖g‖
    for (const p of params) scale(p.grad, s, p.grad);
  }
  return norm;
}

/** An optimizer that clips the gradients to global norm ≤ maxNorm before each step of `inner`. */
export interface ClippedOptimizer extends Optimizer {
  readonly inner: Optimizer;
  readonly maxNorm: number;
  /** ‖g‖ before clipping, at the last step */
  lastNorm: number;
  /** how many steps were clipped so far */
  clippedSteps: number;
}

export function withGradientClipping(inner: Optimizer, maxNorm: number): ClippedOptimizer {
  checkMaxNorm(maxNorm, "withGradientClipping");
  if (inner === null || typeof inner !== "object" || typeof inner.step !== "function") {
    throw new Error(`withGradientClipping: expected an optimizer (an object with step()), got ${String(inner)}`);
  }
  const clipped: ClippedOptimizer = {
    name: `${inner.name}, gradients clipped to norm ${maxNorm}`,
    inner,
    maxNorm,
    lastNorm: 0,
    clippedSteps: 0,
    get lr() {
      return inner.lr; // train() reads the base rate for its schedule
    },
    set lr(value: number | undefined) {
      inner.lr = value;
    },
    step(params: Param[], lr?: number): void {
      clipped.lastNorm = clipGradNorm(params, maxNorm);
      if (clipped.lastNorm > maxNorm) clipped.clippedSteps++;
      inner.step(params, lr);
    },
    reset(): void {
      clipped.lastNorm = 0;
      clipped.clippedSteps = 0;
      inner.reset?.();
    },
  };
  return clipped;
}

function checkMaxNorm(maxNorm: number, where: string): void {
  if (typeof maxNorm !== "number" || !Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new Error(`${where}: maxNorm must be a positive finite number, got ${String(maxNorm)}`);
  }
}
