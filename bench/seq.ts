// Chapter 14's LSTM and chapter 15's vision transformer, training side by side with the same models in PyTorch on
// the CPU (bench/reference_seq.py), each on 1 and 2 threads, interleaved: ours 1 thread, PyTorch 1 thread, ours
// 2 threads, PyTorch 2 threads, model after model, for --reps rounds (default 3).
//
//   lstm  LSTM 28 → 128 over the 28 rows, dense 128 → 10; Adam α = 0.002, gradients clipped to norm 1; batches of 64
//   vit   16 patches 7×7, dim 64, 4 heads, 3 blocks, MLP 128; AdamW α = 0.002, λ = 0.05; batches of 128
// (the presets' networks and optimizers, with a constant learning rate: the schedules do not change the work.)
// Each run times a fixed number of batches from the start of the epoch (after a few warm-up batches on a throwaway
// copy) and EXTRAPOLATES the epoch from them: epoch = time × (batches per epoch)/(batches timed). It reports wall
// time and the process's CPU time (user + system, all its threads), and the load average before it started: the
// machine may be shared. Every run starts from our initial weights and takes the examples in the same order (PyTorch
// reads both from files), so the mean losses over the timed batches must agree to a few digits.
// PyTorch runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (for its process only), and on OpenBLAS where it can
// find it (bench/models/torch.ts): Debian's python3-torch otherwise multiplies with the reference BLAS.
//
// Run: npm run bench -- seq
import { spawnSync } from "child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { cpus, loadavg, tmpdir } from "os";
import { join } from "path";
import {
  Random, mnistRecurrent, mnistVit, softmaxCrossEntropy, adam, adamw, withGradientClipping, batches, loadMnist, setBackend,
  getBackend, backendInfo, type Dataset, type Sequential, type Optimizer,
} from "../lib/index";
import { mnistFiles } from "../lib/data/mnist";
import { startThreads } from "../lib/engine/backend";
import { benchOptions, loadAverages } from "./options";
import { findTorch, referenceEnv } from "./models/torch";

const SEED = 1;
const WARMUP = 5;

interface Model {
  name: "lstm" | "vit";
  title: string;
  batch: number;
  batches: number; // timed per run
  net: () => Sequential;
  optimizer: () => Optimizer;
  config: Record<string, number>; // what reference_seq.py needs besides the weights
}

const MODELS: Model[] = [
  {
    name: "lstm", title: "LSTM 28 → 128, dense → 10; Adam α = 0.002, clip 1; batches of 64", batch: 64, batches: 100,
    net: () => mnistRecurrent({ cell: "lstm", hidden: 128, seed: SEED }),
    optimizer: () => withGradientClipping(adam({ lr: 0.002 }), 1),
    config: { hidden: 128, lr: 0.002, clipNorm: 1 },
  },
  {
    name: "vit", title: "ViT 16 patches 7×7, dim 64, 4 heads, 3 blocks, MLP 128; AdamW α = 0.002, λ = 0.05; batches of 128", batch: 128, batches: 40,
    net: () => mnistVit({ dim: 64, heads: 4, blocks: 3, hidden: 128, seed: SEED }),
    optimizer: () => adamw({ lr: 0.002, weightDecay: 0.05 }),
    config: { dim: 64, heads: 4, blocks: 3, lr: 0.002, weightDecay: 0.05 },
  },
];

interface Run {
  model: string;
  who: "ours" | "PyTorch";
  threads: number;
  wall: number; // seconds per epoch, extrapolated
  cpu: number; //  CPU seconds per epoch (user + system), extrapolated
  loss: number; // mean over the timed batches
  load: number; // 1-minute load average before the run
}

function trainBatches(model: Model, data: Dataset, count: number): { wall: number; cpu: number; loss: number } {
  const net = model.net(), optimizer = model.optimizer(), params = net.params();
  let steps = 0, rows = 0, lossSum = 0;
  const t0 = performance.now(), c0 = process.cpuUsage();
  for (const { x, y } of batches(data, model.batch, { rng: new Random(SEED) })) {
    const { loss, grad } = softmaxCrossEntropy(net.forward(x, true), y);
    net.backward(grad);
    optimizer.step(params);
    lossSum += loss * x.rows;
    rows += x.rows;
    if (++steps === count) break;
  }
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, loss: lossSum / rows };
}

function ours(model: Model, data: Dataset, threads: number): Run {
  setBackend("wasm", { threads });
  startThreads();
  const load = loadavg()[0];
  trainBatches(model, data, WARMUP);
  const r = trainBatches(model, data, model.batches), scale = Math.ceil(data.labels.length / model.batch) / model.batches;
  return { model: model.name, who: "ours", threads, wall: r.wall * scale, cpu: r.cpu * scale, loss: r.loss, load };
}

const SCRIPT = join(process.cwd(), "bench", "reference_seq.py");

/** Our initial weights (one .bin per parameter, float32) and the order of the examples, where reference_seq.py reads them. */
function shareStart(model: Model, dir: string, n: number): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const p of model.net().params()) {
    const a = p.value.data as Float32Array;
    writeFileSync(join(dir, `${p.name}.bin`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    shapes[p.name] = [p.value.rows, p.value.cols];
  }
  const order = new Random(SEED).permutation(n); // the order batches() uses with a Random(SEED)
  writeFileSync(join(dir, "order.bin"), new Uint8Array(order.buffer, order.byteOffset, order.byteLength));
  return shapes;
}

function torch(py: { python: string }, model: Model, dir: string, shapes: Record<string, number[]>, n: number, threads: number, notes: string[]): Run | null {
  const files = mnistFiles("train");
  const config = JSON.stringify({ ...model.config, batch: model.batch, batches: model.batches, warmup: WARMUP, shapes });
  const load = loadavg()[0];
  const r = spawnSync(py.python, [SCRIPT, model.name, files.images, files.labels, dir, config, String(threads)],
    { encoding: "utf8", timeout: 1_200_000, env: referenceEnv(threads) });
  if (r.status !== 0) {
    notes.push(`PyTorch ${model.name}, ${threads} thread(s): failed: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`);
    return null;
  }
  const j = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  const scale = Math.ceil(n / model.batch) / model.batches;
  return { model: model.name, who: "PyTorch", threads: j.threads, wall: j.seconds * scale, cpu: j.cpu * scale, loss: j.loss, load };
}

function line(r: Run): string {
  const who = `${r.who}, ${r.threads} thread${r.threads === 1 ? "" : "s"}`;
  return `  ${r.model.padEnd(5)} ${who.padEnd(20)} epoch ${r.wall.toFixed(1).padStart(6)} s wall, ${r.cpu.toFixed(1).padStart(6)} s CPU   ` +
    `mean loss ${r.loss.toFixed(5)}   load ${r.load.toFixed(2)}`;
}

export async function run(): Promise<void> {
  const notes: string[] = [];
  const before = getBackend();
  if (!backendInfo().wasmAvailable) {
    console.log(`seq: WebAssembly unavailable (${backendInfo().reason}); nothing to compare`);
    return;
  }
  const data = loadMnist("train"), n = data.labels.length, reps = benchOptions().reps;
  void data.images; // the images as float32 in memory, as the reference holds them (loadMnist keeps bytes until they are read)
  console.log(`${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}; float32, ${n.toLocaleString("en")} images; ` +
    `load average ${loadAverages()}`);
  for (const m of MODELS) {
    console.log(`${m.name}: ${m.title}; ${m.batches} batches timed after ${WARMUP} warm-up, the epoch (${Math.ceil(n / m.batch)} batches) extrapolated`);
  }
  const py = findTorch<{ torch: string; blas: string }>(SCRIPT, notes);
  if (py !== null) console.log(`PyTorch ${py.torch} (${py.python}), OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for it; its BLAS: ${py.blas}`);
  if (py !== null && !/openblas|mkl|blis/i.test(py.blas)) notes.push("PyTorch runs on a reference BLAS here, far from its best: see bench/models/torch.ts");
  const dir = mkdtempSync(join(tmpdir(), "mnist-bench-seq-"));
  const runs: Run[] = [];
  try {
    const starts = new Map<string, { dir: string; shapes: Record<string, number[]> }>();
    for (const m of MODELS) {
      const sub = join(dir, m.name);
      mkdirSync(sub);
      starts.set(m.name, { dir: sub, shapes: shareStart(m, sub, n) });
    }
    for (let round = 1; round <= reps; round++) {
      console.log(`round ${round} of ${reps}:`);
      for (const m of MODELS) {
        for (const threads of [1, 2]) {
          const r = ours(m, data, threads);
          runs.push(r);
          console.log(line(r));
          if (py === null) continue;
          const s = starts.get(m.name)!;
          const t = torch(py, m, s.dir, s.shapes, n, threads, notes);
          if (t !== null) {
            runs.push(t);
            console.log(line(t));
          }
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    setBackend(before);
  }
  console.log("each side at its best (any thread count): the fastest epoch (wall) and the least CPU time, and ours/PyTorch:");
  for (const m of MODELS) {
    const mine = (who: Run["who"]) => runs.filter((r) => r.model === m.name && r.who === who);
    const best = (who: Run["who"], key: "wall" | "cpu") => mine(who).sort((a, b) => a[key] - b[key])[0];
    for (const key of ["wall", "cpu"] as const) {
      const o = best("ours", key), t = best("PyTorch", key);
      if (o === undefined) continue;
      const them = t === undefined ? "PyTorch not run" : `PyTorch ${t[key].toFixed(1)} s (${t.threads} thr): ours/PyTorch ${(o[key] / t[key]).toFixed(2)}`;
      console.log(`  ${m.name.padEnd(5)} ${key === "wall" ? "wall" : "CPU "}  ours ${o[key].toFixed(1)} s (${o.threads} thr), ${them}`);
    }
    const losses = mine("ours").concat(mine("PyTorch")).map((r) => `${r.who} ${r.loss.toFixed(5)}`);
    console.log(`  ${m.name.padEnd(5)} mean losses: ${[...new Set(losses)].join(", ")}`);
  }
  console.log(`load average at the end ${loadAverages()}`);
  for (const note of notes) console.log(`note: ${note}`);
}
