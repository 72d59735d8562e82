// Adaptive learning rates: the road from momentum to Adam. Each weight gets its own step size, scaled by
// how large its gradients have been.
//
//   AdaGrad   s ← s + g²,                  W ← W − α·g/(√s + ε)     (every past gradient counts forever)
//   RMSProp   s ← ρ·s + (1 − ρ)·g²,        W ← W − α·g/(√s + ε)     (a running average: the past fades)
//   Adam      RMSProp's s, a momentum average m of g, and both bias-corrected (lib/train/optimizers.ts)
//
// g = dW + λ·W + λ₁·sign(W) with weight decay, as for every rule (./optimizer-checks.ts). The state s is one
// buffer per parameter, made on the first step that sees it and reused afterwards: a step allocates nothing.
import type { FloatArray } from "../core/matrix";
import { StateStore, zerosLike, type DecayOptions, type Optimizer } from "./optimizer-types";
import { checkCommon, checkEps, checkRange, decayFor, perParameter } from "./optimizer-checks";

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
  const rho = checkRange(options?.rho ?? 0.9, "rho", 0, 1, true, "rmsprop");
  return adaptive("rmsprop", options, rho, 1 - rho);
}

/** s ← keep·s + add·g², W ← W − α·g/(√s + ε). */
function adaptive(name: string, options: Common, keep: number, add: number): Optimizer {
  const { lr: lr0, decay } = checkCommon(options, name);
  const eps = checkEps(options.eps, name);
  const squares = new StateStore<FloatArray>((p) => zerosLike(p)); // s, one per parameter
  return perParameter(name, lr0, (p, a) => {
    const w = p.value.data, dw = p.grad.data, s = squares.get(p), { l2, l1 } = decayFor(p, decay);
    for (let i = 0; i < w.length; i++) {
      const g = dw[i] + l2 * w[i] + l1 * Math.sign(w[i]); // g = dW + λ·W + λ₁·sign(W)
      s[i] = keep * s[i] + add * g * g;           // s ← s + g²  |  s ← ρ·s + (1 − ρ)·g²
      w[i] -= (a * g) / (Math.sqrt(s[i]) + eps);  // W ← W − α·g/(√s + ε)
    }
  }, () => squares.clear());
}
