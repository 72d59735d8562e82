// Pixels: x = byte / 255. MNIST's grey levels 0–255 (0 = white paper, 255 = black ink) become numbers in [0, 1]
// through one table of the 256 values, so every way of scaling (a whole file at once, one row of a batch, one chunk
// of an evaluation) gives the same numbers bit for bit.
import { longLived, type DType, type FloatArray } from "../core/matrix";

const pixelTables: Partial<Record<DType, FloatArray>> = {};

/** table[v] = v / 255 for v = 0..255, in the given precision: scaling becomes one lookup per pixel. */
export function pixelTable(dtype: DType = "float32"): FloatArray {
  let table = pixelTables[dtype];
  if (table === undefined) {
    table = dtype === "float64" ? new Float64Array(256) : new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = v / 255;
    pixelTables[dtype] = table;
  }
  return table;
}

/** Throws unless dtype is one a Matrix can hold ("float32" or "float64"), naming `where`. */
export function checkPixelDType(dtype: DType, where: string): void {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new Error(`${where}: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
  }
}

/** x = byte / 255 for every byte: 0–255 grey levels → [0, 1], a new array (float32: kept in longLived memory). */
export function scalePixels(bytes: Uint8Array, dtype: DType = "float32"): FloatArray {
  checkPixelDType(dtype, "scalePixels");
  const out = dtype === "float32" ? longLived(1, bytes.length).data : new Float64Array(bytes.length);
  scaleRows(bytes, bytes.length, null, 0, 1, out); // one row: all of them
  return out;
}

/**
 * Rows of the bytes (`cols` values a row), scaled into out: row r of out = row i of the bytes / 255, where i =
 * order[from + r] (or from + r without an order, the stored order), for r = 0..count−1.
 */
export function scaleRows(bytes: Uint8Array, cols: number, order: ArrayLike<number> | null, from: number, count: number, out: FloatArray): void {
  const plain = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length); // a Buffer seen as a plain Uint8Array
  if (out instanceof Float32Array && cols % 2 === 0 && plain.byteOffset % 2 === 0 && out.byteOffset % 8 === 0 && LITTLE_ENDIAN) {
    const table = pairTable();
    const pixels = new Uint16Array(plain.buffer, plain.byteOffset, Math.floor(plain.length / 2)); // two pixels a number
    const out2 = new Float64Array(out.buffer, out.byteOffset, Math.floor(out.length / 2)); //       two float32s a number
    for (let r = 0; r < count; r++) copyPairs(pixels, ((order === null ? from + r : order[from + r]) * cols) / 2, cols / 2, table, out2, (r * cols) / 2);
  } else if (out instanceof Float32Array) {
    const table = pixelTable("float32") as Float32Array;
    for (let r = 0; r < count; r++) scale32(plain, (order === null ? from + r : order[from + r]) * cols, cols, table, out, r * cols);
  } else {
    const table = pixelTable("float64") as Float64Array;
    for (let r = 0; r < count; r++) scale64(plain, (order === null ? from + r : order[from + r]) * cols, cols, table, out, r * cols);
  }
}

// Two pixels at a time: pairs[b0 + 256·b1] holds the float32s table[b0], table[b1] side by side, moved as one 8-byte
// number (the same bits: no arithmetic touches them, and no pair is a NaN): half the loads and stores of scale32.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
let pairs: Float64Array | undefined;

function pairTable(): Float64Array {
  if (pairs === undefined) {
    pairs = new Float64Array(65536);
    const halves = new Float32Array(pairs.buffer);
    const table = pixelTable("float32");
    for (let v = 0; v < 65536; v++) {
      halves[2 * v] = table[v & 255];
      halves[2 * v + 1] = table[v >> 8];
    }
  }
  return pairs;
}

function copyPairs(pixels: Uint16Array, from: number, count: number, table: Float64Array, out: Float64Array, at: number): void {
  for (let k = 0; k < count; k++) out[at + k] = table[pixels[from + k]];
}

// The same loop twice, once per precision: a loop that only ever sees one array type stays fast in V8.
function scale32(bytes: Uint8Array, from: number, count: number, table: Float32Array, out: Float32Array, at: number): void {
  for (let k = 0; k < count; k++) out[at + k] = table[bytes[from + k]];
}

function scale64(bytes: Uint8Array, from: number, count: number, table: Float64Array, out: Float64Array, at: number): void {
  for (let k = 0; k < count; k++) out[at + k] = table[bytes[from + k]];
}
