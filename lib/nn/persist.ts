// Saving and loading a trained network as one JSON file.
//
// {
//  "format": "mnist-from-scratch/model", "version": 2,
//  "layers": [ { "type": "dense", "inputs": 784, "outputs": 256 }, { "type": "relu" }, … ],      // each layer's config()
//  "params": [ { "layer": 0, "name": "W", "shape": [784, 256], "dtype": "float32", "data": "…" }, … ],   // params()
//  "state": [ … ],                     // the same form: what layers keep beside their parameters (BatchNorm's running means)
//  "metadata": { … },                  // free-form (options, accuracies …)
//  "sha256": "…"                       // of the whole file, with these 64 hex digits written as zeros
// }
// Values are the little-endian bytes of the float32 (or float64) numbers, in base64: about 5.3 characters per
// float32 instead of ~20 as decimal text, and exact. The checksum covers every other byte of the file (the
// architecture, the values, the metadata), so any change is caught. Loading validates the whole file before
// it allocates a layer, and refuses NaN or infinite values, as saving does; every error names the file and
// the field at fault. Writing is atomic and complete (lib/files.ts).
import { createHash } from "crypto";
import type { DType, Matrix } from "../core/matrix";
import type { Layer, LayerConfig } from "./layers";
import { layerFromConfig } from "./layer-config";
import { Sequential } from "./sequential";
import { readFileBounded, reason, writeFileAtomic } from "../files";

/** A model file is JSON text read whole into one string: no longer than the longest string V8 makes (2^29 − 24). */
const MAX_MODEL_BYTES = 2 ** 29 - 24;

export { writeFileAtomic } from "../files";

export const MODEL_FORMAT = "mnist-from-scratch/model";
export const MODEL_VERSION = 2;
/** The most numbers one stored array (or one layer's config) may declare: 2^26, 256 MB of float32. */
export const MAX_ARRAY_LENGTH = 2 ** 26;

/** One stored array: a parameter or a piece of state of the layer at index `layer`. */
export interface ArrayRecord {
  layer: number;
  name: string;
  shape: [number, number];
  dtype: DType;
  data: string;
}

export interface ModelFile {
  format: string;
  version: number;
  layers: LayerConfig[];
  params: ArrayRecord[];
  state: ArrayRecord[];
  metadata?: Record<string, unknown>;
  sha256: string;
}

// ---------------------------------------------------------------------------------------------
// Bytes: little-endian floats.

/** The values as little-endian bytes (4 per float32, 8 per float64), whatever the machine's order. */
export function floatsToBytes(values: ArrayLike<number>, dtype: DType): Uint8Array {
  const size = dtype === "float64" ? 8 : 4;
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    if (size === 8) view.setFloat64(i * 8, values[i], true);
    else view.setFloat32(i * 4, values[i], true);
  }
  return bytes;
}

/** Inverse of floatsToBytes, into `out` when given (it must hold bytes.length / size numbers). */
export function bytesToFloats(bytes: Uint8Array, dtype: DType, out?: Float32Array | Float64Array): Float32Array | Float64Array {
  const size = dtype === "float64" ? 8 : 4;
  const n = Math.floor(bytes.length / size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = out ?? (dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
  for (let i = 0; i < n; i++) values[i] = size === 8 ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
  return values;
}

// The checksum: SHA-256 of the text with its own 64 digits written as zeros; it stands last in the file.
const ZEROS = "0".repeat(64);
const CHECKSUM_TAIL = /\n "sha256": "([^"\n]*)"\n\}\n?$/;

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

// ---------------------------------------------------------------------------------------------
// Network ⇄ JSON text.

/** The network as the JSON text of a model file. Refuses NaN or infinite values, naming the layer and parameter. */
export function modelToJson(net: Sequential, metadata?: Record<string, unknown>): string {
  if (metadata !== undefined && (metadata === null || typeof metadata !== "object" || Array.isArray(metadata))) {
    throw new Error(`modelToJson: metadata must be a plain object, found ${Array.isArray(metadata) ? "an array" : String(metadata)}`);
  }
  const records = (kind: "params" | "state"): ArrayRecord[] =>
    net.layers.flatMap((layer, i) =>
      arraysOf(layer, kind).map(({ name, value }) => {
        const bad = firstNonFinite(value.data);
        if (bad >= 0) {
          throw new Error(`cannot save: ${where(i, layer)} ${kindWord(kind)} ${name}: value ${bad} is ${value.data[bad]} ` +
            "(a model with NaN or infinite numbers cannot predict; did the training diverge?)");
        }
        const bytes = floatsToBytes(value.data, value.dtype);
        return { layer: i, name, shape: [value.rows, value.cols], dtype: value.dtype, data: Buffer.from(bytes).toString("base64") };
      }),
    );
  const body: Omit<ModelFile, "sha256"> = { format: MODEL_FORMAT, version: MODEL_VERSION, layers: net.config(), params: records("params"), state: records("state") };
  if (metadata !== undefined) body.metadata = metadata;
  const lines = Object.entries(body).map(([key, value]) => ` ${JSON.stringify(key)}: ${blockText(value)}`);
  const text = `{\n${lines.join(",\n")},\n "sha256": "${ZEROS}"\n}\n`;
  return text.replace(CHECKSUM_TAIL, `\n "sha256": "${sha256(text)}"\n}\n`);
}

/** Rebuild a network from a model file's text. `name` (a file name) starts every error message. */
export function modelFromJson(text: string, name = "model"): Sequential {
  return readModel(text, name).net;
}

/** As modelFromJson, and the stored metadata too. */
export function readModel(text: string, name = "model"): { net: Sequential; metadata?: Record<string, unknown> } {
  const fail = (field: string, what: string): never => {
    throw new Error(`${name}: ${field}: ${what}`);
  };
  let file: ModelFile;
  if (text.charCodeAt(0) === 0xfeff) fail("file", "starts with a byte-order mark (U+FEFF), which JSON does not allow: an editor added it; save the file without a BOM");
  try {
    file = JSON.parse(text);
  } catch (err) {
    return fail("file", `not valid JSON (truncated or damaged?): ${(err as Error).message}`);
  }
  if (file === null || typeof file !== "object" || Array.isArray(file)) return fail("file", "expected a JSON object");
  if (file.format !== MODEL_FORMAT) fail("format", `expected "${MODEL_FORMAT}", found ${JSON.stringify(file.format)}`);
  if (file.version !== MODEL_VERSION) {
    fail("version", `expected ${MODEL_VERSION}, found ${JSON.stringify(file.version)} (written by another version of this library? save the model again with this one)`);
  }
  const tail = CHECKSUM_TAIL.exec(text);
  if (tail === null) return fail("sha256", 'expected the checksum as the last line, "sha256": "<64 hex digits>" (the file was cut or reformatted)');
  const sum = sha256(text.slice(0, tail.index) + tail[0].replace(`"${tail[1]}"`, `"${ZEROS}"`));
  if (sum !== tail[1]) fail("sha256", `checksum mismatch: the file hashes to ${sum}, it says ${JSON.stringify(tail[1])} (damaged or edited file)`);

  // Everything declared is checked against what is present before a single layer is made.
  if (!Array.isArray(file.layers) || file.layers.length === 0) fail("layers", "expected a non-empty array of layer configs");
  file.layers.forEach((c, i) => checkConfig(c, `layers[${i}]`, fail));
  const params = checkRecords(file.params, "params", file.layers.length, fail);
  const state = checkRecords(file.state, "state", file.layers.length, fail);
  const dtype: DType = params[0]?.dtype ?? state[0]?.dtype ?? "float32";
  [...params, ...state].forEach((r) => r.dtype !== dtype && fail("dtype", `every array must have one dtype; found ${dtype} and ${r.dtype}`));

  const layers = file.layers.map((c, i) => {
    try {
      return layerFromConfig(c, { dtype });
    } catch (err) {
      return fail(`layers[${i}]`, (err as Error).message);
    }
  });
  let net: Sequential;
  try {
    net = new Sequential(layers);
  } catch (err) {
    return fail("layers", (err as Error).message);
  }
  fill(net, params, "params", fail);
  fill(net, state, "state", fail);
  const metadata = file.metadata;
  if (metadata !== undefined && (metadata === null || typeof metadata !== "object" || Array.isArray(metadata))) fail("metadata", "expected an object");
  return { net, metadata };
}

function arraysOf(layer: Layer, kind: "params" | "state"): { name: string; value: Matrix }[] {
  return kind === "params" ? layer.params() : layer.state();
}

function kindWord(kind: "params" | "state"): string {
  return kind === "params" ? "parameter" : "state";
}

function where(i: number, layer: Layer): string {
  return `layer ${i} (${layer.describe()})`;
}

function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** A layer config: an object with a type; its whole-number sizes may not multiply past MAX_ARRAY_LENGTH. */
function checkConfig(c: unknown, field: string, fail: (field: string, what: string) => never): void {
  if (c === null || typeof c !== "object" || Array.isArray(c)) fail(field, "expected an object like { \"type\": \"dense\", … }");
  const config = c as LayerConfig;
  if (typeof config.type !== "string") fail(`${field}.type`, `expected a layer type name, found ${JSON.stringify(config.type)}`);
  let product = 1;
  for (const [key, v] of Object.entries(config)) {
    if (key !== "seed" && typeof v === "number" && Number.isInteger(v) && v > 1) product *= v;
  }
  if (product > MAX_ARRAY_LENGTH) {
    const count = product < 1e15 ? product.toLocaleString("en-US") : product.toExponential(1);
    fail(field, `its sizes declare ${count} numbers, more than the ${MAX_ARRAY_LENGTH.toLocaleString("en-US")} a model file allows for one layer`);
  }
  // a block of layers (Residual): each inner config is checked the same way
  if (Array.isArray(config.layers)) config.layers.forEach((inner: unknown, i: number) => checkConfig(inner, `${field}.layers[${i}]`, fail));
}

/** The stored arrays: each well formed, within bounds, with exactly the bytes its shape declares (not yet decoded). */
function checkRecords(records: unknown, kind: "params" | "state", layerCount: number, fail: (field: string, what: string) => never): ArrayRecord[] {
  if (!Array.isArray(records)) return fail(kind, "expected an array of { layer, name, shape, dtype, data } records");
  records.forEach((r: ArrayRecord, i) => {
    const field = `${kind}[${i}]`;
    if (r === null || typeof r !== "object") fail(field, "expected an object");
    if (!Number.isInteger(r.layer) || r.layer < 0 || r.layer >= layerCount) fail(`${field}.layer`, `expected a layer index 0–${layerCount - 1}, found ${JSON.stringify(r.layer)}`);
    if (typeof r.name !== "string") fail(`${field}.name`, `expected a name, found ${JSON.stringify(r.name)}`);
    const shape = r.shape;
    if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n) => Number.isInteger(n) && n >= 1)) {
      fail(`${field}.shape`, `expected [rows, cols] of whole numbers ≥ 1, found ${JSON.stringify(shape)}`);
    }
    if (shape[0] * shape[1] > MAX_ARRAY_LENGTH) {
      fail(`${field}.shape`, `${shape[0]}×${shape[1]} is more than the ${MAX_ARRAY_LENGTH.toLocaleString("en-US")} numbers a model file allows for one array`);
    }
    if (r.dtype !== "float32" && r.dtype !== "float64") fail(`${field}.dtype`, `expected "float32" or "float64", found ${JSON.stringify(r.dtype)}`);
    if (typeof r.data !== "string" || r.data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(r.data)) fail(`${field}.data`, "expected a base64 string");
    const present = (r.data.length / 4) * 3 - (r.data.endsWith("==") ? 2 : r.data.endsWith("=") ? 1 : 0);
    const size = r.dtype === "float64" ? 8 : 4;
    const declared = shape[0] * shape[1] * size;
    if (present !== declared) fail(`${field}.data`, `the shape ${shape[0]}×${shape[1]} ${r.dtype} needs ${declared} bytes, the data holds ${present}`);
  });
  return records as ArrayRecord[];
}

/** Copy the stored arrays into the layers' matrices, after checking they are the ones the layers have. */
function fill(net: Sequential, records: ArrayRecord[], kind: "params" | "state", fail: (field: string, what: string) => never): void {
  const wanted = net.layers.flatMap((layer, i) => arraysOf(layer, kind).map((a) => ({ i, layer, ...a })));
  if (records.length !== wanted.length) fail(kind, `the layers have ${wanted.length} ${kindWord(kind)} arrays, the file has ${records.length}`);
  wanted.forEach(({ i, layer, name, value }, k) => {
    const r = records[k];
    const field = `${kind}[${k}]`;
    if (r.layer !== i || r.name !== name) fail(field, `expected ${where(i, layer)} ${kindWord(kind)} ${name}, found layer ${r.layer}'s ${JSON.stringify(r.name)}`);
    if (r.shape[0] !== value.rows || r.shape[1] !== value.cols) {
      fail(`${field}.shape`, `${where(i, layer)} ${kindWord(kind)} ${name} is ${value.rows}×${value.cols}, the file says ${r.shape[0]}×${r.shape[1]}`);
    }
    if (r.dtype !== value.dtype) fail(`${field}.dtype`, `${where(i, layer)} ${kindWord(kind)} ${name} is ${value.dtype}, the file says ${r.dtype}`);
    bytesToFloats(new Uint8Array(Buffer.from(r.data, "base64")), r.dtype, value.data);
    const bad = firstNonFinite(value.data);
    if (bad >= 0) fail(field, `${where(i, layer)} ${kindWord(kind)} ${name}: value ${bad} is ${value.data[bad]}; a model file holds finite numbers only`);
  });
}

/** JSON with one line per record: short, readable, diffable. */
function blockText(value: unknown): string {
  if (!Array.isArray(value)) return JSON.stringify(value);
  return value.length === 0 ? "[]" : `[\n${value.map((v) => `  ${JSON.stringify(v)}`).join(",\n")}\n ]`;
}

// ---------------------------------------------------------------------------------------------
// Files.

/** Save the network to `file` (atomically, completely), with optional metadata. */
export function saveModel(net: Sequential, file: string, metadata?: Record<string, unknown>): void {
  let text: string;
  try {
    text = modelToJson(net, metadata);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message.replace(/^modelToJson: /, "")}`);
  }
  writeFileAtomic(file, text);
}

/** About how many bytes saveModel will write for `net` (for a free-space check before training). */
export function modelFileSize(net: Sequential): number {
  let bytes = 4096 + JSON.stringify(net.config()).length;
  for (const layer of net.layers) {
    for (const a of [...layer.params(), ...layer.state()]) bytes += 100 + Math.ceil((a.value.data.length * a.value.data.BYTES_PER_ELEMENT) / 3) * 4;
  }
  return bytes;
}

/** Load a network saved by saveModel; refuses a damaged or mismatched file, naming it and the field. */
export function loadModel(file: string): Sequential {
  return readModelFile(file).net;
}

/** As loadModel, and the metadata saved with it. */
export function readModelFile(file: string): { net: Sequential; metadata?: Record<string, unknown> } {
  let text: string;
  try {
    text = readFileBounded(file, MAX_MODEL_BYTES, "model file").toString("utf8");
  } catch (err) {
    throw new Error(`${file}: cannot read the model file: ${reason(err)}`);
  }
  return readModel(text, file);
}
