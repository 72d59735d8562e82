import { describe, expect, it } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PALETTE, runsTable, stepLossCurves, trainingCurves, xValues } from "../lib/course/curves";
import { scheduleCurves } from "../lib/course/schedule-curves";
import { Probe, StepLog, movingAverage } from "../lib/course/probes";
import { LiveCurves, kernelSink } from "../lib/course/live";
import { readRun, readRunIfPresent } from "../lib/course/runs";
import { keepKernelOutputFlowing } from "../lib/course/plot";
import type { EpochRecord, History } from "../lib/train/callbacks";
import { mlp } from "../lib/nn/models";
import type { Sequential } from "../lib/nn/sequential";
import type { Dense } from "../lib/nn/layers";
import { Matrix } from "../lib/core/matrix";

function record(epoch: number, updates: number, seconds: number, acc: number, test = true): EpochRecord {
  const r: EpochRecord = { epoch, updates, seconds, trainLoss: 1 / epoch, trainAccuracy: acc };
  if (test) {
    r.testLoss = 1.1 / epoch;
    r.testAccuracy = acc - 0.01;
  }
  return r;
}

const fullBatch: History = { epochs: [record(1, 1, 0.5, 0.5), record(2, 2, 0.25, 0.6), record(3, 3, 0.25, 0.7)], stopped: null };
const sgd: History = { epochs: [record(1, 1000, 2, 0.9), record(2, 2000, 2, 0.92)], stopped: null };
const diverged: History = { epochs: [record(1, 10, 0.1, 0.2)], stopped: { epoch: 2, step: 3, reason: "training stopped: the loss became NaN" } };

type Trace = { name: string; x: number[]; y: (number | null)[]; xaxis: string; yaxis: string; showlegend: boolean; line: { color: string; dash: string } };

describe("trainingCurves", () => {
  it("puts epochs, cumulative updates or cumulative training seconds on x", () => {
    expect(xValues(fullBatch.epochs, "epoch")).toEqual([1, 2, 3]);
    expect(xValues(fullBatch.epochs, "updates")).toEqual([1, 2, 3]);
    expect(xValues(fullBatch.epochs, "seconds")).toEqual([0.5, 0.75, 1]); // 0.5, +0.25, +0.25
    expect(() => xValues(fullBatch.epochs, "minutes" as never)).toThrow(/unknown x axis "minutes"/);
  });

  it("draws one trace per run, split and panel: loss as recorded, accuracy in percent", () => {
    const fig = trainingCurves({ "full batch": fullBatch, SGD: sgd });
    const traces = fig.data as unknown as Trace[];
    expect(traces).toHaveLength(2 * 2 * 2); // runs × splits (test, train) × panels (loss, accuracy)
    const lossTest = traces.find((t) => t.name === "full batch · test" && t.yaxis === "y")!;
    expect(lossTest.y).toEqual([1.1, 0.55, 1.1 / 3]);
    const accTrain = traces.find((t) => t.name === "SGD · train" && t.yaxis === "y2")!;
    expect(accTrain.y[0]).toBeCloseTo(90, 10);
    expect(accTrain.y[1]).toBeCloseTo(92, 10);
    expect(accTrain.xaxis).toBe("x2");
    expect(accTrain.line.dash).toBe("dot"); // train dotted, test solid
    expect(lossTest.line.dash).toBe("solid");
  });

  it("keeps a run's colour in every panel and shows each legend entry once", () => {
    const traces = trainingCurves([{ name: "a", history: fullBatch }, { name: "b", history: sgd }]).data as unknown as Trace[];
    for (const t of traces) expect(t.line.color).toBe(t.name.startsWith("a") ? PALETTE[0] : PALETTE[1]);
    expect(traces.filter((t) => t.showlegend).map((t) => t.name).sort()).toEqual(["a · test", "a · train", "b · test", "b · train"]);
  });

  it("titles the axes with their units and can use log axes", () => {
    const fig = trainingCurves({ a: fullBatch }, { x: "seconds", logX: true, logLoss: true });
    const l = fig.layout as Record<string, any>;
    expect(l.xaxis.title.text).toMatch(/\(s, wall clock\)/);
    expect(l.xaxis.type).toBe("log");
    expect(l.yaxis.type).toBe("log");
    expect(l.yaxis2.title.text).toBe("accuracy (%)");
    expect(l.xaxis.domain[1]).toBeLessThan(l.xaxis2.domain[0]); // side by side, not overlapping
    expect(l.xaxis.dtick).toBeUndefined();
    expect((trainingCurves({ a: fullBatch }).layout as Record<string, any>).xaxis.dtick).toBe(1); // 3 epochs: whole ticks
  });

  it("draws only train curves when no run has test values, with one panel if asked", () => {
    const noTest: History = { epochs: [record(1, 5, 1, 0.5, false)], stopped: null };
    const traces = trainingCurves({ x: noTest }, { metrics: ["accuracy"] }).data as unknown as Trace[];
    expect(traces.map((t) => t.name)).toEqual(["x"]);
    expect(traces[0].y).toEqual([50]);
  });

  it("names a run that diverged, with the epoch where it stopped", () => {
    const traces = trainingCurves({ "lr 5": diverged }).data as unknown as Trace[];
    expect(traces[0].name).toBe("lr 5 (diverged in epoch 2, stopped) · test");
  });

  it("refuses a run without a history, saying which", () => {
    expect(() => trainingCurves([{ name: "oops", history: undefined as never }])).toThrow(/run "oops" has no history/);
  });
});

describe("runsTable", () => {
  it("lists each run's last epoch with accuracies in percent and the summed training time", () => {
    const table = runsTable({ "full batch": fullBatch, SGD: sgd });
    const lines = table.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^full batch\s+3\s+3\s+1\.00\s+0\.3333\s+70\.00%\s+0\.3667\s+69\.00%$/);
    expect(lines[2]).toMatch(/^SGD\s+2\s+2,000\s+4\.00/);
  });
});

describe("per-update losses", () => {
  it("moving average: mean of the last w values, fewer at the start (hand-worked)", () => {
    expect(movingAverage([2, 4, 6, 8], 2)).toEqual([2, 3, 5, 7]);
    expect(movingAverage([1, 2, 3], 1)).toEqual([1, 2, 3]);
    expect(() => movingAverage([1], 0)).toThrow(/window must be a whole number/);
  });

  it("StepLog records updates, fractional epochs and losses from train's afterStep", () => {
    const log = new StepLog("SGD");
    log.afterStep({ epoch: 1, step: 5, stepsPerEpoch: 10, updates: 5, loss: 2 });
    log.afterStep({ epoch: 2, step: 10, stepsPerEpoch: 10, updates: 20, loss: 1 });
    expect(log.updates).toEqual([5, 20]);
    expect(log.epochs).toEqual([0.5, 2]);
    expect(log.losses).toEqual([2, 1]);
  });

  it("stepLossCurves draws raw and smoothed losses, thinned to maxPoints", () => {
    const log = new StepLog("mini-batch");
    for (let t = 1; t <= 100; t++) log.afterStep({ epoch: 1, step: t, stepsPerEpoch: 100, updates: t, loss: t % 2 });
    expect((stepLossCurves([log], { x: "epoch", until: 0.5, smooth: 1 }).data[0] as unknown as Trace).y).toHaveLength(50); // first half-epoch
    expect((stepLossCurves([log], { until: 30, smooth: 1 }).data[0] as unknown as Trace).y).toHaveLength(30); // first 30 updates
    const fig = stepLossCurves([log], { smooth: 2, maxPoints: 50, x: "epoch" });
    const [raw, avg] = fig.data as unknown as Trace[];
    expect(raw.y).toHaveLength(50);
    expect(raw.x[1]).toBeCloseTo(0.03, 12); // every 2nd point: updates 1, 3, … → epochs 0.01, 0.03, …
    expect(avg.y.slice(1)).toEqual(new Array(49).fill(0.5)); // mean of a 0 and a 1
  });
});

describe("scheduleCurves", () => {
  it("evaluates each schedule at epochs 0..E−1 and draws epoch e as a step from x = e to e + 1", () => {
    const halve = (e: number, a: number) => a * Math.pow(0.5, Math.floor(e / 2));
    const fig = scheduleCurves([{ name: "step", schedule: halve }], 4, 0.1);
    const t = fig.data[0] as unknown as Trace;
    expect(t.x).toEqual([0, 1, 2, 3, 4]);
    expect(t.y).toEqual([0.1, 0.1, 0.05, 0.05, 0.05]); // the last value repeated to close the last step
  });
});

describe("readRun", () => {
  it("reads the command line's { options, history: [records], stopped } and a bare History", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "curves-"));
    const bare = path.join(dir, "bare.json");
    const cli = path.join(dir, "gd-784-256-10.json");
    fs.writeFileSync(bare, JSON.stringify(fullBatch));
    fs.writeFileSync(cli, JSON.stringify({ options: { lr: 0.4 }, history: diverged.epochs, stopped: diverged.stopped, final: {} }));
    expect(readRun(bare).name).toBe("bare");
    expect(readRun(bare).history.epochs).toHaveLength(3);
    const r = readRun(cli);
    expect(r.name).toBe("gd-784-256-10");
    expect(r.options).toEqual({ lr: 0.4 });
    expect(r.history.epochs[0].updates).toBe(10);
    expect(r.history.stopped?.epoch).toBe(2);
    expect(readRun(cli, "recorded").name).toBe("recorded");
    expect(() => readRun(path.join(dir, "missing.json"))).toThrow(/no such file.*npm run train/);
    expect(readRunIfPresent(path.join(dir, "missing.json"))).toBeNull();
    expect(readRunIfPresent(cli)?.name).toBe("gd-784-256-10");
    fs.writeFileSync(bare, "{}");
    expect(() => readRun(bare)).toThrow(/holds no history/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe("LiveCurves", () => {
  function capture() {
    const calls: { html: string; update: boolean }[] = [];
    return { calls, sink: (html: string, update: boolean) => void calls.push({ html, update }) };
  }
  const step = (epoch: number) => ({ epoch, step: 1, stepsPerEpoch: 1, updates: epoch, loss: 1 });

  it("draws at once, then replaces the drawing on every epoch when not throttled", () => {
    const { calls, sink } = capture();
    const live = new LiveCurves({ runs: ["full batch", "SGD"], sink, minIntervalMs: 0 });
    const run = live.run("full batch");
    const h: History = { epochs: [], stopped: null };
    for (const r of fullBatch.epochs) {
      h.epochs.push(r);
      run.afterEpoch!(r, h);
    }
    expect(calls.map((c) => c.update)).toEqual([false, true, true, true]);
    const fig = live.figure();
    const lossTest = (fig.data as unknown as Trace[]).find((t) => t.name === "full batch · test" && t.yaxis === "y")!;
    expect(lossTest.x).toEqual([1, 2, 3]);
    expect(lossTest.line.color).toBe(PALETTE[0]); // colours fixed by the declared order
  });

  it("throttles redraws to minIntervalMs, and finish() always draws the final state", () => {
    const { calls, sink } = capture();
    const live = new LiveCurves({ sink, minIntervalMs: 60_000, title: "three runs" });
    const run = live.run("SGD");
    for (let e = 1; e <= 50; e++) run.afterStep!(step(e));
    expect(calls).toHaveLength(1); // only the first drawing: the rest fell inside the interval
    const fig = live.finish({ SGD: sgd, "lr 5": diverged });
    expect(calls).toHaveLength(2);
    expect(calls[1].update).toBe(true);
    expect(calls[1].html).toContain("lr 5 (diverged in epoch 2, stopped)");
    expect(fig.layout.title).toEqual({ text: "three runs" }); // no progress line once finished
  });

  it("writes the progress of the running epoch into the title", () => {
    const live = new LiveCurves({ sink: null });
    live.run("SGD").afterStep!({ epoch: 2, step: 1500, stepsPerEpoch: 10000, updates: 11500, loss: 0.25 });
    expect((live.figure().layout.title as { text: string }).text).toContain("training SGD: epoch 2, update 1,500 of 10,000, batch loss 0.250");
    live.run("SGD").afterEpoch!(record(2, 20000, 1, 0.9), { epochs: [record(1, 10000, 1, 0.8), record(2, 20000, 1, 0.9)], stopped: null });
    expect((live.figure().layout.title as { text: string }).text).toContain("training SGD: epoch 2 done");
  });

  it("after a run, shows where it stopped (afterFit) before finish() is called", () => {
    const live = new LiveCurves({ sink: null });
    live.run("lr 5").afterFit!(diverged);
    expect((live.figure().data as unknown as Trace[])[0].name).toContain("lr 5 (diverged in epoch 2, stopped)");
  });

  it("each drawing gets its own div id, so the replacement never collides with the old one", () => {
    const { calls, sink } = capture();
    const live = new LiveCurves({ sink, minIntervalMs: 0 });
    live.run("x").afterStep!(step(1));
    const ids = calls.map((c) => /id="([^"]+)"/.exec(c.html)![1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("outside the notebook kernel there is no sink and nothing to patch", () => {
    expect(kernelSink()).toBeNull();
    expect(keepKernelOutputFlowing()).toBe(false);
    expect(new LiveCurves().draws).toBe(1); // counts, draws nowhere, does not throw
  });
});

describe("Probe", () => {
  // A real one-layer network whose output is the same logits for every input: W = 0, b = logits.
  function constantNet(logits: number[]): Sequential {
    const net = mlp([1, logits.length], { seed: 1 });
    const dense = net.layers[0] as Dense;
    dense.weights.data.fill(0);
    dense.bias.data.set(logits);
    return net;
  }
  const data = { images: Matrix.fromRows([[0], [0], [0], [0]]), labels: new Uint8Array([0, 0, 1, 0]) };
  const info = (updates: number, epoch: number, step: number, stepsPerEpoch: number) => ({ epoch, step, stepsPerEpoch, updates, loss: 0.5 });

  it("evaluates at update counts spaced evenly on a log scale, and records every update's loss", () => {
    const probe = new Probe("SGD", constantNet([0, 0]), { test: data });
    for (let t = 1; t <= 40; t++) probe.afterStep(info(t, Math.ceil(t / 10), ((t - 1) % 10) + 1, 10)); // 10 updates an epoch
    expect(probe.records.map((r) => r.updates)).toEqual([1, 2, 3, 5, 8, 10, 12, 17, 20, 25, 30, 36, 40]); // log-spaced + epoch ends
    expect(probe.losses).toHaveLength(40);
    // logits (0, 0): p = ½ for both classes, loss ln 2; argmax picks class 0, right for 3 of 4 labels
    expect(probe.records[0].testLoss).toBeCloseTo(Math.log(2), 6);
    expect(probe.records[0].testAccuracy).toBe(0.75);
    expect(probe.records[0].trainLoss).toBeNaN(); // no train set given: no train curve
  });

  it("history() gives each probe its share of the epochs' training seconds", () => {
    const probe = new Probe("mini-batch", constantNet([1, 0]), { test: data, perDoubling: 1 });
    for (let t = 1; t <= 8; t++) probe.afterStep(info(t, Math.ceil(t / 4), ((t - 1) % 4) + 1, 4)); // 4 updates per epoch
    expect(probe.records.map((r) => r.updates)).toEqual([1, 2, 4, 8]);
    const trained: History = { epochs: [record(1, 4, 2, 0.5), record(2, 8, 6, 0.6)], stopped: null };
    const h = probe.history(trained);
    // probes at epochs 0.25, 0.5, 1, 2 → cumulative seconds 0.5, 1, 2, 8 (epoch 2 took 6 s)
    expect(xValues(h.epochs, "seconds")).toEqual([0.5, 1, 2, 8]);
    expect(h.epochs.map((r) => r.epoch)).toEqual([0.25, 0.5, 1, 2]);
  });

  it("needs something to evaluate", () => {
    expect(() => new Probe("x", constantNet([0]), {})).toThrow(/give a test and\/or a train data set/);
  });
});
