// Dropout: identity in evaluation; in training, kept units scaled by 1/(1 − p), the kept fraction near 1 − p,
// the same masks from the same seed, and a backward that matches finite differences with the mask held fixed.
import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { Layer, type LayerConfig } from "../lib/nn/layers";
import { Dropout } from "../lib/nn/dropout";
import { layerFromConfig } from "../lib/nn/layer-config";
import { gradcheckLayer } from "../lib/nn/gradcheck";

function filled(rows: number, cols: number, seed: number, dtype: "float32" | "float64" = "float64"): Matrix {
  const r = new Random(seed), m = Matrix.zeros(rows, cols, dtype);
  for (let i = 0; i < m.data.length; i++) m.data[i] = r.uniform(0.5, 2);
  return m;
}

/** Dropout whose mask is drawn afresh from its seed at every forward: the same mask each time, so differentiable. */
class FixedMask extends Layer {
  readonly name = "Dropout (fixed mask)";
  constructor(readonly d: Dropout) { super(); }
  forward(x: Matrix, training?: boolean): Matrix { this.d.reset(); return this.d.forward(x, training); }
  backward(g: Matrix): Matrix { return this.d.backward(g); }
  config(): LayerConfig { return this.d.config(); }
}

describe("Dropout", () => {
  it("evaluation mode is the identity, forward and backward", () => {
    const d = new Dropout(0.5, { seed: 1 });
    const x = filled(4, 5, 1);
    expect(Array.from(d.forward(x, false).data)).toEqual(Array.from(x.data));
    const g = filled(4, 5, 2);
    expect(Array.from(d.backward(g).data)).toEqual(Array.from(g.data));
  });

  it("training keeps about 1 − p of the units, each scaled by exactly 1/(1 − p), the rest 0", () => {
    const p = 0.3, d = new Dropout(p, { seed: 5 });
    const x = filled(200, 500, 3);
    const y = d.forward(x, true);
    let kept = 0, worst = 0;
    for (let k = 0; k < y.data.length; k++) {
      if (y.data[k] === 0) continue;
      kept++;
      worst = Math.max(worst, Math.abs(y.data[k] - x.data[k] / (1 - p)));
    }
    expect(worst).toBeLessThan(1e-12);
    // 100,000 Bernoulli(0.7) draws: the fraction's standard deviation is 0.0014, so ±0.01 is 7 of them
    expect(Math.abs(kept / y.data.length - (1 - p))).toBeLessThan(0.01);
  });

  it("the expected output equals the input: averaged over many masks, X ⊙ M comes back to X", () => {
    const d = new Dropout(0.5, { seed: 9 });
    const x = Matrix.fromRows([[1, 2, 3]], "float64");
    const sum = [0, 0, 0], n = 20000;
    for (let t = 0; t < n; t++) d.forward(x, true).data.forEach((v, j) => (sum[j] += v / n));
    sum.forEach((s, j) => expect(Math.abs(s - x.data[j]) / x.data[j]).toBeLessThan(0.03));
  });

  it("the same seed draws the same masks, batch after batch; another seed draws others", () => {
    const masks = (seed: number) => {
      const d = new Dropout(0.5, { seed }), x = filled(8, 8, 1);
      return [Array.from(d.forward(x, true).data), Array.from(d.forward(x, true).data)];
    };
    const [a1, a2] = masks(4), [b1, b2] = masks(4), [c1] = masks(5);
    expect(a1).toEqual(b1);
    expect(a2).toEqual(b2);
    expect(a2).not.toEqual(a1); // a new mask for each batch
    expect(c1).not.toEqual(a1);
  });

  it("backward is dX = dY ⊙ M: it matches finite differences with the mask held fixed", () => {
    const r = gradcheckLayer(new FixedMask(new Dropout(0.4, { seed: 2 })), filled(6, 7, 4));
    expect(r.checked).toBe(42);
    expect(r.maxRelError).toBeLessThan(1e-9);
  });

  it("p = 0 is the identity in training too; p outside [0, 1) is refused", () => {
    const x = filled(3, 3, 7);
    expect(Array.from(new Dropout(0).forward(x, true).data)).toEqual(Array.from(x.data));
    expect(() => new Dropout(1)).toThrow(/p \(the drop probability\) must be a number in \[0, 1\), got 1/);
    expect(() => new Dropout(-0.1)).toThrow(/\[0, 1\)/);
    expect(() => layerFromConfig({ type: "dropout", p: 2 })).toThrow(/"dropout" layer needs p as a number in \[0, 1\), found 2/);
  });

  it("is rebuilt from its config with its p and seed, and then draws the same masks", () => {
    const d = new Dropout(0.25, { seed: 11 });
    const copy = layerFromConfig(d.config()) as Dropout;
    expect(copy.config()).toEqual({ type: "dropout", p: 0.25, seed: 11 });
    const x = filled(5, 5, 3, "float32");
    expect(Array.from(copy.forward(x, true).data)).toEqual(Array.from(d.forward(x, true).data));
  });
});
