// Chapter 2 · The forward pass: exercises.
import { registerExercises } from "./registry";
import { Matrix } from "../../core/matrix";
import { Random } from "../../core/random";
import { Softmax } from "../../nn/activations";

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

registerExercises("2", [
  {
    id: "2.1",
    answer: "parameters784_10_10",
    hint: "each dense layer has in × out weights plus out biases",
    digest: "4d286ebace31ceae5869858e95350a20d3778bd9d699be8da76f07ecfc2b5f52",
  },
  {
    id: "2.2",
    answer: "sigmoidDerivative",
    offLimits: { why: "derive σ′ and write it yourself", layers: true, modules: ["nn/activations"] },
    hint: "σ′(z) = σ(z)·(1 − σ(z)), derived, not a finite difference (which is only accurate to about 1e-10)",
    expects: "(z) => number",
    test: (f: (z: number) => number, rng: Random) => {
      // a formula agrees with σ(1 − σ) to rounding (1e-16); the best finite differences miss by 1e-13 or more
      for (let z = -20 + rng.uniform(0, 0.1); z <= 20; z += 0.173) {
        const want = sigmoid(z) * (1 - sigmoid(z));
        const got = f(z);
        if (!(Math.abs(got - want) <= 1e-15)) {
          return typeof got === "number" && Math.abs(got - want) < 1e-6
            ? `at z = ${z.toFixed(3)} it is off by ${Math.abs(got - want).toExponential(1)}: that is a numerical estimate, not the derivative`
            : `at z = ${z.toFixed(3)} it gives ${got}`;
        }
      }
      return true;
    },
  },
  {
    id: "2.3",
    answer: "mySoftmax",
    offLimits: { why: "write softmax yourself", layers: true, modules: ["nn/activations", "nn/losses"], names: ["softmaxRows", "logSumExp", "rowMax"] },
    hint: "subtract Math.max(...z) from every logit before Math.exp",
    expects: "(z) => probabilities",
    test: (f: (z: number[]) => number[], rng: Random) => {
      const cases = [[1, 2, 3], [1000, 999, 998], [-1000, -1001, -1002], [1000, 0, -5], [0, 0, 0, 0],
        Array.from({ length: 10 }, () => rng.normal(0, 5))];
      for (const z of cases) {
        const expected = new Softmax().forward(Matrix.fromRows([z], "float64")).row(0);
        const got = Array.from(f(z.slice()) ?? []);
        const round = (xs: number[]) => xs.map((v) => +Number(v).toFixed(3)).join(", ");
        if (got.length !== z.length || got.some((p, j) => !(Math.abs(p - expected[j]) < 1e-9)))
          return `for logits [${round(z)}] it gives [${round(got)}]`;
      }
      return true;
    },
  },
]);
