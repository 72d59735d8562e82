// Chapter 13's exercise checks accept the right answers and reject wrong ones (including plausible wrong methods).
import { describe, expect, it } from "vitest";
import { assessExercise } from "../lib/course/exercise";
import { exerciseIds } from "../lib/course/exercises/index";
import { Matrix } from "../lib/core/matrix";
import { matmul, matmulTransA, matmulTransB, transpose } from "../lib/core/ops";
import { Tensor } from "../lib/autograd/tensor";

const verdict = (id: string, answer: unknown): string => assessExercise(id, answer).message;
const CORRECT = (id: string) => `Exercise ${id}: Correct!`;

const rules = {
  tanh: (_x: number, y: number, g: number) => g * (1 - y * y),
  exp: (_x: number, y: number, g: number) => g * y,
  pow: (x: number, k: number, _y: number, g: number) => g * k * x ** (k - 1),
};

type Node = { parents: readonly Node[] };
function topoRight(root: Node): Node[] {
  const order: Node[] = [], seen = new Set<Node>();
  const visit = (v: Node) => {
    if (seen.has(v)) return;
    seen.add(v);
    for (const p of v.parents) visit(p);
    order.push(v);
  };
  visit(root);
  return order;
}
/** Breadth first from the root, then reversed: looks right, but a node reached by a long path comes too early. */
function topoReversedBfs(root: Node): Node[] {
  const order: Node[] = [root], seen = new Set<Node>([root]);
  for (let i = 0; i < order.length; i++) for (const p of order[i].parents) if (!seen.has(p)) { seen.add(p); order.push(p); }
  return order.reverse();
}
/** Depth first without remembering visits: a node used twice appears twice. */
function topoNoVisited(root: Node): Node[] {
  const order: Node[] = [];
  const visit = (v: Node) => { for (const p of v.parents) visit(p); order.push(v); };
  visit(root);
  return order;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const c = Math.sqrt(2 / Math.PI);
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x ** 3)));
function geluTanhPrime(x: number): number {
  const u = c * (x + 0.044715 * x ** 3), t = Math.tanh(u);
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
}

describe("chapter 13 exercises", () => {
  it("13.1 accepts the three rules and rejects tanh′ = 1 − tanh, a rule that forgets g, and pow′ = k·xᵏ", () => {
    expect(verdict("13.1", undefined)).toContain("Not answered yet");
    expect(verdict("13.1", rules)).toBe(CORRECT("13.1"));
    expect(verdict("13.1", { ...rules, tanh: (_x: number, y: number, g: number) => g * (1 - y) })).toContain("Not quite: tanh");
    expect(verdict("13.1", { ...rules, exp: (_x: number, y: number) => y })).toContain("Not quite: exp");
    expect(verdict("13.1", { ...rules, pow: (x: number, k: number, _y: number, g: number) => g * k * x ** k })).toContain("Not quite: pow");
    expect(verdict("13.1", { tanh: rules.tanh })).toContain('"exp" should be a function');
  });

  it("13.2 accepts a depth-first sort and rejects the reversed breadth-first order and duplicates", () => {
    expect(verdict("13.2", topoRight)).toBe(CORRECT("13.2"));
    expect(verdict("13.2", topoReversedBfs)).toContain("comes before one of the nodes it was computed from");
    expect(verdict("13.2", topoNoVisited)).toContain("more than once");
    expect(verdict("13.2", (root: Node) => topoRight(root).reverse())).toContain("Not quite");
  });

  it("13.3 accepts dA = G·Bᵀ, dB = Aᵀ·G and rejects swapped or untransposed products, with Tensor.backward off", () => {
    expect(verdict("13.3", (A: Matrix, B: Matrix, G: Matrix) => ({ dA: matmulTransB(G, B), dB: matmulTransA(A, G) }))).toBe(CORRECT("13.3"));
    expect(verdict("13.3", (A: Matrix, B: Matrix, G: Matrix) => ({ dA: matmul(G, B), dB: matmul(A, G) }))).toContain("Not quite");
    expect(verdict("13.3", (A: Matrix, B: Matrix, G: Matrix) => ({ dA: matmulTransB(G, B), dB: matmul(transpose(G), A) }))).toContain("Not quite");
    const viaTensor = (A: Matrix, B: Matrix, G: Matrix) => {
      const a = new Tensor(A, { requiresGrad: true }), b = new Tensor(B, { requiresGrad: true });
      a.matmul(b).mul(new Tensor(G)).sum().backward();
      return { dA: a.grad, dB: b.grad };
    };
    expect(verdict("13.3", viaTensor)).toContain("switched off");
    // and Tensor.backward works again afterwards
    const t = new Tensor(Matrix.fromRows([[2]], "float64"), { requiresGrad: true });
    t.mul(t).sum().backward();
    expect(t.grad!.data[0]).toBe(4);
  });

  it("13.4 accepts softplus and GELU (tanh form) with their derivatives, and rejects a wrong derivative or function", () => {
    const softplus = { name: "softplus", forward: (x: number) => Math.log1p(Math.exp(x)), backward: (x: number, _y: number, g: number) => g * sigmoid(x) };
    expect(verdict("13.4", softplus)).toBe(CORRECT("13.4"));
    expect(verdict("13.4", { ...softplus, backward: (x: number, _y: number, g: number) => g * sigmoid(x) * (1 - sigmoid(x)) })).toContain("Not quite: backward");
    expect(verdict("13.4", { ...softplus, forward: (x: number) => Math.max(0, x) })).toContain("forward is not softplus");
    const gelu = { name: "GELU", forward: geluTanh, backward: (x: number, _y: number, g: number) => g * geluTanhPrime(x) };
    expect(verdict("13.4", gelu)).toBe(CORRECT("13.4"));
    expect(verdict("13.4", { ...gelu, backward: (x: number, _y: number, g: number) => g * 0.5 * (1 + Math.tanh(c * x)) })).toContain("Not quite");
    expect(verdict("13.4", { ...gelu, name: "swish" })).toContain('"softplus" or "gelu"');
  });

  it("registers 13.1 to 13.4 in order", () => {
    expect(exerciseIds("13")).toEqual(["13.1", "13.2", "13.3", "13.4"]);
  });
});
