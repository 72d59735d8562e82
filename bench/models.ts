// Every model of the course, ours against PyTorch on the same CPU (npm run bench -- models).
//
// For each model (bench/models/<name>.ts, listed in MODELS below): one epoch of the real MNIST training set
// (60,000 images) in mini-batches, ours on the WebAssembly kernels with 1 thread and with 2 (all cores), and the
// same network in PyTorch (bench/models/reference_<name>.py) with 1 and 2 threads, at its best
// (bench/models/torch.ts: OpenBLAS for its products, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset). The runs are interleaved — ours 1,
// PyTorch 1, ours 2, PyTorch 2, then again for each repetition (--reps, default 2) — so that a busy moment of a
// shared machine falls on both; each row gives its fastest epoch and the 1-minute load average when it ran.
// The ratio compares the fastest of ours with the fastest of PyTorch's (below 1: ours is faster).
// Every run starts from the same weights and visits the examples in the same order (ours, written to files the
// reference reads), so the mean losses must agree up to float32 rounding: a check that all compute the same thing.
//
// Run: npm run bench -- models [--reps N]
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { cpus, loadavg, tmpdir } from "os";
import { join } from "path";
import { Random, softmaxCrossEntropy, batches, loadMnist, setBackend, getBackend, backendInfo, type Dataset } from "../lib/index";
import { mnistFiles } from "../lib/data/mnist";
import { startThreads } from "../lib/engine/backend";
import { benchOptions } from "./options";
import type { ModelEntry } from "./models/entry";
import { mlpEntry } from "./models/mlp";
import { findTorch, referenceEnv, describeReference } from "./models/torch";
import { cnnEntry } from "./models/cnn";

/** The models, in the course's order; the recurrent and attention models join here. */
export const MODELS: ModelEntry[] = [mlpEntry, cnnEntry];

const SEED = 1; // the order of the examples: batches(data, batch, { rng: new Random(SEED) })

interface Run {
  seconds: number;
  loss: number;
  load: number; // 1-minute load average just before the run
}

/** One epoch of ours: forward, loss, backward, update, exactly as train() does it. */
function oursEpoch(model: ModelEntry, data: Dataset, maxBatches = Infinity): Run {
  const net = model.network();
  const optimizer = model.optimizer();
  const params = net.params();
  let steps = 0, rows = 0, lossSum = 0;
  const load = loadavg()[0];
  const t0 = performance.now();
  for (const { x, y } of batches(data, model.batch, { rng: new Random(SEED) })) {
    const out = net.forward(x, true); //                  Ŷ = net(X)
    const { loss, grad } = softmaxCrossEntropy(out, y); // L, dŶ
    net.backward(grad); //                                 every layer's gradients
    optimizer.step(params); //                             the update
    lossSum += loss * x.rows;
    rows += x.rows;
    if (++steps === maxBatches) break;
  }
  return { seconds: (performance.now() - t0) / 1000, loss: lossSum / rows, load };
}

function ours(model: ModelEntry, data: Dataset, threads: number): Run {
  setBackend("wasm", { threads });
  startThreads();
  oursEpoch(model, data, 20); // warm-up: JIT, threads, the layers' buffers
  return oursEpoch(model, data);
}

function torchEpoch(python: string, model: ModelEntry, dir: string, threads: number): Run | string {
  const files = mnistFiles("train");
  const args = [join(process.cwd(), "bench", "models", model.reference), files.images, files.labels, dir,
    String(threads), String(model.batch), ...model.referenceArgs];
  const load = loadavg()[0];
  const r = spawnSync(python, args, { encoding: "utf8", timeout: 1_800_000, env: referenceEnv(threads) });
  if (r.status !== 0) return `failed: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`;
  const j = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  return { seconds: j.epoch_seconds, loss: j.epoch_loss, load };
}

/** Our starting weights and order of examples, where the reference reads them. */
function shareStart(model: ModelEntry, dir: string, n: number): void {
  model.network().params().forEach((p, i) => {
    const a = Float32Array.from(p.value.data);
    writeFileSync(join(dir, `${model.paramFiles[i]}.bin`), new Uint8Array(a.buffer));
  });
  const order = new Random(SEED).permutation(n); // the order batches() uses with a Random(SEED)
  writeFileSync(join(dir, "order.bin"), new Uint8Array(order.buffer, order.byteOffset, order.byteLength));
}

function fastest(runs: Run[]): Run | null {
  return runs.length === 0 ? null : runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

export async function run(): Promise<void> {
  const options = benchOptions();
  const reps = options.repsGiven ? options.reps : 2;
  const before = getBackend();
  const data = loadMnist("train");
  void data.images; // the images as float32 in memory, as the reference holds them (loadMnist keeps bytes until they are read)
  const n = data.labels.length;
  const threadCounts = cpus().length > 1 ? [1, 2] : [1];
  const missing: string[] = [];
  const torch = findTorch<{ torch: string; threads: number }>(join(process.cwd(), "bench", "models", "reference_mlp.py"), missing);
  console.log(`${n.toLocaleString("en")} training images, one epoch per run, float32; ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ` +
    `Node ${process.version}; ${reps} interleaved repetition(s), the fastest shown; load = 1-minute load average before the run`);
  console.log(torch === null
    ? `${missing.join("; ")}: ours only`
    : `PyTorch ${torch.torch} from ${torch.python}: ${describeReference()}`);
  if (!backendInfo().wasmAvailable) {
    console.log(`WebAssembly unavailable (${backendInfo().reason}): nothing to compare`);
    return;
  }
  for (const model of MODELS) {
    console.log(`\n${model.name}: ${model.describe}`);
    const dir = mkdtempSync(join(tmpdir(), `mnist-bench-${model.name.toLowerCase()}-`));
    const rows = new Map<string, Run[]>();
    const notes: string[] = [];
    const add = (name: string, r: Run | string) => {
      if (typeof r === "string") notes.push(`${name}: ${r}`);
      else rows.set(name, [...(rows.get(name) ?? []), r]);
    };
    try {
      if (torch !== null) shareStart(model, dir, n);
      for (let rep = 0; rep < reps; rep++) {
        for (const t of threadCounts) {
          add(`ours, ${t} thread${t === 1 ? "" : "s"}`, ours(model, data, t));
          if (torch !== null) add(`PyTorch, ${t} thread${t === 1 ? "" : "s"}`, torchEpoch(torch.python, model, dir, t));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      setBackend(before);
    }
    const w = Math.max(...[...rows.keys()].map((k) => k.length)) + 2;
    console.log(`${"".padEnd(w)}${"epoch".padStart(9)}${"loss".padStart(9)}${"load".padStart(7)}   all runs`);
    for (const [name, runs] of rows) {
      const best = fastest(runs) as Run;
      console.log(`${name.padEnd(w)}${`${best.seconds.toFixed(2)} s`.padStart(9)}${best.loss.toFixed(4).padStart(9)}${best.load.toFixed(1).padStart(7)}   ` +
        runs.map((r) => `${r.seconds.toFixed(2)} s (load ${r.load.toFixed(1)})`).join(", "));
    }
    const a = fastest([...rows].filter(([k]) => k.startsWith("ours")).flatMap(([, r]) => r));
    const b = fastest([...rows].filter(([k]) => k.startsWith("PyTorch")).flatMap(([, r]) => r));
    if (a !== null && b !== null) {
      console.log(`${model.name}: our fastest epoch ÷ PyTorch's fastest = ${(a.seconds / b.seconds).toFixed(2)}   (below 1: ours is faster); ` +
        `mean losses ${a.loss.toFixed(4)} and ${b.loss.toFixed(4)}`);
    }
    for (const note of notes) console.log(`note: ${note}`);
  }
}
