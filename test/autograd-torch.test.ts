// Value and Tensor (lib/autograd/) against an independent automatic differentiation: PyTorch (Debian's
// python3-torch, installed by `node scripts/setup.mjs --for test`), run by test/autograd_reference.py on the
// same composite expressions, written operation for operation in both files. Values and every gradient must
// agree to 1e-9 (relative, float64). If PyTorch is missing the test FAILS (it does not skip): the check is
// only worth keeping if it runs. AUTOGRAD_PYTHON names another interpreter with torch.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { Value } from "../lib/autograd/value";
import { Tensor } from "../lib/autograd/tensor";

const PYTHON = process.env.AUTOGRAD_PYTHON ?? "/usr/bin/python3";
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "autograd_reference.py");
const TOLERANCE = 1e-9;

type Input = number | number[][];
type Answer = { value: number; grads: Record<string, Input> };

const rng = new Random(13);
const scalar = (lo = -2, hi = 2) => rng.uniform(lo, hi);
const matrix = (rows: number, cols: number, std = 1) => Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal(0, std)));
const oneHotRows = (rows: number, classes: number) =>
  Array.from({ length: rows }, () => { const r = new Array(classes).fill(0); r[rng.int(classes)] = 1; return r; });

/** Each case: its inputs, and how lib/autograd computes it (the same operations as the Python file). */
const scalarCases: Record<string, { inputs: Record<string, number>; f: (v: Record<string, Value>) => Value }> = {
  "micrograd sanity": {
    inputs: { x: -4 },
    f: ({ x }) => {
      const z = x.mul(2).add(2).add(x);
      const q = z.relu().add(z.mul(x));
      const h = z.mul(z).relu();
      return h.add(q).add(q.mul(x));
    },
  },
  "micrograd more ops": {
    inputs: { a: -4, b: 2 },
    f: ({ a, b }) => {
      let c = a.add(b);
      let d = a.mul(b).add(b.pow(3));
      c = c.add(c.add(1));
      c = c.add(c.add(1).add(a.neg()));
      d = d.add(d.mul(2).add(b.add(a).relu()));
      d = d.add(d.mul(3).add(b.sub(a).relu()));
      const e = c.sub(d);
      const f = e.pow(2);
      let g = f.div(2);
      g = g.add(new Value(10).div(f));
      return g;
    },
  },
  "smooth ops": {
    inputs: { a: scalar(), b: scalar(0.5, 2), c: scalar() },
    f: ({ a, b, c }) => {
      const softplus = a.mul(b).exp().add(1).log();
      const ratio = softplus.mul(c.tanh()).div(a.sub(c).sigmoid());
      return ratio.add(b.pow(2).add(1).pow(0.5)).sub(a.neg()).add(c.pow(2).neg().exp().mul(b.pow(-1)));
    },
  },
  neuron: {
    inputs: { x1: scalar(), x2: scalar(), w1: scalar(), w2: scalar(), b: scalar(), y: scalar(-1, 1) },
    f: ({ x1, x2, w1, w2, b, y }) => {
      const out = x1.mul(w1).add(x2.mul(w2)).add(b).tanh();
      return out.sub(y).pow(2).add(out.sigmoid().mul(w1.mul(w1).add(1).log()));
    },
  },
};

const M = (rows: number[][]) => Matrix.fromRows(rows, "float64");
const tensorCases: Record<string, { inputs: Record<string, number[][]>; f: (v: Record<string, Tensor>, raw: Record<string, Matrix>) => Tensor }> = {
  "mlp softmax cross-entropy": {
    inputs: { X: matrix(5, 4), W1: matrix(4, 6, 0.7), b1: matrix(1, 6, 0.1), W2: matrix(6, 3, 0.7), b2: matrix(1, 3, 0.1), Y: oneHotRows(5, 3) },
    f: ({ X, W1, b1, W2, b2 }, raw) => X.matmul(W1).add(b1).relu().matmul(W2).add(b2).softmaxCrossEntropy(raw.Y),
  },
  "element-wise with fan-out": {
    inputs: { A: matrix(4, 3), B: matrix(4, 3), r: matrix(1, 3) },
    f: ({ A, B, r }) => {
      const first = A.mul(B).tanh().add(A.sigmoid()).sub(r).exp().mean();
      const second = A.mul(A).add(B.exp()).log().sum();
      return first.add(second);
    },
  },
  "tanh net with a shared weight": {
    inputs: { X: matrix(5, 4), W: matrix(4, 4, 0.5), b: matrix(1, 4), C: matrix(5, 4) },
    f: ({ X, W, b }, raw) => {
      const H = X.matmul(W).sub(b).tanh();
      const out = H.matmul(W).matmul(W).sigmoid().mul(new Tensor(raw.C));
      return out.sum().add(H.mul(H).mean()).mul(out.mean());
    },
  },
};
const NO_GRAD = new Set(["Y", "C"]);

let cached: Record<string, Answer> | null = null;

/** PyTorch's answers for every case (one run of the script, on first use); throws if it cannot run. */
function reference(): Record<string, Answer> {
  if (cached !== null) return cached;
  const request: Record<string, Record<string, Input>> = {};
  for (const [name, c] of Object.entries(scalarCases)) request[name] = c.inputs;
  for (const [name, c] of Object.entries(tensorCases)) request[name] = c.inputs;
  const r = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(request), encoding: "utf8", timeout: 120_000 });
  if (r.error || r.status !== 0) {
    throw new Error(
      `the PyTorch reference did not run (${PYTHON} ${SCRIPT}: ${r.error?.message ?? `exit ${r.status}`}): ${r.stderr?.trim() ?? ""}\n` +
        "Install it with `node scripts/setup.mjs --for test` (Debian: apt-get install --no-install-recommends python3-torch), " +
        "or point AUTOGRAD_PYTHON at a Python that has torch.",
    );
  }
  cached = JSON.parse(r.stdout) as Record<string, Answer>;
  return cached;
}

function relDiff(a: number, e: number): number {
  return Math.abs(a - e) / Math.max(1, Math.abs(e));
}

function worst(got: ArrayLike<number>, want: number[]): number {
  expect(got.length).toBe(want.length);
  let w = 0;
  for (let i = 0; i < want.length; i++) w = Math.max(w, Number.isNaN(got[i]) ? Infinity : relDiff(got[i], want[i]));
  return w;
}

describe("Value agrees with PyTorch's autograd to 1e-9 (float64)", () => {
  for (const [name, c] of Object.entries(scalarCases)) {
    it(`${name}: the value and every input's gradient`, { timeout: 120_000 }, () => {
      const want = reference()[name];
      const v = Object.fromEntries(Object.entries(c.inputs).map(([k, x]) => [k, new Value(x, k)]));
      const out = c.f(v);
      out.backward();
      expect(relDiff(out.data, want.value)).toBeLessThan(TOLERANCE);
      for (const [k, g] of Object.entries(want.grads)) {
        expect(relDiff(v[k].grad, g as number), `∂/∂${k}: ours ${v[k].grad}, PyTorch ${g}`).toBeLessThan(TOLERANCE);
      }
    });
  }
});

describe("Tensor agrees with PyTorch's autograd to 1e-9 (float64)", () => {
  for (const [name, c] of Object.entries(tensorCases)) {
    it(`${name}: the value and every input's gradient`, { timeout: 120_000 }, () => {
      const want = reference()[name];
      const raw = Object.fromEntries(Object.entries(c.inputs).map(([k, x]) => [k, M(x)]));
      const t = Object.fromEntries(Object.entries(raw).map(([k, m]) => [k, new Tensor(m, { requiresGrad: !NO_GRAD.has(k) })]));
      const out = c.f(t, raw);
      out.backward();
      expect(relDiff(out.item(), want.value)).toBeLessThan(TOLERANCE);
      expect(Object.keys(want.grads).sort()).toEqual(Object.keys(c.inputs).filter((k) => !NO_GRAD.has(k)).sort());
      for (const [k, g] of Object.entries(want.grads)) {
        const grad = t[k].grad;
        expect(grad, `∂/∂${k} is missing`).not.toBeNull();
        expect(worst(grad!.data, (g as number[][]).flat()), `∂/∂${k}`).toBeLessThan(TOLERANCE);
      }
    });
  }
});
