// Data augmentation: new training images made on the fly from the old ones, by small random shifts and rotations.
// A 7 moved two pixels to the left or tilted by 10° is still a 7, and a network that sees such versions
// of every image learns that, instead of memorising where each pixel of each training image was.
//
// Each image is rotated by θ about its centre c and shifted by d = (dx, dy). Output pixel q takes its value
// from the input at   p = R(−θ)·(q − c − d) + c   (the inverse transform), read by bilinear interpolation
// between the four pixels around p; outside the image counts as 0 (background).
//
// Every image of every batch draws its own θ ∈ [−maxRotation, maxRotation] and dx, dy ∈ [−maxShift, maxShift]
// from the augmenter's seeded generator: the same seed gives the same images, batch after batch.
import type { Matrix, FloatArray } from "../core/matrix";
import { Buffers } from "../core/buffers";
import { Random } from "../core/random";

export interface AugmentOptions {
  /** the largest shift, in pixels, along each axis; default 2 */
  maxShift?: number;
  /** the largest rotation, in degrees, either way; default 10 */
  maxRotation?: number;
  /** seeds the random shifts and angles; default 0 */
  seed?: number;
  /** the image's size; default 28 × 28 (MNIST) */
  width?: number;
  height?: number;
}

/** One image's transform: rotation θ in radians, shift (dx, dy) in pixels (x to the right, y down). */
export interface Transform {
  angle: number;
  dx: number;
  dy: number;
}

export class Augmenter {
  readonly maxShift: number;
  readonly maxRotation: number; // degrees
  readonly width: number;
  readonly height: number;
  private readonly rng: Random;
  private readonly out = new Buffers(); // the augmented batch, reused from batch to batch

  constructor(options: AugmentOptions = {}) {
    this.maxShift = nonNegative("maxShift", options.maxShift ?? 2);
    this.maxRotation = nonNegative("maxRotation", options.maxRotation ?? 10);
    this.width = options.width ?? 28;
    this.height = options.height ?? 28;
    for (const [name, n] of [["width", this.width], ["height", this.height]] as const) {
      if (!Number.isInteger(n) || n < 1) throw new Error(`Augmenter: ${name} must be a whole number ≥ 1, got ${n}`);
    }
    this.rng = new Random(options.seed ?? 0);
  }

  /** A random transform within the limits. */
  draw(): Transform {
    const degrees = this.rng.uniform(-this.maxRotation, this.maxRotation);
    return {
      angle: (degrees * Math.PI) / 180,
      dx: this.rng.uniform(-this.maxShift, this.maxShift),
      dy: this.rng.uniform(-this.maxShift, this.maxShift),
    };
  }

  /**
   * Every row of x (one image a row), each with its own random transform, written into a buffer the augmenter
   * keeps and returns again on the next call: copy (clone()) what you want to keep.
   */
  apply(x: Matrix): Matrix {
    const pixels = this.width * this.height;
    if (x.cols !== pixels) {
      throw new Error(`Augmenter: expected images of ${this.width}×${this.height} = ${pixels} pixels a row, found ${x.shape}`);
    }
    const y = this.out.get(x.rows, x.cols, x.dtype);
    for (let i = 0; i < x.rows; i++) {
      transformImage(x.data, y.data, this.width, this.height, this.draw(), i * pixels, i * pixels);
    }
    return y;
  }
}

/**
 * dst = src rotated by t.angle about the centre and shifted by (t.dx, t.dy); bilinear; outside is 0.
 * The images are width·height numbers starting at srcStart in src and dstStart in dst (default 0).
 */
export function transformImage(
  src: FloatArray, dst: FloatArray, width: number, height: number, t: Transform, srcStart = 0, dstStart = 0,
): void {
  const pixels = width * height;
  if (srcStart < 0 || srcStart + pixels > src.length || dstStart < 0 || dstStart + pixels > dst.length) {
    throw new Error(`transformImage: a ${width}×${height} image has ${pixels} pixels, which do not fit at ${srcStart} in ${src.length} numbers in or at ${dstStart} in ${dst.length} out`);
  }
  const cx = (width - 1) / 2, cy = (height - 1) / 2;
  const cos = Math.cos(t.angle), sin = Math.sin(t.angle);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      // p = R(−θ)·(q − c − d) + c
      const qx = u - cx - t.dx, qy = v - cy - t.dy;
      const px = cos * qx + sin * qy + cx, py = -sin * qx + cos * qy + cy;
      // bilinear: the four pixels around p, weighted by how close p is to each; 0 outside the image
      const x0 = Math.floor(px), y0 = Math.floor(py), fx = px - x0, fy = py - y0;
      let value = 0;
      if (x0 >= -1 && x0 < width && y0 >= -1 && y0 < height) {
        const r0 = srcStart + y0 * width, r1 = r0 + width;
        const inX0 = x0 >= 0, inX1 = x0 + 1 < width, inY0 = y0 >= 0, inY1 = y0 + 1 < height;
        const a = inY0 && inX0 ? src[r0 + x0] : 0, b = inY0 && inX1 ? src[r0 + x0 + 1] : 0;
        const c = inY1 && inX0 ? src[r1 + x0] : 0, d = inY1 && inX1 ? src[r1 + x0 + 1] : 0;
        value = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
      }
      dst[dstStart + v * width + u] = value;
    }
  }
}

function nonNegative(name: string, v: number): number {
  if (!(typeof v === "number" && Number.isFinite(v) && v >= 0)) throw new Error(`Augmenter: ${name} must be a finite number ≥ 0, got ${v}`);
  return v;
}
