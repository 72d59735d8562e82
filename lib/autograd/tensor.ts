// Tensor: Value's idea (lib/autograd/value.ts) over whole matrices. Each operation makes its output with the
// library's operations (lib/core/ops.ts, so the same kernels as the hand-written layers) and, beside it, the
// step that turns the output's gradient G into its inputs' gradients:
//
//   const W = new Tensor(w, { requiresGrad: true }), b = new Tensor(bias, { requiresGrad: true });
//   const loss = new Tensor(X).matmul(W).add(b).softmaxCrossEntropy(Y);   // L = CE(softmax(X·W + b), Y)
//   loss.backward();                                                       // W.grad = Xᵀ·(P − Y)/m, b.grad = Σ_rows (P − Y)/m
//
// Gradients ADD where a tensor is used more than once. A tensor made with requiresGrad: false (the default,
// as for data) gets no gradient, and nothing is computed for it (X·W skips dX, as the first Dense layer does).
// backward() SETS the gradients of the graph it walks (it starts them from zero), so a training loop needs no
// "zero the gradients" step; the matrices it leaves in .grad are new ones each time.
import { Matrix } from "../core/matrix";
import { add, addRowVector, copy, hadamard, map, matmul, matmulTransA, matmulTransB, relu, reluBackward, scale, sub, sumRows } from "../core/ops";
import { softmaxCrossEntropy as softmaxCrossEntropyLoss } from "../nn/losses";
import { topologicalOrder, type GraphNode } from "./graph";

export interface TensorOptions {
  /** whether backward() should compute this tensor's gradient (true for parameters); default false */
  requiresGrad?: boolean;
}

export class Tensor implements GraphNode {
  /** the matrix this node holds */
  readonly value: Matrix;
  /** ∂L/∂(this), the shape of value, for the 1×1 L that backward() was called on; null before (or when not required) */
  grad: Matrix | null = null;
  /** true for a parameter, and for any result of an operation on one */
  readonly requiresGrad: boolean;
  /** the tensors this one was computed from (none for an input) */
  readonly parents: readonly Tensor[];
  /** the operation that made it: "" for an input, else "matmul", "+", "−", "⊙", "relu", …, "softmaxCE" */
  readonly op: string;
  private backwardStep: (G: Matrix) => void = () => {};

  constructor(value: Matrix, options: TensorOptions = {}) {
    if (!(value instanceof Matrix)) throw new Error(`Tensor: expected a Matrix, found ${describe(value)}`);
    this.value = value;
    this.requiresGrad = options.requiresGrad ?? false;
    this.parents = [];
    this.op = "";
  }

  /** A result of `op` on `parents`: it requires a gradient if any parent does. */
  private static made(value: Matrix, parents: Tensor[], op: string, backwardStep: (G: Matrix) => void): Tensor {
    const out = new Tensor(value, { requiresGrad: parents.some((p) => p.requiresGrad) });
    (out as { parents: readonly Tensor[] }).parents = parents;
    (out as { op: string }).op = op;
    out.backwardStep = backwardStep;
    return out;
  }

  get shape(): string {
    return this.value.shape;
  }

  /** The number a 1×1 tensor holds (a loss). */
  item(): number {
    if (this.value.rows !== 1 || this.value.cols !== 1) throw new Error(`Tensor.item: expected a 1×1 tensor, found ${this.shape}`);
    return this.value.data[0];
  }

  /** A·B.   A: m×k, B: k×n. */
  matmul(t: Tensor): Tensor {
    const A = this.value, B = asTensor(t, "matmul").value;
    return Tensor.made(matmul(A, B), [this, t], "matmul", (G) => {
      if (this.requiresGrad) accumulate(this, matmulTransB(G, B), true); //  dA = G·Bᵀ
      if (t.requiresGrad) accumulate(t, matmulTransA(A, G), true); //        dB = Aᵀ·G
    });
  }

  /** A + B, the same shape; or A (m×n) + b (1×n), b added to every row. */
  add(t: Tensor): Tensor {
    const A = this.value, B = asTensor(t, "add").value;
    if (isRowFor(B, A, "add")) {
      return Tensor.made(addRowVector(A, B), [this, t], "+", (G) => {
        accumulate(this, G, false); //                                     dA = G
        if (t.requiresGrad) accumulate(t, sumRows(G), true); //            db = Σ_rows G   (b reached every row)
      });
    }
    return Tensor.made(add(A, B), [this, t], "+", (G) => {
      accumulate(this, G, false); //                                       dA = G
      accumulate(t, G, false); //                                          dB = G
    });
  }

  /** A − B, the same shape; or A (m×n) − b (1×n), b taken from every row. */
  sub(t: Tensor): Tensor {
    const A = this.value, B = asTensor(t, "sub").value;
    if (isRowFor(B, A, "sub")) {
      return Tensor.made(addRowVector(A, scale(B, -1)), [this, t], "−", (G) => {
        accumulate(this, G, false); //                                     dA = G
        if (t.requiresGrad) accumulate(t, scale(sumRows(G), -1), true); // db = −Σ_rows G
      });
    }
    return Tensor.made(sub(A, B), [this, t], "−", (G) => {
      accumulate(this, G, false); //                                       dA = G
      if (t.requiresGrad) accumulate(t, scale(G, -1), true); //            dB = −G
    });
  }

  /** A ⊙ B, entry by entry (the same shape). */
  mul(t: Tensor): Tensor {
    const A = this.value, B = asTensor(t, "mul").value;
    if (A.rows !== B.rows || A.cols !== B.cols) throw new Error(`Tensor.mul: shapes differ: ${A.shape} ⊙ ${B.shape} needs the same shape`);
    return Tensor.made(hadamard(A, B), [this, t], "⊙", (G) => {
      if (this.requiresGrad) accumulate(this, hadamard(G, B), true); //   dA = G ⊙ B
      if (t.requiresGrad) accumulate(t, hadamard(G, A), true); //         dB = G ⊙ A
    });
  }

  relu(): Tensor {
    const Y = relu(this.value);
    return Tensor.made(Y, [this], "relu", (G) => accumulate(this, reluBackward(G, Y), true)); // dA = G ⊙ [A > 0]
  }

  tanh(): Tensor {
    const Y = map(this.value, Math.tanh);
    return Tensor.made(Y, [this], "tanh", (G) => accumulate(this, zip(G, Y, (g, y) => g * (1 - y * y)), true)); // dA = G ⊙ (1 − Y²)
  }

  sigmoid(): Tensor {
    const Y = map(this.value, (a) => 1 / (1 + Math.exp(-a)));
    return Tensor.made(Y, [this], "σ", (G) => accumulate(this, zip(G, Y, (g, y) => g * y * (1 - y)), true)); // dA = G ⊙ Y ⊙ (1 − Y)
  }

  exp(): Tensor {
    const Y = map(this.value, Math.exp);
    return Tensor.made(Y, [this], "exp", (G) => accumulate(this, hadamard(G, Y), true)); // dA = G ⊙ e^A
  }

  log(): Tensor {
    const A = this.value;
    const bad = A.data.findIndex((a) => !(a > 0));
    if (bad >= 0) {
      throw new Error(`Tensor.log: log is defined for entries > 0, found ${A.data[bad]} at (${Math.floor(bad / A.cols)}, ${bad % A.cols}) of a ${A.shape} tensor`);
    }
    return Tensor.made(map(A, Math.log), [this], "log", (G) => accumulate(this, zip(G, A, (g, a) => g / a), true)); // dA = G / A
  }

  /** Σ of every entry, 1×1. */
  sum(): Tensor {
    const A = this.value;
    const out = Matrix.zeros(1, 1, A.dtype);
    for (let i = 0; i < A.data.length; i++) out.data[0] += A.data[i];
    return Tensor.made(out, [this], "Σ", (G) => accumulate(this, filled(A, G.data[0]), true)); // dA_ij = g
  }

  /** The mean of every entry, 1×1. */
  mean(): Tensor {
    const A = this.value, n = A.rows * A.cols;
    if (n === 0) throw new Error(`Tensor.mean: a ${A.shape} tensor has no entries to average`);
    const out = Matrix.zeros(1, 1, A.dtype);
    for (let i = 0; i < n; i++) out.data[0] += A.data[i];
    out.data[0] /= n;
    return Tensor.made(out, [this], "mean", (G) => accumulate(this, filled(A, G.data[0] / n), true)); // dA_ij = g/n
  }

  /**
   * Softmax and cross-entropy of these logits (m×c) against one-hot rows Y, the mean over the m rows, 1×1:
   *   L = −(1/m) Σ_i Σ_j Y_ij · log softmax(Z_i)_j.   Fused backward: dZ = g·(P − Y)/m (chapter 3).
   */
  softmaxCrossEntropy(Y: Matrix): Tensor {
    if (!(Y instanceof Matrix)) throw new Error(`Tensor.softmaxCrossEntropy: expected the targets as a Matrix, found ${describe(Y)}`);
    const { loss, grad } = softmaxCrossEntropyLoss(this.value, Y); // grad = (P − Y)/m, a new matrix
    const out = Matrix.zeros(1, 1, this.value.dtype);
    out.data[0] = loss;
    return Tensor.made(out, [this], "softmaxCE", (G) => accumulate(this, G.data[0] === 1 ? grad : scale(grad, G.data[0]), true));
  }

  /**
   * From a 1×1 tensor L: sets .grad = ∂L/∂t on every tensor t of its graph that requires one (its own: 1),
   * visiting the operations in reverse topological order. Starts every gradient of the graph from zero.
   */
  backward(): void {
    if (this.value.rows !== 1 || this.value.cols !== 1) {
      throw new Error(`Tensor.backward: start from a 1×1 tensor (a loss), found ${this.shape}; reduce it first with sum() or mean()`);
    }
    if (!this.requiresGrad) {
      throw new Error("Tensor.backward: this tensor depends on no tensor made with { requiresGrad: true }, so there is no gradient to compute");
    }
    const order = topologicalOrder<Tensor>(this); // inputs first, this last
    for (const t of order) t.grad = null;
    this.grad = filled(this.value, 1); //                                  ∂L/∂L = 1
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      if (t.requiresGrad && t.grad !== null) t.backwardStep(t.grad);
    }
  }

  toString(): string {
    return `Tensor ${this.shape}${this.op ? ` (${this.op})` : ""}${this.requiresGrad ? ", requiresGrad" : ""}`;
  }
}

/** t.grad += g. A matrix that is `fresh` (made for t alone) is kept as it is; a shared one is copied first. */
function accumulate(t: Tensor, g: Matrix, fresh: boolean): void {
  if (!t.requiresGrad) return;
  if (t.grad === null) t.grad = g.dtype !== t.value.dtype ? g.astype(t.value.dtype) : fresh ? g : copy(g);
  else add(t.grad, g, t.grad);
}

/** Whether B is a 1×n row to add to every row of A (m×n, m ≠ 1); throws if B fits neither rule. */
function isRowFor(B: Matrix, A: Matrix, op: string): boolean {
  if (B.rows === A.rows && B.cols === A.cols) return false;
  if (B.rows === 1 && B.cols === A.cols) return true;
  throw new Error(`Tensor.${op}: cannot combine ${A.shape} with ${B.shape}: expected the same shape, or a 1×${A.cols} row for every row`);
}

/** f(G_ij, Y_ij) for every entry, a new matrix. */
function zip(G: Matrix, Y: Matrix, f: (g: number, y: number) => number): Matrix {
  const out = Matrix.zeros(G.rows, G.cols, Y.dtype);
  for (let i = 0; i < out.data.length; i++) out.data[i] = f(G.data[i], Y.data[i]);
  return out;
}

/** A matrix of A's shape and dtype with every entry v. */
function filled(A: Matrix, v: number): Matrix {
  return Matrix.zeros(A.rows, A.cols, A.dtype).fill(v);
}

function asTensor(t: unknown, op: string): Tensor {
  if (t instanceof Tensor) return t;
  throw new Error(`Tensor.${op}: expected a Tensor, found ${describe(t)}${t instanceof Matrix ? " (wrap it: new Tensor(matrix))" : ""}`);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v instanceof Matrix) return `a ${v.shape} Matrix`;
  if (typeof v === "object") return `an object (${(v as object).constructor?.name ?? "no class"})`;
  return `${typeof v} ${String(v)}`;
}
