// Training speed, side by side in one run: our plain TypeScript loops, our WebAssembly kernels (one thread
// and all threads), and the same network in plain NumPy (float64 and float32, bench/reference.py) when a
// python3 with NumPy is present (see findNumpy: one with OpenBLAS is preferred; MNIST_BENCH_PYTHON chooses).
//
//   784 → 256 → ReLU → 10, softmax cross-entropy on the logits, plain gradient descent (α = 0.1), float32,
//   the real MNIST training set (60,000 images). Three workloads:
//     epoch       one epoch of mini-batches of 64 (938 updates), in a shuffled order
//     full step   one full-batch gradient-descent step on all 60,000 images (the best of 3)
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
import { join } from "path";
import {
  Matrix,
  Random,
  Sequential,
  Dense,
  ReLU,
  softmaxCrossEntropy,
  gd,
  batches,
  loadMnist,
  mnistFiles,
  oneHot,
  setBackend,
  getBackend,
  backendInfo,
  startThreads,
  type Dataset,
  type BackendName,
  type BackendOptions,
} from "../lib/index";

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
  const params = net.params();
  let steps = 0, rows = 0, lossSum = 0;
  const t0 = performance.now();
  for (const { x, y } of source) {
    const out = net.forward(x, true); //             Ŷ = net(X)
    const { loss, grad } = softmaxCrossEntropy(out, y); // L, dŶ = (P − Y)/m
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
  const fullBatch = [{ x: data.images.rowRange(0, fullRows), y: fullY.rowRange(0, fullRows) }];
  // the best of 3 full-batch steps (the first also makes the layers' 60,000-row buffers), as for NumPy
  const net = network();
  const first = runSteps(net, fullBatch, 1);
  let fullSeconds = first.seconds;
  for (let i = 0; i < (scaled ? 0 : 2); i++) fullSeconds = Math.min(fullSeconds, runSteps(net, fullBatch, 1).seconds);

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

interface NumpyPython {
  python: string;
  numpy: string;
  blas: string; // the shared library NumPy's products really call
}

/**
 * The Python to run bench/reference.py with: MNIST_BENCH_PYTHON if set, else python3 on PATH or /usr/bin/python3,
 * preferring one whose NumPy calls an optimised BLAS (Debian's python3-numpy may be linked to the slow
 * reference BLAS, a pip-installed NumPy brings OpenBLAS). Null (and a note) when none has NumPy.
 */
function findNumpy(notes: string[]): NumpyPython | null {
  const candidates = [process.env.MNIST_BENCH_PYTHON, "python3", "/usr/bin/python3"].filter((p): p is string => !!p);
  const found: NumpyPython[] = [];
  for (const python of new Set(candidates)) {
    const r = spawnSync(python, [join(process.cwd(), "bench", "reference.py"), "--probe"], { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) continue;
    try {
      const probe = JSON.parse(r.stdout.trim().split("\n").pop() as string) as { numpy: string; blas: string };
      found.push({ python, ...probe });
    } catch {
      // not our script's output: skip this Python
    }
  }
  if (found.length === 0) {
    notes.push(`NumPy: skipped, none of ${candidates.join(", ")} has NumPy`);
    return null;
  }
  const chosen = found.find((f) => !f.blas.includes("reference")) ?? found[0];
  for (const f of found) if (f !== chosen) notes.push(`NumPy ${f.numpy} of ${f.python} (BLAS: ${f.blas}) not used`);
  if (chosen.blas.includes("reference")) notes.push("NumPy here uses the reference BLAS (no OpenBLAS found): far slower than usual");
  return chosen;
}

function blasName(blas: string): string {
  const b = blas.toLowerCase();
  if (b.includes("openblas")) return "OpenBLAS";
  if (b.includes("mkl")) return "MKL";
  if (b.includes("blis")) return "BLIS";
  if (b.includes("reference")) return "reference BLAS";
  return blas;
}

/** Runs bench/reference.py for one dtype, with the BLAS's default threads or one; null (and a note) when it fails. */
function numpy(py: NumpyPython, dtype: "float64" | "float32", oneThread: boolean, dir: string, notes: string[]): Result | null {
  const files = mnistFiles("train");
  const script = join(process.cwd(), "bench", "reference.py");
  const env = oneThread ? { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" } : process.env;
  const r = spawnSync(py.python, [script, files.images, files.labels, dir, dtype, String(SGD_STEPS)], { encoding: "utf8", timeout: 600_000, env });
  if (r.status !== 0) {
    notes.push(`NumPy ${dtype}: skipped, reference.py failed: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`);
    return null;
  }
  const j = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  return {
    name: `NumPy ${dtype}, ${blasName(j.blas)}, ${oneThread ? "1 thread" : `${cpus().length} threads`}`,
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
  console.log(`784-256-10 ReLU, softmax cross-entropy, gradient descent α = ${LR}, float32, ${n.toLocaleString("en")} images; ` +
    `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}`);

  const results: Result[] = [];
  results.push(measure("ours, JS loops", data, fullY, "js"));
  if (backendInfo().wasmAvailable) {
    results.push(measure("ours, WebAssembly, 1 thread", data, fullY, "wasm", { threads: 1 }));
    if (threads > 1) results.push(measure(`ours, WebAssembly, ${threads} threads`, data, fullY, "wasm", { threads }));
  } else {
    notes.push(`WebAssembly unavailable: ${backendInfo().reason}`);
  }
  const py = findNumpy(notes);
  const dir = mkdtempSync(join(tmpdir(), "mnist-bench-"));
  try {
    shareStart(dir, n);
    for (const dtype of ["float64", "float32"] as const) {
      for (const oneThread of cpus().length > 1 ? [false, true] : [true]) {
        const r = py === null ? null : numpy(py, dtype, oneThread, dir, notes);
        if (r !== null) results.push(r);
      }
    }
    if (py !== null) notes.push(`NumPy ${py.numpy} (${py.python}), BLAS ${py.blas}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
  const js = results[0];
  if (ours.length > 0) {
    const parts = (["epoch", "full", "sgd"] as const).map((k) => `${k === "full" ? "full step" : k} ${(js[k] / best(k)!).toFixed(1)}×`);
    console.log(`speed-up of our fastest over the JS loops: ${parts.join(", ")}`);
  }
  ratioLine("float64");
  ratioLine("float32");
  console.log(`* JS loops timed on ${JS_EPOCH_BATCHES} of ${Math.ceil(n / BATCH)} batches, ${JS_FULL_ROWS.toLocaleString("en")} of ` +
    `${n.toLocaleString("en")} rows and ${JS_SGD_STEPS} of ${SGD_STEPS} steps, then scaled.`);
  console.log("Losses: mean over the epoch's batches, and the first full-batch loss; same start and order everywhere, so they must agree.");
  console.log("Ours: WebAssembly SIMD (lib/wasm) for the products and the bias, ReLU and Σ-rows passes, on matrices kept in WebAssembly memory;");
  console.log("TypeScript for softmax, the loss and gathering batches. Each workload's fastest NumPy row is the reference.");
  for (const note of notes) console.log(`note: ${note}`);
}
