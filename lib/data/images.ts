// A data set's images: the Dataset type, and data sets whose pixels stay bytes (0–255, a quarter of the memory of
// float32) until some code reads `images`. What is done with a data set (batches, shuffles, splits) is in
// ./dataset.ts, which reads the bytes while they are bytes through pixelBytes.
import { Matrix, type DType } from "../core/matrix";
import { checkPixelDType, scalePixels, scaleRows } from "./pixels";
import { giveBuffer, takeBuffer } from "./pool";

/**
 * A labelled set of images. images: n × 784 (one image a row, pixels in [0, 1]); labels: n digits 0–9.
 *
 * A data set from loadMnist (a byteDataset) keeps its pixels as bytes 0–255 (a quarter of the memory) until some
 * code reads `images`: the first read scales them (x = byte / 255, ./pixels.ts) into a Matrix that from then on IS
 * the data (change it in place and training sees the change), and the bytes are dropped. The library's own
 * readers (batches, evaluateDataset, shuffleDataset, splitDev, describeDataset, and imagesShape for the size)
 * read the bytes while they are still bytes, with the same numbers bit for bit, and leave `images` unread.
 */
export interface Dataset {
  images: Matrix;
  labels: Uint8Array;
}

/** The pixels of a byteDataset whose images no one has read yet: n·cols bytes, one image a row. */
export interface PixelBytes {
  bytes: Uint8Array;
  cols: number;
  dtype: DType;
}

const unread = new WeakMap<Dataset, PixelBytes>();

/** The bytes behind `d` while no one has read its images (then undefined: `d.images` is the data). */
export function pixelBytes(d: Dataset): PixelBytes | undefined {
  return unread.get(d);
}

/**
 * A Dataset whose images are `bytes` (grey levels 0–255, `cols` a row, one row per label) until someone reads
 * `images`: then they become the n × cols Matrix x = byte / 255 in `dtype`, kept from then on (see Dataset).
 */
export function byteDataset(bytes: Uint8Array, cols: number, labels: Uint8Array, dtype: DType = "float32"): Dataset {
  checkPixelDType(dtype, "byteDataset");
  if (!Number.isInteger(cols) || cols < 1 || bytes.length !== labels.length * cols) {
    throw new Error(`byteDataset: expected ${labels.length} labels × ${cols} pixels = ${labels.length * cols} bytes, found ${bytes.length}`);
  }
  let kept: Matrix | undefined; // the images once read
  const d: Dataset = {
    labels,
    get images(): Matrix {
      const p = unread.get(d);
      if (p !== undefined) {
        kept = new Matrix(p.bytes.length / p.cols, p.cols, scalePixels(p.bytes, p.dtype)); // the first read: x = byte / 255
        unread.delete(d); //                                                        the bytes can go
      }
      return kept!;
    },
    set images(m: Matrix) {
      kept = m;
      unread.delete(d);
    },
  };
  unread.set(d, { bytes, cols, dtype });
  return d;
}

/** The images' rows, columns and dtype, without reading `images` of a data set still held as bytes. */
export function imagesShape(d: Dataset): { rows: number; cols: number; dtype: DType } {
  const p = unread.get(d);
  if (p !== undefined) return { rows: p.bytes.length / p.cols, cols: p.cols, dtype: p.dtype };
  return { rows: d.images.rows, cols: d.images.cols, dtype: d.images.dtype };
}

/**
 * The images, `chunkRows` rows at a time, for code that reads them in order (evaluation): `rowRange(start, end)`
 * gives those rows, valid until the next call. A data set held as bytes is scaled one chunk at a time into a buffer
 * lent by the pool (give it back with `done()`); otherwise the chunks are views of `images`.
 */
export function imageChunks(d: Dataset, chunkRows: number): { rows: number; shape: string; rowRange(start: number, end: number): Matrix; done(): void } {
  const p = unread.get(d);
  if (p === undefined) return { rows: d.images.rows, shape: d.images.shape, rowRange: (start, end) => d.images.rowRange(start, end), done: () => {} };
  const rows = p.bytes.length / p.cols;
  let buffer: Matrix | undefined; // taken at the first chunk (evaluate checks its arguments before)
  return {
    rows,
    shape: `${rows}×${p.cols}`,
    rowRange(start, end) {
      buffer ??= takeBuffer(Math.min(chunkRows, rows), p.cols, p.dtype).buffer;
      const x = end - start === buffer.rows ? buffer : buffer.rowRange(0, end - start);
      scaleRows(p.bytes, p.cols, null, start, end - start, x.data); // X_chunk = rows start…end−1 of the bytes / 255
      return x;
    },
    done: () => buffer !== undefined && giveBuffer(buffer),
  };
}

