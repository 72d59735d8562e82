// The browser bundle of the digit pad and the playground: web/widgets.ts with the library it imports, for the
// browser (minified, about 100 KB), built by esbuild into build/widgets.js. Training runs in a Web Worker whose
// own bundle (web/worker.ts) is inside this one as a string. The set-up (every npm command) and `npm run book`
// build it when web/ or lib/ changed since; lib/course/widgets.ts only reads the file.
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { newestMtime } from "./setup.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Where the bundle goes (lib/course/widgets.ts reads it from here). */
export const WIDGET_BUNDLE = join(ROOT, "build", "widgets.js");

/** Node's built-in modules that lib/ imports, each replaced in the page by web/node-shims.cjs (crypto by web/crypto-shim.ts). */
const NODE_MODULES = ["fs", "path", "zlib", "module", "os", "worker_threads", "url"];

/** The bundle's text, built now. */
export function buildWidgetBundle() {
  const dir = join(ROOT, "web");
  const esbuild = createRequire(join(dir, "widgets.js"))("esbuild");
  const alias = {};
  for (const m of NODE_MODULES) alias[m] = alias[`node:${m}`] = join(dir, "node-shims.cjs");
  alias.crypto = alias["node:crypto"] = join(dir, "crypto-shim.ts"); // SHA-256 of model files (persist.ts)
  const common = {
    bundle: true, write: false, format: "iife", platform: "browser", target: "es2020", minify: true, legalComments: "none",
    charset: "utf8", logLevel: "silent", alias, loader: { ".wasm": "binary" },
    // Buffer, and `process` (lib/files.ts registers a process.on("exit") clean-up when it loads)
    inject: [join(dir, "buffer-shim.ts"), join(dir, "process-shim.ts")],
  };
  const one = (entry, define) => {
    const text = esbuild.buildSync({ ...common, entryPoints: [join(dir, entry)], define }).outputFiles?.[0]?.text;
    if (text === undefined) throw new Error(`widgets: esbuild produced nothing for web/${entry}`);
    return text;
  };
  const worker = one("worker.ts", {});
  return one("widgets.ts", { WORKER_SOURCE: JSON.stringify(worker) }).replace(/<\/script/gi, "<\\/script");
}

/** Builds build/widgets.js when it is missing or older than web/ or lib/; returns true when it built it. */
export function ensureWidgetBundle() {
  const sources = Math.max(newestMtime(join(ROOT, "web")), newestMtime(join(ROOT, "lib")));
  if (existsSync(WIDGET_BUNDLE) && statSync(WIDGET_BUNDLE).mtimeMs >= sources) return false;
  const text = buildWidgetBundle();
  mkdirSync(dirname(WIDGET_BUNDLE), { recursive: true });
  const tmp = `${WIDGET_BUNDLE}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, WIDGET_BUNDLE); // a reader sees the old bundle or the new one
  return true;
}
