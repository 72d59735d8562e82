// Chapter 12 · In your browser: exercises on MNIST's normalisation (the 20 × 20 box, the centre of mass).
// The references are lib/course/digit-image.ts's rules, restated here so that a student's function is
// compared with the rule and not with itself.
import { registerExercises } from "./registry";
import { Random } from "../../core/random";

/** The rule of mnistPreprocess: a w × h box scaled by 20/max(w, h), each side rounded, kept within 1..20. */
export function boxAfterScaling(w: number, h: number): [number, number] {
  const factor = 20 / Math.max(w, h);
  const side = (n: number) => Math.max(1, Math.min(20, Math.round(n * factor)));
  return [side(w), side(h)];
}

/** The whole-pixel shift (dx, dy) that moves the centre of mass Σ v·(x + ½)/Σ v of `image` to (14, 14). */
export function centreOfMassShift(image: number[][]): [number, number] {
  let mass = 0, mx = 0, my = 0;
  image.forEach((row, y) => row.forEach((v, x) => { mass += v; mx += v * (x + 0.5); my += v * (y + 0.5); }));
  return [Math.round(14 - mx / mass), Math.round(14 - my / mass)];
}

const BOXES: Array<[number, number]> = [[45, 90], [90, 45], [7, 3], [3, 7], [100, 1], [33, 50], [20, 20], [11, 13], [64, 27]];

/** 12.1: (w, h) → the box's size after scaling, on boxes where stretching, flooring or swapping give other sizes. */
function checkBox(f: unknown): true | string {
  if (typeof f !== "function") return "expected a function (w: number, h: number) => [number, number]";
  for (const [w, h] of BOXES) {
    let got: unknown;
    try {
      got = (f as (w: number, h: number) => unknown)(w, h);
    } catch (e) {
      return `it threw for a ${w} × ${h} box: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (!Array.isArray(got) || got.length !== 2 || !got.every((v) => typeof v === "number")) {
      return `for a ${w} × ${h} box it should give [width, height], two numbers; it gave ${JSON.stringify(got)}`;
    }
    const want = boxAfterScaling(w, h);
    if (got[0] !== want[0] || got[1] !== want[1]) {
      return `for a ${w} × ${h} box it gave ${got[0]} × ${got[1]}, which is not the size MNIST's rule gives`;
    }
  }
  return true;
}

/** Test images for 12.2: lopsided strokes of random ink in a box of up to 20 × 20, seeded. */
function testImages(): number[][][] {
  const rng = new Random(12);
  const images: number[][][] = [];
  for (let k = 0; k < 12; k++) {
    const w = 4 + Math.floor(rng.uniform(0, 17)), h = 4 + Math.floor(rng.uniform(0, 17));
    const image = Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => {
      const heavy = (x + 2 * y) % 5 === 0 || x === 0; // ink piled on the left edge and on diagonals
      return heavy ? Math.round(100 * rng.uniform(0.5, 1)) / 100 : rng.uniform(0, 1) < 0.15 ? 0.3 : 0;
    }));
    images.push(image);
  }
  // a thin "L": most ink on the left column and the bottom row, far from the box's centre
  images.push(Array.from({ length: 20 }, (_, y) => Array.from({ length: 12 }, (_, x) => (x === 0 || y === 19 ? 1 : 0))));
  return images;
}

/** 12.2: the shift that puts the centre of mass at (14, 14), compared with the rule on lopsided images. */
function checkShift(f: unknown): true | string {
  if (typeof f !== "function") return "expected a function (image: number[][]) => [number, number]";
  for (const image of testImages()) {
    const h = image.length, w = image[0].length;
    let got: unknown;
    try {
      got = (f as (image: number[][]) => unknown)(image.map((r) => r.slice()));
    } catch (e) {
      return `it threw on a ${w} × ${h} image: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (!Array.isArray(got) || got.length !== 2 || !got.every((v) => typeof v === "number")) {
      return `for a ${w} × ${h} image it should give [dx, dy], two numbers; it gave ${JSON.stringify(got)}`;
    }
    const want = centreOfMassShift(image);
    if (got[0] !== want[0] || got[1] !== want[1]) {
      return `for a ${w} × ${h} image it gave (${got[0]}, ${got[1]}): that shift does not bring the centre of mass to the nearest whole pixel of (14, 14)`;
    }
  }
  return true;
}

registerExercises("12", [
  { id: "12.1", answer: "boxAfter", test: checkBox, offLimits: { why: "scale the box yourself", modules: ["course/digit-image", "data/augment"] }, hint: "both sides are scaled by the same factor, 20 over the longer side, and each is rounded to the nearest pixel" },
  { id: "12.2", answer: "centreShift", test: checkShift, offLimits: { why: "weigh the ink yourself", modules: ["course/digit-image", "data/augment"] }, hint: "weigh each pixel's centre, (x + ½, y + ½), by its ink; the shift is 14 minus that mean, rounded to whole pixels" },
]);
