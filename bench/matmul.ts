// Matrix products at the shapes the 784 → 256 → 10 network uses, in GFLOP/s (2·m·k·n / seconds).
// A product of m×k by k×n does m·n·k multiply-adds, i.e. 2·m·k·n floating-point operations.
// Each figure is the median of several timed runs after a warm-up, float32, one thread.
// Run: npm run bench -- matmul            (add --simple to also time the simple loops of lib/engine/gemm.ts)
import { Matrix } from "../lib/core/matrix";
import { matmul, matmulTransA, matmulTransB } from "../lib/core/ops";
import type { Kernels } from "../lib/engine/kernels";
import { activeKernels, useKernels } from "../lib/engine/active";
import { jsKernels, simpleKernels } from "../lib/engine/kernels-js";
import * as os from "os";
import { Random } from "../lib/core/random";
import { loadMnist } from "../lib/data/mnist";
import { backendInfo, wasmBackendKernels } from "../lib/engine/backend";
import { benchOptions } from "./options";

interface Case {
  op: "matmul" | "matmulTransA" | "matmulTransB";
  what: string; // where the network uses it
  a: Matrix;
  b: Matrix;
  out: Matrix;
  flops: number;
}

const RUNS = 9; // timed runs; the median is reported
const RUN_MS = 40; // each run repeats the product for about this long
const WARMUP_MS = 150;

function randomMatrix(rows: number, cols: number, rng: Random, zeros = 0): Matrix {
  const m = Matrix.zeros(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.next() < zeros ? 0 : rng.normal(0, 0.1);
  return m;
}

/** The first n training images (zero-block skipping makes real digits faster than random numbers). */
function mnistImages(n: number): Matrix | null {
  try {
    return loadMnist("train", { limit: n }).images;
  } catch {
    return null; // without the data files, random numbers with 80% zeros stand in
  }
}

function cases(): Case[] {
  const rng = new Random(1);
  const B = 64, E = 1000; // training batch, evaluation chunk
  const X = randomMatrix(B, 784, rng), W1 = randomMatrix(784, 256, rng), A1 = randomMatrix(B, 256, rng);
  const W2 = randomMatrix(256, 10, rng), dZ1 = randomMatrix(B, 256, rng), dZ2 = randomMatrix(B, 10, rng);
  const Xmnist = mnistImages(B) ?? randomMatrix(B, 784, rng, 0.8); // real digits: about 80% of pixels are 0
  const Xeval = randomMatrix(E, 784, rng), A1eval = randomMatrix(E, 256, rng);
  const c = (op: Case["op"], what: string, a: Matrix, b: Matrix, m: number, k: number, n: number): Case => ({
    op, what, a, b, out: Matrix.zeros(m, n), flops: 2 * m * k * n,
  });
  return [
    c("matmul", "Z1 = X·W1", X, W1, B, 784, 256),
    c("matmul", "Z1 = X·W1, X = MNIST", Xmnist, W1, B, 784, 256),
    c("matmul", "Z2 = A1·W2", A1, W2, B, 256, 10),
    c("matmulTransA", "dW1 = Xᵀ·dZ1", X, dZ1, 784, B, 256),
    c("matmulTransA", "dW1 = Xᵀ·dZ1, X = MNIST", Xmnist, dZ1, 784, B, 256),
    c("matmulTransA", "dW2 = A1ᵀ·dZ2", A1, dZ2, 256, B, 10),
    c("matmulTransB", "dA1 = dZ2·W2ᵀ", dZ2, W2, B, 10, 256),
    c("matmul", "eval: Z1 of 1000 rows", Xeval, W1, E, 784, 256),
    c("matmul", "eval: Z2 of 1000 rows", A1eval, W2, E, 256, 10),
  ];
}

const ops = { matmul, matmulTransA, matmulTransB };

/** Milliseconds per product: the median over RUNS runs of RUN_MS each. */
function timeCase(k: Case): number {
  const f = () => ops[k.op](k.a, k.b, k.out);
  const warmEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmEnd) f();
  const perCall: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < RUN_MS) {
      f();
      calls++;
      t = performance.now();
    }
    perCall.push((t - t0) / calls);
  }
  perCall.sort((x, y) => x - y);
  return perCall[Math.floor(RUNS / 2)];
}

function shapeOf(k: Case): string {
  const a = k.op === "matmulTransA" ? `(${k.a.shape})ᵀ` : k.a.shape;
  const b = k.op === "matmulTransB" ? `(${k.b.shape})ᵀ` : k.b.shape;
  return `${a} · ${b}`;
}

export function run(): void {
  const active = activeKernels();
  // the active kernels (and, when they fuse multiply-adds, the unfused build), then the JS loops they are tested
  // against, then the simple loops for reference
  const fma = backendInfo().fma;
  const unfused = fma ? wasmBackendKernels({ threads: 1, fma: false }) : null;
  const kernelSets: Kernels[] = active === jsKernels ? [jsKernels] : [active, ...(unfused === null ? [] : [unfused]), jsKernels];
  const label = (k: Kernels) => (k === active && fma ? `${k.name}, fused` : k === unfused ? `${k.name}, unfused` : k.name);
  if (benchOptions().simple) kernelSets.push(simpleKernels as Kernels);
  console.log(`float32, one thread; median of ${RUNS} runs of ~${RUN_MS} ms after ${WARMUP_MS} ms warm-up. GFLOP/s = 2·m·k·n / time.`);
  const load = os.loadavg()[0];
  console.log(
    `machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} CPUs, load average ${load.toFixed(1)}` +
      (load > 1 ? " (other processes compete for the CPU: figures are lower than on an idle machine)" : ""),
  );
  const header = ["kernel", "op", "shape", "in the network", "ms", "GFLOP/s"];
  const rows: string[][] = [];
  try {
    for (const kernels of kernelSets) {
      useKernels(kernels);
      for (const k of cases()) {
        const ms = timeCase(k);
        rows.push([label(kernels), k.op, shapeOf(k), k.what, ms.toFixed(3), (k.flops / (ms * 1e6)).toFixed(2)]);
      }
    }
  } finally {
    useKernels(active);
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c >= 4 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}
