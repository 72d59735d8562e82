// lib/course/numpy.ts: NumPy as a speed reference at its best. Fake Pythons (shell scripts printing what the probe
// would) stand in for real ones, so the choice is tested whatever Pythons this machine has.
import { describe, expect, it, afterEach } from "vitest";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { numpyEnv, probeNumpy, findNumpy, describeNumpy, SLOWING_VARIABLES } from "../lib/course/numpy";

const dir = mkdtempSync(join(tmpdir(), "numpy-test-"));
const saved = { NUMPY_PYTHON: process.env.NUMPY_PYTHON, OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
});

/** A "python" that prints the probe's JSON line, with the OPENBLAS_CORETYPE it was given as its core. */
function fakePython(name: string, blas: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho '{"executable": "${path}", "numpy": "9.9", "blas": "${blas}", "core": "'"$OPENBLAS_CORETYPE"'", "threads": 2}'\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("NumPy at its best", () => {
  it("numpyEnv drops OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, keeps the rest, adds what it is given", () => {
    process.env.OPENBLAS_CORETYPE = "Haswell";
    const env = numpyEnv({ OPENBLAS_NUM_THREADS: "1" });
    expect(SLOWING_VARIABLES).toEqual(["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]);
    expect("OPENBLAS_CORETYPE" in env).toBe(false);
    expect("OPENBLAS_L2_SIZE" in env).toBe(false);
    expect(env.OPENBLAS_NUM_THREADS).toBe("1");
    expect(env.PATH).toBe(process.env.PATH);
  });

  it("the probe runs without the slowing variables and reads the Python's answer", () => {
    process.env.OPENBLAS_CORETYPE = "Haswell";
    const p = probeNumpy(fakePython("py-openblas", "OpenBLAS 0.3.31"));
    expect(p).toMatchObject({ numpy: "9.9", blas: "OpenBLAS 0.3.31", core: "", threads: 2 }); // core "": the variable was removed
    expect(describeNumpy(p!)).toBe(`NumPy 9.9, OpenBLAS 0.3.31, 2 threads — ${join(dir, "py-openblas")}`);
    expect(probeNumpy(join(dir, "no-such-python"))).toBeNull();
  });

  it("a Python with an optimised BLAS is chosen before one with the reference BLAS, found first or not", () => {
    process.env.NUMPY_PYTHON = fakePython("py-reference", "reference BLAS");
    const { best, found } = findNumpy();
    expect(found[0].blas).toBe("reference BLAS"); // NUMPY_PYTHON is tried first …
    const optimised = found.filter((f) => f.blas !== "reference BLAS");
    expect(best).toBe(optimised[0] ?? found[0]); // … but loses to an optimised one found later (if this machine has one)
  });
});

process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
