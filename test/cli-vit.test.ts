// `npm run train -- --preset vit` and `--arch vit`, run as a user runs them (tsx scripts/commands/train.ts in a child process).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainCli, type Run } from "./train-cli";
import { loadModel } from "../lib/nn/persist";
import { loadMnist } from "../lib/data/mnist";
import { attentionLayers } from "../lib/course/attention-maps";
import { presets } from "../scripts/lib/presets";

const cli = (args: string[]) => trainCli(args, 120_000);

let dir: string;
let runs: Record<string, Promise<Run>>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-vit-test-"));
  const tiny = ["--data", "data/mnist-sample", "--train-limit", "200", "--test-limit", "100", "--epochs", "2", "--batch-size", "50"];
  runs = {
    preset: cli(["--preset", "vit", ...tiny, "--dim", "16", "--heads", "2", "--blocks", "1", "--json", path.join(dir, "vit.json"), "--save", path.join(dir, "vit-model.json")]),
    badHeads: cli(["--arch", "vit", "--dim", "30", "--heads", "4"]),
    dimWithMlp: cli(["--dim", "32"]),
    layersWithVit: cli(["--arch", "vit", "--layers", "784,10"]),
  };
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("npm run train -- --preset vit", () => {
  it("trains the transformer with AdamW and warm-up then cosine; the model saves and loads with its attention layers", async () => {
    const r = await runs.preset;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`preset vit: ${presets.vit.description}`);
    const out = JSON.parse(fs.readFileSync(path.join(dir, "vit.json"), "utf8"));
    expect(out.options).toMatchObject({ preset: "vit", arch: "vit", vit: { dim: 16, heads: 2, blocks: 1, hidden: 128 }, optimizer: "adamw", schedule: "warmup-cosine" });
    expect(out.history.map((e: { lr: number }) => e.lr)).toEqual([0.001, 0.002]); // warm-up: α₀/2, then α₀ (cosine's start)
    const net = loadModel(path.join(dir, "vit-model.json"));
    expect(attentionLayers(net).map((m) => m.heads)).toEqual([2]);
    const test = loadMnist("test", { dir: "data/mnist-sample", limit: 100 });
    expect(net.accuracy(test.images, test.labels)).toBeCloseTo(out.final.testAccuracy, 10);
  }, 120_000);

  it("refuses a dim that the heads do not divide, and the transformer's options on other architectures", async () => {
    expect((await runs.badHeads).code).toBe(2);
    expect((await runs.badHeads).stderr).toContain("--dim 30 must be a multiple of --heads 4");
    expect((await runs.dimWithMlp).code).toBe(2);
    expect((await runs.dimWithMlp).stderr).toContain("--dim, --heads and --blocks apply to --arch vit");
    expect((await runs.layersWithVit).code).toBe(2);
    expect((await runs.layersWithVit).stderr).toContain("--layers does not apply to --arch vit");
  }, 120_000);
});
