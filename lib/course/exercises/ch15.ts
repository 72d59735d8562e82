// Chapter 15 · Attention: exercises.
import { registerExercises } from "./registry";
import { Matrix } from "../../core/matrix";
import { Random } from "../../core/random";
import { LayerNorm } from "../../nn/layernorm";

/** Calls the student's function, turning a throw into a sentence. */
function call<T>(f: (...args: any[]) => T, args: unknown[], what: string): T | string {
  try {
    return f(...args);
  } catch (e) {
    return `it threw on ${what}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function numbers(got: unknown, n: number): got is number[] {
  return Array.isArray(got) && got.length === n && got.every((v) => typeof v === "number");
}

/** 15.2: the backward of one row of softmax: dS_j = a_j·(dA_j − Σ_k a_k·dA_k), against finite differences of softmax. */
function checkSoftmaxBackward(f: unknown): true | string {
  if (typeof f !== "function") return "expected a function (a: number[], dA: number[]) => number[]";
  const rng = new Random(15);
  for (const n of [2, 3, 5, 16]) {
    const s = Array.from({ length: n }, () => rng.normal(0, 2));
    const dA = Array.from({ length: n }, () => rng.normal());
    const softmax = (z: number[]) => { const m = Math.max(...z), e = z.map((v) => Math.exp(v - m)), t = e.reduce((x, y) => x + y, 0); return e.map((v) => v / t); };
    const a = softmax(s);
    const want = s.map((_, j) => { // ∂(Σ_k dA_k·a_k)/∂s_j by a centred difference
      const h = 1e-6, up = s.slice(), down = s.slice();
      up[j] += h; down[j] -= h;
      const f2 = (z: number[]) => softmax(z).reduce((acc, v, k) => acc + v * dA[k], 0);
      return (f2(up) - f2(down)) / (2 * h);
    });
    const got = call(f as (a: number[], dA: number[]) => unknown, [a.slice(), dA.slice()], `a row of ${n}`);
    if (typeof got === "string") return got;
    if (!numbers(got, n)) return `for a row of ${n} attention weights, dS should be ${n} numbers`;
    for (let j = 0; j < n; j++) {
      if (Math.abs(got[j] - want[j]) > 1e-6 * Math.max(1, Math.abs(want[j]))) return `for a row of ${n}, dS[${j}] is ${got[j]}, not the gradient (the sum over the row matters: each a_j depends on every score)`;
    }
  }
  return true;
}

/** 15.3: LayerNorm's backward for one token, against the library's LayerNorm. */
function checkLayerNormBackward(f: unknown): true | string {
  if (typeof f !== "function") return "expected a function (x: number[], gamma: number[], dY: number[], eps: number) => number[]";
  const rng = new Random(16);
  for (const n of [2, 4, 7]) {
    const x = Array.from({ length: n }, () => rng.normal(1, 2));
    const gamma = Array.from({ length: n }, () => rng.normal());
    const dY = Array.from({ length: n }, () => rng.normal());
    const eps = 1e-5;
    const ln = new LayerNorm({ features: n, eps, dtype: "float64" });
    ln.gamma.data.set(gamma);
    ln.forward(Matrix.fromRows([x], "float64"));
    const want = Array.from(ln.backward(Matrix.fromRows([dY], "float64")).data);
    const got = call(f as (...a: unknown[]) => unknown, [x.slice(), gamma.slice(), dY.slice(), eps], `a token of ${n} features`);
    if (typeof got === "string") return got;
    if (!numbers(got, n)) return `for a token of ${n} features, dX should be ${n} numbers`;
    for (let j = 0; j < n; j++) {
      if (Math.abs(got[j] - want[j]) > 1e-8 * Math.max(1, Math.abs(want[j]))) return `for a token of ${n} features, dX[${j}] is ${got[j]}, not the gradient (μ and σ both depend on every x_j)`;
    }
  }
  return true;
}

registerExercises("15", [
  { id: "15.1", answer: "attentionParams", digest: "b85002861c1aba6132cba603261a3cafd942ca1c808777681cc7646c7cbf439f", hint: "four dim × dim matrices (Wq, Wk, Wv, Wo) and four biases of dim; the number of heads does not change it" },
  { id: "15.2", answer: "mySoftmaxBackward", test: checkSoftmaxBackward, offLimits: { why: "write the softmax gradient yourself", layers: true, modules: ["nn/activations", "nn/losses", "nn/attention", "nn/attention-heads", "autograd/tensor"],
    names: ["Kernels.attentionSoftmax", "Kernels.attentionSoftmaxBackward"] }, hint: "∂a_k/∂s_j = a_k·(1[k = j] − a_j), so dS_j = Σ_k dA_k·a_k·(1[k = j] − a_j)" },
  { id: "15.3", answer: "myLayerNormBackward", test: checkLayerNormBackward, offLimits: { why: "write the normalisation's gradient yourself", layers: true, modules: ["nn/layernorm", "nn/vit", "nn/residual", "nn/batchnorm"],
    names: ["Kernels.layerNormForward", "Kernels.layerNormBackward"] }, hint: "with dx̂ = dy ⊙ γ: dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂))/√(σ² + ε)" },
]);
