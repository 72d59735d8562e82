// Chapter 1 · The data: exercises.
import { registerExercises } from "./registry";
import { Matrix } from "../../core/matrix";
import { Random } from "../../core/random";
import { loadMnist } from "../../data/mnist";

/** One-hot rows for `labels` (written here so the check does not lean on the code it tests). */
function oneHotRows(labels: number[], classes = 10): Matrix {
  const Y = Matrix.zeros(labels.length, classes, "float32");
  labels.forEach((c, i) => Y.set(i, c, 1));
  return Y;
}

type ReadU32 = (bytes: Uint8Array, offset: number) => number;

/** 1.1: readUint32BE, (bytes, offset) => number. */
function checkReadUint32BE(f: ReadU32, rng: Random): true | string {
  const bytes = new Uint8Array(64);
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
  bytes[8] = 0xea; bytes[20] = 0x00; bytes[21] = 0x00; bytes[22] = 0xea; bytes[23] = 0x60; // 60000 at 20
  for (const offset of [0, 3, 8, 20, 37, 60]) {
    const want = bytes[offset] * 2 ** 24 + bytes[offset + 1] * 2 ** 16 + bytes[offset + 2] * 2 ** 8 + bytes[offset + 3];
    const got = f(bytes, offset);
    if (got !== want) return `at offset ${offset} (bytes ${Array.from(bytes.subarray(offset, offset + 4), (b) => b.toString(16).padStart(2, "0")).join(" ")}) it gives ${got}`;
  }
  return true;
}

/** 1.2: labelsFromOneHot, (Y) => labels. */
function checkLabelsFromOneHot(f: (Y: Matrix) => number[], rng: Random): true | string {
  const labels = Array.from({ length: 300 }, () => rng.int(10));
  const got = Array.from(f(oneHotRows(labels)) ?? []);
  if (got.length !== labels.length) return `for ${labels.length} rows it gives ${got.length} labels`;
  const bad = got.findIndex((v, i) => v !== labels[i]);
  return bad < 0 || `row ${bad} holds a 1 in column ${labels[bad]}, and it gives ${got[bad]}`;
}

/** 1.3: csvLine, (images, labels, i) => string. */
function checkCsvLine(f: (images: Matrix, labels: ArrayLike<number>, i: number) => string, rng: Random): true | string {
  const test = loadMnist("test", { limit: 40 }); // test images: not in data/train-sample.csv
  for (const i of [0, rng.int(40), rng.int(40)]) {
    const want = [test.labels[i], ...Array.from(test.images.row(i), (x) => Math.round(255 * x))].join(",");
    const got = f(test.images, test.labels, i);
    if (got !== want) {
      const g = String(got);
      const at = [...want].findIndex((ch, k) => g[k] !== ch);
      return `for test image ${i} the line differs from character ${at} on: "…${g.slice(Math.max(0, at - 8), at + 12)}…"`;
    }
  }
  return true;
}

registerExercises("1", [
  {
    id: "1.1", answer: "readUint32BE", test: checkReadUint32BE,
    offLimits: {
      why: "combine the four bytes yourself",
      modules: ["data/idx"],
      builtins: ["DataView.prototype.getUint32", "DataView.prototype.getInt32", "Buffer.prototype.readUInt32BE",
        "Buffer.prototype.readUint32BE", "Buffer.prototype.readInt32BE", "Buffer.prototype.readUInt32LE", "Buffer.prototype.readUint32LE"],
    },
    hint: "n = b₀·2²⁴ + b₁·2¹⁶ + b₂·2⁸ + b₃ with b₀ = bytes[offset]; use * and +, since << 24 turns a first byte ≥ 128 negative",
    expects: "(bytes, offset) => number",
  },
  { id: "1.2", answer: "labelsFromOneHot", test: checkLabelsFromOneHot, offLimits: { why: "find the 1 in each row yourself", names: ["argmaxRows"] }, hint: "loop over the rows i; in row i find the column j with Y.get(i, j) === 1", expects: "(Y) => labels" },
  { id: "1.3", answer: "csvLine", test: checkCsvLine, offLimits: { why: "write the line yourself", modules: ["data/csv"] }, hint: "the label, then Math.round(255 * x) for each of the 784 pixels of row i, joined with ','", expects: "(images, labels, i) => string" },
]);
