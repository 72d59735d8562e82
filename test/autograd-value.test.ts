// Value (lib/autograd/value.ts): each operation's value and gradient against hand-worked numbers and against
// centred finite differences; the topological order; fan-out; backward() setting (not adding) gradients.
import { describe, expect, it } from "vitest";
import { Value } from "../lib/autograd/value";
import { topologicalOrder } from "../lib/autograd/graph";

/** ∂f/∂x_k by centred differences, (f(x + h·e_k) − f(x − h·e_k)) / 2h. */
function numericGrad(f: (x: number[]) => number, x: number[], k: number, h = 1e-6): number {
  const up = x.slice(), down = x.slice();
  up[k] += h;
  down[k] -= h;
  return (f(up) - f(down)) / (2 * h);
}

type Op = { name: string; f: (v: Value[]) => Value; plain: (x: number[]) => number; at: number[]; want: { value: number; grads: number[] } };

// Each op at a point worked by hand (the derivative rule written out in the comment).
const ops: Op[] = [
  { name: "add", f: ([a, b]) => a.add(b), plain: ([a, b]) => a + b, at: [2, -3], want: { value: -1, grads: [1, 1] } },
  { name: "add a number", f: ([a]) => a.add(5), plain: ([a]) => a + 5, at: [2], want: { value: 7, grads: [1] } },
  { name: "sub", f: ([a, b]) => a.sub(b), plain: ([a, b]) => a - b, at: [2, -3], want: { value: 5, grads: [1, -1] } },
  { name: "mul", f: ([a, b]) => a.mul(b), plain: ([a, b]) => a * b, at: [2, -3], want: { value: -6, grads: [-3, 2] } }, // swaps
  { name: "mul by a number", f: ([a]) => a.mul(4), plain: ([a]) => 4 * a, at: [2], want: { value: 8, grads: [4] } },
  { name: "div", f: ([a, b]) => a.div(b), plain: ([a, b]) => a / b, at: [3, 2], want: { value: 1.5, grads: [0.5, -0.75] } }, // 1/b, −a/b²
  { name: "pow(3)", f: ([a]) => a.pow(3), plain: ([a]) => a ** 3, at: [2], want: { value: 8, grads: [12] } }, // 3a²
  { name: "pow(0.5)", f: ([a]) => a.pow(0.5), plain: ([a]) => Math.sqrt(a), at: [4], want: { value: 2, grads: [0.25] } }, // 1/(2√a)
  { name: "pow(-1)", f: ([a]) => a.pow(-1), plain: ([a]) => 1 / a, at: [2], want: { value: 0.5, grads: [-0.25] } }, // −1/a²
  { name: "neg", f: ([a]) => a.neg(), plain: ([a]) => -a, at: [2], want: { value: -2, grads: [-1] } },
  { name: "exp", f: ([a]) => a.exp(), plain: ([a]) => Math.exp(a), at: [0], want: { value: 1, grads: [1] } },
  { name: "exp at ln 2", f: ([a]) => a.exp(), plain: ([a]) => Math.exp(a), at: [Math.LN2], want: { value: 2, grads: [2] } },
  { name: "log", f: ([a]) => a.log(), plain: ([a]) => Math.log(a), at: [Math.E], want: { value: 1, grads: [1 / Math.E] } },
  { name: "tanh at 0", f: ([a]) => a.tanh(), plain: ([a]) => Math.tanh(a), at: [0], want: { value: 0, grads: [1] } },
  // tanh(ln 2) = (2 − ½)/(2 + ½) = 0.6, so tanh′ = 1 − 0.36 = 0.64
  { name: "tanh at ln 2", f: ([a]) => a.tanh(), plain: ([a]) => Math.tanh(a), at: [Math.LN2], want: { value: 0.6, grads: [0.64] } },
  { name: "relu, positive", f: ([a]) => a.relu(), plain: ([a]) => Math.max(0, a), at: [1.5], want: { value: 1.5, grads: [1] } },
  { name: "relu, negative", f: ([a]) => a.relu(), plain: ([a]) => Math.max(0, a), at: [-1.5], want: { value: 0, grads: [0] } },
  { name: "sigmoid at 0", f: ([a]) => a.sigmoid(), plain: ([a]) => 1 / (1 + Math.exp(-a)), at: [0], want: { value: 0.5, grads: [0.25] } },
  // σ(ln 3) = 3/4, σ′ = ¾·¼ = 3/16
  { name: "sigmoid at ln 3", f: ([a]) => a.sigmoid(), plain: ([a]) => 1 / (1 + Math.exp(-a)), at: [Math.log(3)], want: { value: 0.75, grads: [0.1875] } },
];

describe("Value: every operation", () => {
  for (const op of ops) {
    it(`${op.name}: value and gradient as worked by hand, and equal to centred differences`, () => {
      const inputs = op.at.map((x) => new Value(x));
      const out = op.f(inputs);
      out.backward();
      expect(out.data).toBeCloseTo(op.want.value, 14);
      expect(out.grad).toBe(1);
      inputs.forEach((v, k) => {
        expect(v.grad).toBeCloseTo(op.want.grads[k], 12);
        expect(Math.abs(v.grad - numericGrad(op.plain, op.at, k))).toBeLessThan(1e-7);
      });
    });
  }

  it("relu's gradient at the kink 0 is 0", () => {
    const a = new Value(0);
    a.relu().backward();
    expect(a.grad).toBe(0);
  });
});

describe("Value: the graph", () => {
  it("a Value used twice gets the sum of both uses' gradients (fan-out): d(a·a)/da = 2a, d(a + a)/da = 2", () => {
    const a = new Value(3);
    a.mul(a).backward();
    expect(a.grad).toBe(6);
    a.add(a).backward();
    expect(a.grad).toBe(2);
  });

  it("chapter 4's example f = (x + y)·max(z, x) at (2, −1, 0.5): dx = 3, dy = 2, dz = 0", () => {
    const x = new Value(2), y = new Value(-1), z = new Value(0.5);
    // max(z, x) = relu(x − z) + z
    const f = x.add(y).mul(x.sub(z).relu().add(z));
    f.backward();
    expect([f.data, x.grad, y.grad, z.grad]).toEqual([2, 3, 2, 0]);
  });

  it("backward() sets the gradients: a second call gives the same numbers, not twice them", () => {
    const a = new Value(1.5), b = new Value(-0.5);
    const f = a.mul(b).add(a.tanh()).mul(a);
    f.backward();
    const first = [a.grad, b.grad];
    f.backward();
    expect([a.grad, b.grad]).toEqual(first);
  });

  it("the topological order puts every node after its parents, each once, the root last", () => {
    const a = new Value(1, "a"), b = new Value(2, "b");
    const c = a.mul(b), d = c.add(a), e = d.mul(c).tanh();
    const order = topologicalOrder(e);
    expect(order.length).toBe(6);
    expect(new Set(order).size).toBe(6);
    expect(order[order.length - 1]).toBe(e);
    for (const node of order) for (const p of node.parents) expect(order.indexOf(p)).toBeLessThan(order.indexOf(node));
  });

  it("a chain of 100,000 operations does not overflow the stack, and its gradient is right", () => {
    const x = new Value(1);
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.mul(1.00001);
    y.backward();
    expect(x.grad).toBeCloseTo(1.00001 ** 100_000, 6);
  });

  it("a composite expression's gradient equals centred differences for every input", () => {
    const plain = ([a, b, c]: number[]) => Math.log(1 + Math.exp(a * b)) * Math.tanh(c) / (1 / (1 + Math.exp(-(a - c)))) + (b * b + 1) ** 0.5;
    const at = [0.7, -1.3, 0.4];
    const [a, b, c] = at.map((x) => new Value(x));
    const f = a.mul(b).exp().add(1).log().mul(c.tanh()).div(a.sub(c).sigmoid()).add(b.pow(2).add(1).pow(0.5));
    f.backward();
    expect(f.data).toBeCloseTo(plain(at), 14);
    [a, b, c].forEach((v, k) => expect(Math.abs(v.grad - numericGrad(plain, at, k))).toBeLessThan(1e-7));
  });
});

describe("Value: bad input is refused with a clear error", () => {
  it("names what was expected and what was found", () => {
    expect(() => new Value("3" as unknown as number)).toThrow(/Value: expected a number, found string/);
    expect(() => new Value(NaN)).toThrow(/found NaN/);
    expect(() => new Value(1).add({} as unknown as number)).toThrow(/Value.add: expected a Value or a number, found object/);
    expect(() => new Value(-1).log()).toThrow(/Value.log: log is defined for numbers > 0, found -1/);
    expect(() => new Value(-8).pow(1 / 3)).toThrow(/negative base needs a whole exponent/);
    expect(() => new Value(1).div(0)).toThrow(/cannot divide 1 by 0/);
    expect(() => new Value(2).pow(NaN)).toThrow(/exponent must be a finite number/);
  });
});
