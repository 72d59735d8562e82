// A trained network on a whole data set, in chunks: so 60,000 rows never need 60,000-row buffers. Sequential's
// predict, accuracy and evaluate are these; each chunk goes through net.infer (evaluation mode: no dropout,
// BatchNorm's running averages), whose output buffer the next chunk reuses.
import { Matrix } from "../core/matrix";
import { argmaxRows } from "../core/ops";
import type { LossFn } from "./losses";

/** What evaluation needs of a network: its output in evaluation mode (Sequential.infer). */
export interface Inferable {
  infer(x: Matrix): Matrix;
}

/** What evaluate reads of its x: the size, and the rows a chunk at a time (a Matrix, or lib/data's imageChunks). */
export type RowChunks = Pick<Matrix, "rows" | "shape" | "rowRange">;

/** Rows evaluated at once by predict, accuracy and evaluate: big enough to be fast, small enough to fit. */
export const EVAL_BATCH_SIZE = 1000;

/** The predicted class of each row of x (argmax of the output), batchSize rows at a time. */
export function predict(net: Inferable, x: Matrix, batchSize: number): Int32Array {
  checkBatchSize("predict", batchSize);
  const predictions = new Int32Array(x.rows);
  for (let start = 0; start < x.rows; start += batchSize) {
    const end = Math.min(start + batchSize, x.rows);
    const output = net.infer(x.rowRange(start, end)); // a view of rows start..end−1, no copy
    argmaxRows(output, predictions.subarray(start, end));
  }
  return predictions;
}

/** The fraction of rows whose predicted class equals the label, in [0, 1]. */
export function accuracy(net: Inferable, x: Matrix, labels: ArrayLike<number>, batchSize: number): number {
  checkLabels("accuracy", x, labels);
  const predictions = predict(net, x, batchSize);
  let correct = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] === labels[i]) correct++;
  return x.rows === 0 ? 0 : correct / x.rows;
}

/** The mean loss and the accuracy over a whole data set, batchSize rows at a time. Labels default to the argmax of each target row. */
export function evaluate(
  net: Inferable,
  x: RowChunks,
  targets: Matrix,
  loss: LossFn,
  labels: ArrayLike<number> | undefined,
  batchSize: number,
): { loss: number; accuracy: number } {
  checkBatchSize("evaluate", batchSize);
  if (targets.rows !== x.rows) {
    throw new Error(`evaluate: x is ${x.shape} but targets are ${targets.shape}; expected one target row per example`);
  }
  const truth = labels ?? argmaxRows(targets);
  checkLabels("evaluate", x, truth);
  if (x.rows === 0) throw new Error("evaluate: the data set is empty (0 rows)");
  let totalLoss = 0;
  let correct = 0;
  let grad: Matrix | undefined; // the loss's gradient buffer, reused while the chunk size stays the same
  let predicted = new Int32Array(0);
  for (let start = 0; start < x.rows; start += batchSize) {
    const end = Math.min(start + batchSize, x.rows);
    const rows = end - start;
    const output = net.infer(x.rowRange(start, end));
    if (grad === undefined || grad.rows !== rows) grad = Matrix.zeros(rows, output.cols, output.dtype);
    totalLoss += loss(output, targets.rowRange(start, end), grad).loss * rows; // the loss is a mean: weight by rows
    if (predicted.length !== rows) predicted = new Int32Array(rows);
    argmaxRows(output, predicted);
    for (let i = 0; i < rows; i++) if (predicted[i] === truth[start + i]) correct++;
  }
  return { loss: totalLoss / x.rows, accuracy: correct / x.rows };
}

function checkBatchSize(op: string, batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${op}: batchSize must be a whole number ≥ 1, got ${batchSize}`);
}

function checkLabels(op: string, x: RowChunks, labels: ArrayLike<number>): void {
  if (labels.length !== x.rows) throw new Error(`${op}: x has ${x.rows} rows (${x.shape}) but there are ${labels.length} labels`);
}
