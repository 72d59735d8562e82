// `npm run train -- --preset cnn` and `--arch cnn`, run as a user runs them (tsx scripts/commands/train.ts in a child process).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainCli, type Run } from "./train-cli";
import { loadModel } from "../lib/nn/persist";
import { loadMnist } from "../lib/data/mnist";
import { Conv2D } from "../lib/nn/conv";
import { presets } from "../scripts/lib/presets";


const cli = (args: string[]) => trainCli(args, 120_000);

let dir: string;
let runs: Record<string, Promise<Run>>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-cnn-test-"));
  const tiny = ["--data", "data/mnist-sample", "--train-limit", "200", "--test-limit", "100", "--epochs", "1", "--batch-size", "50"];
  runs = {
    preset: cli(["--preset", "cnn", ...tiny, "--filters", "2,4", "--hidden", "8", "--json", path.join(dir, "cnn.json"), "--save", path.join(dir, "cnn-model.json")]),
    unknownPreset: cli(["--preset", "resnet"]),
    layersWithCnn: cli(["--arch", "cnn", "--layers", "784,10"]),
    badFilters: cli(["--arch", "cnn", "--filters", "8"]),
    filtersWithMlp: cli(["--filters", "8,16"]),
    dropoutWithCnn: cli(["--arch", "cnn", "--dropout", "0.2"]),
  };
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("npm run train -- --preset cnn", () => {
  it("the preset's options come first, the user's override them; the model saves with its convolutions and loads", async () => {
    const r = await runs.preset;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`preset cnn: ${presets.cnn.description}`);
    expect(r.stdout).toContain(`npm run train -- ${presets.cnn.args.join(" ")}  (overridden here: --filters, --hidden, --batch-size, --epochs)`);
    const out = JSON.parse(fs.readFileSync(path.join(dir, "cnn.json"), "utf8"));
    expect(out.options).toMatchObject({ preset: "cnn", arch: "cnn", filters: [2, 4], hidden: 8, optimizer: "adam", epochs: 1, batchSize: 50 });
    expect(out.options.layers).toBeUndefined();
    expect(out.history).toHaveLength(1);
    expect(out.history[0].updates).toBe(4);
    const net = loadModel(path.join(dir, "cnn-model.json"));
    expect(net.layers.map((l) => l.config().type)).toEqual(["conv2d", "relu", "maxpool2d", "conv2d", "relu", "maxpool2d", "flatten", "dense", "relu", "dense"]);
    expect((net.layers[3] as Conv2D).outChannels).toBe(4);
    const test = loadMnist("test", { dir: "data/mnist-sample", limit: 100 });
    expect(net.accuracy(test.images, test.labels)).toBeCloseTo(out.final.testAccuracy, 10);
  });

  it("refuses an unknown preset and options that do not apply, in one line, exit 2", async () => {
    const cases: [string, string][] = [
      ["unknownPreset", `train: --preset: unknown preset "resnet"; expected one of ${Object.keys(presets).join(", ")}`],
      ["layersWithCnn", "train: --layers applies to --arch mlp; a cnn takes --filters and --hidden"],
      ["badFilters", 'train: --filters: expected two filter counts like 8,16, found "8"'],
      ["filtersWithMlp", "train: --filters and --hidden apply to --arch cnn (and --hidden to lstm, rnn and vit)"],
      ["dropoutWithCnn", "train: --dropout and --batch-norm apply to --arch mlp"],
    ];
    for (const [name, message] of cases) {
      const r = await runs[name];
      expect(r.code, name).toBe(2);
      expect(r.stderr.trim(), name).toBe(message);
    }
  });
});
