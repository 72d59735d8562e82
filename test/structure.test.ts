// The shape of lib/ that ARCHITECTURE.md states: folders by layer whose imports run one way, no import cycle, no
// file past 300 lines (the AssemblyScript sources aside), at most eight files directly in lib/, teaching files
// free of backend code, and every folder of lib/ and scripts/ named in ARCHITECTURE.md.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const LIB = join(__dirname, "..", "lib");
const MAX_LINES = 300;
const ROOT = join(__dirname, "..");

// What each folder of lib/ may import besides itself ("root" = the few files directly in lib/, e.g. paths.ts).
// The engine never imports the maths; the maths reach the engine only through its interface (ENGINE_FACE).
const MAY_IMPORT: Record<string, string[]> = {
  root: [],
  engine: ["root"],
  core: ["root", "engine-face"],
  nn: ["root", "engine-face", "core"],
  autograd: ["root", "engine-face", "core", "nn"],
  data: ["root", "core"],
  train: ["root", "engine-face", "core", "nn", "data"],
  course: ["root", "engine", "engine-face", "core", "nn", "autograd", "data", "train"],
};
const ENGINE_FACE = ["engine/kernels.ts", "engine/active.ts"];

/** The layer a lib file belongs to: its first folder, "root" for lib/*.ts, "engine-face" for the kernel interface. */
function layerOf(file: string): string {
  const rel = relative(LIB, file).split("\\").join("/");
  if (ENGINE_FACE.includes(rel)) return "engine-face";
  return rel.includes("/") ? rel.split("/")[0] : "root";
}

function libFiles(dir = LIB): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "assembly") out.push(...libFiles(p));
    } else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** The lib files a file imports (type-only imports included: a cycle of types is still a cycle to a reader). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"(\.[^"]+)"/gms)) {
    const target = resolve(dirname(file), m[1]) + ".ts";
    found.push(target);
  }
  return found;
}

describe("the shape of lib/", () => {
  const files = libFiles();

  it("has no import cycle", () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(LIB, p)).join(" → "));
        return;
      }
      state.set(f, "open");
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, "done");
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it("has a rule for every folder of lib/, and its imports run one way between them", () => {
    const folders = readdirSync(LIB).filter((n) => statSync(join(LIB, n)).isDirectory());
    expect(folders.filter((f) => !(f in MAY_IMPORT))).toEqual([]);
    const wrong: string[] = [];
    for (const f of files) {
      if (relative(LIB, f) === "index.ts") continue; // the public face may name anything
      const from = layerOf(f);
      const own = from === "engine-face" ? "engine" : from;
      for (const t of importsOf(f).filter((t) => files.includes(t))) {
        const to = layerOf(t);
        const allowed = to === own || (to === "engine-face" && own === "engine") || (from === "engine-face" && to === "engine") ||
          MAY_IMPORT[own].includes(to);
        if (!allowed) wrong.push(`${relative(LIB, f)} → ${relative(LIB, t)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("holds at most eight files directly in lib/", () => {
    const top = readdirSync(LIB).filter((n) => statSync(join(LIB, n)).isFile());
    expect(top.length, top.join(", ")).toBeLessThanOrEqual(8);
  });

  it("has the kernel interface import no implementation", () => {
    expect(importsOf(join(LIB, "engine", "kernels.ts"))).toEqual([]);
  });

  it("names every folder of lib/ and scripts/ in ARCHITECTURE.md", () => {
    const text = readFileSync(join(ROOT, "ARCHITECTURE.md"), "utf8");
    const folders = (base: string): string[] => readdirSync(join(ROOT, base)).flatMap((n) => {
      const p = join(base, n);
      if (!statSync(join(ROOT, p)).isDirectory() || n === "assembly" || n === "node_modules" || n === "__pycache__") return []; // Python's cache, ignored by git
      return [p, ...folders(p)];
    });
    const missing = [...folders("lib"), ...folders("scripts")].filter((f) => !text.includes(`${f}/`));
    expect(missing).toEqual([]);
  });

  it(`keeps every file under ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => ({ file: relative(LIB, f), lines: readFileSync(f, "utf8").split("\n").length }))
      .filter((x) => x.lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it("keeps the teaching files free of backend code: no casts to typed arrays, no placement flags, no optional kernel calls", () => {
    const teaching = ["core/matrix.ts", "core/ops.ts", "nn/layers.ts", "nn/activations.ts", "nn/losses.ts", "train/optimizers.ts"];
    for (const name of teaching) {
      const text = readFileSync(join(LIB, name), "utf8");
      expect(text, name).not.toMatch(/as Float(32|64)Array/);
      expect(text, name).not.toMatch(/resident/);
      expect(text, name).not.toMatch(/\)\.\w+\?\.\(/);
      expect(text, name).not.toMatch(/from "[./]+\/engine\/(backend|wasm\/)/);
    }
  });
});
