// Pictures of digits and weights for the notebooks: plain plotly figure objects { data, layout } to pass to
// show() (lib/course/plot.ts). Charts of numbers (histograms, confusion matrices, curves of functions) are in lib/course/charts.ts.
//
//   digitGrid (many digits with their labels), digitImage (one digit, pixel values written in),
//   weightImages (each hidden unit's 784 incoming weights as a 28×28 tile)
//
// Titles and axis labels may use plotly's small HTML subset (<b>, <i>, <sub>, <span style="color:red">).
import type { Matrix } from "../core/matrix";
import type { Figure } from "./plot";

/** A plotly figure for show(): the Figure of lib/course/plot.ts, always with a layout. */
export type PlotlyFigure = Figure & { layout: Record<string, unknown> };

const INK = [[0, "#ffffff"], [1, "#000000"]]; // 0 = white paper, 1 = black ink
const DIVERGING = [[0, "#b2182b"], [0.5, "#f7f7f7"], [1, "#2166ac"]]; // negative red, 0 white, positive blue

// ---------------------------------------------------------------------------------------------- images

export interface GridOptions {
  count?: number;            // how many images (default 16)
  cols?: number;             // tiles per row (default 8)
  start?: number;            // first row of `images` to show (default 0)
  indices?: ArrayLike<number>; // or exactly these rows (overrides start/count)
  titles?: string[];         // one per tile (default: the label, or the row index)
  title?: string;            // above the whole grid
  side?: number;             // image side in pixels (default √cols of the matrix: 28 for MNIST)
  range?: [number, number];  // colour range (default [0, 1], or [0, 255] if a value exceeds 1)
  tilePx?: number;           // drawn size of one tile in screen pixels (default 64)
}

/** A grid of digits (rows of `images`, n × 784), each titled with its label. */
export function digitGrid(images: Matrix, labels?: ArrayLike<number> | null, options: GridOptions = {}): PlotlyFigure {
  const side = options.side ?? squareSide(images.cols, "digitGrid");
  const rows = pickRows(images.rows, options, "digitGrid");
  const tiles = rows.map((r) => images.data.subarray(r * images.cols, (r + 1) * images.cols));
  const titles = options.titles ?? rows.map((r) => (labels ? `${labels[r]}` : `#${r}`));
  const max = maxOf(tiles);
  const range = options.range ?? [0, max > 1 ? 255 : 1];
  return tiledHeatmap(tiles, side, side, titles, {
    cols: options.cols ?? 8, title: options.title, tilePx: options.tilePx ?? 64,
    trace: { colorscale: INK, zmin: range[0], zmax: range[1], showscale: false, hovertemplate: "value %{z:.3f}<extra></extra>" },
  });
}

export interface WeightImageOptions {
  count?: number;            // how many units (columns of w) to show (default 16)
  cols?: number;             // tiles per row (default 8)
  start?: number;            // first unit (default 0)
  titles?: string[];         // default "unit j"
  title?: string;
  side?: number;             // default √(rows of w): 28 for a 784 × h matrix
  tilePx?: number;
}

/** Each column of w (784 × h, the Dense layer's weights) as a 28×28 image: what that hidden unit looks for. */
export function weightImages(w: Matrix, options: WeightImageOptions = {}): PlotlyFigure {
  const side = options.side ?? squareSide(w.rows, "weightImages");
  const units = pickRows(w.cols, options, "weightImages");
  const tiles = units.map((j) => {
    const tile = new Float64Array(w.rows);
    for (let i = 0; i < w.rows; i++) tile[i] = w.data[i * w.cols + j]; // column j of W
    return tile;
  });
  const titles = options.titles ?? units.map((j) => `unit ${j}`);
  const m = Math.max(maxAbs(tiles), 1e-12);
  return tiledHeatmap(tiles, side, side, titles, {
    cols: options.cols ?? 8, title: options.title ?? "Incoming weights of each hidden unit (red < 0 < blue)", tilePx: options.tilePx ?? 64,
    trace: {
      colorscale: DIVERGING, zmin: -m, zmax: m, showscale: true, colorbar: { title: { text: "weight" }, thickness: 12 },
      hovertemplate: "weight %{z:.4f}<extra></extra>",
    },
  });
}

export interface DigitImageOptions {
  title?: string;
  side?: number;             // default √length
  showValues?: boolean;      // write each non-zero pixel's value in its cell (default true)
  decimals?: number;         // digits after the point for the written values (default: 0 for 0..255 data, 2 for [0,1])
  sizePx?: number;           // drawn size (default 600)
}

/** One digit as a heatmap, each pixel's value written in its cell (x: column, y: row, as in the file). */
export function digitImage(pixels: ArrayLike<number>, options: DigitImageOptions = {}): PlotlyFigure {
  const side = options.side ?? squareSide(pixels.length, "digitImage");
  let max = 0;
  for (let i = 0; i < pixels.length; i++) max = Math.max(max, pixels[i]);
  const decimals = options.decimals ?? (max > 1 ? 0 : 2);
  const z: number[][] = [];
  const text: string[][] = [];
  for (let r = 0; r < side; r++) {
    const zr: number[] = [];
    const tr: string[] = [];
    for (let c = 0; c < side; c++) {
      const v = pixels[r * side + c];
      zr.push(v);
      tr.push(v === 0 ? "" : v.toFixed(decimals));
    }
    z.push(zr);
    text.push(tr);
  }
  const show = options.showValues ?? true;
  const size = options.sizePx ?? 600;
  return {
    data: [{
      type: "heatmap", z, text, texttemplate: show ? "%{text}" : "", textfont: { size: decimals > 0 ? 7 : 8 },
      colorscale: INK, zmin: 0, zmax: max > 1 ? 255 : 1, colorbar: { title: { text: "pixel value" }, thickness: 12 },
      hovertemplate: "row %{y}, column %{x}: %{z}<extra></extra>", xgap: 0, ygap: 0,
    }],
    layout: {
      title: { text: options.title ?? "One digit, pixel by pixel" },
      width: size + 130, height: size + 110, margin: { l: 80, r: 20, t: 60, b: 60 },
      xaxis: { title: { text: "column c (pixel)" }, constrain: "domain", dtick: 4, showgrid: false, zeroline: false },
      yaxis: { title: { text: "row r (pixel)" }, autorange: "reversed", scaleanchor: "x", dtick: 4, showgrid: false, zeroline: false },
    },
  };
}

interface TileStyle { cols: number; title?: string; tilePx: number; trace: Record<string, unknown> }

/** Lays tiles (each h·w values, row-major) out on one heatmap, gaps as null, titles as annotations above each tile. */
function tiledHeatmap(tiles: ArrayLike<number>[], h: number, w: number, titles: string[], style: TileStyle): PlotlyFigure {
  const cols = Math.max(1, Math.min(style.cols, tiles.length));
  const gridRows = Math.ceil(tiles.length / cols);
  const gapX = Math.max(1, Math.round(w / 14));
  const gapY = Math.round(h / 3); // room for a title above each tile
  const height = gridRows * (h + gapY);
  const width = cols * (w + gapX) - gapX;
  const z: (number | null)[][] = [];
  for (let y = 0; y < height; y++) z.push(new Array<number | null>(width).fill(null));
  const annotations: Record<string, unknown>[] = [];
  tiles.forEach((tile, k) => {
    const top = Math.floor(k / cols) * (h + gapY) + gapY;
    const left = (k % cols) * (w + gapX);
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) z[top + r][left + c] = tile[r * w + c];
    annotations.push({
      text: titles[k] ?? "", x: left + (w - 1) / 2, y: top - 0.6, xref: "x", yref: "y",
      xanchor: "center", yanchor: "bottom", showarrow: false, font: { size: 15 },
    });
  });
  const scale = style.tilePx / w; // screen pixels per image pixel
  const colorbar = style.trace.showscale ? 90 : 0;
  return {
    data: [{ type: "heatmap", z, ...style.trace }],
    layout: {
      title: style.title ? { text: style.title } : undefined,
      width: Math.round(width * scale) + 40 + colorbar,
      height: Math.round(height * scale) + (style.title ? 70 : 30),
      margin: { l: 20, r: 20 + colorbar, t: style.title ? 60 : 20, b: 10 },
      xaxis: { visible: false, range: [-0.5, width - 0.5], constrain: "domain" },
      yaxis: { visible: false, range: [height - 0.5, -0.5], scaleanchor: "x" },
      annotations, plot_bgcolor: "rgba(0,0,0,0)",
    },
  };
}

// ---------------------------------------------------------------------------------------------- helpers

function squareSide(n: number, where: string): number {
  const side = Math.round(Math.sqrt(n));
  if (side * side !== n) throw new Error(`${where}: ${n} values per image is not a square; pass options.side`);
  return side;
}

function pickRows(available: number, o: { count?: number; start?: number; indices?: ArrayLike<number> }, where: string): number[] {
  if (o.indices) {
    const rows = Array.from(o.indices);
    for (const r of rows) if (!(Number.isInteger(r) && r >= 0 && r < available))
      throw new Error(`${where}: index ${r} is outside 0..${available - 1}`);
    return rows;
  }
  const start = o.start ?? 0;
  const count = Math.min(o.count ?? 16, available - start);
  if (!(start >= 0 && count >= 1)) throw new Error(`${where}: nothing to show from ${start} (there are ${available})`);
  return Array.from({ length: count }, (_, i) => start + i);
}

function maxOf(tiles: ArrayLike<number>[]): number {
  let m = -Infinity;
  for (const t of tiles) for (let i = 0; i < t.length; i++) if (t[i] > m) m = t[i];
  return m;
}

function maxAbs(tiles: ArrayLike<number>[]): number {
  let m = 0;
  for (const t of tiles) for (let i = 0; i < t.length; i++) m = Math.max(m, Math.abs(t[i]));
  return m;
}
