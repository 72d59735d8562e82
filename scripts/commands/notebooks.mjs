#!/usr/bin/env node
// npm run notebooks [-- --html] [files...]
//
// Executes notebooks through the project's tslab kernel (a fresh kernel per notebook, cell by cell),
// writes executed copies to build/notebooks/ and, with --html, HTML exports to build/html/.
// Default: every notebooks/*.ipynb, in order, then notebooks/solutions/*.ipynb. On an error it prints the notebook, the cell, its source
// and the error, and exits non-zero. The work is done by scripts/jupyter/run_notebooks.py (nbclient); this
// wrapper picks the Python that has Jupyter and points JUPYTER_PATH at the project's kernelspec.

import { runJupyterScript } from "../lib/python-runner.mjs";

runJupyterScript("notebooks", "run_notebooks.py", process.argv.slice(2));
