// The files of the kernel's compile cache (compile-cache.cjs beside this file): one JSON file per program key.
//
//   { format, key,
//     clean: { "lib/core/ops.ts": true, … },                 files type-checked with no error under this key
//     emits: { "lib/core/ops.ts": { outputs: [[name, emitted JS, its CommonJS form], …],
//                               last: null | "tsLastExpr" }, … } }   (last: see compile-cache.cjs)
//
// Everything under one key is a function of the key, so entries from several folders or several kernels can be
// merged freely: the store reads every folder and merges, and merges again with what is on disk before it
// writes. A file that is not valid as a whole, or any part of one that is not, counts as absent.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const FORMAT = 2;
/** How many entries a folder keeps (each about 0.5–1 MB); the least recently written go first. */
const KEEP = 6;
/** How many entries a kernel holds in memory. */
const IN_MEMORY = 4;
/** A temporary file older than this (ms) was left by a kernel that died while writing: it is removed. */
const STALE_TMP_MS = 10 * 60 * 1000;

const isString = (v) => typeof v === "string";
/** What tslab's compiler names an emitted file: outDir/<the source's path in the project, as .js>. */
const isOutputName = (name) => /^outDir\/.+\.js$/.test(name) && !name.split("/").includes("..");

/** The valid parts of a parsed entry for `key`, or null. */
function validEntry(read, key) {
  if (read === null || typeof read !== "object" || read.format !== FORMAT || read.key !== key) return null;
  const entry = emptyEntry(key);
  if (read.clean !== null && typeof read.clean === "object") {
    for (const [rel, v] of Object.entries(read.clean)) if (v === true) entry.clean[rel] = true;
  }
  if (read.emits !== null && typeof read.emits === "object") {
    for (const [rel, e] of Object.entries(read.emits)) {
      if (e === null || typeof e !== "object" || !(e.last === null || isString(e.last))) continue;
      if (!Array.isArray(e.outputs) || e.outputs.length === 0) continue;
      if (!e.outputs.every((o) => Array.isArray(o) && o.length === 3 && o.every(isString) && isOutputName(o[0]))) continue;
      entry.emits[rel] = { outputs: e.outputs, last: e.last };
    }
  }
  return entry;
}

function emptyEntry(key) {
  return { format: FORMAT, key, clean: Object.create(null), emits: Object.create(null) };
}

/** Adds to `into` what `from` has and it lacks. */
function merge(into, from) {
  if (from === null) return;
  for (const rel of Object.keys(from.clean)) into.clean[rel] = true;
  for (const [rel, e] of Object.entries(from.emits)) if (!(rel in into.emits)) into.emits[rel] = e;
}

function readEntry(dir, key) {
  try {
    return validEntry(JSON.parse(fs.readFileSync(path.join(dir, `${key}.json`), "utf8")), key);
  } catch {
    return null; // missing, unreadable or not JSON
  }
}

/**
 * The cache's folders for the project at `root`, in the order they are read (entries are written to the first
 * that takes them): node_modules/.cache/mnist-kernel, then .cache/kernel for a read-only node_modules; the one
 * folder MNIST_KERNEL_CACHE names instead; none when it is "off".
 */
function cacheDirs(root, setting = process.env.MNIST_KERNEL_CACHE) {
  if (setting === "off") return [];
  if (setting) return [path.resolve(root, setting)];
  return [path.join(root, "node_modules", ".cache", "mnist-kernel"), path.join(root, ".cache", "kernel")];
}

/** A store over `dirs`: entries are read from all of them and written to the first that takes them. */
function createStore(dirs) {
  const entries = new Map(); // key → entry, oldest first
  const dirty = new Set();
  let scheduled = false;

  function get(key) {
    let entry = entries.get(key);
    if (entry !== undefined) return entry;
    entry = emptyEntry(key);
    for (const dir of dirs) merge(entry, readEntry(dir, key));
    entries.set(key, entry);
    for (const old of entries.keys()) {
      if (entries.size <= IN_MEMORY) break;
      if (!dirty.has(old) && old !== key) entries.delete(old);
    }
    return entry;
  }

  function changed(key) {
    if (dirs.length === 0) return;
    dirty.add(key);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush); // after the cell: tslab's work is done, the answer is on its way
    }
  }

  function flush() {
    scheduled = false;
    for (const key of dirty) {
      const entry = entries.get(key);
      if (entry === undefined) continue;
      for (const dir of dirs) {
        try {
          write(dir, entry);
          break;
        } catch {
          // read-only or full: the next folder; with none left the kernel goes on without writing
        }
      }
    }
    dirty.clear();
  }

  /** Writes `entry` (merged with what another kernel may have written meanwhile) through a renamed temporary file. */
  function write(dir, entry) {
    fs.mkdirSync(dir, { recursive: true });
    merge(entry, readEntry(dir, entry.key));
    const file = path.join(dir, `${entry.key}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify(entry));
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    prune(dir);
  }

  /** Keeps the KEEP newest entries of `dir` and removes stale temporary files (others may be removing too). */
  function prune(dir) {
    const now = Date.now();
    const found = [];
    for (const f of fs.readdirSync(dir)) {
      let mtime;
      try {
        mtime = fs.statSync(path.join(dir, f)).mtimeMs;
      } catch {
        continue; // removed by another kernel meanwhile
      }
      if (/^[0-9a-f]{32}\.json$/.test(f)) found.push({ f, mtime });
      else if (/\.json\.\d+\.tmp$/.test(f) && now - mtime > STALE_TMP_MS) fs.rmSync(path.join(dir, f), { force: true });
    }
    found.sort((a, b) => b.mtime - a.mtime);
    for (const { f } of found.slice(KEEP)) fs.rmSync(path.join(dir, f), { force: true });
  }

  /** Marks every entry held as changed (written again: its time then says it is current). */
  function touchAll() {
    for (const key of entries.keys()) changed(key);
  }

  return { get, changed, flush, touchAll };
}

module.exports = { cacheDirs, createStore, FORMAT };
