// A data set held as bytes until its images are read (lib/data/images.ts) against the same data scaled eagerly
// by hand (x = fround(byte / 255), not the library's table): the same batches, evaluations, shuffles, splits and
// training histories number for number, on both backends; the library's readers leave `images` unread; and once
// read, `images` is the data.
import { afterAll, describe, expect, it, vi } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { getBackend, setBackend, type BackendName } from "../lib/engine/backend";
import { mlp } from "../lib/nn/models";
import {
  batches, byteDataset, describeDataset, imagesShape, shuffleDataset, splitDev, type Dataset,
} from "../lib/data/dataset";
import { pixelBytes } from "../lib/data/images";
import { loadMnist } from "../lib/data/mnist";
import { adam, gd } from "../lib/train/optimizers";
import { train } from "../lib/train/train";
import { evaluateDataset } from "../lib/train/evaluate";
import type { EpochRecord } from "../lib/train/callbacks";

const N = 203; // rows: no batch size below divides it evenly
const COLS = 784;
const initialBackend = getBackend();
afterAll(() => void setBackend(initialBackend));

/** Bytes like MNIST's (about 80 % zeros), labels 0–9, from a seed. */
function randomBytes(seed: number): { bytes: Uint8Array; labels: Uint8Array } {
  const rng = new Random(seed);
  const bytes = new Uint8Array(N * COLS);
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.next() < 0.8 ? 0 : Math.floor(rng.next() * 256);
  const labels = new Uint8Array(N);
  for (let i = 0; i < N; i++) labels[i] = Math.floor(rng.next() * 10);
  return { bytes, labels };
}

/** The same data, scaled by hand now: x = byte / 255 rounded to float32. */
function eager(bytes: Uint8Array, labels: Uint8Array): Dataset {
  const x = Matrix.zeros(labels.length, COLS);
  for (let i = 0; i < bytes.length; i++) x.data[i] = Math.fround(bytes[i] / 255);
  return { images: x, labels: labels.slice() };
}

/** A byte data set and its eager twin; `reads` counts the reads of the byte set's images. */
function pair(seed = 1): { lazy: Dataset; twin: Dataset; reads: () => number } {
  const { bytes, labels } = randomBytes(seed);
  const lazy = byteDataset(bytes.slice(), COLS, labels.slice());
  const spy = vi.spyOn(lazy, "images", "get");
  return { lazy, twin: eager(bytes, labels), reads: () => spy.mock.calls.length };
}

const withoutSeconds = (records: EpochRecord[]) => records.map(({ seconds, ...rest }) => rest);
const BACKENDS: BackendName[] = ["js", "wasm"];

describe("a data set held as bytes", () => {
  it("reads as x = byte / 255, once: the same Matrix every time, and then the bytes are gone", () => {
    const { lazy, twin, reads } = pair();
    expect(pixelBytes(lazy)).toBeDefined();
    const first = lazy.images;
    expect(Array.from(first.data)).toEqual(Array.from(twin.images.data));
    expect(first.shape).toBe(`${N}×${COLS}`);
    expect(lazy.images).toBe(first);
    expect(reads()).toBe(2);
    expect(pixelBytes(lazy)).toBeUndefined();
  });

  it("a Matrix assigned to images replaces the bytes", () => {
    const { lazy, twin } = pair();
    lazy.images = twin.images;
    expect(lazy.images).toBe(twin.images);
    expect(pixelBytes(lazy)).toBeUndefined();
  });

  it("refuses bytes that are not one row of `cols` per label, and a dtype a Matrix cannot hold", () => {
    expect(() => byteDataset(new Uint8Array(10), 4, new Uint8Array(3))).toThrow(/expected 3 labels × 4 pixels = 12 bytes, found 10/);
    expect(() => byteDataset(new Uint8Array(4), 4, new Uint8Array(1), "int8" as never)).toThrow(/dtype must be "float32" or "float64", got "int8"/);
  });

  it("loadMnist gives one: its images unread until asked for, then the same numbers as float64 / 255 rounded", () => {
    const d = loadMnist("test", { dir: "data/mnist-sample", limit: 20 });
    expect(pixelBytes(d)).toBeDefined();
    expect(imagesShape(d)).toEqual({ rows: 20, cols: 784, dtype: "float32" });
    const bytes = pixelBytes(d)!.bytes.slice();
    expect(Array.from(d.images.data)).toEqual(Array.from(bytes, (b) => Math.fround(b / 255)));
    const d64 = loadMnist("test", { dir: "data/mnist-sample", limit: 20, dtype: "float64" });
    expect(Array.from(d64.images.data)).toEqual(Array.from(bytes, (b) => b / 255));
  });

  it("sizes, checks, batches, evaluation, shuffles, splits and the description leave images unread", () => {
    const { lazy, reads } = pair();
    const net = mlp([COLS, 8, 10], { seed: 3 });
    expect(imagesShape(lazy)).toEqual({ rows: N, cols: COLS, dtype: "float32" });
    for (const b of [1, 64, N]) for (const _ of batches(lazy, b, { rng: new Random(1) })) void _;
    for (const _ of batches(lazy, N)) void _;
    evaluateDataset(net, lazy);
    const { train: part, dev } = splitDev(shuffleDataset(lazy, 5), 50);
    describeDataset(lazy);
    train(net, { train: part, test: dev, epochs: 1, batchSize: 32, optimizer: gd({ lr: 0.1 }) });
    train(net, { train: lazy, epochs: 1, batchSize: "full", optimizer: gd({ lr: 0.1 }) });
    expect(reads()).toBe(0);
    expect(pixelBytes(lazy)).toBeDefined();
    expect(pixelBytes(part)).toBeDefined();
  });

  it("gives the same batches as the eager set: shuffled, in stored order, full, shuffled full", () => {
    const { lazy, twin } = pair();
    for (const [size, seed] of [[1, 1], [64, 2], [64, undefined], [N, undefined], [N, 3]] as const) {
      const mine = batches(lazy, size, { rng: seed === undefined ? undefined : new Random(seed) });
      const theirs = batches(twin, size, { rng: seed === undefined ? undefined : new Random(seed) });
      for (let epoch = 0; epoch < 2; epoch++) {
        const got = Array.from(mine, (b) => ({ x: Array.from(b.x.data), y: Array.from(b.y.data), labels: Array.from(b.labels), start: b.start }));
        const want = Array.from(theirs, (b) => ({ x: Array.from(b.x.data), y: Array.from(b.y.data), labels: Array.from(b.labels), start: b.start }));
        expect(got).toEqual(want);
      }
    }
  });

  it("the full batch is scaled on the first epoch and kept; scaled again if another borrowed its buffer", () => {
    const { lazy, twin } = pair();
    const full = batches(lazy, N);
    const [first] = Array.from(full, (b) => b.x);
    const [second] = Array.from(full, (b) => b.x);
    expect(second).toBe(first);
    // another full batch of the same shape borrows the buffer and writes other images into it
    const other = byteDataset(new Uint8Array(N * COLS).fill(255), COLS, new Uint8Array(N));
    for (const b of batches(other, N)) expect(b.x).toBe(first);
    expect(first.data[0]).toBe(1);
    for (const b of full) expect(Array.from(b.x.data)).toEqual(Array.from(twin.images.data));
  });

  it("shuffles and splits as the eager set does, and stays bytes", () => {
    const { lazy, twin } = pair();
    const a = splitDev(shuffleDataset(lazy, 9), 70);
    const b = splitDev(shuffleDataset(twin, 9), 70);
    for (const k of ["train", "dev"] as const) {
      expect(pixelBytes(a[k])).toBeDefined();
      expect(Array.from(a[k].labels)).toEqual(Array.from(b[k].labels));
      expect(Array.from(a[k].images.data)).toEqual(Array.from(b[k].images.data));
    }
    expect(describeDataset(lazy)).toBe(describeDataset(twin));
  });

  it("odd widths and odd offsets (no two pixels at a time) scale as the eager set, in float32 and float64", () => {
    const cols = 5, n = 41;
    const rng = new Random(6);
    const bytes = Uint8Array.from({ length: n * cols }, () => Math.floor(rng.next() * 256));
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    for (const dtype of ["float32", "float64"] as const) {
      const round = dtype === "float32" ? Math.fround : (v: number) => v;
      const { train: lazy } = splitDev(byteDataset(bytes, cols, labels, dtype), 3); // starts at byte 15: an odd offset
      const want = Array.from(bytes.subarray(3 * cols), (b) => round(b / 255));
      const got: number[] = [];
      for (const b of batches(lazy, 7)) got.push(...b.x.data);
      expect(got).toEqual(want);
      expect(Array.from(lazy.images.data)).toEqual(want);
    }
  });

  for (const backend of BACKENDS) {
    it(`trains and evaluates number for number as the eager set (${backend})`, () => {
      setBackend(backend);
      const { lazy, twin } = pair(2);
      const test = pair(3);
      expect(evaluateDataset(mlp([COLS, 16, 10], { seed: 4 }), lazy, "ce", { batchSize: 64 }))
        .toEqual(evaluateDataset(mlp([COLS, 16, 10], { seed: 4 }), twin, "ce", { batchSize: 64 }));
      for (const batchSize of [16, "full"] as const) {
        const run = (d: Dataset, t: Dataset) => train(mlp([COLS, 16, 10], { seed: 4 }), {
          train: d, test: t, epochs: 3, batchSize, seed: 7, evalBatchSize: 50, optimizer: adam({ lr: 0.01 }),
        });
        const mine = run(lazy, test.lazy);
        expect(withoutSeconds(mine.epochs)).toEqual(withoutSeconds(run(twin, test.twin).epochs));
        expect(mine.epochs[2].trainLoss).toBeLessThan(mine.epochs[0].trainLoss); // it did learn
      }
      expect(pixelBytes(lazy)).toBeDefined();
      expect(pixelBytes(test.lazy)).toBeDefined();
    });
  }

  it("after the first read, images is the data: a change made in place is what trains", () => {
    const { lazy, twin } = pair(4);
    const untouched = byteDataset(pixelBytes(lazy)!.bytes.slice(), COLS, lazy.labels.slice());
    for (const d of [lazy, twin]) for (let i = 0; i < d.images.data.length; i += 7) d.images.data[i] = 1 - d.images.data[i];
    const run = (d: Dataset, batchSize: number | "full") =>
      withoutSeconds(train(mlp([COLS, 16, 10], { seed: 5 }), { train: d, epochs: 2, batchSize, seed: 2, optimizer: gd({ lr: 0.1 }) }).epochs);
    for (const batchSize of [32, "full"] as const) {
      expect(run(lazy, batchSize)).toEqual(run(twin, batchSize));
      expect(run(lazy, batchSize)).not.toEqual(run(untouched, batchSize));
    }
  });
});
