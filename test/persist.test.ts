import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Matrix } from "../lib/matrix";
import { mlp, type Sequential } from "../lib/network";
import { loadMnist } from "../lib/data/mnist";
import type { Dataset } from "../lib/data/dataset";
import { gd } from "../lib/optimizers";
import { train } from "../lib/train";
import {
  bytesToFloats, floatsToBytes, fnv1a32, loadModel, modelFromJson, modelToJson, readModelFile, saveModel, writeFileAtomic,
} from "../lib/persist";

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
  it("FNV-1a 32 matches the published test vectors", () => {
    const bytes = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
    expect(fnv1a32(bytes(""))).toBe("811c9dc5");
    expect(fnv1a32(bytes("a"))).toBe("e40c292c");
    expect(fnv1a32(bytes("foobar"))).toBe("bf9cf968");
  });

  it("floats are written little-endian: 1.0f is 00 00 80 3f", () => {
    expect(Array.from(floatsToBytes([1], "float32"))).toEqual([0, 0, 0x80, 0x3f]);
    expect(Array.from(floatsToBytes([1], "float64"))).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    const v = new Float32Array([0.1, -2.5, 3e-8, 65504]);
    expect(bytesToFloats(floatsToBytes(v, "float32"), "float32")).toEqual(v);
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

describe("damaged or mismatched files are refused, naming the file and the field", () => {
  const edit = (f: (json: any) => void): string => {
    const json = JSON.parse(text);
    f(json);
    return JSON.stringify(json);
  };

  it("truncated JSON", () => {
    expect(() => modelFromJson(text.slice(0, text.length / 2), "cut.json")).toThrow(/^cut\.json: file: not valid JSON \(truncated or damaged\?\)/);
  });

  it("a flipped byte in the weights fails the checksum", () => {
    const damaged = edit((j) => {
      const bytes = Buffer.from(j.params[0].data, "base64");
      bytes[1234] ^= 0x10;
      j.params[0].data = bytes.toString("base64");
    });
    expect(() => modelFromJson(damaged, "flip.json")).toThrow(/^flip\.json: params\[0\]\.fnv1a: checksum mismatch: the data hashes to [0-9a-f]{8}, the file says "[0-9a-f]{8}" \(damaged file\)$/);
  });

  it("a file cut inside the weights: too few bytes", () => {
    const damaged = edit((j) => (j.params[2].data = j.params[2].data.slice(0, 40)));
    expect(() => modelFromJson(damaged, "m.json")).toThrow("m.json: params[2].data: expected 960 bytes (240 × float32), found 30");
  });

  it("another version or another format", () => {
    expect(() => modelFromJson(edit((j) => (j.version = 2)), "v2.json")).toThrow(/^v2\.json: version: expected 1, found 2/);
    expect(() => modelFromJson(edit((j) => (j.format = "keras")), "k.json")).toThrow('k.json: format: expected "mnist-from-scratch/model", found "keras"');
  });

  it("an architecture whose Dense sizes do not chain", () => {
    const bad = edit((j) => (j.layers[2].inputs = 25));
    expect(() => modelFromJson(bad, "arch.json")).toThrow("arch.json: layers[2].inputs: the layer before gives 24 outputs, this dense layer expects 25 inputs");
  });

  it("an architecture that does not match the stored weights", () => {
    const bad = edit((j) => { j.layers[0].outputs = 25; j.layers[2].inputs = 25; });
    expect(() => modelFromJson(bad, "arch.json")).toThrow("arch.json: params[0].shape: expected [784, 25] (from the layers), found [784,24]");
  });

  it("an unknown layer type, a wrong length, a missing parameter", () => {
    expect(() => modelFromJson(edit((j) => (j.layers[1].type = "gelu")), "t.json")).toThrow('t.json: layers[1].type: unknown layer type "gelu"');
    expect(() => modelFromJson(edit((j) => (j.params[1].length = 23)), "l.json")).toThrow("l.json: params[1].length: expected 24, found 23");
    expect(() => modelFromJson(edit((j) => j.params.pop()), "p.json")).toThrow("p.json: params: the layers have 4 parameter arrays, the file has 3");
  });

  it("a file that is not there", () => {
    expect(() => loadModel(path.join(dir, "nope.json"))).toThrow(/nope\.json: cannot read the model file/);
  });
});

describe("atomic writes", () => {
  it("writeFileAtomic replaces the content whole and leaves no temporary file", () => {
    const file = path.join(dir, "a.json");
    writeFileAtomic(file, "first");
    writeFileAtomic(file, "second");
    expect(fs.readFileSync(file, "utf8")).toBe("second");
    expect(fs.readdirSync(dir).some((f) => f.includes(".tmp"))).toBe(false);
  });
  it("a write into a missing folder makes the folder", () => {
    writeFileAtomic(path.join(dir, "missing", "deeper", "x.json"), "x");
    expect(fs.readFileSync(path.join(dir, "missing", "deeper", "x.json"), "utf8")).toBe("x");
  });

  it("a write that cannot happen (a file where a folder should be) fails with the file name and leaves nothing", () => {
    fs.writeFileSync(path.join(dir, "blocker"), "a file, not a folder");
    expect(() => writeFileAtomic(path.join(dir, "blocker", "x.json"), "x")).toThrow(/blocker\/x\.json: cannot write/);
    expect(fs.readFileSync(path.join(dir, "blocker"), "utf8")).toBe("a file, not a folder");
  });
});
