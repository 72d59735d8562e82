// What every update rule is and keeps: the interface lib/train/optimizers.ts and lib/train/adaptive.ts both
// implement, and the per-parameter state (velocities, moments) they keep. Their checks are in ./optimizer-checks.ts.
import type { Param } from "../nn/layers";
import { longLived, type FloatArray } from "../core/matrix";

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

/** A kept zero buffer of the parameter's shape and precision (for its velocity or moments). */
export function zerosLike(p: Param): FloatArray {
  return longLived(p.value.rows, p.value.cols, p.value.dtype).data;
}

/**
 * Per-parameter state, keyed by the parameter's storage (value.data), so a network that returns fresh
 * Param objects from params() still gets its own state back; made on the first step that sees the parameter.
 */
export class StateStore<S> {
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

/** The learning rate of each epoch: α_epoch = schedule(epoch, α₀), epochs counted from 0. */
export type Schedule = (epoch: number, baseLr: number) => number;
