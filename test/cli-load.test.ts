// `npm run train -- --load model.json` (issue 28): a saved model evaluated (--epochs 0) gives the figures it was
// saved with; trained further it improves; its architecture comes from the file, and flags that contradict it
// are refused before any work. And the command-line messages issue 28 found misleading, each as it reads now.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainCli } from "./train-cli";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-load-"));
const w = (name: string) => path.join(dir, name);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const SMALL = ["--train-limit", "2000", "--test-limit", "500", "--quiet"];

describe("train --load", () => {
  let saved: { final: { trainAccuracy: number; testAccuracy: number; testLoss: number } };
  beforeAll(async () => {
    const r = await trainCli(["--layers", "784,16,10", "--epochs", "1", ...SMALL, "--train-metrics", "eval", "--save", w("m.json"), "--json", w("m-run.json")]);
    expect(r.code, r.stderr).toBe(0);
    saved = JSON.parse(fs.readFileSync(w("m-run.json"), "utf8"));
  }, 120_000);

  it("--epochs 0 evaluates the saved network: the same accuracies and loss it was saved with", async () => {
    const r = await trainCli(["--load", w("m.json"), "--epochs", "0", ...SMALL, "--json", w("eval.json")]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(fs.readFileSync(w("eval.json"), "utf8"));
    expect(out.history).toEqual([]);
    expect(out.final.testAccuracy).toBe(saved.final.testAccuracy);
    expect(out.final.trainAccuracy).toBe(saved.final.trainAccuracy);
    expect(out.final.testLoss).toBeCloseTo(saved.final.testLoss, 10);
    expect(out.options.load).toBe(w("m.json"));
  });

  it("--epochs N trains it further from the saved weights (its first epoch starts where the file left off)", async () => {
    const r = await trainCli(["--load", w("m.json"), "--epochs", "2", ...SMALL, "--train-metrics", "eval", "--json", w("more.json"), "--save", w("m2.json")]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(fs.readFileSync(w("more.json"), "utf8"));
    expect(out.history).toHaveLength(2);
    expect(out.final.trainAccuracy).toBeGreaterThan(saved.final.trainAccuracy); // a fresh 784-16-10 after 2 epochs of 2000 is below a trained one's
    expect(fs.existsSync(w("m2.json"))).toBe(true);
  });

  const refused: Array<[string, string[], RegExp]> = [
    ["an architecture flag", ["--layers", "784,10"], /^train: --layers: with --load the architecture comes from .*m\.json; leave --layers out$/],
    ["--arch", ["--arch", "cnn"], /^train: --arch: with --load the architecture comes from/],
    ["a preset (it sets the architecture)", ["--preset", "best-mlp"], /^train: --preset sets --layers, but with --load the architecture comes from .*: leave out --preset/],
    ["a --loss that contradicts the file", ["--loss", "mse"], /^train: --loss mse contradicts .*m\.json, which was trained with --loss ce/],
    ["--save onto the --load file", ["--save", "@m.json"], /^train: --save ".*m\.json": is the same file as the --load input/],
  ];
  for (const [what, extra, message] of refused) {
    it(`refuses ${what} before any work (exit 2)`, async () => {
      const args = ["--load", w("m.json"), ...extra.map((a) => (a.startsWith("@") ? w(a.slice(1)) : a)), "--epochs", "0", "--quiet"];
      const r = await trainCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stdout).toBe("");
    });
  }

  it("--load of a device or a FIFO ends at once, naming it (it grew to 6.6 GB, or blocked, before)", async () => {
    fs.mkdirSync(w("f"));
    const fifo = w("f/fifo");
    (await import("node:child_process")).execFileSync("mkfifo", [fifo]);
    for (const [file, kind] of [["/dev/zero", "a device"], [fifo, "a FIFO"]]) {
      const r = await trainCli(["--load", file, "--epochs", "0", "--quiet"], 30_000);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toContain(`train: ${file}: cannot read the model file: it is ${kind}`);
    }
  });
});

describe("messages issue 28 found misleading", () => {
  const csv120 = w("120.csv");
  fs.writeFileSync(csv120, fs.readFileSync("data/train-sample.csv", "utf8").split("\n").slice(0, 121).join("\n") + "\n");
  const cases: Array<[string, string[], number, RegExp]> = [
    ["--preset best-mlp --arch cnn names the preset, not --layers", ["--preset", "best-mlp", "--arch", "cnn"], 2, /^train: --arch cnn does not fit --preset best-mlp, which trains --arch mlp/],
    ["--lr 0", ["--lr", "0"], 2, /^train: --lr: expected a positive learning rate, found "0"$/],
    ["--batch-size 0", ["--batch-size", "0"], 2, /^train: --batch-size: expected a positive integer, found "0"$/],
    ["--dropout 1", ["--dropout", "1"], 2, /^train: --dropout: expected a drop probability from 0 up to \(not including\) 1, found "1"/],
    ["--batch-norm --batch-size 1", ["--batch-norm", "--batch-size", "1"], 2, /^train: --batch-norm needs batches of at least 2/],
    ["--epochs 0 without --load", ["--epochs", "0"], 2, /^train: --epochs 0 trains nothing: it evaluates a saved model, with --load FILE$/],
    ["--csv with the default --dev on 120 rows names --dev", ["--csv", csv120], 2, /^train: --dev 1000 \(the default with --csv\) asks for 1000 of the 120 rows of .*120\.csv as the dev set, leaving none to train on: give --dev N with N below 120$/],
    ["--dev 60000, refused before the images load", ["--dev", "60000", "--train-limit", "10"], 2, /^train: --dev 60000 asks for 60000 of the 60000 rows of the training set as the dev set/],
    ["--csv /dev/zero", ["--csv", "/dev/zero"], 1, /^train: \/dev\/zero: cannot read the CSV file: it is a device, not a digits CSV file; refusing to read it$/],
    ["--json /dev/full", ["--json", "/dev/full"], 2, /^train: --json "\/dev\/full": is not a regular file: it is a device/],
  ];
  for (const [what, args, code, message] of cases) {
    it(what, async () => {
      const r = await trainCli([...args, "--quiet"], 60_000);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.code).toBe(code);
    });
  }

  it("--l1 1e6 diverges naming --l1, not the learning rate", async () => {
    const r = await trainCli(["--l1", "1e6", "--layers", "784,16,10", "--epochs", "1", "--train-limit", "1000", "--test-limit", "100", "--quiet"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the penalty is too strong: --l1 1000000 with --lr 0\.1 moves every weight by 100000 a step; try a smaller --l1/);
    expect(r.stderr).not.toMatch(/try a smaller learning rate/);
  });
});
