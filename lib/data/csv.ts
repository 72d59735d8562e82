// Digits as a CSV table, the form Kaggle's "Digit Recognizer" uses (and pandas reads):
//
//   train.csv   label,pixel0,pixel1,…,pixel783      header, then one image a line:
//               5,0,0,…,0                            the label 0–9, then 784 pixels 0–255 (row by row)
//   test.csv    pixel0,…,pixel783                    the unlabelled form: 784 pixels a line
//
// A file without a header (its first line already numbers) is read too. The number of columns says
// which form it is: 785 labelled, 784 unlabelled. Lines end with \n or \r\n; blank lines are skipped.
//
// The parser walks the file's bytes, reading each number digit by digit (v = 10·v + digit) into a byte
// array of grey levels, then scales them x = v / 255 like the IDX images: no string per cell, so
// Kaggle's 42,000 rows take about a second. Every error names the file, the line (the header is line 1),
// the column and what was found.
import * as fs from "fs";
import { Matrix, type DType } from "../matrix";
import { scalePixels } from "./mnist";
import type { Dataset } from "./dataset";

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
  /** Where the first row of pixels starts, and its line number (1, or 2 after a header). */
  dataStart: number;
  dataLine: number;
}

/** The first line, a header or already data: its number of columns says which form the file has. */
function readFirstLine(bytes: Uint8Array, name: string): CsvForm {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // skip a UTF-8 byte-order mark
  if (countRows(bytes, start) === 0) {
    throw new Error(`${name}: the file is empty; expected a header line (label,pixel0,…,pixel783) and one row of pixels a line`);
  }
  const columns = cellsInLine(bytes, start);
  if (columns !== PIXELS + 1 && columns !== PIXELS) {
    throw new Error(
      `${name}: line 1: expected ${PIXELS + 1} columns (label,pixel0,…,pixel783) or ${PIXELS} (pixel0,…,pixel783, ` +
        `the unlabelled form), found ${columns}`,
    );
  }
  const isHeader = !isDigit(bytes[start]);
  return {
    labelled: columns === PIXELS + 1,
    columns,
    dataStart: isHeader ? nextLine(bytes, start) : start,
    dataLine: isHeader ? 2 : 1,
  };
}

/**
 * Read n rows: in each, every cell a whole number followed by a comma, or by the end of the line after
 * the last cell. Labels go to `labels`, pixels to `pixels` (row r at r·784). Blank lines are skipped.
 */
function parseRows(bytes: Uint8Array, name: string, form: CsvForm, n: number, pixels: Uint8Array, labels: Uint8Array | null): void {
  const { columns } = form;
  const last = columns - 1;
  const first = labels === null ? 0 : 1; // the first pixel's column
  let pos = form.dataStart;
  for (let row = 0, line = form.dataLine; row < n; line++) {
    const next = nextLine(bytes, pos);
    const end = contentEnd(bytes, pos, next); // this line's cells are bytes pos..end−1
    if (end === pos) {
      pos = next; // a blank line
      continue;
    }
    const lineStart = pos;
    const out = row * PIXELS - first; // pixels[out + col] is this row's pixel in column col
    for (let col = 0; col < columns; col++) {
      const cellStart = pos;
      let v = 0;
      while (pos < end && isDigit(bytes[pos])) v = 10 * v + (bytes[pos++] - ZERO); // v = 10·v + digit
      if (pos === cellStart || (pos < end && bytes[pos] !== COMMA)) {
        throw cellError(name, line, col, first, `expected a whole number 0–255, found ${JSON.stringify(cellText(bytes, cellStart, end))}`);
      }
      if ((pos < end) !== (col < last)) {
        // a comma after the last cell, or a line that ends too soon
        throw new Error(`${name}: line ${line}: expected ${columns} columns like the first line, found ${cellsInLine(bytes, lineStart)}`);
      }
      if (col < first) {
        if (v > 9) throw cellError(name, line, col, first, `expected a digit 0–9, found ${v}`);
        labels![row] = v;
      } else {
        if (v > 255) throw cellError(name, line, col, first, `expected a pixel 0–255, found ${v}`);
        pixels[out + col] = v;
      }
      pos++; // past the comma
    }
    pos = next;
    row++;
  }
}

function cellError(name: string, line: number, col: number, first: number, what: string): Error {
  const column = first === 1 && col === 0 ? "label" : `pixel${col - first}`;
  return new Error(`${name}: line ${line}, column ${col + 1} (${column}): ${what}`);
}

/** Read a digits CSV file: labelled (train.csv form) or not (test.csv form). */
export function readDigitsCsv(path: string, options: CsvOptions = {}): DigitsCsv {
  return parseDigitsCsv(fs.readFileSync(path), path, options);
}

/** Read a labelled digits CSV (label,pixel0,…,pixel783) as a Dataset. */
export function loadCsv(path: string, options: CsvOptions = {}): Dataset {
  const { images, labels } = readDigitsCsv(path, options);
  if (labels === null) {
    throw new Error(`loadCsv: ${path} has no label column (784 columns: the unlabelled test form); use readDigitsCsv to read its images`);
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
