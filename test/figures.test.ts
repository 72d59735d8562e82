import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { digitGrid, digitImage, weightImages, type PlotlyFigure } from "../lib/course/figures";
import { barChart, confusionHeatmap, confusionMatrix, functionPlot, histogram, histogramCounts, seriesPlot } from "../lib/course/charts";

/** n images of side×side pixels, pixel (r, c) of image k = k·1000 + r·side + c (so every value says where it came from). */
function numberedImages(n: number, side: number): Matrix {
  const d = side * side;
  const data = new Float32Array(n * d);
  for (let k = 0; k < n; k++) for (let i = 0; i < d; i++) data[k * d + i] = k * 1000 + i;
  return new Matrix(n, d, data);
}

/** Where tile k's pixel (r, c) sits in the grid heatmap: find the cell holding its unique value. */
function findValue(z: (number | null)[][], v: number): [number, number] | null {
  for (let y = 0; y < z.length; y++) { const x = z[y].indexOf(v); if (x >= 0) return [y, x]; }
  return null;
}

function serialisesPlainly(fig: PlotlyFigure) {
  const json = JSON.stringify(fig);
  expect(json).not.toMatch(/\{"0":/); // a typed array would serialise as {"0":…}
  expect(JSON.parse(json).data.length).toBe(fig.data.length);
}

describe("digitGrid", () => {
  it("places each image's pixels as a contiguous side×side block, in order, titled by its label", () => {
    const images = numberedImages(5, 4);
    const fig = digitGrid(images, [7, 2, 1, 0, 4], { count: 5, cols: 3 });
    const z = fig.data[0].z as (number | null)[][];
    for (let k = 0; k < 5; k++) {
      const [y0, x0] = findValue(z, k * 1000)!;
      for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(z[y0 + r][x0 + c]).toBe(k * 1000 + r * 4 + c);
    }
    // tiles 0,1,2 on the first grid row, 3,4 on the second, left to right
    const p = [0, 1, 2, 3, 4].map((k) => findValue(z, k * 1000)!);
    expect(p[0][0]).toBe(p[1][0]);
    expect(p[1][1]).toBeGreaterThan(p[0][1]);
    expect(p[3][0]).toBeGreaterThan(p[0][0]);
    expect(p[3][1]).toBe(p[0][1]);
    const titles = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
    expect(titles).toEqual(["7", "2", "1", "0", "4"]);
    serialisesPlainly(fig);
  });

  it("leaves the gaps between tiles empty (null), so they draw as background", () => {
    const fig = digitGrid(numberedImages(2, 4), null, { cols: 2 });
    const z = fig.data[0].z as (number | null)[][];
    const filled = z.flat().filter((v) => v !== null).length;
    expect(filled).toBe(2 * 16);
    expect((fig.layout.annotations as { text: string }[]).map((a) => a.text)).toEqual(["#0", "#1"]);
  });

  it("shows the chosen rows, uses given titles, and picks the colour range from the data", () => {
    const images = numberedImages(6, 4);
    const fig = digitGrid(images, null, { indices: [5, 2], titles: ["a", "b"] });
    const z = fig.data[0].z as (number | null)[][];
    expect(findValue(z, 5000)).not.toBeNull();
    expect(findValue(z, 2000)).not.toBeNull();
    expect(findValue(z, 0)).toBeNull();
    expect(fig.data[0].zmax).toBe(255);
    const unit = new Matrix(1, 4, new Float32Array([0, 0.5, 1, 0.25]));
    expect(digitGrid(unit, [3], { side: 2 }).data[0].zmax).toBe(1);
  });

  it("says so when the image is not square or an index is out of range", () => {
    expect(() => digitGrid(new Matrix(1, 5, new Float32Array(5)), null)).toThrow(/not a square/);
    expect(() => digitGrid(numberedImages(2, 4), null, { indices: [2] })).toThrow(/index 2 is outside 0..1/);
  });
});

describe("weightImages", () => {
  it("draws column j of W (in × h) as tile j, on a colour range symmetric about 0", () => {
    // W: 4 × 3, W[i][j] = (j+1)·(i − 1.5)
    const w = new Matrix(4, 3, new Float32Array(12));
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) w.data[i * 3 + j] = (j + 1) * (i - 1.5) + j * 0.01;
    const fig = weightImages(w, { count: 3, cols: 3 });
    const z = fig.data[0].z as (number | null)[][];
    for (let j = 0; j < 3; j++) {
      const [y0, x0] = findValue(z, w.data[j])!; // W[0][j] is the top-left pixel of tile j
      for (let i = 0; i < 4; i++) expect(z[y0 + Math.floor(i / 2)][x0 + (i % 2)]).toBe(w.data[i * 3 + j]);
    }
    const m = Math.max(...Array.from(w.data, Math.abs));
    expect(fig.data[0].zmax).toBeCloseTo(m, 6);
    expect(fig.data[0].zmin).toBeCloseTo(-m, 6);
    expect((fig.layout.annotations as { text: string }[]).map((a) => a.text)).toEqual(["unit 0", "unit 1", "unit 2"]);
    serialisesPlainly(fig);
  });
});

describe("digitImage", () => {
  it("puts pixel r·side + c at row r, column c, and writes only the non-zero values", () => {
    const pixels = new Uint8Array([0, 255, 128, 0]);
    const fig = digitImage(pixels);
    expect(fig.data[0].z).toEqual([[0, 255], [128, 0]]);
    expect(fig.data[0].text).toEqual([["", "255"], ["128", ""]]);
    expect(fig.data[0].zmax).toBe(255);
    expect(digitImage(new Float32Array([0, 0.5, 1, 0])).data[0].text).toEqual([["", "0.50"], ["1.00", ""]]);
    serialisesPlainly(fig);
  });
});

describe("histogram", () => {
  it("counts a hand-worked case: left-closed bins, the last bin includes its right edge, outsiders skipped", () => {
    const { edges, counts } = histogramCounts([0, 0.1, 0.5, 0.99, 1, 1.5, -1], 2, [0, 1]);
    expect(edges).toEqual([0, 0.5, 1]);
    expect(counts).toEqual([2, 3]);
  });

  it("keeps every value inside the range, and as fractions each series sums to 1", () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => (i * 37) % 256);
    const fig = histogram(values, { bins: 16, title: "pixels", xTitle: "pixel value" });
    expect((fig.data[0].y as number[]).reduce((a, b) => a + b, 0)).toBe(1000);
    const two = histogram([{ name: "a", values }, { name: "b", values: [1, 2, 3] }], { fraction: true, bins: 8 });
    for (const trace of two.data) expect((trace.y as number[]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect((fig.layout.xaxis as any).title.text).toBe("pixel value");
    serialisesPlainly(two);
  });

  it("refuses a bad bin count or an empty range", () => {
    expect(() => histogramCounts([1], 0, [0, 1])).toThrow(/bins/);
    expect(() => histogramCounts([1], 4, [1, 1])).toThrow(/hi > lo/);
  });
});

describe("confusion matrix", () => {
  it("counts (true, predicted) pairs, rows true and columns predicted, the diagonal the right ones", () => {
    const cm = confusionMatrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], 3);
    expect(cm).toEqual([
      [1, 0, 1],
      [0, 1, 0],
      [0, 1, 2],
    ]);
    const fig = confusionHeatmap(cm);
    expect((fig.layout.title as any).text).toContain("4 of 6 right");
    serialisesPlainly(fig);
  });

  it("refuses unpaired inputs and classes out of range, naming the example", () => {
    expect(() => confusionMatrix([0, 1], [0], 3)).toThrow(/2 predictions but 1 labels/);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/example 1/);
  });
});

describe("charts", () => {
  it("functionPlot samples f at evenly spaced points including both ends", () => {
    const fig = functionPlot([{ name: "square", f: (x) => x * x }], [-2, 2], { points: 5 });
    expect(fig.data[0].x).toEqual([-2, -1, 0, 1, 2]);
    expect(fig.data[0].y).toEqual([4, 1, 0, 1, 4]);
  });

  it("barChart and seriesPlot turn typed arrays into plain lists", () => {
    const bars = barChart(new Float32Array([0.25, 0.75]), { title: "p" });
    expect(bars.data[0].y).toEqual([0.25, 0.75]);
    expect(bars.data[0].x).toEqual(["0", "1"]);
    const lines = seriesPlot([{ name: "loss", y: new Float64Array([3, 2, 1]) }]);
    expect(lines.data[0].x).toEqual([0, 1, 2]);
    serialisesPlainly(bars);
    serialisesPlainly(lines);
  });
});
