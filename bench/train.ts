// Training speed, side by side in one run: our plain TypeScript loops, our WebAssembly kernels (one thread
// and all threads), and the same network in plain NumPy (float64 and float32, bench/reference.py) at its best:
// the fastest NumPy found (lib/course/numpy.ts: one linked to OpenBLAS before the reference BLAS; NUMPY_PYTHON
// chooses), run without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, with the BLAS it calls and its threads printed.
// Each figure is the median of --reps repetitions (default 3), the runs interleaved (ours, NumPy, ours, …)
// so that a busy moment of a shared machine falls on all rows alike.
//
//   784 → 256 → ReLU → 10, softmax cross-entropy on the logits, plain gradient descent (α = 0.1), float32,
//   the real MNIST training set (60,000 images). Three workloads:
//     epoch       one epoch of mini-batches of 64 (938 updates), in a shuffled order
//     full step   one full-batch gradient-descent step on all 60,000 images (one untimed, then the median of 3)
//     SGD         5,000 single-example updates
// Every run starts from the same initial weights and uses the same order of examples (NumPy gets both
// through files), so the losses printed beside the times must agree: a check that all compute the same thing.
// Our runs use the library exactly as the course does: Sequential, Dense, ReLU, softmaxCrossEntropy, gd,
// and batches() for the shuffled mini-batches (gathering a batch is part of the work, in NumPy too).
//
// Run: npm run bench -- train
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { cpus, tmpdir } from "os";
import { findNumpy, describeNumpy, numpyEnv, type NumpyPython } from "../lib/course/numpy";
import { join } from "path";
import { benchOptions, loadAverages } from "./options";
import {
  Matrix,
  longLived,
  Random,
  Sequential,
  Dense,
  ReLU,
  softmaxCrossEntropy,
  gd,
  batches,
  loadMnist,
  oneHot,
  setBackend,
  getBackend,
  backendInfo,
  type Dataset,
  type BackendName,
  type BackendOptions,
} from "../lib/index";
import { mnistFiles } from "../lib/data/mnist";
import { startThreads } from "../lib/engine/backend";
import { Buffers } from "../lib/core/buffers";

const SEED = 1;
const BATCH = 64;
const LR = 0.1;
const SGD_STEPS = 5000;
// The JS loops are slow: they are timed on a part of each workload and scaled (the table says so).
const JS_EPOCH_BATCHES = 200; // of 938
const JS_FULL_ROWS = 10_000; //  of 60,000
const JS_SGD_STEPS = 1000; //    of 5,000

interface Result {
  name: string;
  epoch: number; // seconds
  epochLoss: number | null; // mean batch loss over the epoch (null when only part of it ran)
  full: number;
  fullLoss: number | null; // loss of the first full-batch step (before its update)
  sgd: number;
  scaled: boolean;
}

function network(): Sequential {
  return new Sequential([new Dense(784, 256, { seed: SEED }), new ReLU(), new Dense(256, 10, { seed: SEED + 1 })]);
}

/** Up to maxSteps updates over the given batches; seconds, and the mean loss per example. */
function runSteps(net: Sequential, source: Iterable<{ x: Matrix; y: Matrix }>, maxSteps: number): { seconds: number; loss: number; steps: number } {
  const optimizer = gd({ lr: LR });
  const params = net.params(), grads = new Buffers(); // dŶ's buffer, reused as train() does (lib/train/evaluate.ts's withGradBuffer)
  let steps = 0, rows = 0, lossSum = 0;
  const t0 = performance.now();
  for (const { x, y } of source) {
    const out = net.forward(x, true); //             Ŷ = net(X)
    const { loss, grad } = softmaxCrossEntropy(out, y, grads.get(out.rows, out.cols, out.dtype)); // L, dŶ = (P − Y)/m
    net.backward(grad); //                            dW, db of every layer
    optimizer.step(params); //                        W ← W − α·dW
    lossSum += loss * x.rows;
    rows += x.rows;
    if (++steps === maxSteps) break;
  }
  return { seconds: (performance.now() - t0) / 1000, loss: lossSum / rows, steps };
}

function measure(name: string, data: Dataset, fullY: Matrix, backend: BackendName, options: BackendOptions = {}): Result {
  setBackend(backend, options);
  startThreads();
  const scaled = backend === "js";
  const n = data.labels.length;
  const epochBatches = Math.ceil(n / BATCH);
  runSteps(network(), batches(data, BATCH, { rng: new Random(SEED + 99) }), scaled ? 5 : 40); // warm-up (JIT, threads)

  const epochSteps = scaled ? JS_EPOCH_BATCHES : epochBatches;
  const epoch = runSteps(network(), batches(data, BATCH, { rng: new Random(SEED) }), epochSteps);

  const fullRows = scaled ? JS_FULL_ROWS : n;
  // the targets kept where the kernels read them, as the images are (longLived: in WebAssembly memory under "wasm")
  const targets = longLived(fullRows, fullY.cols);
  targets.data.set(fullY.data.subarray(0, fullRows * fullY.cols));
  const fullBatch = [{ x: data.images.rowRange(0, fullRows), y: targets }];
  // one untimed full-batch step (it also makes the layers' 60,000-row buffers), then the median of 3, as for NumPy
  const net = network();
  const first = runSteps(net, fullBatch, 1);
  const times: number[] = [];
  for (let i = 0; i < (scaled ? 1 : 3); i++) times.push(runSteps(net, fullBatch, 1).seconds);
  const fullSeconds = median(times);

  const sgdSteps = scaled ? JS_SGD_STEPS : SGD_STEPS;
  const sgd = runSteps(network(), batches(data, 1, { rng: new Random(SEED) }), sgdSteps);
  return {
    name,
    epoch: epoch.seconds * (epochBatches / epoch.steps),
    epochLoss: scaled ? null : epoch.loss,
    full: fullSeconds * (n / fullRows),
    fullLoss: scaled ? null : first.loss,
    sgd: sgd.seconds * (SGD_STEPS / sgdSteps),
    scaled,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), h = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Runs bench/reference.py for one dtype, with the BLAS's default threads or one; null (and a note) when it fails. */
function numpy(py: NumpyPython, dtype: "float64" | "float32", oneThread: boolean, dir: string, notes: string[]): Result | null {
  const files = mnistFiles("train");
  const script = join(process.cwd(), "bench", "reference.py");
  const env = numpyEnv(oneThread ? { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" } : {});
  const r = spawnSync(py.python, [script, files.images, files.labels, dir, dtype, String(SGD_STEPS)], { encoding: "utf8", timeout: 600_000, env });
  if (r.status !== 0) {
    notes.push(`NumPy ${dtype}: skipped, reference.py failed: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`);
    return null;
  }
  const j = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  return {
    name: `NumPy ${dtype}, ${py.blas.split(" ")[0]}, ${oneThread ? "1 thread" : `${py.threads} threads`}`,
    epoch: j.epoch_seconds,
    epochLoss: j.epoch_loss,
    full: j.full_step_seconds,
    fullLoss: j.full_step_loss,
    sgd: j.sgd_seconds,
    scaled: false,
  };
}

/** Writes the initial weights and the epoch's order of examples where reference.py reads them. */
function shareStart(dir: string, n: number): void {
  const net = network();
  const [w1, b1, w2, b2] = net.params().map((p) => p.value.data as Float32Array);
  const files: [string, Float32Array | Int32Array][] = [["W1", w1], ["b1", b1], ["W2", w2], ["b2", b2]];
  // the order batches() uses: 0..n−1 shuffled (Fisher–Yates) by a Random(SEED)
  files.push(["order", new Random(SEED).permutation(n)]);
  for (const [name, a] of files) writeFileSync(join(dir, `${name}.bin`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

function fmt(seconds: number): string {
  return seconds >= 10 ? seconds.toFixed(1) : seconds.toFixed(2);
}

export async function run(): Promise<void> {
  const notes: string[] = [];
  const before = getBackend();
  let data: Dataset;
  try {
    data = loadMnist("train");
    void data.images; // the images as float32 in memory, as NumPy holds them (loadMnist keeps bytes until they are read)
  } catch (e) {
    notes.push(`MNIST not found (${(e as Error).message}); random data of the same shape instead`);
    const rng = new Random(SEED), n = 60_000;
    const images = Matrix.zeros(n, 784);
    for (let i = 0; i < images.data.length; i++) images.data[i] = rng.next() < 0.8 ? 0 : rng.next();
    const labels = new Uint8Array(n).map(() => rng.int(10));
    data = { images, labels };
  }
  const n = data.labels.length;
  const fullY = oneHot(data.labels, 10);
  // batches() must visit the examples in the order shared with NumPy
  const firstBatch = batches(data, BATCH, { rng: new Random(SEED) })[Symbol.iterator]().next().value as { labels: Uint8Array };
  const order = new Random(SEED).permutation(n);
  if (!firstBatch.labels.every((l, i) => l === data.labels[order[i]])) notes.push("batches() shuffles differently from Random.permutation: NumPy's losses are for another order");

  const threads = backendInfo().wasmAvailable ? Math.max(1, setBackend("wasm").threads) : 1;
  const fma = backendInfo().fma; // the default wasm kernels fuse multiply-adds where the engine has relaxed SIMD
  console.log(`784-256-10 ReLU, softmax cross-entropy, gradient descent α = ${LR}, float32, ${n.toLocaleString("en")} images; ` +
    `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}; load average ${loadAverages()}`);

  const reps = benchOptions().reps;
  const py = findNumpy().best;
  if (py === null) notes.push("NumPy: skipped, no Python with NumPy found (NUMPY_PYTHON=/path/to/python3 names one)");
  else console.log(`reference: ${describeNumpy(py)}; without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE`);
  const js = measure("ours, JS loops", data, fullY, "js"); // once: slow, and only for scale
  // the rows measured `reps` times, interleaved
  const configs: { name: string; run: () => Result | null }[] = [];
  if (backendInfo().wasmAvailable) {
    configs.push({ name: "ours, WebAssembly, 1 thread", run: () => measure("ours, WebAssembly, 1 thread", data, fullY, "wasm", { threads: 1 }) });
    if (threads > 1) configs.push({ name: `ours, WebAssembly, ${threads} threads`, run: () => measure(`ours, WebAssembly, ${threads} threads`, data, fullY, "wasm", { threads }) });
  } else {
    notes.push(`WebAssembly unavailable: ${backendInfo().reason}`);
  }
  const dir = mkdtempSync(join(tmpdir(), "mnist-bench-"));
  const samples = new Map<string, Result[]>();
  try {
    shareStart(dir, n);
    if (py !== null) {
      for (const dtype of ["float64", "float32"] as const) {
        for (const oneThread of py.threads > 1 ? [false, true] : [true]) {
          configs.push({ name: `NumPy ${dtype} ${oneThread}`, run: () => numpy(py, dtype, oneThread, dir, notes) });
        }
      }
    }
    for (let rep = 0; rep < reps; rep++) {
      for (const c of configs) {
        const r = c.run();
        if (r === null) continue;
        samples.set(c.name, [...(samples.get(c.name) ?? []), r]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const results: Result[] = [js];
  for (const list of samples.values()) {
    results.push({
      ...list[0],
      epoch: median(list.map((r) => r.epoch)),
      full: median(list.map((r) => r.full)),
      sgd: median(list.map((r) => r.sgd)),
    });
  }
  setBackend(before);

  const w = Math.max(...results.map((r) => r.name.length)) + 2;
  const header = `${"".padEnd(w)}${"epoch, batch 64".padStart(17)}${"loss".padStart(8)}${"full-batch step".padStart(17)}${"loss".padStart(8)}${`${SGD_STEPS} SGD steps`.padStart(17)}`;
  console.log(header);
  console.log("-".repeat(header.length));
  for (const r of results) {
    const star = r.scaled ? "*" : " ";
    console.log(
      r.name.padEnd(w) +
        `${fmt(r.epoch)} s${star}`.padStart(17) +
        (r.epochLoss === null ? "" : r.epochLoss.toFixed(4)).padStart(8) +
        `${fmt(r.full)} s${star}`.padStart(17) +
        (r.fullLoss === null ? "" : r.fullLoss.toFixed(4)).padStart(8) +
        `${fmt(r.sgd)} s${star}`.padStart(17),
    );
  }
  const ours = results.filter((r) => r.name.startsWith("ours, WebAssembly"));
  const best = (key: "epoch" | "full" | "sgd") => (ours.length === 0 ? null : Math.min(...ours.map((r) => r[key])));
  const ratioLine = (dtype: string) => {
    const refs = results.filter((r) => r.name.startsWith(`NumPy ${dtype}`));
    if (refs.length === 0 || ours.length === 0) return;
    const parts = (["epoch", "full", "sgd"] as const).map((k) => {
      const fastest = Math.min(...refs.map((r) => r[k]));
      return `${k === "full" ? "full step" : k} ${(best(k)! / fastest).toFixed(2)}×`;
    });
    console.log(`our fastest ÷ the fastest NumPy ${dtype}: ${parts.join(", ")}   (below 1 = we are faster)`);
  };
  if (ours.length > 0) {
    const parts = (["epoch", "full", "sgd"] as const).map((k) => `${k === "full" ? "full step" : k} ${(js[k] / best(k)!).toFixed(1)}×`);
    console.log(`speed-up of our fastest over the JS loops: ${parts.join(", ")}`);
  }
  ratioLine("float64");
  ratioLine("float32");
  console.log(`Medians of ${reps} interleaved repetitions (the JS loops: one). Load average at the end: ${loadAverages()}.`);
  console.log(`* JS loops timed on ${JS_EPOCH_BATCHES} of ${Math.ceil(n / BATCH)} batches, ${JS_FULL_ROWS.toLocaleString("en")} of ` +
    `${n.toLocaleString("en")} rows and ${JS_SGD_STEPS} of ${SGD_STEPS} steps, then scaled.`);
  console.log("Losses: mean over the epoch's batches, and the first full-batch loss; same start and order everywhere, so they must agree.");
  console.log(`Ours: WebAssembly SIMD (lib/engine/wasm${fma ? ", fused multiply-add: relaxed SIMD" : ", multiply then add"}) ` +
    "for the products and the bias, ReLU and Σ-rows passes, on matrices kept in WebAssembly memory;");
  console.log("the loss of a large batch too (a full batch: lib/engine/wasm/assembly/loss.ts); TypeScript for the loss of a mini-batch and gathering batches. Each workload's fastest NumPy row is the reference.");
  for (const note of notes) console.log(`note: ${note}`);
}
