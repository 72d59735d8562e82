// Chapter 12's exercise checks accept the right answers and reject plausible wrong methods.
import { describe, expect, it } from "vitest";
import { assessExercise } from "../lib/course/exercise";
import { exerciseIds } from "../lib/course/exercises/index";
import { boxAfterScaling, centreOfMassShift } from "../lib/course/exercises/ch12";
import { mnistPreprocess, inkBox } from "../lib/course/digit-image";

const verdict = (id: string, answer: unknown): string => assessExercise(id, answer).message;

const boxRight = (w: number, h: number): [number, number] => {
  const f = 20 / Math.max(w, h);
  return [Math.max(1, Math.round(w * f)), Math.max(1, Math.round(h * f))];
};
const boxStretched = (): [number, number] => [20, 20];
const boxFloored = (w: number, h: number): [number, number] => {
  const f = 20 / Math.max(w, h);
  return [Math.max(1, Math.floor(w * f)), Math.max(1, Math.floor(h * f))];
};
const boxSwapped = (w: number, h: number): [number, number] => boxRight(h, w);

const mean = (image: number[][], half: number, axis: "x" | "y") => {
  let mass = 0, m = 0;
  image.forEach((row, y) => row.forEach((v, x) => { mass += v; m += v * ((axis === "x" ? x : y) + half); }));
  return m / mass;
};
const shiftRight = (image: number[][]): [number, number] => [Math.round(14 - mean(image, 0.5, "x")), Math.round(14 - mean(image, 0.5, "y"))];
const shiftWithoutHalf = (image: number[][]): [number, number] => [Math.round(14 - mean(image, 0, "x")), Math.round(14 - mean(image, 0, "y"))];
const shiftSwapped = (image: number[][]): [number, number] => { const [dx, dy] = shiftRight(image); return [dy, dx]; };
const shiftBoxCentre = (image: number[][]): [number, number] => [Math.round(14 - image[0].length / 2), Math.round(14 - image.length / 2)];

describe("chapter 12 exercises", () => {
  it("are registered as 12.1 and 12.2", () => {
    expect(exerciseIds("12")).toEqual(["12.1", "12.2"]);
  });

  it("12.1: the box after scaling, the rule's own cases by hand, and wrong methods rejected", () => {
    expect(boxAfterScaling(45, 90)).toEqual([10, 20]);
    expect(boxAfterScaling(7, 3)).toEqual([20, 9]); // 3 · 20/7 = 8.57
    expect(boxAfterScaling(100, 1)).toEqual([20, 1]); // 0.2 rounds to 0, kept at 1
    expect(verdict("12.1", undefined)).toContain("Not answered yet");
    expect(verdict("12.1", boxRight)).toBe("Exercise 12.1: Correct!");
    for (const wrong of [boxStretched, boxFloored, boxSwapped, () => "20 × 10"]) expect(verdict("12.1", wrong)).toContain("Not quite");
    expect(verdict("12.1", 10)).toContain("Not quite");
  });

  it("12.1's rule is mnistPreprocess's: a drawn box ends up that size", () => {
    for (const [w, h] of [[45, 90], [90, 45], [33, 50]]) {
      const ink = new Float32Array(120 * 120);
      for (let y = 10; y < 10 + h; y++) for (let x = 5; x < 5 + w; x++) ink[y * 120 + x] = 1;
      const box = inkBox(mnistPreprocess(ink, 120, 120), 28, 28)!;
      expect([box.w, box.h]).toEqual(boxAfterScaling(w, h));
    }
  });

  it("12.2: the centre-of-mass shift, by hand on a small case, and wrong methods rejected", () => {
    // one pixel of ink at column 3, row 1: its centre (3.5, 1.5) must move to (14, 14), by (10.5, 12.5), rounded
    const dot = [[0, 0, 0, 0], [0, 0, 0, 1]];
    expect(centreOfMassShift(dot)).toEqual([Math.round(10.5), Math.round(12.5)]);
    expect(verdict("12.2", undefined)).toContain("Not answered yet");
    expect(verdict("12.2", shiftRight)).toBe("Exercise 12.2: Correct!");
    for (const wrong of [shiftWithoutHalf, shiftSwapped, shiftBoxCentre]) expect(verdict("12.2", wrong)).toContain("Not quite");
  });
});
