import { describe, expect, it } from "vitest";
import { chartTitleHtml, describeFigure, figureDataTable, formatValue, plainText, safeInlineHtml } from "../lib/course/figure-text";
import { figureHtml, prepareFigure, type Figure } from "../lib/course/plot";

/** The cells of every row of the HTML tables, header rows included. */
function cells(html: string): string[][] {
  return [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((c) => c[1]));
}

describe("a chart in words (figure-text)", () => {
  const raw: Figure = {
    data: [
      { type: "scatter", name: "SGD", x: [1, 2, 3], y: [2.3, 0.5, 0.7] },
      { type: "scatter", name: "Adam", x: [1, 2, 3], y: [1.2, 0.4, 0.2] },
    ],
    layout: { title: "Loss <span style='color:red'>falls</span>", xaxis: { title: "epoch" }, yaxis: { title: "loss" } },
  };
  const curves = prepareFigure(raw);

  it("says where each series starts, ends and peaks, with the axes' names", () => {
    const text = describeFigure(curves);
    expect(text).toContain("Line chart of loss against epoch, 2 series.");
    expect(text).toContain("SGD: 2.3 at 1 to 0.7 at 3; lowest 0.5 at 2."); // the highest is the first point: said once
    expect(text).toContain("Adam: 1.2 at 1 to 0.2 at 3.");
  });

  it("puts series with the same x in one table, a column each, with row headers", () => {
    const rows = cells(figureDataTable(curves));
    expect(rows).toEqual([["epoch", "SGD", "Adam"], ["1", "2.3", "1.2"], ["2", "0.5", "0.4"], ["3", "0.7", "0.2"]]);
    expect(figureDataTable(curves)).toContain('<th scope="row">1</th>');
  });

  it("samples a long series evenly, first and last kept, and says so", () => {
    const y = Array.from({ length: 1000 }, (_, i) => i);
    const html = figureDataTable(prepareFigure({ data: [{ type: "scatter", name: "loss", y }], layout: { xaxis: { title: "update" } } }));
    const rows = cells(html).slice(1);
    expect(rows.length).toBe(60);
    expect(rows[0]).toEqual(["0", "0"]);
    expect(rows[59]).toEqual(["999", "999"]);
    expect(html).toContain("60 of 1000 points, evenly spaced");
  });

  it("names the highest and lowest bar", () => {
    const text = describeFigure(prepareFigure({ data: [{ type: "bar", x: ["0", "1", "2"], y: [0.1, 0.7, 0.2] }], layout: { xaxis: { title: "class" }, yaxis: { title: "probability" } } }));
    expect(text).toBe("Bar chart of probability against class, 1 series. series 1: highest 0.7 at 1, lowest 0.1 at 0.");
  });

  it("writes a small heatmap out cell by cell, and summarises a big one", () => {
    const cm = prepareFigure({ data: [{ type: "heatmap", z: [[5, 1], [0, 4]], x: ["0", "1"], y: ["0", "1"] }], layout: { xaxis: { title: "predicted" }, yaxis: { title: "true" } } });
    expect(cells(figureDataTable(cm))).toEqual([["true \\ predicted", "0", "1"], ["0", "5", "1"], ["1", "0", "4"]]);
    expect(describeFigure(cm)).toBe("A 2 × 2 grid of values (rows: true, columns: predicted), from 0 to 5, mean 2.5.");
    const big = prepareFigure({ data: [{ type: "heatmap", z: Array.from({ length: 40 }, () => new Array(40).fill(1)) }], layout: {} });
    expect(cells(figureDataTable(big))).toContainEqual(["rows × columns", "40 × 40"]);
  });

  it("keeps plotly's <b>, <i>, <sub>, <br> in a title and drops every other tag, escaping the text", () => {
    expect(safeInlineHtml("W<sub>1</sub> <span style='x'>a & b</span> <script>x</script><br>")).toBe("W<sub>1</sub> a &amp; b x<br>");
    expect(chartTitleHtml({ title: { text: "<b>α</b> < 1" } })).toBe("<b>α</b> &lt; 1");
    expect(plainText("a<br>b <i>c</i>")).toBe("a b c");
  });

  it("formats numbers as a reader says them", () => {
    expect([formatValue(0.123456), formatValue(12), formatValue(1e-5), formatValue(null), formatValue(NaN)]).toEqual(["0.123", "12", "1.00e-5", "–", "–"]);
  });

  it("makes each chart a <figure> named by its caption, with a note of what to notice and its data", () => {
    const html = figureHtml({ ...raw, caption: "Adam ends lower." }, "plot-t");
    expect(html).toContain('<figure class="nn-figure">');
    expect(html).toMatch(/<figcaption id="plot-t-caption"><strong class="nn-figure-title">Loss falls<\/strong> <span class="nn-figure-text">Adam ends lower\. Line chart/);
    expect(html).toMatch(/<details class="nn-figure-data"><summary>[^<]+<\/summary><div class="nn-figure-scroll" tabindex="0"><table>/);
  });
});
