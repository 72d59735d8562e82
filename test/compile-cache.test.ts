// The kernel's compile cache (jupyter/kernels/tslab/compile-cache.cjs) gives back exactly what plain tslab
// computes: tslab's converter runs in a small project (a copy of no part of lib/, so each run takes a second),
// once without the cache (MNIST_KERNEL_CACHE=off), once with an empty cache and once with the filled one, and
// everything tslab hands its executor (the cell's code, the files it imports, the errors) must be equal.
// Then the ways a cache can go wrong: a file changed after the cache was written (its errors must still be
// reported), a cell that declares tslab's own `tsLastExpr`, a cache file that is garbage, a cache that cannot
// be written.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CACHE_MODULE = path.resolve("jupyter/kernels/tslab/compile-cache.cjs");
const CONVERTER = path.resolve("node_modules/tslab/dist/converter.js");

// Runs tslab's converter on `cells` in order (each sees the declarations of the ones before, as in the kernel),
// with the cache module loaded the way kernel.json loads it.
const DRIVER = `
const { createConverter } = require(${JSON.stringify(CONVERTER)});
const converter = createConverter({ isJS: false, isBrowser: false });
let prev = "";
const outs = [];
for (const cell of JSON.parse(process.env.CELLS)) {
  const out = converter.convert(prev, cell);
  outs.push(out);
  if (out.diagnostics.length === 0) prev = out.declOutput;
}
const { stats } = require(${JSON.stringify(CACHE_MODULE)});
process.stdout.write(JSON.stringify({ outs, stats }));
process.exit(0);
`;

const FILES: Record<string, string> = {
  "lib/index.ts": 'export * from "./shapes";\nexport * from "./double";\nexport * from "./registry";\n',
  "lib/shapes.ts": "export interface Shape {\n  rows: number;\n  cols: number;\n}\nexport type Pair = [number, number];\n",
  // a type-only import, which the emit must drop (the checker decides it)
  "lib/double.ts":
    'import { Shape } from "./shapes";\nexport function double(x: number): number {\n  return 2 * x;\n}\n' +
    "export function area(s: Shape): number {\n  return s.rows * s.cols;\n}\n",
  // ends with an expression statement, which tslab turns into `export const tsLastExpr = …`
  "lib/registry.ts":
    'import { double } from "./double";\nexport const registry: number[] = [];\n' +
    "export function register(n: number): void {\n  registry.push(double(n));\n}\nregister(21);\n",
};

// Not imported by lib/index: a file with an error that a cell's augmentation can hide, and one that mentions
// tslab's tsLastExpr without ending in an expression.
const AUGMENTED = "lib/augmented.ts";
const MENTION = "lib/mention.ts";
FILES[AUGMENTED] = "export const width: number = courseWidth;\n"; // courseWidth: declared by no file of the project
FILES[MENTION] = '// tslab names a last expression tsLastExpr\nexport const note = "tsLastExpr";\n';

const IMPORT_WITH_VALUE = 'import { double, area, registry } from "./lib/index";\ndouble(2) + area({ rows: 2, cols: 3 }) + registry[0]';
const IMPORT_ONLY = 'import { double } from "./lib/index";';
const NEXT = "const y: number = double(3);\ny";

let project: string;
let scratch: string;

interface Run {
  outs: Array<Record<string, unknown> & { diagnostics: Array<{ messageText: string; fileName?: string }> }>;
  stats: Record<string, number>;
}

/** tslab's converter on `cells` in `cwd` (default: the project); `cache` is MNIST_KERNEL_CACHE (undefined: the
 *  default folders). */
function convert(cells: string[], cache: string | undefined, cwd = project): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, CELLS: JSON.stringify(cells) };
  if (cache === undefined) delete env.MNIST_KERNEL_CACHE;
  else env.MNIST_KERNEL_CACHE = cache;
  const r = spawnSync(process.execPath, ["--require", CACHE_MODULE, path.join(cwd, "driver.cjs")], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    env,
  });
  if (r.status !== 0) throw new Error(`driver failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

/** A fresh cache folder's path (not created: the cache makes it). */
let caches = 0;
const freshCache = () => path.join(scratch, `cache-${caches++}`);

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "compile-cache-"));
  project = path.join(scratch, "project");
  for (const [rel, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
    fs.writeFileSync(path.join(project, rel), text);
  }
  fs.writeFileSync(path.join(project, "driver.cjs"), DRIVER);
  fs.symlinkSync(path.resolve("node_modules"), path.join(project, "node_modules"), "dir");
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe("the kernel's compile cache", () => {
  it("gives tslab's executor exactly what plain tslab gives it, and skips the work once filled", () => {
    const cells = [IMPORT_WITH_VALUE, NEXT];
    const plain = convert(cells, "off");
    const cache = freshCache();
    const cold = convert(cells, cache);
    const warm = convert(cells, cache);
    expect(plain.outs[0].diagnostics).toEqual([]);
    expect((plain.outs[0].sideOutputs as unknown[]).length).toBe(4); // index, shapes, double, registry
    expect(plain.outs[0].lastExpressionVar).toBe("tsLastExpr");
    expect(cold.outs).toEqual(plain.outs);
    expect(warm.outs).toEqual(plain.outs);
    // the empty cache did tslab's work and kept it; the filled one checked and emitted only the cell
    expect(cold.stats).toMatchObject({ emitted: 4, replayed: 0, skippedChecks: 0 });
    expect(warm.stats).toMatchObject({ emitted: 0, replayed: 4, skippedChecks: 4, reused: 4 });
    expect(fs.readdirSync(cache).filter((f) => f.endsWith(".json"))).toHaveLength(1);
  });

  it("gives the same answer for a first cell without a value (tslab's last-expression name included)", () => {
    const cache = freshCache();
    const plain = convert([IMPORT_ONLY], "off");
    convert([IMPORT_WITH_VALUE], cache); // filled by another cell: the entry does not depend on the cell
    const warm = convert([IMPORT_ONLY], cache);
    expect(warm.stats.replayed).toBe(4);
    expect(warm.outs).toEqual(plain.outs);
  });

  it("compiles again, and reports the error, when a file changed after the cache was filled", () => {
    const cache = freshCache();
    convert([IMPORT_WITH_VALUE], cache);
    const file = path.join(project, "lib/double.ts");
    fs.writeFileSync(file, FILES["lib/double.ts"].replace("return 2 * x;", 'return "two" * x;'));
    try {
      const plain = convert([IMPORT_WITH_VALUE], "off");
      const warm = convert([IMPORT_WITH_VALUE], cache);
      expect(plain.outs[0].diagnostics.length).toBeGreaterThan(0);
      expect(plain.outs[0].diagnostics.map((d) => d.fileName)).toContain("lib/double.ts");
      expect(warm.outs).toEqual(plain.outs);
      expect(warm.stats.skippedChecks).toBe(0);
    } finally {
      fs.writeFileSync(file, FILES["lib/double.ts"]);
    }
    // and back as it was, the first entry serves again
    expect(convert([IMPORT_WITH_VALUE], cache).stats.replayed).toBe(4);
  });

  it("does not give back a file named after tsLastExpr when the cell declares a tsLastExpr of its own", () => {
    const cell = 'import { registry } from "./lib/index";\nconst tsLastExpr = 1;\nregistry[0] + tsLastExpr';
    const cache = freshCache();
    convert([IMPORT_WITH_VALUE], cache);
    const plain = convert([cell], "off");
    const warm = convert([cell], cache);
    expect(JSON.stringify(plain.outs[0].sideOutputs)).toContain("tsLastExpr0");
    expect(warm.outs).toEqual(plain.outs);
    expect(warm.stats).toMatchObject({ replayed: 3, emitted: 1 }); // registry.ts is compiled again
  });

  it("reads node_modules/.cache/mnist-kernel, and writes .cache/kernel where node_modules cannot take it", () => {
    // a second project whose node_modules is its own folder (links to the packages), so its cache is its own
    const other = path.join(scratch, "other");
    fs.cpSync(project, other, { recursive: true, verbatimSymlinks: true });
    fs.rmSync(path.join(other, "node_modules"));
    fs.mkdirSync(path.join(other, "node_modules"));
    for (const name of fs.readdirSync("node_modules")) {
      if (name !== ".cache") fs.symlinkSync(path.resolve("node_modules", name), path.join(other, "node_modules", name));
    }
    const plain = convert([IMPORT_WITH_VALUE], "off", other);
    const shared = path.join(other, "node_modules", ".cache", "mnist-kernel");
    expect(convert([IMPORT_WITH_VALUE], shared, other).stats.emitted).toBe(4); // filled as a teacher's would be
    const fromShared = convert([IMPORT_WITH_VALUE], undefined, other);
    expect(fromShared.stats.replayed).toBe(4);
    expect(fromShared.outs).toEqual(plain.outs);
    expect(fs.existsSync(path.join(other, ".cache"))).toBe(false);

    // what two kernels wrote for one key in the two folders is taken together: here the shared folder knows
    // which files check and the project's folder what they compile to
    const [name] = fs.readdirSync(shared);
    const full = JSON.parse(fs.readFileSync(path.join(shared, name), "utf8"));
    fs.writeFileSync(path.join(shared, name), JSON.stringify({ ...full, emits: {} }));
    fs.mkdirSync(path.join(other, ".cache", "kernel"), { recursive: true });
    fs.writeFileSync(path.join(other, ".cache", "kernel", name), JSON.stringify({ ...full, clean: {} }));
    const merged = convert([IMPORT_WITH_VALUE], undefined, other);
    expect(merged.stats).toMatchObject({ replayed: 4, skippedChecks: 4 });
    expect(merged.outs).toEqual(plain.outs);
    fs.rmSync(path.join(other, ".cache"), { recursive: true });

    // node_modules/.cache cannot be a folder (a file is there): the entry goes to the project's .cache/kernel
    fs.rmSync(path.join(other, "node_modules", ".cache"), { recursive: true });
    fs.writeFileSync(path.join(other, "node_modules", ".cache"), "");
    expect(convert([IMPORT_WITH_VALUE], undefined, other).stats.emitted).toBe(4);
    expect(fs.readdirSync(path.join(other, ".cache", "kernel")).filter((f) => f.endsWith(".json"))).toHaveLength(1);
    const fromProject = convert([IMPORT_WITH_VALUE], undefined, other);
    expect(fromProject.stats.replayed).toBe(4);
    expect(fromProject.outs).toEqual(plain.outs);
  });

  it("stands aside for a cell that augments the global scope or a module, and remembers nothing from it", () => {
    const augmenting = 'declare global {\n  var courseWidth: number;\n}\nimport { width } from "./lib/augmented";\nwidth';
    const ordinary = 'import { width } from "./lib/augmented";\nwidth';
    const cache = freshCache();
    const plainAugmenting = convert([augmenting], "off");
    // the cell's declaration makes lib/augmented.ts check (tslab then trips on the cell itself: it exports the
    // cell's names, `__global` among them)
    expect(plainAugmenting.outs[0].diagnostics.map((d) => d.fileName)).not.toContain(AUGMENTED);
    const cachedAugmenting = convert([augmenting], cache);
    expect(cachedAugmenting.outs).toEqual(plainAugmenting.outs);
    expect(cachedAugmenting.stats).toMatchObject({ skippedChecks: 0, replayed: 0 });
    expect(cachedAugmenting.stats.bypassed).toBeGreaterThan(0);
    // the next kernel, without the declaration, must still see the error in lib/augmented.ts
    const plain = convert([ordinary], "off");
    expect(plain.outs[0].diagnostics.map((d) => d.fileName)).toContain(AUGMENTED);
    expect(convert([ordinary], cache).outs).toEqual(plain.outs);
    // `declare module "…"` is left to tslab too (tslab 1.0.22 trips on both in a cell, so neither reaches a later
    // cell's declarations)
    const moduleCell = 'declare module "./lib/double" {\n  export const extra: number;\n}\nimport { double } from "./lib/index";\ndouble(1)';
    const cachedModule = convert([moduleCell], cache);
    expect(cachedModule.outs).toEqual(convert([moduleCell], "off").outs);
    expect(cachedModule.stats).toMatchObject({ replayed: 0, skippedChecks: 0 });
  });

  it("checks every imported file when one of them is not known to check (tslab's order, hence its messages)", () => {
    const cache = freshCache();
    convert(['import { double } from "./lib/double";\ndouble(1)'], cache); // lib/double.ts and lib/shapes.ts known
    const cell = 'import { width } from "./lib/augmented";\nimport { double } from "./lib/double";\ndouble(width)';
    const plain = convert([cell], "off");
    expect(plain.outs[0].diagnostics.map((d) => d.fileName)).toContain(AUGMENTED);
    const cached = convert([cell], cache);
    expect(cached.outs).toEqual(plain.outs);
    expect(cached.stats.skippedChecks).toBe(0);
  });

  it("gives back a file that only mentions tsLastExpr as plain tslab compiles it", () => {
    const cell = 'import { note } from "./lib/mention";';
    const cache = freshCache();
    const plain = convert([cell], "off");
    expect(plain.outs[0].lastExpressionVar).toBeUndefined();
    convert([cell], cache);
    const warm = convert([cell], cache);
    expect(warm.stats.replayed).toBe(1);
    expect(warm.outs).toEqual(plain.outs);
  });

  it("takes only the valid parts of a cache file that parses but is malformed", () => {
    const cache = freshCache();
    convert([IMPORT_WITH_VALUE], cache);
    const [name] = fs.readdirSync(cache);
    const file = path.join(cache, name);
    const entry = JSON.parse(fs.readFileSync(file, "utf8"));
    const plain = convert([IMPORT_WITH_VALUE], "off");
    const broken = [
      { ...entry, clean: "x" },
      { ...entry, emits: { "lib/double.ts": { outputs: [[1, null, 3]], last: 5 }, "lib/index.ts": null } },
      { ...entry, emits: { ...entry.emits, "lib/double.ts": { outputs: [["outDir/lib/double.js", null, "x"]], last: null } } },
      { ...entry, emits: [] },
      // a name tslab would refuse to write: the cache must not pass it on
      { ...entry, emits: { ...entry.emits, "lib/double.ts": { ...entry.emits["lib/double.ts"], outputs: [["outDir/../double.js", "x", "y"]] } } },
    ];
    for (const bad of broken) {
      fs.writeFileSync(file, JSON.stringify(bad));
      const run = convert([IMPORT_WITH_VALUE], cache);
      expect(run.outs).toEqual(plain.outs);
      expect(run.stats.failed).toBe(0);
    }
  });

  it("ignores a cache file that is garbage, and one it cannot write", () => {
    const cache = freshCache();
    convert([IMPORT_WITH_VALUE], cache);
    const [entry] = fs.readdirSync(cache);
    fs.writeFileSync(path.join(cache, entry), '{"format": 1, "key": "not this one", "clean": {');
    const plain = convert([IMPORT_WITH_VALUE], "off");
    const afterGarbage = convert([IMPORT_WITH_VALUE], cache);
    expect(afterGarbage.outs).toEqual(plain.outs);
    expect(afterGarbage.stats.replayed).toBe(0);
    expect(convert([IMPORT_WITH_VALUE], cache).stats.replayed).toBe(4); // written whole again

    const blocked = path.join(scratch, "a-file-not-a-folder");
    fs.writeFileSync(blocked, "");
    const unwritable = convert([IMPORT_WITH_VALUE], path.join(blocked, "cache"));
    expect(unwritable.outs).toEqual(plain.outs);
  });
});
