// The IDX reader: the real MNIST files read right, and every kind of damaged file refused with an
// error that says what was expected and what was found. Bad files are built byte by byte here.
import { afterAll, describe, expect, test } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { isGzip, parseIdx, readIdx } from "../lib/data/idx";
import { mnistDir } from "../lib/data/mnist";

const TRAIN_IMAGES = path.join(mnistDir(), "train-images-idx3-ubyte");
const TRAIN_LABELS = path.join(mnistDir(), "train-labels-idx1-ubyte");
const TEST_IMAGES = path.join(mnistDir(), "t10k-images-idx3-ubyte");

/** An IDX file by hand: 00 00 <type> <d>, d big-endian uint32 sizes, then the payload bytes. */
function idxBytes(typeCode: number, dims: number[], payload: ArrayLike<number>): Uint8Array {
  const header = [0, 0, typeCode, dims.length];
  for (const d of dims) header.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return Uint8Array.from([...header, ...Array.from(payload)]);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "idx-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("the real MNIST files", () => {
  test("training labels: 60,000 ubytes starting 5 0 4 1 9 2 1 3", () => {
    const labels = readIdx(TRAIN_LABELS);
    expect(labels.type).toBe("ubyte");
    expect(labels.dims).toEqual([60000]);
    expect(Array.from(labels.data.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
  });

  test("image headers: train 60000×28×28, test 10000×28×28", () => {
    expect(readIdx(TRAIN_IMAGES).dims).toEqual([60000, 28, 28]);
    expect(readIdx(TEST_IMAGES).dims).toEqual([10000, 28, 28]);
  });

  test("the payload is the file's bytes after the 16-byte header", () => {
    const raw = fs.readFileSync(TEST_IMAGES);
    const images = readIdx(TEST_IMAGES);
    expect(images.data.length).toBe(10000 * 784);
    expect(Buffer.compare(Buffer.from(images.data as Uint8Array), raw.subarray(16))).toBe(0);
  });

  test("limit reads only the first N items, and says how many the file holds", () => {
    const first = readIdx(TRAIN_IMAGES, { limit: 5 });
    expect(first.dims).toEqual([5, 28, 28]);
    expect(first.fileItems).toBe(60000);
    const raw = fs.readFileSync(TRAIN_IMAGES).subarray(16, 16 + 5 * 784);
    expect(Buffer.compare(Buffer.from(first.data as Uint8Array), raw)).toBe(0);
    expect(readIdx(TRAIN_LABELS, { limit: 100000 }).dims).toEqual([60000]); // a limit past the end: all of it
  });
});

describe("element types", () => {
  test("byte, short, int, float and double are decoded big-endian", () => {
    expect(Array.from(parseIdx(idxBytes(0x09, [2], [0xff, 0x7f]), "b").data)).toEqual([-1, 127]);
    expect(Array.from(parseIdx(idxBytes(0x0b, [2], [0xff, 0xfe, 0x01, 0x02]), "s").data)).toEqual([-2, 258]);
    expect(Array.from(parseIdx(idxBytes(0x0c, [1], [0xff, 0xfe, 0xee, 0x90]), "i").data)).toEqual([-70000]);
    expect(Array.from(parseIdx(idxBytes(0x0d, [2], [0x3f, 0xc0, 0, 0, 0xbe, 0x80, 0, 0]), "f").data)).toEqual([1.5, -0.25]);
    const pi = new Uint8Array(8);
    new DataView(pi.buffer).setFloat64(0, Math.PI, false);
    const d = parseIdx(idxBytes(0x0e, [1, 1], pi), "d");
    expect(d.type).toBe("double");
    expect(Array.from(d.data)).toEqual([Math.PI]);
  });

  test("a 2×3 ubyte array keeps its shape and row-major order", () => {
    const a = parseIdx(idxBytes(0x08, [2, 3], [1, 2, 3, 4, 5, 6]), "a");
    expect(a).toMatchObject({ type: "ubyte", dims: [2, 3], fileItems: 2 });
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("gzip", () => {
  const plain = idxBytes(0x08, [3, 2], [0, 1, 2, 253, 254, 255]);
  const gz = zlib.gzipSync(plain);

  test("is recognised by content, not by name", () => {
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(plain)).toBe(false);
    fs.writeFileSync(path.join(tmp, "compressed-but-named-plain"), gz);
    fs.writeFileSync(path.join(tmp, "plain-but-named.gz"), plain);
    for (const name of ["compressed-but-named-plain", "plain-but-named.gz"]) {
      const a = readIdx(path.join(tmp, name));
      expect(a.dims).toEqual([3, 2]);
      expect(Array.from(a.data)).toEqual([0, 1, 2, 253, 254, 255]);
    }
    expect(readIdx(path.join(tmp, "compressed-but-named-plain"), { limit: 1 }).dims).toEqual([1, 2]);
  });

  test("a corrupted gzip stream is reported as such", () => {
    const broken = Uint8Array.from(gz);
    broken[broken.length - 6] ^= 0xff; // inside the CRC-32 of the data
    expect(() => parseIdx(broken, "damaged.gz")).toThrow(/^damaged\.gz: corrupted gzip stream: .*zlib says: /);
    const cut = gz.subarray(0, 15);
    expect(() => parseIdx(cut, "cut.gz")).toThrow(/^cut\.gz: corrupted gzip stream: .*unexpected end of file/);
  });

  test("a gzip file that decompresses to a bad IDX file is checked like a plain one", () => {
    const short = zlib.gzipSync(idxBytes(0x08, [3, 2], [1, 2, 3]));
    expect(() => parseIdx(short, "short.gz")).toThrow("short.gz: truncated: header says 3×2 = 6 bytes of data, file has 3");
  });
});

describe("damaged files are refused with what was expected and what was found", () => {
  test("wrong magic number", () => {
    const zip = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]);
    expect(() => parseIdx(zip, "archive.zip")).toThrow(
      "archive.zip: not an IDX file: expected a magic number starting with two zero bytes (00 00 <type> <dims>), found 50 4b 03 04",
    );
  });

  test("unknown element type", () => {
    expect(() => parseIdx(idxBytes(0x07, [1], [0]), "odd")).toThrow(/^odd: unknown IDX element type 0x07 .*expected 0x08 \(ubyte\)/);
  });

  test("zero dimensions", () => {
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 0]), "scalar")).toThrow("scalar: an IDX file needs at least 1 dimension");
  });

  test("truncated header: fewer bytes than the dimensions need", () => {
    const cut = idxBytes(0x08, [60000, 28, 28], []).subarray(0, 10);
    expect(() => parseIdx(cut, "train-images-idx3-ubyte")).toThrow(
      "train-images-idx3-ubyte: truncated header: 3 dimensions need a 16-byte header, file has 10 bytes",
    );
    expect(() => parseIdx(Uint8Array.from([0, 0]), "tiny")).toThrow("tiny: truncated header: an IDX file starts with a 4-byte magic number, file has 2 bytes");
  });

  test("truncated payload", () => {
    const bytes = idxBytes(0x08, [60000, 28, 28], new Uint8Array(1024));
    expect(() => parseIdx(bytes, "train-images-idx3-ubyte")).toThrow(
      "train-images-idx3-ubyte: truncated: header says 60000×28×28 = 47040000 bytes of data, file has 1024 after its 16-byte header",
    );
  });

  test("extra bytes after the payload", () => {
    const bytes = idxBytes(0x08, [2, 2], [1, 2, 3, 4, 5, 6]);
    expect(() => parseIdx(bytes, "long")).toThrow("long: 2 extra bytes: header says 2×2 = 4 bytes of data, file has 6 after its 12-byte header");
  });

  test("dimensions that do not match the size, for a wide type", () => {
    const bytes = idxBytes(0x0c, [2, 3], new Uint8Array(20)); // 2×3 ints need 24 bytes
    expect(() => parseIdx(bytes, "ints")).toThrow("ints: truncated: header says 2×3 ints of 4 bytes = 24 bytes of data, file has 20");
  });

  test("a truncated file on disk is refused even when only its first items are asked for", () => {
    const file = path.join(tmp, "train-images-idx3-ubyte");
    fs.writeFileSync(file, idxBytes(0x08, [60000, 28, 28], new Uint8Array(1024)));
    expect(() => readIdx(file, { limit: 1 })).toThrow(`${file}: truncated: header says 60000×28×28 = 47040000 bytes of data, file has 1024`);
    expect(() => readIdx(file)).toThrow(`${file}: truncated`);
  });

  test("a bad limit", () => {
    expect(() => readIdx(TRAIN_LABELS, { limit: -1 })).toThrow("limit must be a whole number ≥ 0, got -1");
  });
});
