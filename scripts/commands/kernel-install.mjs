#!/usr/bin/env node
// npm run kernel:install [-- --name tslab] [-- --uninstall]
//
// Registers this project's TypeScript kernel for JupyterLab, VS Code and any other Jupyter front end:
// a user-level kernelspec (in Jupyter's user data folder, e.g. ~/.local/share/jupyter/kernels/tslab)
// that starts the project's own tslab (node_modules) in this project's root, so that notebooks import
// ./lib/index. Nothing is installed globally. `npm start` and `npm test` do not need this: they find the
// project-local kernelspec in jupyter/ through JUPYTER_PATH.
//
// The kernelspec names this folder by its absolute path: run the command again after moving the project.
// It touches only a kernelspec it wrote itself (marked in kernel.json's metadata): another one of the same
// name is neither replaced nor removed, and a name is a plain folder name (never "." or "..").

import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { findPython, KERNEL_NAME, ROOT } from "../lib/setup.mjs";
import { fail, parseCommandLine } from "../lib/cli.mjs";

const { values: cli } = parseCommandLine("kernel:install", {
  options: { name: { type: "string" }, uninstall: { type: "boolean" } },
  help: "Usage: npm run kernel:install [-- --name NAME] [-- --uninstall]\n\nRegisters (or removes) this project's TypeScript kernel for your user.",
});

/** Jupyter's user data folder, as jupyter_core computes it (asked from Python when there is one). */
function jupyterDataDir() {
  const python = findPython(["jupyter_core"]);
  if (python) {
    const r = spawnSync(python.exe, ["-c", "from jupyter_core.paths import jupyter_data_dir; print(jupyter_data_dir())"], {
      encoding: "utf8",
    });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(process.env.APPDATA ?? homedir(), "jupyter");
  return join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
}

if (process.platform === "win32") {
  console.error("kernel:install writes a kernelspec that starts through /bin/sh; on Windows use WSL.");
  process.exit(1);
}

const name = cli.name ?? KERNEL_NAME;
// A plain folder name: starts with a letter or digit (so never "." or ".."), then letters, digits, ".", "_", "-".
if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name) || name.length > 64) {
  fail("kernel:install", `--name: expected a plain name (a letter or digit, then letters, digits, ".", "_" or "-", at most 64), found ${JSON.stringify(name)}`);
}
/** What marks a kernelspec as written by this command (older installs wrote "npm run kernel:install" too). */
const MARK = "npm run kernel:install";
const dir = join(jupyterDataDir(), "kernels", name);
const file = join(dir, "kernel.json");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

/** "absent", "ours" (a kernel.json we wrote, and nothing else but it), or why it is not ours. */
function whose() {
  if (!existsSync(dir) && !isLink(dir)) return "absent";
  if (isLink(dir) || !lstatSync(dir).isDirectory()) return "it is not a folder";
  const entries = readdirSync(dir);
  if (entries.length === 0) return "ours"; // an empty folder: nothing to lose
  let spec = null;
  try {
    spec = isLink(file) ? null : JSON.parse(readFileSync(file, "utf8"));
  } catch {
    /* unreadable: not ours */
  }
  if (spec?.metadata?.installedBy !== MARK) return "kernel:install did not write it";
  const others = entries.filter((e) => e !== "kernel.json");
  return others.length === 0 ? "ours" : `it holds files kernel:install did not write (${others.slice(0, 3).join(", ")})`;
}

function isLink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

const state = whose();
if (cli.uninstall) {
  if (state === "absent") {
    console.log(`No kernelspec at ${dir}: nothing to remove.`);
  } else if (state !== "ours") {
    fail("kernel:install", `the kernelspec ${dir} is not one this command installed (${state}): left as it is`, 1);
  } else {
    if (existsSync(file)) unlinkSync(file);
    rmdirSync(dir); // empty now: only what we wrote was there
    console.log(`Removed the kernelspec ${dir}`);
  }
  process.exit(0);
}
if (state !== "absent" && state !== "ours") {
  fail("kernel:install", `a kernelspec named "${name}" is already at ${dir} and is not one this command installed (${state}): left as it is; choose another --name`, 1);
}

// The memory settings of the project's own kernelspec (jupyter/kernels/tslab/kernel.json: V8's heap flags and
// glibc's malloc variables, which it explains), so that an installed kernel weighs what a class's kernel does.
const projectSpec = JSON.parse(readFileSync(join(ROOT, "jupyter", "kernels", KERNEL_NAME, "kernel.json"), "utf8"));
const nodeFlags = (/exec node ((?:--[\w-]+=\d+ )*)/.exec(projectSpec.argv[2])?.[1] ?? "").trim();

const spec = {
  // sh receives the project root, the node binary and the connection file as $0, $1, $2 (no quoting trouble).
  argv: [
    "/bin/sh",
    "-c",
    `cd "$0" && exec "$1" ${nodeFlags ? `${nodeFlags} ` : ""}--require ./jupyter/kernels/tslab/kernel-sockets.cjs --require ./jupyter/kernels/tslab/library-guard.cjs --require ./jupyter/kernels/tslab/compile-cache.cjs node_modules/tslab/bin/tslab kernel --config-path "$2"`,
    ROOT,
    process.execPath,
    "{connection_file}",
  ],
  display_name: `TypeScript (${pkg.name})`,
  language: "typescript",
  interrupt_mode: "signal",
  env: projectSpec.env ?? {},
  metadata: { project: ROOT, installedBy: MARK },
};

mkdirSync(dir, { recursive: true });
const tmp = join(dir, `.kernel.json.tmp-${process.pid}`);
writeFileSync(tmp, JSON.stringify(spec, null, 2) + "\n", { flag: "wx" });
renameSync(tmp, file);

console.log(
  [
    `Installed the kernel "${spec.display_name}" (name: ${name}) for this user:`,
    `  ${file}`,
    `It runs ${join(ROOT, "node_modules", "tslab")} with ${process.execPath}, in ${ROOT}.`,
    "",
    "JupyterLab: open notebooks/ and pick that kernel (Kernel ▸ Change Kernel) if it is not chosen already.",
    "VS Code:    open a notebook, 'Select Kernel' ▸ 'Jupyter Kernel…' ▸ the kernel above.",
    "Remove it with: npm run kernel:install -- --uninstall",
  ].join("\n"),
);
