// AdamW (Loshchilov & Hutter, 2019): Adam with the weight decay taken out of the gradient.
//
//   Adam + L2:  g = dW + λ·W,   m, s from g,        W ← W − α·m̂/(√ŝ + ε)
//               the decay λ·W is divided by √ŝ like the rest of g: a weight with large gradients is hardly decayed.
//   AdamW:      g = dW,         m, s from g,        W ← W − α·(m̂/(√ŝ + ε) + λ·W)
//               every weight shrinks by the same factor (1 − α·λ) each step, whatever its gradients.
// m ← β₁·m + (1−β₁)·g,  s ← β₂·s + (1−β₂)·g²,  m̂ = m/(1−β₁ᵗ),  ŝ = s/(1−β₂ᵗ)  as in adam (lib/train/optimizers.ts).
// Only "weight" parameters are decayed (not biases, LayerNorm's γ and β, or positions) unless decayBiases.
// This is PyTorch's torch.optim.AdamW.
import type { Param } from "../nn/layers";
import { longLived, type FloatArray } from "../core/matrix";
import type { Optimizer } from "./optimizer-types";

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** the decoupled decay λ ≥ 0; default 0.01 (PyTorch's) */
  weightDecay?: number;
  /** decay every parameter, not only weights; default false */
  decayBiases?: boolean;
  /** refused unless 0: AdamW has no L1 term (here so that makeOptimizer can pass every decay option) */
  l1?: number;
}

/** AdamW: W ← W − α·(m̂/(√ŝ + ε) + λ·W); defaults β₁ 0.9, β₂ 0.999, ε 1e-8, λ 0.01. */
export function adamw(options: AdamWOptions): Optimizer {
  const where = "adamw";
  const lr0 = options?.lr;
  if (typeof lr0 !== "number" || !Number.isFinite(lr0) || lr0 <= 0) throw new Error(`${where}: the learning rate must be a positive finite number, found ${String(lr0)}`);
  const beta1 = options.beta1 ?? 0.9, beta2 = options.beta2 ?? 0.999, eps = options.eps ?? 1e-8, lambda = options.weightDecay ?? 0.01;
  for (const [name, v] of [["beta1", beta1], ["beta2", beta2]] as const) {
    if (typeof v !== "number" || !(v >= 0 && v < 1)) throw new Error(`${where}: ${name} must be a number in [0, 1), found ${String(v)}`);
  }
  if (typeof eps !== "number" || !Number.isFinite(eps) || eps <= 0) throw new Error(`${where}: eps must be a positive finite number, found ${String(eps)}`);
  if (typeof lambda !== "number" || !Number.isFinite(lambda) || lambda < 0) throw new Error(`${where}: weightDecay must be a finite number ≥ 0, found ${String(lambda)}`);
  if ((options.l1 ?? 0) !== 0) throw new Error(`${where}: AdamW has no L1 decay (l1); found l1 = ${String(options.l1)}`);
  const decayBiases = options.decayBiases ?? false;
  let moments = new WeakMap<FloatArray, { m: FloatArray; s: FloatArray; t: number }>(); // per parameter, keyed by its storage
  return {
    name: where,
    lr: lr0,
    step(params: Param[], lr?: number): void {
      const a = lr ?? lr0;
      if (!Number.isFinite(a) || a < 0) throw new Error(`${where}: the learning rate of this step must be a finite number ≥ 0, found ${a}`);
      for (const p of params) {
        if (p.value.rows !== p.grad.rows || p.value.cols !== p.grad.cols) {
          throw new Error(`${where}: parameter "${p.name}" is ${p.value.shape} but its gradient is ${p.grad.shape}`);
        }
        const w = p.value.data, dw = p.grad.data;
        let st = moments.get(w);
        if (st === undefined) {
          st = { m: longLived(1, w.length, p.value.dtype).data, s: longLived(1, w.length, p.value.dtype).data, t: 0 };
          moments.set(w, st);
        }
        st.t += 1;
        const c1 = 1 - Math.pow(beta1, st.t), c2 = 1 - Math.pow(beta2, st.t), m = st.m, s = st.s;
        const decay = decayBiases || (p.role ?? "weight") === "weight" ? a * lambda : 0;
        for (let i = 0; i < w.length; i++) {
          const g = dw[i];
          m[i] = beta1 * m[i] + (1 - beta1) * g; //                m ← β₁·m + (1−β₁)·g
          s[i] = beta2 * s[i] + (1 - beta2) * g * g; //            s ← β₂·s + (1−β₂)·g²
          w[i] -= decay * w[i] + (a * (m[i] / c1)) / (Math.sqrt(s[i] / c2) + eps); // W ← W − α·(m̂/(√ŝ + ε) + λ·W)
        }
      }
    },
    reset(): void {
      moments = new WeakMap();
    },
  };
}
