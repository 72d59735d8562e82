// Saving and loading a trained network as one JSON file.
//
// {
//   "format": "mnist-from-scratch/model", "version": 1,
//   "layers": [ { "type": "dense", "inputs": 784, "outputs": 256 }, { "type": "relu" }, … ],   // Sequential.config()
//   "params": [ { "name": "…", "shape": [784, 256], "dtype": "float32", "length": 200704,
//                 "encoding": "base64-le", "fnv1a": "9c1f03a2", "data": "…" }, … ],         // in net.params() order
//   "metadata": { … }                                                                        // optional, free-form
// }
// Weights are the little-endian bytes of the float32 (or float64) values, in base64: about 5.3
// characters per float32 instead of ~20 as decimal text, and exact. "fnv1a" is the 32-bit FNV-1a hash
// of those bytes, so a changed byte is caught. Loading checks everything and refuses a damaged or
// mismatched file with the file name and the field at fault. Writing is atomic (temp file + rename).
import * as fs from "fs";
import * as path from "path";
import type { DType } from "./matrix";
import type { LayerConfig } from "./layers";
import { layerFromConfig } from "./layer-config";
import { Sequential } from "./network";

export const MODEL_FORMAT = "mnist-from-scratch/model";
export const MODEL_VERSION = 1;

export interface ParamRecord {
  name: string;
  shape: [number, number];
  dtype: DType;
  length: number;
  encoding: "base64-le";
  fnv1a: string;
  data: string;
}

export interface ModelFile {
  format: string;
  version: number;
  layers: LayerConfig[];
  params: ParamRecord[];
  metadata?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Bytes: little-endian floats, base64, FNV-1a.

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

/** Inverse of floatsToBytes. */
export function bytesToFloats(bytes: Uint8Array, dtype: DType): Float32Array | Float64Array {
  const size = dtype === "float64" ? 8 : 4;
  const n = Math.floor(bytes.length / size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = size === 8 ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
  return out;
}

/** 32-bit FNV-1a: h ← (h XOR byte) · 16777619, from h = 2166136261; as 8 hex digits. */
export function fnv1a32(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

// ---------------------------------------------------------------------------------------------
// Network ⇄ JSON text.

/** The network as the JSON text of a model file; `metadata` (options, accuracies …) is stored as given. */
export function modelToJson(net: Sequential, metadata?: Record<string, unknown>): string {
  const params: ParamRecord[] = net.params().map((p) => {
    const dtype: DType = p.value.data instanceof Float64Array ? "float64" : "float32";
    const bytes = floatsToBytes(p.value.data, dtype);
    return {
      name: p.name,
      shape: [p.value.rows, p.value.cols],
      dtype,
      length: p.value.data.length,
      encoding: "base64-le",
      fnv1a: fnv1a32(bytes),
      data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"),
    };
  });
  const file: ModelFile = { format: MODEL_FORMAT, version: MODEL_VERSION, layers: net.config(), params };
  if (metadata !== undefined) file.metadata = metadata;
  return JSON.stringify(file, null, 1) + "\n";
}

/** Rebuild a network from a model file's text. `where` (a file name) appears in every error message. */
export function modelFromJson(text: string, where = "model"): Sequential {
  return readModel(text, where).net;
}

/** As modelFromJson, and the stored metadata too. */
export function readModel(text: string, where = "model"): { net: Sequential; metadata?: Record<string, unknown> } {
  const fail = (field: string, what: string): never => {
    throw new Error(`${where}: ${field}: ${what}`);
  };
  let file: ModelFile;
  try {
    file = JSON.parse(text);
  } catch (err) {
    return fail("file", `not valid JSON (truncated or damaged?): ${(err as Error).message}`);
  }
  if (file === null || typeof file !== "object" || Array.isArray(file)) return fail("file", "expected a JSON object");
  if (file.format !== MODEL_FORMAT) fail("format", `expected "${MODEL_FORMAT}", found ${JSON.stringify(file.format)}`);
  if (file.version !== MODEL_VERSION) fail("version", `expected ${MODEL_VERSION}, found ${JSON.stringify(file.version)} (written by another version of this library?)`);

  const layers = checkLayers(file.layers, fail);
  const dtype: DType = Array.isArray(file.params) && file.params[0]?.dtype === "float64" ? "float64" : "float32";
  const net = new Sequential(layers.map((c) => layerFromConfig(c, { dtype })));
  const params = net.params();
  if (!Array.isArray(file.params)) fail("params", "expected an array of parameter records");
  if (file.params.length !== params.length) {
    fail("params", `the layers have ${params.length} parameter arrays, the file has ${file.params.length}`);
  }
  params.forEach((p, i) => {
    const rec = file.params[i];
    const field = `params[${i}]`;
    if (rec === null || typeof rec !== "object") fail(field, "expected an object");
    if (rec.name !== p.name) fail(`${field}.name`, `expected ${JSON.stringify(p.name)}, found ${JSON.stringify(rec.name)}`);
    if (!Array.isArray(rec.shape) || rec.shape[0] !== p.value.rows || rec.shape[1] !== p.value.cols) {
      fail(`${field}.shape`, `expected [${p.value.rows}, ${p.value.cols}] (from the layers), found ${JSON.stringify(rec.shape)}`);
    }
    if (rec.length !== p.value.data.length) fail(`${field}.length`, `expected ${p.value.data.length}, found ${JSON.stringify(rec.length)}`);
    if (rec.dtype !== "float32" && rec.dtype !== "float64") fail(`${field}.dtype`, `expected "float32" or "float64", found ${JSON.stringify(rec.dtype)}`);
    if (rec.encoding !== "base64-le") fail(`${field}.encoding`, `expected "base64-le", found ${JSON.stringify(rec.encoding)}`);
    if (typeof rec.data !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(rec.data)) fail(`${field}.data`, "expected a base64 string");
    const bytes = new Uint8Array(Buffer.from(rec.data, "base64"));
    const size = rec.dtype === "float64" ? 8 : 4;
    if (bytes.length !== rec.length * size) {
      fail(`${field}.data`, `expected ${rec.length * size} bytes (${rec.length} × ${rec.dtype}), found ${bytes.length}`);
    }
    const sum = fnv1a32(bytes);
    if (sum !== rec.fnv1a) fail(`${field}.fnv1a`, `checksum mismatch: the data hashes to ${sum}, the file says ${JSON.stringify(rec.fnv1a)} (damaged file)`);
    p.value.data.set(bytesToFloats(bytes, rec.dtype));
  });
  const metadata = file.metadata !== undefined && file.metadata !== null && typeof file.metadata === "object" ? file.metadata : undefined;
  return { net, metadata };
}

/** Known layer types, and sizes that chain (Dense, Conv2D, MaxPool2D). */
function checkLayers(layers: unknown, fail: (field: string, what: string) => never): LayerConfig[] {
  if (!Array.isArray(layers) || layers.length === 0) return fail("layers", "expected a non-empty array of layer configs");
  let width: number | undefined;
  layers.forEach((c: any, i: number) => {
    const field = `layers[${i}]`;
    if (c === null || typeof c !== "object") fail(field, "expected an object");
    switch (c.type) {
      case "dense": {
        for (const k of ["inputs", "outputs"] as const) {
          if (!Number.isInteger(c[k]) || c[k] < 1) fail(`${field}.${k}`, `expected a positive integer, found ${JSON.stringify(c[k])}`);
        }
        if (width !== undefined && c.inputs !== width) {
          fail(`${field}.inputs`, `the layer before gives ${width} outputs, this dense layer expects ${c.inputs} inputs`);
        }
        width = c.outputs;
        break;
      }
      case "relu":
      case "sigmoid":
      case "tanh":
      case "softmax":
      case "flatten":
        break;
      case "conv2d":
      case "maxpool2d": {
        // built once to check its fields (the error names the field); its sizes then chain like a dense layer's
        let layer;
        try {
          layer = layerFromConfig(c);
        } catch (err) {
          return fail(field, (err as Error).message.replace(/^layerFromConfig: /, ""));
        }
        const inputs = layer.inputSize() as number;
        if (width !== undefined && inputs !== width) {
          fail(field, `the layer before gives ${width} outputs, this ${c.type} layer expects ${inputs} inputs (${layer.describe()})`);
        }
        width = layer.outputSize(inputs);
        break;
      }
      default:
        fail(`${field}.type`, `unknown layer type ${JSON.stringify(c.type)}; expected dense, conv2d, maxpool2d, flatten, relu, sigmoid, tanh or softmax`);
    }
  });
  return layers as LayerConfig[];
}

// ---------------------------------------------------------------------------------------------
// Files.

/** Save the network to `file` (atomically), with optional metadata. */
export function saveModel(net: Sequential, file: string, metadata?: Record<string, unknown>): void {
  writeFileAtomic(file, modelToJson(net, metadata));
}

/** Load a network saved by saveModel; refuses a damaged or mismatched file, naming it and the field. */
export function loadModel(file: string): Sequential {
  return readModelFile(file).net;
}

/** As loadModel, and the metadata saved with it. */
export function readModelFile(file: string): { net: Sequential; metadata?: Record<string, unknown> } {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`${file}: cannot read the model file: ${(err as Error).message}`);
  }
  return readModel(text, file);
}

/**
 * Write `text` to `file` so that a reader sees either the old file or the whole new one, never half:
 * write a temporary file in the same directory, flush it to disk (fsync), then rename it over `file`.
 */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fs.mkdirSync(dir, { recursive: true }); // a missing folder is made (a fresh checkout has no build/ yet)
    fd = fs.openSync(tmp, "w");
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    if (fs.existsSync(tmp)) fs.rmSync(tmp, { force: true });
    throw new Error(`${file}: cannot write: ${(err as Error).message}`);
  }
}
