#!/usr/bin/env node
// npm run grade -- FILES… [--csv OUT] [--timeout SECONDS]      (rows: notebook,exercise,status)
// npm run grade -- DIR --csv OUT                                (DIR/<student>/<notebook>.ipynb; rows: student,notebook,exercise,status)
//
// Runs each notebook headlessly in a fresh tslab kernel with a time limit (default 600 s a notebook) and
// writes one status per exercise: correct, wrong, unanswered or error; a summary table goes to the
// terminal. The work is done by scripts/grade.py (nbclient, as scripts/run_notebooks.py); this wrapper
// picks the Python that has Jupyter and points JUPYTER_PATH at the project's kernelspec.
// Students' code runs with your rights: grade in a container or as a throwaway user.

import { join } from "node:path";
import { findPython, jupyterEnv, ROOT } from "./setup.mjs";
import { onParentGone, spawnTied } from "./lib/lifeline.mjs";

const python = findPython(["jupyter_client", "nbclient", "nbconvert", "nbformat"]);
if (!python) {
  console.error("No Python with Jupyter (jupyter_client, nbclient, nbconvert) found: run `npm run setup` first.");
  process.exit(1);
}

// The grader holds a lifeline to us: if we end in any way (even SIGKILL), it shuts its kernel down and exits.
const child = spawnTied(python.exe, [join(ROOT, "scripts", "grade.py"), ...process.argv.slice(2)], {
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
