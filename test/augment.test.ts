// Augmentation: the inverse-mapped, bilinear transform against exact cases (identity, whole-pixel shifts, a
// quarter turn, which permutes pixels), the ink it keeps, and the seeded draws within their limits.
import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { Augmenter, transformImage } from "../lib/data/augment";

function image(seed: number, w = 28, h = 28): Float64Array {
  const r = new Random(seed), a = new Float64Array(w * h);
  for (let i = 0; i < a.length; i++) a[i] = r.next();
  return a;
}

describe("transformImage", () => {
  it("no rotation and no shift gives the image back exactly", () => {
    const src = image(1), dst = new Float64Array(784);
    transformImage(src, dst, 28, 28, { angle: 0, dx: 0, dy: 0 });
    expect(Array.from(dst)).toEqual(Array.from(src));
  });

  it("a shift by (2, −1) moves every pixel two columns right and one row up, filling with 0", () => {
    const src = image(2), dst = new Float64Array(784);
    transformImage(src, dst, 28, 28, { angle: 0, dx: 2, dy: -1 });
    for (let v = 0; v < 28; v++) {
      for (let u = 0; u < 28; u++) {
        const fromU = u - 2, fromV = v + 1;
        const expected = fromU >= 0 && fromV < 28 ? src[fromV * 28 + fromU] : 0;
        expect(dst[v * 28 + u]).toBeCloseTo(expected, 12);
      }
    }
  });

  it("a half-pixel shift averages neighbours: bilinear interpolation", () => {
    const src = new Float64Array(9), dst = new Float64Array(9);
    src[4] = 1; // the centre of a 3 × 3 image
    transformImage(src, dst, 3, 3, { angle: 0, dx: 0.5, dy: 0 });
    expect(Array.from(dst).map((v) => +v.toFixed(12))).toEqual([0, 0, 0, 0, 0.5, 0.5, 0, 0, 0]);
  });

  it("a quarter turn permutes the pixels: output (u, v) is input (v, 27 − u), and four of them are the identity", () => {
    const src = image(3), a = new Float64Array(784), b = new Float64Array(784);
    transformImage(src, a, 28, 28, { angle: Math.PI / 2, dx: 0, dy: 0 });
    for (let v = 0; v < 28; v++) for (let u = 0; u < 28; u++) expect(a[v * 28 + u]).toBeCloseTo(src[(27 - u) * 28 + v], 9);
    let x = src;
    for (let k = 0; k < 4; k++) {
      transformImage(x, b, 28, 28, { angle: Math.PI / 2, dx: 0, dy: 0 });
      x = b.slice();
    }
    for (let i = 0; i < 784; i++) expect(x[i]).toBeCloseTo(src[i], 9);
  });

  it("a small rotation of a centred blob keeps its ink (sum of pixels) within 1 %", () => {
    const src = new Float64Array(784), dst = new Float64Array(784);
    for (let v = 8; v < 20; v++) for (let u = 10; u < 18; u++) src[v * 28 + u] = 1;
    transformImage(src, dst, 28, 28, { angle: (10 * Math.PI) / 180, dx: 1.3, dy: -0.7 });
    const ink = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
    expect(Math.abs(ink(dst) / ink(src) - 1)).toBeLessThan(0.01);
  });
});

describe("Augmenter", () => {
  it("draws every transform within the limits, and the same seed draws the same ones", () => {
    const a = new Augmenter({ seed: 4, maxShift: 3, maxRotation: 15 }), b = new Augmenter({ seed: 4, maxShift: 3, maxRotation: 15 });
    for (let k = 0; k < 1000; k++) {
      const t = a.draw();
      expect(t).toEqual(b.draw());
      expect(Math.abs(t.dx)).toBeLessThanOrEqual(3);
      expect(Math.abs(t.dy)).toBeLessThanOrEqual(3);
      expect(Math.abs(t.angle)).toBeLessThanOrEqual((15 * Math.PI) / 180);
    }
  });

  it("apply transforms every row, returns the same reused buffer each call, and leaves the input alone", () => {
    const x = Matrix.fromArray([...image(5), ...image(6)], 2, 784);
    const before = Array.from(x.data);
    const aug = new Augmenter({ seed: 1 });
    const y1 = aug.apply(x);
    const first = Array.from(y1.data);
    const y2 = aug.apply(x);
    expect(y2).toBe(y1);
    expect(Array.from(y2.data)).not.toEqual(first); // new transforms for the next batch
    expect(Array.from(x.data)).toEqual(before);
    expect(first).not.toEqual(before);
    // the same seed gives the same batches
    const again = new Augmenter({ seed: 1 });
    expect(Array.from(again.apply(x).data)).toEqual(first);
  });

  it("refuses rows that are not width × height pixels, and bad limits", () => {
    expect(() => new Augmenter().apply(Matrix.zeros(2, 100))).toThrow(/expected images of 28×28 = 784 pixels a row, found 2×100/);
    expect(() => new Augmenter({ maxShift: -1 })).toThrow(/maxShift/);
  });
});
