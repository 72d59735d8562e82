// The shape of lib/ that DESIGN.md promises: no import cycles, no file past ~300 lines (the AssemblyScript
// sources aside), and teaching files free of backend code.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const LIB = join(__dirname, "..", "lib");
const MAX_LINES = 320;

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
