// What every update rule is: the interface lib/train/optimizers.ts and lib/train/adaptive.ts both implement.
import type { Param } from "../nn/layers";

export interface Optimizer {
  name: string;
  /** The base learning rate α (a schedule scales from it). */
  lr?: number;
  /** Apply one update to every parameter; `lr` overrides the base learning rate for this step. */
  step(params: Param[], lr?: number): void;
  /** Forget the state (velocities, moments, step count). */
  reset?(): void;
}

export interface DecayOptions {
  /** L2 coefficient λ ≥ 0 (default 0): g = dW + λ·W. */
  weightDecay?: number;
  /** L1 coefficient λ₁ ≥ 0 (default 0): g = dW + λ₁·sign(W). */
  l1?: number;
  /** Decay biases too (default false). */
  decayBiases?: boolean;
}
