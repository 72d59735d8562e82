// Warm-up, then cosine: the learning-rate schedule transformers are trained with.
//   epoch e < W (warm-up):  α = α₀·(e + 1)/(W + 1)                     rising towards α₀
//   epoch e ≥ W:            α = α₀·(1 + cos(π·(e − W)/(T − W)))/2      from α₀ down towards 0 at epoch T
// A transformer's first updates, with Adam's moments still unsettled and LayerNorm's statistics moving, are the
// ones most likely to throw it somewhere bad; a smaller rate for them, then the cosine's long slow end.
// Epochs count from 0, as train() calls a schedule (lib/train/optimizers.ts's Schedule).
import type { Schedule } from "./optimizer-types";

export function warmupCosine(totalEpochs: number, warmupEpochs: number): Schedule {
  if (!Number.isInteger(totalEpochs) || totalEpochs < 1) throw new Error(`warmupCosine: totalEpochs must be a positive integer, found ${String(totalEpochs)}`);
  if (!Number.isInteger(warmupEpochs) || warmupEpochs < 0 || warmupEpochs >= totalEpochs) {
    throw new Error(`warmupCosine: warmupEpochs must be a whole number from 0 to totalEpochs − 1 (${totalEpochs - 1}), found ${String(warmupEpochs)}`);
  }
  return (epoch, baseLr) => {
    if (epoch < warmupEpochs) return (baseLr * (epoch + 1)) / (warmupEpochs + 1); //          α₀·(e + 1)/(W + 1)
    const e = Math.min(epoch, totalEpochs);
    return (baseLr * (1 + Math.cos((Math.PI * (e - warmupEpochs)) / (totalEpochs - warmupEpochs)))) / 2; // α₀·(1 + cos(π(e − W)/(T − W)))/2
  };
}

/** The warm-up of makeSchedule("warmup-cosine", epochs): a tenth of the run, at least one epoch (none for a one-epoch run). */
export function defaultWarmup(epochs: number): number {
  return epochs < 2 ? 0 : Math.max(1, Math.round(epochs / 10));
}
