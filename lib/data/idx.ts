// The IDX file format: how the original MNIST files (LeCun, Cortes & Burges) store their arrays.
//
//   bytes 0–1   00 00            the magic number starts with two zero bytes
//   byte  2     element type     08 ubyte, 09 byte, 0B short, 0C int, 0D float, 0E double
//   byte  3     d                the number of dimensions
//   then        d × uint32       the size of each dimension, big-endian (images: n, 28, 28; labels: n)
//   then        the payload      n·28·28 elements, row-major, each big-endian
//
// A file may also be gzip-compressed (as LeCun's site served them: train-images-idx3-ubyte.gz).
// We recognise gzip by the file's first two bytes (1f 8b), not by its name.
import * as fs from "fs";
import * as zlib from "zlib";

export type IdxType = "ubyte" | "byte" | "short" | "int" | "float" | "double";
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  /** The file name, as used in error messages. */
  name: string;
  type: IdxType;
  /** The shape of `data` (images: [n, 28, 28]; labels: [n]); dims[0] is cut to the limit if one was given. */
  dims: number[];
  /** How many items (dims[0]) the file holds, whatever the limit. */
  fileItems: number;
  /** The elements, row-major. For "ubyte" a view into the file's bytes (no copy). */
  data: IdxData;
}

export interface IdxHeader {
  name: string;
  type: IdxType;
  /** The dimensions the header declares. */
  dims: number[];
  /** 4 + 4·d: where the payload starts. */
  headerBytes: number;
  /** Bytes per element (1, 2, 4 or 8). */
  elementBytes: number;
}

export interface IdxReadOptions {
  /** Read only the first `limit` items (images, labels) of the file. */
  limit?: number;
}

const ELEMENT_TYPES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: "ubyte", bytes: 1 },
  0x09: { type: "byte", bytes: 1 },
  0x0b: { type: "short", bytes: 2 },
  0x0c: { type: "int", bytes: 4 },
  0x0d: { type: "float", bytes: 4 },
  0x0e: { type: "double", bytes: 8 },
};

const hex = (b: number) => b.toString(16).padStart(2, "0");
const product = (dims: number[]) => dims.reduce((p, d) => p * d, 1);
const fail = (name: string, what: string) => new Error(`${name}: ${what}`);

/** True if the bytes start with the gzip signature 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompress a gzip stream; a damaged one gives an error that says so (zlib's own words are kept). */
export function gunzip(bytes: Uint8Array, name: string): Uint8Array {
  try {
    return zlib.gunzipSync(bytes);
  } catch (e) {
    throw fail(
      name,
      `corrupted gzip stream: the file starts with the gzip signature 1f 8b but does not decompress ` +
        `(zlib says: ${(e as Error).message}); the file is damaged or incomplete, download it again`,
    );
  }
}

/**
 * Read and check an IDX header. `fileBytes` is the length of the whole (uncompressed) file, which may be
 * longer than `bytes` when only the start of the file was read. Checks the magic number, the element
 * type, and that the dimensions account for exactly the bytes after the header.
 */
export function parseIdxHeader(bytes: Uint8Array, name: string, fileBytes = bytes.length): IdxHeader {
  if (fileBytes < 4) {
    throw fail(name, `truncated header: an IDX file starts with a 4-byte magic number, file has ${fileBytes} bytes`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const found = Array.from(bytes.subarray(0, 4), hex).join(" ");
    throw fail(name, `not an IDX file: expected a magic number starting with two zero bytes (00 00 <type> <dims>), found ${found}`);
  }
  const element = ELEMENT_TYPES[bytes[2]];
  if (element === undefined) {
    throw fail(
      name,
      `unknown IDX element type 0x${hex(bytes[2])} (byte 2 of the magic number); expected ` +
        `0x08 (ubyte), 0x09 (byte), 0x0b (short), 0x0c (int), 0x0d (float) or 0x0e (double)`,
    );
  }
  const d = bytes[3];
  if (d === 0) throw fail(name, `an IDX file needs at least 1 dimension (byte 3 of the magic number), found 0`);
  const headerBytes = 4 + 4 * d;
  if (fileBytes < headerBytes || bytes.length < headerBytes) {
    throw fail(name, `truncated header: ${d} dimensions need a ${headerBytes}-byte header, file has ${Math.min(fileBytes, bytes.length)} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const dims: number[] = [];
  for (let i = 0; i < d; i++) dims.push(view.getUint32(4 + 4 * i, false)); // big-endian

  // The dimensions must account for every byte after the header: no fewer, no more.
  const expected = product(dims) * element.bytes;
  const found = fileBytes - headerBytes;
  if (found !== expected) {
    const each = element.bytes === 1 ? "" : ` ${element.type}s of ${element.bytes} bytes`;
    const says = `header says ${dims.join("×")}${each} = ${expected} bytes of data`;
    const has = `file has ${found} after its ${headerBytes}-byte header`;
    throw fail(name, found < expected ? `truncated: ${says}, ${has}` : `${found - expected} extra bytes: ${says}, ${has}`);
  }
  return { name, type: element.type, dims, headerBytes, elementBytes: element.bytes };
}

/** Parse an IDX file held in memory (plain or gzip-compressed); every size is checked. */
export function parseIdx(bytes: Uint8Array, name: string, options: IdxReadOptions = {}): IdxArray {
  if (isGzip(bytes)) bytes = gunzip(bytes, name);
  const header = parseIdxHeader(bytes, name);
  const items = itemsWanted(header, options.limit);
  const count = items * itemElements(header);
  return { ...arrayInfo(header, items), data: decode(bytes, header.headerBytes, header.type, count) };
}

/**
 * Read an IDX file from disk (plain or gzip-compressed). With `limit`, a plain file is read only as far
 * as needed; its size is still checked against the header.
 */
export function readIdx(path: string, options: IdxReadOptions = {}): IdxArray {
  const fd = fs.openSync(path, "r");
  try {
    const fileBytes = fs.fstatSync(fd).size;
    const start = readAt(fd, 0, Math.min(fileBytes, 4 + 4 * 255)); // the longest possible header
    if (options.limit === undefined || isGzip(start)) return parseIdx(fs.readFileSync(fd), path, options);
    const header = parseIdxHeader(start, path, fileBytes);
    const items = itemsWanted(header, options.limit);
    const count = items * itemElements(header);
    const payload = readAt(fd, header.headerBytes, count * header.elementBytes);
    return { ...arrayInfo(header, items), data: decode(payload, 0, header.type, count) };
  } finally {
    fs.closeSync(fd);
  }
}

/** Elements per item: 28·28 = 784 for an images file, 1 for a labels file. */
function itemElements(header: IdxHeader): number {
  return product(header.dims.slice(1));
}

function itemsWanted(header: IdxHeader, limit: number | undefined): number {
  const n = header.dims[0];
  if (limit === undefined) return n;
  if (!Number.isInteger(limit) || limit < 0) {
    throw fail(header.name, `limit must be a whole number ≥ 0, got ${limit}`);
  }
  return Math.min(limit, n);
}

function arrayInfo(header: IdxHeader, items: number) {
  return { name: header.name, type: header.type, dims: [items, ...header.dims.slice(1)], fileItems: header.dims[0] };
}

/** Read `length` bytes at `position` (readSync may return fewer bytes than asked: loop). */
function readAt(fd: number, position: number, length: number): Uint8Array {
  const out = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const got = fs.readSync(fd, out, done, length - done, position + done);
    if (got === 0) break;
    done += got;
  }
  return out.subarray(0, done);
}

/** The payload as a typed array: bytes are viewed as they are, wider types are read big-endian. */
function decode(bytes: Uint8Array, offset: number, type: IdxType, count: number): IdxData {
  if (type === "ubyte") return bytes.subarray(offset, offset + count);
  if (type === "byte") return new Int8Array(bytes.buffer, bytes.byteOffset + offset, count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  switch (type) {
    case "short": return fill(new Int16Array(count), (i) => view.getInt16(2 * i, false));
    case "int": return fill(new Int32Array(count), (i) => view.getInt32(4 * i, false));
    case "float": return fill(new Float32Array(count), (i) => view.getFloat32(4 * i, false));
    case "double": return fill(new Float64Array(count), (i) => view.getFloat64(8 * i, false));
  }
}

function fill<T extends Int16Array | Int32Array | Float32Array | Float64Array>(out: T, at: (i: number) => number): T {
  for (let i = 0; i < out.length; i++) out[i] = at(i);
  return out;
}

/** The bytes of an IDX file for `data` of shape `dims` (used to write the samples and in tests). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  if (product(dims) !== data.length) {
    throw new Error(`encodeIdx: dims ${dims.join("×")} = ${product(dims)} elements, data has ${data.length}`);
  }
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08; // ubyte
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
