// Plotly charts inside the notebooks, offline.
//
//   import { loadPlotly, show } from "./lib/index";
//   loadPlotly();                                   // first code cell: puts plotly.js on the page, once
//   show({ data: [{ x: epochs, y: losses, type: "scatter" }],
//          layout: { xaxis: { title: { text: "epoch" } }, yaxis: { title: { text: "loss" } } } });
//
// loadPlotly() emits the plotly.js bundle (read from node_modules, no CDN) as a <script>; every show()
// emits a <figure> (its caption: the title, what to notice, the data in words; its data as a table: see
// ./figure-text.ts) around a <div>, and a small script (./plot-script.ts) that draws into the div with
// window.Plotly when it comes into view. That is what the live classic Notebook, nbconvert's HTML export and
// the book run. figureHtml() builds that snippet without a kernel (tests, scripts).
//
// This file never loads tslab at the top: lib/index is imported by vitest and tsx too. Inside the tslab
// kernel, tslab puts its `require` on globalThis.__tslab__; show() asks it for `tslab` only when drawing.

import { readFileSync } from "fs";
import { dirname, join } from "path";
import { findUpward } from "../paths";
import { chartTitleHtml, describeFigure, escapeHtml, figureDataTable } from "./figure-text";
import { plotScript } from "./plot-script";

/** One plotly trace: { type: "scatter", x, y, … }. Typed arrays (and arrays of them) are fine anywhere. */
export interface Trace {
  type?: string;
  name?: string;
  x?: unknown;
  y?: unknown;
  z?: unknown;
  mode?: string;
  [key: string]: unknown;
}

/** A plotly figure as plotly.js takes it. Titles may be plain strings: they become { text }. */
export interface Figure {
  data: Trace[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
  /** What to notice, in words: the start of the chart's caption (a description of its data follows). */
  caption?: string;
}

/**
 * Defaults sized for a projector: large type, room for axis titles, full output width.
 * The caller's layout wins, key by key (nested objects are merged, arrays replaced).
 */
export const plotDefaults = {
  layout: {
    height: 440,
    margin: { l: 80, r: 30, t: 60, b: 70 },
    font: { size: 16, family: "Helvetica, Arial, sans-serif" },
    hoverlabel: { font: { size: 15 } },
    legend: { font: { size: 15 } },
  } as Record<string, unknown>,
  config: { responsive: true, displaylogo: false } as Record<string, unknown>,
};

const PLOT_CLASS = "nn-plot"; // the HTML check (scripts/checks/check-html.mjs) looks for divs of this class

// ------------------------------------------------------------------------------------------ pure parts

/**
 * A copy of `value` that JSON.stringify writes as plotly expects: typed arrays become plain arrays
 * (JSON.stringify(new Float32Array([1, 2])) would give {"0":1,"1":2}), at any depth; an object with a
 * toRows() method (a Matrix) becomes its rows; NaN and ±Infinity become null (a gap in a line).
 */
export function toPlainData(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value !== "object") return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const list = value as unknown as ArrayLike<number | bigint>;
    const out = new Array<unknown>(list.length);
    for (let i = 0; i < list.length; i++) out[i] = toPlainData(list[i]);
    return out;
  }
  if (Array.isArray(value)) return value.map(toPlainData);
  if (value instanceof Date) return value.toISOString();
  const rows = (value as { toRows?: unknown }).toRows;
  if (typeof rows === "function") return toPlainData(rows.call(value));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = toPlainData(v);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** defaults ⊕ over: over wins; nested plain objects are merged, everything else replaced. */
function merge(defaults: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...defaults };
  for (const key of Object.keys(over)) {
    const d = out[key];
    const o = over[key];
    if (o === undefined) continue;
    out[key] = isPlainObject(d) && isPlainObject(o) ? merge(d, o) : o;
  }
  return out;
}

/** plotly.js 3 dropped string titles: { title: "Loss" } must be { title: { text: "Loss" } }. */
function fixTitles(layout: Record<string, unknown>): Record<string, unknown> {
  const out = { ...layout };
  for (const key of Object.keys(out)) {
    const isAxis = /^(x|y)axis\d*$/.test(key) || key === "coloraxis";
    if (key === "title" && typeof out.title === "string") out.title = { text: out.title };
    else if (isAxis && isPlainObject(out[key]) && typeof (out[key] as Record<string, unknown>).title === "string") {
      out[key] = { ...(out[key] as Record<string, unknown>), title: { text: (out[key] as Record<string, unknown>).title } };
    }
  }
  return out;
}

/** The figure as it is sent to plotly.js: plain arrays, default layout and config merged in. */
export function prepareFigure(figure: Figure): { data: unknown[]; layout: Record<string, unknown>; config: Record<string, unknown> } {
  if (!figure || !Array.isArray(figure.data)) {
    throw new Error(`show/figureHtml: expected a figure { data: [traces…], layout?, config? }, found ${describeValue(figure)}`);
  }
  const layout = fixTitles(merge(plotDefaults.layout, (toPlainData(figure.layout ?? {}) as Record<string, unknown>)));
  const config = merge(plotDefaults.config, (toPlainData(figure.config ?? {}) as Record<string, unknown>));
  return { data: toPlainData(figure.data) as unknown[], layout, config };
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length} (pass { data: thatArray })`;
  if (typeof v === "object") return `an object with keys ${Object.keys(v).join(", ") || "(none)"}`;
  return `${typeof v} ${String(v)}`;
}

let plotCount = 0;

/** A fresh id for a chart's div, unique on the page (the page outlives kernel restarts). */
export function newPlotId(): string {
  plotCount += 1;
  return `nn-plot-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}-${plotCount}`;
}

/** JSON that is safe inside a <script> element: no "<" can close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * The HTML that draws `figure`: a <figure> holding its title and caption (the figure's accessible name), the
 * chart's div (its drawing hidden from screen readers: the caption and the table say it), and its data as a
 * table in a <details>; then a script that draws the chart with plotly.js when it
 * comes into view (lib/course/plot-script.ts). `figure.caption` (or `text.caption`) says what to notice; a
 * description of the data in words always follows it. Pure: no kernel needed.
 */
export function figureHtml(figure: Figure, id: string = newPlotId(), text: { caption?: string } = {}): string {
  if (!/^[A-Za-z][\w-]*$/.test(id)) throw new Error(`figureHtml: id must be letters, digits, "-" or "_" (starting with a letter), found "${id}"`);
  const fig = prepareFigure(figure);
  const height = typeof fig.layout.height === "number" ? `${fig.layout.height}px` : "440px";
  const width = typeof fig.layout.width === "number" ? `${fig.layout.width}px` : "100%";
  const title = chartTitleHtml(fig.layout);
  const caption = text.caption ?? figure.caption;
  const words = [caption ? escapeHtml(caption) : "", escapeHtml(describeFigure(fig))].filter((s) => s).join(" ");
  return [
    FIGURE_STYLE,
    `<figure class="nn-figure">`,
    `<figcaption id="${id}-caption">${title ? `<strong class="nn-figure-title">${title}</strong> ` : ""}<span class="nn-figure-text">${words}</span></figcaption>`,
    `<div id="${id}" class="${PLOT_CLASS}" style="width:${width};max-width:100%;height:${height}"></div>`,
    `<details class="nn-figure-data"><summary>The chart's data as a table</summary><div class="nn-figure-scroll" tabindex="0">${figureDataTable(fig)}</div></details>`,
    `</figure>`,
    plotScript(id, scriptJson(fig)),
  ].join("\n");
}

/** The figures' look, with the page's colours where it sets them (the book's dark theme: web/book/book.css). */
const FIGURE_STYLE =
  "<style>.nn-figure{margin:8px 0 16px;max-width:100%}" +
  ".nn-figure figcaption{font:15px/1.4 Helvetica,Arial,sans-serif;color:var(--nn-text,#222);margin:0 0 4px}" +
  ".nn-figure-title{display:block;font-size:17px}" +
  ".nn-figure-data{font:14px/1.4 Helvetica,Arial,sans-serif;color:var(--nn-text,#222)}" +
  ".nn-figure-data summary{cursor:pointer;color:var(--nn-link,#24538a)}" +
  ".nn-figure-scroll{max-height:360px;overflow:auto}" +
  ".nn-figure-data table{border-collapse:collapse;margin:6px 0}" +
  ".nn-figure-data caption{text-align:left;font-weight:bold;padding:4px 0}" +
  ".nn-figure-data th,.nn-figure-data td{border:1px solid #999;padding:2px 6px;text-align:right}" +
  ".nn-figure-text{font-size:14px}" +
  "@media (forced-colors:active){.nn-plot{forced-color-adjust:none}}</style>"; // high contrast: the chart keeps its colours

// ------------------------------------------------------------------------------------------ the bundle

/** Where plotly.js-dist-min is: node_modules of the working directory (the project root) or above it. */
export function plotlyBundlePath(): string {
  const file = findUpward(join("node_modules", "plotly.js-dist-min", "plotly.min.js"));
  if (file !== null) return file;
  throw new Error(
    `loadPlotly: node_modules/plotly.js-dist-min/plotly.min.js not found from ${process.cwd()} upwards; ` +
      "run `npm ci` in the project root (the kernel must run there: use the project's kernel)",
  );
}

let bundleHtml: string | null = null;

/** The <script> that defines window.Plotly (about 4.8 MB), with a one-line note saying it loaded. */
export function plotlyBundleHtml(): string {
  if (bundleHtml === null) {
    const file = plotlyBundlePath();
    const code = readFileSync(file, "utf8").replace(/<\/script/gi, "<\\/script");
    let version = "";
    try {
      version = JSON.parse(readFileSync(join(dirname(file), "package.json"), "utf8")).version;
    } catch {
      /* the note just has no version */
    }
    bundleHtml =
      `<script type="text/javascript">\n${code}\n</script>\n` +
      // the page's own text colour, a little lighter: readable on a light and a dark page alike
      `<div style="opacity:0.8;font-size:12px">plotly.js ${version} loaded (offline): charts below draw with it.</div>`;
  }
  return bundleHtml;
}

// ------------------------------------------------------------------------------------------ in the kernel

interface TslabDisplay {
  html(s: string): void;
}

let outputFlowing = false;

/**
 * Inside the tslab kernel: let a long synchronous cell send as many outputs as it likes.
 * zeromq.js answers every 512th send on a socket "later", and a second send before the event loop turns
 * throws "Socket is busy writing"; tslab does not catch it, so lines of console.log vanish and display
 * updates throw in the middle of training. A send timeout of 0 makes every send immediate (a
 * publisher socket never blocks). Returns true when the kernel's sockets are patched (idempotent);
 * false outside the kernel, where there is nothing to do.
 */
export function keepKernelOutputFlowing(): boolean {
  if (outputFlowing) return true;
  const req = kernelRequire();
  if (req === null) return false;
  try {
    const zmq = req("zeromq");
    const proto = zmq?.Publisher?.prototype;
    const send = proto?.send;
    if (typeof send !== "function") return false;
    Object.defineProperty(proto, "send", {
      configurable: true,
      writable: true,
      value: function (this: { sendTimeout: number }, message: unknown) {
        if (this.sendTimeout !== 0) this.sendTimeout = 0;
        return send.call(this, message);
      },
    });
    outputFlowing = true;
    return true;
  } catch {
    return false;
  }
}

/** The kernel's `require` (tslab puts it on globalThis.__tslab__) when running in tslab, else null. */
export function kernelRequire(): ((id: string) => any) | null {
  const host = (globalThis as { __tslab__?: { require?: (id: string) => any } }).__tslab__;
  return host && typeof host.require === "function" ? host.require : null;
}

/** tslab's display, when this code runs inside the tslab kernel; an Error that says why otherwise. */
function notebookDisplay(what: string): TslabDisplay {
  const req = kernelRequire();
  if (req === null) {
    throw new Error(
      `${what} draws in a Jupyter notebook running the tslab kernel, and there is none here (vitest, tsx or node). ` +
        "Outside a notebook use figureHtml(figure) to get the chart as HTML.",
    );
  }
  const tslab = req("tslab") as { display?: TslabDisplay };
  if (!tslab || !tslab.display || typeof tslab.display.html !== "function") {
    throw new Error(`${what}: this tslab has no display.html (tslab 1.0.22 has it; check node_modules/tslab)`);
  }
  return tslab.display;
}

/** Put plotly.js on the notebook page. Call it once, in the first code cell of a notebook. */
export function loadPlotly(): void {
  keepKernelOutputFlowing(); // once per kernel: no output of a long cell is lost
  notebookDisplay("loadPlotly()").html(plotlyBundleHtml());
}

/** Put any HTML in the current cell's output (the widgets of lib/course/widgets.ts use it). */
export function showHtml(html: string, what = "showHtml()"): void {
  notebookDisplay(what).html(html);
}

/** Draw a plotly figure { data, layout?, config? } in the current cell's output; `caption`: what to notice. */
export function show(figure: Figure, caption?: string): void {
  const html = figureHtml(figure, newPlotId(), caption === undefined ? {} : { caption });
  notebookDisplay("show()").html(html);
}
