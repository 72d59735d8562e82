// The one wrapper behind `npm run notebooks` and `npm run grade`: pick the Python that has Jupyter, point
// JUPYTER_PATH at the project's kernelspec, run one of our Python scripts (scripts/jupyter/) tied to us.
import { join } from "node:path";
import { findPython, jupyterEnv, ROOT } from "./setup.mjs";
import { fail } from "./cli.mjs";
import { onParentGone, spawnTied } from "./lifeline.mjs";

/** Runs scripts/jupyter/<script> with these arguments under the Python that has Jupyter; resolves with its exit code. */
export function startJupyterScript(command, script, args) {
  const python = findPython(["jupyter_client", "nbclient", "nbconvert", "nbformat"]);
  if (!python) fail(command, "no Python with Jupyter (jupyter_client, nbclient, nbconvert) found: run `npm run setup` first", 1);

  // The script holds a lifeline to us: if we end in any way (even SIGKILL), it shuts its kernel down and exits.
  const child = spawnTied(python.exe, [join(ROOT, "scripts", "jupyter", script), ...args], { cwd: ROOT, env: jupyterEnv(), stdio: "inherit" });

  // Pass signals on; the script shuts its kernel down and exits (it ignores repeats while cleaning up).
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  }

  // `npm run` starts us through `sh -c`, which dies on SIGTERM without passing it on: if our parent
  // goes away, stop the script as if we had been sent SIGTERM.
  onParentGone(() => {
    if (child.exitCode === null) child.kill("SIGTERM");
  });

  return new Promise((done) => {
    child.on("exit", (code, signal) => {
      done(code ?? (signal ? 128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1) : 1));
    });
  });
}

/** startJupyterScript, then exit with the script's code; never returns. */
export function runJupyterScript(command, script, args) {
  startJupyterScript(command, script, args).then((code) => process.exit(code));
}
