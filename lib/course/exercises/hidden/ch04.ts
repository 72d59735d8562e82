// Chapter 4: the expected values (teacher only; see ../registry.ts). 4.5 is computed: training as in the chapter.
import { registerHidden } from "../registry";
import { Matrix } from "../../../core/matrix";
import { softmaxCrossEntropy } from "../../../nn/losses";
import { mlp } from "../../../nn/models";
import { Dense } from "../../../nn/layers";
import { loadMnist } from "../../../data/mnist";

/** Exercise 4.5's answer, computed once: training as in the chapter, then counting the active units. */
let activeUnitsAnswer: number | null = null;
export function activeUnitsAfterAlpha4(): number {
  if (activeUnitsAnswer !== null) return activeUnitsAnswer;
  const data = loadMnist("train", { limit: 2000, dtype: "float64" });
  const X = data.images.rowRange(1000, 2000);                         // the chapter's training batch
  const Y = Matrix.zeros(1000, 10, "float64");
  for (let i = 0; i < 1000; i++) Y.set(i, data.labels[1000 + i], 1);
  const net = mlp([784, 10, 10], { seed: 2, dtype: "float64" });
  for (let step = 0; step < 30; step++) {                             // full-batch GD, α = 4
    net.backward(softmaxCrossEntropy(net.forward(X), Y).grad);
    for (const p of net.params()) for (let i = 0; i < p.value.data.length; i++) p.value.data[i] -= 4 * p.grad.data[i];
  }
  const Z1 = (net.layers[0] as Dense).forward(X);
  const alive = new Set<number>();
  for (let i = 0; i < Z1.data.length; i++) if (Z1.data[i] > 0) alive.add(i % 10);
  activeUnitsAnswer = alive.size;
  return alive.size;
}

export const ids = registerHidden("4", {
  "4.5": {
    test: (n: number) => {
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 10) return "expected a whole number from 0 to 10";
      return n === activeUnitsAfterAlpha4() || `${n} is not the number of units that are ever active`;
    },
  },
});
