// Gradient checking: compare the gradients backward computes (the "analytic" ones) with centred
// finite differences of the loss (the "numeric" ones), and report the worst relative error
// |a − n| / max(|a|, |n|, tiny) and where it happened.
//   3-point:  ∂f/∂θ ≈ (f(θ+h) − f(θ−h)) / 2h                                  error O(h²)
//   5-point:  ∂f/∂θ ≈ (8·(f(θ+h) − f(θ−h)) − (f(θ+2h) − f(θ−2h))) / 12h       error O(h⁴)  (the default)
// Both are centred; the 5-point one allows a larger h (1e-3), so rounding error stays small, and reaches
// relative errors around 1e-9. Everything is float64: in float32 rounding swamps the differences.
// Across a kink (ReLU at 0) no finite difference is right. So the checks watch every ReLU: if a nudge of
// ±h (or ±2h) switches any ReLU unit on or off, the difference straddles a kink; the entry is tried again
// with h/10, h/100, h/1000, and skipped (counted in `skippedAtKinks`) if even that straddles one. With
// these defaults the course's own networks show no false failure at a kink.
import { Matrix, type FloatArray } from "../core/matrix";
import { Random } from "../core/random";
import type { Layer } from "./layers";
import { ReLU } from "./activations";
import type { LossFn } from "./losses";
import type { Sequential } from "./sequential";

export interface GradcheckResult {
  /** the worst |a − n| / max(|a|, |n|, tiny) over every entry checked */
  maxRelError: number;
  /** where the worst entry is, e.g. "layer 2 (Dense) dW[3,7]" */
  where: string;
  /** how many entries were compared */
  checked: number;
  /** entries left out because every step tried (h, h/10, h/100, h/1000) switched a ReLU unit on or off */
  skippedAtKinks: number;
}

export interface GradcheckOptions {
  /** the step of the finite difference; default 1e-3 (5-point) or 1e-5 (3-point) */
  h?: number;
  /** 5 (default) or 3 points, see the top of this file */
  stencil?: 3 | 5;
  /** check at most this many entries of each tensor (a seeded random sample); default: all of them */
  maxPerTensor?: number;
  /** seed of the sample and of the random output weights used by gradcheckLayer; default 0 */
  seed?: number;
  /** the floor of the denominator, so that two near-zero gradients do not make a huge relative error; default 1e-10 */
  tiny?: number;
}

/** |a − n| / max(|a|, |n|, tiny): 0 when equal, about 1 when unrelated. */
export function relativeError(analytic: number, numeric: number, tiny = 1e-10): number {
  return Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), tiny);
}

/**
 * Checks one layer: its input gradient and every parameter gradient. The scalar being differentiated is
 * f(X) = Σ_ij layer(X)_ij · G_ij for fixed random G, so ∂f/∂output = G is what backward receives.
 */
export function gradcheckLayer(layer: Layer, x: Matrix, options: GradcheckOptions = {}): GradcheckResult {
  requireFloat64(`gradcheckLayer(${layer.describe()})`, x, layer.params().map((p) => p.value));
  const rng = new Random(options.seed ?? 0);
  const out = layer.forward(x, true);
  const G = Matrix.zeros(out.rows, out.cols, "float64");
  for (let i = 0; i < G.data.length; i++) G.data[i] = rng.normal();
  const pattern = new KinkPattern();
  const f = () => {
    const out = layer.forward(x, true);
    pattern.reset();
    if (layer instanceof ReLU) pattern.add(out.data);
    return dot(out.data, G.data);
  };

  // analytic gradients, copied before the numeric passes overwrite the layer's buffers
  layer.forward(x, true);
  const dX = layer.backward(G).clone();
  const grads = layer.params().map((p) => ({ name: p.name, value: p.value, grad: p.grad.clone() }));

  const worst = new Worst(options);
  compare(worst, "dX", x, dX, f, rng, options, pattern);
  for (const p of grads) compare(worst, `d${p.name}`, p.value, p.grad, f, rng, options, pattern);
  return worst.result();
}

/** Checks a loss's gradient with respect to the network output it is given. */
export function gradcheckLoss(loss: LossFn, output: Matrix, targets: Matrix, options: GradcheckOptions = {}): GradcheckResult {
  requireFloat64("gradcheckLoss", output, [targets]);
  const rng = new Random(options.seed ?? 0);
  const analytic = loss(output, targets).grad.clone();
  const worst = new Worst(options);
  compare(worst, "dOutput", output, analytic, () => loss(output, targets).loss, rng, options);
  return worst.result();
}

/** Checks every parameter gradient of a whole network under a loss: forward, loss, backward. */
export function gradcheckNetwork(
  net: Sequential,
  x: Matrix,
  targets: Matrix,
  loss: LossFn,
  options: GradcheckOptions = {},
): GradcheckResult {
  requireFloat64("gradcheckNetwork", x, net.params().map((p) => p.value));
  const rng = new Random(options.seed ?? 0);
  const pattern = new KinkPattern();
  const f = () => { // net.forward(x, true), layer by layer, noting which ReLU units are on
    pattern.reset();
    let a = x;
    for (const layer of net.layers) {
      a = layer.forward(a, true);
      if (layer instanceof ReLU) pattern.add(a.data);
    }
    return loss(a, targets).loss;
  };

  const result = loss(net.forward(x, true), targets);
  net.backward(result.grad);
  const grads = net.layers.map((layer) => layer.params().map((p) => ({ name: p.name, value: p.value, grad: p.grad.clone() })));

  const worst = new Worst(options);
  grads.forEach((params, l) => {
    for (const p of params) compare(worst, `layer ${l} (${net.layers[l].name}) d${p.name}`, p.value, p.grad, f, rng, options, pattern);
  });
  return worst.result();
}

// --- the machinery ----------------------------------------------------------------------------------

/** Keeps the worst relative error seen so far and where it was. */
class Worst {
  maxRelError = 0;
  where = "(nothing checked)";
  checked = 0;
  skippedAtKinks = 0;
  private readonly tiny: number;

  constructor(options: GradcheckOptions) {
    this.tiny = options.tiny ?? 1e-10;
  }

  add(analytic: number, numeric: number, where: () => string): void {
    const e = relativeError(analytic, numeric, this.tiny);
    this.checked++;
    // a NaN error is the worst of all
    if (e > this.maxRelError || (Number.isNaN(e) && !Number.isNaN(this.maxRelError)) || this.checked === 1) {
      this.maxRelError = e;
      this.where = `${where()} (analytic ${analytic.toPrecision(6)}, numeric ${numeric.toPrecision(6)})`;
    }
  }

  result(): GradcheckResult {
    return { maxRelError: this.maxRelError, where: this.where, checked: this.checked, skippedAtKinks: this.skippedAtKinks };
  }
}

/** Which ReLU units are on (output > 0) after a forward pass, summed up in three numbers. */
class KinkPattern {
  private on = 0;
  private s1 = 0;
  private s2 = 0;
  reset(): void {
    this.on = this.s1 = this.s2 = 0;
  }
  add(a: FloatArray): void {
    for (let i = 0; i < a.length; i++) {
      if (a[i] > 0) {
        this.on++;
        this.s1 += i + 1;
        this.s2 += ((i + 1) * (i + 1)) % 1048573;
      }
    }
    this.s1 += 0.5; // so that the same units on in two ReLU layers read differently
  }
  key(): string {
    return `${this.on}:${this.s1}:${this.s2}`;
  }
}

/** Nudges each (sampled) entry of `value` by ±h, differentiates f numerically, compares with `analytic`. */
function compare(
  worst: Worst,
  label: string,
  value: Matrix,
  analytic: Matrix,
  f: () => number,
  rng: Random,
  options: GradcheckOptions,
  pattern?: KinkPattern,
): void {
  const stencil = options.stencil ?? 5;
  const h0 = options.h ?? (stencil === 3 ? 1e-5 : 1e-3);
  const data = value.data;
  f();
  const unperturbed = pattern?.key();
  for (const idx of sample(data.length, options.maxPerTensor, rng)) {
    const v = data[idx];
    let numeric = NaN, found = false;
    for (let tries = 0, h = h0; tries < 4 && !found; tries++, h /= 10) {
      let straddles = false;
      const at = (step: number) => {
        data[idx] = v + step;
        const y = f();
        if (pattern !== undefined && pattern.key() !== unperturbed) straddles = true; // a ReLU switched
        return y;
      };
      // differences are taken first, so an f that does not change gives exactly 0
      const estimate = stencil === 3
        ? (at(h) - at(-h)) / (2 * h) // (f(θ+h) − f(θ−h)) / 2h
        : (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h); // the same idea, error O(h⁴)
      if (!straddles) {
        numeric = estimate;
        found = true;
      }
    }
    data[idx] = v;
    const i = Math.floor(idx / value.cols), j = idx % value.cols;
    if (!found) worst.skippedAtKinks++;
    else worst.add(analytic.data[idx], numeric, () => `${label}[${i},${j}]`);
  }
  f(); // leave the layers' buffers as they were at the unperturbed point
}

/** All indices 0..n−1, or `max` of them drawn at random (sorted). */
function sample(n: number, max: number | undefined, rng: Random): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (max === undefined || max >= n) return all;
  rng.shuffle(all);
  return all.slice(0, max).sort((a, b) => a - b);
}

function dot(a: FloatArray, b: FloatArray): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function requireFloat64(where: string, x: Matrix, others: Matrix[]): void {
  for (const m of [x, ...others]) {
    if (m.dtype !== "float64") {
      throw new Error(
        `${where}: found a float32 ${m.shape} matrix; gradient checks need float64 everywhere ` +
          `(build layers with dtype: "float64" and inputs with Matrix.zeros(…, "float64"))`,
      );
    }
  }
}
