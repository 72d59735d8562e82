#!/usr/bin/env node
// npm run notebooks [-- --html] [files...]
//
// Executes notebooks through the project's tslab kernel (a fresh kernel per notebook, cell by cell),
// writes executed copies to build/notebooks/ and, with --html, HTML exports to build/html/.
// Default: every notebooks/*.ipynb, in order, then notebooks/solutions/*.ipynb. On an error it prints the notebook, the cell, its source
// and the error, and exits non-zero. The work is done by scripts/run_notebooks.py (nbclient); this
// wrapper picks the Python that has Jupyter and points JUPYTER_PATH at the project's kernelspec.

import { join } from "node:path";
import { findPython, jupyterEnv, ROOT } from "./setup.mjs";
import { fail } from "./lib/cli.mjs";
import { onParentGone, spawnTied } from "./lib/lifeline.mjs";

const python = findPython(["jupyter_client", "nbclient", "nbconvert", "nbformat"]);
if (!python) fail("notebooks", "no Python with Jupyter (jupyter_client, nbclient, nbconvert) found: run `npm run setup` first", 1);

// The runner holds a lifeline to us: if we end in any way (even SIGKILL), it shuts its kernel down and exits.
const child = spawnTied(python.exe, [join(ROOT, "scripts", "run_notebooks.py"), ...process.argv.slice(2)], {
  cwd: ROOT,
  env: jupyterEnv(),
  stdio: "inherit",
});

// Pass signals on; the runner shuts its kernel down and exits (it ignores repeats while cleaning up).
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}

// `npm run` starts us through `sh -c`, which dies on SIGTERM without passing it on: if our parent
// goes away, stop the runner as if we had been sent SIGTERM.
onParentGone(() => {
  if (child.exitCode === null) child.kill("SIGTERM");
});

child.on("exit", (code, signal) => {
  process.exit(code ?? (signal ? 128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1) : 1));
});
