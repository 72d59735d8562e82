// npm run notebooks [-- --html] [-- --out DIR] [-- --timeout S] [files...]      npm run notebooks:clear [files...]
//
// Executes notebooks through the project's tslab kernel (a fresh kernel per notebook, cell by cell),
// writes executed copies to build/notebooks/ and, with --html, HTML exports to build/html/.
// Default: every notebooks/*.ipynb, in order, then notebooks/solutions/*.ipynb. On an error it prints the notebook,
// the cell, its source and the error, and exits non-zero. This command reads the command line and checks every
// output before any kernel starts (lib/files.ts: no folder, device or FIFO, no input, no two outputs the same);
// the execution is scripts/jupyter/run_notebooks.py (nbclient), run under the Python that has Jupyter.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { checkOutputPaths, type NamedPath } from "../../lib/files";
import { fail, parseCommandLine, UsageError, wholeNumberOrThrow } from "../lib/cli.mjs";
import { startJupyterScript } from "../lib/python-runner.mjs";
import { ROOT } from "../lib/setup.mjs";

const HELP = `Usage: npm run notebooks [-- --html] [-- --out DIR] [-- --timeout SECONDS] [-- notebook.ipynb ...]
       npm run notebooks:clear [-- notebook.ipynb ...]

Executes each notebook in a fresh kernel, cell by cell (default: notebooks/*.ipynb, then notebooks/solutions/*.ipynb).
  --html        also export each executed notebook to DIR/html/
  --out DIR     where executed copies go (default build/): DIR/notebooks/NAME.ipynb
  --timeout S   seconds one cell may take (default 1800, or NB_TIMEOUT)
  --clear       do not run: clear outputs in place (before committing)
  --force       as root, replace read-only outputs`;

const rel = (p: string) => relative(process.cwd(), p) || p;

/** The notebooks named (each an existing .ipynb file), or the course's when none is. */
function notebooks(named: string[]): string[] {
  if (named.length === 0) {
    const list: string[] = [];
    for (const folder of [join(ROOT, "notebooks"), join(ROOT, "notebooks", "solutions")]) {
      if (existsSync(folder)) list.push(...readdirSync(folder).filter((f) => f.endsWith(".ipynb")).sort().map((f) => join(folder, f)));
    }
    return list;
  }
  for (const p of named) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`no such notebook: ${p}`);
    }
    if (st.isDirectory()) throw new UsageError(`${p}: is a folder; expected a notebook file (.ipynb)`);
    if (!p.endsWith(".ipynb")) throw new UsageError(`${p}: not a notebook (expected a .ipynb file)`);
    if (!st.isFile()) throw new UsageError(`${p}: not a regular file (a device or a pipe is not a notebook)`);
  }
  return named;
}

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine("notebooks", {
    options: { html: { type: "boolean" }, out: { type: "string" }, clear: { type: "boolean" }, timeout: { type: "string" }, force: { type: "boolean" } },
    allowPositionals: true,
    help: HELP,
  });
  const spec: Record<string, unknown> = { clear: values.clear === true, html: values.html === true };
  try {
    if (values.clear && (values.html || values.timeout !== undefined || values.out !== undefined)) {
      throw new UsageError("--clear clears notebooks in place: it takes only notebook files (no --html, --out or --timeout)");
    }
    const paths = notebooks(positionals);
    spec.paths = paths;
    if (!values.clear) {
      spec.timeout = values.timeout !== undefined
        ? wholeNumberOrThrow("--timeout", String(values.timeout), 1, 10 ** 7)
        : wholeNumberOrThrow("NB_TIMEOUT", process.env.NB_TIMEOUT ?? "1800", 1, 10 ** 7);
      const out = values.out !== undefined ? String(values.out) : rel(join(ROOT, "build"));
      spec.out = resolve(out);
      // the executed copies (and HTML exports) of every notebook: none an input, none twice, each writable
      const outputs: NamedPath[] = [];
      for (const p of paths) {
        const name = basename(p).replace(/\.ipynb$/, "");
        outputs.push({ path: join(out, "notebooks", `${name}.ipynb`), what: `executed copy of ${rel(p)}` });
        if (values.html) outputs.push({ path: join(out, "html", `${name}.html`), what: `HTML export of ${rel(p)}` });
      }
      checkOutputPaths(outputs, paths.map((p) => ({ path: p, what: `notebook ${rel(p)}` })), { force: values.force === true });
    }
  } catch (err) {
    return fail("notebooks", (err as Error).message);
  }
  const work = mkdtempSync(join(tmpdir(), "notebooks-")); // this run's own folder, removed whatever happens
  try {
    const file = join(work, "spec.json");
    writeFileSync(file, JSON.stringify(spec));
    return await startJupyterScript("notebooks", "run_notebooks.py", [file]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
