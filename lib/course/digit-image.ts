// A drawn digit made to look like an MNIST digit, the way MNIST's own images were made (LeCun et al.):
//   1. the ink's bounding box is scaled to fit a 20×20 box, keeping its aspect ratio, with anti-aliasing
//      (each new pixel is the mean of the ink it covers, fractions of pixels included: an area average);
//   2. the 20×20-at-most image is placed in a 28×28 field so that its centre of mass sits at the centre.
// Pure: numbers in, numbers out; the digit pad (web/pad.ts) calls it on its canvas, the tests on hand-worked cases.

/** Side of the image the network reads (28) and of the box the ink is scaled into (20). */
export const DIGIT_SIDE = 28;
export const DIGIT_BOX = 20;

/**
 * ink: width × height values, row-major, 0 = paper and 1 = full ink (e.g. a canvas's alpha / 255).
 * Returns the 28 × 28 image (784 values in [0, 1], row-major) that the network reads; all zeros if
 * nothing is drawn.
 */
export function mnistPreprocess(ink: ArrayLike<number>, width: number, height: number): Float32Array {
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new Error(`mnistPreprocess: width and height must be whole numbers ≥ 1, found ${width} × ${height}`);
  }
  if (ink.length !== width * height) {
    throw new Error(`mnistPreprocess: a ${width} × ${height} image needs ${width * height} values, found ${ink.length}`);
  }
  const out = new Float32Array(DIGIT_SIDE * DIGIT_SIDE);
  const box = inkBox(ink, width, height);
  if (box === null) return out;

  // 1. Scale the box by s = 20 / its longer side: a w × h box becomes round(w·s) × round(h·s).
  const s = DIGIT_BOX / Math.max(box.w, box.h);
  const tw = Math.max(1, Math.min(DIGIT_BOX, Math.round(box.w * s)));
  const th = Math.max(1, Math.min(DIGIT_BOX, Math.round(box.h * s)));
  const small = resample(ink, width, box, tw, th);

  // 2. Centre of mass (x̄, ȳ) = Σ v·(x + ½) / Σ v, in pixel units; shift it to the field's centre (14, 14).
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const dx = Math.round(DIGIT_SIDE / 2 - mx / mass);
  const dy = Math.round(DIGIT_SIDE / 2 - my / mass);
  for (let y = 0; y < th; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= DIGIT_SIDE) continue;
    for (let x = 0; x < tw; x++) {
      const tx = x + dx;
      if (tx >= 0 && tx < DIGIT_SIDE) out[ty * DIGIT_SIDE + tx] = small[y * tw + x];
    }
  }
  return out;
}

/** The smallest box holding every value above `threshold` (default: any ink at all); null if there is none. */
export function inkBox(
  ink: ArrayLike<number>,
  width: number,
  height: number,
  threshold = 0,
): { x: number; y: number; w: number; h: number } | null {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/**
 * The box of `ink` resampled to tw × th by area averaging: new pixel (i, j) covers the source rectangle
 * [j·w/tw, (j+1)·w/tw) × [i·h/th, (i+1)·h/th) and is the mean of the ink under it (partly covered pixels
 * count by the fraction covered). Separable: rows first, then columns.
 */
function resample(ink: ArrayLike<number>, width: number, box: { x: number; y: number; w: number; h: number }, tw: number, th: number): Float32Array {
  const cols = coverage(box.w, tw);
  const rows = coverage(box.h, th);
  const wide = new Float32Array(box.h * tw); // each source row of the box, resampled to tw columns
  for (let y = 0; y < box.h; y++) {
    const src = (box.y + y) * width + box.x;
    for (let j = 0; j < tw; j++) {
      let sum = 0;
      for (const [x, weight] of cols[j]) sum += weight * ink[src + x];
      wide[y * tw + j] = sum;
    }
  }
  const out = new Float32Array(th * tw);
  for (let i = 0; i < th; i++) {
    for (let j = 0; j < tw; j++) {
      let sum = 0;
      for (const [y, weight] of rows[i]) sum += weight * wide[y * tw + j];
      out[i * tw + j] = Math.min(1, sum);
    }
  }
  return out;
}

/** For each of `n` new cells over `size` old ones: [old index, share of the new cell it covers] pairs (shares sum to 1). */
function coverage(size: number, n: number): Array<Array<[number, number]>> {
  const step = size / n;
  const cells: Array<Array<[number, number]>> = [];
  for (let j = 0; j < n; j++) {
    const a = j * step, b = (j + 1) * step;
    const list: Array<[number, number]> = [];
    for (let k = Math.floor(a); k < Math.min(size, Math.ceil(b)); k++) {
      const overlap = Math.min(b, k + 1) - Math.max(a, k);
      if (overlap > 1e-9) list.push([k, overlap / step]);
    }
    cells.push(list);
  }
  return cells;
}
