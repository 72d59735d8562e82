// The browser bundle of the book's runnable cells: web/runner/page.ts (CodeMirror 6 and the page's buttons) with
// the runner's Web Worker (web/runner/worker.ts: the whole library, sucrase and acorn) inside it as a string, so it
// starts from a Blob and the book needs no server (a worker cannot start from a file:// URL). Built by esbuild
// into build/runner.js; `npm run book` copies it to assets/runner.js.
// In the worker Node's modules are replaced: fs by web/runner/vfs.ts (the files the book carries), the others by
// web/runner/node.ts, crypto by web/crypto-shim.ts; `Buffer` (web/runner/buffer.ts) and `process` are injected,
// `process` from web/process-shim.ts, the one the widgets' bundle gets too (scripts/lib/widget-bundle.mjs).
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const RUNNER_BUNDLE = join(ROOT, "build", "runner.js");

const NODE_MODULES = ["path", "zlib", "module", "os", "worker_threads", "url", "v8", "child_process"];

/** The bundle's text, built now. */
export function buildRunnerBundle() {
  const dir = join(ROOT, "web");
  const esbuild = createRequire(join(dir, "runner", "page.ts"))("esbuild");
  const alias = { fs: join(dir, "runner", "vfs.ts"), "node:fs": join(dir, "runner", "vfs.ts") };
  for (const m of NODE_MODULES) alias[m] = alias[`node:${m}`] = join(dir, "runner", "node.ts");
  alias.crypto = alias["node:crypto"] = join(dir, "crypto-shim.ts");
  const common = {
    bundle: true, write: false, format: "iife", platform: "browser", target: "es2020", minify: true, legalComments: "none",
    charset: "utf8", logLevel: "silent", loader: { ".wasm": "binary" },
  };
  const one = (entry, options) => {
    const result = esbuild.buildSync({ ...common, entryPoints: [join(dir, entry)], ...options });
    const text = result.outputFiles?.[0]?.text;
    if (text === undefined) throw new Error(`runner: esbuild produced nothing for web/${entry}`);
    return text;
  };
  const worker = one("runner/worker.ts", {
    alias, inject: [join(dir, "runner", "buffer.ts"), join(dir, "process-shim.ts")], target: "es2022",
    keepNames: true, // class names in what console.log prints (Matrix { … }), as in the notebook
  });
  return one("runner/page.ts", { define: { WORKER_SOURCE: JSON.stringify(worker) } }).replace(/<\/script/gi, "<\\/script");
}

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds build/runner.js when it is missing or older than web/ or lib/; returns its path. */
export function ensureRunnerBundle() {
  const sources = Math.max(newestMtime(join(ROOT, "web")), newestMtime(join(ROOT, "lib")), statSync(fileURLToPath(import.meta.url)).mtimeMs);
  if (existsSync(RUNNER_BUNDLE) && statSync(RUNNER_BUNDLE).mtimeMs >= sources) return RUNNER_BUNDLE;
  const text = buildRunnerBundle();
  mkdirSync(dirname(RUNNER_BUNDLE), { recursive: true });
  const tmp = `${RUNNER_BUNDLE}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, RUNNER_BUNDLE);
  return RUNNER_BUNDLE;
}
