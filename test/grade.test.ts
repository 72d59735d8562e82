// npm run grade: bad arguments get one line and a non-zero exit, never a traceback. (Grading real notebooks,
// with kernels: test/grade-bypass.test.ts.)
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";

function grade(...args: string[]) {
  const r = spawnSync("node", ["scripts/grade.mjs", ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stderr: r.stderr.trim(), stdout: r.stdout.trim() };
}

describe("npm run grade, bad arguments", () => {
  for (const [args, says] of [
    [[], "no notebooks given"],
    [["--csv"], "--csv needs a value"],
    [["notebooks/01-data.ipynb", "--html"], "--html needs a value"],
    [["nope.ipynb"], "no such notebook: nope.ipynb"],
    [["README.md"], "not a notebook"],
    [["notebooks/01-data.ipynb", "--timeout", "soon"], "--timeout must be a whole number"],
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
