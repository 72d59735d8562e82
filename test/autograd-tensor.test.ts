// Tensor (lib/autograd/tensor.ts): each operation's gradient against hand-worked matrices and against centred
// finite differences of a scalar made from it; broadcasting of a 1×n row; accumulation where a tensor is used
// twice; the fused softmax cross-entropy; agreement with the library's hand-written Dense/ReLU layers.
import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { Tensor } from "../lib/autograd/tensor";
import { softmaxCrossEntropy } from "../lib/nn/losses";
import { mlp } from "../lib/nn/models";
import type { Dense } from "../lib/nn/layers";

const rng = new Random(7);
const M = (rows: number[][]) => Matrix.fromRows(rows, "float64");
function randn(rows: number, cols: number, std = 1): Matrix {
  const m = Matrix.zeros(rows, cols, "float64");
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal(0, std);
  return m;
}
const param = (m: Matrix) => new Tensor(m, { requiresGrad: true });
const rows = (m: Matrix | null) => m!.toRows();

/** The largest |analytic − centred difference| of L over every entry of every input. */
function fdError(build: (ts: Tensor[]) => Tensor, inputs: Matrix[], h = 1e-6): number {
  const ts = inputs.map(param);
  build(ts).backward();
  let worst = 0;
  inputs.forEach((m, k) => {
    for (let i = 0; i < m.data.length; i++) {
      const v = m.data[i];
      m.data[i] = v + h; const up = build(inputs.map((x) => new Tensor(x))).item();
      m.data[i] = v - h; const down = build(inputs.map((x) => new Tensor(x))).item();
      m.data[i] = v;
      worst = Math.max(worst, Math.abs(ts[k].grad!.data[i] - (up - down) / (2 * h)));
    }
  });
  return worst;
}

describe("Tensor: each operation by hand", () => {
  it("matmul: dA = G·Bᵀ and dB = Aᵀ·G, with G = 1 from sum()", () => {
    const A = param(M([[1, 2], [3, 4]])), B = param(M([[5, 6], [7, 8]]));
    const C = A.matmul(B);
    expect(C.value.toRows()).toEqual([[19, 22], [43, 50]]);
    C.sum().backward();
    expect(rows(A.grad)).toEqual([[11, 15], [11, 15]]); // each row of G·Bᵀ: the row sums of B
    expect(rows(B.grad)).toEqual([[4, 4], [6, 6]]); //      each column of Aᵀ·G: the column sums of A
  });

  it("add with a 1×n row: the row's gradient is the sum of G over the rows (it reached every row)", () => {
    const A = param(M([[1, 2, 3], [4, 5, 6]])), b = param(M([[10, 20, 30]]));
    const Z = A.add(b);
    expect(Z.value.toRows()).toEqual([[11, 22, 33], [14, 25, 36]]);
    Z.mul(new Tensor(M([[1, 2, 3], [4, 5, 6]]))).sum().backward(); // G = [[1,2,3],[4,5,6]]
    expect(rows(A.grad)).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(rows(b.grad)).toEqual([[5, 7, 9]]);
  });

  it("sub: −G to the subtracted tensor, −Σ_rows G to a subtracted row", () => {
    const A = param(M([[1, 2], [3, 4]])), B = param(M([[1, 1], [1, 1]])), r = param(M([[5, 6]]));
    A.sub(B).sum().backward();
    expect(rows(B.grad)).toEqual([[-1, -1], [-1, -1]]);
    const Z = A.sub(r);
    expect(Z.value.toRows()).toEqual([[-4, -4], [-2, -2]]);
    Z.sum().backward();
    expect(rows(A.grad)).toEqual([[1, 1], [1, 1]]);
    expect(rows(r.grad)).toEqual([[-2, -2]]);
  });

  it("mul swaps: dA = G ⊙ B, dB = G ⊙ A", () => {
    const A = param(M([[1, -2]])), B = param(M([[3, 4]]));
    A.mul(B).sum().backward();
    expect(rows(A.grad)).toEqual([[3, 4]]);
    expect(rows(B.grad)).toEqual([[1, -2]]);
  });

  it("relu routes: G where A > 0, 0 elsewhere (and at 0)", () => {
    const A = param(M([[-1, 0, 2]]));
    A.relu().sum().backward();
    expect(rows(A.grad)).toEqual([[0, 0, 1]]);
  });

  it("tanh, sigmoid, exp, log at points worked by hand", () => {
    const a = param(M([[0, Math.LN2]]));
    a.tanh().sum().backward(); //   tanh(0) = 0 → 1;  tanh(ln 2) = 0.6 → 1 − 0.36
    expect(a.grad!.data[0]).toBe(1);
    expect(a.grad!.data[1]).toBeCloseTo(0.64, 14);
    const s = param(M([[0, Math.log(3)]]));
    s.sigmoid().sum().backward(); // σ(0) = ½ → ¼;  σ(ln 3) = ¾ → 3/16
    expect(s.grad!.data[0]).toBe(0.25);
    expect(s.grad!.data[1]).toBeCloseTo(0.1875, 14);
    const e = param(M([[0, Math.LN2]]));
    e.exp().sum().backward(); //    e^a
    expect(e.grad!.data[0]).toBe(1);
    expect(e.grad!.data[1]).toBeCloseTo(2, 14);
    const l = param(M([[2, 0.5]]));
    l.log().sum().backward(); //    1/a
    expect(rows(l.grad)).toEqual([[0.5, 2]]);
  });

  it("sum and mean: every entry gets g and g/n", () => {
    const A = param(M([[1, 2], [3, 4]]));
    const s = A.sum();
    expect(s.item()).toBe(10);
    s.backward();
    expect(rows(A.grad)).toEqual([[1, 1], [1, 1]]);
    const m = A.mean();
    expect(m.item()).toBe(2.5);
    m.backward();
    expect(rows(A.grad)).toEqual([[0.25, 0.25], [0.25, 0.25]]);
  });

  it("softmaxCrossEntropy: the loss of uniform logits is ln c, and the fused gradient is (P − Y)/m", () => {
    const Z = param(M([[0, 0, 0, 0], [1, 2, 3, 4]]));
    const Y = M([[0, 1, 0, 0], [0, 0, 0, 1]]);
    const L = Z.softmaxCrossEntropy(Y);
    const want = softmaxCrossEntropy(Z.value, Y);
    expect(L.item()).toBe(want.loss);
    L.backward();
    expect(rows(Z.grad)).toEqual(want.grad.toRows());
    expect(Z.grad!.get(0, 0)).toBeCloseTo(0.25 / 2, 15); //    p = ¼, y = 0, m = 2
    expect(Z.grad!.get(0, 1)).toBeCloseTo(-0.75 / 2, 15); //   p = ¼, y = 1
    const single = param(M([[0, 0, 0, 0]]));
    expect(single.softmaxCrossEntropy(M([[1, 0, 0, 0]])).item()).toBeCloseTo(Math.log(4), 15);
  });
});

describe("Tensor: every operation against centred differences (float64)", () => {
  const A = randn(3, 4), B = randn(3, 4), C = randn(4, 2), r = randn(1, 4), P = M([[0.5, 1.2, 2, 0.1], [3, 0.7, 1.1, 0.4], [0.9, 2.2, 0.3, 1.6]]);
  const Y = M([[0, 1], [1, 0], [0, 1]]);
  const S = randn(3, 2); // a fixed scaling of the logits
  const W = randn(3, 4); // fixed weights that make each output entry matter differently
  const weighted = (t: Tensor) => t.mul(new Tensor(W)).sum();
  const cases: [string, (ts: Tensor[]) => Tensor, Matrix[]][] = [
    ["matmul", ([a, c]) => a.matmul(c).softmaxCrossEntropy(Y), [A, C]],
    ["add", ([a, b]) => weighted(a.add(b)), [A, B]],
    ["add a row", ([a, row]) => weighted(a.add(row).tanh()), [A, r]],
    ["sub", ([a, b]) => weighted(a.sub(b).sigmoid()), [A, B]],
    ["sub a row", ([a, row]) => weighted(a.sub(row).exp()), [A, r]],
    ["mul", ([a, b]) => weighted(a.mul(b)), [A, B]],
    ["relu", ([a]) => weighted(a.relu()), [A]],
    ["tanh", ([a]) => weighted(a.tanh()), [A]],
    ["sigmoid", ([a]) => weighted(a.sigmoid()), [A]],
    ["exp", ([a]) => weighted(a.exp()), [A]],
    ["log", ([p]) => weighted(p.log()), [P]],
    ["mean", ([a]) => a.mul(a).mean(), [A]],
    ["softmaxCrossEntropy", ([a, c]) => a.matmul(c).mul(new Tensor(S)).softmaxCrossEntropy(Y), [A, C]],
    ["a tensor used three times", ([a]) => a.mul(a).add(a.tanh()).mean(), [A]],
  ];
  for (const [name, build, inputs] of cases) {
    it(`${name}`, () => {
      expect(fdError(build, inputs)).toBeLessThan(1e-8);
    });
  }
});

describe("Tensor: the graph", () => {
  it("gradients accumulate where a tensor is used twice: d Σ(A⊙A) = 2A", () => {
    const a = M([[1, -2], [3, 0.5]]);
    const A = param(a);
    A.mul(A).sum().backward();
    expect(rows(A.grad)).toEqual(a.toRows().map((r) => r.map((v) => 2 * v)));
  });

  it("backward() sets the gradients afresh: calling it twice gives the same, not twice", () => {
    const A = param(randn(2, 3)), B = param(randn(3, 2));
    const L = A.matmul(B).tanh().sum();
    L.backward();
    const first = A.grad!.clone();
    L.backward();
    expect(A.grad!.toRows()).toEqual(first.toRows());
  });

  it("a tensor without requiresGrad gets no gradient, and matmul skips its product", () => {
    const X = new Tensor(randn(4, 3)), W = param(randn(3, 2));
    X.matmul(W).sum().backward();
    expect(X.grad).toBeNull();
    expect(W.grad).not.toBeNull();
  });

  it("the 784-256-10 network's gradients equal the hand-written layers' (float64, to rounding)", () => {
    const net = mlp([784, 256, 10], { seed: 1, dtype: "float64" });
    const [d1, , d2] = net.layers as Dense[];
    const X = randn(32, 784, 0.5), Y = Matrix.zeros(32, 10, "float64");
    for (let i = 0; i < 32; i++) Y.set(i, i % 10, 1);
    net.backward(softmaxCrossEntropy(net.forward(X, true), Y).grad);
    const W1 = param(d1.weights.clone()), b1 = param(d1.bias.clone()), W2 = param(d2.weights.clone()), b2 = param(d2.bias.clone());
    const L = new Tensor(X).matmul(W1).add(b1).relu().matmul(W2).add(b2).softmaxCrossEntropy(Y);
    L.backward();
    for (const [t, want] of [[W1, d1.dW], [b1, d1.db], [W2, d2.dW], [b2, d2.db]] as const) {
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(t.grad!.data[i] - want.data[i]));
      expect(worst).toBeLessThan(1e-15);
    }
  });
});

describe("Tensor: bad input is refused with a clear error", () => {
  it("names the operation, the shapes found and what was expected", () => {
    const A = param(randn(2, 3));
    expect(() => new Tensor([[1]] as unknown as Matrix)).toThrow(/Tensor: expected a Matrix, found an object/);
    expect(() => A.add(param(randn(3, 3)))).toThrow(/Tensor.add: cannot combine 2×3 with 3×3: expected the same shape, or a 1×3 row/);
    expect(() => A.mul(param(randn(1, 3)))).toThrow(/Tensor.mul: shapes differ: 2×3 ⊙ 1×3/);
    expect(() => A.matmul(param(randn(2, 3)))).toThrow(/matmul: cannot multiply 2×3 by 2×3/);
    expect(() => A.matmul(randn(3, 3) as unknown as Tensor)).toThrow(/expected a Tensor, found a 3×3 Matrix \(wrap it/);
    expect(() => param(M([[1, -1]])).log()).toThrow(/Tensor.log: log is defined for entries > 0, found -1 at \(0, 1\) of a 1×2 tensor/);
    expect(() => A.backward()).toThrow(/start from a 1×1 tensor \(a loss\), found 2×3/);
    expect(() => new Tensor(randn(2, 2)).sum().backward()).toThrow(/depends on no tensor made with \{ requiresGrad: true \}/);
    expect(() => A.softmaxCrossEntropy(randn(2, 2))).toThrow(/softmaxCrossEntropy/);
  });
});
