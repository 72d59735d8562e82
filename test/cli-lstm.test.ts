// `npm run train -- --preset lstm`, `--arch lstm|rnn` and `--clip-norm`, run as a user runs them (tsx scripts/commands/train.ts).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainCli, type Run } from "./train-cli";
import { loadModel } from "../lib/nn/persist";
import { loadMnist } from "../lib/data/mnist";
import { LSTM } from "../lib/nn/lstm";
import { presets } from "../scripts/lib/presets";

const cli = (args: string[]) => trainCli(args, 120_000);

let dir: string;
let runs: Record<string, Promise<Run>>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-lstm-test-"));
  const tiny = ["--data", "data/mnist-sample", "--train-limit", "200", "--test-limit", "100", "--epochs", "1", "--batch-size", "50"];
  runs = {
    preset: cli(["--preset", "lstm", ...tiny, "--hidden", "8", "--json", path.join(dir, "lstm.json"), "--save", path.join(dir, "lstm-model.json")]),
    again: cli(["--preset", "lstm", ...tiny, "--hidden", "8", "--json", path.join(dir, "lstm-again.json")]),
    rnn: cli(["--arch", "rnn", ...tiny, "--hidden", "6", "--optimizer", "adam", "--lr", "0.01", "--quiet"]),
    layersWithLstm: cli(["--arch", "lstm", "--layers", "784,10"]),
    augmentWithRnn: cli(["--arch", "rnn", "--augment"]),
    badClip: cli(["--clip-norm", "0"]),
  };
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("npm run train -- --preset lstm", () => {
  it("trains the LSTM with clipped gradients; the model saves and loads", async () => {
    const r = await runs.preset;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`preset lstm: ${presets.lstm.description}`);
    expect(r.stdout).toContain("lstm 28 rows of 28 → 8 → 10, loss ce, adam lr 0.002, gradients clipped to norm 1, batch 50");
    const out = JSON.parse(fs.readFileSync(path.join(dir, "lstm.json"), "utf8"));
    expect(out.options).toMatchObject({ preset: "lstm", arch: "lstm", hidden: 8, clipNorm: 1, optimizer: "adam", epochs: 1, batchSize: 50 });
    expect(out.options.layers).toBeUndefined();
    expect(out.history[0].updates).toBe(4);
    const net = loadModel(path.join(dir, "lstm-model.json"));
    expect(net.config()).toEqual([{ type: "lstm", inputs: 28, hidden: 8, steps: 28 }, { type: "dense", inputs: 8, outputs: 10 }]);
    expect(net.layers[0]).toBeInstanceOf(LSTM);
    const test = loadMnist("test", { dir: "data/mnist-sample", limit: 100 });
    expect(net.accuracy(test.images, test.labels)).toBeCloseTo(out.final.testAccuracy, 10);
  });

  it("the same seed gives the same history, number for number (only the seconds differ)", async () => {
    expect((await runs.preset).code).toBe(0);
    expect((await runs.again).code).toBe(0);
    const history = (file: string) => JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")).history.map((r: { seconds?: number }) => ({ ...r, seconds: 0 }));
    expect(history("lstm-again.json")).toEqual(history("lstm.json"));
  });

  it("--arch rnn trains a plain RNN", async () => {
    const r = await runs.rnn;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^final: train accuracy [\d.]+%, test accuracy [\d.]+% after 1 epochs \(4 updates\)/);
  });

  it("refuses options that do not apply and a bound that is not positive, in one line, exit 2", async () => {
    const cases: [string, string][] = [
      ["layersWithLstm", "train: --layers and --filters do not apply to --arch lstm; it takes --hidden"],
      ["augmentWithRnn", "train: --arch rnn has its own activations and initialisation and uses the cross-entropy loss: --activation, --init, --loss and --augment do not apply"],
      ["badClip", 'train: --clip-norm: expected a positive number, found "0"'],
    ];
    for (const [name, message] of cases) {
      const r = await runs[name];
      expect(r.code, name).toBe(2);
      expect(r.stderr.trim(), name).toBe(message);
    }
  });
});
