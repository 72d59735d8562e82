// Digits as a CSV table, the form Kaggle's "Digit Recognizer" uses (and pandas reads):
//
//   train.csv   label,pixel0,pixel1,…,pixel783      header, then one image a line:
//               5,0,0,…,0                            the label 0–9, then 784 pixels 0–255 (row by row)
//   test.csv    pixel0,…,pixel783                    the unlabelled form: 784 pixels a line
//
// The header is required and says what each column is: `label` wherever it stands, and `pixel0` … `pixel783`
// (or `1x1` … `28x28`, row x column, as another common export names them) in any order. A file without a
// header, or whose header lacks a pixel, is refused with a message saying what was expected. Lines end with
// \n or \r\n; blank lines are skipped.
//
// The parser walks the file's bytes, reading each number digit by digit (v = 10·v + digit) into a byte
// array of grey levels, then scales them x = v / 255 like the IDX images: no string per cell, so
// Kaggle's 42,000 rows take about a second. Every error names the file, the line (the header is line 1),
// the column and what was found.
import { Matrix, type DType } from "../core/matrix";
import { scalePixels } from "./pixels";
import type { Dataset } from "./dataset";
import { readFileBounded, reason } from "../files";

/** A digits CSV is read whole: 1 GB is ten times MNIST's 70,000 images (about 110 MB); anything larger is refused unread. */
export const MAX_CSV_BYTES = 1e9;

export interface DigitsCsv {
  /** n × 784, pixels scaled to [0, 1]. */
  images: Matrix;
  /** n digits 0–9, or null for the unlabelled form. */
  labels: Uint8Array | null;
}

export interface CsvOptions {
  /** Read only the first `limit` rows. */
  limit?: number;
  /** Precision of the images matrix; default "float32". */
  dtype?: DType;
}

const PIXELS = 784;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const ZERO = 0x30;
const NINE = 0x39;

/** Parse a digits CSV held in memory (text or its bytes). `name` is used in error messages. */
export function parseDigitsCsv(input: string | Uint8Array, name: string, options: CsvOptions = {}): DigitsCsv {
  const text = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  const bytes = new Uint8Array(text.buffer, text.byteOffset, text.length); // a Buffer seen as a plain Uint8Array
  const form = readFirstLine(bytes, name);
  let n = countRows(bytes, form.dataStart);
  if (options.limit !== undefined) {
    if (!Number.isInteger(options.limit) || options.limit < 0) {
      throw new Error(`${name}: limit must be a whole number ≥ 0, got ${options.limit}`);
    }
    n = Math.min(n, options.limit);
  }
  if (n === 0 && options.limit !== 0) throw new Error(`${name}: no rows of pixels after the header`);

  // The grey levels 0–255 as an IDX file holds them, then x = v / 255 like the IDX images.
  const pixels = new Uint8Array(n * PIXELS);
  const labels = form.labelled ? new Uint8Array(n) : null;
  parseRows(bytes, name, form, n, pixels, labels);
  return { images: new Matrix(n, PIXELS, scalePixels(pixels, options.dtype)), labels };
}

interface CsvForm {
  labelled: boolean;
  /** 785 (label + pixels) or 784 (pixels). */
  columns: number;
  /** For each column, the pixel it holds (0–783), or LABEL. */
  target: Int16Array;
  /** Where the first row of pixels starts, and its line number (2: the header is line 1). */
  dataStart: number;
  dataLine: number;
}

const LABEL = -1;
const EXPECTED_HEADER = "a header line naming the columns, like label,pixel0,…,pixel783 (Kaggle's train.csv)";

/** The header: which column holds the label (if any) and which holds each of the 784 pixels. */
function readFirstLine(bytes: Uint8Array, name: string): CsvForm {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // skip a UTF-8 byte-order mark
  if (countRows(bytes, start) === 0) {
    throw new Error(`${name}: the file is empty; expected ${EXPECTED_HEADER} and one row of pixels a line`);
  }
  const columns = cellsInLine(bytes, start);
  if (columns !== PIXELS + 1 && columns !== PIXELS) {
    const first = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(4096, bytes.length - start)).toString("latin1");
    const hint = columns === 1 && /[;\t]/.test(first) ? " (columns must be separated by commas; this line has ; or tabs)" : "";
    throw new Error(
      `${name}: line 1: expected ${PIXELS + 1} columns (label,pixel0,…,pixel783) or ${PIXELS} (pixel0,…,pixel783, ` +
        `the unlabelled form), found ${columns}${hint}`,
    );
  }
  const next = nextLine(bytes, start);
  const names = Buffer.from(bytes.buffer, bytes.byteOffset + start, contentEnd(bytes, start, next) - start).toString("utf8").split(",");
  if (/^\s*"?\s*[0-9]/.test(names[0])) {
    throw new Error(`${name}: line 1 starts with a number, so the file has no header; expected ${EXPECTED_HEADER}`);
  }
  const target = new Int16Array(columns);
  const seen = new Map<number, number>(); // pixel (or LABEL) → column
  names.forEach((raw, col) => {
    const cell = raw.trim().replace(/^"(.*)"$/, "$1").trim().toLowerCase();
    const pixel = /^pixel(\d+)$/.exec(cell);
    const rowCol = /^(\d+)x(\d+)$/.exec(cell);
    let t = cell === "label" ? LABEL : pixel ? Number(pixel[1]) : rowCol ? (Number(rowCol[1]) - 1) * 28 + Number(rowCol[2]) - 1 : NaN;
    if (rowCol && (Number(rowCol[1]) < 1 || Number(rowCol[1]) > 28 || Number(rowCol[2]) < 1 || Number(rowCol[2]) > 28)) t = NaN;
    if (!(t === LABEL || (t >= 0 && t < PIXELS))) {
      throw new Error(`${name}: line 1 (the header), column ${col + 1}: unknown column name ${JSON.stringify(raw)}; expected label and pixel0 … pixel783`);
    }
    if (seen.has(t)) throw new Error(`${name}: line 1 (the header): ${JSON.stringify(cell)} is both column ${seen.get(t)! + 1} and column ${col + 1}`);
    seen.set(t, col);
    target[col] = t;
  });
  const labelled = seen.has(LABEL);
  if (columns === PIXELS + 1 && !labelled) throw new Error(`${name}: line 1 (the header): ${columns} columns but none is named label; expected ${EXPECTED_HEADER}`);
  for (let p = 0; p < PIXELS; p++) {
    if (!seen.has(p)) throw new Error(`${name}: line 1 (the header): no column pixel${p}; expected ${EXPECTED_HEADER}`);
  }
  return { labelled, columns, target, dataStart: next, dataLine: 2 };
}

/**
 * Read n rows: in each, every cell a whole number followed by a comma, or by the end of the line after
 * the last cell. Labels go to `labels`, pixels to `pixels` (row r at r·784), as the header says. Blank lines are skipped.
 */
function parseRows(bytes: Uint8Array, name: string, form: CsvForm, n: number, pixels: Uint8Array, labels: Uint8Array | null): void {
  const { columns, target } = form;
  const last = columns - 1;
  let pos = form.dataStart;
  for (let row = 0, line = form.dataLine; row < n; line++) {
    const next = nextLine(bytes, pos);
    const end = contentEnd(bytes, pos, next); // this line's cells are bytes pos..end−1
    if (end === pos) {
      pos = next; // a blank line
      continue;
    }
    const lineStart = pos;
    const out = row * PIXELS; // pixels[out + p] is this row's pixel p
    for (let col = 0; col < columns; col++) {
      const cellStart = pos;
      let v = 0;
      while (pos < end && isDigit(bytes[pos])) v = 10 * v + (bytes[pos++] - ZERO); // v = 10·v + digit
      if (pos === cellStart || (pos < end && bytes[pos] !== COMMA)) {
        const expected = target[col] === LABEL ? "a digit 0–9" : "a whole number 0–255";
        throw cellError(name, line, col, form, `expected ${expected}, found ${JSON.stringify(cellText(bytes, cellStart, end))}`);
      }
      if ((pos < end) !== (col < last)) {
        // a comma after the last cell, or a line that ends too soon
        throw new Error(`${name}: line ${line}: expected ${columns} columns like the header, found ${cellsInLine(bytes, lineStart)}`);
      }
      const t = target[col];
      if (t === LABEL) {
        if (v > 9) throw cellError(name, line, col, form, `expected a digit 0–9, found ${v}`);
        labels![row] = v;
      } else {
        if (v > 255) throw cellError(name, line, col, form, `expected a pixel 0–255, found ${v}`);
        pixels[out + t] = v;
      }
      pos++; // past the comma
    }
    pos = next;
    row++;
  }
}

function cellError(name: string, line: number, col: number, form: CsvForm, what: string): Error {
  const column = form.target[col] === LABEL ? "label" : `pixel${form.target[col]}`;
  return new Error(`${name}: line ${line}, column ${col + 1} (${column}): ${what}`);
}

/** Read a digits CSV file: labelled (train.csv form) or not (test.csv form). */
export function readDigitsCsv(path: string, options: CsvOptions = {}): DigitsCsv {
  let bytes: Buffer;
  try {
    bytes = readFileBounded(path, MAX_CSV_BYTES, "digits CSV file");
  } catch (err) {
    throw new Error(`${path}: cannot read the CSV file: ${reason(err)}`);
  }
  return parseDigitsCsv(bytes, path, options);
}

/** Read a labelled digits CSV (label,pixel0,…,pixel783) as a Dataset. */
export function loadCsv(path: string, options: CsvOptions = {}): Dataset {
  const { images, labels } = readDigitsCsv(path, options);
  if (labels === null) {
    throw new Error(`loadCsv: ${path} has no label column (its header names 784 pixels: the unlabelled test form); use readDigitsCsv to read its images`);
  }
  return { images, labels };
}

// Lines end with \n; a \r just before it (Windows' \r\n) is not part of the line.

/** Where the line after the one starting at `pos` starts (past its \n), or the end of the bytes. */
function nextLine(bytes: Uint8Array, pos: number): number {
  const lf = bytes.indexOf(LF, pos);
  return lf < 0 ? bytes.length : lf + 1;
}

/** Where the content of the line pos..next−1 ends: before its \n, and before a \r that precedes it. */
function contentEnd(bytes: Uint8Array, pos: number, next: number): number {
  let end = next;
  if (end > pos && bytes[end - 1] === LF) end--;
  if (end > pos && bytes[end - 1] === CR) end--;
  return end;
}

/** The number of comma-separated cells in the line starting at `pos`. */
function cellsInLine(bytes: Uint8Array, pos: number): number {
  const end = contentEnd(bytes, pos, nextLine(bytes, pos));
  let cells = 1;
  for (; pos < end; pos++) if (bytes[pos] === COMMA) cells++;
  return cells;
}

/** The number of lines, from `pos` on, that are not blank. */
function countRows(bytes: Uint8Array, pos: number): number {
  let rows = 0;
  while (pos < bytes.length) {
    const next = nextLine(bytes, pos);
    if (contentEnd(bytes, pos, next) > pos) rows++;
    pos = next;
  }
  return rows;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** The text of the cell starting at `pos` (up to 20 characters), for error messages. */
function cellText(bytes: Uint8Array, pos: number, end: number): string {
  let stop = pos;
  while (stop < end && stop - pos < 20 && bytes[stop] !== COMMA) stop++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + pos, stop - pos).toString("utf8");
}
