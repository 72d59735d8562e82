// Adaptive learning rates: the road from momentum to Adam. Each weight gets its own step size, scaled by
// how large its gradients have been.
//
//   AdaGrad   s ← s + g²,                  W ← W − α·g/(√s + ε)     (every past gradient counts forever)
//   RMSProp   s ← ρ·s + (1 − ρ)·g²,        W ← W − α·g/(√s + ε)     (a running average: the past fades)
//   Adam      RMSProp's s, a momentum average m of g, and both bias-corrected (lib/train/optimizers.ts)
//
// g = dW + λ·W with L2 weight decay λ (weights only, as in lib/train/optimizers.ts). The state s is one buffer
// per parameter, made on the first step that sees it and reused afterwards: a step allocates nothing.
import type { Param } from "../nn/layers";
import { longLived, type FloatArray } from "../core/matrix";
import type { DecayOptions, Optimizer } from "./optimizer-types";

interface Common extends DecayOptions {
  lr: number;
  /** ε in the denominator, so that a weight whose gradients were all 0 does not divide by 0; default 1e-8 */
  eps?: number;
}

/** AdaGrad (Duchi et al. 2011): s ← s + g², W ← W − α·g/(√s + ε). */
export function adagrad(options: Common): Optimizer {
  return adaptive("adagrad", options, 1, 1);
}

/** RMSProp (Hinton 2012): s ← ρ·s + (1 − ρ)·g², W ← W − α·g/(√s + ε); ρ defaults to 0.9. */
export function rmsprop(options: Common & { rho?: number }): Optimizer {
  const rho = options?.rho ?? 0.9;
  if (typeof rho !== "number" || !(rho >= 0 && rho < 1)) throw new Error(`rmsprop: rho must be a number in [0, 1), found ${String(rho)}`);
  return adaptive("rmsprop", options, rho, 1 - rho);
}

/** s ← keep·s + add·g², W ← W − α·g/(√s + ε). */
function adaptive(name: string, options: Common, keep: number, add: number): Optimizer {
  const lr0 = options?.lr;
  if (typeof lr0 !== "number" || !Number.isFinite(lr0) || lr0 <= 0) {
    throw new Error(`${name}: the learning rate must be a positive finite number, found ${String(lr0)}`);
  }
  const eps = options.eps ?? 1e-8;
  if (typeof eps !== "number" || !(eps > 0) || !Number.isFinite(eps)) throw new Error(`${name}: eps must be a positive number, found ${String(eps)}`);
  const wd = options.weightDecay ?? 0;
  if (typeof wd !== "number" || !(wd >= 0) || !Number.isFinite(wd)) throw new Error(`${name}: weightDecay must be a finite number ≥ 0, found ${String(wd)}`);
  if ((options.l1 ?? 0) !== 0) throw new Error(`${name}: L1 decay (l1) is not offered here; use gd, momentum, nesterov or adam for it, found l1 = ${String(options.l1)}`);
  const decayBiases = options.decayBiases ?? false;
  let squares = new WeakMap<FloatArray, FloatArray>(); // s, one per parameter, keyed by its storage
  return {
    name,
    lr: lr0,
    step(params: Param[], lr?: number): void {
      const a = lr ?? lr0;
      if (!(a >= 0) || !Number.isFinite(a)) throw new Error(`${name}: the learning rate of this step must be a finite number ≥ 0, found ${a}`);
      for (const p of params) {
        if (p.value.rows !== p.grad.rows || p.value.cols !== p.grad.cols) {
          throw new Error(`${name}: parameter "${p.name}" is ${p.value.shape} but its gradient is ${p.grad.shape}`);
        }
        const w = p.value.data, dw = p.grad.data;
        let s = squares.get(w);
        if (s === undefined) {
          s = longLived(1, w.length, p.value.dtype).data;
          squares.set(w, s);
        }
        const lam = wd !== 0 && (decayBiases || (p.role ?? "weight") === "weight") ? wd : 0;
        for (let i = 0; i < w.length; i++) {
          const g = dw[i] + lam * w[i];
          s[i] = keep * s[i] + add * g * g;           // s ← s + g²  |  s ← ρ·s + (1 − ρ)·g²
          w[i] -= (a * g) / (Math.sqrt(s[i]) + eps);  // W ← W − α·g/(√s + ε)
        }
      }
    },
    reset(): void {
      squares = new WeakMap();
    },
  };
}
