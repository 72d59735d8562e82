// The set-up's library: what scripts/commands/setup.mjs runs (`setup()`), and the helpers every other
// script imports (ROOT, KERNEL_NAME, jupyterEnv, findPython, chromiumPath). Importing it does nothing.
//
// setup({ forTest }): what `npm start` needs: npm packages, Jupyter (classic Notebook, nbclient, nbconvert) and
// the project-local tslab kernelspec; forTest adds Chromium (the HTML check) and, where apt works,
// python3-numpy (benchmarks only, optional) and python3-torch (the independent reference of the autograd and
// layer tests).
//
// When everything is there it prints nothing and takes a fraction of a second. Otherwise it installs
// what is missing: `npm ci` when node_modules is missing or differs from package-lock.json; Debian
// packages with apt-get when running as root or with passwordless sudo; `pip install --user` where there
// is pip; and if none of these can work it stops with one message that says what to install.

import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The folder named by JUPYTER_PATH: holds kernels/tslab/kernel.json (relative paths only). */
export const JUPYTER_DIR = join(ROOT, "jupyter");
/** Ignored folder for Jupyter's runtime files (connection files, server info) of this project. */
export const LOCAL_DIR = join(ROOT, ".jupyter-local");
/** The project's kernel: the folder jupyter/kernels/<KERNEL_NAME>/ (the Python scripts read the name from there). */
export const KERNEL_NAME = "tslab";

/** Python modules the notebook runner and `npm start` need. */
export const JUPYTER_MODULES = ["jupyter_client", "nbclient", "nbconvert", "nbformat", "notebook"];
const DEBIAN_JUPYTER = ["jupyter-nbconvert", "python3-nbclient", "jupyter-client", "jupyter-notebook"];
const PIP_JUPYTER = ["notebook", "nbclient"];

export class SetupError extends Error {}

function log(message) {
  process.stderr.write(`setup: ${message}\n`);
}

/** The environment every Jupyter process of this project runs with. */
export function jupyterEnv(base = process.env) {
  const env = { ...base };
  env.JUPYTER_PATH = base.JUPYTER_PATH ? `${JUPYTER_DIR}${delimiter}${base.JUPYTER_PATH}` : JUPYTER_DIR;
  env.JUPYTER_RUNTIME_DIR = base.JUPYTER_RUNTIME_DIR || join(LOCAL_DIR, "runtime");
  env.PYDEVD_DISABLE_FILE_VALIDATION = "1";
  // The kernelspec runs `node`: make sure the node running us is the one found first.
  env.PATH = `${dirname(process.execPath)}${delimiter}${base.PATH || ""}`;
  mkdirSync(env.JUPYTER_RUNTIME_DIR, { recursive: true });
  return env;
}

// ---------------------------------------------------------------- node_modules

/** Why node_modules does not match package-lock.json, or null when it does. */
export function npmStaleReason() {
  const lockPath = join(ROOT, "package-lock.json");
  if (!existsSync(lockPath)) return null; // nothing to compare with: leave node_modules alone
  const hiddenPath = join(ROOT, "node_modules", ".package-lock.json");
  if (!existsSync(join(ROOT, "node_modules"))) return "node_modules is missing";
  if (!existsSync(hiddenPath)) return "node_modules was not installed by npm (no node_modules/.package-lock.json)";
  const wanted = JSON.parse(readFileSync(lockPath, "utf8")).packages ?? {};
  const have = JSON.parse(readFileSync(hiddenPath, "utf8")).packages ?? {};
  for (const [path, entry] of Object.entries(wanted)) {
    if (path === "" || entry.link) continue;
    const installed = have[path];
    if (!installed) {
      if (entry.optional) continue; // optional packages for other platforms are skipped by npm
      return `${path} is missing`;
    }
    if (installed.version !== entry.version) {
      return `${path} is ${installed.version}, package-lock.json wants ${entry.version}`;
    }
  }
  for (const path of Object.keys(have)) {
    if (!wanted[path]) return `${path} is installed but not in package-lock.json`;
  }
  // The hidden lockfile can outlive a deleted folder: check the direct dependencies are really there.
  for (const path of Object.keys(wanted)) {
    if (path.split("node_modules/").length === 2 && !wanted[path].optional) {
      if (!existsSync(join(ROOT, path, "package.json"))) return `${path} is missing`;
    }
  }
  return null;
}

function ensureNodeModules() {
  const reason = npmStaleReason();
  if (!reason) return;
  log(`${reason}: running npm ci`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new SetupError("`npm ci` failed (see above). Fix that, then run the command again.");
  const still = npmStaleReason();
  if (still) throw new SetupError(`after npm ci, node_modules still differs from package-lock.json: ${still}`);
}

// ---------------------------------------------------------------- Python with Jupyter

const PROBE = [
  "import importlib.util, json, sys",
  "mods = sys.argv[1:]",
  "print(json.dumps({'exe': sys.executable, 'version': list(sys.version_info[:3]),",
  "  'have': {m: importlib.util.find_spec(m) is not None for m in mods}}))",
].join("\n");

function onPath(name) {
  for (const dir of (process.env.PATH || "").split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      /* not here */
    }
  }
  return null;
}

/**
 * Which Python interpreters to try, best first: NB_PYTHON alone when it is set (an explicit choice),
 * else Debian's /usr/bin/python3 before `python3` on PATH (which may be a pyenv one without Jupyter).
 */
export function pythonCandidates() {
  if (process.env.NB_PYTHON) return [process.env.NB_PYTHON];
  const list = ["/usr/bin/python3", onPath("python3"), "/usr/local/bin/python3", onPath("python")];
  return [...new Set(list.filter((p) => p && existsSync(p)))];
}

/** Ask one interpreter which of `modules` it can import. */
export function probePython(exe, modules) {
  const r = spawnSync(exe, ["-c", PROBE, ...modules], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0 || !r.stdout) return null;
  try {
    return JSON.parse(r.stdout.trim().split("\n").pop());
  } catch {
    return null;
  }
}

/**
 * The first interpreter that imports every module in `required`, as
 * { exe, version, have } (have: which of required+optional it has), or null.
 */
export function findPython(required = JUPYTER_MODULES, optional = []) {
  for (const exe of pythonCandidates()) {
    const info = probePython(exe, [...required, ...optional]);
    if (info && required.every((m) => info.have[m])) return { ...info, exe };
  }
  return null;
}

// ---------------------------------------------------------------- Chromium

export function chromiumPath() {
  const list = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  return list.find((p) => p && existsSync(p)) ?? null;
}

// ---------------------------------------------------------------- installers

/** How to run apt-get: [] as root, ["sudo", "-n"] with passwordless sudo, or null. */
function aptPrefix() {
  if (process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) return null;
  if (process.getuid && process.getuid() === 0) return [];
  const sudo = onPath("sudo");
  if (sudo && spawnSync(sudo, ["-n", "true"], { stdio: "ignore" }).status === 0) return [sudo, "-n"];
  return null;
}

let aptUpdated = false;
function aptInstall(prefix, packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const run = (args) => {
    const cmd = [...prefix, "apt-get", ...args];
    const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ["ignore", "inherit", "inherit"], env });
    return r.status === 0;
  };
  if (!aptUpdated) {
    log("apt-get update");
    if (!run(["-q", "update"])) return false;
    aptUpdated = true;
  }
  log(`apt-get install ${packages.join(" ")}`);
  return run(["-q", "install", "-y", "--no-install-recommends", ...packages]);
}

function pipInstall(packages) {
  // Prefer the interpreter a user works with (pyenv, venv) over Debian's externally-managed one.
  const candidates = process.env.NB_PYTHON ? [process.env.NB_PYTHON] : [onPath("python3"), "/usr/bin/python3", onPath("python")];
  for (const exe of [...new Set(candidates.filter((p) => p && existsSync(p)))]) {
    if (spawnSync(exe, ["-m", "pip", "--version"], { stdio: "ignore" }).status !== 0) continue;
    log(`${exe} -m pip install --user ${packages.join(" ")}`);
    const inVenv = spawnSync(exe, ["-c", "import sys; sys.exit(0 if sys.prefix != sys.base_prefix else 1)"]).status === 0;
    const args = ["-m", "pip", "install", ...(inVenv ? [] : ["--user"]), ...packages];
    if (spawnSync(exe, args, { stdio: "inherit" }).status === 0) return true;
  }
  return false;
}

const JUPYTER_HELP = [
  "Jupyter (nbclient, nbconvert, the classic Notebook) is missing, and set-up cannot install it here:",
  "that needs root or passwordless sudo (for apt-get), or pip.",
  "Install it, then run the command again:",
  `  Debian/Ubuntu:  sudo apt-get install --no-install-recommends ${DEBIAN_JUPYTER.join(" ")}`,
  `  elsewhere:      python3 -m pip install --user ${PIP_JUPYTER.join(" ")}`,
  process.env.NB_PYTHON
    ? `(NB_PYTHON=${process.env.NB_PYTHON} is the only interpreter tried: install Jupyter for it, or unset NB_PYTHON.)`
    : "(If Jupyter is installed for another Python, point NB_PYTHON at that interpreter.)",
].join("\n");

function ensureJupyter(forTest) {
  const optional = forTest ? ["numpy"] : [];
  let found = findPython(JUPYTER_MODULES, optional);
  // apt installs for Debian's /usr/bin/python3: not when NB_PYTHON names another interpreter.
  const aptUsable = !process.env.NB_PYTHON || process.env.NB_PYTHON === "/usr/bin/python3";
  const apt = !aptUsable || (found && (!forTest || found.have.numpy)) ? null : aptPrefix();
  if (!found) {
    if (apt) {
      const pkgs = forTest ? [...DEBIAN_JUPYTER, "python3-numpy"] : DEBIAN_JUPYTER;
      if (!aptInstall(apt, pkgs)) throw new SetupError(`apt-get install failed (see above).\n${JUPYTER_HELP}`);
    } else if (!pipInstall(PIP_JUPYTER)) {
      throw new SetupError(JUPYTER_HELP);
    }
    found = findPython(JUPYTER_MODULES, optional);
    if (!found) throw new SetupError(`Jupyter was installed but no Python imports ${JUPYTER_MODULES.join(", ")}.\n${JUPYTER_HELP}`);
  }
  // numpy is only for the benchmarks' reference implementation: never fatal, and tried once.
  const numpyMarker = join(LOCAL_DIR, "numpy-install-failed");
  if (forTest && !found.have.numpy && apt && found.exe === "/usr/bin/python3" && !existsSync(numpyMarker)) {
    if (!aptInstall(apt, ["python3-numpy"])) {
      log("could not install python3-numpy (benchmarks only); carrying on, and not trying again");
      mkdirSync(LOCAL_DIR, { recursive: true });
      writeFileSync(numpyMarker, "apt-get install python3-numpy failed; delete this file to try again\n");
    }
  }
  return found;
}

function ensureChromium() {
  if (chromiumPath()) return;
  const apt = aptPrefix();
  const help =
    "Chromium is needed by the HTML check of `npm test` and is missing.\n" +
    "Install it (Debian: sudo apt-get install --no-install-recommends chromium), or set CHROMIUM_PATH to a Chrome/Chromium binary.";
  if (!apt) throw new SetupError(help);
  if (!aptInstall(apt, ["chromium"]) || !chromiumPath()) throw new SetupError(`apt-get install chromium failed (see above).\n${help}`);
}

// PyTorch (Debian's python3-torch, about 580 MB with its dependencies) is the independent automatic
// differentiation that test/autograd-torch.test.ts compares lib/autograd with. Not fatal here: without it
// that test fails and says how to install it. AUTOGRAD_PYTHON names another interpreter that has torch.
function ensureTorch() {
  const exe = process.env.AUTOGRAD_PYTHON ?? "/usr/bin/python3";
  if (probePython(exe, ["torch"])?.have.torch) return;
  const apt = exe === "/usr/bin/python3" ? aptPrefix() : null;
  if (!apt || !aptInstall(apt, ["python3-torch"])) log(`PyTorch is missing for ${exe} and could not be installed: test/autograd-torch.test.ts will fail`);
}

function checkKernelspec() {
  const spec = join(JUPYTER_DIR, "kernels", KERNEL_NAME, "kernel.json");
  if (!existsSync(spec)) throw new SetupError(`the project's kernelspec ${spec} is missing (it is committed: restore it with git)`);
  if (!existsSync(join(ROOT, "node_modules", "tslab", "bin", "tslab"))) {
    throw new SetupError("node_modules/tslab is missing although npm ci ran: check package.json lists tslab");
  }
}

// ---------------------------------------------------------------- the kernel's compile cache

/** The newest modification time (ms) of the files under `dir` whose names pass `keep`, or 0. */
export function newestMtime(dir, keep = () => true) {
  let newest = 0;
  const walk = (d) => {
    let names;
    try {
      names = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of names) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (keep(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

/**
 * Fills the kernel's compile cache (jupyter/kernels/tslab/compile-cache.cjs) when lib/ or the packages changed
 * after it was last written, so that the first chapter opened starts as quickly as the next. Never fatal: without the cache the
 * kernel compiles lib/ itself, as plain tslab does.
 */
function warmKernelCache() {
  const caches = createRequire(import.meta.url)(join(JUPYTER_DIR, "kernels", KERNEL_NAME, "cache-store.cjs")).cacheDirs(ROOT);
  if (caches.length === 0) return; // MNIST_KERNEL_CACHE=off
  // what the cache depends on and can change here: lib/, and the packages (npm ci rewrites node_modules/.package-lock.json)
  let sources = newestMtime(join(ROOT, "lib"), (name) => name.endsWith(".ts"));
  if (existsSync(join(ROOT, "node_modules", ".package-lock.json"))) sources = Math.max(sources, statSync(join(ROOT, "node_modules", ".package-lock.json")).mtimeMs);
  if (Math.max(...caches.map((dir) => newestMtime(dir, (name) => name.endsWith(".json")))) >= sources) return;
  log("compiling lib/ once for the kernel, so that chapters open quickly (a few seconds)");
  const r = spawnSync(process.execPath, [join(JUPYTER_DIR, "kernels", KERNEL_NAME, "compile-cache.cjs"), "--warm"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n").slice(-2).join(" ");
    log(`the kernel's compile cache was not filled (chapters still work, their first cell is slower): ${why}`);
  }
}

export async function setup({ forTest = false } = {}) {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 20) throw new SetupError(`this course needs Node 20 or newer; this is Node ${process.versions.node}`);
  ensureNodeModules();
  ensureJupyter(forTest);
  if (forTest) ensureChromium();
  if (forTest) ensureTorch();
  checkKernelspec();
  await buildWidgets();
  warmKernelCache();
}

/** The digit pad's and the playground's browser bundle (build/widgets.js), when web/ or lib/ changed since. */
async function buildWidgets() {
  const { ensureWidgetBundle } = await import("./widget-bundle.mjs"); // after npm ci: it needs esbuild
  try {
    if (ensureWidgetBundle()) log("built build/widgets.js (the digit pad and the playground, for the browser)");
  } catch (e) {
    log(`could not build build/widgets.js (drawDigit and playground will say so): ${String(e.message).split("\n")[0]}`);
  }
}
