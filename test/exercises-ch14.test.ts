// Chapter 14's exercise checks accept the right answers and reject wrong ones (including plausible wrong methods).
import { describe, expect, it } from "vitest";
import { assessExercise } from "../lib/course/exercise";
import { exerciseIds } from "../lib/course/exercises/index";

const verdict = (id: string, answer: unknown): string => assessExercise(id, answer).message;
const sigma = (z: number) => 1 / (1 + Math.exp(-z));

type Variant = "right" | "gates ifog" | "no forget gate" | "no tanh on c" | "old c in h";

/** One LSTM step, right or with one plausible mistake. */
function lstmStep(variant: Variant) {
  return (x: number[], h: number[], c: number[], Wx: number[][], Wh: number[][], b: number[]) => {
    const H = h.length;
    const z = b.map((bj, j) => bj + x.reduce((s, xi, i) => s + xi * Wx[i][j], 0) + h.reduce((s, hk, k) => s + hk * Wh[k][j], 0));
    const [I, F, G, O] = variant === "gates ifog" ? [0, 1, 3, 2] : [0, 1, 2, 3]; // block index of each gate
    const gate = (blk: number, j: number) => z[blk * H + j];
    const cNew = h.map((_, j) => (variant === "no forget gate" ? c[j] : sigma(gate(F, j)) * c[j]) + sigma(gate(I, j)) * Math.tanh(gate(G, j)));
    const hNew = cNew.map((cj, j) => sigma(gate(O, j)) * (variant === "no tanh on c" ? cj : Math.tanh(variant === "old c in h" ? c[j] : cj)));
    return { h: hNew, c: cNew };
  };
}

describe("chapter 14 exercises", () => {
  it("are registered as 14.1 and 14.2", () => {
    expect(exerciseIds("14")).toEqual(["14.1", "14.2"]);
  });

  it("14.1: the LSTM's parameter count", () => {
    expect(verdict("14.1", 4 * (28 * 64 + 64 * 64 + 64))).toBe("Exercise 14.1: Correct!");
    expect(verdict("14.1", 28 * 64 + 64 * 64 + 64)).toMatch(/^Exercise 14\.\d: Not quite/); // one gate only
    expect(verdict("14.1", 4 * (28 * 64 + 64 * 64))).toMatch(/^Exercise 14\.\d: Not quite/); // biases forgotten
  });

  it("14.2: one LSTM step, right and wrong", () => {
    expect(verdict("14.2", lstmStep("right"))).toBe("Exercise 14.2: Correct!");
    for (const wrong of ["gates ifog", "no forget gate", "no tanh on c", "old c in h"] as const) {
      expect(verdict("14.2", lstmStep(wrong)), wrong).toMatch(/^Exercise 14\.\d: Not quite/);
    }
    expect(verdict("14.2", undefined)).toMatch(/^Exercise 14\.2: Not answered/);
    expect(verdict("14.2", () => ({ h: [1], c: [] }))).toContain("expected { h, c }, two arrays of 3 numbers");
  });
});
