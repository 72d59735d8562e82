// A compile cache for the course's tslab kernel, loaded before tslab by the kernelspec beside it (kernel.json:
// `node --require <this file> node_modules/tslab/bin/tslab kernel ...`, in the project root).
//
// Why: a chapter's first cell imports ./lib/index. tslab then type-checks every file that import reaches, emits
// each one, and transpiles each output again to CommonJS: about 3.5 s, every time a notebook opens, for files
// that have not changed. This file remembers, on disk, what tslab computed for the project's files and gives it
// back when nothing it depends on has changed. Notebooks import exactly what they imported before; tslab is
// unchanged.
//
// What is remembered, under a key made of every file of tslab's program (their paths inside the project and
// their full text: lib/, @types, TypeScript's own lib files), the compiler options, and the versions of
// TypeScript, tslab and Node:
//   - which of the imported files were type-checked and had no error;
//   - what tslab's compiler emitted for each of them, and its CommonJS form.
// Change one character of any file and the key changes: tslab checks and emits everything again, as before,
// and reports the errors it finds. The cell itself is always checked and compiled. A cell that could change
// how the imported files check (`declare global`, `declare module "…"`, now or in an earlier cell) is compiled
// by tslab alone, and nothing is remembered from it.
//
// Where: node_modules/.cache/mnist-kernel/, and .cache/kernel/ in the project where node_modules is read-only
// (a classroom's students share one read-only node_modules, copied from the teacher's with its cache: each
// student's kernel reads that one and writes its own). MNIST_KERNEL_CACHE names one folder instead; "off" turns
// the cache off. A cache that cannot be read or written is ignored, and an error inside this file falls back to
// plain tslab: the kernel then works exactly as tslab does. The files' format: cache-store.cjs.
// `node jupyter/kernels/tslab/compile-cache.cjs --warm` fills it; `npm start`, `npm test` and `npm run setup` do
// this when lib/ or node_modules changed since the cache was last written.
"use strict";

const Module = require("node:module");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { cacheDirs, createStore, FORMAT } = require("./cache-store.cjs");

const TS_MODULE = "@tslab/typescript-for-tslab";
const LAST_EXPR = "tsLastExpr";
const VIRTUAL = new Set(["__tslab__.ts", "__tslab__.js", "__prev__.d.ts"]);

// The kernel runs in the project root (kernel.json); --warm finds it from here.
if (require.main === module) process.chdir(path.resolve(__dirname, "..", "..", ".."));
const root = process.cwd();
const dirs = cacheDirs(root);
const store = createStore(dirs);
const stats = { checkedFiles: 0, skippedChecks: 0, emitted: 0, replayed: 0, transpiled: 0, reused: 0, bypassed: 0, failed: 0 };

const sha = (text) => crypto.createHash("sha256").update(text).digest("hex");

/** A file's name as the key sees it: relative inside the project, else null (only its content counts). */
function relative(fileName) {
  const rel = path.relative(root, fileName);
  return rel.startsWith("..") || path.isAbsolute(rel) ? null : rel.split(path.sep).join("/");
}

/** tslab's own files: the cell (__tslab__.ts) and the declarations of the cells before (__prev__.d.ts). */
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

function wrapTypeScript(ts) {
  const versions = JSON.stringify([FORMAT, ts.version, versionOf("tslab"), process.versions.node.split(".")[0]]);
  const keys = new WeakMap();
  // Each cell makes new programs, but they share the source files that did not change: each is hashed once.
  const fileHashes = new WeakMap();
  const fileHash = (sf) => {
    let h = fileHashes.get(sf);
    if (h === undefined) fileHashes.set(sf, (h = sha(sf.text)));
    return h;
  };
  /** The key of a program: everything tslab's output for an imported file can depend on, apart from the cell. */
  function programKey(program) {
    let key = keys.get(program);
    if (key !== undefined) return key;
    const hash = crypto.createHash("sha256");
    hash.update(versions);
    hash.update(JSON.stringify(program.getCompilerOptions(), (_k, v) => (typeof v === "string" ? v.split(root).join("<root>") : v)));
    const files = [];
    for (const sf of program.getSourceFiles()) {
      if (!isVirtual(sf.fileName)) files.push(`${relative(sf.fileName) ?? "<outside>"}\0${fileHash(sf)}`);
    }
    hash.update(files.sort().join("\n"));
    key = hash.digest("hex").slice(0, 32);
    keys.set(program, key);
    return key;
  }

  /** Whether tslab's files leave the imported ones alone: no `declare global`, no `declare module "…"`. */
  function cellIsolated(program) {
    for (const sf of program.getSourceFiles()) {
      if (!isVirtual(sf.fileName)) continue;
      if (sf.moduleAugmentations !== undefined && sf.moduleAugmentations.length > 0) return false;
      for (const st of sf.statements) {
        if (ts.isModuleDeclaration(st) && (ts.isStringLiteral(st.name) || st.name.text === "global")) return false;
      }
    }
    return true;
  }

  /** The cache entry for `program`, or null when the cache must stand aside for it. */
  function entryOf(program) {
    if (!cellIsolated(program)) {
      stats.bypassed++;
      return null;
    }
    const key = programKey(program);
    return { key, entry: store.get(key) };
  }

  /** Runs `cached`; on any error inside it, counts it and runs plain tslab's `plain` instead. */
  function guarded(cached, plain) {
    try {
      return cached();
    } catch (e) {
      if (e && e.fromTslab) throw e.error;
      stats.failed++;
      return plain();
    }
  }
  /** Calls back into tslab: its errors are tslab's and go through untouched. */
  function tslab(fn) {
    try {
      return fn();
    } catch (error) {
      throw { fromTslab: true, error };
    }
  }

  const getPreEmitDiagnosticsOfFiles = (program, files) =>
    guarded(() => {
      const found = entryOf(program);
      if (found === null) return tslab(() => ts.getPreEmitDiagnosticsOfFiles(program, files));
      const { key, entry } = found;
      // All or nothing: the imported files are skipped only when every one of them is known to check, so the
      // checker meets the rest in plain tslab's order (the order it meets types decides, e.g., how it prints a union).
      const known = files.every((sf) => isVirtual(sf.fileName) || entry.clean[relative(sf.fileName)] === true);
      const toCheck = known ? files.filter((sf) => isVirtual(sf.fileName)) : files;
      stats.skippedChecks += files.length - toCheck.length;
      stats.checkedFiles += toCheck.length;
      const diagnostics = tslab(() => ts.getPreEmitDiagnosticsOfFiles(program, toCheck));
      // Remembered only from a run with no error in any file, cell included. tslab itself shows neither the
      // diagnostics of no file (its compiler options are deprecated in TypeScript 5.0) nor the cell's top-level
      // await (1308), which it runs.
      const errors = diagnostics.filter((d) => d.file && !(d.code === 1308 && isVirtual(d.file.fileName)));
      if (errors.length === 0) {
        for (const sf of toCheck) {
          const rel = relative(sf.fileName);
          if (!isVirtual(sf.fileName) && rel !== null) entry.clean[rel] = true;
        }
        store.changed(key);
      }
      return diagnostics;
    }, () => ts.getPreEmitDiagnosticsOfFiles(program, files));

  // tslab's `after` transformer turns the last expression statement of every file it emits into
  // `export const tsLastExpr = …` (tsLastExpr0, … when the cell declares that name) and tells tslab that name, which
  // then prints the cell's export of that name, if there is one. lib/engine/backend.ts and the exercise modules end with a
  // call. For such a file the entry keeps the name used ("last"), and before giving its output back, the same
  // transformers run on a one-statement file: that tells tslab the name again and shows which name it would be now.

  /** The name of tslab's last-expression variable if `st` is the statement its transformer made, else null. */
  function lastExprName(st) {
    if (!ts.isVariableStatement(st) || st.declarationList.declarations.length !== 1) return null;
    const name = st.declarationList.declarations[0].name;
    return ts.isIdentifier(name) && name.text.startsWith(LAST_EXPR) ? name.text : null;
  }

  /** Runs the `after` transformers on a file of one expression statement; the name they gave it (or null). */
  function lastExprNameNow(transformers) {
    let file = ts.createSourceFile("last-expression.ts", "0;", ts.ScriptTarget.ES2022);
    for (const factory of transformers?.after ?? []) {
      const transform = typeof factory === "function" ? factory(ts.getNullTransformationContext()) : null;
      if (typeof transform !== "function") return undefined; // not tslab's transformers: do not guess
      file = transform(file);
    }
    const names = file.statements.map(lastExprName).filter((n) => n !== null);
    return names.length === 1 ? names[0] : null;
  }

  /** The `after` transformers, watched: `seen.name` is set when one of them makes a last-expression statement. */
  function watchedTransformers(transformers, seen) {
    if (transformers === undefined) return undefined;
    const after = (transformers.after ?? []).map((factory) =>
      typeof factory !== "function"
        ? ((seen.reliable = false), factory)
        : (context) => {
            const transform = factory(context);
            if (typeof transform !== "function") {
              seen.reliable = false;
              return transform;
            }
            return (node) => {
              const before = ts.isSourceFile(node) ? new Set(node.statements) : null;
              const out = transform(node);
              if (before !== null && out && ts.isSourceFile(out)) {
                for (const st of out.statements) if (!before.has(st) && lastExprName(st) !== null) seen.name = lastExprName(st);
              }
              return out;
            };
          },
    );
    return { ...transformers, after };
  }

  /** The output being written by tslab (which transpiles it to CommonJS inside its writeFile), by its text. */
  const capturing = new Map();
  /** The CommonJS form of an output being given back, by its text (during tslab's writeFile only). */
  const givenBack = new Map();

  function emitFile(builder, rel, sourceFile, writeFile, cancellationToken, transformers) {
    const found = entryOf(builder.getProgram());
    if (found === null) return tslab(() => builder.emit(sourceFile, writeFile, cancellationToken, false, transformers));
    const { key, entry } = found;
    const saved = entry.clean[rel] === true ? entry.emits[rel] : undefined;
    if (saved !== undefined && (saved.last === null || lastExprNameNow(transformers) === saved.last)) {
      stats.replayed++;
      for (const [name, es, cjs] of saved.outputs) {
        givenBack.set(es, cjs);
        try {
          // not through tslab(): if tslab refuses what the cache gives back, the cache is wrong and tslab emits
          writeFile(name.split("<root>").join(root), es, false, undefined, [sourceFile]);
        } finally {
          givenBack.delete(es);
        }
      }
      return { emitSkipped: false, diagnostics: [] };
    }
    stats.emitted++;
    const outputs = []; // [name, emitted text, its CommonJS form (set by transpileModule, called inside writeFile)]
    const seen = { name: null, reliable: true };
    const result = tslab(() =>
      builder.emit(
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
        false,
        watchedTransformers(transformers, seen),
      ),
    );
    const complete = outputs.length > 0 && outputs.every(([, , cjs]) => typeof cjs === "string");
    if (!result.emitSkipped && complete && seen.reliable) {
      entry.emits[rel] = { outputs: outputs.map(([name, es, cjs]) => [name.split(root).join("<root>"), es, cjs]), last: seen.name };
      store.changed(key);
    }
    return result;
  }

  const wrappedBuilders = new WeakMap();
  function wrapBuilder(builder) {
    let wrapped = wrappedBuilders.get(builder);
    if (wrapped !== undefined) return wrapped;
    wrapped = Object.create(builder);
    wrapped.emit = (sourceFile, writeFile, cancellationToken, emitOnlyDts, transformers) => {
      const plain = () => builder.emit(sourceFile, writeFile, cancellationToken, emitOnlyDts, transformers);
      const rel = sourceFile && !emitOnlyDts && writeFile ? relative(sourceFile.fileName) : null;
      if (rel === null || isVirtual(sourceFile.fileName)) return plain();
      return guarded(() => emitFile(builder, rel, sourceFile, writeFile, cancellationToken, transformers), plain);
    };
    wrappedBuilders.set(builder, wrapped);
    return wrapped;
  }

  const transpileModule = (input, options) => {
    const known = givenBack.get(input);
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
/** Hands tslab's converter (node_modules/tslab/dist/converter.js) a TypeScript with the three functions wrapped. */
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
process.on("exit", () => store.flush());

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
    store.touchAll(); // written again even if unchanged: its time says it is current
  } catch (e) {
    process.stderr.write(`kernel cache: could not compile ./lib/index with tslab: ${e && e.message}\n`);
    process.exit(1);
  }
  store.flush();
  if (out.diagnostics.length > 0) {
    process.stderr.write(`kernel cache: ./lib/index has ${out.diagnostics.length} type error(s); the kernel will report them\n`);
  }
  process.stdout.write(
    `kernel cache: ${stats.emitted} file(s) compiled, ${stats.replayed} already in the cache ` +
      `(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
  process.exit(0);
} else if (dirs.length > 0) {
  install();
}
