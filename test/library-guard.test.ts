// The kernel's library guard (jupyter/kernels/tslab/library-guard.cjs) on a small made-up lib/ loaded the way
// tslab loads ours (CommonJS through Module.prototype._compile): what an exercise puts off limits throws
// however the student reached it, what it does not stays usable, and everything works again afterwards.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const GUARD = resolve("jupyter/kernels/tslab/library-guard.cjs");
const dir = mkdtempSync(join(tmpdir(), "library-guard-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const files: Record<string, string> = {
  "lib/nn/layers.js": `class Layer { params() { return []; } }
class Scale extends Layer { forward(x) { return 2 * x; } backward(d) { return 2 * d; } count() { return 1; } }
function helper() { return 1; }
exports.Layer = Layer; exports.Scale = Scale; exports.helper = helper;`,
  "lib/nn/im2col.js": `function im2col(x) { return x + 1; }\nexports.im2col = im2col;`,
  "lib/nn/conv.js": `const im2col_1 = require("./im2col");\nclass Conv { forward(x) { return im2col_1.im2col(x); } backward(d) { return d; } }\nexports.Conv = Conv;`,
  "lib/core/ops.js": `function softmaxRows() { return 3; }\nclass Matrix { get() { return 5; } }\nexports.softmaxRows = softmaxRows; exports.Matrix = Matrix;`,
  "lib/engine/gemm.js": `exports.gemm = function gemm() { return 7; };`,
  "lib/engine/kernels-js.js": `exports.jsKernels = { im2col(x) { return x + 2; }, matmul() { return 9; } };
exports.api = { Thing: function Thing(v) { if (!new.target) throw new Error("needs new"); this.v = v; } }; // as wasmApi (WebAssembly)
class WasmKernels { im2col(x) { return x + 3; } matmul() { return 8; } }
exports.WasmKernels = WasmKernels;`,
  "lib/engine/kernels-js-gates.js": `exports.gateLoops = { lstmGatesForward(x) { return x + 4; } }; // a kernels object with neither matmul nor im2col`,
  "lib/engine/kernels-js-norm.js": `exports.normLoops = { layerNormForward(x) { return x + 5; }, layerNormBackward(x) { return x + 6; } }; // LayerNorm's loops alone`,
  "lib/train/stop.js": `class EarlyStopping { afterEpoch() { return "stop"; } }\nexports.EarlyStopping = EarlyStopping;`,
  // re-exports as TypeScript compiles `export * from`: getters
  "lib/index.js": ["nn/layers", "nn/im2col", "nn/conv", "core/ops", "engine/gemm", "engine/kernels-js", "engine/kernels-js-gates", "engine/kernels-js-norm", "train/stop"]
    .map((m) => `{ const m = require("./${m}"); for (const k of Object.keys(m)) Object.defineProperty(exports, k, { enumerable: true, get: () => m[k] }); }`)
    .join("\n"),
  "student.js": `const lib = require("./lib/index");
const { im2col } = lib;            // tslab copies named imports when the import runs
const kept = lib.im2col;           // a reference kept in a variable
class Mine extends lib.Scale { backward(d) { return super.backward(d); } }
const guard = globalThis[Symbol.for("mnist-from-scratch.library-guard")];
const run = (f) => { try { return f(); } catch (e) { return "ERR " + e.message; } };
const out = {};
const lift = guard.block({ exercise: "9.9", why: "do it yourself", layers: true, modules: ["nn/im2col", "engine/", "train/stop"], names: ["softmaxRows"] });
out.named = run(() => im2col(1));
out.kept = run(() => kept(1));
out.layer = run(() => new lib.Scale().forward(1));
out.otherMethod = run(() => new lib.Scale().count());
out.subclass = run(() => new Mine().backward(1));
out.inside = run(() => new lib.Conv().forward(1));
out.helper = run(() => lib.helper());
out.byName = run(() => lib.softmaxRows());
out.folder = run(() => lib.gemm());
out.classInModule = run(() => new lib.EarlyStopping().afterEpoch());
out.matrix = run(() => new lib.Matrix().get());
out.active = guard.active();
lift();
// the kernels: blocked by name ("Kernels.im2col"), whichever kernels object was reached; their other methods work
const liftKernels = guard.block({ exercise: "11.3", why: "write the windows out yourself", names: ["Kernels.im2col"] });
const wasm = new lib.WasmKernels();
out.kernels = [run(() => lib.jsKernels.im2col(1)), run(() => wasm.im2col(1)), lib.jsKernels.matmul(), wasm.matmul(), run(() => new lib.api.Thing(6).v)];
liftKernels();
out.kernelsAfter = [lib.jsKernels.im2col(1), wasm.im2col(1)];
const liftGates = guard.block({ exercise: "14.2", why: "write the gates yourself", names: ["Kernels.lstmGatesForward"] });
out.gates = [run(() => lib.gateLoops.lstmGatesForward(1))];
liftGates();
out.gates.push(lib.gateLoops.lstmGatesForward(1));
const liftNorm = guard.block({ exercise: "15.3", why: "write the normalisation's gradient yourself", names: ["Kernels.layerNormBackward"] });
out.norm = [run(() => lib.normLoops.layerNormBackward(1)), lib.normLoops.layerNormForward(1)];
liftNorm();
out.norm.push(lib.normLoops.layerNormBackward(1));
out.after = [im2col(1), kept(1), new lib.Scale().forward(1), new Mine().backward(1), lib.softmaxRows(), lib.gemm(), guard.active()];
out.instance = new Mine() instanceof lib.Scale && new lib.Scale() instanceof lib.Layer;
out.intactBefore = guard.intact();
const ops = require("./lib/core/ops");
const softmaxRows = ops.softmaxRows;
ops.softmaxRows = () => 0;
out.libReplaced = guard.intact();
ops.softmaxRows = softmaxRows;
const abs = Math.abs;
Math.abs = () => 0;
out.mathReplaced = guard.intact();
Math.abs = abs;
Object.defineProperty(Array.prototype, "every", { value: () => true, configurable: true, writable: true });
out.protoReplaced = guard.intact();
// a verdict is written with fs and JSON as they were at the start, whatever a notebook hooked since
const fs = require("fs"), w = fs.writeFileSync, ws = fs.writeSync, os = fs.openSync;
fs.writeFileSync = (p, d) => w(p, String(d).replace("wrong", "correct"));
fs.writeSync = (fd, d, ...r) => ws(fd, String(d).replace("wrong", "correct"), ...r);
fs.openSync = (p, ...r) => os(p + ".elsewhere", ...r);
const stringify = JSON.stringify;
JSON.stringify = () => '{"status":"correct"}';
Object.prototype.toJSON = function () { return { status: "correct" }; };
guard.writeVerdict("verdict.json", { nonce: "n", id: "9.9", status: "wrong", message: "m" });
fs.writeFileSync = w; fs.writeSync = ws; fs.openSync = os; JSON.stringify = stringify; delete Object.prototype.toJSON;
console.log(JSON.stringify(out));`,
};
for (const [rel, text] of Object.entries(files)) {
  mkdirSync(join(dir, rel, ".."), { recursive: true });
  writeFileSync(join(dir, rel), text);
}
const r = spawnSync(process.execPath, ["--require", GUARD, "student.js"], { cwd: dir, encoding: "utf8" });
const out = r.status === 0 ? JSON.parse(r.stdout) : {};
const verdict = readFileSync(join(dir, "verdict.json"), "utf8");

describe("the library guard", () => {
  it("runs", () => expect(r.stderr).toBe(""));
  it("blocks an off-limits function however it was reached: named import, kept reference, from inside the library", () => {
    expect(out.named).toBe("ERR im2col (lib/nn/im2col) is off limits in exercise 9.9: do it yourself");
    expect(out.kept).toContain("im2col (lib/nn/im2col) is off limits");
    expect(out.inside).toMatch(/off limits in exercise 9\.9/);
  });
  it("blocks every method of every class with forward() and backward(), also through a subclass and super", () => {
    expect(out.layer).toBe("ERR Scale.forward is off limits in exercise 9.9: do it yourself");
    expect(out.otherMethod).toContain("Scale.count is off limits");
    expect(out.subclass).toContain("Mine.backward is off limits");
  });
  it("blocks by name, by file, by folder, and a class in a blocked file; leaves the rest alone", () => {
    expect(out.byName).toContain("softmaxRows (lib/core/ops) is off limits");
    expect(out.folder).toContain("gemm (lib/engine/gemm) is off limits");
    expect(out.classInModule).toContain("EarlyStopping.afterEpoch is off limits");
    expect(out.helper).toBe(1);
    expect(out.matrix).toBe(5); // lib/core's classes are not wrapped
    expect(out.active).toBe(true);
  });
  it("blocks a kernel's method by name on every kernels object (activeKernels().im2col is no way round 11.3); the other kernels run", () => {
    expect(out.kernels).toEqual([
      "ERR the kernel im2col (lib/engine/kernels-js) is off limits in exercise 11.3: write the windows out yourself",
      "ERR the kernel im2col (lib/engine/kernels-js) is off limits in exercise 11.3: write the windows out yourself",
      9, 8, 6, // and an engine object that is not a kernel (wasmApi, JavaScript's WebAssembly) is left as it is
    ]);
    expect(out.kernelsAfter).toEqual([3, 4]);
  });
  it("blocks the LSTM's gates kernels too (an engine object with lstmGatesForward, without matmul or im2col), for 14.2", () => {
    expect(out.gates).toEqual(["ERR the kernel lstmGatesForward (lib/engine/kernels-js-gates) is off limits in exercise 14.2: write the gates yourself", 5]);
  });
  it("blocks LayerNorm's kernels too (an engine object with layerNormForward alone), for 15.3", () => {
    expect(out.norm).toEqual(["ERR the kernel layerNormBackward (lib/engine/kernels-js-norm) is off limits in exercise 15.3: write the normalisation's gradient yourself", 6, 7]);
  });
  it("tells when a notebook replaced one of JavaScript's or the library's functions", () => {
    expect(out.intactBefore).toBe(null);
    expect(out.libReplaced).toBe("softmaxRows (lib/core/ops)");
    expect(out.mathReplaced).toBe("Math.abs");
    expect(out.protoReplaced).toBe("Array.prototype.every");
  });
  it("writes a verdict with fs and JSON as they were when the kernel started", () => {
    expect(JSON.parse(verdict)).toEqual({ nonce: "n", id: "9.9", status: "wrong", message: "m" });
  });
  it("lifts the block entirely, and keeps classes what they were", () => {
    expect(out.after).toEqual([2, 2, 2, 2, 3, 7, false]);
    expect(out.instance).toBe(true);
  });
});
