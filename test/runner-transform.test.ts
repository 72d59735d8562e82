// The book's runnable cells (web/runner/transform.ts): a notebook cell's TypeScript made runnable in one scope
// shared by every cell, as in the tslab kernel. Each case runs real cells through compileCell, the function the
// page's worker uses, and checks what the notebook would give.
import { describe, expect, it } from "vitest";
import { CellSyntaxError, compileCell, errorLine, MODULE, transformCell } from "../web/runner/transform";
import { Matrix } from "../lib/index";

function session() {
  const scope: Record<string, unknown> = Object.create(null);
  let n = 0;
  return { scope, run: (source: string) => compileCell(source, ++n, scope)() };
}

describe("runnable cells share one scope", () => {
  it("sees a const of one cell in the next, and a re-run redefines it", async () => {
    const s = session();
    await s.run("const a: number = 2;");
    expect(await s.run("const b = a * 3;\nb")).toBe(6);
    await s.run("const a = 5;"); // redefined, as running the cell again in the notebook
    expect(await s.run("b + a")).toBe(11); // b keeps the value it had (6), a is the new 5
    expect(await s.run("const c = a * 3; c")).toBe(15);
  });

  it("keeps let's updates made inside callbacks, and later cells see them", async () => {
    const s = session();
    await s.run("let largest = 0;\n[3, 9, 4].forEach((x) => { largest = Math.max(largest, x); });");
    expect(await s.run("largest")).toBe(9);
    await s.run("let z;");
    expect(s.scope.z).toBeUndefined();
    await s.run("z = 'set later'");
    expect(await s.run("z")).toBe("set later");
  });

  it("hoists a function within its cell, and a re-definition replaces it for the cells after", async () => {
    const s = session();
    expect(await s.run("const y = twice(4);\nfunction twice(x: number): number { return inc(x) * 2; }\nfunction inc(x: number) { return x + 1; }\ny")).toBe(10);
    await s.run("function inc(x: number) { return x + 100; }");
    expect(await s.run("inc(1)")).toBe(101);
  });

  it("runs classes (with TypeScript's parameter properties), destructuring, and erases types", async () => {
    const s = session();
    await s.run("interface Shape { area(): number }\ntype N = number;\nclass Sq implements Shape {\n  constructor(public side: N) {}\n  area(): N { return this.side ** 2; }\n}");
    await s.run("const { p, q: [r, ...rest] } = { p: new Sq(3), q: [1, 2, 3] as const };");
    expect(await s.run("p.area() + r + rest.length")).toBe(12);
    expect(await s.run("const m = new Map<string, number[]>([['k', [1]]]);\nm.get('k')!.length as number")).toBe(1);
  });

  it("resolves `import … from \"./lib/index\"` through the page's module function, dropping type-only names", async () => {
    const s = session();
    const modules: Record<string, unknown> = { "./lib/index": { Matrix, answer: 42 } };
    (globalThis as Record<string, unknown>)[MODULE] = (name: string) => {
      if (!(name in modules)) throw new Error(`Cannot find module '${name}'`);
      return modules[name];
    };
    await s.run('import { Matrix, answer as a, type DType } from "./lib/index";\nconst d: DType = "float32";');
    expect(await s.run("new Matrix(2, 3, new Float32Array(6)).data.length + a")).toBe(48);
    await expect(s.run('import { x } from "./other";')).rejects.toThrow(/Cannot find module '\.\/other'/);
    const { names } = transformCell('import { type History, Matrix } from "./lib/index";');
    expect(names).toEqual(["Matrix"]);
  });

  it("keeps block-scoped loops local, and a statement starting with ( after a line without ; stays two statements", async () => {
    const s = session();
    await s.run("let total = 0\nfor (const q of [1, 2, 3]) total += q\nconst after = total");
    expect(await s.run("after")).toBe(6);
    expect("q" in s.scope).toBe(false);
    expect(await s.run("const f = () => 1\nconst [g] = [2]\nf() + g")).toBe(3);
  });

  it("returns the last expression's value, but not an assignment's, and awaits at the top level", async () => {
    const s = session();
    expect(await s.run("let v = 1;\nv = 3")).toBeUndefined();
    expect(await s.run("await new Promise<number>((resolve) => setTimeout(() => resolve(7), 1))")).toBe(7);
  });
});

describe("errors name the cell's line", () => {
  it("a run-time error: the line of the cell where it was thrown", async () => {
    const s = session();
    const cell = "const ok = 1;\n\nconst bad = (undefined as any).x;";
    const e = await s.run(cell).catch((x) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect(errorLine(e, 1)).toBe(3);
  });

  it("a syntax error: its line, before anything runs", async () => {
    const s = session();
    const e = (() => {
      try {
        s.run("const a = 1;\nconst b = ;\nconst c = 2;");
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(CellSyntaxError);
    expect(errorLine(e, 1)).toBe(2);
    expect(s.scope.a).toBeUndefined(); // nothing ran
  });

  it("refuses export in a cell", () => {
    expect(() => transformCell("export const a = 1;")).toThrow(/cannot export/);
  });
});
