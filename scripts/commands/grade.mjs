#!/usr/bin/env node
// npm run grade -- FILES… [--csv OUT] [--timeout SECONDS]      (rows: notebook,exercise,status)
// npm run grade -- DIR --csv OUT                                (DIR/<student>/<notebook>.ipynb; rows: student,notebook,exercise,status)
//
// Runs each notebook headlessly in a fresh tslab kernel with a time limit (default 600 s a notebook) and
// writes one status per exercise: correct, wrong, unanswered or error; a summary table goes to the
// terminal. The work is done by scripts/jupyter/grade.py (nbclient, as scripts/jupyter/run_notebooks.py); this wrapper
// picks the Python that has Jupyter and points JUPYTER_PATH at the project's kernelspec.
// Students' code runs with your rights: grade in a container or as a throwaway user.

import { runJupyterScript } from "../lib/python-runner.mjs";

runJupyterScript("grade", "grade.py", process.argv.slice(2));
