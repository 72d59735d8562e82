// The playground's training, in a Web Worker (web/worker.ts) or, where workers cannot start, on the page.
// It is the library's own code: mlp() builds the network, train() runs the updates, evaluateDataset() measures.
// Training goes in slices of about a thousand examples so that "pause" and new settings are heard between
// them; each epoch still visits every example once, in a new seeded order.
import { Matrix } from "../lib/core/matrix";
import { mlp, type ActivationName } from "../lib/nn/models";
import type { Sequential } from "../lib/nn/sequential";
import { train } from "../lib/train/train";
import { evaluateDataset } from "../lib/train/evaluate";
import { makeOptimizer, type Optimizer } from "../lib/train/optimizers";
import { datasetFromIdx } from "../lib/data/mnist";
import { shuffleDataset, type Dataset } from "../lib/data/dataset";
import { parseIdx } from "../lib/data/idx";
import { pickKernels } from "./kernels";

export interface PlaygroundSettings {
  hidden: number;
  activation: ActivationName;
  lr: number;
  /** "full" = full-batch GD, "mini" = mini-batches of `miniBatch`, "sgd" = one example per update */
  batch: "full" | "mini" | "sgd";
  miniBatch: number;
  optimizer: "gd" | "momentum" | "adam";
  seed: number;
}

/** The four IDX files of the subset, decompressed. */
export interface PlaygroundData {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

export interface Progress {
  type: "progress";
  epoch: number; // epochs done, fractional
  updates: number;
  trainLoss: number; // mean over the examples of the last slice, measured while training on them
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

export type TrainerMessage =
  | Progress
  | { type: "ready"; train: number; test: number; kernels: string }
  | { type: "paused" }
  | { type: "stopped"; reason: string }
  | { type: "error"; message: string };

export type TrainerCommand =
  | { type: "data"; data: PlaygroundData }
  | { type: "start"; settings: PlaygroundSettings }
  | { type: "resume" }
  | { type: "pause" };

const SLICE_ROWS = 1000;

export class Trainer {
  private trainSet: Dataset | null = null;
  private testSet: Dataset | null = null;
  private net: Sequential | null = null;
  private optimizer: Optimizer | null = null;
  private settings: PlaygroundSettings | null = null;
  private epochData: Dataset | null = null; // this epoch's shuffled copy
  private epoch = 0; // whole epochs done
  private offset = 0; // rows of this epoch done
  private updates = 0;
  private running = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  private readonly kernels: string;

  /** `wasm`: try the WebAssembly kernels (in the worker); the page's own thread keeps the plain loops. */
  constructor(private readonly post: (m: TrainerMessage) => void, wasm = true) {
    this.kernels = wasm ? pickKernels() : "plain loops (training on the page's own thread)";
  }

  handle(cmd: TrainerCommand): void {
    try {
      if (cmd.type === "data") this.load(cmd.data);
      else if (cmd.type === "start") this.start(cmd.settings);
      else if (cmd.type === "resume") this.run();
      else if (cmd.type === "pause") this.pause();
    } catch (e) {
      this.running = false;
      this.post({ type: "error", message: (e as Error).message });
    }
  }

  private load(data: PlaygroundData): void {
    this.trainSet = datasetFromIdx(parseIdx(data.trainImages, "train images"), parseIdx(data.trainLabels, "train labels"));
    this.testSet = datasetFromIdx(parseIdx(data.testImages, "test images"), parseIdx(data.testLabels, "test labels"));
    this.post({ type: "ready", train: this.trainSet.labels.length, test: this.testSet.labels.length, kernels: this.kernels });
  }

  private start(s: PlaygroundSettings): void {
    if (this.trainSet === null) throw new Error("the playground's data has not arrived yet");
    this.pause();
    this.settings = s;
    this.net = mlp([784, s.hidden, 10], { activation: s.activation, seed: s.seed });
    this.optimizer = makeOptimizer(s.optimizer, { lr: s.lr });
    this.epoch = 0;
    this.offset = 0;
    this.updates = 0;
    this.epochData = null;
    this.run();
  }

  private pause(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.post({ type: "paused" });
  }

  private run(): void {
    if (this.net === null || this.running) return;
    this.running = true;
    this.timer = setTimeout(() => this.step(), 0);
  }

  /** One slice of training, then a measurement, then the next slice after any waiting message. */
  private step(): void {
    this.timer = null;
    if (!this.running || this.net === null || this.optimizer === null || this.settings === null) return;
    try {
      const all = this.trainSet as Dataset;
      const n = all.labels.length;
      const s = this.settings;
      const batchSize = s.batch === "full" ? n : s.batch === "sgd" ? 1 : s.miniBatch;
      if (this.epochData === null) this.epochData = shuffleDataset(all, s.seed * 1000 + this.epoch);
      const rows = sliceEnd(this.offset, n, batchSize) - this.offset;
      const slice = rowsOf(this.epochData, this.offset, rows);
      const history = train(this.net, {
        train: slice,
        epochs: 1,
        batchSize: Math.min(batchSize, rows),
        optimizer: this.optimizer,
        seed: s.seed * 7919 + this.updates,
        evaluateTrain: false,
      });
      if (history.stopped !== null) {
        this.running = false;
        this.post({ type: "stopped", reason: history.stopped.reason });
        return;
      }
      const record = history.epochs[0];
      this.updates += record.updates;
      this.offset += rows;
      if (this.offset >= n) {
        this.epoch += 1;
        this.offset = 0;
        this.epochData = null;
      }
      const test = evaluateDataset(this.net, this.testSet as Dataset);
      this.post({
        type: "progress",
        epoch: this.epoch + this.offset / n,
        updates: this.updates,
        trainLoss: record.trainLoss,
        trainAccuracy: record.trainAccuracy,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
      });
      this.timer = setTimeout(() => this.step(), 0);
    } catch (e) {
      this.running = false;
      this.post({ type: "error", message: (e as Error).message });
    }
  }
}

/**
 * Where the slice that starts at `from` ends: about SLICE_ROWS rows on, at a whole number of batches, the
 * epoch cut into slices of near-equal size (5,000 rows in batches of 32: 992, 1024, 992, 992, 1000).
 */
function sliceEnd(from: number, n: number, batchSize: number): number {
  const slices = Math.max(1, Math.round(n / Math.max(SLICE_ROWS, batchSize)));
  const next = Math.round(from / (n / slices)) + 1; // the index of the boundary after `from`
  if (next >= slices) return n;
  const end = Math.round((next * n) / slices / batchSize) * batchSize;
  return end > from ? end : Math.min(n, from + batchSize);
}

/** Rows [from, from + count) of a data set, as views (no copy). */
function rowsOf(d: Dataset, from: number, count: number): Dataset {
  const cols = d.images.cols;
  return {
    images: new Matrix(count, cols, d.images.data.subarray(from * cols, (from + count) * cols)),
    labels: d.labels.subarray(from, from + count),
  };
}
