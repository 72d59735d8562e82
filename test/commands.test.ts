// Every command of the README refuses a bad command line with one line and a non-zero exit (no stack
// trace, no Python traceback) before doing any work; `--out .` never overwrites a source notebook; and a
// child server dies with its parent however the parent ends, SIGKILL included (scripts/lib/lifeline.mjs).
// The commands run for real, as `npm …` runs them (node scripts/….mjs, tsx for the TypeScript ones).
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface Run { code: number; stdout: string; stderr: string }

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
const node = (script: string, args: string[], env?: Record<string, string>) => run(process.execPath, [script, ...args], env);
const TSX = path.resolve("node_modules/.bin/tsx");
const notebooks = (args: string[], env?: Record<string, string>) => run(TSX, ["scripts/commands/notebooks.ts", ...args], env);

let dir: string;
let runs: Record<string, Promise<Run>>;
const NOTEBOOK = "notebooks/00-welcome.ipynb";
let notebookBefore: Buffer;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "commands-test-"));
  fs.writeFileSync(path.join(dir, "broken.ipynb"), '{"cells": [');
  fs.writeFileSync(path.join(dir, "empty.ipynb"), "{}");
  notebookBefore = fs.readFileSync(NOTEBOOK);
  runs = {
    "start --port abc": node("scripts/commands/start.mjs", ["--port", "abc"]),
    "start --port 70000": node("scripts/commands/start.mjs", ["--port", "70000"]),
    "start --port (no value)": node("scripts/commands/start.mjs", ["--port"]),
    "start --bogus": node("scripts/commands/start.mjs", ["--bogus"]),
    "start stray": node("scripts/commands/start.mjs", ["stray"]),
    "test --bogus": node("scripts/commands/test.mjs", ["--bogus"]),
    "test stray": node("scripts/commands/test.mjs", ["unit"]),
    "setup --for x": node("scripts/commands/setup.mjs", ["--for", "x"]),
    "notebooks README.md": notebooks(["README.md"]),
    "notebooks broken.ipynb": notebooks([path.join(dir, "broken.ipynb")]),
    "notebooks {}.ipynb": notebooks([path.join(dir, "empty.ipynb")]),
    "notebooks missing": notebooks(["notebooks/nope.ipynb"]),
    "notebooks folder": notebooks(["notebooks"]),
    "notebooks --out .": notebooks(["--out", ".", NOTEBOOK]),
    "notebooks --out notebooks/..": notebooks(["--html", "--out", "notebooks/..", NOTEBOOK]),
    "notebooks --out FILE": notebooks(["--out", "README.md", NOTEBOOK]),
    "notebooks same twice": notebooks([NOTEBOOK, `./${NOTEBOOK}`]),
    "notebooks --timeout abc": notebooks(["--timeout", "abc", NOTEBOOK]),
    "notebooks NB_TIMEOUT=abc": notebooks([NOTEBOOK], { NB_TIMEOUT: "abc" }),
    "notebooks --bogus": notebooks(["--bogus"]),
    "notebooks:clear README.md": notebooks(["--clear", "README.md"]),
    "notebooks:clear --html": notebooks(["--clear", "--html", NOTEBOOK]),
    "bench --bogus": run(TSX, ["bench/run.ts", "--bogus"]),
    "bench nosuchsection": run(TSX, ["bench/run.ts", "nosuchsection"]),
    "check-html missing.html": node("scripts/checks/check-html.mjs", [path.join(dir, "missing.html")]),
    "check-html README.md": node("scripts/checks/check-html.mjs", ["README.md"]),
    "kernel:install --bogus": node("scripts/commands/kernel-install.mjs", ["--bogus"]),
    "kernel:install --name": node("scripts/commands/kernel-install.mjs", ["--name"]),
    "train --port 1": run(TSX, ["scripts/commands/train.ts", "--port", "1"]),
    "train --epochs abc": run(TSX, ["scripts/commands/train.ts", "--epochs", "abc"]),
    "train --epochs given twice": run(TSX, ["scripts/commands/train.ts", "--epochs", "1", "--epochs", "2"]),
    "bench --reps 0": run(TSX, ["bench/run.ts", "--reps", "0"]),
    "bench --reps (no value)": run(TSX, ["bench/run.ts", "--reps"]),
    "bench --reps abc": run(TSX, ["bench/run.ts", "train", "--reps", "abc"]),
    "book --port 1e3": run(TSX, ["scripts/commands/book.ts", "--port", "1e3"]),
    "book --port 0x1F90": run(TSX, ["scripts/commands/book.ts", "--port", "0x1F90"]),
    "book --port ' 8000'": run(TSX, ["scripts/commands/book.ts", "--port", " 8000"]),
    "classroom start --port 1e3": node("scripts/commands/classroom.mjs", ["start", "--port", "1e3"]),
    "classroom --bogus": node("scripts/commands/classroom.mjs", ["status", "--bogus"]),
    "kernel:install --name ..": node("scripts/commands/kernel-install.mjs", ["--name", "..", "--uninstall"]),
  };
}, 60_000); // dozens of processes started at once: slow on a busy machine
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const expected: Record<string, RegExp> = {
  "start --port abc": /^start: --port: expected a whole number from 1 to 65535, found "abc"$/,
  "start --port 70000": /^start: --port: expected a whole number from 1 to 65535, found "70000"$/,
  "start --port (no value)": /^start: option --port needs a value$/,
  "start --bogus": /^start: unknown option --bogus \(see --help\)$/,
  "start stray": /^start: unexpected argument "stray" \(see --help\)$/,
  "test --bogus": /^test: unknown option --bogus/,
  "test stray": /^test: unexpected argument "unit"/,
  "setup --for x": /^setup: --for: expected start or test, found "x"$/,
  "notebooks README.md": /^notebooks: README\.md: not a notebook \(expected a \.ipynb file\)$/,
  "notebooks broken.ipynb": /^notebooks: .*broken\.ipynb: not a readable notebook \(NotJSONError/,
  "notebooks {}.ipynb": /^notebooks: .*empty\.ipynb: not a readable notebook/,
  "notebooks missing": /^notebooks: no such notebook: notebooks\/nope\.ipynb$/,
  "notebooks folder": /^notebooks: notebooks: is a folder; expected a notebook file/,
  "notebooks --out .": /^notebooks: executed copy of notebooks\/00-welcome\.ipynb "notebooks\/00-welcome\.ipynb": is the same file as the notebook notebooks\/00-welcome\.ipynb input/,
  "notebooks --out notebooks/..": /is the same file as the notebook notebooks\/00-welcome\.ipynb input/,
  "notebooks --out FILE": /^notebooks: executed copy of notebooks\/00-welcome\.ipynb "README\.md\/notebooks\/00-welcome\.ipynb": cannot be written: .*README\.md is a file, not a folder$/,
  "notebooks same twice": /^notebooks: executed copy of notebooks\/00-welcome\.ipynb "build\/notebooks\/00-welcome\.ipynb": is the same file as the executed copy of notebooks\/00-welcome\.ipynb output/,
  "notebooks --timeout abc": /^notebooks: --timeout: expected a whole number from 1 to 10000000, found "abc"$/,
  "notebooks NB_TIMEOUT=abc": /^notebooks: NB_TIMEOUT: expected a whole number from 1 to 10000000, found "abc"$/,
  "notebooks --bogus": /^notebooks: unknown option --bogus \(see --help\)$/,
  "notebooks:clear README.md": /^notebooks: README\.md: not a notebook/,
  "notebooks:clear --html": /^notebooks: --clear clears notebooks in place: it takes only notebook files/,
  "bench --bogus": /^bench: unknown option --bogus/,
  "bench nosuchsection": /^bench: unknown section "nosuchsection"/,
  "check-html missing.html": /^check-html: no such file: .*missing\.html$/,
  "check-html README.md": /^check-html: README\.md: expected an HTML file/,
  "kernel:install --bogus": /^kernel:install: unknown option --bogus/,
  "kernel:install --name": /^kernel:install: option --name needs a value$/,
  "train --port 1": /^train: unknown option --port \(see --help\)$/,
  "train --epochs abc": /^train: --epochs: expected an integer, found "abc"$/,
  "train --epochs given twice": /^train: option --epochs given twice$/,
  "bench --reps 0": /^bench: --reps: expected a whole number from 1 to 1000, found "0"$/,
  "bench --reps (no value)": /^bench: option --reps needs a value$/,
  "bench --reps abc": /^bench: --reps: expected a whole number from 1 to 1000, found "abc"$/,
  "book --port 1e3": /^book: --port: expected a whole number from 1 to 65535, found "1e3"$/,
  "book --port 0x1F90": /^book: --port: expected a whole number from 1 to 65535, found "0x1F90"$/,
  "book --port ' 8000'": /^book: --port: expected a whole number from 1 to 65535, found " 8000"$/,
  "classroom start --port 1e3": /^classroom: --port: expected a whole number from 1 to 65535, found "1e3"$/,
  "classroom --bogus": /^classroom: unknown option --bogus \(see --help\)$/,
  "kernel:install --name ..": /^kernel:install: --name: expected a plain name/,
};

describe("a bad command line: one line, exit 2, no stack trace, no traceback", () => {
  for (const [name, message] of Object.entries(expected)) {
    it(name, async () => {
      const r = await runs[name];
      expect(r.stderr).not.toMatch(/Traceback|\n\s+at |^\s+at /);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
    });
  }

  it("`notebooks --out .` left the source notebook as it was", async () => {
    await Promise.all([runs["notebooks --out ."], runs["notebooks --out notebooks/.."]]);
    expect(fs.readFileSync(NOTEBOOK)).toEqual(notebookBefore);
    expect(fs.existsSync("notebooks/notebooks")).toBe(false);
    expect(fs.existsSync("html")).toBe(false);
  });
});

describe("notebooks:clear rewrites a notebook in place atomically", () => {
  it("through a symbolic link: the link stays, the target is cleared, its mode 600 kept, no temporary file left", async () => {
    const nb = JSON.parse(fs.readFileSync(NOTEBOOK, "utf8"));
    const code = nb.cells.find((c: { cell_type: string }) => c.cell_type === "code");
    code.outputs = [{ output_type: "stream", name: "stdout", text: ["hello\n"] }];
    code.execution_count = 1;
    const folder = path.join(dir, "clear");
    fs.mkdirSync(folder);
    const target = path.join(folder, "chapter.ipynb");
    fs.writeFileSync(target, JSON.stringify(nb));
    fs.chmodSync(target, 0o600);
    fs.symlinkSync(target, path.join(dir, "link.ipynb"));
    const r = await notebooks(["--clear", path.join(dir, "link.ipynb")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(fs.lstatSync(path.join(dir, "link.ipynb")).isSymbolicLink()).toBe(true);
    const cleared = JSON.parse(fs.readFileSync(target, "utf8"));
    expect(cleared.cells.find((c: { cell_type: string }) => c.cell_type === "code").outputs).toEqual([]);
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(folder)).toEqual(["chapter.ipynb"]);
  });
});

// ---------------------------------------------------------------------------------------------
// Lifelines: kill the parent with SIGKILL (it gets no chance to clean up), the child must go too.

const PYTHON = [process.env.NB_PYTHON, "/usr/bin/python3"].find((p) => p && fs.existsSync(p)) ?? "python3";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, seconds: number): Promise<boolean> {
  for (const end = Date.now() + seconds * 1000; Date.now() < end; ) {
    if (!alive(pid) || fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] === "Z") return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Start `node parent.mjs`, wait for the line it prints with its child's pid, return both. */
function startParent(source: string): Promise<{ parent: ChildProcess; child: number }> {
  const file = path.join(dir, `parent-${Math.random().toString(36).slice(2)}.mjs`);
  fs.writeFileSync(file, source);
  const parent = spawn(process.execPath, [file], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    parent.stdout!.on("data", (b) => {
      out += b;
      const m = /child (\d+) ready/.exec(out);
      if (m) resolve({ parent, child: Number(m[1]) });
    });
    parent.on("exit", () => reject(new Error(`the parent ended early: ${out}`)));
  });
}

const lifeline = JSON.stringify(path.resolve("scripts/lib/lifeline.mjs"));

describe("a child dies with its parent, however the parent ends", () => {
  it("a Python server run through lifeline.py (as npm start runs the Notebook): SIGKILL of the parent stops it", async () => {
    const { parent, child } = await startParent(`
      import { spawnTied } from ${lifeline};
      const c = spawnTied(${JSON.stringify(PYTHON)}, [${JSON.stringify(path.resolve("scripts/jupyter/lifeline.py"))}, "-m", "http.server", "0", "--bind", "127.0.0.1"],
        { stdio: ["ignore", "pipe", "pipe"], detached: true });
      c.stdout.once("data", () => console.log("child " + c.pid + " ready"));
      setInterval(() => {}, 1000);
    `);
    expect(alive(child)).toBe(true);
    parent.kill("SIGKILL");
    expect(await gone(child, 20)).toBe(true);
  });

  it("a Node script holding its lifeline with onParentGone (as the notebook runner's wrapper does)", async () => {
    const childFile = path.join(dir, "child.mjs");
    fs.writeFileSync(childFile, `
      import { onParentGone } from ${lifeline};
      onParentGone(() => process.exit(0), 3_600_000); // the pipe alone (the parent-pid check waits an hour)
      setInterval(() => {}, 1000);
      console.log("child " + process.pid + " ready");
    `);
    const { parent, child } = await startParent(`
      import { spawnTied } from ${lifeline};
      const c = spawnTied(process.execPath, [${JSON.stringify(childFile)}], { stdio: ["ignore", "inherit", "inherit"], detached: true });
      setInterval(() => {}, 1000);
    `);
    expect(alive(child)).toBe(true);
    parent.kill("SIGKILL");
    expect(await gone(child, 20)).toBe(true);
  });

  it("a tied Node script that holds its lifeline still exits at once when it is done (npm test's steps do)", async () => {
    const childFile = path.join(dir, "quick.mjs");
    fs.writeFileSync(childFile, `
      import { onParentGone } from ${lifeline};
      onParentGone(() => {});
      setTimeout(() => process.exit(7), 100);
    `);
    const parentFile = path.join(dir, "quick-parent.mjs");
    fs.writeFileSync(parentFile, `
      import { spawnTied } from ${lifeline};
      const c = spawnTied(process.execPath, [${JSON.stringify(childFile)}], { stdio: ["ignore", "inherit", "inherit"] });
      const timer = setTimeout(() => { c.kill("SIGKILL"); console.log("hung"); process.exit(0); }, 15_000);
      c.on("exit", (status) => { clearTimeout(timer); console.log("exit " + status); process.exit(0); });
    `);
    const started = Date.now();
    const r = spawnSync(process.execPath, [parentFile], { encoding: "utf8", timeout: 30_000 });
    const code = /exit (\d+)/.exec(r.stdout)?.[1];
    expect(code, "the child hung in process.exit (a lifeline read blocking a libuv thread)").toBe("7");
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("npm start: the Jupyter server stops when the start script is killed with SIGKILL", async () => {
    const start = spawn(process.execPath, ["scripts/commands/start.mjs", "--no-browser", "--port", String(20000 + (process.pid % 20000))], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    start.stdout!.on("data", (b) => (out += b));
    start.stderr!.on("data", (b) => (out += b));
    const up = await new Promise<boolean>((resolve) => {
      const timer = setInterval(() => {
        if (/The course is running/.test(out)) resolve(true);
        if (start.exitCode !== null) resolve(false);
      }, 200);
      setTimeout(() => resolve(false), 100_000).unref();
      void timer;
    });
    const children = fs.readFileSync(`/proc/${start.pid}/task/${start.pid}/children`, "utf8").trim().split(/\s+/).map(Number);
    try {
      expect(up).toBe(true);
      expect(children.length).toBeGreaterThan(0);
      start.kill("SIGKILL");
      for (const pid of children) expect(await gone(pid, 30)).toBe(true);
    } finally {
      for (const pid of children) if (alive(pid)) process.kill(pid, "SIGKILL");
    }
  }, 180_000);
});
