// The library guard of the course's tslab kernel, loaded before tslab by the kernelspec beside it (kernel.json:
// `node --require <this file> …`, in the project root), so it is in place before any file of lib/ loads.
//
// Why: some exercises ask the student to write by hand what the library already does (im2col, a layer's
// backward, a schedule …). The exercise's entry in lib/course/exercises/ says what is off limits; while the
// student's answer runs (inside check() and inside the grader's own tests) that part of the library throws
// "… is off limits in exercise N: …". For that to hold whichever way the student reached the library (a named
// import, a reference kept in a variable, a subclass, `super.backward`), the library is wrapped when it loads:
//
//   - every function a file of lib/ exports is replaced, in its module's exports, by a wrapper that calls it
//     (a named import, which tslab copies when the import runs, therefore already holds the wrapper);
//   - every method of every class a file of lib/ exports (outside lib/core and lib/engine: Matrix and the
//     kernels stay as they are) is wrapped in place on its prototype, so subclasses and `super` calls meet it;
//   - the kernels' methods (lib/engine's objects and classes) are wrapped too, blocked only by name
//     ("Kernels.im2col"), so activeKernels().im2col cannot stand in for an exercise's im2col.
//
// A wrapper costs one comparison while nothing is blocked. What is blocked at a given moment is set through
// globalThis[Symbol.for("mnist-from-scratch.library-guard")].block({ exercise, why, layers, modules, names })
// (lib/course/exercises/off-limits.ts): `layers` blocks every method of every class with forward() and
// backward() (each Layer subclass, Sequential, and any added later), `modules` every export of the named files
// ("nn/im2col", "train/optimizers"; "engine/" a whole folder), `names` the exports of that name, anywhere in lib/. block() returns the
// function that lifts the block. Nothing here runs outside the kernel: vitest and tsx load lib/ another way.
//
// It also keeps the identity of JavaScript's own functions the tests compare with (Math, JSON, Number, Object,
// Array, the prototypes, typed arrays, fs' writers) and of every function and method of lib/ as it loaded:
// intact() returns the name of the first one a notebook replaced since (Math.abs = () => 0 would make every
// comparison pass), or null. The grader refuses a notebook that changed one (lib/course/exercises/grading.ts).
"use strict";

const Module = require("node:module");
const path = require("node:path");

const KEY = Symbol.for("mnist-from-scratch.library-guard");
const LIB = path.join(process.cwd(), "lib") + path.sep;
const UNWRAPPED_CLASSES = /^(core|engine)\//; // data structures and kernels: hot, and never an exercise's answer

const getOwn = Object.getOwnPropertyDescriptor;
const fs = require("node:fs");
// kept as the kernel starts, before any cell: what writeVerdict() uses, out of a notebook's reach
const pristine = { openSync: fs.openSync, writeSync: fs.writeSync, closeSync: fs.closeSync, stringify: JSON.stringify, create: Object.create };
const ownKeys = Reflect.ownKeys;
const kept = []; // [label, owner, key, value]: what intact() compares

function keep(label, owner, key) {
  const d = getOwn(owner, key);
  if (d && "value" in d) kept.push([label, owner, key, d.value]);
}

function keepAll(label, owner) {
  for (const key of ownKeys(owner)) {
    const d = getOwn(owner, key);
    if (d && typeof d.value === "function") keep(`${label}.${String(key)}`, owner, key);
  }
}

(function keepIntrinsics() {
  const globals = ["Math", "JSON", "Number", "Object", "Array", "String", "Reflect", "Boolean", "Symbol", "Map", "Set",
    "Float32Array", "Float64Array", "Int32Array", "Uint8Array", "isNaN", "isFinite", "parseFloat", "parseInt"];
  for (const name of globals) keep(name, globalThis, name);
  for (const name of ["Math", "JSON", "Number", "Object", "Array", "String", "Reflect"]) keepAll(name, globalThis[name]);
  for (const ctor of [Object, Array, Function, String, Number, Boolean, Map, Set, Float32Array, Float64Array, Int32Array, Uint8Array]) {
    keepAll(`${ctor.name}.prototype`, ctor.prototype);
  }
  keepAll("TypedArray.prototype", Object.getPrototypeOf(Float32Array.prototype));
  for (const name of ["writeFileSync", "openSync", "writeSync", "closeSync", "readFileSync"]) keep(`fs.${name}`, fs, name);
})();

let blocked = null; // { exercise, why, layers, modules: [..], names: Set } while a student's answer runs
const GUARDED = Symbol("guarded");

function refuse(what) {
  const b = blocked;
  return new Error(`${what} is off limits in exercise ${b.exercise}${b.why ? `: ${b.why}` : ""}`);
}

/** "nn/im2col" names a file of lib/; "engine/" (a trailing slash) a folder. */
function moduleBlocked(moduleKey) {
  return blocked.modules.some((m) => (m.endsWith("/") ? moduleKey.startsWith(m) : moduleKey === m));
}

function isClass(fn) {
  return /^class\b/.test(Function.prototype.toString.call(fn));
}

function hasForwardBackward(cls) {
  const p = cls.prototype;
  return p != null && typeof p.forward === "function" && typeof p.backward === "function";
}

function wrapFunction(fn, moduleKey, name) {
  if (fn[GUARDED]) return fn;
  const guarded = function () {
    if (blocked !== null && (moduleBlocked(moduleKey) || blocked.names.has(name))) throw refuse(`${name} (lib/${moduleKey})`);
    return new.target ? Reflect.construct(fn, arguments, new.target) : fn.apply(this, arguments);
  };
  for (const key of Reflect.ownKeys(fn)) {
    if (key === "prototype" || key === "arguments" || key === "caller") continue;
    try {
      Object.defineProperty(guarded, key, Object.getOwnPropertyDescriptor(fn, key));
    } catch {
      /* a non-configurable own property: keep the wrapper's */
    }
  }
  if (fn.prototype !== undefined) guarded.prototype = fn.prototype;
  guarded[GUARDED] = true;
  return guarded;
}

function wrapClass(cls, moduleKey, name) {
  if (Object.prototype.hasOwnProperty.call(cls, GUARDED)) return;
  Object.defineProperty(cls, GUARDED, { value: true });
  const proto = cls.prototype;
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key === "constructor") continue;
    const d = Object.getOwnPropertyDescriptor(proto, key);
    if (!d || typeof d.value !== "function" || !d.configurable) continue;
    const method = d.value;
    const guarded = function () {
      if (blocked !== null) {
        const layer = hasForwardBackward(this?.constructor ?? cls);
        if ((blocked.layers && layer) || moduleBlocked(moduleKey) || blocked.names.has(name) || blocked.names.has(`${name}.${key}`)) {
          throw refuse(`${this?.constructor?.name ?? name}.${key}`);
        }
      }
      return method.apply(this, arguments);
    };
    Object.defineProperty(guarded, "name", { value: key });
    Object.defineProperty(guarded, "length", { value: method.length });
    Object.defineProperty(proto, key, { ...d, value: guarded });
    keep(`${name}.prototype.${key} (lib/${moduleKey})`, proto, key);
  }
}

/**
 * The kernels (lib/engine: the plain loops' objects, the WebAssembly kernels' classes) are not an exercise's answer
 * but can compute one (im2col, max-pooling): their methods are wrapped in place, blocked by the name
 * "Kernels.<method>" ("Kernels.im2col"), whichever kernels object the student reached (activeKernels(), jsKernels).
 */
function wrapKernelMethods(owner, label) {
  // only kernels (their products, rearrangements, the LSTM's gates or LayerNorm): never another object an engine file exports
  // (wasmApi is JavaScript's own WebAssembly, whose constructors must stay as they are)
  if (typeof owner.matmul !== "function" && typeof owner.im2col !== "function" && typeof owner.lstmGatesForward !== "function" &&
      typeof owner.layerNormForward !== "function") return;
  for (const key of Object.getOwnPropertyNames(owner)) {
    const d = getOwn(owner, key);
    if (key === "constructor" || !d || typeof d.value !== "function" || !d.configurable || d.value[GUARDED] || isClass(d.value)) continue;
    const method = d.value, blockedName = `Kernels.${key}`;
    const guarded = function () {
      if (blocked !== null && blocked.names.has(blockedName)) throw refuse(`the kernel ${key} (lib/${label})`);
      return method.apply(this, arguments);
    };
    Object.defineProperty(guarded, "name", { value: key });
    Object.defineProperty(guarded, "length", { value: method.length });
    guarded[GUARDED] = true;
    Object.defineProperty(owner, key, { ...d, value: guarded });
  }
}
function guardModule(mod, moduleKey) {
  const exports = mod.exports;
  if (exports === null || typeof exports !== "object") return;
  for (const name of Object.keys(exports)) {
    const d = Object.getOwnPropertyDescriptor(exports, name);
    if (d && "value" in d && d.value !== null && typeof d.value === "object" && moduleKey.startsWith("engine/")) {
      wrapKernelMethods(d.value, moduleKey); // a kernels object (jsKernels)
      keepAll(`${name} (lib/${moduleKey})`, d.value);
      continue;
    }
    if (!d || !("value" in d) || typeof d.value !== "function") continue; // re-exports are getters: their origin is wrapped
    const fn = d.value;
    if (isClass(fn)) {
      if (!UNWRAPPED_CLASSES.test(moduleKey) || hasForwardBackward(fn)) wrapClass(fn, moduleKey, name);
      else {
        if (moduleKey.startsWith("engine/")) wrapKernelMethods(fn.prototype, moduleKey);
        keepAll(`${name}.prototype (lib/${moduleKey})`, fn.prototype);
      }
    } else if (d.writable) {
      exports[name] = wrapFunction(fn, moduleKey, name);
    }
    keep(`${name} (lib/${moduleKey})`, exports, name);
  }
}

if (!globalThis[KEY]) {
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    const result = compile.apply(this, arguments);
    if (typeof filename === "string" && filename.startsWith(LIB)) {
      const moduleKey = filename.slice(LIB.length).replace(/\\/g, "/").replace(/\.[cm]?[jt]s$/, "");
      try {
        guardModule(this, moduleKey);
      } catch {
        /* never break the library: a module we cannot wrap stays as it is */
      }
    }
    return result;
  };
  Object.defineProperty(globalThis, KEY, {
    value: Object.freeze({
      /** Blocks { exercise, why, layers, modules, names } until the returned function is called. */
      block(rule) {
        const previous = blocked;
        blocked = {
          exercise: String(rule.exercise),
          why: String(rule.why ?? ""),
          layers: Boolean(rule.layers),
          modules: [...(rule.modules ?? [])].map(String),
          names: new Set(rule.names ?? []),
        };
        return () => {
          blocked = previous;
        };
      },
      active: () => blocked !== null,
      /**
       * Writes { nonce, id, status, message } (strings) to `path` as JSON with the functions kept at the kernel's
       * start: a notebook that hooked fs or JSON cannot rewrite a verdict on its way to the grader.
       */
      writeVerdict(path, fields) {
        const out = pristine.create(null); // no prototype: no toJSON a notebook could have added
        for (const key of ["nonce", "id", "status", "message"]) out[key] = typeof fields[key] === "string" ? fields[key] : "";
        const fd = pristine.openSync(path, "w");
        try {
          pristine.writeSync(fd, pristine.stringify(out));
        } finally {
          pristine.closeSync(fd);
        }
      },
      /** null, or the name of the first kept function a notebook has replaced since it loaded. */
      intact() {
        for (let i = 0; i < kept.length; i++) {
          const [label, owner, key, value] = kept[i];
          const d = getOwn(owner, key);
          if (!d || !("value" in d) || d.value !== value) return label;
        }
        return null;
      },
    }),
  });
}
