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

import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { findPython, KERNEL_NAME, ROOT } from "./setup.mjs";
import { parseCommandLine } from "./lib/cli.mjs";

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
if (!/^[a-z0-9._-]+$/i.test(name)) {
  console.error(`kernel:install: a kernel name is letters, digits, ".", "_" or "-", found "${name}"`);
  process.exit(1);
}
const dir = join(jupyterDataDir(), "kernels", name);
const file = join(dir, "kernel.json");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

if (cli.uninstall) {
  if (!existsSync(file)) {
    console.log(`No kernelspec at ${dir}: nothing to remove.`);
  } else {
    rmSync(dir, { recursive: true, force: true });
    console.log(`Removed the kernelspec ${dir}`);
  }
  process.exit(0);
}

const spec = {
  // sh receives the project root, the node binary and the connection file as $0, $1, $2 (no quoting trouble).
  argv: [
    "/bin/sh",
    "-c",
    'cd "$0" && exec "$1" --require ./jupyter/kernels/tslab/library-guard.cjs --require ./jupyter/kernels/tslab/compile-cache.cjs node_modules/tslab/bin/tslab kernel --config-path "$2"',
    ROOT,
    process.execPath,
    "{connection_file}",
  ],
  display_name: `TypeScript (${pkg.name})`,
  language: "typescript",
  interrupt_mode: "signal",
  metadata: { project: ROOT, installedBy: "npm run kernel:install" },
};

mkdirSync(dir, { recursive: true });
if (existsSync(file)) {
  let previous = null;
  try {
    previous = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    /* unreadable: back it up below */
  }
  if (previous?.metadata?.project !== ROOT) {
    const backup = `${file}.bak`;
    copyFileSync(file, backup);
    console.log(`A different kernelspec named "${name}" was there; it is saved as ${backup}`);
  }
}
writeFileSync(file, JSON.stringify(spec, null, 2) + "\n");

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
