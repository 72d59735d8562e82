// What train() takes from its caller instead of building it: early stopping is a callback (EarlyStopping), the
// augmentation a transform of the training batches (an Augmenter, or any { apply }), the epoch lines a callback
// (logEpochs); the old options are refused with the new form.
import { beforeAll, describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { mlp } from "../lib/nn/models";
import type { Sequential } from "../lib/nn/sequential";
import { loadMnist } from "../lib/data/mnist";
import type { Dataset } from "../lib/data/dataset";
import { Augmenter } from "../lib/data/augment";
import { adam, gd } from "../lib/train/optimizers";
import { train } from "../lib/train/train";
import type { TrainOptions } from "../lib/train/train-checks";
import type { EpochRecord } from "../lib/train/callbacks";
import { EarlyStopping } from "../lib/train/early-stopping";
import { formatRecord, logEpochs } from "../lib/train/log";

let small: Dataset, dev: Dataset;
beforeAll(() => {
  const all = loadMnist("train", { dir: "data/mnist-sample" });
  small = { images: all.images.rowRange(0, 300), labels: all.labels.subarray(0, 300) };
  dev = { images: all.images.rowRange(300, 500), labels: all.labels.subarray(300, 500) };
});
const weights = (net: Sequential) => net.params().map((p) => Array.from(p.value.data));
const withoutSeconds = (records: EpochRecord[]) => records.map(({ seconds, ...rest }) => rest);

describe("transform: applied to every training batch before the forward pass", () => {
  it("is called once per update with the batch, and the network trains on what it returns", () => {
    const seen: number[] = [];
    const zeros = Matrix.zeros(50, 784);
    const net = mlp([784, 8, 10], { seed: 1 });
    const W1 = Array.from(net.params()[0].value.data);
    const h = train(net, {
      train: small, epochs: 2, batchSize: 50, optimizer: gd({ lr: 0.5 }),
      transform: { apply: (x) => (seen.push(x.rows), zeros) }, // every image blank
    });
    expect(seen).toEqual(Array(12).fill(50)); // 300/50 = 6 updates an epoch, 2 epochs
    expect(h.epochs[1].updates).toBe(12);
    // dW₁ = Xᵀ·dZ₁ = 0 when X = 0: the first layer's weights never moved; the output bias did (db₂ = mean of p − y)
    expect(Array.from(net.params()[0].value.data)).toEqual(W1);
    expect(weights(net)[3].some((b) => b !== 0)).toBe(true);
  });

  it("an Augmenter is one: the same seed gives the same history, and it differs from no transform", () => {
    const run = (transform?: Augmenter) =>
      withoutSeconds(train(mlp([784, 16, 10], { seed: 2 }), { train: small, test: dev, epochs: 2, batchSize: 50, seed: 1, optimizer: adam({ lr: 0.003 }), transform }).epochs);
    const a = run(new Augmenter({ seed: 5 }));
    expect(run(new Augmenter({ seed: 5 }))).toEqual(a);
    expect(run()).not.toEqual(a);
  });

  it("a transform that returns the batch unchanged gives the history of no transform", () => {
    const run = (transform?: { apply(x: Matrix): Matrix }) =>
      withoutSeconds(train(mlp([784, 16, 10], { seed: 2 }), { train: small, test: dev, epochs: 2, batchSize: 50, seed: 1, optimizer: adam({ lr: 0.003 }), transform }).epochs);
    expect(run({ apply: (x) => x })).toEqual(run());
  });

  it("refuses a transform without apply", () => {
    expect(() => train(mlp([784, 10]), { train: small, epochs: 1, batchSize: 50, optimizer: gd({ lr: 0.1 }), transform: {} as never }))
      .toThrow("train: transform must be an object with apply(x) → x', such as an Augmenter, found [object Object]");
  });
});

describe("EarlyStopping: a callback the caller passes", () => {
  it("one EarlyStopping serves two runs: beforeFit starts it afresh, so the same seed gives the same stop", () => {
    const es = new EarlyStopping({ patience: 1 });
    const run = () => train(mlp([784, 64, 10], { seed: 3 }), { train: small, test: dev, epochs: 30, batchSize: 30, seed: 1, optimizer: adam({ lr: 0.01 }), callbacks: [es] });
    const first = run();
    const stops = [es.stoppedEpoch, es.bestEpoch];
    const second = run();
    expect(first.stopped?.by).toBe("callback");
    expect(first.epochs.length).toBeLessThan(30);
    expect(withoutSeconds(second.epochs)).toEqual(withoutSeconds(first.epochs));
    expect([es.stoppedEpoch, es.bestEpoch]).toEqual(stops);
    expect(second.stopped?.reason).toBe(`early stopping after epoch ${stops[0]}: the dev loss has not gone below its best ` +
      `(${es.bestLoss.toFixed(4)}, epoch ${stops[1]}) for 1 epochs; the weights of epoch ${stops[1]} are restored`);
  });

  it("refuses the old form new EarlyStopping(net, options), saying the new one", () => {
    expect(() => new EarlyStopping(mlp([4, 2]) as never)).toThrow(/e\.g\. new EarlyStopping\(\{ patience: 3 \}\); the network is not passed, train\(\) gives it/);
  });
});

describe("logEpochs: the epoch lines are a callback; train() prints nothing", () => {
  it("writes formatRecord's line for each epoch, and the reason when a callback stops the run", () => {
    const lines: string[] = [];
    const h = train(mlp([784, 64, 10], { seed: 3 }), {
      train: small, test: dev, epochs: 30, batchSize: 30, seed: 1, optimizer: adam({ lr: 0.01 }),
      callbacks: [new EarlyStopping({ patience: 1 }), logEpochs((l) => lines.push(l))],
    });
    expect(lines).toEqual([...h.epochs.map((r) => formatRecord(r, 30)), h.stopped!.reason]);
    expect(lines[lines.length - 1]).toMatch(/^early stopping after epoch/); // EarlyStopping's reason: it came first
  });

  it("without it, nothing reaches the console, not even a divergence (its reason is in history.stopped)", () => {
    const said: unknown[] = [];
    const [log, warn] = [console.log, console.warn];
    console.log = (...a: unknown[]) => void said.push(a);
    console.warn = (...a: unknown[]) => void said.push(a);
    try {
      const h = train(mlp([784, 8, 10], { seed: 1 }), { train: small, epochs: 2, batchSize: "full", optimizer: gd({ lr: 1e6 }) });
      expect(h.stopped?.reason).toMatch(/^training stopped: the loss exploded/);
    } finally {
      [console.log, console.warn] = [log, warn];
    }
    expect(said).toEqual([]);
  });
});

describe("the old options are refused, with the new form, before anything is touched", () => {
  const net = mlp([784, 8, 10], { seed: 1 });
  const before = weights(net);
  const refuses = (old: Record<string, unknown>, message: string) => {
    const options = { train: small, test: dev, epochs: 1, batchSize: 50, optimizer: gd({ lr: 0.1 }), ...old } as TrainOptions;
    expect(() => train(net, options)).toThrow(message);
    expect(weights(net)).toEqual(before);
  };
  it("earlyStopping", () => refuses({ earlyStopping: { patience: 3 } }, "train: there is no option earlyStopping; early stopping is a callback: callbacks: [new EarlyStopping({ patience: 3 })]"));
  it("augment", () => refuses({ augment: true }, "train: there is no option augment; augmentation is a transform of the training batches: transform: new Augmenter({ seed: 1 })"));
  it("log", () => refuses({ log: false }, "train: there is no option log; the epoch lines come from a callback: callbacks: [logEpochs()]"));
  it("two at once are both named", () => refuses({ augment: true, log: true }, "train: there is no option augment or log; augmentation is"));
});
