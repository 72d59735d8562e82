import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { mlp } from "../lib/nn/models";
import { Sequential } from "../lib/nn/sequential";
import { loadMnist } from "../lib/data/mnist";
import type { Dataset } from "../lib/data/dataset";
import { gd } from "../lib/train/optimizers";
import { train } from "../lib/train/train";
import {
  bytesToFloats, floatsToBytes, loadModel, MAX_ARRAY_LENGTH, modelFromJson, modelToJson, readModelFile, saveModel,
} from "../lib/nn/persist";
import { createHash } from "node:crypto";
import { Dense, type LayerConfig } from "../lib/nn/layers";
import { layerFromConfig } from "../lib/nn/layer-config";

let dir: string;
let data: Dataset;
let net: Sequential;
let text: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "persist-test-"));
  const all = loadMnist("train", { dir: "data/mnist-sample", limit: 300 });
  data = all;
  net = mlp([784, 24, 10], { activation: "relu", seed: 3 });
  train(net, { train: data, epochs: 1, batchSize: 30, optimizer: gd({ lr: 0.1 }) }); // trained, not fresh
  text = modelToJson(net);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const outputs = (n: Sequential, x: Matrix) => Array.from(n.forward(x, false).data);

describe("encoding", () => {
  it("floats are written little-endian: 1.0f is 00 00 80 3f", () => {
    expect(Array.from(floatsToBytes([1], "float32"))).toEqual([0, 0, 0x80, 0x3f]);
    expect(Array.from(floatsToBytes([1], "float64"))).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    const v = new Float32Array([0.1, -2.5, 3e-8, 65504]);
    expect(bytesToFloats(floatsToBytes(v, "float32"), "float32")).toEqual(v);
  });

  it("the checksum is the SHA-256 of the whole file with its own digits written as zeros", () => {
    const sum = /"sha256": "([0-9a-f]{64})"\n\}\n$/.exec(text)![1];
    const zeroed = text.replace(sum, "0".repeat(64));
    expect(createHash("sha256").update(zeroed).digest("hex")).toBe(sum);
  });
});

describe("save → load round trip", () => {
  it("the loaded network has the same architecture and the same weights, bit for bit", () => {
    const back = modelFromJson(text, "memory");
    expect(back.config()).toEqual(net.config());
    expect(back.params().map((p) => Array.from(p.value.data))).toEqual(net.params().map((p) => Array.from(p.value.data)));
  });

  it("and so predicts identically (outputs equal, not just close)", () => {
    const back = modelFromJson(text);
    expect(outputs(back, data.images)).toEqual(outputs(net, data.images));
    expect(Array.from(back.predict(data.images))).toEqual(Array.from(net.predict(data.images)));
  });

  it("saveModel/loadModel through a file, metadata kept, no temporary file left behind", () => {
    const file = path.join(dir, "model.json");
    saveModel(net, file, { note: "test", accuracy: 0.9 });
    saveModel(net, file, { note: "overwritten", accuracy: 0.91 }); // replaces the old file
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const { net: back, metadata } = readModelFile(file);
    expect(metadata).toEqual({ note: "overwritten", accuracy: 0.91 });
    expect(outputs(loadModel(file), data.images)).toEqual(outputs(back, data.images));
    expect(outputs(back, data.images)).toEqual(outputs(net, data.images));
  });

  it("a float64 network comes back float64, exactly", () => {
    const n64 = mlp([784, 8, 10], { seed: 9, dtype: "float64", outputSoftmax: true });
    const back = modelFromJson(modelToJson(n64));
    expect(back.params()[0].value.data).toBeInstanceOf(Float64Array);
    expect(back.config()).toEqual(n64.config());
    const x = loadMnist("test", { dir: "data/mnist-sample", limit: 20, dtype: "float64" }).images;
    expect(outputs(back, x)).toEqual(outputs(n64, x));
  });

  it("the weights take about 5.3 characters per float (base64 of 4 bytes), not ~20 as decimals", () => {
    const floats = net.params().reduce((s, p) => s + p.value.data.length, 0);
    expect(text.length / floats).toBeLessThan(5.5);
  });
});

/** The file with `f` applied to its JSON, re-signed as a forger would (so the checks after the checksum are reached). */
function forged(original: string, f: (json: any) => void): string {
  const json = JSON.parse(original);
  delete json.sha256;
  f(json);
  const zeroed = JSON.stringify({ ...json, sha256: "0".repeat(64) }, null, 1) + "\n";
  return zeroed.replace("0".repeat(64), createHash("sha256").update(zeroed).digest("hex"));
}

describe("a damaged file is refused by the checksum, whatever byte changed", () => {
  it("truncated JSON", () => {
    expect(() => modelFromJson(text.slice(0, text.length / 2), "cut.json")).toThrow(/^cut\.json: file: not valid JSON \(truncated or damaged\?\)/);
  });

  it("a flipped bit in the weights, in the architecture, in the metadata, in the layout", () => {
    const withMeta = modelToJson(net, { note: "accuracy 0.91" });
    const flip = (t: string, find: string, replace: string) => {
      expect(t.includes(find)).toBe(true);
      return t.replace(find, replace);
    };
    const weights = JSON.parse(withMeta).params[0].data as string;
    const cases = [
      flip(withMeta, weights.slice(100, 110), weights.slice(100, 109) + (weights[109] === "A" ? "B" : "A")),
      flip(withMeta, '"type":"relu"', '"type":"tanh"'),
      flip(withMeta, '"outputs":10', '"outputs":11'),
      flip(withMeta, "accuracy 0.91", "accuracy 0.99"),
      flip(withMeta, '"version": 2,', '"version": 2 ,'),
    ];
    for (const damaged of cases) {
      expect(() => modelFromJson(damaged, "flip.json")).toThrow(
        /^flip\.json: sha256: checksum mismatch: the file hashes to [0-9a-f]{64}, it says "[0-9a-f]{64}" \(damaged or edited file\)$/,
      );
    }
  });

  it("an added or removed layer (a forged file re-signed) is refused by the layers", () => {
    const added = forged(text, (j) => j.layers.push({ type: "relu" }));
    expect(modelFromJson(added).layers.length).toBe(4); // an activation adds no array: a valid, different model
    const removed = forged(text, (j) => j.layers.splice(1, 1));
    expect(() => modelFromJson(removed, "r.json")).toThrow(/^r\.json: (layers|params\[2\])/);
    const dense = forged(text, (j) => j.layers.push({ type: "dense", inputs: 10, outputs: 10 }));
    expect(() => modelFromJson(dense, "d.json")).toThrow("d.json: params: the layers have 6 parameter arrays, the file has 4");
  });

  it("the checksum line missing (the file cut just before its end)", () => {
    expect(() => modelFromJson(text.replace(/,\n "sha256".*\n\}\n$/, "\n}\n"), "m.json")).toThrow(
      'm.json: sha256: expected the checksum as the last line, "sha256": "<64 hex digits>" (the file was cut or reformatted)',
    );
  });

  it("another version or another format", () => {
    expect(() => modelFromJson(forged(text, (j) => (j.version = 1)), "v1.json")).toThrow(/^v1\.json: version: expected 2, found 1 \(written by another version/);
    expect(() => modelFromJson(forged(text, (j) => (j.format = "keras")), "k.json")).toThrow('k.json: format: expected "mnist-from-scratch/model", found "keras"');
  });
});

describe("a well-signed but inconsistent file is refused, naming the field, before anything is allocated", () => {
  it("a 784×100000 layer with a few bytes of weights: refused by its size, nothing allocated", () => {
    const huge = forged(text, (j) => { j.layers[0].outputs = 100000; j.layers[2].inputs = 100000; });
    const before = process.memoryUsage().arrayBuffers;
    expect(() => modelFromJson(huge, "huge.json")).toThrow(
      "huge.json: layers[0]: its sizes declare 78,400,000 numbers, more than the 67,108,864 a model file allows for one layer",
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50e6);
  });

  it("a record whose declared shape is not the bytes present, or over the bound, or malformed", () => {
    expect(() => modelFromJson(forged(text, (j) => (j.params[0].shape = [784, 100000])), "s.json")).toThrow(
      "s.json: params[0].shape: 784×100000 is more than the 67,108,864 numbers a model file allows for one array",
    );
    expect(() => modelFromJson(forged(text, (j) => (j.params[0].shape = [784, 25])), "s.json")).toThrow(
      "s.json: params[0].data: the shape 784×25 float32 needs 78400 bytes, the data holds 75264",
    );
    expect(() => modelFromJson(forged(text, (j) => (j.params[2].data = j.params[2].data.slice(0, 40))), "m.json")).toThrow(
      "m.json: params[2].data: the shape 24×10 float32 needs 960 bytes, the data holds 30",
    );
    expect(() => modelFromJson(forged(text, (j) => (j.params[1].shape = [1, -24])), "n.json")).toThrow("n.json: params[1].shape: expected [rows, cols] of whole numbers ≥ 1, found [1,-24]");
    expect(() => modelFromJson(forged(text, (j) => (j.params[1].data = "!!!!")), "b.json")).toThrow("b.json: params[1].data: expected a base64 string");
    expect(() => modelFromJson(forged(text, (j) => (j.params[1].layer = 7)), "i.json")).toThrow("i.json: params[1].layer: expected a layer index 0–2, found 7");
    expect(MAX_ARRAY_LENGTH).toBe(2 ** 26);
  });

  it("an architecture whose Dense sizes do not chain, or that does not match the stored weights", () => {
    expect(() => modelFromJson(forged(text, (j) => (j.layers[2].inputs = 25)), "arch.json")).toThrow(/^arch\.json: layers: .*24.*25|^arch\.json: layers: .*25.*24/);
    const resized = forged(text, (j) => { j.layers[0].outputs = 25; j.layers[2].inputs = 25; });
    expect(() => modelFromJson(resized, "arch.json")).toThrow("arch.json: params[0].shape: layer 0 (Dense(784→25)) parameter W is 784×25, the file says 784×24");
  });

  it("an unknown layer type, a missing parameter, a parameter of another layer", () => {
    expect(() => modelFromJson(forged(text, (j) => (j.layers[1].type = "gelu")), "t.json")).toThrow(/^t\.json: layers\[1\]: layerFromConfig: unknown layer type "gelu"/);
    expect(() => modelFromJson(forged(text, (j) => j.params.pop()), "p.json")).toThrow("p.json: params: the layers have 4 parameter arrays, the file has 3");
    expect(() => modelFromJson(forged(text, (j) => ([j.params[0], j.params[1]] = [j.params[1], j.params[0]])), "o.json")).toThrow(
      "o.json: params[0]: expected layer 0 (Dense(784→24)) parameter W, found layer 0's \"b\"",
    );
  });

  it("NaN or infinite weights in a file are refused, naming the layer and the parameter", () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const file = forged(text, (j) => {
        const values = bytesToFloats(new Uint8Array(Buffer.from(j.params[3].data, "base64")), "float32");
        values[4] = bad;
        j.params[3].data = Buffer.from(floatsToBytes(values, "float32")).toString("base64");
      });
      expect(() => modelFromJson(file, "nan.json")).toThrow(`nan.json: params[3]: layer 2 (Dense(24→10)) parameter b: value 4 is ${bad}; a model file holds finite numbers only`);
    }
  });

  it("a file that is not there, or a folder", () => {
    expect(() => loadModel(path.join(dir, "nope.json"))).toThrow(/nope\.json: cannot read the model file/);
    expect(() => loadModel(dir)).toThrow(`${dir}: cannot read the model file: it is a folder, not a model file`);
  });
});

describe("saving refuses what cannot be loaded", () => {
  it("NaN or infinite weights: refused, naming the layer and parameter; the previous file stays", () => {
    const file = path.join(dir, "keep.json");
    saveModel(net, file);
    const good = fs.readFileSync(file, "utf8");
    const broken = modelFromJson(text);
    broken.params()[2].value.data[7] = NaN;
    expect(() => saveModel(broken, file)).toThrow(`${file}: cannot save: layer 2 (Dense(24→10)) parameter W: value 7 is NaN (a model with NaN or infinite numbers cannot predict; did the training diverge?)`);
    broken.params()[2].value.data[7] = 0;
    broken.params()[1].value.data[0] = -Infinity;
    expect(() => modelToJson(broken)).toThrow("cannot save: layer 0 (Dense(784→24)) parameter b: value 0 is -Infinity");
    expect(fs.readFileSync(file, "utf8")).toBe(good);
  });

  it("a layer's state() is saved beside its parameters, under the checksum, and must match on loading", () => {
    class Counting extends Dense {
      readonly seen = Matrix.fromRows([[3, 1, 4]]);
      state() {
        return [{ name: "seen", value: this.seen }];
      }
    }
    const n = new Sequential([new Counting(4, 3, { seed: 1 })]);
    const saved = JSON.parse(modelToJson(n));
    expect(saved.state).toEqual([{ layer: 0, name: "seen", shape: [1, 3], dtype: "float32", data: Buffer.from(floatsToBytes([3, 1, 4], "float32")).toString("base64") }]);
    // rebuilt from its config, the layer is a plain Dense with no state: the file's state is not silently dropped
    expect(() => modelFromJson(modelToJson(n), "s.json")).toThrow("s.json: state: the layers have 0 state arrays, the file has 1");
    n.layers[0].state()[0].value.data[1] = NaN;
    expect(() => modelToJson(n)).toThrow("cannot save: layer 0 (Dense(4→3)) state seen: value 1 is NaN");
  });

  const batchNorm: LayerConfig = { type: "batchnorm", features: 3 };
  const hasBatchNorm = (() => {
    try {
      return layerFromConfig(batchNorm).state().length > 0;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasBatchNorm)("BatchNorm's running mean and variance come back exactly", () => {
    const n = new Sequential([new Dense(4, 3, { seed: 2 }), layerFromConfig(batchNorm)]);
    n.layers[1].state().forEach((s, k) => s.value.data.forEach((_, i, a) => (a[i] = 0.25 * (k + 1) + i)));
    const back = modelFromJson(modelToJson(n));
    expect(back.layers[1].state().map((s) => Array.from(s.value.data))).toEqual(n.layers[1].state().map((s) => Array.from(s.value.data)));
  });
});
