// npm run book [-- --serve] [-- --port 8000] [-- --no-run] [-- --chapters 01,05]
//
// Builds build/book/, the whole course as a static web site, from the executed chapters in build/notebooks/
// (npm test or `npm run notebooks` writes them; missing ones are executed first, unless --no-run):
//   index.html          the chapter list (every notebooks/NN-*.ipynb, found, not listed here)
//   NN-name.html        a chapter: its maths typeset by KaTeX, its plotly charts, its code highlighted,
//                       previous/next links; its code cells runnable in the page (scripts/lib/book-runnable.mjs)
//   notation.html       the notation page (notebooks/notation.ipynb: every symbol and its one meaning), linked
//                       from the index and from no chain of previous/next
//   pad.html            the digit pad, with a network trained here (784-256-10, Adam) travelling inside the page
//   playground.html     the playground (training in a Web Worker on a 5,000-image subset inside the page)
//   assets/             plotly.js, KaTeX with its fonts, the style sheets, the widgets' script, the runner's
//                       script (runner.js) and the data the cells read (book-data/: MNIST, results/, data/)
// Everything is inside the folder: it opens from the file system (file://) or any static host, offline.
// With --serve it is then served on http://127.0.0.1:PORT/ (default 8000) for a class; Ctrl-C stops it.
import { spawnSync } from "child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import { createServer, type Server } from "http";
import { basename, extname, isAbsolute, join, relative, resolve, sep } from "path";
import {
  adam, evaluateDataset, loadMnist, mlp, modelFromJson, modelToJson, train, type Sequential,
} from "../../lib/index";
import { digitPadHtml, playgroundHtml, widgetScript } from "../../lib/course/widgets";
import { findPython, jupyterEnv, ROOT } from "../lib/setup.mjs";
import { fail, parseCommandLine, wholeNumber } from "../lib/cli.mjs";
import { ensureWidgetBundle } from "../lib/widget-bundle.mjs";
import { onParentGone } from "../lib/lifeline.mjs";
import { copyRunnerAssets, runnableBlock } from "../lib/book-runnable.mjs";
import { checkOutputPaths, reason, writeFileAtomic } from "../../lib/files";

/** The site; built in STAGE (beside it, same file system) and swapped in whole, so a failed build leaves the previous one. */
const SITE = join(ROOT, "build", "book");
const STAGE = join(ROOT, "build", `.book-new-${process.pid}`);
const OLD = join(ROOT, "build", `.book-old-${process.pid}`);
const PAD_CACHE = join(ROOT, "build", "pad-model.json");
let OUT = STAGE; // where the pages are written: the stage while building, the site once swapped in
const EXECUTED = join(ROOT, "build", "notebooks");
const COURSE = "A neural network from scratch, in TypeScript";
/** Pages of notebooks/ that are not chapters, shown after them in the index: the notation page. */
const REFERENCE_PAGES = ["notation.ipynb"];

interface Chapter {
  name: string; // "02-forward-pass"
  title: string; // from the first "# " heading
  file: string; // "02-forward-pass.html"
}

const HELP = `Usage: npm run book [-- --serve] [-- --port N] [-- --no-run]

Builds build/book/, the course as a static site that works offline, from the executed chapters in build/notebooks/.
  --serve     then serve it on http://127.0.0.1:PORT/ (Ctrl-C stops)
  --port N    the port for --serve (default 8000)
  --no-run    stop, saying what to run, if a chapter has no up-to-date executed copy (default: execute it first)
  --chapters LIST  only these chapters, by number (e.g. 01,05): a quicker build while working on them`;

/** The command line (scripts/lib/cli.mjs): an unknown option or a bad port is refused with one line (exit 2). */
function commandLine(): { serve: boolean; port: number; noRun: boolean; chapters: string[] | null } {
  const { values } = parseCommandLine("book", {
    options: { serve: { type: "boolean" }, port: { type: "string" }, "no-run": { type: "boolean" }, chapters: { type: "string" } },
    help: HELP,
  });
  const port = values.port === undefined ? 8000 : wholeNumber("book", "--port", String(values.port), 1, 65535);
  const chapters = values.chapters === undefined ? null : String(values.chapters).split(",").map((c) => c.trim()).filter(Boolean);
  if (chapters !== null && (chapters.length === 0 || chapters.some((c) => !/^\d{2}$/.test(c)))) {
    fail("book", `--chapters expects two-digit chapter numbers separated by commas (e.g. 01,05), found "${values.chapters}"`);
  }
  return { serve: values.serve === true, port, noRun: values["no-run"] === true, chapters };
}

const fragments = join(ROOT, "build", `.book-fragments-${process.pid}`);

function main(): void {
  const { serve, port, noRun, chapters: only } = commandLine();

  const sources = readdirSync(join(ROOT, "notebooks"))
    .filter((f) => /^\d+.*\.ipynb$/.test(f) && (only === null || only.includes(f.slice(0, 2))))
    .sort();
  if (sources.length === 0) throw new Error("book: no notebooks/NN-*.ipynb found");
  const reference = REFERENCE_PAGES.filter((f) => existsSync(join(ROOT, "notebooks", f)));
  ensureExecuted([...sources, ...reference], noRun);

  checkOutputPaths([{ path: PAD_CACHE, what: "the digit pad's model cache" }]);
  if (existsSync(SITE) && !statSync(SITE).isDirectory()) throw new Error(`book: ${relative(ROOT, SITE)} is a file, not a folder: move it away`);
  process.on("exit", () => {
    rmSync(STAGE, { recursive: true, force: true }); // this run's own folders only
    rmSync(fragments, { recursive: true, force: true });
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => process.exit(1));
  mkdirSync(join(OUT, "assets"), { recursive: true });
  const notebooks = [...sources, ...reference].map((f) => prepareNotebook(f, fragments));
  renderFragments(fragments, notebooks);
  copyAssets(fragments);

  const asPage = (f: string): Chapter => {
    const name = f.replace(/\.ipynb$/, "");
    return { name, title: chapterTitle(join(EXECUTED, f), name), file: `${name}.html` };
  };
  const chapters: Chapter[] = sources.map(asPage);
  const references: Chapter[] = reference.map(asPage);
  const extras: Chapter[] = [
    { name: "pad", title: "Draw a digit", file: "pad.html" },
    { name: "playground", title: "Playground: train in your browser", file: "playground.html" },
  ];
  const pages = [...chapters, ...extras];
  const navFor = (i: number, where: "top" | "bottom" = "top") => nav(i > 0 ? pages[i - 1] : null, i + 1 < pages.length ? pages[i + 1] : null, where);

  writeFileSync(join(OUT, "index.html"), indexPage(chapters, references, extras));
  chapters.forEach((c, i) => {
    const body = readFileSync(join(fragments, `${c.name}.html`), "utf8");
    writeFileSync(join(OUT, c.file), page(c.title, `${navFor(i)}\n${body}\n${runnableBlock(c.name)}\n${navFor(i, "bottom")}`));
  });
  for (const c of references) {
    const body = readFileSync(join(fragments, `${c.name}.html`), "utf8");
    writeFileSync(join(OUT, c.file), page(c.title, `${nav(null, null, "top")}\n${body}\n${nav(null, null, "bottom")}`));
  }
  const { net, accuracy } = padModel();
  const padIntro =
    `<h1>Draw a digit</h1><div class="book-prose"><p>A 784 → 256 → 10 network (ReLU, softmax), trained on the 60,000 MNIST ` +
    `training images with Adam for 3 epochs; it reads ${(100 * accuracy).toFixed(2)} % of the 10,000 test digits right. Its weights are ` +
    `inside this page. Your drawing is prepared the way MNIST's digits were: its bounding box scaled into 20 × 20 pixels keeping ` +
    `its shape, then placed in 28 × 28 with its centre of mass in the middle ($\\bar x = \\bar y = 14$).</p></div>`;
  writeFileSync(join(OUT, "pad.html"), page("Draw a digit", `${navFor(chapters.length)}\n${padIntro}\n${digitPadHtml(net, { script: false })}`, { widgets: true }));
  const pgIntro =
    `<h1>Playground: train in your browser</h1><div class="book-prose"><p>The course's own library, running in this page: ` +
    `choose the hidden layer's size, its activation, the learning rate $\\alpha$, the batch size (full batch, a mini-batch, ` +
    `or one example: gradient descent, mini-batch and stochastic gradient descent) and the optimizer, then press Train. ` +
    `It trains a network with one hidden layer (784 → hidden → 10) on 5,000 training digits and measures it on 1,000 test digits it never trains on.</p></div>`;
  writeFileSync(join(OUT, "playground.html"), page(extras[1].title, `${navFor(chapters.length + 1)}\n${pgIntro}\n${playgroundHtml({ script: false })}`, { widgets: true }));
  rmSync(fragments, { recursive: true, force: true });

  // Swap the new site in whole: the old one moves aside, the new one takes its name, the old one goes.
  if (existsSync(SITE)) renameSync(SITE, OLD);
  renameSync(STAGE, SITE);
  OUT = SITE;
  rmSync(OLD, { recursive: true, force: true });
  const files = readdirSync(OUT).filter((f) => f.endsWith(".html")).length;
  console.log(`book: ${files} pages in ${relative(process.cwd(), OUT) || OUT}/ (open index.html, or npm run book -- --serve)`);
  if (serve) serveBook(port);
}

// ---------------------------------------------------------------------------------------------- notebooks

/** Execute the chapters that have no executed copy yet (or whose copy is older than the notebook). */
function ensureExecuted(sources: string[], noRun: boolean): void {
  const stale = sources.filter((f) => {
    const done = join(EXECUTED, f);
    return !existsSync(done) || statSync(done).mtimeMs < statSync(join(ROOT, "notebooks", f)).mtimeMs;
  });
  if (stale.length === 0) return;
  const list = stale.map((f) => `notebooks/${f}`);
  if (noRun) {
    throw new Error(`book: these chapters have no up-to-date executed copy in build/notebooks/: ${stale.join(", ")}; run \`npm run notebooks -- ${list.join(" ")}\``);
  }
  console.log(`book: executing ${stale.length} chapter(s) first: ${stale.join(", ")}`);
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "scripts", "commands", "notebooks.ts"), ...list], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`book: executing the chapters failed (see above); fix them, then run npm run book again`);
}

interface NotebookJson {
  cells: Array<{ cell_type: string; source: string | string[]; outputs?: Array<{ data?: Record<string, string | string[]> }> }>;
}

const text = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join("") : v ?? "");

/**
 * The executed notebook, ready for the page: the output that carries the whole plotly.js bundle (loadPlotly())
 * is dropped, since every page loads it once from assets/. Written to `dir`; returns its path.
 */
function prepareNotebook(file: string, dir: string): string {
  const nb = readNotebook(join(EXECUTED, file));
  for (const cell of nb.cells) {
    if (!cell.outputs) continue;
    cell.outputs = cell.outputs.filter((o) => {
      const html = text(o.data?.["text/html"]);
      return !(html.length > 1_000_000 && html.includes("loaded (offline)"));
    });

  }
  mkdirSync(dir, { recursive: true });
  const out = join(dir, file);
  writeFileSync(out, JSON.stringify(nb));
  return out;
}

/** Markdown to HTML and code highlighted, by nbconvert (scripts/jupyter/book_render.py). */
function renderFragments(dir: string, notebooks: string[]): void {
  const python = findPython(["nbconvert", "nbformat", "pygments"]);
  if (python === null) throw new Error("book: no Python with nbconvert found: run `npm run setup` first");
  const r = spawnSync(python.exe, [join(ROOT, "scripts", "jupyter", "book_render.py"), dir, ...notebooks], {
    cwd: ROOT,
    env: jupyterEnv(),
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) throw new Error("book: rendering the chapters with nbconvert failed (see above)");
}

/** An executed notebook, checked: JSON with a list of cells, each with a type and a source (missing ones made empty). */
export function readNotebook(file: string): NotebookJson {
  const where = relative(ROOT, file) || file;
  let nb: NotebookJson;
  try {
    nb = JSON.parse(readFileSync(file, "utf8")) as NotebookJson;
  } catch (e) {
    throw new Error(`book: ${where}: cannot read the executed chapter: ${reason(e)}; run \`npm run notebooks -- notebooks/${basename(file)}\` again`);
  }
  if (nb === null || typeof nb !== "object" || !Array.isArray(nb.cells)) {
    throw new Error(`book: ${where}: not a notebook (expected an object with a list "cells"); run \`npm run notebooks -- notebooks/${basename(file)}\` again`);
  }
  nb.cells.forEach((cell, i) => {
    if (cell === null || typeof cell !== "object" || typeof cell.cell_type !== "string") {
      throw new Error(`book: ${where}: cell ${i + 1} is not a notebook cell (no cell_type)`);
    }
    if (cell.source === undefined) cell.source = ""; // nbconvert needs one; an empty cell renders as nothing
  });
  return nb;
}

function chapterTitle(file: string, name: string): string {
  const nb = readNotebook(file);
  for (const cell of nb.cells) {
    if (cell.cell_type !== "markdown") continue;
    const m = /^#\s+(.+)$/m.exec(text(cell.source));
    if (m) return m[1].replace(/[*_`]/g, "").trim();
  }
  return name;
}

// ---------------------------------------------------------------------------------------------- the pad's network

/** 784-256-10, Adam (α = 0.001), batches of 128, 3 epochs, seed 1; kept in build/ so rebuilds skip training. */
function padModel(): { net: Sequential; accuracy: number } {
  const cache = PAD_CACHE;
  const recipe = "784-256-10 relu adam 0.001 b128 e3 seed1";
  if (existsSync(cache)) {
    try {
      const saved = JSON.parse(readFileSync(cache, "utf8")) as { recipe: string; accuracy: number; model: string };
      if (saved.recipe === recipe && typeof saved.accuracy === "number") return { net: modelFromJson(saved.model, cache), accuracy: saved.accuracy };
    } catch (e) {
      console.log(`book: ${relative(ROOT, cache)} is damaged or from an older library (${reason(e).split("\n")[0].slice(0, 120)}): training again`);
    }
  }
  console.log("book: training the digit pad's network (784-256-10, Adam, 3 epochs)…");
  const trainSet = loadMnist("train");
  const testSet = loadMnist("test");
  const net = mlp([784, 256, 10], { seed: 1 });
  train(net, { train: trainSet, epochs: 3, batchSize: 128, optimizer: adam({ lr: 0.001 }), seed: 1, evaluateTrain: false });
  const accuracy = evaluateDataset(net, testSet).accuracy;
  writeFileAtomic(cache, JSON.stringify({ recipe, accuracy, model: modelToJson(net) }));
  return { net, accuracy };
}

// ---------------------------------------------------------------------------------------------- pages

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function nav(prev: Chapter | null, next: Chapter | null, where: "top" | "bottom"): string {
  const link = (c: Chapter | null, arrow: string, rel: string) =>
    c ? `<a href="${c.file}" rel="${rel}">${arrow === "←" ? "← " : ""}${escapeHtml(c.title)}${arrow === "→" ? " →" : ""}</a>` : "<span></span>";
  return `<nav class="book-nav" aria-label="${where === "top" ? "Chapters" : "Chapters, end of page"}">${link(prev, "←", "prev")}<a href="index.html">Contents</a>${link(next, "→", "next")}</nav>`;
}

function page(title: string, body: string, options: { widgets?: boolean } = {}): string {
  // No script blocks the page: KaTeX, book.js and the widgets are deferred, and plotly.js (4.8 MB) is loaded by
  // book.js only when a chart comes into view (window.nnLoadPlotly), once, from assets/ (cached across pages).
  // A chapter's widget outputs carry their own script (built with the library that made their data); the
  // pad and playground pages load it once from assets/.
  const widgets = options.widgets === true;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(COURSE)}</title>
<link rel="stylesheet" href="assets/katex/katex.min.css">
<link rel="stylesheet" href="assets/pygments.css">
<link rel="stylesheet" href="assets/book.css">
<meta name="color-scheme" content="light dark">
<script defer src="assets/katex/katex.min.js"></script>
<script defer src="assets/katex/contrib/auto-render.min.js"></script>
<script defer src="assets/book.js"></script>
${widgets ? '<script defer src="assets/widgets.js"></script>\n' : ""}</head>
<body>
<header class="book-top"><a href="index.html">${escapeHtml(COURSE)}</a></header>
<main>
${body}
</main>
</body>
</html>
`;
}

function indexPage(chapters: Chapter[], references: Chapter[], extras: Chapter[]): string {
  const items = (list: Chapter[]) => list.map((c) => `<li><a href="${c.file}">${escapeHtml(c.title)}</a></li>`).join("\n");
  return page(
    COURSE,
    `<h1>${escapeHtml(COURSE)}</h1>
<div class="book-prose"><p>A course that builds a neural network with nothing but TypeScript and trains it on MNIST, the
70,000 handwritten digits: dense layers, ReLU and softmax, cross-entropy, every gradient derived by hand
($\\frac{\\partial L}{\\partial z} = p - y$, $dW = X^\\top dZ$) and checked, then full-batch, mini-batch and stochastic
gradient descent compared. These pages are the chapters as they ran, with their outputs, and every code cell runs
here in your browser: edit it, press Shift+Enter, or "Run all" for a whole chapter. To run them in Jupyter, open the
notebooks with <code>npm start</code>.</p></div>
<h2>Chapters</h2>
<ul class="book-chapters book-toc">
${items(chapters)}
</ul>
${references.length > 0 ? `<h2>Reference</h2>\n<ul class="book-chapters">\n${items(references)}\n</ul>\n` : ""}<h2>In your browser</h2>
<ul class="book-chapters">
${items(extras)}
</ul>
<p class="book-note">Built by <code>npm run book</code>. Everything this site needs is inside its folder: it works offline.</p>`,
  );
}

// ---------------------------------------------------------------------------------------------- assets

function copyAssets(fragments: string): void {
  const assets = join(OUT, "assets");
  const modules = join(ROOT, "node_modules");
  cpSync(join(modules, "plotly.js-dist-min", "plotly.min.js"), join(assets, "plotly.min.js"));
  const katex = join(modules, "katex", "dist");
  mkdirSync(join(assets, "katex", "contrib"), { recursive: true });
  cpSync(join(katex, "katex.min.js"), join(assets, "katex", "katex.min.js"));
  cpSync(join(katex, "katex.min.css"), join(assets, "katex", "katex.min.css"));
  cpSync(join(katex, "contrib", "auto-render.min.js"), join(assets, "katex", "contrib", "auto-render.min.js"));
  cpSync(join(katex, "fonts"), join(assets, "katex", "fonts"), { recursive: true });
  cpSync(join(fragments, "pygments.css"), join(assets, "pygments.css"));
  cpSync(join(ROOT, "web", "book", "book.css"), join(assets, "book.css"));
  cpSync(join(ROOT, "web", "book", "book.js"), join(assets, "book.js"));
  ensureWidgetBundle();
  writeFileSync(join(assets, "widgets.js"), widgetScript());
  copyRunnerAssets(assets); // the runnable cells: scripts/lib/book-runnable.mjs
}

// ---------------------------------------------------------------------------------------------- --serve

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/**
 * The file a request names inside the site, or a status: 400 for a request that cannot be decoded, 404 for a
 * path outside the site (after decoding and resolving, links included) or no such file.
 */
export function resolveRequest(site: string, url: string): { file: string } | { status: 400 | 404 } {
  let path: string;
  try {
    path = decodeURIComponent(url.split("?")[0].split("#")[0]);
  } catch {
    return { status: 400 }; // "%E0%A4%A" and the like
  }
  if (!path.startsWith("/") || path.includes("\0")) return { status: 400 };
  const file = resolve(site, `.${path.endsWith("/") ? `${path}index.html` : path}`);
  const inside = (root: string, f: string) => {
    const rel = relative(root, f);
    return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
  };
  if (!inside(site, file)) return { status: 404 };
  try {
    if (!statSync(file).isFile() || !inside(realpathSync(site), realpathSync(file))) return { status: 404 };
  } catch {
    return { status: 404 };
  }
  return { file };
}

/** An HTTP server for the files of `site` (resolveRequest says which); not yet listening. */
export function siteServer(site: string): Server {
  const server = createServer((req, res) => {
    const found = resolveRequest(site, req.url ?? "/");
    if ("status" in found) {
      res.writeHead(found.status, { "content-type": "text/plain" });
      res.end(found.status === 400 ? "bad request\n" : "not found\n");
      return;
    }
    try {
      const body = readFileSync(found.file);
      res.writeHead(200, { "content-type": TYPES[extname(found.file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });
  return server;
}

function serveBook(port: number): void {
  const server = siteServer(OUT);
  server.on("error", (e) => {
    console.error(`book: cannot serve on 127.0.0.1:${port}: ${e.message} (try --port another)`);
    process.exit(1);
  });
  // The server ends with the command that started it, however that ends (npm killed, SIGTERM to the group).
  onParentGone(() => process.exit(0), 500, { throughWrapper: true }); // tsx runs us as its child
  for (const signal of ["SIGTERM", "SIGHUP"] as const) process.on(signal, () => process.exit(0));
  server.listen(port, "127.0.0.1", () => console.log(`book: serving ${basename(OUT)}/ on http://127.0.0.1:${port}/  (Ctrl-C stops)`));
}

if (basename(process.argv[1] ?? "") === "book.ts") {
  try {
    main();
  } catch (e) {
    console.error((e as Error).message.split("\n")[0]);
    process.exit(1);
  }
}
