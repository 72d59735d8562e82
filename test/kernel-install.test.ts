// npm run kernel:install touches only the kernelspec it made (issue 28): a name is a plain name, never "." or
// "..", and a kernelspec it did not write (python3, another tool's) is neither replaced nor removed.
// Jupyter's data folder is a temporary one (JUPYTER_DATA_DIR, with no Python to ask: NB_PYTHON names none).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const data = fs.mkdtempSync(path.join(os.tmpdir(), "kernel-install-"));
afterAll(() => fs.rmSync(data, { recursive: true, force: true }));
const python3 = path.join(data, "kernels", "python3", "kernel.json");
fs.mkdirSync(path.dirname(python3), { recursive: true });
fs.writeFileSync(python3, '{"argv": ["python3"], "display_name": "Python 3"}\n');
fs.mkdirSync(path.join(data, "nbextensions"));
fs.writeFileSync(path.join(data, "nbextensions", "keep.js"), "x");

function install(...args: string[]) {
  const r = spawnSync(process.execPath, ["scripts/commands/kernel-install.mjs", ...args], {
    encoding: "utf8",
    env: { ...process.env, JUPYTER_DATA_DIR: data, NB_PYTHON: path.join(data, "no-python") },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}
const untouched = () => {
  expect(fs.readFileSync(python3, "utf8")).toContain("Python 3");
  expect(fs.existsSync(path.join(data, "nbextensions", "keep.js"))).toBe(true);
};

describe("kernel:install", () => {
  for (const name of ["..", ".", "a/b", "../x", ".hidden", ""]) {
    it(`--name ${JSON.stringify(name)} --uninstall is refused (exit 2) and removes nothing`, () => {
      const r = install("--name", name, "--uninstall");
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/^kernel:install: (--name: expected a plain name|option --name needs a value)/);
      untouched();
    });
  }
  it("--name python3 neither replaces nor (with --uninstall) removes the Python kernel", () => {
    const r = install("--name", "python3");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/a kernelspec named "python3" is already at .* and is not one this command installed/);
    const u = install("--name", "python3", "--uninstall");
    expect(u.code).toBe(1);
    expect(u.out).toMatch(/is not one this command installed .*left as it is/);
    untouched();
    expect(fs.readdirSync(path.dirname(python3))).toEqual(["kernel.json"]); // no backup either
  });
  it("its own kernelspec: installed, installed again, removed; nothing else touched", () => {
    expect(install("--name", "course-ts").code).toBe(0);
    const spec = JSON.parse(fs.readFileSync(path.join(data, "kernels", "course-ts", "kernel.json"), "utf8"));
    expect(spec.metadata.installedBy).toBe("npm run kernel:install");
    expect(install("--name", "course-ts").code).toBe(0);
    expect(install("--name", "course-ts", "--uninstall").code).toBe(0);
    expect(fs.existsSync(path.join(data, "kernels", "course-ts"))).toBe(false);
    untouched();
  });
  it("its own name with a file it did not write beside kernel.json: not removed", () => {
    expect(install("--name", "mixed").code).toBe(0);
    fs.writeFileSync(path.join(data, "kernels", "mixed", "logo.png"), "someone's");
    const u = install("--name", "mixed", "--uninstall");
    expect(u.code).toBe(1);
    expect(u.out).toMatch(/holds files kernel:install did not write \(logo\.png\)/);
    expect(fs.existsSync(path.join(data, "kernels", "mixed", "logo.png"))).toBe(true);
  });
});
