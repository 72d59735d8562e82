// The runner's Web Worker: runs the book's code cells with the course's own library, bundled for the browser
// (scripts/lib/runner-bundle.mjs). The page (web/runner/page.ts) sends a cell's TypeScript; it is made runnable
// (web/runner/transform.ts) and run in one scope shared by every cell, so a `const` of one cell is seen by the
// next and running a cell again redefines its names. console output, errors (with the cell's line) and
// what lib/course/plot.ts's show() and LiveCurves draw go back to the page as messages (web/runner/protocol.ts).
// Files come from the book (web/runner/vfs.ts): MNIST, results/, the WebAssembly kernels.
import * as lib from "../../lib/index";
import wasmBytes from "../../lib/engine/wasm/gemm.wasm";
import relaxedBytes from "../../lib/engine/wasm/gemm-relaxed.wasm";
import { addFile } from "./vfs";
import * as vfs from "./vfs";
import * as node from "./node";
import { Buffer } from "./buffer";
import { compileCell, errorLine, MODULE } from "./transform";
import { formatArgs, inspect } from "./format";
import type { FromWorker, ToWorker } from "./protocol";

const started = performance.now();
const post = (m: FromWorker) => (self as unknown as { postMessage(m: unknown): void }).postMessage(m);
let current = 0; // the id of the cell running now

// The library finds its WebAssembly kernels where it looks for them under Node.
addFile("lib/engine/wasm/gemm.wasm", wasmBytes);
addFile("lib/engine/wasm/gemm-relaxed.wasm", relaxedBytes);
addFile("node_modules/plotly.js-dist-min/plotly.min.js", new Uint8Array(0)); // the page has plotly.js already
// The widgets' script (lib/course/widgets.ts puts it in drawDigit's and playground()'s output): in the book, a
// loader of assets/widgets.js, which mounts every widget on the page.
addFile("build/widgets.js", new TextEncoder().encode(
  '(function(){var w=window.nnWidgets;if(w){w.mountAll();return;}var s=document.createElement("script");s.src="assets/widgets.js";document.head.appendChild(s);})();',
));
addFile("node_modules/plotly.js-dist-min/package.json", new TextEncoder().encode('{"version":"(the book\'s)"}'));

// console → the cell's output
const stream = (name: "stdout" | "stderr") => (...args: unknown[]) => post({ type: "stream", id: current, name, text: formatArgs(args) + "\n" });
const log = stream("stdout");
const err = stream("stderr");
Object.assign(console, { log, info: log, debug: log, warn: err, error: err, table: log });

// tslab's display, which lib/course/plot.ts and live.ts ask for: HTML to the cell's output.
let displays = 0;
(globalThis as { __tslab__?: unknown }).__tslab__ = {
  require(id: string) {
    if (id === "tslab") {
      return {
        display: { html: (html: string) => post({ type: "html", id: current, html }), text: (t: string) => log(t) },
        newDisplay() {
          const display = ++displays;
          return { html: (html: string) => post({ type: "html", id: current, html, display }) };
        },
      };
    }
    throw new Error(`${id} is not available in the book's page`);
  },
};

// The shared scope: a name is looked up here first (with (scope)), then among the worker's globals. A plain
// object (a Proxy would be called at every look-up, and a cell's loops look names up millions of times).
const scope: Record<string, unknown> = Object.create(null);

// What a cell may import: the library, and Node's fs and path over the files the book carries (chapter 1 reads
// the IDX files byte by byte); the rest of Node says it needs the notebook when called.
const MODULES: Record<string, unknown> = { "./lib/index": lib, "./lib/index.ts": lib, fs: vfs, path: node, os: node, zlib: node, child_process: node };
function moduleFor(name: string): unknown {
  const found = MODULES[name.replace(/^node:/, "")];
  if (found !== undefined) return found;
  throw new Error(`Cannot find module '${name}': in the book's page the cells import "./lib/index" (and Node's fs and path, over the book's files); run this chapter as a notebook for other modules`);
}
(globalThis as Record<string, unknown>).Buffer = Buffer; // Buffer.alloc(n), as chapter 1 uses it
(globalThis as Record<string, unknown>)[MODULE] = moduleFor;

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `Uncaught ${inspect(e)}`;
}

async function run(id: number, cell: number, source: string): Promise<void> {
  current = id;
  const t0 = performance.now();
  try {
    const value = await compileCell(source, cell, scope)();
    if (value !== undefined) log(inspect(value)); // the cell's last expression, as the notebook shows it
    post({ type: "done", id, ms: performance.now() - t0 });
  } catch (e) {
    const line = errorLine(e, cell);
    const where = line !== undefined ? ` (cell line ${line}: ${source.split("\n")[line - 1]?.trim() ?? ""})` : "";
    post({ type: "error", id, text: `${errorText(e)}${where}`, line, ms: performance.now() - t0 });
  }
}

// What goes wrong later (a promise nobody awaited, a timer's callback) still reaches the cell that ran last.
self.addEventListener("unhandledrejection", (e: PromiseRejectionEvent) => {
  e.preventDefault();
  err(`Uncaught (in promise) ${errorText(e.reason)}`);
});
self.addEventListener("error", (e: ErrorEvent) => {
  e.preventDefault();
  err(`Uncaught ${e.message}`);
});

// Cells run one at a time, in the order they arrive.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (event: MessageEvent) => {
  const m = event.data as ToWorker;
  if (m.type === "files") {
    for (const [path, bytes] of Object.entries(m.files)) addFile(path, bytes);
  } else if (m.type === "run") {
    queue = queue.then(() => run(m.id, m.cell, m.source));
  }
};
post({ type: "ready", ms: performance.now() - started });
