// npm run grade: bad arguments get one line and a non-zero exit, never a traceback. (Grading real notebooks,
// with kernels: test/grade-bypass.test.ts.)
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { csvCell, classTable } from "../scripts/commands/grade";
import { join } from "node:path";

const TSX = join("node_modules", ".bin", "tsx");

function grade(...args: string[]) {
  const r = spawnSync(TSX, ["scripts/commands/grade.ts", ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stderr: r.stderr.trim(), stdout: r.stdout.trim() };
}

describe("npm run grade, bad arguments", () => {
  for (const [args, says] of [
    [[], "no notebooks given"],
    [["--csv"], "option --csv needs a value"],
    [["notebooks/01-data.ipynb", "--html"], "option --html needs a value"],
    [["nope.ipynb"], "no such notebook: nope.ipynb"],
    [["README.md"], "not a notebook"],
    [["notebooks/01-data.ipynb", "--timeout", "soon"], "--timeout: expected a whole number"],
    [["notebooks/01-data.ipynb", "--frobnicate"], "unknown option --frobnicate"],
    [["notebooks"], "needs --csv OUT"],
    [["notebooks/solutions", "--csv", "build/x.csv"], "holds notebooks, not student folders"],
  ] as const) {
    it(`${JSON.stringify(args)}: one line saying "${says}", exit 2`, () => {
      const r = grade(...args);
      expect(r.code).toBe(2);
      expect(r.stderr.split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(says);
      expect(r.stderr).not.toContain("Traceback");
    });
  }
});

describe("npm run grade, its files (issue 28)", () => {
  const dir = mkdtempSync(join(tmpdir(), "grade-files-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cls = join(dir, "class");
  const formula = '=HYPERLINK("evil","x")'; // a folder name: no slash
  mkdirSync(join(cls, formula), { recursive: true });
  mkdirSync(join(cls, "bob"), { recursive: true });
  writeFileSync(join(cls, formula, "03-a.ipynb"), "not json at all");
  writeFileSync(join(cls, "bob", "05-b.ipynb"), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {} })); // no cells

  const refused = (args: string[], says: RegExp) => {
    const r = grade(...args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(says);
  };

  it("--csv /dev/full (a device) is refused before any grading, and stays a device", () => {
    refused([cls, "--csv", "/dev/full"], /^grade: --csv "\/dev\/full": is not a regular file: it is a device/);
    expect(statSync("/dev/full").isCharacterDevice()).toBe(true);
  });
  it("--csv naming a FIFO is refused", () => {
    const fifo = join(dir, "fifo");
    spawnSync("mkfifo", [fifo]);
    refused([cls, "--csv", fifo], /it is a FIFO/);
    expect(statSync(fifo).isFIFO()).toBe(true);
  });
  it("--csv naming one of the notebooks being graded is refused; the notebook is untouched", () => {
    const nb = join(cls, "bob", "05-b.ipynb");
    const before = readFileSync(nb, "utf8");
    refused([cls, "--csv", nb], /is the same file as the graded notebook input/);
    expect(readFileSync(nb, "utf8")).toBe(before);
  });
  it("--csv in a folder that cannot be written is refused before grading (no traceback)", () => {
    refused([cls, "--csv", "/proc/grades.csv"], /^grade: --csv "\/proc\/grades.csv": /);
  });
  it.runIf(process.getuid?.() === 0)("as root, a read-only --csv is refused unless --force", () => {
    const ro = join(dir, "ro.csv");
    writeFileSync(ro, "keep\n");
    chmodSync(ro, 0o444);
    refused([cls, "--csv", ro], /is read-only.*--force/);
    expect(readFileSync(ro, "utf8")).toBe("keep\n");
  });
  it("a submission that is not JSON or has no cells keeps its rows (error), and a formula-like folder name is escaped", () => {
    const out = join(dir, "grades.csv");
    const r = grade(cls, "--csv", out);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines[0]).toBe("student,notebook,exercise,status");
    const escaped = `"'=HYPERLINK(""evil"",""x"")"`;
    expect(lines.filter((l) => l.startsWith(`${escaped},03-a.ipynb,`)).length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.startsWith("bob,05-b.ipynb,")).length).toBeGreaterThan(0);
    expect(lines.slice(1).every((l) => l.endsWith(",error"))).toBe(true);
    expect(lines.some((l) => /^[=+\-@]/.test(l))).toBe(false);
  }, 120_000);
});

describe("the class table's cells", () => {
  it("a cell a spreadsheet would run gets a leading quote; commas and quotes are quoted", () => {
    for (const f of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]) expect(csvCell(f).replace(/^"/, "")[0]).toBe("'");
    expect(csvCell("alice")).toBe("alice");
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(classTable([[null, "01.ipynb", { "1.1": "correct" }]], false)).toBe("notebook,exercise,status\n01.ipynb,1.1,correct\n");
  });
});
