// Loss functions: a number saying how wrong a batch of outputs is, and its gradient with respect to
// those outputs. Targets are one-hot rows (batch × classes). The loss is the mean over the batch (m rows),
// so each gradient carries the 1/m and the layers do not divide again.
//
// Each takes an optional `gradOut` buffer (the shape of the output) so a training loop allocates nothing.
import { Matrix, type FloatArray } from "../core/matrix";
import { sharesMemory } from "../core/ops";
import { activeKernels } from "../engine/active";

export interface LossResult {
  loss: number;
  grad: Matrix;
}

/** A loss: (network output, targets[, gradient buffer]) → { loss, grad = ∂loss/∂output }. */
export type LossFn = (output: Matrix, targets: Matrix, gradOut?: Matrix) => LossResult;

/**
 * Softmax followed by cross-entropy, on the logits (the last Dense layer's output, no Softmax layer):
 *   loss = −(1/m) Σ_i Σ_j y_ij · log softmax(z_i)_j,     grad = (p − y)/m   with p = softmax(z).
 * log softmax(z)_j = z_j − logsumexp(z), and logsumexp subtracts the row max, so logits of ±1000 give a
 * finite loss. The gradient is "fused": the softmax Jacobian and the log's 1/p cancel into p − y.
 */
export function softmaxCrossEntropy(logits: Matrix, targets: Matrix, gradOut?: Matrix): LossResult {
  checkShapes("softmaxCrossEntropy", "logits", logits, targets);
  const grad = gradBuffer("softmaxCrossEntropy", logits, gradOut);
  // each row: max = maxⱼ zⱼ, lse = max + log Σⱼ e^(zⱼ − max), loss += Σⱼ yⱼ·(lse − zⱼ), g = (p − y)/m
  // (lib/engine/kernels-js-norm.ts has the loop; the WebAssembly kernels share the rows of a large batch between threads)
  const total = activeKernels().softmaxCrossEntropy(logits.data, targets.data, grad.data, logits.rows, logits.cols);
  return { loss: total / logits.rows, grad };
}

/** The smallest probability crossEntropy takes the log of: log(0) would be −∞. */
export const PROBABILITY_EPSILON = 1e-12;

/**
 * Categorical cross-entropy on probabilities (the output of a Softmax layer):
 *   loss = −(1/m) Σ_i Σ_j y_ij · log p_ij,     grad = −y / (p·m).
 * p is clamped to at least PROBABILITY_EPSILON (1e-12) inside the log and the division, so a
 * probability of exactly 0 gives a large but finite loss instead of ∞.
 */
export function crossEntropy(probs: Matrix, targets: Matrix, gradOut?: Matrix): LossResult {
  checkShapes("crossEntropy", "probabilities", probs, targets);
  const grad = gradBuffer("crossEntropy", probs, gradOut);
  const m = probs.rows;
  const P = probs.data, Y = targets.data, G = grad.data;
  let total = 0;
  for (let i = 0; i < P.length; i++) {
    const p = Math.max(P[i], PROBABILITY_EPSILON);
    const y = Y[i];
    if (y !== 0) total -= y * Math.log(p); // −y·log p
    G[i] = -y / (p * m); // −y/(p·m)
  }
  return { loss: total / m, grad };
}

/**
 * Mean squared error over all m × k entries:
 *   loss = (1/(m·k)) Σ_i Σ_j (ŷ_ij − y_ij)²,     grad = 2(ŷ − y)/(m·k).
 */
export function mse(outputs: Matrix, targets: Matrix, gradOut?: Matrix): LossResult {
  checkShapes("mse", "outputs", outputs, targets);
  const grad = gradBuffer("mse", outputs, gradOut);
  const count = outputs.rows * outputs.cols;
  const O = outputs.data, Y = targets.data, G = grad.data;
  let total = 0;
  for (let i = 0; i < O.length; i++) {
    const d = O[i] - Y[i];
    total += d * d; // (ŷ − y)²
    G[i] = (2 * d) / count; // 2(ŷ − y)/(m·k)
  }
  return { loss: total / count, grad };
}

/** log Σ_j e^(x_j), computed as max + log Σ_j e^(x_j − max) so it stays finite for large |x|. */
export function logSumExp(row: ArrayLike<number> | FloatArray): number {
  let max = -Infinity;
  for (let j = 0; j < row.length; j++) if (row[j] > max) max = row[j];
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let j = 0; j < row.length; j++) sum += Math.exp(row[j] - max);
  return max + Math.log(sum);
}

function checkShapes(op: string, what: string, output: Matrix, targets: Matrix): void {
  if (output.rows !== targets.rows || output.cols !== targets.cols) {
    throw new Error(`${op}: ${what} are ${output.shape} but targets are ${targets.shape}; expected one target row per example, as one-hot rows`);
  }
  if (output.rows === 0) throw new Error(`${op}: the batch is empty (0 rows)`);
}

function gradBuffer(op: string, output: Matrix, gradOut: Matrix | undefined): Matrix {
  if (gradOut === undefined) return Matrix.zeros(output.rows, output.cols, output.dtype);
  if (gradOut.rows !== output.rows || gradOut.cols !== output.cols) {
    throw new Error(`${op}: gradOut is ${gradOut.shape} but the output is ${output.shape}`);
  }
  if (sharesMemory(gradOut, output)) {
    throw new Error(`${op}: gradOut shares memory with the output; pass a separate buffer`);
  }
  return gradOut;
}
