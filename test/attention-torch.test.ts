// Chapter 15's layers against an independent automatic differentiation: PyTorch (Debian's python3-torch, float64,
// its own nn.LayerNorm, nn.MultiheadAttention and cross-entropy) through test/reference/torch_attention.py.
// Forward outputs and every gradient (input and parameters) must agree to 1e-9, on random inputs and weights.
// Without torch this test FAILS, saying how to install it: the check is part of what the chapter promises.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import type { Layer } from "../lib/nn/layers";
import { LayerNorm } from "../lib/nn/layernorm";
import { MultiHeadAttention } from "../lib/nn/attention";
import { mnistVit } from "../lib/nn/vit";
import { softmaxCrossEntropy } from "../lib/nn/losses";

const PYTHON = process.env.TORCH_PYTHON ?? "/usr/bin/python3";
const SCRIPT = path.join(__dirname, "reference", "torch_attention.py");
const rng = new Random(2025);

function randn(rows: number, cols: number, std = 1): Matrix {
  const m = Matrix.zeros(rows, cols, "float64");
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal(0, std);
  return m;
}
const wire = (m: Matrix) => [Array.from(m.data), m.rows, m.cols];

interface TorchAnswer { torch: string; y: number[]; grads: Record<string, number[]> }

function torch(c: Record<string, unknown>): TorchAnswer {
  const r = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(c), encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.error || r.status !== 0) {
    throw new Error(
      `the PyTorch reference did not run (${PYTHON} ${SCRIPT}): ${r.error?.message ?? (r.stderr.trim().split("\n").slice(-1)[0] || `exit status ${r.status}`)}. ` +
        "Install it with: apt-get install --no-install-recommends python3-torch (or set TORCH_PYTHON to a Python that has torch)",
    );
  }
  return JSON.parse(r.stdout) as TorchAnswer;
}

/** max |a − b| / max(1, |b|) over the entries: relative for large values, absolute for small ones. */
function worst(ours: ArrayLike<number>, theirs: number[]): number {
  expect(ours.length).toBe(theirs.length);
  let e = 0;
  for (let i = 0; i < theirs.length; i++) e = Math.max(e, Math.abs(ours[i] - theirs[i]) / Math.max(1, Math.abs(theirs[i])));
  return e;
}

/** Forward x, backward dY through `layer`, and compare y, dX and every parameter gradient with torch's. */
function compareLayer(layer: Layer, x: Matrix, c: Record<string, unknown>): void {
  const y = layer.forward(x, true).clone();
  const dY = randn(y.rows, y.cols);
  const dX = layer.backward(dY).clone();
  const params = Object.fromEntries(layer.params().map((p) => [p.name, wire(p.value)]));
  const ref = torch({ ...c, x: wire(x), dY: wire(dY), params });
  expect(worst(y.data, ref.y), "y").toBeLessThan(1e-9);
  expect(worst(dX.data, ref.grads.x), "dX").toBeLessThan(1e-9);
  for (const p of layer.params()) expect(worst(p.grad.data, ref.grads[p.name]), `d${p.name}`).toBeLessThan(1e-9);
}

describe("agreement with PyTorch's autograd (float64, 1e-9)", () => {
  it("LayerNorm: y, dX, dγ, dβ on random tokens with random γ, β", () => {
    for (const [features, tokens, eps] of [[8, 3, 1e-5], [5, 1, 1e-3]] as const) {
      const ln = new LayerNorm({ features, eps, dtype: "float64" });
      ln.gamma.data.set(randn(1, features).data);
      ln.beta.data.set(randn(1, features).data);
      compareLayer(ln, randn(4, tokens * features, 3), { kind: "layernorm", features, eps });
    }
  });

  it("MultiHeadAttention: y, dX and the gradients of Wq, Wk, Wv, Wo, bq, bk, bv, bo (1, 2 and 4 heads)", () => {
    for (const [tokens, dim, heads] of [[5, 8, 1], [4, 8, 2], [16, 12, 4]] as const) {
      const mha = new MultiHeadAttention({ tokens, dim, heads, dtype: "float64", seed: heads });
      for (const p of mha.params()) if (p.role === "bias") p.value.data.set(randn(1, dim, 0.5).data);
      compareLayer(mha, randn(3, tokens * dim), { kind: "attention", tokens, dim, heads });
    }
  });

  it("a whole transformer (patches, embedding, positions, 2 residual blocks, LayerNorm, mean, Dense): logits and every parameter's gradient", () => {
    const config = { patch: 7, dim: 8, heads: 2, blocks: 2, hidden: 12 };
    const net = mnistVit({ ...config, dtype: "float64", seed: 7 });
    for (const p of net.params()) if (p.role !== "weight") for (let i = 0; i < p.value.data.length; i++) p.value.data[i] += rng.normal(0, 0.3);
    const x = Matrix.zeros(4, 784, "float64");
    for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform();
    const labels = [3, 1, 4, 1];
    const y = net.forward(x, true).clone();
    const targets = Matrix.zeros(4, 10, "float64");
    labels.forEach((l, i) => targets.set(i, l, 1));
    net.backward(softmaxCrossEntropy(y, targets).grad);
    const params = Object.fromEntries(net.params().map((p) => [p.name, wire(p.value)]));
    const ref = torch({ kind: "vit", config, x: wire(x), labels, params });
    expect(worst(y.data, ref.y), "logits").toBeLessThan(1e-9);
    expect(Object.keys(ref.grads).filter((k) => k !== "x").sort()).toEqual(net.params().map((p) => p.name).sort());
    for (const p of net.params()) expect(worst(p.grad.data, ref.grads[p.name]), `d${p.name}`).toBeLessThan(1e-9);
  });
});
