// Conv2D, MaxPool2D, Flatten and im2col/col2im: values against hand-worked cases and a direct nested-loop
// convolution, gradients against finite differences (float64), no allocation per batch, save and load.
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { Matrix } from "../lib/core/matrix";
import { Random } from "../lib/core/random";
import { Conv2D } from "../lib/nn/conv";
import { MaxPool2D, Flatten } from "../lib/nn/pool";
import { im2col, col2im, convGeometry, convOutputSize } from "../lib/nn/im2col";
import { Dense } from "../lib/nn/layers";
import { ReLU } from "../lib/nn/activations";
import { Sequential } from "../lib/nn/sequential";
import { softmaxCrossEntropy } from "../lib/nn/losses";
import { gradcheckLayer, gradcheckNetwork } from "../lib/nn/gradcheck";
import { layerFromConfig } from "../lib/nn/layer-config";
import { modelToJson, modelFromJson } from "../lib/nn/persist";
import { addScaled } from "../lib/core/ops";

function randomMatrix(rows: number, cols: number, seed: number, dtype: "float32" | "float64" = "float64"): Matrix {
  const rng = new Random(seed);
  const m = Matrix.zeros(rows, cols, dtype);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
  return m;
}

/** The convolution straight from its definition, 7 nested loops, no im2col: the independent reference. */
function directConv(x: Matrix, w: Matrix, b: Matrix, C: number, H: number, W: number, k: number, s: number, p: number): number[] {
  const F = w.rows, OH = convOutputSize(H, k, s, p), OW = convOutputSize(W, k, s, p);
  const out: number[] = [];
  for (let n = 0; n < x.rows; n++) {
    for (let f = 0; f < F; f++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let z = b.get(0, f);
          for (let c = 0; c < C; c++) {
            for (let ky = 0; ky < k; ky++) {
              for (let kx = 0; kx < k; kx++) {
                const y = oy * s - p + ky, xx = ox * s - p + kx;
                if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
                z += w.get(f, (c * k + ky) * k + kx) * x.get(n, (c * H + y) * W + xx);
              }
            }
          }
          out.push(z);
        }
      }
    }
  }
  return out;
}

describe("im2col / col2im", () => {
  it("the output size is ⌊(n + 2p − k)/s⌋ + 1", () => {
    expect(convOutputSize(28, 5)).toBe(24);
    expect(convOutputSize(28, 5, 1, 2)).toBe(28);
    expect(convOutputSize(7, 3, 2, 1)).toBe(4);
    expect(convOutputSize(6, 3, 2, 0)).toBe(2); // (6 − 3)/2 = 1.5 → 1, + 1
  });

  it("im2col of a 3×3 image with 2×2 windows, worked by hand", () => {
    // image 1 2 3 / 4 5 6 / 7 8 9: four windows, each read row by row
    const x = Matrix.fromRows([[1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    const g = convGeometry("test", { channels: 1, height: 3, width: 3, kernel: 2 });
    expect(im2col(x, g).toRows()).toEqual([[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]]);
  });

  it("im2col with padding 1 and stride 2 puts zeros where the window leaves the image; two channels side by side", () => {
    // 2 channels of 2×2: ch0 = 1 2 / 3 4, ch1 = 5 6 / 7 8; 2×2 windows, stride 2, padding 1 → 2×2 positions
    const x = Matrix.fromRows([[1, 2, 3, 4, 5, 6, 7, 8]]);
    const g = convGeometry("test", { channels: 2, height: 2, width: 2, kernel: 2, stride: 2, padding: 1 });
    expect([g.outHeight, g.outWidth]).toEqual([2, 2]);
    expect(im2col(x, g).toRows()).toEqual([
      [0, 0, 0, 1, 0, 0, 0, 5], // top-left window: only its bottom-right pixel is inside
      [0, 0, 2, 0, 0, 0, 6, 0],
      [0, 3, 0, 0, 0, 7, 0, 0],
      [4, 0, 0, 0, 8, 0, 0, 0],
    ]);
  });

  it("col2im is the adjoint of im2col: ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩", () => {
    const g = convGeometry("test", { channels: 3, height: 7, width: 6, kernel: 3, stride: 2, padding: 1 });
    const x = randomMatrix(2, 3 * 7 * 6, 1);
    const cols = im2col(x, g);
    const y = randomMatrix(cols.rows, cols.cols, 2);
    const back = col2im(y, g);
    let left = 0, right = 0;
    for (let i = 0; i < y.data.length; i++) left += cols.data[i] * y.data[i];
    for (let i = 0; i < x.data.length; i++) right += x.data[i] * back.data[i];
    expect(Math.abs(left - right)).toBeLessThan(1e-10 * Math.abs(left));
  });

  it("col2im of all ones counts how many windows cover each pixel", () => {
    const g = convGeometry("test", { channels: 1, height: 3, width: 3, kernel: 2 });
    const ones = Matrix.zeros(4, 4).fill(1);
    expect(Array.from(col2im(ones, g).data)).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
  });

  it("refuses sizes that do not fit, saying what and where", () => {
    expect(() => convGeometry("Conv2D", { channels: 1, height: 4, width: 4, kernel: 5 })).toThrow("Conv2D: a 5×5 window does not fit in a 4×4 image with padding 0");
    expect(() => convGeometry("Conv2D", { channels: 0, height: 4, width: 4, kernel: 3 })).toThrow("Conv2D: channels must be a whole number ≥ 1, got 0");
    expect(() => im2col(Matrix.zeros(2, 10), convGeometry("t", { channels: 1, height: 3, width: 3, kernel: 2 }))).toThrow("im2col: X is 2×10 but images of 1×3×3 need 9 columns");
  });
});

describe("Conv2D", () => {
  const cases = [
    { C: 1, H: 6, W: 5, F: 2, k: 3, s: 1, p: 0 },
    { C: 2, H: 7, W: 7, F: 3, k: 3, s: 2, p: 1 },
    { C: 3, H: 5, W: 6, F: 4, k: 2, s: 1, p: 2 },
  ];

  it("forward equals the convolution computed from its definition (stride, padding, several channels)", () => {
    for (const { C, H, W, F, k, s, p } of cases) {
      const conv = new Conv2D({ inChannels: C, outChannels: F, kernel: k, stride: s, padding: p, height: H, width: W, dtype: "float64", seed: 3 });
      for (let i = 0; i < conv.bias.data.length; i++) conv.bias.data[i] = 0.1 * (i + 1);
      const x = randomMatrix(3, C * H * W, 4);
      const z = conv.forward(x);
      const want = directConv(x, conv.weights, conv.bias, C, H, W, k, s, p);
      expect(z.cols).toBe(conv.outputSize());
      expect(z.data.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(z.data[i]).toBeCloseTo(want[i], 12);
    }
  });

  it("float32 on the active kernels agrees with the float64 reference", () => {
    const c64 = new Conv2D({ inChannels: 2, outChannels: 8, kernel: 5, height: 16, width: 16, dtype: "float64", seed: 5 });
    const c32 = new Conv2D({ inChannels: 2, outChannels: 8, kernel: 5, height: 16, width: 16, seed: 5 });
    const x = randomMatrix(20, 2 * 16 * 16, 6);
    const z64 = c64.forward(x), z32 = c32.forward(x.astype("float32"));
    let worst = 0;
    for (let i = 0; i < z64.data.length; i++) worst = Math.max(worst, Math.abs(z64.data[i] - z32.data[i]));
    expect(worst).toBeLessThan(1e-4);
  });

  it("gradients dX, dW, db match finite differences (float64)", () => {
    for (const { C, H, W, F, k, s, p } of cases) {
      const conv = new Conv2D({ inChannels: C, outChannels: F, kernel: k, stride: s, padding: p, height: H, width: W, dtype: "float64", seed: 7 });
      for (let i = 0; i < conv.bias.data.length; i++) conv.bias.data[i] = 0.3 * i - 0.2;
      const r = gradcheckLayer(conv, randomMatrix(2, C * H * W, 8));
      expect(r.maxRelError, r.where).toBeLessThan(1e-7);
      expect(r.checked).toBe(2 * C * H * W + F * C * k * k + F);
    }
  });

  it("the weight gradient is the correlation of the input with the output gradient (1 channel, 1 filter, by hand)", () => {
    // dW[ky, kx] = Σ_{oy, ox} dZ[oy, ox] · X[oy + ky, ox + kx]
    const conv = new Conv2D({ inChannels: 1, outChannels: 1, kernel: 2, height: 3, width: 3, dtype: "float64" });
    const x = Matrix.fromRows([[1, 2, 3, 4, 5, 6, 7, 8, 9]], "float64");
    conv.forward(x);
    conv.backward(Matrix.fromRows([[1, 0, 0, 2]], "float64")); // dZ: 1 at (0,0), 2 at (1,1)
    expect(Array.from(conv.dW.data)).toEqual([1 + 2 * 5, 2 + 2 * 6, 4 + 2 * 8, 5 + 2 * 9]);
    expect(conv.db.data[0]).toBe(3);
  });

  it("skips dX when asked ({ inputGrad: false }, what a network passes its first layer), with the same dW and db", () => {
    const conv = new Conv2D({ inChannels: 1, outChannels: 2, kernel: 3, height: 5, width: 5, dtype: "float64", seed: 1 });
    const x = randomMatrix(2, 25, 20), dZ = randomMatrix(2, 18, 21);
    conv.forward(x);
    expect(conv.backward(dZ)?.shape).toBe("2×25");
    const dW = Array.from(conv.dW.data), db = Array.from(conv.db.data);
    conv.forward(x);
    expect(conv.backward(dZ, { inputGrad: false })).toBeNull();
    expect(Array.from(conv.dW.data)).toEqual(dW);
    expect(Array.from(conv.db.data)).toEqual(db);
  });

  it("checks its input and the gradient's shape", () => {
    const conv = new Conv2D({ inChannels: 1, outChannels: 4, kernel: 5, height: 28, width: 28 });
    expect(() => conv.forward(Matrix.zeros(2, 100))).toThrow("Conv2D(1×28×28 → 4×24×24, 5×5): input is 2×100 but images of 1×28×28 need 784 columns");
    expect(() => conv.backward(Matrix.zeros(2, 10))).toThrow("call forward first");
    conv.forward(Matrix.zeros(2, 784));
    expect(() => conv.backward(Matrix.zeros(2, 10))).toThrow("dZ is 2×10 but the output Z was 2×2304");
  });
});

describe("MaxPool2D and Flatten", () => {
  it("forward takes each window's max (channels apart, the leftover column dropped); backward routes to the first max", () => {
    // one image, 2 channels of 2×5 (the 5th column is dropped by 2×2 windows)
    const x = Matrix.fromRows([[
      1, 5, 2, 2, 9,
      3, 4, 2, 0, 9,
      -1, -2, 7, 7, 0,
      -3, -4, 7, 1, 0,
    ]]);
    const pool = new MaxPool2D({ channels: 2, height: 2, width: 5, size: 2 });
    expect(pool.outputSize()).toBe(4);
    expect(Array.from(pool.forward(x).data)).toEqual([5, 2, -1, 7]);
    const dX = pool.backward(Matrix.fromRows([[10, 20, 30, 40]]));
    expect(Array.from(dX.data)).toEqual([
      0, 10, 20, 0, 0,
      0, 0, 0, 0, 0,
      30, 0, 40, 0, 0, // the tie 7, 7 / 7: the first 7 gets it
      0, 0, 0, 0, 0,
    ]);
  });

  it("gradient matches finite differences (float64, no ties)", () => {
    const pool = new MaxPool2D({ channels: 3, height: 6, width: 4, size: 2 });
    const x = randomMatrix(2, 3 * 6 * 4, 9);
    const r = gradcheckLayer(pool, x);
    expect(r.maxRelError, r.where).toBeLessThan(1e-8);
  });

  it("Flatten is the identity, forward and backward", () => {
    const f = new Flatten();
    const x = randomMatrix(2, 12, 10);
    expect(f.forward(x)).toBe(x);
    expect(f.backward(x)).toBe(x);
  });
});

function smallCnn(dtype: "float32" | "float64", seed = 1): Sequential {
  const rng = new Random(seed);
  return new Sequential([
    new Conv2D({ inChannels: 1, outChannels: 3, kernel: 3, height: 8, width: 8, dtype, rng }), // → 3×6×6
    new ReLU(),
    new MaxPool2D({ channels: 3, height: 6, width: 6, size: 2 }), //                              → 3×3×3
    new Conv2D({ inChannels: 3, outChannels: 4, kernel: 2, padding: 1, height: 3, width: 3, dtype, rng }), // → 4×4×4
    new ReLU(),
    new Flatten(),
    new Dense(64, 5, { dtype, rng }),
  ]);
}

function oneHotRows(rows: number, classes: number, seed: number, dtype: "float32" | "float64"): Matrix {
  const rng = new Random(seed);
  const y = Matrix.zeros(rows, classes, dtype);
  for (let i = 0; i < rows; i++) y.set(i, rng.int(classes), 1);
  return y;
}

describe("a CNN", () => {
  it("whole-network gradients (conv, ReLU, pool, conv with padding, flatten, dense) match finite differences", () => {
    const net = smallCnn("float64");
    const x = randomMatrix(3, 64, 11);
    // a small step: with ReLU and max pooling, a step of 2·10⁻³ (the 5-point default) can cross a kink
    const r = gradcheckNetwork(net, x, oneHotRows(3, 5, 12, "float64"), softmaxCrossEntropy, { stencil: 3, h: 1e-5 });
    expect(r.maxRelError, r.where).toBeLessThan(1e-6);
  });

  it("a training step allocates no new matrices after the first", () => {
    const net = smallCnn("float32");
    const x = randomMatrix(16, 64, 13, "float32"), y = oneHotRows(16, 5, 14, "float32");
    const grad = Matrix.zeros(16, 5);
    const step = () => {
      const out = net.forward(x, true);
      net.backward(softmaxCrossEntropy(out, y, grad).grad);
      for (const p of net.params()) addScaled(p.value, p.grad, -0.01, p.value);
      return out;
    };
    const first = step();
    const warm = Matrix.created;
    for (let i = 0; i < 3; i++) expect(step()).toBe(first);
    expect(Matrix.created - warm).toBe(0);
  });

  it("saves and loads through its configs: the same outputs, bit for bit", () => {
    const net = smallCnn("float32", 2);
    const x = randomMatrix(4, 64, 15, "float32");
    const before = net.forward(x).data.slice();
    const loaded = modelFromJson(modelToJson(net), "cnn.json");
    expect(loaded.config()).toEqual(net.config());
    expect(Array.from(loaded.forward(x).data)).toEqual(Array.from(before));
  });

  it("a model file whose conv sizes do not chain, or whose conv config is bad, is refused with the field", () => {
    const text = modelToJson(smallCnn("float32"));
    // edited and re-signed (as a forger would), so the checks after the checksum are reached
    const forged = (f: (json: any) => void): string => {
      const json = JSON.parse(text);
      delete json.sha256;
      f(json);
      const zeroed = JSON.stringify({ ...json, sha256: "0".repeat(64) }, null, 1) + "\n";
      return zeroed.replace("0".repeat(64), createHash("sha256").update(zeroed).digest("hex"));
    };
    expect(() => modelFromJson(forged((j) => (j.layers[3].inChannels = 2)), "m.json")).toThrow(/^m\.json: layers: .*layer 3 \(Conv2D\(2×3×3.*takes 18 inputs, but layer 2 .* gives 27 outputs/);
    expect(() => modelFromJson(forged((j) => (j.layers[0].kernel = 0)), "m.json")).toThrow('m.json: layers[0]: layerFromConfig: a "conv2d" layer needs kernel as a whole number ≥ 1, found 0');
  });

  it("summary() follows the widths through convolutions and pooling", () => {
    const lines = smallCnn("float32").summary().split("\n");
    expect(lines.slice(1, 8).map((l) => l.match(/batch × (\d+)/)?.[1])).toEqual(["108", "108", "27", "64", "64", "64", "5"]);
    expect(lines[8]).toBe("total parameters: 407"); // 3·9 + 3, 4·(3·2·2) + 4, 64·5 + 5
  });

  it("layerFromConfig rebuilds each layer from its config()", () => {
    const layers = [
      new Conv2D({ inChannels: 2, outChannels: 3, kernel: 3, stride: 2, padding: 1, height: 9, width: 7 }),
      new MaxPool2D({ channels: 3, height: 6, width: 4, size: 3 }),
      new Flatten(),
    ];
    for (const layer of layers) {
      const again = layerFromConfig(layer.config());
      expect(again.config()).toEqual(layer.config());
      expect(again.describe()).toBe(layer.describe());
    }
    expect(() => layerFromConfig({ type: "conv2d", inChannels: 1, outChannels: 2, kernel: 3, height: 8, width: 8, padding: -1 }))
      .toThrow('a "conv2d" layer needs padding as a whole number ≥ 0, found -1');
  });
});
