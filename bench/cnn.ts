// The convolutional network's training speed (chapter 11, `npm run train -- --preset cnn`), side by side in one
// run: ours on the WebAssembly kernels (1 thread and all threads), ours on the plain TypeScript loops (on a part
// of the epoch, scaled), and the same network in PyTorch on the CPU (bench/models/reference_cnn.py) when a Python with
// PyTorch is found (MNIST_BENCH_TORCH_PYTHON chooses one; else python3 and /usr/bin/python3 are tried).
//
//   conv 5×5×F₁ → ReLU → pool 2 → conv 5×5×F₂ → ReLU → pool 2 → flatten → dense H → ReLU → dense 10,
//   softmax cross-entropy on the logits, Adam, mini-batches of 64, one epoch of the 60,000 training images, float32.
// Every run starts from the same weights and visits the examples in the same order (PyTorch reads both from
// files), so the mean losses printed beside the times must agree: a check that all compute the same thing.
// "conv GFLOP/s": the floating-point operations of the convolutions' products per batch (forward Z' = cols·Wᵀ;
// backward dW = dZ'ᵀ·cols and, except in the first layer, dcols = dZ'·W; each 2·(N·OH·OW)·F·(C·k·k)) divided by
// the time spent in the Conv2D layers, im2col, col2im and the rearrangements included.
//
// Then where a step goes: each layer's forward and backward, the loss and the update, and inside each the
// kernels it called (im2col, the products, pooling, …), from lib/course/profile.ts.
//
// Run: npm run bench -- cnn
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { cpus, loadavg, tmpdir } from "os";
import { join } from "path";
import {
  Matrix, Random, Conv2D, mnistCnn, softmaxCrossEntropy, adam, batches, loadMnist, setBackend, getBackend,
  backendInfo, profileSteps, formatProfile, type Dataset, type Sequential, type BackendName, type BackendOptions,
} from "../lib/index";
import { mnistFiles } from "../lib/data/mnist";
import { startThreads } from "../lib/engine/backend";
import { findTorch, referenceEnv, describeReference } from "./models/torch";

const SEED = 1;
const BATCH = 64;
const LR = 0.002; // as the cnn preset (scripts/lib/presets.ts)
const FILTERS: [number, number] = [16, 32]; // as the cnn preset
const HIDDEN = 128;
const JS_BATCHES = 60; // the JS loops are timed on this many batches of the epoch, then scaled

interface Result {
  name: string;
  epoch: number; // seconds
  loss: number | null; // mean batch loss over the epoch (null when only part of it ran)
  convShare: number | null; // fraction of the epoch spent in the Conv2D layers
  convGflops: number | null;
  scaled: boolean;
}

function network(): Sequential {
  return mnistCnn({ filters: FILTERS, hidden: HIDDEN, seed: SEED });
}

/** Times each Conv2D's forward and backward (wrapping the methods, so Sequential runs exactly as usual). */
function timeConvolutions(net: Sequential): { seconds: () => number; flopsPerRow: number } {
  let ms = 0;
  let flopsPerRow = 0;
  for (const layer of net.layers) {
    if (!(layer instanceof Conv2D)) continue;
    const g = layer.geometry;
    const products = layer === net.layers[0] ? 2 : 3; // the first layer skips dcols = dZ'·W (its input is the data)
    flopsPerRow += products * 2 * g.outHeight * g.outWidth * layer.outChannels * layer.weights.cols;
    const forward = layer.forward.bind(layer), backward = layer.backward.bind(layer);
    layer.forward = (x: Matrix) => {
      const t0 = performance.now();
      const out = forward(x);
      ms += performance.now() - t0;
      return out;
    };
    layer.backward = (dZ: Matrix) => {
      const t0 = performance.now();
      const out = backward(dZ);
      ms += performance.now() - t0;
      return out;
    };
  }
  return { seconds: () => ms / 1000, flopsPerRow };
}

function epoch(data: Dataset, maxBatches: number): { seconds: number; loss: number; convSeconds: number; flops: number; batches: number } {
  const net = network();
  const conv = timeConvolutions(net);
  const optimizer = adam({ lr: LR });
  const params = net.params();
  let steps = 0, rows = 0, lossSum = 0;
  const t0 = performance.now();
  for (const { x, y } of batches(data, BATCH, { rng: new Random(SEED) })) {
    const out = net.forward(x, true); //                  Ŷ = net(X)
    const { loss, grad } = softmaxCrossEntropy(out, y); // L, dŶ
    net.backward(grad); //                                 every layer's gradients
    optimizer.step(params); //                             Adam
    lossSum += loss * x.rows;
    rows += x.rows;
    if (++steps === maxBatches) break;
  }
  return { seconds: (performance.now() - t0) / 1000, loss: lossSum / rows, convSeconds: conv.seconds(), flops: conv.flopsPerRow * rows, batches: steps };
}

function measure(name: string, data: Dataset, backend: BackendName, options: BackendOptions = {}): Result {
  setBackend(backend, options);
  startThreads();
  const scaled = backend === "js";
  const all = Math.ceil(data.labels.length / BATCH);
  epoch(data, 10); // warm-up: JIT, threads, the layers' buffers
  const r = epoch(data, scaled ? JS_BATCHES : all);
  return {
    name,
    epoch: r.seconds * (all / r.batches),
    loss: scaled ? null : r.loss,
    convShare: r.convSeconds / r.seconds,
    convGflops: r.flops / r.convSeconds / 1e9,
    scaled,
  };
}

function torchRun(py: { python: string }, dir: string, threads: number, notes: string[]): Result | null {
  const files = mnistFiles("train");
  const args = [join(process.cwd(), "bench", "models", "reference_cnn.py"), files.images, files.labels, dir,
    String(threads), String(BATCH), String(FILTERS[0]), String(FILTERS[1]), String(HIDDEN), String(LR)];
  const r = spawnSync(py.python, args, { encoding: "utf8", timeout: 1_200_000, env: referenceEnv(threads) });
  if (r.status !== 0) {
    notes.push(`PyTorch, ${threads} thread(s): failed: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`);
    return null;
  }
  const j = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  return { name: `PyTorch ${j.torch} (CPU), ${j.threads} thread${j.threads === 1 ? "" : "s"}`, epoch: j.epoch_seconds, loss: j.epoch_loss, convShare: null, convGflops: null, scaled: false };
}

/** The initial weights and the order of the examples, where reference_cnn.py reads them. */
function shareStart(dir: string, n: number): void {
  const names = ["c1W", "c1b", "c2W", "c2b", "d0W", "d0b", "d1W", "d1b"];
  network().params().forEach((p, i) => {
    const a = p.value.data as Float32Array;
    writeFileSync(join(dir, `${names[i]}.bin`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  });
  const order = new Random(SEED).permutation(n); // the order batches() uses with a Random(SEED)
  writeFileSync(join(dir, "order.bin"), new Uint8Array(order.buffer, order.byteOffset, order.byteLength));
}

export async function run(): Promise<void> {
  const notes: string[] = [];
  const before = getBackend();
  const data = loadMnist("train");
  void data.images; // the images as float32 in memory, as the reference holds them (loadMnist keeps bytes until they are read)
  const n = data.labels.length;
  const threads = backendInfo().wasmAvailable ? Math.max(1, setBackend("wasm").threads) : 1;
  console.log(`CNN conv5×5×${FILTERS[0]}, pool 2, conv5×5×${FILTERS[1]}, pool 2, dense ${HIDDEN}, dense 10; Adam α = ${LR}, batches of ${BATCH}, ` +
    `float32, ${n.toLocaleString("en")} images; ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}`);
  console.log(network().summary());

  const results: Result[] = [];
  if (backendInfo().wasmAvailable) {
    results.push(measure("ours, WebAssembly, 1 thread", data, "wasm", { threads: 1 }));
    if (threads > 1) results.push(measure(`ours, WebAssembly, ${threads} threads`, data, "wasm", { threads }));
  } else {
    notes.push(`WebAssembly unavailable: ${backendInfo().reason}`);
  }
  results.push(measure("ours, JS loops", data, "js"));
  setBackend(before);

  const py = findTorch<{ torch: string; threads: number }>(join(process.cwd(), "bench", "models", "reference_cnn.py"), notes);
  if (py !== null) {
    const dir = mkdtempSync(join(tmpdir(), "mnist-bench-cnn-"));
    try {
      shareStart(dir, n);
      for (const t of cpus().length > 1 ? [cpus().length, 1] : [1]) {
        const r = torchRun(py, dir, t, notes);
        if (r !== null) results.push(r);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    notes.push(`PyTorch from ${py.python} (default threads ${py.threads}): ${describeReference()}`);
  }

  const w = Math.max(...results.map((r) => r.name.length)) + 2;
  const header = `${"".padEnd(w)}${"epoch".padStart(10)}${"loss".padStart(9)}${"in convs".padStart(10)}${"conv GFLOP/s".padStart(14)}`;
  console.log(header);
  console.log("-".repeat(header.length));
  for (const r of results) {
    console.log(
      r.name.padEnd(w) +
        `${r.epoch.toFixed(1)} s${r.scaled ? "*" : " "}`.padStart(10) +
        (r.loss === null ? "" : r.loss.toFixed(4)).padStart(9) +
        (r.convShare === null ? "" : `${(100 * r.convShare).toFixed(0)} %`).padStart(10) +
        (r.convGflops === null ? "" : r.convGflops.toFixed(2)).padStart(14),
    );
  }
  const ours = results.filter((r) => r.name.startsWith("ours, WebAssembly"));
  const torch = results.filter((r) => r.name.startsWith("PyTorch"));
  if (ours.length > 0 && torch.length > 0) {
    const a = Math.min(...ours.map((r) => r.epoch)), b = Math.min(...torch.map((r) => r.epoch));
    console.log(`our fastest epoch ÷ PyTorch's fastest: ${(a / b).toFixed(2)}×   (below 1 = we are faster)`);
  }
  console.log(`* JS loops timed on ${JS_BATCHES} of ${Math.ceil(n / BATCH)} batches, then scaled.`);
  console.log("Losses: mean over the epoch's batches; same start and order everywhere, so they must agree.");
  for (const note of notes) console.log(`note: ${note}`);

  // Where a step goes: each layer's forward and backward, the loss, the update, and the kernels inside each.
  if (backendInfo().wasmAvailable) {
    for (const t of threads > 1 ? [1, threads] : [1]) {
      setBackend("wasm", { threads: t });
      startThreads();
      console.log(`\nWhere a step of 64 goes, ours, WebAssembly, ${t} thread${t === 1 ? "" : "s"} (200 steps; load average ${loadavg()[0].toFixed(1)}):`);
      console.log(formatProfile(profileSteps(network(), adam({ lr: LR }), data, { batchSize: BATCH, steps: 200, seed: SEED })));
    }
    setBackend(before);
  }
}
