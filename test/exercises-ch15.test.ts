// Chapter 15's exercises: the right answers pass, plausible wrong ones fail.
import { describe, expect, it } from "vitest";
import { assessExercise } from "../lib/course/exercise";

const softmaxBackward = (a: number[], dA: number[]) => {
  const dot = a.reduce((s, v, k) => s + v * dA[k], 0);
  return a.map((v, j) => v * (dA[j] - dot));
};
const layerNormBackward = (x: number[], gamma: number[], dY: number[], eps: number) => {
  const n = x.length, mean = x.reduce((s, v) => s + v, 0) / n;
  const inv = 1 / Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / n + eps);
  const xHat = x.map((v) => (v - mean) * inv), dxHat = dY.map((d, j) => d * gamma[j]);
  const m1 = dxHat.reduce((s, v) => s + v, 0) / n, m2 = dxHat.reduce((s, v, j) => s + v * xHat[j], 0) / n;
  return dxHat.map((v, j) => (v - m1 - xHat[j] * m2) * inv);
};

describe("chapter 15 exercises", () => {
  it("15.1: MultiHeadAttention's parameter count for dim 64", () => {
    expect(assessExercise("15.1", 16640).status).toBe("correct");
    expect(assessExercise("15.1", 4 * 64 * 64).status).toBe("wrong");
  });
  it("15.2: softmax's backward passes; the diagonal-only answer a ⊙ (1 − a) ⊙ dA fails", () => {
    expect(assessExercise("15.2", softmaxBackward).status).toBe("correct");
    expect(assessExercise("15.2", (a: number[], dA: number[]) => a.map((v, j) => v * (1 - v) * dA[j])).status).toBe("wrong");
    expect(assessExercise("15.2", undefined).status).toBe("unanswered");
  });
  it("15.3: LayerNorm's backward passes; forgetting the mean and variance terms fails", () => {
    expect(assessExercise("15.3", layerNormBackward).status).toBe("correct");
    expect(assessExercise("15.3", (x: number[], g: number[], dY: number[], eps: number) => {
      const n = x.length, mean = x.reduce((s, v) => s + v, 0) / n;
      const inv = 1 / Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / n + eps);
      return dY.map((d, j) => d * g[j] * inv);
    }).status).toBe("wrong");
  });
});
