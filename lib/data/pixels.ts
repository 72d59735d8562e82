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
  scaleBytesInto(bytes, 0, bytes.length, out, 0);
  return out;
}

/** out[at + k] = bytes[from + k] / 255 for k = 0..count−1, in out's precision (the table's numbers). */
export function scaleBytesInto(bytes: Uint8Array, from: number, count: number, out: FloatArray, at: number): void {
  const plain = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length); // a Buffer seen as a plain Uint8Array
  if (out instanceof Float32Array) scale32(plain, from, count, pixelTable("float32") as Float32Array, out, at);
  else scale64(plain, from, count, pixelTable("float64") as Float64Array, out, at);
}

// The same loop twice, once per precision: a loop that only ever sees one array type stays fast in V8.
function scale32(bytes: Uint8Array, from: number, count: number, table: Float32Array, out: Float32Array, at: number): void {
  for (let k = 0; k < count; k++) out[at + k] = table[bytes[from + k]];
}

function scale64(bytes: Uint8Array, from: number, count: number, table: Float64Array, out: Float64Array, at: number): void {
  for (let k = 0; k < count; k++) out[at + k] = table[bytes[from + k]];
}
