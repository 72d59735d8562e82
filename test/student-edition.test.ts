// `npm run classroom -- edition --out DIR`: what students get holds feedback-only checks (no expected values,
// no hidden tests, no solutions), runs top to bottom, and its checks still tell right from wrong.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** tsx's command line, run by this Node (the grader is scripts/commands/grade.ts). */
const TSX_CLI = join(process.cwd(), "node_modules", "tsx", "dist", "cli.mjs");

const ROOT = resolve(".");
let dir = "";
let edition = "";
let run: { status: number | null; stderr: string; stdout: string } = { status: null, stderr: "", stdout: "" };

const outputs = (name: string): string =>
  JSON.parse(readFileSync(join(edition, "build", "notebooks", name), "utf8"))
    .cells.flatMap((c: { outputs?: { text?: string | string[] }[] }) => c.outputs ?? [])
    .map((o: { text?: string | string[] }) => (Array.isArray(o.text) ? o.text.join("") : o.text ?? ""))
    .join("");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "student-edition-"));
  edition = join(dir, "course");
  const made = spawnSync(process.execPath, ["scripts/commands/classroom.mjs", "edition", "--out", edition], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(made.stderr);
  symlinkSync(realpathSync(join(ROOT, "node_modules")), join(edition, "node_modules"));
  // what a student who solved chapter 11 would have, and one who answered it wrongly
  mkdirSync(join(edition, "notebooks", "solutions"));
  copyFileSync(join(ROOT, "notebooks", "solutions", "11-solutions.ipynb"), join(edition, "notebooks", "solutions", "11-solutions.ipynb"));
  const cells = [
    'import { check } from "./lib/index";',
    'check("11.1", 15);\ncheck("11.2", 896);\ncheck("11.3", (image: number[][], k: number) => image.slice(0, k));',
  ];
  writeFileSync(join(edition, "notebooks", "zz-answers.ipynb"), JSON.stringify({
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  }));
  const r = spawnSync(process.execPath, [TSX_CLI, "scripts/commands/notebooks.ts", "notebooks/11-convolutions.ipynb", "notebooks/zz-answers.ipynb", "notebooks/solutions/11-solutions.ipynb"], {
    cwd: edition, encoding: "utf8", timeout: 900_000,
  });
  run = { status: r.status, stderr: r.stderr, stdout: r.stdout };
}, 1_000_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the student edition", () => {
  it("holds no solutions, no hidden tests and no expected values", () => {
    expect(existsSync(join(edition, "notebooks", "solutions", "01-solutions.ipynb"))).toBe(false);
    expect(existsSync(join(edition, "lib", "course", "exercises", "hidden"))).toBe(false);
    for (const f of readdirSync(join(edition, "lib", "course", "exercises")).filter((n) => /^ch\d+\.ts$/.test(n))) {
      expect(readFileSync(join(edition, "lib", "course", "exercises", f), "utf8"), f).not.toMatch(/\bexpected:/);
    }
  });
  it("refuses to grade (the hidden tests are the teacher's)", () => {
    const r = spawnSync(process.execPath, [TSX_CLI, "scripts/commands/grade.ts", "notebooks/11-convolutions.ipynb"], { cwd: edition, encoding: "utf8", timeout: 120_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("it is a student edition");
  });
  it("runs a chapter top to bottom, and the solutions' checks all say Correct!", () => {
    expect(run.status, run.stderr.slice(-1500)).toBe(0);
    expect(outputs("11-convolutions.ipynb")).toContain("Exercise 11.1: Not answered yet");
  });
  it("its checks tell right from wrong without the expected values", () => {
    const text = outputs("zz-answers.ipynb");
    expect(text).toContain("Exercise 11.1: Not quite: 15 is not the expected number.");
    expect(text).toContain("Exercise 11.2: Correct!");
    expect(text).toMatch(/Exercise 11\.3: Not quite: /);
  });
});
