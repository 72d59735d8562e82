// Chapter 11 · Convolutions: exercises.
import { registerExercises } from "./registry";
import { Matrix } from "../../core/matrix";
import { Random } from "../../core/random";
import { im2col, convGeometry } from "../../nn/im2col";
import { MaxPool2D } from "../../nn/pool";

/** 11.3: an im2col for one channel, stride 1, no padding, compared with the library's on several images and windows. */
function checkIm2col(f: unknown, rng: Random): true | string {
  if (typeof f !== "function") return "expected a function (image: number[][], k: number) => number[][]";
  for (const [h, w, k] of [[3, 3, 2], [4, 5, 3], [6, 4, 1], [5, 5, 5], [4 + rng.int(4), 4 + rng.int(4), 1 + rng.int(4)]]) {
    const image = Array.from({ length: h }, () => Array.from({ length: w }, () => Math.round(rng.uniform(-9, 9))));
    const want = im2col(Matrix.fromRows([image.flat()], "float64"), convGeometry("11.3", { channels: 1, height: h, width: w, kernel: k })).toRows();
    let got: unknown;
    try {
      got = (f as (image: number[][], k: number) => unknown)(image.map((r) => r.slice()), k);
    } catch (e) {
      return `it threw on a ${h}×${w} image with k = ${k}: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (!Array.isArray(got) || got.length !== want.length) {
      return `for a ${h}×${w} image and k = ${k} it should give ${want.length} rows (one per window position), it gave ${Array.isArray(got) ? got.length : typeof got}`;
    }
    for (let r = 0; r < want.length; r++) {
      const row = got[r];
      if (!Array.isArray(row) || row.length !== k * k) return `row ${r} should hold the window's k·k = ${k * k} pixels`;
      for (let j = 0; j < k * k; j++) {
        if (row[j] !== want[r][j]) return `for a ${h}×${w} image and k = ${k}, row ${r} (the window at position ${Math.floor(r / (w - k + 1))}, ${r % (w - k + 1)}) is not right at entry ${j}`;
      }
    }
  }
  return true;
}

/** 11.4: max pooling's backward by hand, compared with MaxPool2D's on random windows without ties. */
function checkPoolBackward(f: unknown, rng: Random): true | string {
  if (typeof f !== "function") return "expected a function (x: number[][], dY: number[][]) => number[][]";
  for (const side of [2, 4, 6]) {
    const x = Array.from({ length: side }, () => Array.from({ length: side }, () => rng.normal()));
    const dY = Array.from({ length: side / 2 }, () => Array.from({ length: side / 2 }, () => Math.round(rng.uniform(1, 9))));
    const pool = new MaxPool2D({ channels: 1, height: side, width: side, size: 2 });
    pool.forward(Matrix.fromRows([x.flat()], "float64"));
    const want = pool.backward(Matrix.fromRows([dY.flat()], "float64")).data;
    let got: unknown;
    try {
      got = (f as (x: number[][], dY: number[][]) => unknown)(x.map((r) => r.slice()), dY.map((r) => r.slice()));
    } catch (e) {
      return `it threw on a ${side}×${side} input: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (!Array.isArray(got) || got.length !== side || !got.every((r) => Array.isArray(r) && r.length === side)) {
      return `for a ${side}×${side} input, dX should be ${side}×${side} like X`;
    }
    for (let i = 0; i < side * side; i++) {
      const v = (got as number[][])[Math.floor(i / side)][i % side];
      if (v !== want[i]) return `for a ${side}×${side} input, dX[${Math.floor(i / side)}][${i % side}] is ${v}, not what max pooling passes back there`;
    }
  }
  return true;
}

registerExercises("11", [
  { id: "11.1", answer: "outputSide", digest: "d55dd352657450194f5be5c95525504379ec8103d9431a6ddc01aa19d71b6c02", hint: "O_H = ⌊(n_H + 2·pad − k)/s⌋ + 1" },
  { id: "11.2", answer: "colourParams", digest: "5a966dbec7cb2cf9f98003703d848d9aad47f830119ca299791c1dfea2d9043c", hint: "each of the F filters has C·k·k weights, and there is one bias per filter" },
  {
    id: "11.3", answer: "myIm2col", test: checkIm2col,
    offLimits: { why: "write the windows out yourself", layers: true, modules: ["nn/im2col", "nn/conv"], names: ["Kernels.im2col", "Kernels.col2im", "Kernels.convForward"] },
    hint: "one row per window position, top-left first, row by row; each row the k×k window read row by row",
  },
  {
    id: "11.4", answer: "myPoolBackward", test: checkPoolBackward,
    offLimits: { why: "route the gradients yourself", layers: true, modules: ["nn/pool"], names: ["Kernels.maxPool", "Kernels.maxPoolBackward"] },
    hint: "each dY goes to the position of its window's maximum; everything else gets 0",
  },
]);
