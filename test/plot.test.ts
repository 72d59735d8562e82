import { createRequire } from "module";
import { describe, expect, it } from "vitest";
import { figureHtml, loadPlotly, newPlotId, plotlyBundleHtml, prepareFigure, show, toPlainData, type Figure } from "../lib/course/plot";

/** The figure object figureHtml embedded in its script (the line `var figure = {…};`). */
function embedded(html: string): { data: any[]; layout: any; config: any } {
  const match = /^\s*var figure = (.*);$/m.exec(html);
  if (!match) throw new Error("no `var figure = …;` line in the HTML");
  return JSON.parse(match[1]);
}

describe("toPlainData", () => {
  it("turns typed arrays into plain arrays at any depth (JSON would write {\"0\":…} otherwise)", () => {
    const plain = toPlainData({
      x: new Float32Array([0.5, 1.5]),
      z: [new Float64Array([1, 2]), new Float64Array([3, 4])],
      marker: { size: new Int32Array([7, 8]), color: ["red", "blue"] },
    });
    expect(plain).toEqual({ x: [0.5, 1.5], z: [[1, 2], [3, 4]], marker: { size: [7, 8], color: ["red", "blue"] } });
    expect(JSON.stringify(plain)).toBe('{"x":[0.5,1.5],"z":[[1,2],[3,4]],"marker":{"size":[7,8],"color":["red","blue"]}}');
  });

  it("keeps a Float32Array's values exactly (0.1 stays the float32 nearest 0.1)", () => {
    const f = new Float32Array([0.1, 1 / 3]);
    expect(toPlainData(f)).toEqual([f[0], f[1]]);
  });

  it("writes NaN and ±Infinity as null, which plotly draws as a gap", () => {
    expect(JSON.stringify(toPlainData([1, NaN, Infinity, -Infinity, new Float64Array([NaN])]))).toBe("[1,null,null,null,[null]]");
  });

  it("turns an object with toRows() (a Matrix) into its rows", () => {
    const matrixLike = { rows: 2, cols: 2, toRows: () => [[1, 2], [3, 4]] };
    expect(toPlainData({ z: matrixLike })).toEqual({ z: [[1, 2], [3, 4]] });
  });
});

describe("figureHtml", () => {
  const figure: Figure = {
    data: [{ type: "scatter", x: new Float32Array([1, 2, 3]), y: new Float64Array([4, 5, 6]), name: "loss" }],
    layout: { title: { text: "Loss" } },
  };

  it("embeds the figure with plain arrays, so the page gets numbers, not {\"0\":…} objects", () => {
    const fig = embedded(figureHtml(figure, "plot-a"));
    expect(fig.data[0].x).toEqual([1, 2, 3]);
    expect(fig.data[0].y).toEqual([4, 5, 6]);
    expect(fig.layout.title).toEqual({ text: "Loss" });
  });

  it("draws into its own div once window.Plotly exists (loadPlotly puts it there)", () => {
    const html = figureHtml(figure, "plot-b");
    expect(html).toMatch(/<div id="plot-b" class="nn-plot" style="[^"]*height:440px"><\/div>/);
    expect(html).toContain('var id = "plot-b"');
    expect(html).toContain("if (!window.Plotly)");
    expect(html).toContain("setTimeout(draw, 50)");
    expect(html).toContain("window.Plotly.newPlot(el, figure.data, layout, figure.config)");
    expect(html).toContain("new IntersectionObserver("); // drawn when it comes into view
    expect(html).toContain("run loadPlotly()"); // what a student reads when plotly.js is missing
  });

  it("cannot be cut short by a string in the figure (</script> inside a name)", () => {
    const html = figureHtml({ data: [{ name: "</script><b>x" }] }, "plot-c");
    expect(html.match(/<\/script>/g)).toHaveLength(1); // only the real end tag
    expect(html).not.toContain("<b>x"); // nor in the caption or the table: escaped there
    expect(embedded(html).data[0].name).toBe("</script><b>x");
  });

  it("merges the caller's layout over the projector-sized defaults, key by key", () => {
    const fig = embedded(figureHtml({ data: [], layout: { height: 300, margin: { l: 10 }, font: { color: "red" } } }, "plot-d"));
    expect(fig.layout.height).toBe(300);
    expect(fig.layout.margin).toEqual({ l: 10, r: 30, t: 60, b: 70 });
    expect(fig.layout.font).toEqual({ size: 16, family: "Helvetica, Arial, sans-serif", color: "red" });
    expect(fig.config).toEqual({ responsive: true, displaylogo: false });
    expect(figureHtml({ data: [], layout: { height: 300, width: 500 } }, "plot-e")).toContain('style="width:500px;max-width:100%;height:300px"');
  });

  it("turns string titles into { text } (plotly.js 3 ignores string titles)", () => {
    const fig = prepareFigure({ data: [], layout: { title: "Loss", xaxis: { title: "epoch" }, yaxis2: { title: "accuracy" } } });
    expect(fig.layout.title).toEqual({ text: "Loss" });
    expect(fig.layout.xaxis).toEqual({ title: { text: "epoch" } });
    expect(fig.layout.yaxis2).toEqual({ title: { text: "accuracy" } });
  });

  it("gives every chart a different id when none is passed", () => {
    const ids = new Set([newPlotId(), newPlotId(), newPlotId()]);
    expect(ids.size).toBe(3);
    const html = figureHtml({ data: [] });
    expect(html).toMatch(/<div id="nn-plot-[\w-]+" class="nn-plot"/);
  });

  it("refuses an id that would break the HTML, and a figure without data, saying what it found", () => {
    expect(() => figureHtml({ data: [] }, 'x" onload="alert(1)')).toThrow(/id must be letters/);
    expect(() => figureHtml([{ x: [1] }] as unknown as Figure)).toThrow(/found an array of 1 \(pass \{ data: thatArray \}\)/);
  });
});

describe("plotly bundle", () => {
  it("is plotly.js from node_modules in one <script> element that defines Plotly", () => {
    const html = plotlyBundleHtml();
    expect(html.startsWith('<script type="text/javascript">')).toBe(true);
    expect(html).toContain("plotly.js v3");
    expect(html.length).toBeGreaterThan(3_000_000);
    expect(html.match(/<\/script>/gi)).toHaveLength(1);
    expect(html).toMatch(/plotly\.js 3\.\d+\.\d+ loaded \(offline\)/);
  });
});

describe("outside the kernel", () => {
  it("show() and loadPlotly() throw an error that says they need the tslab kernel and what to use instead", () => {
    expect(() => show({ data: [] })).toThrow(/tslab kernel.*figureHtml\(figure\)/);
    expect(() => loadPlotly()).toThrow(/loadPlotly\(\) draws in a Jupyter notebook running the tslab kernel/);
  });

  it("importing lib/index (as vitest and tsx do) does not load tslab", async () => {
    await import("../lib/index");
    const cache = createRequire(import.meta.url).cache;
    const tslabModules = Object.keys(cache).filter((k) => /node_modules[\\/](tslab|@tslab)[\\/]/.test(k));
    expect(tslabModules).toEqual([]);
    expect((globalThis as { __tslab__?: unknown }).__tslab__).toBeUndefined();
  });
});
