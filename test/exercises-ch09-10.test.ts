// Chapters 9 and 10: each exercise's right answer passes; wrong answers and wrong methods are rejected.
import { describe, expect, it } from "vitest";
import { assessExercise } from "../lib/course/exercise";
import { exerciseIds } from "../lib/course/exercises/index";
import { earlyStoppingReference } from "../lib/course/exercises/ch10";
import { Matrix } from "../lib/core/matrix";
import { BatchNorm } from "../lib/nn/batchnorm";

const status = (name: string, answer: unknown) => assessExercise(name, answer).status;

/** The right answer to 9.2: dX = invStd·(g − mean(g) − x̂·mean(g ⊙ x̂)) with g = γ·dY, per column. */
function bnBackward(dY: Matrix, xHat: Matrix, gamma: number[], invStd: number[]): Matrix {
  const m = dY.rows, n = dY.cols, dX = Matrix.zeros(m, n, "float64");
  for (let j = 0; j < n; j++) {
    let mg = 0, mgx = 0;
    for (let i = 0; i < m; i++) { mg += (gamma[j] * dY.get(i, j)) / m; mgx += (gamma[j] * dY.get(i, j) * xHat.get(i, j)) / m; }
    for (let i = 0; i < m; i++) dX.set(i, j, invStd[j] * (gamma[j] * dY.get(i, j) - mg - xHat.get(i, j) * mgx));
  }
  return dX;
}

describe("chapter 9 exercises", () => {
  it("are 9.1, 9.2, 9.3", () => expect(exerciseIds("9")).toEqual(["9.1", "9.2", "9.3"]));

  it("9.1 accepts √(2/400); rejects Xavier's √(1/400) and the variance 2/400", () => {
    expect(status("9.1", Math.sqrt(2 / 400))).toBe("correct");
    expect(status("9.1", 0.0707)).toBe("correct");
    expect(status("9.1", Math.sqrt(1 / 400))).toBe("wrong");
    expect(status("9.1", 2 / 400)).toBe("wrong");
    expect(status("9.1", undefined)).toBe("unanswered");
  });

  it("9.2 accepts the derived backward; rejects the one that forgets the paths through μ and σ², and an estimate", () => {
    expect(status("9.2", bnBackward)).toBe("correct");
    const direct = (dY: Matrix, _x: Matrix, gamma: number[], invStd: number[]) => {
      const dX = dY.clone();
      for (let k = 0; k < dX.data.length; k++) dX.data[k] *= gamma[k % dY.cols] * invStd[k % dY.cols];
      return dX;
    };
    expect(status("9.2", direct)).toBe("wrong");
    // forgets the path through σ² (the x̂·mean(g ⊙ x̂) term)
    const noMeanOfProduct = (dY: Matrix, x: Matrix, gamma: number[], invStd: number[]) =>
      bnBackward(dY, Matrix.zeros(x.rows, x.cols, "float64"), gamma, invStd);
    expect(status("9.2", noMeanOfProduct)).toBe("wrong");
    // BatchNorm.backward is off limits: checked in a kernel (test/grade-bypass.test.ts); finite differences fail
    const numeric = (dY: Matrix, xHat: Matrix, gamma: number[], invStd: number[]) => {
      const exact = bnBackward(dY, xHat, gamma, invStd);
      for (let k = 0; k < exact.data.length; k++) exact.data[k] *= 1 + 1e-9;
      return exact;
    };
    expect(assessExercise("9.2", numeric).message).toContain("numerical estimate");
  });

  it("9.3 accepts ln 47; rejects ln 10 and 1/47", () => {
    expect(status("9.3", Math.log(47))).toBe("correct");
    expect(status("9.3", Math.log(10))).toBe("wrong");
    expect(status("9.3", 1 / 47)).toBe("wrong");
  });
});

describe("chapter 10 exercises", () => {
  it("are 10.1, 10.2, 10.3", () => expect(exerciseIds("10")).toEqual(["10.1", "10.2", "10.3"]));

  it("10.1 accepts inverted dropout; rejects dropout without the 1/(1 − p) and the reversed keep rule", () => {
    expect(status("10.1", (x: number[], p: number, u: number[]) => x.map((v, i) => (u[i] < 1 - p ? v / (1 - p) : 0)))).toBe("correct");
    expect(assessExercise("10.1", (x: number[], p: number, u: number[]) => x.map((v, i) => (u[i] < 1 - p ? v : 0))).message).toContain("not scaled");
    expect(status("10.1", (x: number[], p: number, u: number[]) => x.map((v, i) => (u[i] < p ? v / (1 - p) : 0)))).toBe("wrong");
  });

  it("10.2 accepts W − α(dW + λ·sign W); rejects the L2 update and sign(0) = 1", () => {
    expect(status("10.2", (w: number[], dw: number[], lr: number, l: number) => w.map((v, i) => v - lr * (dw[i] + l * Math.sign(v))))).toBe("correct");
    expect(assessExercise("10.2", (w: number[], dw: number[], lr: number, l: number) => w.map((v, i) => v - lr * (dw[i] + l * v))).message).toContain("L2");
    expect(status("10.2", (w: number[], dw: number[], lr: number, l: number) => w.map((v, i) => v - lr * (dw[i] + l * (v >= 0 ? 1 : -1))))).toBe("wrong");
  });

  it("10.3 accepts the reference rule; rejects counting from the start and returning the last epoch as best", () => {
    expect(status("10.3", earlyStoppingReference)).toBe("correct");
    expect(status("10.3", (l: number[], p: number) => ({ stop: Math.min(l.length, p), best: 1 }))).toBe("wrong");
    expect(status("10.3", (l: number[], p: number) => { const r = earlyStoppingReference(l, p); return { stop: r.stop, best: r.stop }; })).toBe("wrong");
    // a hand-worked case: best 0.6 at epoch 3, epochs 4, 5, 6 do not improve: stop after 6 with patience 3
    expect(earlyStoppingReference([0.9, 0.7, 0.6, 0.62, 0.61, 0.65, 0.66], 3)).toEqual({ stop: 6, best: 3 });
  });
});
