// Value: a number that remembers how it was made, so that backward() can send gradients back through
// every operation that produced it (reverse-mode automatic differentiation, micrograd-style).
//
//   const a = new Value(2), b = new Value(-3);
//   const f = a.mul(b).add(a.tanh());      // f = a·b + tanh(a)
//   f.backward();                          // a.grad = ∂f/∂a = b + 1 − tanh²(a),  b.grad = ∂f/∂b = a
//
// Each operation computes its output and, beside it, a step that turns the output's gradient into its
// inputs' gradients by the local derivative (out.grad · ∂out/∂input). The step ADDS (+=): a Value used twice
// receives the gradient of both uses (chapter 4's fan-out rule). backward() runs the steps in reverse
// topological order (lib/autograd/graph.ts), so a node sends its gradient back only after all of it has arrived.
import { topologicalOrder, type GraphNode } from "./graph";

export class Value implements GraphNode {
  /** the number this node holds */
  data: number;
  /** ∂(the Value backward() was called on)/∂(this), set by backward(); 0 before */
  grad = 0;
  /** a name for drawings of the graph ("a", "w1"); results are named by their operation */
  label: string;
  /** the Values this one was computed from (none for an input) */
  readonly parents: readonly Value[];
  /** the operation that made it: "" for an input, else "+", "−", "·", "/", "^2", "neg", "exp", "log", "tanh", "relu", "σ" */
  readonly op: string;
  private backwardStep: () => void = () => {};

  constructor(data: number, label = "") {
    if (typeof data !== "number" || Number.isNaN(data)) {
      throw new Error(`Value: expected a number, found ${typeof data === "number" ? "NaN" : typeof data} (${String(data)})`);
    }
    this.data = data;
    this.label = label;
    this.parents = [];
    this.op = "";
  }

  /** A result of `op` on `parents`, with its backward step filled in by the caller. */
  private static made(data: number, parents: Value[], op: string): Value {
    const out = new Value(0);
    out.data = data; // may be ±∞ (exp of a large number): only inputs are checked
    (out as { parents: readonly Value[] }).parents = parents;
    (out as { op: string }).op = op;
    return out;
  }

  add(other: Value | number): Value {
    const b = asValue(other, "add");
    const out = Value.made(this.data + b.data, [this, b], "+");
    out.backwardStep = () => { //              ∂(a + b)/∂a = 1,  ∂(a + b)/∂b = 1
      this.grad += out.grad;
      b.grad += out.grad;
    };
    return out;
  }

  sub(other: Value | number): Value {
    const b = asValue(other, "sub");
    const out = Value.made(this.data - b.data, [this, b], "−");
    out.backwardStep = () => { //              ∂(a − b)/∂a = 1,  ∂(a − b)/∂b = −1
      this.grad += out.grad;
      b.grad -= out.grad;
    };
    return out;
  }

  mul(other: Value | number): Value {
    const b = asValue(other, "mul");
    const out = Value.made(this.data * b.data, [this, b], "·");
    out.backwardStep = () => { //              ∂(a·b)/∂a = b,  ∂(a·b)/∂b = a
      this.grad += b.data * out.grad;
      b.grad += this.data * out.grad;
    };
    return out;
  }

  div(other: Value | number): Value {
    const b = asValue(other, "div");
    if (b.data === 0) throw new Error(`Value.div: cannot divide ${this.data} by 0`);
    const out = Value.made(this.data / b.data, [this, b], "/");
    out.backwardStep = () => { //              ∂(a/b)/∂a = 1/b,  ∂(a/b)/∂b = −a/b²
      this.grad += out.grad / b.data;
      b.grad -= (this.data / (b.data * b.data)) * out.grad;
    };
    return out;
  }

  /** a^k for a fixed number k (k is not a Value: no gradient flows to it). */
  pow(k: number): Value {
    if (typeof k !== "number" || !Number.isFinite(k)) throw new Error(`Value.pow: the exponent must be a finite number, found ${String(k)}`);
    if (this.data < 0 && !Number.isInteger(k)) {
      throw new Error(`Value.pow: ${this.data}^${k} is not a real number (a negative base needs a whole exponent)`);
    }
    if (this.data === 0 && k < 0) throw new Error(`Value.pow: 0^${k} is infinite`);
    const out = Value.made(this.data ** k, [this], `^${k}`);
    out.backwardStep = () => { //              ∂(a^k)/∂a = k·a^(k−1)
      this.grad += k * this.data ** (k - 1) * out.grad;
    };
    return out;
  }

  neg(): Value {
    const out = Value.made(-this.data, [this], "neg");
    out.backwardStep = () => { //              ∂(−a)/∂a = −1
      this.grad -= out.grad;
    };
    return out;
  }

  exp(): Value {
    const out = Value.made(Math.exp(this.data), [this], "exp");
    out.backwardStep = () => { //              ∂e^a/∂a = e^a (the output itself)
      this.grad += out.data * out.grad;
    };
    return out;
  }

  log(): Value {
    if (!(this.data > 0)) throw new Error(`Value.log: log is defined for numbers > 0, found ${this.data}`);
    const out = Value.made(Math.log(this.data), [this], "log");
    out.backwardStep = () => { //              ∂log a/∂a = 1/a
      this.grad += out.grad / this.data;
    };
    return out;
  }

  tanh(): Value {
    const out = Value.made(Math.tanh(this.data), [this], "tanh");
    out.backwardStep = () => { //              ∂tanh a/∂a = 1 − tanh²(a)
      this.grad += (1 - out.data * out.data) * out.grad;
    };
    return out;
  }

  relu(): Value {
    const out = Value.made(Math.max(0, this.data), [this], "relu");
    out.backwardStep = () => { //              ∂max(0, a)/∂a = [a > 0]   (0 at the kink a = 0)
      if (this.data > 0) this.grad += out.grad;
    };
    return out;
  }

  sigmoid(): Value {
    const out = Value.made(1 / (1 + Math.exp(-this.data)), [this], "σ");
    out.backwardStep = () => { //              ∂σ(a)/∂a = σ(a)·(1 − σ(a))
      this.grad += out.data * (1 - out.data) * out.grad;
    };
    return out;
  }

  /**
   * Sets .grad on every Value this one was computed from: ∂this/∂v. Its own grad is 1. Each call starts
   * from zero (it sets the gradients; it does not add to those of an earlier backward()).
   */
  backward(): void {
    const order = topologicalOrder<Value>(this); // inputs first, this last
    for (const v of order) v.grad = 0;
    this.grad = 1; //                           ∂this/∂this = 1
    for (let i = order.length - 1; i >= 0; i--) order[i].backwardStep();
  }

  toString(): string {
    return `Value(data=${this.data}, grad=${this.grad})`;
  }
}

function asValue(x: Value | number, op: string): Value {
  if (x instanceof Value) return x;
  if (typeof x === "number") return new Value(x);
  throw new Error(`Value.${op}: expected a Value or a number, found ${x === null ? "null" : typeof x}`);
}
