// A data set and what training does with it, whatever the images are: one-hot targets, class counts,
// shuffling, a dev split, and the mini-batches of an epoch. (Loading MNIST is in ./mnist.ts; the training
// loop imports this file, not that one.)
import { Matrix, longLived, type DType, type FloatArray } from "../core/matrix";
import { Random } from "../core/random";
import { pixelTable, scaleRows } from "./pixels";
import { giveBuffer, takeBuffer } from "./pool";
import { byteDataset, imagesShape, pixelBytes, type Dataset } from "./images";

export { byteDataset, imagesShape, imageChunks, type Dataset } from "./images";

/** The number of classes of the digits 0–9: the default width of one-hot targets. */
export const CLASSES = 10;

// ---------------------------------------------------------------------------------------------------
// Targets, shuffling, dev split

/** One-hot targets: Y[i][labels[i]] = 1, every other entry 0.   Y: n × classes. */
export function oneHot(labels: ArrayLike<number>, classes: number = CLASSES, out?: Matrix): Matrix {
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`oneHot: classes must be a whole number ≥ 1, got ${classes}`);
  const n = labels.length;
  if (out !== undefined && (out.rows !== n || out.cols !== classes)) {
    throw new Error(`oneHot: out is ${out.shape}, expected ${n}×${classes} (one row per label, one column per class)`);
  }
  const y = out ?? Matrix.zeros(n, classes);
  y.data.fill(0);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (!(Number.isInteger(c) && c >= 0 && c < classes)) {
      throw new Error(`oneHot: label ${c} at index ${i} is not a class 0–${classes - 1}`);
    }
    y.data[i * classes + c] = 1;
  }
  return y;
}

/** How many examples of each class: counts[c] = #{i : labels[i] = c}. */
export function classCounts(labels: ArrayLike<number>, classes: number = CLASSES): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

/** One line about a data set: its size, shape, dtype, pixel range and examples per class. */
export function describeDataset(d: Dataset): string {
  const { rows, cols, dtype } = checkDataset(d, "describeDataset");
  const p = pixelBytes(d);
  const table = pixelTable(dtype);
  const [lo, hi] = p === undefined ? range(d.images.data) : p.bytes.length === 0 ? range([]) : range(p.bytes).map((v) => table[v]); // x = byte / 255
  const perClass = classCounts(d.labels).map((n, c) => `${c}:${n}`).join(" ");
  return `${d.labels.length} examples, images ${rows}×${cols} ${dtype} in [${lo}, ${hi}], per class ${perClass}`;
}

/** [smallest, largest] of x (Infinity, −Infinity when x is empty). */
function range(x: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  return [lo, hi];
}

function checkDataset(d: Dataset, where: string): { rows: number; cols: number; dtype: DType } {
  const shape = imagesShape(d);
  if (shape.rows !== d.labels.length) {
    throw new Error(`${where}: the data set has ${shape.rows} images but ${d.labels.length} labels`);
  }
  return shape;
}

function randomFrom(seedOrRng: number | Random): Random {
  return typeof seedOrRng === "number" ? new Random(seedOrRng) : seedOrRng;
}

/** A shuffled copy: image i and label i move together. The input is left as it was. */
export function shuffleDataset(d: Dataset, seedOrRng: number | Random): Dataset {
  const { cols, dtype } = checkDataset(d, "shuffleDataset");
  const n = d.labels.length;
  const order = randomFrom(seedOrRng).permutation(n);
  const labels = new Uint8Array(n);
  const p = pixelBytes(d);
  if (p !== undefined) { // still bytes: a shuffled copy of the bytes
    const bytes = new Uint8Array(n * cols);
    for (let r = 0; r < n; r++) bytes.set(p.bytes.subarray(order[r] * cols, (order[r] + 1) * cols), r * cols);
    for (let r = 0; r < n; r++) labels[r] = d.labels[order[r]];
    return byteDataset(bytes, cols, labels, dtype);
  }
  const out: Dataset = { images: longLived(n, cols, dtype), labels };
  gatherRows(d, order, 0, n, out.images.data, out.labels);
  return out;
}

/**
 * Hold out the first `devSize` examples as a dev set, the rest is for training (shuffle first!).
 * Both halves are views sharing the input's memory: no copy (of its bytes, for a data set still held as bytes:
 * each half then becomes its own Matrix when read).
 */
export function splitDev(d: Dataset, devSize: number): { train: Dataset; dev: Dataset } {
  checkDataset(d, "splitDev");
  const n = d.labels.length;
  if (!Number.isInteger(devSize) || devSize < 1 || devSize >= n) {
    throw new Error(`splitDev: devSize must be a whole number from 1 to ${n - 1} (the data set has ${n} examples), got ${devSize}`);
  }
  const p = pixelBytes(d);
  if (p !== undefined) {
    return {
      dev: byteDataset(p.bytes.subarray(0, devSize * p.cols), p.cols, d.labels.subarray(0, devSize), p.dtype),
      train: byteDataset(p.bytes.subarray(devSize * p.cols), p.cols, d.labels.subarray(devSize), p.dtype),
    };
  }
  return {
    dev: { images: d.images.rowRange(0, devSize), labels: d.labels.subarray(0, devSize) },
    train: { images: d.images.rowRange(devSize, n), labels: d.labels.subarray(devSize) },
  };
}

/** X_out[r] = X[order[from + r]] and labels_out[r] = labels[order[from + r]], for r = 0..count−1 (X: bytes scaled, or images). */
function gatherRows(d: Dataset, order: ArrayLike<number>, from: number, count: number, x: FloatArray, labels: Uint8Array): void {
  for (let r = 0; r < count; r++) labels[r] = d.labels[order[from + r]];
  const p = pixelBytes(d);
  if (p !== undefined) return scaleRows(p.bytes, p.cols, order, from, count, x); // row r of X_out = row i of the bytes / 255
  const cols = d.images.cols;
  const src = d.images.data;
  for (let r = 0; r < count; r++) {
    const i = order[from + r];
    x.set(src.subarray(i * cols, (i + 1) * cols), r * cols); // row r of X_out = row i of X (a memcpy: 2× a loop)
  }
}

// ---------------------------------------------------------------------------------------------------
// Mini-batches

/** One mini-batch. x: size × 784, y: size × classes (one-hot), labels: size digits. */
export interface Batch {
  x: Matrix;
  y: Matrix;
  labels: Uint8Array;
  /** 0, 1, 2, … within the epoch. */
  index: number;
  /** Position of the batch's first example in the epoch's order: index · batchSize. */
  start: number;
}

export interface BatchOptions {
  /** Shuffle the order of the examples, anew for every epoch. Without it: the stored order. */
  rng?: Random;
  /** Number of classes for the one-hot y; default 10. */
  classes?: number;
}

/**
 * The mini-batches of one epoch: every example exactly once, in batches of `batchSize`, the last one
 * shorter if batchSize does not divide n. batchSize = n is full-batch gradient descent, 1 is SGD.
 *
 * The yielded batch is REUSED: the next batch overwrites its x, y and labels (and the Batch object
 * itself). Copy what you keep (x.clone(), labels.slice()). The returned iterable can be iterated again
 * for every epoch (a new shuffle each time) and keeps the same buffers: create it once, loop over it
 * each epoch; an epoch then allocates nothing. The full set in stored order (batchSize = n, no rng) is
 * yielded as the data set itself, no copy; a data set still held as bytes (see Dataset) is scaled on the first
 * epoch into a buffer lent by the pool, which the next epochs find as it was unless another batches() or an
 * evaluation of that shape borrowed it meanwhile (then it is scaled again).
 *
 * The images buffer goes back to a shared pool when an epoch ends (or its loop is left early), and the
 * next epoch of any batches() of the same batch size and width takes it from there: a notebook that calls
 * batches() afresh in a loop reuses one buffer instead of leaving one behind each time for the garbage
 * collector (in WebAssembly memory, which never shrinks: 32 MiB of them in chapter 5's gradient-noise cell).
 * So a batch is valid only until its epoch ends; copy it to keep it.
 */
export function batches(d: Dataset, batchSize: number, options: BatchOptions = {}): Iterable<Batch> {
  checkDataset(d, "batches");
  const n = d.labels.length;
  if (n === 0) throw new Error(`batches: the data set is empty`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > n) {
    throw new Error(`batches: batch size must be a whole number from 1 to ${n} (the number of examples), got ${batchSize}`);
  }
  const { rng, classes = CLASSES } = options;
  const { cols, dtype } = imagesShape(d);

  if (batchSize === n && rng === undefined) {
    let whole: Batch | undefined; // the data set (or its bytes scaled) and its one-hot targets, made on the first epoch
    const taker = {}; // this iterable, as the pool knows it
    return {
      *[Symbol.iterator]() {
        const p = pixelBytes(d);
        let lent: Matrix | null = null;
        if (p !== undefined) { // still bytes: X = bytes / 255 in a lent buffer, scaled again only if another took it meanwhile
          const { buffer, holdsWhatTakerWrote } = takeBuffer(n, cols, dtype, taker);
          if (!holdsWhatTakerWrote) scaleRows(p.bytes, cols, null, 0, n, buffer.data);
          lent = buffer;
        }
        const x = lent ?? d.images;
        try {
          whole ??= { x, y: oneHot(d.labels, classes, Matrix.zeros(n, classes, dtype)), labels: d.labels, index: 0, start: 0 };
          whole.x = x;
          yield whole;
        } finally {
          if (lent !== null) giveBuffer(lent);
        }
      },
    };
  }

  // Buffers made on the first epoch and reused by every batch of every epoch; the last, shorter batch
  // uses views of their first rows. The images buffer is lent by the pool for the length of an epoch.
  let full: Batch | undefined;
  let short: Batch | undefined;
  const order = new Int32Array(n); // the epoch's order of the examples
  const rest = n % batchSize;
  return {
    *[Symbol.iterator]() {
      const x = takeBuffer(batchSize, cols, dtype).buffer;
      try {
        if (full === undefined || full.x !== x) {
          full ??= { x, y: Matrix.zeros(batchSize, classes, dtype), labels: new Uint8Array(batchSize), index: 0, start: 0 };
          full.x = x;
          if (rest > 0) short = { x: x.rowRange(0, rest), y: full.y.rowRange(0, rest), labels: full.labels.subarray(0, rest), index: 0, start: 0 };
        }
        for (let i = 0; i < n; i++) order[i] = i;
        if (rng !== undefined) rng.shuffle(order);
        for (let start = 0, index = 0; start < n; start += batchSize, index++) {
          const b = n - start >= batchSize ? full : short!;
          gatherRows(d, order, start, b.labels.length, b.x.data, b.labels); // X_b = rows order[start…] of X
          oneHot(b.labels, classes, b.y); //                                 Y_b = one-hot(labels_b)
          b.index = index;
          b.start = start;
          yield b;
        }
      } finally {
        giveBuffer(x);
      }
    },
  };
}
