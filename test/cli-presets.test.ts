// The command line's chapter-10 options and presets, run as a user runs them: `tsx scripts/commands/train.ts …`.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainCli, type Run } from "./train-cli";
import { presets } from "../scripts/lib/presets";


const cli = (args: string[]) => trainCli(args);

let dir: string;
let runs: Record<string, Promise<Run>>;
const sample = ["--data", "data/mnist-sample", "--test-limit", "100"];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-presets-"));
  runs = {
    preset: cli(["--preset", "best-mlp", ...sample, "--train-limit", "200", "--layers", "784,32,10", "--epochs", "1", "--json", path.join(dir, "p.json")]),
    unknown: cli(["--preset", "best-cnn-ever"]),
    noDev: cli([...sample, "--early-stopping", "2"]),
    early: cli([...sample, "--dev", "200", "--layers", "784,32,10", "--optimizer", "adam", "--lr", "0.01", "--epochs", "30",
      "--batch-norm", "--l1", "0.0001", "--early-stopping", "2", "--json", path.join(dir, "e.json")]),
  };
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("npm run train -- --preset NAME", () => {
  it("prints the preset's command, applies its options, and lets later flags override them", async () => {
    const r = await runs.preset;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("preset best-mlp:");
    expect(r.stdout).toContain(`npm run train -- ${presets["best-mlp"].args.join(" ")}`);
    expect(r.stdout).toContain("overridden here: --layers, --epochs");
    const { options } = JSON.parse(fs.readFileSync(path.join(dir, "p.json"), "utf8"));
    expect([options.dropout, options.augment, options.optimizer, options.schedule, options.batchSize]).toEqual([0.2, true, "adam", "cosine", 128]);
    expect([options.layers, options.epochs]).toEqual([[784, 32, 10], 1]);
  }, 120_000);

  it("refuses an unknown preset, listing the known ones", async () => {
    const r = await runs.unknown;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`unknown preset "best-cnn-ever"; expected one of ${Object.keys(presets).join(", ")}`);
  }, 120_000);

  it("every preset is a valid command line (no unknown option)", () => {
    for (const [name, p] of Object.entries(presets)) {
      expect(p.description.length, name).toBeGreaterThan(20);
      expect(p.args.filter((a) => a.startsWith("--")).length, name).toBeGreaterThan(0);
    }
  });
});

describe("--early-stopping, --dev, --batch-norm, --l1", () => {
  it("early stopping needs a dev set", async () => {
    const r = await runs.noDev;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--early-stopping watches a dev set: add --dev N");
  }, 120_000);

  it("stops early, ends normally, and evaluates the test set once with the best epoch's weights", async () => {
    const r = await runs.early;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/early stopping after epoch \d+/);
    expect(r.stdout).toMatch(/test set, evaluated once at the end: accuracy \d+\.\d+%/);
    const out = JSON.parse(fs.readFileSync(path.join(dir, "e.json"), "utf8"));
    expect(out.history.length).toBeLessThan(30);
    expect(out.stopped.by).toBe("callback");
    expect([out.options.batchNorm, out.options.l1, out.options.testSet]).toEqual([true, 0.0001, "dev"]);
    expect(out.final.finalTest.accuracy).toBeGreaterThan(0.5);
  }, 120_000);
});
