// The command line, run as a user runs it: `tsx scripts/commands/train.ts …` in a child process.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainCli, type Run } from "./train-cli";
import { loadModel } from "../lib/nn/persist";
import { loadMnist } from "../lib/data/mnist";


const cli = (args: string[]) => trainCli(args);

let dir: string;
const tinyRun = (batch: string) =>
  ["--data", "data/mnist-sample", "--train-limit", "300", "--test-limit", "100", "--layers", "784,16,10", "--epochs", "2", "--batch-size", batch];
const tiny = tinyRun("32");
// Every run starts at once (each child spends most of its time starting up); the tests then read the results.
let runs: Record<string, Promise<Run>>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-test-"));
  const j = (name: string) => path.join(dir, name);
  runs = {
    help: cli(["--help"]),
    unknown: cli(["--bogus", "3"]),
    badValue: cli(["--lr", "fast"]),
    badChoice: cli(["--optimizer", "sgdx"]),
    zeroBatch: cli(tinyRun("0")),
    tinyA: cli([...tiny, "--seed", "5", "--json", j("a.json"), "--save", j("model.json")]),
    tinyB: cli([...tiny, "--seed", "5", "--json", j("b.json")]),
    csv: cli(["--csv", "data/train-sample.csv", "--dev", "200", "--train-limit", "400", "--layers", "784,10,10", "--init", "uniform",
      "--batch-size", "full", "--epochs", "3", "--lr", "0.1", "--json", j("csv.json")]),
    diverge: cli([...tiny, "--lr", "1e6", "--json", j("diverge.json")]),
  };
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const readJson = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
const oneLine = (s: string) => s.trim().split("\n").length === 1 && !/\n\s+at /.test(s);

describe("npm run train", () => {
  it("--help lists every option with its default and exits 0", async () => {
    const r = await runs.help;
    expect(r.code).toBe(0);
    for (const opt of ["layers", "activation", "loss", "init", "optimizer", "batch-size", "epochs", "lr", "momentum", "weight-decay",
      "schedule", "seed", "train-limit", "data", "csv", "dev", "json", "save", "backend", "help"]) {
      expect(r.stdout).toContain(`--${opt}`);
    }
    expect(r.stdout).toContain("(default 784,256,10)");
    expect(r.stdout).toContain("(default 64)");
  });

  it("an unknown option exits 2 with one line naming it, no stack trace", async () => {
    const r = await runs.unknown;
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("train: unknown option --bogus (see --help)");
  });

  it("a bad value exits 2 with one line saying what was expected and found", async () => {
    const r = await runs.badValue;
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('train: --lr: expected a number, found "fast"');
    const c = await runs.badChoice;
    expect(c.code).toBe(2);
    expect(c.stderr.trim()).toBe('train: --optimizer: expected one of gd, momentum, nesterov, adagrad, rmsprop, adam, adamw, found "sgdx"');
  });

  it("a refused value (batch size 0) is a bad command line: exit 2 with one line, before any data is loaded (issue 28)", async () => {
    const r = await runs.zeroBatch;
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr.trim()).toBe('train: --batch-size: expected a positive integer, found "0"');
    expect(r.stdout).toBe("");
  });

  it("a tiny run writes { options, history, final } with accuracies as fractions", async () => {
    const r = await runs.tinyA;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/final: train accuracy \d+\.\d\d%, test accuracy \d+\.\d\d% after 2 epochs \(20 updates\); \d+\.\d\d s per epoch/);
    const out = readJson("a.json");
    expect(Object.keys(out).sort()).toEqual(["final", "history", "options", "stopped"]);
    expect(out.options).toMatchObject({ layers: [784, 16, 10], batchSize: 32, epochs: 2, lr: 0.1, seed: 5, optimizer: "gd", trainLimit: 300 });
    expect(out.history).toHaveLength(2);
    for (const [i, h] of out.history.entries()) {
      expect(Object.keys(h).sort()).toEqual(["epoch", "lr", "seconds", "testAccuracy", "testLoss", "trainAccuracy", "trainLoss", "updates"]);
      expect(h.epoch).toBe(i + 1);
      expect(h.updates).toBe(10 * (i + 1));
      expect(h.testAccuracy).toBeGreaterThan(0);
      expect(h.testAccuracy).toBeLessThanOrEqual(1);
    }
    expect(out.final.trainAccuracy).toBe(out.history[1].trainAccuracy);
    expect(out.final.testAccuracy).toBe(out.history[1].testAccuracy);
    expect(out.stopped).toBeNull();
  });

  it("two runs with the same seed write the same JSON except the seconds", async () => {
    await Promise.all([runs.tinyA, runs.tinyB]);
    const strip = (o: any) => ({ ...o, options: { ...o.options, json: null, save: null }, history: o.history.map(({ seconds, ...rest }: any) => rest) });
    expect(strip(readJson("a.json"))).toEqual(strip(readJson("b.json")));
  });

  it("--save writes a model that loads and scores as the run said", async () => {
    await runs.tinyA;
    const net = loadModel(path.join(dir, "model.json"));
    const test = loadMnist("test", { dir: "data/mnist-sample", limit: 100 });
    expect(net.accuracy(test.images, test.labels)).toBe(readJson("a.json").final.testAccuracy);
  });

  it("--csv FILE --dev N: a Kaggle-style table, the first N shuffled rows as the dev set", async () => {
    const r = await runs.csv;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("dev accuracy");
    const out = readJson("csv.json");
    expect(out.options).toMatchObject({ testSet: "dev", trainExamples: 400, testExamples: 200, batchSize: "full", init: "uniform" });
    expect(out.history.map((h: any) => h.updates)).toEqual([1, 2, 3]);
  });

  it("divergence: a message naming epoch and step, exit code 3, the history still written", async () => {
    const r = await runs.diverge;
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/training stopped: the loss (became NaN|became Infinity|exploded to .*) at epoch \d+, step \d+ .*try a smaller learning rate/);
    const out = readJson("diverge.json");
    expect(out.stopped.reason).toMatch(/smaller learning rate/);
    expect(Array.isArray(out.history)).toBe(true);
  });
});

describe("npm run train: outputs checked before any work, so no finished run is thrown away", () => {
  let work: string;
  let bad: Record<string, Promise<Run>>;
  const w = (...names: string[]) => path.join(work, ...names);
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "cli-paths-"));
    fs.mkdirSync(w("folder"));
    fs.copyFileSync("data/train-sample.csv", w("in.csv"));
    fs.symlinkSync(w("in.csv"), w("in-link.csv"));
    const small = ["--quiet", "--epochs", "1", "--train-limit", "50", "--test-limit", "20", "--layers", "784,4,10"];
    const idx = ["--data", "data/mnist-sample", ...small];
    const csv = ["--csv", w("in.csv"), "--dev", "20", ...small];
    bad = {
      jsonOnFolder: cli([...idx, "--json", w("folder")]),
      jsonOnCsv: cli([...csv, "--json", w("in.csv")]),
      saveOnCsvLink: cli([...csv, "--save", w("in-link.csv")]),
      saveOnIdx: cli([...idx, "--save", "data/mnist-sample/train-labels-idx1-ubyte.gz"]),
      sameTwice: cli([...idx, "--json", w("x.json"), "--save", w("x.json")]),
      device: cli([...idx, "--save", "/dev/null"]),
      underFile: cli([...idx, "--json", w("in.csv", "run.json")]),
    };
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const cases: [string, RegExp][] = [
    ["jsonOnFolder", /^train: --json ".*folder": is a folder; expected a file name/],
    ["jsonOnCsv", /^train: --json ".*in\.csv": is the same file as the --csv input; a run never overwrites its own inputs or outputs/],
    ["saveOnCsvLink", /^train: --save ".*in-link\.csv": is the same file as the --csv input/],
    ["saveOnIdx", /^train: --save "data\/mnist-sample\/train-labels-idx1-ubyte\.gz": is the same file as the MNIST input/],
    ["sameTwice", /^train: --save ".*x\.json": is the same file as the --json output/],
    ["device", /^train: --save "\/dev\/null": is not a regular file/],
    ["underFile", /^train: --json ".*run\.json": cannot be written: .*in\.csv is a file, not a folder/],
  ];
  for (const [name, message] of cases) {
    it(`${name}: exit 2, one line, before training, nothing written`, async () => {
      const r = await bad[name];
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toBe(true);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stdout).toBe(""); // not even the run's header line: nothing was loaded or trained
    });
  }

  it("the inputs are untouched and no output was made", async () => {
    await Promise.all(Object.values(bad));
    // Buffer.equals: toEqual walks 3.6 MB byte by byte, over a minute on a busy machine
    expect(fs.readFileSync(w("in.csv")).equals(fs.readFileSync("data/train-sample.csv"))).toBe(true);
    expect(fs.lstatSync(w("in-link.csv")).isSymbolicLink()).toBe(true);
    expect(fs.statSync("/dev/null").isCharacterDevice()).toBe(true);
    expect(fs.readdirSync(work).sort()).toEqual(["folder", "in-link.csv", "in.csv"]);
  });

  it("a CSV with its label column last trains on the real labels (not every label 0)", async () => {
    const lines = fs.readFileSync("data/train-sample.csv", "utf8").trim().split("\n").slice(0, 301);
    const moved = lines.map((l) => { const c = l.split(","); return [...c.slice(1), c[0]].join(","); });
    fs.writeFileSync(w("label-last.csv"), moved.join("\n") + "\n");
    const r = await cli(["--csv", w("label-last.csv"), "--dev", "100", "--layers", "784,10", "--epochs", "1", "--quiet", "--json", w("ll.json")]);
    expect(r.code).toBe(0);
    const out = JSON.parse(fs.readFileSync(w("ll.json"), "utf8"));
    expect(out.final.testAccuracy).toBeLessThan(1); // "100 %" was the symptom of reading pixel0 as the label
    const labels = fs.readFileSync("data/train-sample.csv", "utf8").split("\n").slice(1, 301).map((l) => l.split(",")[0]);
    expect(new Set(labels).size).toBe(10);
    fs.writeFileSync(w("headless.csv"), lines.slice(1).join("\n") + "\n");
    const headless = await cli(["--csv", w("headless.csv"), "--dev", "10", "--quiet"]);
    expect(headless.code).toBe(1);
    expect(headless.stderr.trim()).toMatch(/^train: .*headless\.csv: line 1 starts with a number, so the file has no header; expected a header line naming the columns/);
  });
});
