// A compile cache for the course's tslab kernel, loaded before tslab by the kernelspec beside it (kernel.json:
// `node --require <this file> node_modules/tslab/bin/tslab kernel ...`, in the project root).
//
// Why: a chapter's first cell imports ./lib/index. tslab then type-checks every file that import reaches, emits
// each one, and transpiles each output again to CommonJS: about 3.5 s, every time a notebook opens, for files
// that have not changed. This file remembers, on disk, what tslab computed for lib/ and gives it back when
// nothing it depends on has changed. Notebooks import exactly what they imported before; tslab is unchanged.
//
// What is remembered, under a key made of every file of tslab's program (their paths inside the project and
// their full text: lib/, @types, TypeScript's own lib files), the compiler options, and the versions of
// TypeScript, tslab and Node:
//   - which of the imported files were type-checked and had no error;
//   - what tslab's compiler emitted for each of them, and its CommonJS form.
// Change one character of any file and the key changes: tslab checks and emits everything again, as before,
// and reports the errors it finds. The cell itself is always checked and compiled.
//
// Where: node_modules/.cache/mnist-kernel/, or .cache/kernel/ in the project where node_modules is read-only
// (a classroom's students share one read-only node_modules, copied from the teacher's with its cache: each
// student's kernel reads that one and writes its own). MNIST_KERNEL_CACHE names one folder instead; "off" turns
// the cache off. A cache that cannot be read or written is ignored: the kernel then works as plain tslab does.
// `node jupyter/kernels/tslab/compile-cache.cjs --warm` fills it; `npm start`, `npm test` and `npm run setup` do
// this when lib/ changed since the cache was last written.
"use strict";

const Module = require("node:module");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const FORMAT = 1;
/** How many program versions are kept (each is about 1 MB); the oldest go first. */
const KEEP = 6;
const TS_MODULE = "@tslab/typescript-for-tslab";
const LAST_EXPR = "tsLastExpr";
const VIRTUAL = new Set(["__tslab__.ts", "__tslab__.js", "__prev__.d.ts"]);

// The kernel runs in the project root (kernel.json); --warm finds it from here.
if (require.main === module) process.chdir(path.resolve(__dirname, "..", "..", ".."));
const root = process.cwd();
const setting = process.env.MNIST_KERNEL_CACHE;
/** The folders searched for an entry, in order; entries are written to the first one that takes them. */
const dirs =
  setting === "off"
    ? []
    : setting
      ? [path.resolve(root, setting)]
      : [path.join(root, "node_modules", ".cache", "mnist-kernel"), path.join(root, ".cache", "kernel")];
const stats = { checkedFiles: 0, skippedChecks: 0, emitted: 0, replayed: 0, transpiled: 0, reused: 0 };

/** One entry per program key: { format, key, clean: {file: true}, emits: {file: [[name, es, cjs]]} } */
const entries = new Map();
const dirty = new Set();
let flushScheduled = false;

function sha(text) {
  return crypto.createHash("sha256").update(text).digest("hex");
}

/** A file's name as the key sees it: relative inside the project, else only its content counts. */
function relative(fileName) {
  const rel = path.relative(root, fileName);
  return rel.startsWith("..") || path.isAbsolute(rel) ? null : rel.split(path.sep).join("/");
}

function isVirtual(fileName) {
  return VIRTUAL.has(path.basename(fileName)) && path.dirname(path.resolve(root, fileName)) === root;
}

function versionOf(pkg) {
  try {
    return JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`, { paths: [root] }), "utf8")).version;
  } catch {
    return "?";
  }
}

const programKeys = new WeakMap();
/** The key of a program: everything tslab's output can depend on, apart from the cell. */
function programKey(ts, program) {
  let key = programKeys.get(program);
  if (key !== undefined) return key;
  const hash = crypto.createHash("sha256");
  hash.update(JSON.stringify([FORMAT, ts.version, versionOf("tslab"), process.versions.node.split(".")[0]]));
  const options = JSON.stringify(program.getCompilerOptions(), (_k, v) =>
    typeof v === "string" ? v.split(root).join("<root>") : v,
  );
  hash.update(options);
  const files = [];
  for (const sf of program.getSourceFiles()) {
    if (isVirtual(sf.fileName)) continue;
    files.push(`${relative(sf.fileName) ?? "<outside>"}\0${sha(sf.text)}`);
  }
  files.sort();
  hash.update(files.join("\n"));
  key = hash.digest("hex").slice(0, 32);
  programKeys.set(program, key);
  return key;
}

function entryFor(key) {
  let entry = entries.get(key);
  if (entry !== undefined) return entry;
  entry = { format: FORMAT, key, clean: {}, emits: {} };
  for (const dir of dirs) {
    try {
      const read = JSON.parse(fs.readFileSync(path.join(dir, `${key}.json`), "utf8"));
      if (read && read.format === FORMAT && read.key === key && read.clean && read.emits) {
        entry = read;
        break;
      }
    } catch {
      // missing or unreadable: the next folder, or start empty
    }
  }
  entries.set(key, entry);
  return entry;
}

function markDirty(key) {
  if (dirs.length === 0) return;
  dirty.add(key);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

/** Writes changed entries to the first folder that takes them (a temporary file renamed into place, so readers
 *  see whole files), and keeps its newest KEEP. */
function flush() {
  flushScheduled = false;
  if (dirty.size === 0) return;
  for (const dir of dirs) {
    try {
      writeEntries(dir);
      break;
    } catch {
      // read-only or full: try the next folder; with none left the kernel goes on without the cache
    }
  }
  dirty.clear();
}

function writeEntries(dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (const key of dirty) {
    const file = path.join(dir, `${key}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify(entries.get(key)));
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }
  const kept = fs
    .readdirSync(dir)
    .filter((f) => /^[0-9a-f]{32}\.json$/.test(f))
    .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of kept.slice(KEEP)) fs.rmSync(path.join(dir, f), { force: true });
}
process.on("exit", flush);

/** The CommonJS text of an emitted file, by its emitted text (filled from the entries in use). */
const commonJs = new Map();

function wrapTypeScript(ts) {
  const getPreEmitDiagnosticsOfFiles = (program, files) => {
    const key = programKey(ts, program);
    const entry = entryFor(key);
    const toCheck = files.filter((sf) => isVirtual(sf.fileName) || entry.clean[relative(sf.fileName)] !== true);
    stats.skippedChecks += files.length - toCheck.length;
    stats.checkedFiles += toCheck.length;
    const diagnostics = ts.getPreEmitDiagnosticsOfFiles(program, toCheck);
    const withErrors = new Set(diagnostics.map((d) => d.file && d.file.fileName));
    let changed = false;
    for (const sf of toCheck) {
      const rel = relative(sf.fileName);
      if (isVirtual(sf.fileName) || rel === null || withErrors.has(sf.fileName)) continue;
      entry.clean[rel] = true;
      changed = true;
    }
    if (changed) markDirty(key);
    return diagnostics;
  };

  /** Whether the cell (tslab's __tslab__.ts) declares `name` (true if the cell is not found: the cautious answer). */
  function cellDeclares(program, name) {
    for (const sf of program.getSourceFiles()) {
      if (isVirtual(sf.fileName) && /__tslab__\.[jt]s$/.test(sf.fileName)) return sf.locals === undefined || sf.locals.has(name);
    }
    return true;
  }
  /** The output being written by tslab (which transpiles it to CommonJS inside its writeFile), by its text. */
  const capturing = new Map();
  const wrappedBuilders = new WeakMap();
  function wrapBuilder(builder) {
    let wrapped = wrappedBuilders.get(builder);
    if (wrapped !== undefined) return wrapped;
    wrapped = Object.create(builder);
    wrapped.emit = (sourceFile, writeFile, cancellationToken, emitOnlyDts, transformers) => {
      const rel = sourceFile && !emitOnlyDts && writeFile ? relative(sourceFile.fileName) : null;
      if (rel === null || isVirtual(sourceFile.fileName)) {
        return builder.emit(sourceFile, writeFile, cancellationToken, emitOnlyDts, transformers);
      }
      const key = programKey(ts, builder.getProgram());
      const entry = entryFor(key);
      const lastExprFree = !cellDeclares(builder.getProgram(), LAST_EXPR);
      const saved = entry.clean[rel] === true ? entry.emits[rel] : undefined;
      if (
        Array.isArray(saved) &&
        saved.every((o) => Array.isArray(o) && typeof o[2] === "string" && (lastExprFree || !o[1].includes(LAST_EXPR)))
      ) {
        stats.replayed++;
        for (const [name, es, cjs] of saved) {
          commonJs.set(es, cjs);
          writeFile(name.split("<root>").join(root), es, false, undefined, [sourceFile]);
        }
        // Emitting such a file also tells tslab the name of "the last expression" (it then prints the cell's
        // export of that name, if any): the same transformers, run on a one-statement file, tell it again.
        if (saved.some(([, es]) => es.includes(LAST_EXPR))) {
          const oneExpression = ts.createSourceFile("last-expression.ts", "0;", ts.ScriptTarget.ES2022);
          for (const factory of transformers?.after ?? []) {
            if (typeof factory === "function") factory(ts.getNullTransformationContext())(oneExpression);
          }
        }
        return { emitSkipped: false, diagnostics: [] };
      }
      stats.emitted++;
      const outputs = []; // [name, emitted text, its CommonJS form (set by transpileModule below, called by writeFile)]
      const result = builder.emit(
        sourceFile,
        (name, data, ...rest) => {
          if (!name.endsWith(".js")) return writeFile(name, data, ...rest);
          const output = [name, data, null];
          outputs.push(output);
          capturing.set(data, output);
          try {
            return writeFile(name, data, ...rest);
          } finally {
            capturing.delete(data);
          }
        },
        cancellationToken,
        emitOnlyDts,
        transformers,
      );
      // tslab's transformers turn the last expression statement of every file into `export const tsLastExpr = …`
      // (lib/backend.ts and the exercise modules end with a call), or tsLastExpr0, … when the cell declares a
      // tsLastExpr of its own. Outputs are kept, and given back, only when the cell declares no such name.
      const complete = outputs.length > 0 && outputs.every(([, , cjs]) => typeof cjs === "string");
      if (!result.emitSkipped && complete && (lastExprFree || outputs.every(([, es]) => !es.includes(LAST_EXPR)))) {
        entry.emits[rel] = outputs.map(([name, es, cjs]) => [name.split(root).join("<root>"), es, cjs]);
        markDirty(key);
      }
      return result;
    };
    wrappedBuilders.set(builder, wrapped);
    return wrapped;
  }
  const transpileModule = (input, options) => {
    const known = commonJs.get(input);
    if (typeof known === "string") {
      stats.reused++;
      return { outputText: known, diagnostics: [], sourceMapText: undefined };
    }
    stats.transpiled++;
    const result = ts.transpileModule(input, options);
    const output = capturing.get(input);
    if (output !== undefined && (result.diagnostics ?? []).length === 0) output[2] = result.outputText;
    return result;
  };

  const createWatchCompilerHost = (...args) => {
    const host = ts.createWatchCompilerHost(...args);
    let after = host.afterProgramCreate;
    Object.defineProperty(host, "afterProgramCreate", {
      configurable: true,
      enumerable: true,
      get: () => (after === undefined ? undefined : (builder) => after(wrapBuilder(builder))),
      set: (fn) => {
        after = fn;
      },
    });
    return host;
  };

  const overrides = { getPreEmitDiagnosticsOfFiles, transpileModule, createWatchCompilerHost };
  return new Proxy(ts, {
    get: (target, prop, receiver) =>
      Object.prototype.hasOwnProperty.call(overrides, prop) ? overrides[prop] : Reflect.get(target, prop, receiver),
  });
}

let installed = false;
function install() {
  if (installed || dirs.length === 0) return;
  installed = true;
  const load = Module._load;
  const wrapped = new WeakMap();
  Module._load = function (request, parent, isMain) {
    const loaded = load.call(this, request, parent, isMain);
    if (request !== TS_MODULE || !parent || !/[\\/]tslab[\\/]dist[\\/]converter\.js$/.test(parent.filename ?? "")) {
      return loaded;
    }
    let proxy = wrapped.get(loaded);
    if (proxy === undefined) {
      proxy = wrapTypeScript(loaded);
      wrapped.set(loaded, proxy);
    }
    return proxy;
  };
}

module.exports = { install, stats, cacheDirs: dirs };

if (require.main === module) {
  // --warm: compiles the import every chapter starts with, so that the first chapter opened is as quick as the next.
  if (process.argv[2] !== "--warm" || process.argv.length > 3) {
    process.stderr.write("usage: node jupyter/kernels/tslab/compile-cache.cjs --warm\n");
    process.exit(2);
  }
  install();
  const t0 = performance.now();
  let out;
  try {
    const { createConverter } = require(require.resolve("tslab/dist/converter.js", { paths: [root] }));
    const converter = createConverter({ isJS: false, isBrowser: false });
    out = converter.convert("", 'import * as lib from "./lib/index";\nlib');
    converter.close();
    for (const key of entries.keys()) markDirty(key); // written again even if unchanged: its time says it is current
  } catch (e) {
    process.stderr.write(`kernel cache: could not compile ./lib/index with tslab: ${e && e.message}\n`);
    process.exit(1);
  }
  flush();
  if (out.diagnostics.length > 0) {
    process.stderr.write(`kernel cache: ./lib/index has ${out.diagnostics.length} type error(s); the kernel will report them\n`);
  }
  process.stdout.write(
    `kernel cache: ${stats.emitted} file(s) compiled, ${stats.replayed} already in the cache ` +
      `(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
  process.exit(0);
} else if (process.env.MNIST_KERNEL_CACHE !== "off") {
  install();
}
