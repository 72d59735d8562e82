import { beforeAll, describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { Dense } from "../lib/nn/layers";
import { Softmax } from "../lib/nn/activations";
import { mlp } from "../lib/nn/models";
import { Sequential } from "../lib/nn/sequential";
import { loadMnist } from "../lib/data/mnist";
import { batches, type Dataset } from "../lib/data/dataset";
import { adam, gd, momentum, stepDecay, type Optimizer } from "../lib/train/optimizers";
import { train } from "../lib/train/train";
import { evaluateDataset, resolveLoss } from "../lib/train/evaluate";
import { checkTrainOptions, type TrainOptions } from "../lib/train/train-checks";
import type { EpochRecord, History, StepInfo, TrainCallback } from "../lib/train/callbacks";
import { logEpochs } from "../lib/train/log";

// The committed sample: 1,000 training and 500 test images (data/mnist-sample).
let trainSet: Dataset;
let testSet: Dataset;
beforeAll(() => {
  trainSet = loadMnist("train", { dir: "data/mnist-sample" });
  testSet = loadMnist("test", { dir: "data/mnist-sample" });
});

/** The first n examples, as views. */
function head(d: Dataset, n: number): Dataset {
  return { images: d.images.rowRange(0, n), labels: d.labels.subarray(0, n) };
}
const small = (hidden = 16, seed = 1) => mlp([784, hidden, 10], { activation: "relu", init: "he", seed });
const weights = (net: Sequential) => net.params().map((p) => Array.from(p.value.data));
const withoutSeconds = (records: EpochRecord[]) => records.map(({ seconds, ...rest }) => rest);

describe("one loop: the batch size makes it full-batch GD, mini-batch GD or SGD", () => {
  it("full batch: one update per epoch", () => {
    const h = train(small(), { train: head(trainSet, 200), epochs: 3, batchSize: "full", optimizer: gd({ lr: 0.5 }) });
    expect(h.epochs.map((r) => r.updates)).toEqual([1, 2, 3]);
  });

  it("batchSize = n is the same as \"full\"", () => {
    const a = small(), b = small();
    train(a, { train: head(trainSet, 100), epochs: 2, batchSize: "full", optimizer: gd({ lr: 0.5 }) });
    train(b, { train: head(trainSet, 100), epochs: 2, batchSize: 100, optimizer: gd({ lr: 0.5 }) });
    expect(weights(a)).toEqual(weights(b));
  });

  it("SGD: n updates per epoch (batch size 1)", () => {
    const h = train(small(), { train: head(trainSet, 50), epochs: 2, batchSize: 1, optimizer: gd({ lr: 0.01 }) });
    expect(h.epochs.map((r) => r.updates)).toEqual([50, 100]);
  });

  it("mini-batch: ⌈n/B⌉ updates per epoch (1000 / 64 → 16, the last batch short)", () => {
    const h = train(small(), { train: trainSet, epochs: 2, batchSize: 64, optimizer: gd({ lr: 0.1 }), evaluateTrain: false });
    expect(h.epochs.map((r) => r.updates)).toEqual([16, 32]);
  });

  it("train() is exactly the hand-written loop over batches(): forward, loss, backward, step", () => {
    const seed = 7, data = head(trainSet, 300);
    const a = small(16, 3), b = small(16, 3);
    train(a, { train: data, epochs: 2, batchSize: 32, optimizer: gd({ lr: 0.1 }), seed, evaluateTrain: false });

    const opt = gd({ lr: 0.1 }), loss = resolveLoss("ce", b), params = b.params();
    const epoch = batches(data, 32, { rng: new Random(seed) });
    for (let e = 0; e < 2; e++) {
      for (const { x, y } of epoch) {
        const { grad } = loss(b.forward(x, true), y);
        b.backward(grad);
        opt.step(params);
      }
    }
    expect(weights(a)).toEqual(weights(b));
  });

  it("learns: 3 epochs of mini-batch GD on 1,000 images reach > 80% on 500 test images", () => {
    const h = train(small(32), { train: trainSet, test: testSet, epochs: 3, batchSize: 32, optimizer: gd({ lr: 0.1 }) });
    const last = h.epochs[2];
    expect(last.testAccuracy!).toBeGreaterThan(0.8);
    expect(last.trainLoss).toBeLessThan(h.epochs[0].trainLoss);
    expect(h.stopped).toBeNull();
  });
});

describe("the history", () => {
  it("records per epoch: epoch, updates, seconds, train and test loss and accuracy, lr", () => {
    const h = train(small(), { train: head(trainSet, 200), test: head(testSet, 100), epochs: 2, batchSize: 50, optimizer: gd({ lr: 0.1 }) });
    expect(h.epochs).toHaveLength(2);
    const r = h.epochs[1];
    expect(r.epoch).toBe(2);
    expect(r.updates).toBe(8);
    expect(r.seconds).toBeGreaterThan(0);
    for (const v of [r.trainLoss, r.testLoss!]) expect(Number.isFinite(v) && v > 0).toBe(true);
    for (const v of [r.trainAccuracy, r.testAccuracy!]) expect(v >= 0 && v <= 1).toBe(true);
    expect(r.lr).toBe(0.1);
  });

  it("train loss and accuracy are the evaluation of the network after the epoch, over the whole set", () => {
    const net = small(), data = head(trainSet, 200);
    const h = train(net, { train: data, epochs: 1, batchSize: 16, optimizer: gd({ lr: 0.1 }) });
    const again = evaluateDataset(net, data, "ce", { batchSize: 37 }); // other chunks, same numbers
    expect(h.epochs[0].trainLoss).toBeCloseTo(again.loss, 5);
    expect(h.epochs[0].trainAccuracy).toBe(again.accuracy);
  });

  it("evaluateTrain: false reports the running mean; for full batch that is the loss before the update", () => {
    const net = small(), data = head(trainSet, 200);
    const before = evaluateDataset(net, data, "ce");
    const h = train(net, { train: data, epochs: 1, batchSize: "full", optimizer: gd({ lr: 0.1 }), evaluateTrain: false });
    expect(h.epochs[0].trainLoss).toBeCloseTo(before.loss, 5);
    expect(h.epochs[0].trainAccuracy).toBe(before.accuracy);
  });

  it("same seed → the same history, number for number (seconds excepted); another seed → another", () => {
    const run = (seed: number) =>
      train(small(16, 5), { train: head(trainSet, 300), test: head(testSet, 100), epochs: 2, batchSize: 20, optimizer: momentum({ lr: 0.05 }), seed });
    const a = run(11), b = run(11), c = run(12);
    expect(withoutSeconds(a.epochs)).toEqual(withoutSeconds(b.epochs));
    expect(withoutSeconds(a.epochs)).not.toEqual(withoutSeconds(c.epochs));
  });

  it("the schedule sets each epoch's learning rate (0-based epoch in, recorded per epoch)", () => {
    const h = train(small(), { train: head(trainSet, 100), epochs: 4, batchSize: 50, optimizer: gd({ lr: 0.2 }), schedule: stepDecay(2, 0.5) });
    expect(h.epochs.map((r) => r.lr)).toEqual([0.2, 0.2, 0.1, 0.1]);
  });

  it("calls afterEpoch after every epoch and afterStep every stepEvery updates (and at each epoch's end)", () => {
    const epochs: number[] = [], steps: string[] = [];
    train(small(), {
      train: head(trainSet, 100), epochs: 2, batchSize: 10, optimizer: gd({ lr: 0.1 }), stepEvery: 4,
      callbacks: [{
        afterEpoch: (r, h) => void epochs.push(r.epoch * 10 + h.epochs.length),
        afterStep: (s) => void steps.push(`${s.epoch}:${s.step}/${s.stepsPerEpoch}:${s.updates}`),
      }],
    });
    expect(epochs).toEqual([11, 22]);
    expect(steps).toEqual(["1:4/10:4", "1:8/10:8", "1:10/10:10", "2:2/10:12", "2:6/10:16", "2:10/10:20"]);
  });

  it("a training step allocates no Matrix once warmed up", () => {
    const created: number[] = [];
    train(small(), {
      train: head(trainSet, 640), epochs: 2, batchSize: 64, optimizer: adam({ lr: 1e-3 }), evaluateTrain: false,
      callbacks: [{ afterStep: (s) => { if (s.epoch === 2) created.push(Matrix.created); } }],
    });
    expect(created).toHaveLength(10);
    expect(created[9] - created[1]).toBe(0);
  });

  it("loss \"mse\" on a network ending with Softmax learns too (seed system 3's choice)", () => {
    const net = mlp([784, 32, 10], { activation: "relu", init: "he", seed: 2, outputSoftmax: true });
    const h = train(net, { train: trainSet, test: testSet, epochs: 4, batchSize: 16, optimizer: gd({ lr: 0.5 }), loss: "mse" });
    expect(h.epochs[3].testAccuracy!).toBeGreaterThan(0.6);
    expect(h.epochs[3].trainLoss).toBeLessThan(h.epochs[0].trainLoss);
  });

  it("loss \"ce\" on a network ending with Softmax is cross-entropy on its probabilities: same numbers as on logits", () => {
    const logits = mlp([784, 8, 10], { seed: 4 });
    const probs = new Sequential([...logits.layers, new Softmax()]);
    const data = head(trainSet, 100);
    const a = evaluateDataset(logits, data, "ce"), b = evaluateDataset(probs, data, "ce");
    expect(b.loss).toBeCloseTo(a.loss, 4);
    expect(b.accuracy).toBe(a.accuracy);
  });
});

describe("callbacks: objects told about every step and epoch, in list order", () => {
  /** A callback that writes down every call it gets. */
  class Recorder implements TrainCallback {
    readonly calls: string[] = [];
    constructor(readonly tag: string, readonly stopAfter?: number) {}
    afterStep(s: StepInfo): void {
      this.calls.push(`${this.tag} step ${s.epoch}:${s.step}/${s.stepsPerEpoch} #${s.updates}`);
    }
    afterEpoch(r: EpochRecord, h: History): void | "stop" {
      this.calls.push(`${this.tag} epoch ${r.epoch} (${h.epochs.length} kept)`);
      if (r.epoch === this.stopAfter) return "stop";
    }
    afterFit(h: History): void {
      this.calls.push(`${this.tag} fit ${h.epochs.length}`);
    }
  }

  it("afterStep is called once per update with the right counts (30 rows, batches of 8: 4 steps, the last short)", () => {
    const rec = new Recorder("a");
    const h = train(small(), { train: head(trainSet, 30), epochs: 2, batchSize: 8, optimizer: gd({ lr: 0.1 }), callbacks: [rec] });
    const steps = rec.calls.filter((c) => c.includes("step"));
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((t) => `a step ${Math.ceil(t / 4)}:${((t - 1) % 4) + 1}/4 #${t}`));
    expect(h.epochs.map((r) => r.updates)).toEqual([4, 8]);
    expect(rec.calls.slice(-3)).toEqual(["a step 2:4/4 #8", "a epoch 2 (2 kept)", "a fit 2"]); // the step, then the epoch, then the end
  });

  it("a callback that returns \"stop\" after epoch 2 stops training there; every callback still sees epoch 2", () => {
    const stopper = new Recorder("stopper", 2), watcher = new Recorder("watcher");
    const lines: string[] = [];
    const h = train(small(), {
      train: head(trainSet, 40), epochs: 5, batchSize: 20, optimizer: gd({ lr: 0.1 }), callbacks: [stopper, watcher, logEpochs((l) => lines.push(l))],
    });
    expect(h.epochs.map((r) => r.epoch)).toEqual([1, 2]);
    expect(h.stopped).toEqual({ epoch: 2, step: 2, reason: "training stopped after epoch 2 of 5: a callback asked to stop", by: "callback" });
    expect(watcher.calls.filter((c) => c.includes("epoch"))).toEqual(["watcher epoch 1 (1 kept)", "watcher epoch 2 (2 kept)"]);
    expect(watcher.calls[watcher.calls.length - 1]).toBe("watcher fit 2");
    expect(stopper.calls.filter((c) => c.includes("step"))).toHaveLength(4); // 2 epochs × 2 updates, none after the stop
    expect(lines[lines.length - 1]).toBe(h.stopped!.reason);
  });

  it("callbacks run in list order, and a run that stops on its own says nothing of stopping", () => {
    const order: string[] = [];
    const cb = (tag: string): TrainCallback => ({ afterEpoch: () => void order.push(tag), afterFit: () => void order.push(`${tag} fit`) });
    const h = train(small(), { train: head(trainSet, 20), epochs: 2, batchSize: "full", optimizer: gd({ lr: 0.1 }), callbacks: [cb("a"), cb("b")] });
    expect(order).toEqual(["a", "b", "a", "b", "a fit", "b fit"]);
    expect(h.stopped).toBeNull();
  });

  it("the same seed gives the same history with or without callbacks (they only watch)", () => {
    const run = (callbacks?: TrainCallback[]) =>
      train(small(), { train: head(trainSet, 100), epochs: 2, batchSize: 16, optimizer: gd({ lr: 0.1 }), seed: 3, evaluateTrain: false, callbacks });
    expect(withoutSeconds(run([new Recorder("x")]).epochs)).toEqual(withoutSeconds(run().epochs));
  });

  it("refuses a callback that is not an object, a method that is not a function, and the old onStep/onEpoch options", () => {
    const opts = { train: head(trainSet, 20), epochs: 1, batchSize: 10, optimizer: gd({ lr: 0.1 }) };
    expect(() => train(small(), { ...opts, callbacks: [null as unknown as TrainCallback] })).toThrow("train: callbacks[0] must be an object with beforeFit, afterStep, afterEpoch or afterFit, found null");
    expect(() => train(small(), { ...opts, callbacks: [{ afterEpoch: 3 } as unknown as TrainCallback] })).toThrow("train: callbacks[0].afterEpoch must be a function, found 3");
    expect(() => train(small(), { ...opts, onStep: () => {} } as TrainOptions)).toThrow(/^train: there is no option onStep; callbacks do that/);
  });
});

describe("divergence: the loss becomes NaN or infinite, or explodes", () => {
  it("stops at once, keeps the epochs so far, says where and suggests a smaller learning rate; does not throw", () => {
    const lines: string[] = [];
    // Two sane epochs, then a learning rate of 1e6.
    const h = train(small(), {
      train: head(trainSet, 200), epochs: 5, batchSize: 20, optimizer: gd({ lr: 0.05 }),
      schedule: (e, lr) => (e < 2 ? lr : 1e6), callbacks: [logEpochs((line) => lines.push(line))],
    });
    expect(h.epochs).toHaveLength(2);
    expect(h.stopped).not.toBeNull();
    expect(h.stopped!.epoch).toBe(3);
    expect(h.stopped!.step).toBeGreaterThanOrEqual(1);
    expect(h.stopped!.reason).toMatch(/loss (became NaN|became Infinity|exploded to .*) at epoch 3, step \d+ .*learning rate 1000000.*try a smaller learning rate \(e\.g\. 100000\)/);
    expect(lines[lines.length - 1]).toBe(h.stopped!.reason);
  });

  it("lr 1e6 from the start: the loss explodes (finite: softmax CE is stable, ReLUs die); stopped after the 1st update", () => {
    const h = train(small(), { train: head(trainSet, 200), epochs: 3, batchSize: "full", optimizer: gd({ lr: 1e6 }) });
    expect(h.epochs).toEqual([]); // the evaluation after epoch 1 already exploded
    expect(h.stopped).toMatchObject({ epoch: 1, step: 1 });
    expect(h.stopped!.reason).toMatch(/^training stopped: the loss exploded to \d\.\d\de\+\d+ \(above 2\.\d\de\+4\) at epoch 1, step 1 \(after 1 updates\)/);
  });

  it("maxLoss: null stops only on NaN/∞: a network without activations overflows float32 to NaN", () => {
    const linear = new Sequential([new Dense(784, 16, { seed: 1 }), new Dense(16, 10, { seed: 2 })]);
    const h = train(linear, { train: head(trainSet, 200), epochs: 50, batchSize: "full", optimizer: gd({ lr: 10 }), maxLoss: null });
    expect(h.stopped!.reason).toMatch(/the loss became (NaN|Infinity) at epoch \d+/);
    expect(h.epochs.length).toBe(h.stopped!.epoch - 1);
    expect(h.epochs.every((r) => Number.isFinite(r.trainLoss))).toBe(true);
  });
});

describe("guard rails: refused before training, with what was expected, what was found, where", () => {
  let net: Sequential;
  let before: number[][];
  const options = (over: Partial<TrainOptions>): TrainOptions =>
    ({ train: head(trainSet, 100), epochs: 1, batchSize: 10, optimizer: gd({ lr: 0.1 }), ...over }) as TrainOptions;
  const refuses = (over: Partial<TrainOptions>, message: RegExp | string, n: Sequential = net) => {
    expect(() => train(n, options(over))).toThrow(message);
    expect(weights(n)).toEqual(before); // nothing was done
  };
  beforeAll(() => {
    net = small();
    before = weights(net);
  });

  it("a learning rate that is not a positive finite number", () => {
    for (const lr of [NaN, 0, -1, Infinity]) {
      const custom: Optimizer = { name: "custom", lr, step: () => {} };
      refuses({ optimizer: custom }, `train: the learning rate must be a positive finite number, found ${lr} (optimizer custom)`);
    }
  });

  it("a batch size of 0, negative, fractional, larger than the data, or a word other than full", () => {
    for (const bs of [0, -5, 2.5, 101, "half"]) {
      refuses({ batchSize: bs as number }, `train: batchSize must be "full" or an integer from 1 to 100 (the number of training examples), found ${typeof bs === "string" ? `"${bs}"` : bs}`);
    }
  });

  it("epochs that are not a positive integer", () => {
    for (const epochs of [0, -1, 1.5, NaN]) refuses({ epochs }, `train: epochs must be a positive integer, found ${epochs}`);
  });

  it("layers whose sizes do not chain", () => {
    // Sequential's constructor refuses this too; train() checks again because layers can be swapped later.
    const broken = mlp([784, 32, 10]);
    broken.layers[2] = new Dense(16, 10, { seed: 1 });
    expect(() => train(broken, options({}))).toThrow(
      "train: layer 2 (Dense(16→10)) takes 16 inputs, but layer 0 (Dense(784→32)) gives 32 outputs",
    );
  });

  it("images of the wrong width for the first layer", () => {
    const narrow = { images: Matrix.zeros(10, 783), labels: new Uint8Array(10) };
    refuses({ train: narrow }, "train: the training set's images have 783 columns but the first layer (dense 784→…) expects 784 inputs");
    refuses({ test: narrow }, "train: the test set's images have 783 columns");
  });

  it("labels whose count differs from the images' rows", () => {
    const d = { images: Matrix.zeros(10, 784), labels: new Uint8Array(9) };
    refuses({ train: d }, "train: the training set has 10 image rows but 9 labels; expected one label per row");
  });

  it("a label the network has no output for", () => {
    const labels = new Uint8Array(10);
    labels[4] = 10;
    refuses({ train: { images: Matrix.zeros(10, 784), labels } }, "train: the training set's label at row 4 is 10, but the network has 10 outputs (classes 0..9)");
  });

  it("checkTrainOptions resolves \"full\" to the number of examples", () => {
    expect(checkTrainOptions(net, options({ batchSize: "full" })).batchSize).toBe(100);
  });
});
