// RNN and LSTM against an independent automatic differentiation: PyTorch's torch.nn.RNN and torch.nn.LSTM in
// float64 (test/reference/torch_recurrent.py), on random inputs and weights: forward (h_T) and backward (dX, dWx,
// dWh, db) agree to 1e-9. PyTorch is required, not optional: without it this test FAILS, saying how to install it
// (Debian: apt-get install python3-torch, for /usr/bin/python3; TORCH_PYTHON=/path/to/python chooses another).
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { RNN } from "../lib/nn/rnn";
import { LSTM } from "../lib/nn/lstm";
import "../lib/engine/backend"; // the backend the library picks on import (WebAssembly where it loads)

const PYTHON = process.env.TORCH_PYTHON ?? "/usr/bin/python3";
const SCRIPT = join(__dirname, "reference", "torch_recurrent.py");

interface TorchResult { torch: string; out: number[]; dX: number[]; dWx: number[]; dWh: number[]; db: number[] }

/** PyTorch's answers to a list of queries, in one run of Python (its start takes seconds). */
function torchReference(queries: Record<string, unknown>[]): TorchResult[] {
  const r = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(queries), encoding: "utf8", timeout: 120_000, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`cannot run ${PYTHON}: ${r.error.message} (set TORCH_PYTHON to a Python with PyTorch)`);
  if (r.status !== 0) {
    const missing = /No module named 'torch'/.test(r.stderr);
    throw new Error(missing
      ? `PyTorch is missing from ${PYTHON}: this test needs it as its reference (Debian: apt-get install --no-install-recommends python3-torch)`
      : `${SCRIPT} failed (exit ${r.status}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  }
  return JSON.parse(r.stdout);
}

function random(rows: number, cols: number, rng: Random, std: number): Matrix {
  const m = Matrix.zeros(rows, cols, "float64");
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal(0, std);
  return m;
}

/** The largest |a − b| / max(1, |b|) over two arrays of the same length. */
function worst(a: ArrayLike<number>, b: number[], what: string): number {
  expect(a.length, `${what}: length`).toBe(b.length);
  let w = 0;
  for (let i = 0; i < b.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return w;
}

const CASES: [number, number, number, number, number][] = [
  // inputs, hidden, steps, batch, seed
  [3, 5, 6, 4, 1],
  [28, 16, 28, 3, 2], // a digit read by rows
  [1, 1, 1, 1, 3],
  [7, 9, 12, 5, 4],
];

describe("RNN and LSTM agree with PyTorch's autograd (float64, random inputs)", () => {
  for (const kind of ["rnn", "lstm"] as const) {
    it(`${kind.toUpperCase()}: h_T, dX, dWx, dWh and db to 1e-9`, () => {
      const runs = CASES.map(([I, H, T, B, seed]) => {
        const rng = new Random(100 + seed);
        const layer = kind === "rnn" ? new RNN({ inputs: I, hidden: H, steps: T, dtype: "float64", seed })
          : new LSTM({ inputs: I, hidden: H, steps: T, dtype: "float64", seed });
        const G = kind === "rnn" ? 1 : 4;
        layer.Wx.data.set(random(I, G * H, rng, 0.6).data); // weights large enough that the gates saturate somewhat
        layer.Wh.data.set(random(H, G * H, rng, 0.6).data);
        layer.b.data.set(random(1, G * H, rng, 0.5).data);
        const x = random(B, T * I, rng, 1), dOut = random(B, H, rng, 1);
        const out = layer.forward(x).clone();
        const dX = layer.backward(dOut).clone();
        const query = {
          kind, inputs: I, hidden: H, steps: T, batch: B,
          x: Array.from(x.data), Wx: Array.from(layer.Wx.data), Wh: Array.from(layer.Wh.data), b: Array.from(layer.b.data), dOut: Array.from(dOut.data),
        };
        return { layer, B, out, dX, query };
      });
      const refs = torchReference(runs.map((r) => r.query));
      runs.forEach(({ layer, B, out, dX }, k) => {
        const ref = refs[k];
        const where = `${layer.describe()}, batch ${B} (torch ${ref.torch})`;
        for (const [name, ours, theirs] of [["h_T", out.data, ref.out], ["dX", dX.data, ref.dX], ["dWx", layer.dWx.data, ref.dWx],
          ["dWh", layer.dWh.data, ref.dWh], ["db", layer.db.data, ref.db]] as const) {
          expect(worst(ours, theirs as number[], `${where} ${name}`), `${where} ${name}`).toBeLessThan(1e-9);
        }
        // the comparison can fail: a gradient that is not the one PyTorch computes is caught
        expect(worst(layer.dWh.data.map((v, i) => (i === 0 ? v * 1.000001 + 1e-6 : v)), ref.dWh, "perturbed")).toBeGreaterThan(1e-9);
      });
    }, 120_000);
  }
});
