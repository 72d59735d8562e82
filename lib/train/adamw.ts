// AdamW (Loshchilov & Hutter, 2019): Adam with the weight decay taken out of the gradient.
//
//   Adam + L2:  g = dW + λ·W,   m, s from g,        W ← W − α·m̂/(√ŝ + ε)
//               the decay λ·W is divided by √ŝ like the rest of g: a weight with large gradients is hardly decayed.
//   AdamW:      g = dW,         m, s from g,        W ← W − α·(m̂/(√ŝ + ε) + λ·W)
//               every weight shrinks by the same factor (1 − α·λ) each step, whatever its gradients.
// m ← β₁·m + (1−β₁)·g,  s ← β₂·s + (1−β₂)·g²,  m̂ = m/(1−β₁ᵗ),  ŝ = s/(1−β₂ᵗ)  as in adam (lib/train/optimizers.ts).
// Only "weight" parameters are decayed (not biases, LayerNorm's γ and β, or positions) unless decayBiases.
// This is PyTorch's torch.optim.AdamW.
import { StateStore, zerosLike, type DecayOptions, type Optimizer } from "./optimizer-types";
import { checkCommon, checkEps, checkRange, decayFor, perParameter } from "./optimizer-checks";

export interface AdamWOptions extends DecayOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** AdamW: W ← W − α·(m̂/(√ŝ + ε) + λ·W); defaults β₁ 0.9, β₂ 0.999, ε 1e-8, λ 0.01 (PyTorch's). */
export function adamw(options: AdamWOptions): Optimizer {
  const where = "adamw";
  const { lr: lr0, decay } = checkCommon({ ...options, weightDecay: options?.weightDecay ?? 0.01 }, where);
  if (decay.l1 !== 0) throw new Error(`${where}: AdamW decouples only the L2 decay (weightDecay); use adam for l1, found l1 = ${decay.l1}`);
  const beta1 = checkRange(options.beta1 ?? 0.9, "beta1", 0, 1, true, where);
  const beta2 = checkRange(options.beta2 ?? 0.999, "beta2", 0, 1, true, where);
  const eps = checkEps(options.eps, where);
  const moments = new StateStore((p) => ({ m: zerosLike(p), s: zerosLike(p), t: 0 }));
  return perParameter(where, lr0, (p, a) => {
    const st = moments.get(p);
    st.t += 1;
    const c1 = 1 - Math.pow(beta1, st.t), c2 = 1 - Math.pow(beta2, st.t); // bias corrections
    const w = p.value.data, dw = p.grad.data, m = st.m, s = st.s, shrink = a * decayFor(p, decay).l2;
    for (let i = 0; i < w.length; i++) {
      const g = dw[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g; //                m ← β₁·m + (1−β₁)·g
      s[i] = beta2 * s[i] + (1 - beta2) * g * g; //            s ← β₂·s + (1−β₂)·g²
      w[i] -= shrink * w[i] + (a * (m[i] / c1)) / (Math.sqrt(s[i] / c2) + eps); // W ← W − α·(m̂/(√ŝ + ε) + λ·W)
    }
  }, () => moments.clear());
}
