#!/usr/bin/env node
// npm start [-- --port 8888] [-- --no-browser]
//
// Opens the course: the classic Jupyter Notebook on 127.0.0.1 with notebooks/ as its tree and the
// project's TypeScript kernel (jupyter/kernels/tslab, found through JUPYTER_PATH) as the default kernel.
// Prints the address (with its token) once the server answers. Ctrl-C stops the server and its kernels;
// so does the end of this script in any other way (the server holds a lifeline to us: scripts/lib/lifeline.mjs).

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { join } from "node:path";
import { findPython, jupyterEnv, KERNEL_NAME, ROOT } from "../lib/setup.mjs";
import { fail, parseCommandLine, wholeNumber } from "../lib/cli.mjs";
import { onParentGone, spawnTied } from "../lib/lifeline.mjs";

const HELP = `Usage: npm start [-- --port N] [-- --no-browser]

Starts the classic Jupyter Notebook on 127.0.0.1 with the course's notebooks and kernel.
  --port N        the first port to try (default 8888; the next free one up to N+49 is used)
  --no-browser    do not open a browser`;
const { values: cli } = parseCommandLine("start", { options: { port: { type: "string" }, "no-browser": { type: "boolean" } }, help: HELP });
const firstPort = cli.port === undefined ? 8888 : wholeNumber("start", "--port", cli.port, 1, 65535);

function portIsFree(port) {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once("error", () => resolveFree(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolveFree(true)));
  });
}

async function freePort(first) {
  const last = Math.min(first + 49, 65535);
  for (let port = first; port <= last; port++) if (await portIsFree(port)) return port;
  throw new Error(`no free port in ${first}..${last} on 127.0.0.1`);
}

async function waitForServer(url, child, seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const python = findPython();
if (!python) fail("start", "no Python with Jupyter's classic Notebook found: run `npm run setup` first", 1);
const version = spawnSync(python.exe, ["-c", "import notebook; print(notebook.__version__)"], { encoding: "utf8" }).stdout.trim();
const classic = Number(version.split(".")[0]) < 7;
const App = classic ? "NotebookApp" : "ServerApp";

const port = await freePort(firstPort).catch((err) => fail("start", err.message, 1));
const token = randomBytes(24).toString("hex");
const isRoot = process.getuid?.() === 0;
const hasDisplay = process.platform !== "linux" || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const openBrowser = !cli["no-browser"] && !isRoot && hasDisplay;

const args = [
  join(ROOT, "scripts", "jupyter", "lifeline.py"), // holds the lifeline, then runs `python -m notebook …`
  "-m",
  "notebook",
  `--${App}.ip=127.0.0.1`,
  `--${App}.port=${port}`,
  `--${App}.port_retries=0`,
  classic ? `--NotebookApp.notebook_dir=${join(ROOT, "notebooks")}` : `--ServerApp.root_dir=${join(ROOT, "notebooks")}`,
  `--MappingKernelManager.default_kernel_name=${KERNEL_NAME}`,
  "--KernelSpecManager.ensure_native_kernel=False",
  ...(openBrowser ? [] : ["--no-browser"]),
  ...(isRoot ? ["--allow-root"] : []),
];

// Its own process group: a Ctrl-C in the terminal reaches only us, and we stop the server with SIGTERM
// (on SIGINT the Notebook would ask "Shutdown this notebook server (y/[n])?").
const env = { ...jupyterEnv(), JUPYTER_TOKEN: token };
const server = spawnTied(python.exe, args, { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"], detached: true });

let stopping = false;
function stop(why) {
  if (stopping || server.exitCode !== null) return;
  stopping = true;
  console.log(`\n${why}: stopping the Notebook server and its kernels…`);
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {
    server.kill("SIGTERM");
  }
  setTimeout(() => {
    if (server.exitCode === null) {
      try {
        process.kill(-server.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }, 15_000).unref();
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => stop(signal === "SIGINT" ? "Ctrl-C" : signal));
// `npm start` runs us through `sh -c`; if that goes away, stop as if sent SIGTERM.
onParentGone((why) => stop(why));

server.on("exit", (code, signal) => process.exit(stopping ? 0 : (code ?? (signal ? 1 : 0))));

const base = `http://127.0.0.1:${port}`;
if (await waitForServer(`${base}/api/status?token=${token}`, server, 90)) {
  const line = "─".repeat(72);
  console.log(
    [
      "",
      line,
      ` The course is running (Jupyter Notebook ${version}, kernel: TypeScript/tslab). Open:`,
      "",
      `   ${base}/tree?token=${token}`,
      "",
      ` Start with 00-welcome.ipynb:`,
      `   ${base}/notebooks/00-welcome.ipynb?token=${token}`,
      "",
      " Stop with Ctrl-C.",
      line,
      "",
    ].join("\n"),
  );
} else if (server.exitCode === null) {
  console.error(`The Notebook server did not answer on ${base} within 90 s; stopping it.`);
  stop("timeout");
}
