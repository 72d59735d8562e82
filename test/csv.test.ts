// The digits CSV reader (Kaggle's train.csv / test.csv form): hand-made files read right, the
// committed samples equal the real MNIST rows, and every malformed file is refused with the file,
// the line, the column and what was found.
import { describe, expect, test } from "vitest";
import * as path from "path";
import { loadCsv, parseDigitsCsv, readDigitsCsv } from "../lib/data/csv";
import { loadMnist } from "../lib/data/mnist";

const ROOT = path.resolve(__dirname, "..");
const pixelNames = Array.from({ length: 784 }, (_, j) => `pixel${j}`);
const HEADER = ["label", ...pixelNames].join(",");
const TEST_HEADER = pixelNames.join(",");

/** 784 pixels: pixel j = (j + shift) mod 256. */
const pixels = (shift: number) => Array.from({ length: 784 }, (_, j) => (j + shift) % 256);
const row = (label: number, shift: number) => [label, ...pixels(shift)].join(",");

describe("parseDigitsCsv reads", () => {
  test("a labelled file: labels, and pixels divided by 255", () => {
    const { images, labels } = parseDigitsCsv(`${HEADER}\n${row(7, 0)}\n${row(0, 100)}\n`, "train.csv");
    expect(Array.from(labels!)).toEqual([7, 0]);
    expect(images.shape).toBe("2×784");
    expect(Array.from(images.row(0))).toEqual(pixels(0).map((v) => Math.fround(v / 255)));
    expect(Array.from(images.row(1))).toEqual(pixels(100).map((v) => Math.fround(v / 255)));
  });

  test("the unlabelled test form (784 columns): labels null", () => {
    const { images, labels } = parseDigitsCsv(`${TEST_HEADER}\n${pixels(3).join(",")}\n`, "test.csv");
    expect(labels).toBeNull();
    expect(images.get(0, 0)).toBe(Math.fround(3 / 255));
    expect(images.get(0, 783)).toBe(Math.fround(((783 + 3) % 256) / 255));
  });

  test("CRLF line endings, no final newline, blank lines, a byte-order mark, a quoted header, bytes or text", () => {
    const reference = parseDigitsCsv(`${HEADER}\n${row(1, 5)}\n${row(2, 9)}\n`, "lf.csv");
    const variants = [
      `${HEADER}\r\n${row(1, 5)}\r\n${row(2, 9)}\r\n`,
      `${HEADER}\r\n${row(1, 5)}\r\n\r\n${row(2, 9)}`,
      `${HEADER}\n${row(1, 5)}\n${row(2, 9)}`,
      `${HEADER}\n${row(1, 5)}\n\n${row(2, 9)}\n\n\n`,
      `\ufeff${HEADER}\n${row(1, 5)}\n${row(2, 9)}\n`,
      `${HEADER.split(",").map((c) => `"${c}"`).join(",")}\n${row(1, 5)}\n${row(2, 9)}\n`,
    ];
    for (const text of variants) {
      for (const input of [text, Buffer.from(text, "utf8")]) {
        const d = parseDigitsCsv(input, "variant.csv");
        expect(d.labels).toEqual(reference.labels);
        expect(d.images.data).toEqual(reference.images.data);
      }
    }
  });

  test("limit: only the first rows; dtype float64: x / 255 in double precision", () => {
    const d = parseDigitsCsv(`${HEADER}\n${row(1, 5)}\n${row(2, 9)}\n${row(3, 0)}\n`, "t.csv", { limit: 2, dtype: "float64" });
    expect(Array.from(d.labels!)).toEqual([1, 2]);
    expect(d.images.dtype).toBe("float64");
    expect(d.images.get(1, 0)).toBe(9 / 255);
  });
});

describe("the header says which column is which", () => {
  const reference = parseDigitsCsv(`${HEADER}\n${row(1, 5)}\n${row(8, 9)}\n`, "ref.csv");
  /** The same two rows with their columns put in the order `order` (indices into label,pixel0…pixel783). */
  const reordered = (order: number[]) => {
    const lines = [HEADER, row(1, 5), row(8, 9)].map((l) => l.split(","));
    return lines.map((cells) => order.map((k) => cells[k]).join(",")).join("\n") + "\n";
  };
  const identity = Array.from({ length: 785 }, (_, k) => k);

  test("label as the last column: read by name, not taken as pixel0", () => {
    const d = parseDigitsCsv(reordered([...identity.slice(1), 0]), "label-last.csv");
    expect(Array.from(d.labels!)).toEqual([1, 8]);
    expect(d.images.data).toEqual(reference.images.data);
  });

  test("label in the middle, pixels in reverse order", () => {
    const order = [...identity.slice(1).reverse()];
    order.splice(400, 0, 0);
    const d = parseDigitsCsv(reordered(order), "shuffled.csv");
    expect(Array.from(d.labels!)).toEqual([1, 8]);
    expect(d.images.data).toEqual(reference.images.data);
  });

  test("the other common naming: label,1x1,1x2,…,28x28 (row x column)", () => {
    const header = ["label", ...Array.from({ length: 784 }, (_, j) => `${Math.floor(j / 28) + 1}x${(j % 28) + 1}`)].join(",");
    const d = parseDigitsCsv(`${header}\n${row(1, 5)}\n${row(8, 9)}\n`, "rxc.csv");
    expect(d.images.data).toEqual(reference.images.data);
    expect(Array.from(d.labels!)).toEqual([1, 8]);
  });

  test("no header (the first line is data) is refused, saying a header is expected", () => {
    expect(() => parseDigitsCsv(`${row(1, 5)}\n${row(2, 9)}\n`, "nohead.csv")).toThrow(
      "nohead.csv: line 1 starts with a number, so the file has no header; expected a header line naming the columns, like label,pixel0,…,pixel783 (Kaggle's train.csv)",
    );
  });

  test("785 columns without one named label, an unknown name, a repeated name, a missing pixel", () => {
    const noLabel = ["id", ...pixelNames].join(",");
    expect(() => parseDigitsCsv(`${noLabel}\n${row(1, 5)}\n`, "id.csv")).toThrow(
      'id.csv: line 1 (the header), column 1: unknown column name "id"; expected label and pixel0 … pixel783',
    );
    const twice = ["label", ...pixelNames.slice(0, 783), "pixel5"].join(",");
    expect(() => parseDigitsCsv(`${twice}\n${row(1, 5)}\n`, "twice.csv")).toThrow('twice.csv: line 1 (the header): "pixel5" is both column 7 and column 785');
    const twoLabels = ["label", ...pixelNames.slice(0, 783), "label"].join(",");
    expect(() => parseDigitsCsv(`${twoLabels}\n${row(1, 5)}\n`, "l2.csv")).toThrow('l2.csv: line 1 (the header): "label" is both column 1 and column 785');
    const noPixel = pixelNames.slice(0, 783).concat("label").join(","); // 784 columns, label but no pixel783
    expect(() => parseDigitsCsv(`${noPixel}\n${pixels(0).join(",")}\n`, "np.csv")).toThrow(
      "np.csv: line 1 (the header): no column pixel783; expected a header line naming the columns",
    );
  });

  test("an error in a reordered file names the column by its header", () => {
    const text = reordered([...identity.slice(1), 0]).replace(/\n([^\n]*),1\n/, "\n$1,12\n");
    expect(() => parseDigitsCsv(text, "ll.csv")).toThrow("ll.csv: line 2, column 785 (label): expected a digit 0–9, found 12");
  });
});

describe("parseDigitsCsv refuses, naming the file, the line and what is wrong", () => {
  const good = row(4, 0);
  const cells = good.split(",");

  test("a short row (783 pixels)", () => {
    const short = cells.slice(0, 784).join(",");
    expect(() => parseDigitsCsv(`${HEADER}\n${good}\n${short}\n`, "train.csv")).toThrow(
      "train.csv: line 3: expected 785 columns like the header, found 784",
    );
  });

  test("a long row", () => {
    expect(() => parseDigitsCsv(`${HEADER}\n${good},0,0\n`, "train.csv")).toThrow("train.csv: line 2: expected 785 columns like the header, found 787");
  });

  test("a non-numeric cell, and an empty one", () => {
    const bad = [...cells.slice(0, 4), "abc", ...cells.slice(5)].join(",");
    expect(() => parseDigitsCsv(`${HEADER}\n${bad}\n`, "train.csv")).toThrow(
      'train.csv: line 2, column 5 (pixel3): expected a whole number 0–255, found "abc"',
    );
    const decimal = [...cells.slice(0, 9), "12.5", ...cells.slice(10)].join(",");
    expect(() => parseDigitsCsv(`${HEADER}\n${good}\n${decimal}\n`, "train.csv")).toThrow(
      'train.csv: line 3, column 10 (pixel8): expected a whole number 0–255, found "12.5"',
    );
    const empty = ["", ...cells.slice(1)].join(",");
    expect(() => parseDigitsCsv(`${HEADER}\n${empty}\n`, "train.csv")).toThrow('train.csv: line 2, column 1 (label): expected a digit 0–9, found ""');
  });

  test("a label of -1, 3.5 or nothing is reported as a label, not as a pixel (issue 28)", () => {
    for (const label of ["-1", "3.5", ""]) {
      const row = [label, ...cells.slice(1)].join(",");
      expect(() => parseDigitsCsv(`${HEADER}\n${row}\n`, "train.csv")).toThrow(`train.csv: line 2, column 1 (label): expected a digit 0–9, found ${JSON.stringify(label)}`);
    }
  });

  test("a pixel of 256", () => {
    const bad = [...cells.slice(0, 784), "256"].join(",");
    expect(() => parseDigitsCsv(`${HEADER}\n${bad}\n`, "train.csv")).toThrow("train.csv: line 2, column 785 (pixel783): expected a pixel 0–255, found 256");
  });

  test("a label of 10", () => {
    expect(() => parseDigitsCsv(`${HEADER}\n${good}\n${row(10, 0)}\n`, "train.csv")).toThrow("train.csv: line 3, column 1 (label): expected a digit 0–9, found 10");
  });

  test("an empty file, a header with no rows, a header of the wrong width", () => {
    expect(() => parseDigitsCsv("", "empty.csv")).toThrow("empty.csv: the file is empty");
    expect(() => parseDigitsCsv("\n\n", "blank.csv")).toThrow("blank.csv: the file is empty");
    expect(() => parseDigitsCsv(`${HEADER}\n`, "header.csv")).toThrow("header.csv: no rows of pixels after the header");
    expect(() => parseDigitsCsv("label,pixel0,pixel1\n1,2,3\n", "narrow.csv")).toThrow(
      "narrow.csv: line 1: expected 785 columns (label,pixel0,…,pixel783) or 784 (pixel0,…,pixel783, the unlabelled form), found 3",
    );
  });
});

describe("a file that cannot be read, or is not a comma-separated table", () => {
  test("a missing file, a folder: the path and the reason in words", () => {
    expect(() => readDigitsCsv("/no/such/train.csv")).toThrow("/no/such/train.csv: cannot read the CSV file: no such file or folder (ENOENT)");
    expect(() => readDigitsCsv(ROOT)).toThrow(`${ROOT}: cannot read the CSV file: it is a folder, not a digits CSV file; refusing to read it`);
  });

  test("semicolons or tabs instead of commas: says so", () => {
    expect(() => parseDigitsCsv(`${HEADER.replace(/,/g, ";")}\n${row(1, 0).replace(/,/g, ";")}\n`, "semi.csv")).toThrow(
      "found 1 (columns must be separated by commas; this line has ; or tabs)",
    );
  });
});

describe("the committed CSV samples", () => {
  test("data/train-sample.csv is the first 2,000 training examples of MNIST", () => {
    const csv = loadCsv(path.join(ROOT, "data", "train-sample.csv"));
    const idx = loadMnist("train", { limit: 2000 });
    expect(csv.images.shape).toBe("2000×784");
    expect(Buffer.compare(Buffer.from(csv.labels), Buffer.from(idx.labels))).toBe(0);
    expect(Buffer.compare(Buffer.from(csv.images.data.buffer), Buffer.from(idx.images.data.buffer))).toBe(0);
  });

  test("data/test-sample.csv is the first 100 test images, unlabelled; loadCsv refuses it", () => {
    const file = path.join(ROOT, "data", "test-sample.csv");
    const csv = readDigitsCsv(file);
    expect(csv.labels).toBeNull();
    const idx = loadMnist("test", { limit: 100 });
    expect(Buffer.compare(Buffer.from(csv.images.data.buffer), Buffer.from(idx.images.data.buffer))).toBe(0);
    expect(() => loadCsv(file)).toThrow(`loadCsv: ${file} has no label column`);
  });

  test("limit reads the first rows of a file", () => {
    const d = loadCsv(path.join(ROOT, "data", "train-sample.csv"), { limit: 8 });
    expect(Array.from(d.labels)).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
  });
});
