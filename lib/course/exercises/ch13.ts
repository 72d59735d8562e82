// Chapter 13 · Automatic differentiation: exercises. 13.1 and 13.4 are backward rules (the input's gradient
// from the input x, the output y and the output's gradient g), checked against the calculus and against
// centred differences; 13.2 is the topological sort, checked on graphs of the library's Values; in 13.3
// Tensor's own backward is switched off while the student's matmul backward runs.
import { registerExercises } from "./registry";
import { Matrix } from "../../core/matrix";
import { Random } from "../../core/random";
import { matmulTransA, matmulTransB } from "../../core/ops";
import { Value } from "../../autograd/value";
import { Tensor } from "../../autograd/tensor";
import { randomMatrix, matrixProblem } from "./helpers";

type Rule = (x: number, y: number, g: number) => number;
type PowRule = (x: number, k: number, y: number, g: number) => number;

/** null when |got − want| ≤ tol·max(1, |want|), else a sentence naming the point (not the answer). */
function ruleProblem(what: string, got: unknown, want: number, at: string, tol: number): string | null {
  if (typeof got !== "number" || Number.isNaN(got)) return `${what} at ${at} returned ${typeof got === "number" ? "NaN" : typeof got}, not a number`;
  return Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)) ? null : `${what} at ${at} gives ${fmt(got)}, which is not g times the local derivative`;
}

function fmt(v: number): string {
  return Number(v.toPrecision(6)).toString();
}

function call<T>(what: string, f: () => T): T | string {
  try {
    return f();
  } catch (e) {
    return `${what} threw: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** 13.1: { tanh(x, y, g), exp(x, y, g), pow(x, k, y, g) } — each the input's gradient. */
function checkRules(answer: unknown): true | string {
  if (answer === null || typeof answer !== "object") return "expected an object { tanh, exp, pow } of three functions";
  const { tanh, exp, pow } = answer as { tanh: Rule; exp: Rule; pow: PowRule };
  for (const [name, f] of [["tanh", tanh], ["exp", exp], ["pow", pow]] as const) {
    if (typeof f !== "function") return `"${name}" should be a function`;
  }
  const rng = new Random(131);
  for (let t = 0; t < 20; t++) {
    const x = rng.uniform(-3, 3), g = rng.uniform(-2, 2);
    const at = `x = ${fmt(x)}, g = ${fmt(g)}`;
    const y1 = Math.tanh(x), y2 = Math.exp(x);
    const p1 = ruleProblem("tanh", call("tanh", () => tanh(x, y1, g)), g * (1 - y1 * y1), at, 1e-9); // g·(1 − tanh²x)
    if (p1 !== null) return p1;
    const p2 = ruleProblem("exp", call("exp", () => exp(x, y2, g)), g * y2, at, 1e-9); //                 g·eˣ
    if (p2 !== null) return p2;
  }
  for (const k of [2, 3, -1, 0.5, 1.5, 1]) {
    for (let t = 0; t < 6; t++) {
      const x = Number.isInteger(k) ? rng.uniform(-3, 3) : rng.uniform(0.1, 3), g = rng.uniform(-2, 2);
      const y = x ** k;
      const p = ruleProblem("pow", call("pow", () => pow(x, k, y, g)), g * k * x ** (k - 1), `x = ${fmt(x)}, k = ${k}, g = ${fmt(g)}`, 1e-9);
      if (p !== null) return p;
    }
  }
  return true;
}

/** Graphs of the library's Values to sort: a chain, a diamond, a value used twice, and a random one. */
function testGraphs(): Value[] {
  const a = new Value(1.5), b = new Value(-2);
  const chain = a.tanh().exp().mul(2).sigmoid();
  const diamond = a.mul(b).add(a.mul(b).tanh()); //                  two uses of a and b
  const long = a.add(a.tanh().exp().mul(b).relu()); //              a reached by a short and a long path
  const square = a.mul(a);
  const rng = new Random(132);
  const pool: Value[] = [new Value(0.3), new Value(-0.7), new Value(1.1)];
  for (let i = 0; i < 150; i++) {
    const u = pool[rng.int(pool.length)], v = pool[rng.int(pool.length)];
    pool.push(i % 3 === 0 ? u.mul(v).tanh() : u.add(v));
  }
  return [new Value(4), chain, diamond, long, square, pool[pool.length - 1]];
}

/** 13.2: topologicalSort(root) — every node root depends on, once each, each after its parents, root last. */
function checkTopologicalSort(f: unknown): true | string {
  if (typeof f !== "function") return "expected a function (root) => an array of nodes";
  for (const root of testGraphs()) {
    const want = new Set<Value>();
    const walk: Value[] = [root];
    while (walk.length > 0) {
      const v = walk.pop()!;
      if (!want.has(v)) { want.add(v); walk.push(...v.parents); }
    }
    const got = call("topologicalSort", () => (f as (r: Value) => unknown)(root));
    if (typeof got === "string") return got;
    if (!Array.isArray(got)) return "it should return an array of nodes";
    const where = `on a graph of ${want.size} node${want.size === 1 ? "" : "s"}`;
    if (new Set(got).size !== got.length) return `${where} some node appears more than once`;
    if (got.length !== want.size || !got.every((v) => want.has(v))) return `${where} it returned ${got.length} nodes: every node the root depends on, and the root, should be there once`;
    if (got[got.length - 1] !== root) return `${where} the root should come last`;
    const position = new Map(got.map((v, i) => [v, i]));
    for (const v of got as Value[]) {
      if (v.parents.some((p) => position.get(p)! > position.get(v)!)) return `${where} a node comes before one of the nodes it was computed from`;
    }
  }
  return true;
}

/** 13.3: matmulBackward(A, B, G) → { dA, dB } for C = A·B, with Tensor's backward switched off. */
function checkMatmulBackward(f: unknown): true | string {
  if (typeof f !== "function") return "expected a function (A, B, G) => { dA, dB }";
  const rng = new Random(133);
  const proto = Tensor.prototype as unknown as { backward: unknown };
  const original = proto.backward;
  proto.backward = () => { throw new Error("Tensor.backward is switched off in exercise 13.3: write the two products yourself"); };
  try {
    for (const [m, k, n] of [[3, 4, 2], [4, 4, 4], [1, 5, 1], [6, 1, 3]]) {
      const A = randomMatrix(rng, m, k), B = randomMatrix(rng, k, n), G = randomMatrix(rng, m, n);
      const before = [A, B, G].map((M) => M.data.slice());
      const got = call("matmulBackward", () => (f as (A: Matrix, B: Matrix, G: Matrix) => unknown)(A, B, G));
      if (typeof got === "string") return got;
      if ([A, B, G].some((M, i) => M.data.some((v, j) => v !== before[i][j]))) return "it changes A, B or G: compute new matrices instead";
      if (got === null || typeof got !== "object") return "expected an object { dA, dB }";
      const { dA, dB } = got as { dA: unknown; dB: unknown };
      const where = `for A ${m}×${k} and B ${k}×${n}`;
      const pA = matrixProblem(`dA ${where}`, dA, matmulTransB(G, B), 1e-9);
      if (pA !== null) return pA;
      const pB = matrixProblem(`dB ${where}`, dB, matmulTransA(A, G), 1e-9);
      if (pB !== null) return pB;
    }
  } finally {
    proto.backward = original;
  }
  return true;
}

/** erf(x) to about 1e-7 (Abramowitz and Stegun 7.1.26): for the exact GELU, x·Φ(x) = x·(1 + erf(x/√2))/2. */
function erf(x: number): number {
  const s = Math.sign(x), t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return s * (1 - poly * Math.exp(-x * x));
}

const NEW_OPS: Record<string, ((x: number) => number)[]> = {
  softplus: [(x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))], //                        log(1 + eˣ)
  gelu: [
    (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)), //                                                x·Φ(x)
    (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))), //         its tanh approximation
  ],
};

/** 13.4: { name: "softplus" | "gelu", forward(x), backward(x, y, g) }: forward is that function, backward its rule. */
function checkNewOp(answer: unknown): true | string {
  if (answer === null || typeof answer !== "object") return 'expected an object { name, forward, backward }';
  const { name, forward, backward } = answer as { name: unknown; forward: (x: number) => number; backward: Rule };
  const key = String(name).trim().toLowerCase();
  if (!(key in NEW_OPS)) return `name should be "softplus" or "gelu", found ${JSON.stringify(name)}`;
  if (typeof forward !== "function" || typeof backward !== "function") return "forward and backward should be functions";
  const rng = new Random(134);
  const xs = [-4, -1.3, -0.2, 0, 0.01, 0.7, 2.5, 6, ...Array.from({ length: 12 }, () => rng.uniform(-5, 5))];
  const matches = NEW_OPS[key].filter((ref) => xs.every((x) => {
    const y = call("forward", () => forward(x));
    return typeof y === "number" && Math.abs(y - ref(x)) <= 1e-5 * Math.max(1, Math.abs(ref(x)));
  }));
  if (matches.length === 0) return `forward is not ${key} at one of the points tried`;
  const h = 1e-5;
  for (const x of xs) {
    const g = rng.uniform(-2, 2);
    const numeric = g * (forward(x + h) - forward(x - h)) / (2 * h); // g · centred difference of YOUR forward
    const p = ruleProblem("backward", call("backward", () => backward(x, forward(x), g)), numeric, `x = ${fmt(x)}, g = ${fmt(g)}`, 1e-6);
    if (p !== null) return p;
  }
  return true;
}

registerExercises("13", [
  { id: "13.1", answer: "rules", test: checkRules, offLimits: { why: "write each rule yourself", modules: ["autograd/value", "autograd/tensor"] }, hint: "each rule is g times the local derivative: tanh′ = 1 − tanh², exp′ = exp, (xᵏ)′ = k·xᵏ⁻¹" },
  { id: "13.2", answer: "topologicalSort", test: checkTopologicalSort, offLimits: { why: "order the graph yourself", modules: ["autograd/graph"] }, hint: "depth first: visit a node's parents, then append the node; remember which nodes you have visited" },
  { id: "13.3", answer: "matmulBackward", test: checkMatmulBackward, offLimits: { why: "write the two products yourself (matmulTransA, matmulTransB or loops)", layers: true, modules: ["autograd/tensor", "autograd/graph"] }, hint: "the shapes decide: dA has A's shape, dB has B's; multiply swaps" },
  { id: "13.4", answer: "newOp", test: checkNewOp, hint: "softplus′(x) = σ(x); GELU = x·Φ(x), so GELU′ = Φ(x) + x·φ(x) (or differentiate the tanh form)" },
]);
