import { describe, expect, it } from "vitest";
import { inkBox, mnistPreprocess } from "../lib/course/digit-image";

/** A width × height image of zeros with the rectangle [x, x+w) × [y, y+h) set to `value`. */
function canvas(width: number, height: number, rects: Array<[number, number, number, number, number?]>): Float32Array {
  const ink = new Float32Array(width * height);
  for (const [x, y, w, h, value = 1] of rects) {
    for (let r = y; r < y + h; r++) for (let c = x; c < x + w; c++) ink[r * width + c] = value;
  }
  return ink;
}

/** The rows and columns of the 28 × 28 output that hold ink, as [first, last]. */
function extent(img: Float32Array): { rows: [number, number]; cols: [number, number] } {
  const box = inkBox(img, 28, 28)!;
  return { rows: [box.y, box.y + box.h - 1], cols: [box.x, box.x + box.w - 1] };
}

describe("mnistPreprocess (MNIST-style: fit into 20×20 keeping aspect ratio, centre of mass at the centre of 28×28)", () => {
  it("an empty canvas gives 784 zeros", () => {
    const out = mnistPreprocess(new Float32Array(100 * 80), 100, 80);
    expect(out.length).toBe(784);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  it("a 4×4 square anywhere becomes a full 20×20 square in rows and columns 4..23", () => {
    // scale 20/4 = 5; centre of mass of the 20×20 block is (10, 10) → shifted by 14 − 10 = 4
    const out = mnistPreprocess(canvas(100, 100, [[70, 13, 4, 4]]), 100, 100);
    expect(extent(out)).toEqual({ rows: [4, 23], cols: [4, 23] });
    for (let r = 4; r <= 23; r++) for (let c = 4; c <= 23; c++) expect(out[r * 28 + c]).toBeCloseTo(1, 6);
  });

  it("a 10 wide × 5 tall bar keeps its aspect ratio: 20 × 10, in rows 9..18 and columns 4..23", () => {
    // scale 20/10 = 2 → 20 × 10; centre of mass (10, 5) → shift (4, 9)
    const out = mnistPreprocess(canvas(60, 40, [[3, 30, 10, 5]]), 60, 40);
    expect(extent(out)).toEqual({ rows: [9, 18], cols: [4, 23] });
  });

  it("a thin vertical stroke (2 × 20) stays thin and upright, centred: columns 13..14, rows 4..23", () => {
    // scale 20/20 = 1; centre of mass (1, 10) → shift (13, 4)
    const out = mnistPreprocess(canvas(50, 50, [[40, 25, 2, 20]]), 50, 50);
    expect(extent(out)).toEqual({ rows: [4, 23], cols: [13, 14] });
  });

  it("shrinking averages areas (anti-aliasing): a 40×40 box, left half 1 and right half 0.5, gives 1s and 0.5s", () => {
    // scale 1/2: each new pixel is the mean of 2 × 2 old ones
    const out = mnistPreprocess(canvas(40, 40, [[0, 0, 20, 40, 1], [20, 0, 20, 40, 0.5]]), 40, 40);
    // 20 × 20; columns 0..9 hold 1, columns 10..19 hold 0.5, so the centre of mass is
    // x̄ = (1·Σ_{0..9}(x+½) + 0.5·Σ_{10..19}(x+½)) / (10 + 5) = (50 + 0.5·150) / 15 = 8.333 → shift round(14 − 8.333) = 6
    // ȳ = 10 → shift 4
    expect(extent(out)).toEqual({ rows: [4, 23], cols: [6, 25] });
    expect(out[10 * 28 + 6]).toBeCloseTo(1, 6);
    expect(out[10 * 28 + 15]).toBeCloseTo(1, 6);
    expect(out[10 * 28 + 16]).toBeCloseTo(0.5, 6);
    expect(out[10 * 28 + 25]).toBeCloseTo(0.5, 6);
  });

  it("a pixel partly covered counts by the share it covers: 30 → 20 columns, a blank column 1 gives 2/3 twice", () => {
    // scale 20/30: new column j covers old [1.5 j, 1.5 j + 1.5). Old column 1 is blank, all else ink.
    // new column 0 = (1·1 + 0.5·0) / 1.5 = 2/3; new column 1 = (0.5·0 + 1·1) / 1.5 = 2/3; new column 2 = 1
    const ink = canvas(30, 30, [[0, 0, 1, 30], [2, 0, 28, 30]]);
    const out = mnistPreprocess(ink, 30, 30);
    const row = 14;
    const first = extent(out).cols[0];
    expect(out[row * 28 + first]).toBeCloseTo(2 / 3, 5);
    expect(out[row * 28 + first + 1]).toBeCloseTo(2 / 3, 5);
    expect(out[row * 28 + first + 2]).toBeCloseTo(1, 5);
    expect(extent(out).cols[1] - first).toBe(19);
  });

  it("the result does not depend on where the digit was drawn", () => {
    const a = mnistPreprocess(canvas(90, 90, [[5, 5, 12, 30], [5, 5, 30, 6]]), 90, 90);
    const b = mnistPreprocess(canvas(90, 90, [[50, 41, 12, 30], [50, 41, 30, 6]]), 90, 90);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it("says what is wrong with a bad size", () => {
    expect(() => mnistPreprocess(new Float32Array(10), 4, 4)).toThrow(/4 × 4 image needs 16 values, found 10/);
    expect(() => mnistPreprocess(new Float32Array(0), 0, 4)).toThrow(/whole numbers ≥ 1/);
  });
});
