// Chapter 11's exercise checks accept the right answers and reject wrong ones (including plausible wrong methods).
import { describe, expect, it } from "vitest";
import { assessExercise } from "../lib/course/exercise";
import { exerciseIds } from "../lib/course/exercises/index";

const verdict = (id: string, answer: unknown): string => assessExercise(id, answer).message;

/** The right im2col for one channel, stride 1, no padding. */
function im2colRight(image: number[][], k: number): number[][] {
  const rows: number[][] = [];
  for (let oy = 0; oy + k <= image.length; oy++) {
    for (let ox = 0; ox + k <= image[0].length; ox++) {
      const row: number[] = [];
      for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) row.push(image[oy + ky][ox + kx]);
      rows.push(row);
    }
  }
  return rows;
}

/** Reads each window column by column: the transposed order. */
function im2colTransposedWindow(image: number[][], k: number): number[][] {
  return im2colRight(image, k).map((row) => row.map((_, j) => row[(j % k) * k + Math.floor(j / k)]));
}

/** Walks the window positions column by column instead of row by row. */
function im2colWrongPositions(image: number[][], k: number): number[][] {
  const rows: number[][] = [];
  for (let ox = 0; ox + k <= image[0].length; ox++) {
    for (let oy = 0; oy + k <= image.length; oy++) {
      const row: number[] = [];
      for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) row.push(image[oy + ky][ox + kx]);
      rows.push(row);
    }
  }
  return rows;
}

function poolBackwardRight(x: number[][], dY: number[][]): number[][] {
  const dX = x.map((r) => r.map(() => 0));
  for (let oy = 0; oy < dY.length; oy++) {
    for (let ox = 0; ox < dY[0].length; ox++) {
      let by = 2 * oy, bx = 2 * ox;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) if (x[2 * oy + i][2 * ox + j] > x[by][bx]) { by = 2 * oy + i; bx = 2 * ox + j; }
      dX[by][bx] = dY[oy][ox];
    }
  }
  return dX;
}

/** Spreads dY evenly over the window (average pooling's backward): the wrong rule. */
function poolBackwardAverage(x: number[][], dY: number[][]): number[][] {
  return x.map((r, y) => r.map((_, xx) => dY[Math.floor(y / 2)][Math.floor(xx / 2)] / 4));
}

describe("chapter 11 exercises", () => {
  it("11.1 and 11.2: the numbers, and wrong ones rejected", () => {
    expect(verdict("11.1", undefined)).toContain("Not answered yet");
    expect(verdict("11.1", 16)).toBe("Exercise 11.1: Correct!");
    expect(verdict("11.1", 15)).toContain("Not quite");
    expect(verdict("11.1", 17)).toContain("Not quite"); // forgot the padding, or the floor
    expect(verdict("11.2", 896)).toBe("Exercise 11.2: Correct!");
    expect(verdict("11.2", 864)).toContain("Not quite"); // forgot the biases
    expect(verdict("11.2", 32 * 9 + 32)).toContain("Not quite"); // forgot the input channels
  });

  it("11.3 accepts a right im2col and rejects the transposed window and the wrong order of positions", () => {
    expect(verdict("11.3", im2colRight)).toBe("Exercise 11.3: Correct!");
    expect(verdict("11.3", im2colTransposedWindow)).toContain("Not quite");
    expect(verdict("11.3", im2colWrongPositions)).toContain("Not quite");
    expect(verdict("11.3", () => { throw new Error("boom"); })).toContain("it threw");
  });

  it("11.4 accepts max pooling's backward and rejects average pooling's", () => {
    expect(verdict("11.4", poolBackwardRight)).toBe("Exercise 11.4: Correct!");
    expect(verdict("11.4", poolBackwardAverage)).toContain("Not quite");
  });

  it("are registered as chapter 11's, in order", () => {
    expect(exerciseIds("11")).toEqual(["11.1", "11.2", "11.3", "11.4"]);
  });
});
