// A network on a whole Dataset, with the loss train() uses: the train and test columns of every epoch's record.
import { Matrix, longLived, type DType } from "../core/matrix";
import { crossEntropy, mse, softmaxCrossEntropy, type LossFn } from "../nn/losses";
import { EVAL_BATCH_SIZE, evaluate } from "../nn/evaluate";
import type { Sequential } from "../nn/sequential";
import { outputWidth } from "../nn/chain";
import { CLASSES, imageChunks, imagesShape, oneHot, type Dataset } from "../data/dataset";

/**
 * Mean loss and accuracy of `net` over a whole dataset, evaluated in chunks of `batchSize` rows
 * (default EVAL_BATCH_SIZE) without training: Sequential.evaluate with the loss train() would use (default "ce").
 * A data set still held as bytes is scaled one chunk at a time into a lent buffer: its images stay unread.
 */
export function evaluateDataset(
  net: Sequential,
  data: Dataset,
  loss?: "ce" | "mse" | LossFn,
  options: { batchSize?: number; targets?: Matrix } = {},
): { loss: number; accuracy: number } {
  const lossFn = resolveLoss(loss, net);
  const targets = options.targets ?? oneHotMatrix(data.labels, outputWidth(net) ?? CLASSES, imagesShape(data).dtype);
  const batchSize = options.batchSize ?? EVAL_BATCH_SIZE;
  const chunks = imageChunks(data, batchSize); // views of data.images, or its bytes scaled chunk by chunk
  try {
    return evaluate(net, chunks, targets, lossFn, data.labels, batchSize);
  } finally {
    chunks.done();
  }
}

/** The loss function train() uses for "ce" (the default) / "mse" on this network (see TrainOptions.loss). */
export function resolveLoss(loss: "ce" | "mse" | LossFn | undefined, net: Sequential): LossFn {
  if (typeof loss === "function") return loss;
  const which = loss ?? "ce";
  if (which === "mse") return withGradBuffer(mse);
  if (which === "ce") {
    const lastLayer = net.layers[net.layers.length - 1];
    const endsWithSoftmax = lastLayer !== undefined && lastLayer.config().type === "softmax";
    return withGradBuffer(endsWithSoftmax ? crossEntropy : softmaxCrossEntropy);
  }
  throw new Error(`train: unknown loss ${JSON.stringify(which)}; expected "ce", "mse" or a loss function`);
}

/** Wrap a loss so that, unless given a buffer, its gradient goes into one kept per batch size (no allocation per batch). */
function withGradBuffer(f: LossFn): LossFn {
  const buffers = new Map<number, Matrix>();
  return (output, targets, gradOut) => {
    let g = gradOut ?? buffers.get(output.rows);
    if (g === undefined || g.cols !== output.cols || g.dtype !== output.dtype) {
      g = longLived(output.rows, output.cols, output.dtype);
      buffers.set(output.rows, g);
    }
    return f(output, targets, g);
  };
}

/** Y: n × classes, one-hot rows of the labels. */
export function oneHotMatrix(labels: ArrayLike<number>, classes: number, dtype: DType): Matrix {
  return oneHot(labels, classes, Matrix.zeros(labels.length, classes, dtype));
}
